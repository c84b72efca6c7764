using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Registry.Import;

/// <summary>The import jobs and their rejected lines, read for the API, the pages and the CLI (the importer writes them).</summary>
public sealed class ImportQueries(SqlStore store)
{
    private const string JobColumns =
        """
        id, kind, file_name AS FileName, status, rows_read AS RowsRead, inserted, updated, unchanged, rejected, flagged,
        bytes_read AS BytesRead, sha256, error, actor, started_at AS StartedAt, finished_at AS FinishedAt
        """;

    public Task<ImportJob?> GetAsync(string id, CancellationToken ct = default) =>
        store.QuerySingleOrDefaultAsync<ImportJob>($"SELECT {JobColumns} FROM import_jobs WHERE id = @id", new { id }, ct);

    /// <summary>Jobs newest first, of <paramref name="actor"/> (null: everyone's), before the id <paramref name="before"/>.</summary>
    public Task<IReadOnlyList<ImportJob>> ListAsync(string? actor, string? before, int limit, CancellationToken ct = default) =>
        store.QueryAsync<ImportJob>(
            $"""
            SELECT {JobColumns} FROM import_jobs
            WHERE (@actor IS NULL OR actor = @actor) AND (@before IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """,
            new { actor, before, limit },
            ct);

    /// <summary>Rejected lines with field and reason, by line, after <paramref name="afterLine"/>.</summary>
    public Task<IReadOnlyList<ImportError>> ErrorsAsync(string id, long? afterLine, int limit, CancellationToken ct = default) =>
        store.QueryAsync<ImportError>(
            "SELECT line, field, reason FROM import_errors WHERE job_id = @id AND (@afterLine IS NULL OR line > @afterLine) ORDER BY line, field LIMIT @limit",
            new { id, afterLine, limit },
            ct);
}
