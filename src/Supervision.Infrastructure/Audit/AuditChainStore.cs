using System.Data.Common;
using Dapper;
using Supervision.Core.Audit;
using Supervision.Core.Calendar;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Audit;

/// <summary>A published day's head of the audit chain.</summary>
public sealed record AuditAnchor(DateOnly Day, long LastId, string Hash, long Lines, DateTimeOffset CreatedAt);

/// <summary>
/// Keeps <c>audit_chain</c> and <c>audit_anchors</c> (schema 0020) in step with <c>audit_log</c>, and verifies them.
/// Lines are chained in id order by one writer at a time (an advisory lock on PostgreSQL, the write lock on SQLite), a
/// little after they are written: an id gap may be a transaction still committing, so chaining stops there while the gap
/// is younger than <see cref="GapGrace"/> or (PostgreSQL) a transaction that was writing before the line after it still
/// runs; otherwise the gap was rolled back and is passed.
/// </summary>
public sealed class AuditChainStore(SqlStore store, TimeProvider clock)
{
    public static readonly TimeSpan GapGrace = TimeSpan.FromSeconds(30);

    private const int Batch = 5_000;

    private const long LockKey = 0x5375_7056_4175_6421; // pg_advisory_xact_lock key of the chainer

    private const string LineColumns =
        """
        l.id AS Id, l.at AS At, l.actor AS Actor, l.action AS Action, l.subject_type AS SubjectType, l.subject_key AS SubjectKey,
        l.department_code AS DepartmentCode, l.before_json AS BeforeJson, l.after_json AS AfterJson
        """;

