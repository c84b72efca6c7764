using System.IO.Pipelines;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;

namespace Supervision.Api.Hosting;

/// <summary>
/// Fills an empty embedded installation with a reproducible synthetic Liaoning directory from the generator, so
/// the platform can be tried at once. On by default in embedded mode only; Supervision:Demo:Enabled=false turns it
/// off, Supervision:Demo:Entities / :Inspectors / :Seed size it. It never touches a database that has entities.
/// </summary>
internal sealed class DemoData(
    Microsoft.Extensions.Options.IOptions<DemoOptions> options,
    PlatformSettings platform,
    MarketEntityStore entities,
    IDepartmentService departments,
    IInspectionItemService items,
    IDirectoryImports imports,
    ReferenceData reference) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var demo = options.Value;
        var enabled = demo.EnabledFor(platform);
        if (!enabled || await entities.AnyAsync(cancellationToken))
        {
            return;
        }

        var (entityCount, inspectorCount, seed) = (demo.Entities, demo.Inspectors, demo.Seed);
        var generator = new SyntheticDirectory(seed, entityCount, inspectorCount, reference);
        // Written as any admin's would be: through the departments', items' and imports' write paths, as a system admin.
        var actor = Actor.System("demo-data");

        foreach (var d in generator.Departments)
        {
            Written(await departments.CreateAsync(new DepartmentDraft(d.Code, d.Name, null, d.DivisionCode, null, null), actor, cancellationToken), d.Code);
        }

        foreach (var item in generator.Items)
        {
            var draft = new ItemDraft(item.Code, item.Name, item.DepartmentCode, item.LegalBasis, item.Method, item.Key, item.EntityTypes, item.Industries,
                item.ResultCodes, Active: true);
            Written(await items.CreateAsync(draft, actor, cancellationToken), item.Code);
        }

        // The generator writes CSV into a pipe that the importer reads: the same path as a real upload.
        var entityJob = await ImportThroughPipe(w => generator.WriteEntitiesCsv(w, null, cancellationToken),
            r => imports.ImportEntitiesAsync(null, r, "demo-entities.csv", actor, null, cancellationToken));
        var inspectorJob = await ImportThroughPipe(w => generator.WriteInspectorsCsv(w, null, cancellationToken),
            r => imports.ImportInspectorsAsync(null, r, "demo-inspectors.csv", actor, null, cancellationToken));
        Console.WriteLine($"  Demo dataset loaded (seed {seed}): {entityJob.Inserted:N0} entities, {inspectorJob.Inserted:N0} inspectors, " +
            $"{generator.Departments.Count} departments, {generator.Items.Count} items. Turn off with Supervision:Demo:Enabled=false.");
    }

    /// <summary>The generator's records are valid by construction: a refusal is a bug to stop at, not a record to skip.</summary>
    private static void Written<T>(ChangeResult<T> result, string key)
        where T : class
    {
        if (!result.Succeeded && result.Status != ChangeStatus.AlreadyExists)
            throw new InvalidOperationException($"demo data: '{key}' was refused ({result.Status}): {result.Detail}{string.Join("; ", result.FieldErrors.Select(e => $"{e.Field}: {e.Reason}"))}");
    }

    private static async Task<ImportJob> ImportThroughPipe(Action<Stream> write, Func<Stream, Task<ImportJob>> import)
    {
        var pipe = new Pipe();
        var producer = Task.Run(async () =>
        {
            await using var stream = pipe.Writer.AsStream();
            write(stream);
        });
        await using var reader = pipe.Reader.AsStream();
        var job = await import(reader);
        await producer;
        return job;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
