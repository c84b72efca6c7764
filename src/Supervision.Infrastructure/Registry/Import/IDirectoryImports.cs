using Supervision.Core.Identity;

namespace Supervision.Infrastructure.Registry.Import;

/// <summary>
/// The one write path of bulk imports (the long operation behind POST /api/imports/…, and the embedded demo data): who may
/// import is decided inside by the rules the single-record grains apply (<c>DirectoryAccess</c>), and the rows are held to
/// them one by one — a non-admin's inspector file names only their own department, and the importer's guards keep an
/// entity's status and class and other departments' inspectors out — so a file never does what a single write may not.
/// A caller who may not import at all is refused with <see cref="UnauthorizedAccessException"/>. Reads: <see cref="ImportQueries"/>.
/// </summary>
public interface IDirectoryImports
{
    /// <summary>A new job id (time-ordered), for an import to run later as that job.</summary>
    string NewJobId();

    /// <summary>Imports entities as the job <paramref name="jobId"/> (null: a new one).</summary>
    Task<ImportJob> ImportEntitiesAsync(string? jobId, Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress, CancellationToken ct = default);

    /// <summary>Imports inspectors as the job <paramref name="jobId"/> (null: a new one); departments must exist.</summary>
    Task<ImportJob> ImportInspectorsAsync(string? jobId, Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress, CancellationToken ct = default);
}
