using System.Data.Common;
using System.Security.Cryptography;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Infrastructure.Registry.Import;

/// <summary>A bulk import as it stands: while it runs, the counters grow; when it ends, status says how.</summary>
public sealed record ImportJob
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required string FileName { get; init; }

    /// <summary>running, completed, or failed (nothing was applied).</summary>
    public required string Status { get; init; }
    public long RowsRead { get; init; }
    public long Inserted { get; init; }
    public long Updated { get; init; }
    public long Unchanged { get; init; }
    public long Rejected { get; init; }
    public long Flagged { get; init; }
    public long BytesRead { get; init; }
    public string? Sha256 { get; init; }
    public string? Error { get; init; }
    public required string Actor { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>A rejected (or superseded) line of an import file.</summary>
public sealed record ImportError
{
    public long Line { get; init; }
    public required string Field { get; init; }
    public required string Reason { get; init; }
}

/// <summary>A test's hook into an import: where it may hold the import to observe or interrupt it.</summary>
public interface IImportFaults
{
    /// <summary>Called once the file is read and staged, before the merge (an import run as an operation).</summary>
    ValueTask BeforeMergeAsync(string jobId);

    /// <summary>Called after the job's progress (rows read so far) is written, every 20,000 rows, while the file is read.</summary>
    ValueTask AfterProgressAsync(string jobId, long rowsRead) => ValueTask.CompletedTask;
}

/// <summary>Progress as the file streams in (for a progress bar).</summary>
public readonly record struct ImportProgress(long RowsRead, long Rejected, long BytesRead);

/// <summary>
/// Bulk import of the two directories from CSV. The file is streamed (memory does not grow with it): rows are
/// parsed and validated one at a time, bad rows are recorded with their line and reason, and good rows go into
/// a session-private staging table — binary COPY on PostgreSQL, prepared inserts on SQLite. Only when the whole
/// file has been read without a fatal error is the staging table merged into the directory in one transaction
/// (an upsert that leaves identical rows untouched), so a truncated or non-CSV file changes nothing and
/// re-importing the same file changes nothing.
/// </summary>
public sealed class DirectoryImporter(SqlStore store, AuditLog audit, ReferenceData reference, TimeProvider clock, long bulkThreshold = DirectoryImporter.DefaultBulkThreshold,
    IImportFaults? faults = null)
{
    /// <summary>At most this many error lines are stored per job; the count is always exact.</summary>
    public const int MaxStoredErrors = 10_000;

    private const int ProgressEveryRows = 20_000;

    private const int StagingBatch = 1_024;

    private readonly ImportQueries _queries = new(store);

    public Task<ImportJob> ImportEntitiesAsync(Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress = null, CancellationToken ct = default) =>
        RunAsync(ImportSpecs.Entities, csv, fileName, actor, s => DirectoryCsv.ReadEntitiesAsync(s, reference, ValidationMode.Lenient, ct), _ => null, progress, null, ct);

    /// <summary>
    /// Imports entities as the job <paramref name="jobId"/> (an import run as a long operation). Running it again — after
    /// its silo died — starts the job's counters afresh, or answers the job as it is if its merge already committed; a
    /// failure of the database is thrown (the operation retries it) rather than recorded as the file's.
    /// </summary>
    public Task<ImportJob> ImportEntitiesAsync(string jobId, Stream csv, string fileName, Actor actor, IProgress<ImportProgress>? progress, CancellationToken ct) =>
        RunAsync(ImportSpecs.Entities, csv, fileName, actor, s => DirectoryCsv.ReadEntitiesAsync(s, reference, ValidationMode.Lenient, ct), _ => null, progress, jobId, ct);

    /// <summary>Imports inspectors; <paramref name="allowedDepartment"/> (a scheduler's own) rejects rows of other departments.</summary>
    public Task<ImportJob> ImportInspectorsAsync(
        Stream csv, string fileName, Actor actor, Func<string, bool> knownDepartment, string? allowedDepartment,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default) =>
        ImportInspectorsAsync(null, csv, fileName, actor, knownDepartment, allowedDepartment, progress, ct);

    /// <summary>Imports inspectors as the job <paramref name="jobId"/> of a long operation (see the entities' overload).</summary>
    public Task<ImportJob> ImportInspectorsAsync(
        string? jobId, Stream csv, string fileName, Actor actor, Func<string, bool> knownDepartment, string? allowedDepartment,
        IProgress<ImportProgress>? progress, CancellationToken ct) =>
        RunAsync(
            ImportSpecs.Inspectors, csv, fileName, actor,
            s => DirectoryCsv.ReadInspectorsAsync(s, ValidationMode.Lenient, knownDepartment, ct),
            r => allowedDepartment is not null && r.DepartmentCode != allowedDepartment
                ? FieldError.NotAllowed("departmentCode", $"you may only import inspectors of your department '{allowedDepartment}'", r.DepartmentCode)
                : null,
            progress, jobId, ct);

    /// <summary>The job <paramref name="id"/> (<see cref="ImportQueries"/>).</summary>
    public Task<ImportJob?> GetAsync(string id, CancellationToken ct = default) => _queries.GetAsync(id, ct);

    /// <summary>Rejected lines of the job <paramref name="id"/> (<see cref="ImportQueries"/>).</summary>
    public Task<IReadOnlyList<ImportError>> ErrorsAsync(string id, long? afterLine, int limit, CancellationToken ct = default) =>
        _queries.ErrorsAsync(id, afterLine, limit, ct);

    private async Task<ImportJob> RunAsync<T>(
        ImportSpec<T> spec,
        Stream csv,
        string fileName,
        Actor actor,
        Func<Stream, IAsyncEnumerable<CsvReadResult<T>>> read,
        Func<T, FieldError?> authorize,
        IProgress<ImportProgress>? progress,
        string? jobId,
        CancellationToken ct)
        where T : class
    {
        var job = new ImportJob
        {
            Id = jobId ?? NewJobId(),
            Kind = spec.Kind,
            FileName = fileName,
            Status = "running",
            Actor = actor.Username,
            StartedAt = clock.GetUtcNow(),
        };
        await using (var connection = await store.OpenAsync(ct))
        {
            // An operation's import run again: a merged job is its own outcome; otherwise its counters start afresh (the
            // staging table of the earlier attempt died with its session). Its error lines stay: the same file gives the
            // same lines, each stored once (line, field), so an attempt that ran beside this one cannot make them differ.
            if (jobId is not null && await GetAsync(jobId, ct) is { } earlier)
            {
                if (earlier.Status == "completed") return earlier;
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE import_jobs SET status = 'running', rows_read = 0, inserted = 0, updated = 0, unchanged = 0, rejected = 0, flagged = 0,
                        bytes_read = 0, sha256 = NULL, error = NULL, finished_at = NULL
                    WHERE id = @Id AND status <> 'completed'
                    """, new { job.Id }, cancellationToken: ct));
            }
            else
            {
                await connection.ExecuteAsync(
                    "INSERT INTO import_jobs (id, kind, file_name, status, actor, started_at) VALUES (@Id, @Kind, @FileName, @Status, @Actor, @StartedAt)", job);
            }
        }

        await using var counting = new CountingStream(csv);
        var errors = new ErrorSink(store, job.Id);
        long rows = 0, rejected = 0, flagged = 0;
        string? fatal = null;
        await using var stage = await OpenStagingConnectionAsync(ct);

        // Parsing and staging overlap: this loop reads and validates rows while a second task streams the good
        // ones into the staging table, in batches through a bounded channel (so memory stays flat).
        using var stagingFailed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batches = Channel.CreateBounded<List<(long Line, Staged<T> Row)>>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        Task? staging = null;
        try
        {
            await using var writer = await StageWriter<T>.OpenAsync(stage, spec, store.IsPostgres, ct);
            staging = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in batches.Reader.ReadAllAsync(stagingFailed.Token))
                    {
                        foreach (var (line, row) in batch)
                        {
                            await writer.AddAsync(line, row, stagingFailed.Token);
                        }
                    }

                    await writer.CompleteAsync(stagingFailed.Token);
                }
                catch
                {
                    await stagingFailed.CancelAsync();
                    throw;
                }
            }, CancellationToken.None);

            var pending = new List<(long, Staged<T>)>(StagingBatch);
            try
            {
                await foreach (var result in read(counting).WithCancellation(stagingFailed.Token))
                {
                    if (result.IsFatal)
                    {
                        fatal = $"{fileName}, {result.Message}";
                        break;
                    }

                    rows++;
                    var refusal = result.IsRecord ? authorize(result.Record!) : null;
                    if (!result.IsRecord || refusal is not null)
                    {
                        rejected++;
                        var reasons = refusal is not null ? [refusal] : result.Errors.Count > 0 ? result.Errors : [FieldError.Unreadable(string.Empty, result.Message)];
                        foreach (var error in reasons)
                        {
                            await errors.AddAsync(result.LineNumber, error.Field, error.Reason, ct);
                        }
                    }
                    else
                    {
                        var isFlagged = result.Flags.Contains(RecordFlags.ChecksumReview);
                        flagged += isFlagged ? 1 : 0;
                        pending.Add((result.LineNumber, new Staged<T>(result.Record!, isFlagged)));
                        if (pending.Count == StagingBatch)
                        {
                            await batches.Writer.WriteAsync(pending, stagingFailed.Token);
                            pending = new List<(long, Staged<T>)>(StagingBatch);
                        }
                    }

                    if (rows % ProgressEveryRows == 0)
                    {
                        await errors.FlushAsync(ct);
                        await ReportAsync(job.Id, rows, rejected, counting.BytesRead, progress, ct);
                    }
                }

                if (pending.Count > 0 && fatal is null)
                {
                    await batches.Writer.WriteAsync(pending, stagingFailed.Token);
                }
            }
            finally
            {
                batches.Writer.TryComplete();
            }

            await staging;
        }
        catch (Exception e) when (e is not OperationCanceledException || (stagingFailed.IsCancellationRequested && !ct.IsCancellationRequested))
        {
            // Run as an operation, a failure of the database (reading the staged file, staging rows) is not the file's:
            // the operation tries again, and the job starts afresh.
            if (jobId is not null && (e is DbException || staging?.Exception?.GetBaseException() is DbException)) throw;

            // A failure of the staging task surfaces here (directly, or as the cancellation it caused).
            var cause = e;
            if (staging is not null && !ReferenceEquals(e, staging.Exception?.GetBaseException()))
            {
                try
                {
                    await staging;
                }
                catch (Exception stagingError) when (stagingError is not OperationCanceledException)
                {
                    cause = stagingError;
                }
                catch (OperationCanceledException)
                {
                }
            }

            fatal = $"the import stopped: {cause.Message}";
        }

        await errors.FlushAsync(ct);
        await ReportAsync(job.Id, rows, rejected, counting.BytesRead, progress, ct);
        var sha = Convert.ToHexStringLower(counting.Hash());
        if (fatal is not null)
        {
            await FinishAsync(job.Id, "failed", new MergeCounts(0, 0, 0), flagged, sha, fatal + " Nothing was imported.", ct);
            return (await GetAsync(job.Id, ct))!;
        }

        if (faults is not null) await faults.BeforeMergeAsync(job.Id);
        await MergeAsync(stage, spec, job, actor, fileName, sha, rows, rejected, flagged, errors, ct);
        return (await GetAsync(job.Id, ct))!;
    }

    /// <summary>A new job id: they sort by start time, so the newest job lists first.</summary>
    public string NewJobId() => $"{clock.GetUtcNow():yyyyMMddHHmmssfff}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Records that an import run as an operation stopped on an error that was not the file's (the operation may run it again).</summary>
    public async Task StoppedAsync(string jobId, string reason, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE import_jobs SET status = 'failed', error = @reason, finished_at = @now WHERE id = @jobId AND status = 'running'",
            new { jobId, reason, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    private sealed record MergeCounts(long Inserted, long Updated, long Unchanged, long Refused = 0);

    /// <summary>Imports adding fewer new rows than this (or than half the table) maintain indexes row by row.</summary>
    public const long DefaultBulkThreshold = 100_000;

    /// <summary>
    /// The staging connection. On PostgreSQL it is a private, unpooled session so that its temp-table buffers can be
    /// enlarged (a setting allowed only before a session first touches a temp table).
    /// </summary>
    private async Task<DbConnection> OpenStagingConnectionAsync(CancellationToken ct)
    {
        if (!store.IsPostgres)
        {
            return await store.OpenAsync(ct);
        }

        var builder = new NpgsqlConnectionStringBuilder(store.ConnectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SET temp_buffers = '256MB'", cancellationToken: ct));
        return connection;
    }

    /// <summary>The table's primary-key constraint, unless a foreign key elsewhere depends on it.</summary>
    private static async Task<(string Name, string Definition)?> DroppablePrimaryKeyAsync(DbConnection connection, DbTransaction tx, string table, CancellationToken ct)
    {
        var referenced = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = to_regclass(@table)", new { table }, tx, cancellationToken: ct));
        if (referenced > 0)
        {
            return null;
        }

        var rows = await connection.QueryAsync<(string Name, string Definition)>(new CommandDefinition(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' AND conrelid = to_regclass(@table)", new { table }, tx, cancellationToken: ct));
        return rows.Select(r => ((string, string)?)r).FirstOrDefault();
    }

    /// <summary>
    /// Secondary indexes of <paramref name="table"/> (not the primary key), as statements that recreate them. A large
    /// import drops them, merges, and recreates them in the same transaction: building an index once by sorting is
    /// far cheaper than maintaining it row by row, and if anything fails the transaction restores them.
    /// </summary>
    private async Task<List<(string Name, string Definition)>> SecondaryIndexesAsync(DbConnection connection, DbTransaction tx, string table, CancellationToken ct)
    {
        var sql = store.IsPostgres
            ? """
              SELECT i.indexname AS Name, i.indexdef AS Definition FROM pg_indexes i
              WHERE i.schemaname = current_schema() AND i.tablename = @table
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
              """
            : "SELECT name AS Name, sql AS Definition FROM sqlite_master WHERE type = 'index' AND tbl_name = @table AND sql IS NOT NULL";
        return (await connection.QueryAsync<(string, string)>(new CommandDefinition(sql, new { table }, tx, cancellationToken: ct))).AsList();
    }

    private async Task<MergeCounts> MergeAsync<T>(
        DbConnection connection, ImportSpec<T> spec, ImportJob job, Actor actor, string fileName, string sha,
        long rows, long rejected, long flagged, ErrorSink errors, CancellationToken ct)
    {
        var stageTable = spec.StageTable;
        var names = spec.Columns.Select(c => c.Name).ToList();
        var nonKey = names.Where(n => n != spec.Key).ToList();
        await using var tx = connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : await connection.BeginTransactionAsync(ct);
        errors.Holding = true;

        // One merge per job: a second runner of the same operation (its first silo presumed dead but still going) finds the
        // job merged and changes nothing. SQLite's immediate transaction already serialises writers.
        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM import_jobs WHERE id = @Id" + (store.IsPostgres ? " FOR UPDATE" : ""), new { job.Id }, tx, cancellationToken: ct));
        if (status != "running")
        {
            await tx.RollbackAsync(ct);
            errors.Discard();
            return new MergeCounts(0, 0, 0);
        }

        // Rows the actor may not write, by what the directory holds now: reported and removed before anything merges.
        var refused = 0L;
        foreach (var guard in spec.Guards(actor))
        {
            var lines = (await connection.QueryAsync<long>(new CommandDefinition(
                guard.LinesSql + " ORDER BY 1", new { department = actor.DepartmentCode ?? string.Empty }, tx, cancellationToken: ct, commandTimeout: 0))).AsList();
            foreach (var line in lines)
            {
                await errors.AddAsync(line, guard.Field, guard.Reason, ct);
            }

            if (lines.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    $"DELETE FROM {stageTable} WHERE line IN ({guard.LinesSql})", new { department = actor.DepartmentCode ?? string.Empty }, tx,
                    cancellationToken: ct, commandTimeout: 0));
                refused += lines.Count;
            }
        }

        rejected += refused;

        var staged = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {stageTable}", transaction: tx, cancellationToken: ct, commandTimeout: 0));
        var distinct = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(DISTINCT {spec.Key}) FROM {stageTable}", transaction: tx, cancellationToken: ct, commandTimeout: 0));

        // A key that appears twice: the later line wins, and the earlier one is reported as superseded. Files
        // without repeated keys (the usual case) skip the de-duplication entirely.
        var latest = distinct == staged ? "TRUE" : $"line IN (SELECT MAX(line) FROM {stageTable} GROUP BY {spec.Key})";
        var superseded = distinct == staged ? [] : (await connection.QueryAsync<(long Line, long Later)>(new CommandDefinition(
            $"""
            SELECT s.line, m.later FROM {stageTable} s
            JOIN (SELECT {spec.Key} AS k, MAX(line) AS later FROM {stageTable} GROUP BY {spec.Key} HAVING COUNT(*) > 1) m ON s.{spec.Key} = m.k
            WHERE s.line < m.later ORDER BY s.line LIMIT {MaxStoredErrors}
            """,
            transaction: tx, cancellationToken: ct))).AsList();
        foreach (var (line, later) in superseded)
        {
            await errors.AddAsync(line, KeyField(spec), $"the same key appears again on line {later}; the later line was imported", ct);
        }

        if (spec.BeforeMerge is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(spec.BeforeMerge, transaction: tx, cancellationToken: ct, commandTimeout: 0));
        }

        var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {stageTable} s WHERE {latest.Replace("line IN", "s.line IN", StringComparison.Ordinal)} AND EXISTS (SELECT 1 FROM {spec.Table} t WHERE t.{spec.Key} = s.{spec.Key})",
            transaction: tx, cancellationToken: ct, commandTimeout: 0));
        var tableRows = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM {spec.Table}", transaction: tx, cancellationToken: ct, commandTimeout: 0));
        var bulk = distinct - existing >= bulkThreshold && distinct - existing >= tableRows / 2;
        var indexes = bulk ? await SecondaryIndexesAsync(connection, tx, spec.Table, ct) : [];
        if (store.IsPostgres)
        {
            await connection.ExecuteAsync(new CommandDefinition("SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '512MB'", transaction: tx, cancellationToken: ct));
        }

        foreach (var (name, _) in indexes)
        {
            await connection.ExecuteAsync(new CommandDefinition($"DROP INDEX {name}", transaction: tx, cancellationToken: ct));
        }

        // One audit line per changed record, before and after, as the single-record routes write them — set-based, in the
        // merge's transaction. New records get their own lines too, except in a bulk first load (the file's line, with
        // its SHA-256, records those: millions of "created" lines would double the load for no extra information).
        await AuditRowsAsync(connection, tx, spec, actor, names, nonKey, latest, includeCreated: !bulk, ct);

        var selectList = string.Join(", ", names.Select(n => spec.InsertExpressions.TryGetValue(n, out var e) ? e : n));
        int affected;

        // First load into an empty PostgreSQL table: nothing can conflict (the staging rows are de-duplicated), so the
        // primary key is rebuilt once after a plain INSERT instead of being probed row by row. Skipped when another
        // table's foreign key depends on the primary key.
        var primaryKey = bulk && store.IsPostgres && tableRows == 0 ? await DroppablePrimaryKeyAsync(connection, tx, spec.Table, ct) : null;
        if (primaryKey is { } pk)
        {
            await connection.ExecuteAsync(new CommandDefinition($"ALTER TABLE {spec.Table} DROP CONSTRAINT {pk.Name}", transaction: tx, cancellationToken: ct));
            affected = await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {spec.Table} ({string.Join(", ", names)}, version, updated_at) SELECT {selectList}, 1, @now FROM {stageTable} WHERE {latest}",
                new { now = clock.GetUtcNow() }, tx, commandTimeout: 0, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition($"ALTER TABLE {spec.Table} ADD CONSTRAINT {pk.Name} {pk.Definition}", transaction: tx, cancellationToken: ct, commandTimeout: 0));
        }
        else
        {
            var changed = string.Join(" OR ", nonKey.Select(n => $"{spec.Table}.{n} IS DISTINCT FROM excluded.{n}"));
            affected = await connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO {spec.Table} ({string.Join(", ", names)}, version, updated_at)
                SELECT {selectList}, 1, @now FROM {stageTable} WHERE {latest}
                ON CONFLICT ({spec.Key}) DO UPDATE SET
                    {string.Join(", ", nonKey.Select(n => $"{n} = excluded.{n}"))},
                    version = {spec.Table}.version + 1, updated_at = excluded.updated_at
                WHERE {changed}
                """,
                new { now = clock.GetUtcNow() },
                tx, commandTimeout: 0, cancellationToken: ct));
        }

        foreach (var (_, definition) in indexes)
        {
            await connection.ExecuteAsync(new CommandDefinition(definition, transaction: tx, cancellationToken: ct, commandTimeout: 0));
        }

        var inserted = distinct - existing;
        var updated = affected - inserted;
        var counts = new MergeCounts(inserted, updated, existing - updated, refused);

        // The file's own audit line: who, which file (by content hash) and its counts. The lines for the records it
        // changed were written above, one per record, before and after (docs/architecture.md, "Security").
        await audit.AppendAsync(connection, tx, actor, $"{spec.Kind}.imported", "import", job.Id, actor.DepartmentCode, null,
            new { fileName, sha256 = sha, rows, rejected, flagged, counts.Inserted, counts.Updated, counts.Unchanged });

        // The errors found while merging and the job's end commit with the merge: a job is completed exactly when its rows are in.
        await errors.FlushAsync(connection, tx, ct);
        await FinishAsync(connection, tx, job.Id, "completed", counts, flagged, sha, null, ct);
        await tx.CommitAsync(ct);
        errors.Holding = false;
        await connection.ExecuteAsync($"DROP TABLE IF EXISTS {stageTable}");
        return counts;
    }

    private async Task AuditRowsAsync<T>(DbConnection connection, DbTransaction tx, ImportSpec<T> spec, Actor actor, IReadOnlyList<string> names,
        IReadOnlyList<string> nonKey, string latest, bool includeCreated, CancellationToken ct)
    {
        var json = store.IsPostgres ? "json_build_object" : "json_object";
        var cast = store.IsPostgres ? "::text" : "";
        string Json(string alias) => $"{json}({string.Join(", ", names.Select(n => $"'{ToCamel(n)}', {alias}.{n}"))}){cast}";
        var department = spec.AuditDepartmentColumn is { } d ? "s." + d : "NULL";
        var latestRows = latest.Replace("line IN", "s.line IN", StringComparison.Ordinal);
        var changed = string.Join(" OR ", nonKey.Select(n => $"t.{n} IS DISTINCT FROM s.{n}"));
        var p = new DynamicParameters();
        audit.AddValues(p, "a_", actor, spec.AuditSubject + ".updated", spec.AuditSubject, "", null, null, null);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO audit_log ({AuditLog.Columns})
            SELECT @a_at, @a_actor, @a_action, @a_subject_type, s.{spec.Key}, {department}, {Json("t")}, {Json("s")}
            FROM {spec.StageTable} s JOIN {spec.Table} t ON t.{spec.Key} = s.{spec.Key}
            WHERE {latestRows} AND ({changed})
            """, p, tx, cancellationToken: ct, commandTimeout: 0));
        if (!includeCreated) return;
        p.Add("a_action", spec.AuditSubject + ".created");
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO audit_log ({AuditLog.Columns})
            SELECT @a_at, @a_actor, @a_action, @a_subject_type, s.{spec.Key}, {department}, NULL, {Json("s")}
            FROM {spec.StageTable} s
            WHERE {latestRows} AND NOT EXISTS (SELECT 1 FROM {spec.Table} t WHERE t.{spec.Key} = s.{spec.Key})
            """, p, tx, cancellationToken: ct, commandTimeout: 0));
    }

    private static string ToCamel(string column)
    {
        var parts = column.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(x => char.ToUpperInvariant(x[0]) + x[1..]));
    }

    private static string KeyField<T>(ImportSpec<T> spec) => spec.Key == "credit_code" ? "creditCode" : "certificateNo";

    private async Task ReportAsync(string id, long rows, long rejected, long bytes, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        progress?.Report(new ImportProgress(rows, rejected, bytes));
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE import_jobs SET rows_read = @rows, rejected = @rejected, bytes_read = @bytes WHERE id = @id",
            new { id, rows, rejected, bytes }, cancellationToken: ct));
        if (faults is not null) await faults.AfterProgressAsync(id, rows);
    }

    private async Task FinishAsync(string id, string status, MergeCounts counts, long flagged, string sha, string? error, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await FinishAsync(connection, null, id, status, counts, flagged, sha, error, ct);
    }

    private async Task FinishAsync(DbConnection connection, DbTransaction? tx, string id, string status, MergeCounts counts, long flagged, string sha, string? error,
        CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE import_jobs SET status = @status, inserted = @Inserted, updated = @Updated, unchanged = @Unchanged, flagged = @flagged, rejected = rejected + @Refused,
                sha256 = @sha, error = @error, finished_at = @now
            WHERE id = @id
            """,
            new { id, status, counts.Inserted, counts.Updated, counts.Unchanged, counts.Refused, flagged, sha, error, now = clock.GetUtcNow() },
            tx, cancellationToken: ct));
    }

    /// <summary>Collects error lines and writes them in batches; beyond <see cref="MaxStoredErrors"/> only counts.</summary>
    private sealed class ErrorSink(SqlStore store, string jobId)
    {
        private readonly List<(long Line, string Field, string Reason)> _pending = [];
        private int _stored;

        /// <summary>
        /// Set while the merge transaction is open: errors found then wait in memory (at most <see cref="MaxStoredErrors"/>)
        /// instead of being written on a second connection, which on SQLite would wait for the merge's write lock.
        /// </summary>
        public bool Holding { get; set; }

        public async Task AddAsync(long line, string field, string reason, CancellationToken ct)
        {
            if (_stored + _pending.Count >= MaxStoredErrors)
            {
                return;
            }

            // One row per (line, field): several problems with one field are joined.
            var existing = _pending.FindIndex(p => p.Line == line && p.Field == field);
            if (existing >= 0)
            {
                _pending[existing] = (line, field, _pending[existing].Reason + "; " + reason);
            }
            else
            {
                _pending.Add((line, field, reason));
            }

            if (_pending.Count >= 500 && !Holding)
            {
                await FlushAsync(ct);
            }
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            await store.InTransactionAsync(async (connection, tx) =>
            {
                await WriteAsync(connection, tx);
                return 0;
            }, ct);
            _stored += _pending.Count;
            _pending.Clear();
        }

        /// <summary>Writes the pending errors in the caller's transaction (the merge's).</summary>
        public async Task FlushAsync(DbConnection connection, DbTransaction tx, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            await WriteAsync(connection, tx);
            _stored += _pending.Count;
            _pending.Clear();
        }

        /// <summary>Forgets the pending errors (a merge that did not happen).</summary>
        public void Discard() => _pending.Clear();

        private async Task WriteAsync(DbConnection connection, DbTransaction tx)
        {
            foreach (var (line, field, reason) in _pending)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO import_errors (job_id, line, field, reason) VALUES (@jobId, @line, @field, @reason) ON CONFLICT DO NOTHING",
                    new { jobId, line, field, reason }, tx);
            }
        }
    }

    /// <summary>Counts and hashes the bytes the CSV reader pulls, without buffering them.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long BytesRead { get; private set; }

        public byte[] Hash() => _hash.GetHashAndReset();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            _hash.AppendData(buffer.Span[..n]);
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Writes staged rows: one binary COPY stream on PostgreSQL, batched prepared inserts on SQLite.</summary>
internal abstract class StageWriter<T> : IAsyncDisposable
{
    public static async Task<StageWriter<T>> OpenAsync(DbConnection connection, ImportSpec<T> spec, bool postgres, CancellationToken ct)
    {
        var columns = string.Join(", ", spec.Columns.Select(c => $"{c.Name} {(postgres ? c.PostgresDdl : c.SqliteDdl)}"));
        await connection.ExecuteAsync(new CommandDefinition($"DROP TABLE IF EXISTS {spec.StageTable}", cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE TEMP TABLE {spec.StageTable} (line {(postgres ? "bigint" : "INTEGER")} NOT NULL, {columns})", cancellationToken: ct));
        if (postgres)
        {
            var names = string.Join(", ", spec.Columns.Select(c => c.Name));
            var importer = await ((NpgsqlConnection)connection).BeginBinaryImportAsync($"COPY {spec.StageTable} (line, {names}) FROM STDIN (FORMAT BINARY)", ct);
            return new PostgresStage(importer, spec);
        }

        return new SqliteStage((SqliteConnection)connection, spec);
    }

    public abstract ValueTask AddAsync(long line, Staged<T> row, CancellationToken ct);

    public abstract ValueTask CompleteAsync(CancellationToken ct);

    public abstract ValueTask DisposeAsync();

    private sealed class PostgresStage(NpgsqlBinaryImporter importer, ImportSpec<T> spec) : StageWriter<T>
    {
        public override async ValueTask AddAsync(long line, Staged<T> row, CancellationToken ct)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(line, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
            foreach (var column in spec.Columns)
            {
                await column.Copy(importer, row, ct);
            }
        }

        public override async ValueTask CompleteAsync(CancellationToken ct) => await importer.CompleteAsync(ct);

        public override ValueTask DisposeAsync() => importer.DisposeAsync();
    }

    /// <summary>Staging rows live in SQLite's per-connection temp database, so staging never locks the directory.</summary>
    private sealed class SqliteStage : StageWriter<T>
    {
        private const int RowsPerTransaction = 20_000;
        private readonly SqliteConnection _connection;
        private readonly ImportSpec<T> _spec;
        private readonly SqliteCommand _insert;
        private SqliteTransaction? _tx;
        private int _inTransaction;

        public SqliteStage(SqliteConnection connection, ImportSpec<T> spec)
        {
            _connection = connection;
            _spec = spec;
            _insert = connection.CreateCommand();
            _insert.CommandText =
                $"INSERT INTO {spec.StageTable} (line, {string.Join(", ", spec.Columns.Select(c => c.Name))}) VALUES (@line, {string.Join(", ", spec.Columns.Select(c => "@" + c.Name))})";
            _insert.Parameters.Add("@line", SqliteType.Integer);
            foreach (var column in spec.Columns)
            {
                _insert.Parameters.Add("@" + column.Name, SqliteType.Text);
            }
        }

        public override async ValueTask AddAsync(long line, Staged<T> row, CancellationToken ct)
        {
            if (_tx is null)
            {
                _tx = _connection.BeginTransaction(deferred: true);
                _insert.Transaction = _tx;
                _inTransaction = 0;
            }

            _insert.Parameters[0].Value = line;
            for (var i = 0; i < _spec.Columns.Count; i++)
            {
                _insert.Parameters[i + 1].Value = _spec.Columns[i].Value(row) ?? DBNull.Value;
            }

            await _insert.ExecuteNonQueryAsync(ct);
            if (++_inTransaction >= RowsPerTransaction)
            {
                await _tx.CommitAsync(ct);
                await _tx.DisposeAsync();
                _tx = null;
            }
        }

        public override async ValueTask CompleteAsync(CancellationToken ct)
        {
            if (_tx is not null)
            {
                await _tx.CommitAsync(ct);
                await _tx.DisposeAsync();
                _tx = null;
            }

            _insert.Transaction = null;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_tx is not null)
            {
                await _tx.DisposeAsync();
            }

            await _insert.DisposeAsync();
        }
    }
}