    /// <summary>Chains the lines written since the last run; returns how many it chained.</summary>
    public async Task<long> ExtendAsync(CancellationToken ct = default)
    {
        long total = 0;
        while (true)
        {
            var chained = await store.InTransactionAsync(async (connection, tx) =>
            {
                if (store.IsPostgres)
                    await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: ct));
                var last = await connection.QueryFirstOrDefaultAsync<(long Id, string Hash)?>(new CommandDefinition(
                    "SELECT id, hash FROM audit_chain ORDER BY id DESC LIMIT 1", transaction: tx, cancellationToken: ct));
                var (lastId, head) = last ?? (0L, AuditChain.Genesis);
                var lines = (await connection.QueryAsync<LineRow>(new CommandDefinition(
                    $"SELECT {LineColumns} FROM audit_log l WHERE l.id > @lastId ORDER BY l.id LIMIT {Batch}", new { lastId }, tx, cancellationToken: ct)))
                    .Select(r => r.ToLine()).ToList();
                var now = clock.GetUtcNow();
                // On PostgreSQL a gap may be a line of a transaction still open (an import writes its row audit lines
                // early and commits minutes later): a gap is passed only when no transaction that was writing before the
                // line after it is still running. The grace period covers the rest (and SQLite, which has one writer).
                var oldestWriter = store.IsPostgres
                    ? await connection.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
                        "SELECT min(xact_start) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
                        transaction: tx, cancellationToken: ct))
                    : null;
                long count = 0;
                var expected = lastId + 1;
                foreach (var line in lines)
                {
                    if (line.Id != expected && (now - line.At < GapGrace || oldestWriter <= line.At)) break;
                    var hash = AuditChain.Next(head, line);
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO audit_chain (id, prev_hash, hash, chained_at) VALUES (@Id, @head, @hash, @now)",
                        new { line.Id, head, hash, now }, tx, cancellationToken: ct));
                    head = hash;
                    lastId = line.Id;
                    expected = line.Id + 1;
                    count++;
                }

                return (count, full: lines.Count == Batch && count == lines.Count);
            }, ct);
            total += chained.count;
            if (!chained.full) break;
        }

        await AnchorAsync(ct);
        return total;
    }

    /// <summary>Anchors every Beijing day before today whose lines are all chained and that has no anchor yet.</summary>
    private async Task AnchorAsync(CancellationToken ct)
    {
        var today = ChinaTime.DateOf(clock.GetUtcNow());
        await store.InTransactionAsync(async (connection, tx) =>
        {
            if (store.IsPostgres)
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: ct));
            var lastAnchor = await connection.QueryFirstOrDefaultAsync<DateOnly?>(new CommandDefinition(
                "SELECT day FROM audit_anchors ORDER BY day DESC LIMIT 1", transaction: tx, cancellationToken: ct));
            DateOnly day;
            if (lastAnchor is { } anchored)
            {
                day = anchored.AddDays(1);
            }
            else
            {
                var first = await connection.QueryFirstOrDefaultAsync<DateTimeOffset?>(new CommandDefinition(
                    "SELECT at FROM audit_log ORDER BY id LIMIT 1", transaction: tx, cancellationToken: ct));
                if (first is null) return 0;
                day = ChinaTime.DateOf(first.Value);
            }

            var chainedThrough = await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT max(id) FROM audit_chain", transaction: tx, cancellationToken: ct)) ?? 0;
            // Lines are counted from the last anchor on (a key range of the chain), not from the start each day.
            var (counted, countedThrough) = await connection.QueryFirstOrDefaultAsync<(long Lines, long LastId)?>(new CommandDefinition(
                "SELECT lines, last_id FROM audit_anchors ORDER BY day DESC LIMIT 1", transaction: tx, cancellationToken: ct)) ?? (0L, 0L);
            for (; day < today; day = day.AddDays(1))
            {
                var end = ChinaTime.StartOf(day.AddDays(1));
                var lastOfDay = await connection.QueryFirstOrDefaultAsync<long?>(new CommandDefinition(
                    "SELECT max(id) FROM audit_log WHERE at < @end", new { end }, tx, cancellationToken: ct));
                if (lastOfDay is not { } id || id > chainedThrough) break; // nothing yet, or not all chained: the next run anchors it
                var hash = await connection.QuerySingleAsync<string>(new CommandDefinition(
                    "SELECT hash FROM audit_chain WHERE id = @id", new { id }, tx, cancellationToken: ct));
                var lines = counted + await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM audit_chain WHERE id > @countedThrough AND id <= @id", new { countedThrough, id }, tx, cancellationToken: ct));
                (counted, countedThrough) = (lines, id);
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO audit_anchors (day, last_id, hash, lines, created_at) VALUES (@day, @id, @hash, @lines, @now)",
                    new { day, id, hash, lines, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
            }

            return 0;
        }, ct);
    }

    public async Task<IReadOnlyList<AuditAnchor>> AnchorsAsync(DateOnly? before, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var filter = before is null ? "" : "WHERE day < @before";
        return [.. (await connection.QueryAsync<AnchorRow>(new CommandDefinition(
            $"SELECT {AnchorColumns} FROM audit_anchors {filter} ORDER BY day DESC LIMIT @limit", new { before, limit }, cancellationToken: ct)))
            .Select(r => r.ToAnchor())];
    }

    private const string AnchorColumns = "day AS Day, last_id AS LastId, hash AS Hash, lines AS Lines, created_at AS CreatedAt";

    /// <summary>
    /// Recomputes the chain over every chained line and compares it with the stored hashes and the stored anchors (and
    /// <paramref name="published"/>, anchors a verifier saved from the portal earlier).
    /// </summary>
    public async Task<AuditChainReport> VerifyAsync(IReadOnlyList<AuditAnchor>? published = null, CancellationToken ct = default)
    {
        var anchors = (await AnchorsAsync(null, int.MaxValue, ct)).ToList();
        anchors.AddRange(published ?? []);
        var expectedAt = anchors.GroupBy(a => a.LastId).ToDictionary(g => g.Key, g => g.Select(a => a.Hash).ToHashSet(StringComparer.Ordinal));
        var seen = new Dictionary<long, string>();
        var verifier = new AuditChain.Verifier();
        await foreach (var r in ReadChainedAsync(ct))
        {
            if (r.StoredHash is not null && expectedAt.ContainsKey(r.Id)) seen[r.Id] = r.StoredHash;
            if (!verifier.Add(r.ToLine(), r.StoredPrevious, r.StoredHash)) break;
        }

        var report = verifier.Report;
        if (!report.Intact) return report;
        foreach (var (id, hashes) in expectedAt.OrderBy(e => e.Key))
        {
            if (id > 0 && (!seen.TryGetValue(id, out var at) || hashes.Count != 1 || !hashes.Contains(at)))
                return report with { BrokenAt = id, Problem = $"the anchor of line {id} does not match the chain (the log before it was rewritten, or a published anchor differs from the stored one)" };
        }

        return report;
    }

    /// <summary>Every line with its chain row, in id order, read in batches (the log may hold millions).</summary>
    private async IAsyncEnumerable<LineRow> ReadChainedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long after = long.MinValue;
        while (true)
        {
            await using var connection = await store.OpenAsync(ct);
            var batch = (await connection.QueryAsync<LineRow>(new CommandDefinition(
                $"""
                SELECT {LineColumns}, c.prev_hash AS StoredPrevious, c.hash AS StoredHash
                FROM audit_log l LEFT JOIN audit_chain c ON c.id = l.id WHERE l.id > @after ORDER BY l.id LIMIT {Batch}
                """, new { after }, cancellationToken: ct))).AsList();
            foreach (var row in batch) yield return row;
            if (batch.Count < Batch) yield break;
            after = batch[^1].Id;
        }
    }

    private sealed class AnchorRow
    {
        public DateOnly Day { get; init; }
        public long LastId { get; init; }
        public string Hash { get; init; } = "";
        public long Lines { get; init; }
        public DateTimeOffset CreatedAt { get; init; }

        public AuditAnchor ToAnchor() => new(Day, LastId, Hash, Lines, CreatedAt);
    }

    private sealed class LineRow
    {
        public long Id { get; init; }
        public DateTimeOffset At { get; init; }
        public string Actor { get; init; } = "";
        public string Action { get; init; } = "";
        public string SubjectType { get; init; } = "";
        public string SubjectKey { get; init; } = "";
        public string? DepartmentCode { get; init; }
        public string? BeforeJson { get; init; }
        public string? AfterJson { get; init; }
        public string? StoredPrevious { get; init; }
        public string? StoredHash { get; init; }

        public AuditLine ToLine() => new(Id, At, Actor, Action, SubjectType, SubjectKey, DepartmentCode, BeforeJson, AfterJson);
    }
}
