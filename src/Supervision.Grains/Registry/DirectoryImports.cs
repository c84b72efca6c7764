using Supervision.Core.Identity;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Registry.Import;

namespace Supervision.Grains.Registry;

/// <summary>Bulk imports' write path (<see cref="IDirectoryImports"/>): the single-record rules, applied to the caller and to every row.</summary>
public sealed class DirectoryImports(DirectoryImporter importer, DepartmentStore departments) : IDirectoryImports
{
    public string NewJobId() => importer.NewJobId();

    public Task<ImportJob> ImportEntitiesAsync(string? jobId, Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress, CancellationToken ct = default)
    {
        // The status and class rules of the entity grain hold row by row: the importer's guards (ImportSpecs.Entities).
        if (!DirectoryAccess.MayMaintainEntities(actor)) throw new UnauthorizedAccessException(DirectoryAccess.EntityMaintenanceRefusal);
        return jobId is null
            ? importer.ImportEntitiesAsync(csv, fileName, actor, progress, ct)
            : importer.ImportEntitiesAsync(jobId, csv, fileName, actor, progress, ct);
    }

    public async Task<ImportJob> ImportInspectorsAsync(string? jobId, Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress, CancellationToken ct = default)
    {
        if (!DirectoryAccess.MayImportInspectors(actor))
            throw new UnauthorizedAccessException("Only schedulers and administrators of a department (or platform admins) import its inspectors.");
        var known = (await departments.ListAsync(null, null, null, 100_000, ct)).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        // The inspector grain's rule (DirectoryAccess.InspectorWriteRefusal) row by row: a non-admin maintains their own
        // department's inspectors only — rows naming another are rejected as read, and the importer's guard refuses taking
        // over another department's inspector by naming them.
        return await importer.ImportInspectorsAsync(jobId, csv, fileName, actor, known.Contains, actor.IsAdmin ? null : actor.DepartmentCode ?? string.Empty, progress, ct);
    }
}
