using Dapper;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// The nightly recomputation's persistence (deliberately not through grains): its runs, the batched keyset reads of
/// <c>credit_scores</c> into the kernel's arrays, and the batched write-back of the changed classes. The runs are read through
/// <see cref="CreditQueries"/>.
/// </summary>
public sealed class CreditNightlyStore(SqlStore store, AuditLog audit, CreditModel model, TimeProvider clock)
{
    public async Task<CreditRunRow> StartRunAsync(string runId, string cause, Actor actor, CancellationToken ct = default)
    {
        var row = new CreditRunRow { RunId = runId, Cause = cause, RequestedBy = actor.Username, StartedAt = clock.GetUtcNow(), Status = "running" };
        // Once per run: the operation that runs it records it too, in case its acceptance did not get that far.
        await audit.ExecuteAuditedAsync(
            "INSERT INTO credit_recompute_runs (run_id, cause, requested_by, started_at, status) VALUES (@RunId, @Cause, @RequestedBy, @StartedAt, @Status) ON CONFLICT DO NOTHING",
            row, actor, "credit.recompute-start", "credit-run", runId, null, null, new { cause }, ct);
        return row;
    }

    public Task FinishRunAsync(string runId, CreditRunTotals totals, string? error, CancellationToken ct = default) =>
        store.ExecuteAsync(
            """
            UPDATE credit_recompute_runs SET finished_at = @now, status = @status, entities = @Entities, rows_read = @RowsRead, batches = @Batches,
                changed = @Changed, class_counts = @counts, error = @error
            WHERE run_id = @runId
            """,
            new
            {
                now = clock.GetUtcNow(), status = error is null ? "completed" : "failed", totals.Entities, totals.RowsRead, totals.Batches, totals.Changed,
                counts = string.Join(',', totals.CountByClass), error, runId,
            }, ct);

    /// <summary>
    /// Fills <paramref name="batch"/> with the next scores after <paramref name="after"/> in key order (keyset: each read is an
    /// index range). Returns the number of rows read; codes and revisions go to the parallel arrays.
    /// </summary>
    public async Task<int> ReadBatchAsync(string after, CreditBatch batch, string[] codes, long[] revisions, bool[] stale, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            """
            SELECT entity_credit_code, as_of_days, bucket0, bucket1, bucket2, bucket3, event_count, credit_class, revision, layout
            FROM credit_scores WHERE entity_credit_code > @after ORDER BY entity_credit_code LIMIT @limit
            """;
        SqlParameters.Add(command, "after", after);
        SqlParameters.Add(command, "limit", batch.Capacity);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var n = 0;
        var fingerprint = model.Fingerprint;
        while (await reader.ReadAsync(ct))
        {
            codes[n] = reader.GetString(0);
            ref var s = ref batch.Summaries[n];
            s.AsOfDays = reader.GetDouble(1);
            s.Buckets[0] = reader.GetDouble(2);
            s.Buckets[1] = reader.GetDouble(3);
            s.Buckets[2] = reader.GetDouble(4);
            s.Buckets[3] = reader.GetDouble(5);
            s.EventCount = reader.GetInt32(6);
            batch.PreviousClasses[n] = reader.GetString(7) switch { "A" => CreditClass.A, "B" => CreditClass.B, "C" => CreditClass.C, "D" => CreditClass.D, _ => CreditBatch.Unclassified };
            revisions[n] = reader.GetInt64(8);
            stale[n] = !string.Equals(reader.GetString(9), fingerprint, StringComparison.Ordinal);
            batch.EntityKeys[n] = n;
            n++;
        }
        batch.Count = n;
        return n;
    }

    /// <summary>
    /// Writes the changed classes of one batch in one transaction: the score row (only if its revision is still the one read —
    /// an entity recomputed by its grain meanwhile is left to the grain), the directory class, and the change
    /// (<see cref="CreditClassChangeDetector.Nightly"/>) with its audit line. Returns how many were written.
    /// </summary>
    public Task<int> WriteChangesAsync(IReadOnlyList<NightlyChange> changes, string runId, DateTimeOffset at, Actor actor, CancellationToken ct = default) =>
        changes.Count == 0 ? Task.FromResult(0) : store.InTransactionAsync(async (connection, tx) =>
        {
            var written = 0;
            foreach (var c in changes)
            {
                var updated = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE credit_scores SET score = @score, credit_class = @cls, weight = @weight, computed_at = @at, revision = revision + 1
                    WHERE entity_credit_code = @entity AND revision = @revision
                    """,
                    new { score = c.NewScore, cls = c.NewClass.ToString(), weight = model.Options.Weights.For(c.NewClass), at, entity = c.EntityCreditCode, revision = c.Revision },
                    tx, cancellationToken: ct));
                if (updated == 0) continue;
                var change = CreditClassChangeDetector.Nightly(c.EntityCreditCode, c.OldClass, c.NewClass, c.NewScore, at, model.Options.Thresholds);
                await CreditSql.RecordChangeAsync(connection, tx, audit, clock.GetUtcNow(), change, inDirectory: true, "nightly", runId, actor, ct);
                written++;
            }
            return written;
        }, ct);
}
