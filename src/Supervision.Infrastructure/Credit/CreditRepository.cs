using System.Data.Common;
using Dapper;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Credit.CreditSql;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// The write side of one entity's credit record: <see cref="ApplyAsync"/> persists, in one transaction, what the
/// <see cref="CreditLedger"/> decided from the facts it reads there — the new events, the derived events brought up to date,
/// the score, the directory's class and, when the class moved, the change row with its audit line.
/// </summary>
public sealed class CreditRepository(SqlStore store, AuditLog audit, CreditModel model, TimeProvider clock)
{
    /// <summary>
    /// Stores new events of one entity and recomputes it, in one transaction: <paramref name="events"/> (from
    /// <see cref="CreditLedger.NewEvents"/>; a streamed key keeps its highest source version, so a redelivered record changes
    /// nothing), then the events derived from its correction orders and register listings (re-derived from those tables every
    /// time, so a withdrawn order or a retracted listing drops out), then the score at <paramref name="at"/>, the directory's
    /// class and — if the class changed — the change row and its audit line.
    /// </summary>
    public Task<CreditApplyResult> ApplyAsync(string entity, IReadOnlyList<CreditEventEntry> events, DateTimeOffset at, Actor actor,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var now = clock.GetUtcNow();
            foreach (var e in events) await UpsertEventAsync(connection, tx, entity, e, newerOnly: true, now, ct);
            await ReconcileDerivedAsync(connection, tx, entity, ChinaTime.DateOf(at), now, ct);
            return await RecomputeAsync(connection, tx, entity, at, actor, ct);
        }, ct);

    /// <summary>Reads the entity's orders, listings and outcomes, lets the ledger derive the events they call for, and writes the difference.</summary>
    private static async Task ReconcileDerivedAsync(DbConnection connection, DbTransaction tx, string entity, DateOnly today, DateTimeOffset now, CancellationToken ct)
    {
        var orders = (await connection.QueryAsync<CorrectionOrderFact>(new CommandDefinition(
            """
            SELECT action_key AS ActionKey, inspection_id AS InspectionId, item_code AS ItemCode, due_on AS DueOn, status AS Status, source_version AS SourceVersion
            FROM follow_ups WHERE entity_credit_code = @entity AND kind = 'correction-order'
            """, new { entity }, tx, cancellationToken: ct))).AsList();
        var listings = (await connection.QueryAsync<ListingFact>(new CommandDefinition(
            """
            SELECT COALESCE(source_inspection_id, entry_id) AS Key, state AS State, listed_on AS ListedOn, escalated_on AS EscalatedOn, removed_on AS RemovedOn
            FROM abnormal_entries WHERE entity_credit_code = @entity AND listed_on IS NOT NULL AND state <> 'withdrawn'
            """, new { entity }, tx, cancellationToken: ct))).AsList();
        var outcomes = orders.Count == 0 ? [] : (await connection.QueryAsync<OutcomeFact>(new CommandDefinition(
            $"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE entity_credit_code = @entity ORDER BY seq", new { entity }, tx, cancellationToken: ct))).AsList();
        var desired = CreditLedger.Derive(orders, listings, outcomes, today, FollowUpPolicy.Default);

        var existing = (await connection.QueryAsync<CreditEventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity AND source IN ('follow-up', 'listing')",
            new { entity }, tx, cancellationToken: ct))).Select(r => r.ToEntry()).ToList();
        var changes = CreditLedger.Reconcile(desired, existing);
        foreach (var e in changes.Write) await UpsertEventAsync(connection, tx, entity, e, newerOnly: false, now, ct);
        foreach (var gone in changes.Delete)
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM credit_events WHERE entity_credit_code = @entity AND event_key = @gone", new { entity, gone }, tx, cancellationToken: ct));
    }

    /// <summary>Reads every event, the stored score and the directory's class, lets the ledger reassess, and writes what it decided.</summary>
    private async Task<CreditApplyResult> RecomputeAsync(DbConnection connection, DbTransaction tx, string entity, DateTimeOffset at, Actor actor,
        CancellationToken ct)
    {
        var events = (await connection.QueryAsync<CreditEventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity", new { entity }, tx, cancellationToken: ct)))
            .Select(r => r.ToEntry().ToEvent()).ToList();
        var stored = await connection.QueryFirstOrDefaultAsync<CreditScoreRow>(new CommandDefinition(
            $"SELECT {ScoreColumns} FROM credit_scores WHERE entity_credit_code = @entity", new { entity }, tx, cancellationToken: ct));
        var directoryClass = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT credit_class FROM market_entities WHERE credit_code = @entity", new { entity }, tx, cancellationToken: ct));
        var decided = model.Ledger.Reassess(entity, events, at, directoryClass, stored?.CreditClass, stored?.Score);
        var (assessment, summary) = (decided.Assessment, decided.Summary);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO credit_scores (entity_credit_code, score, credit_class, weight, as_of_days, bucket0, bucket1, bucket2, bucket3, event_count, layout, computed_at, revision)
            VALUES (@entity, @score, @cls, @weight, @asOf, @b0, @b1, @b2, @b3, @count, @layout, @at, 1)
            ON CONFLICT (entity_credit_code) DO UPDATE SET score = excluded.score, credit_class = excluded.credit_class, weight = excluded.weight,
                as_of_days = excluded.as_of_days, bucket0 = excluded.bucket0, bucket1 = excluded.bucket1, bucket2 = excluded.bucket2,
                bucket3 = excluded.bucket3, event_count = excluded.event_count, layout = excluded.layout, computed_at = excluded.computed_at,
                revision = credit_scores.revision + 1
            """,
            new
            {
                entity, score = assessment.Score, cls = assessment.Class.ToString(), weight = assessment.DrawWeight, asOf = summary.AsOfDays,
                b0 = summary.Buckets[0], b1 = summary.Buckets[1], b2 = summary.Buckets[2], b3 = summary.Buckets[3], count = summary.EventCount,
                layout = model.Fingerprint, at,
            }, tx, cancellationToken: ct));
        if (decided.Change is { } change)
            await RecordChangeAsync(connection, tx, audit, clock.GetUtcNow(), change, directoryClass is not null, "events", null, actor, ct);
        return new CreditApplyResult(assessment, decided.Change, events.Count, directoryClass is not null);
    }
}
