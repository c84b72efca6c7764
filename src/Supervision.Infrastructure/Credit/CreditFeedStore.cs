using Supervision.Core.Credit;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Credit.CreditSql;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// What the credit feed reads and keeps: the three streams it consumes (<c>inspection_outcomes</c>, <c>credit_external_records</c>,
/// <c>follow_up_case_outcomes</c>) as facts, its checkpoints, and the entities whose record changed with time alone.
/// </summary>
public sealed class CreditFeedStore(SqlStore store, TimeProvider clock)
{
    public const string OutcomeStream = "inspection-outcomes";
    public const string ExternalStream = "external-records";
    public const string CaseStream = "case-outcomes";

    /// <summary>A concluded case with the referral it answered (the outcome row does not repeat the referral's kind and body).</summary>
    private const string CaseSelect =
        """
        SELECT o.seq, o.case_id AS CaseId, o.entity_credit_code AS EntityCreditCode, o.inspection_id AS InspectionId, o.item_code AS ItemCode,
               o.department_code AS DepartmentCode, o.outcome, o.penalty_fen AS PenaltyFen, o.decision_number AS DecisionNumber,
               c.referral_kind AS ReferralKind, c.referred_to AS ReferredTo, o.concluded_on AS ConcludedOn, o.recorded_at AS RecordedAt
        FROM follow_up_case_outcomes o LEFT JOIN follow_up_cases c ON c.case_id = o.case_id
        """;

    public async Task<long> CheckpointAsync(string stream, CancellationToken ct = default) =>
        await store.ExecuteScalarAsync<long?>("SELECT last_seq FROM credit_feed_checkpoints WHERE stream = @stream", new { stream }, ct) ?? 0;

    /// <summary>Moves a checkpoint forward (never back: a slower duplicate run cannot rewind it).</summary>
    public Task SaveCheckpointAsync(string stream, long lastSeq, CancellationToken ct = default) =>
        store.ExecuteAsync(
            """
            INSERT INTO credit_feed_checkpoints (stream, last_seq, updated_at) VALUES (@stream, @lastSeq, @now)
            ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at
            WHERE credit_feed_checkpoints.last_seq < excluded.last_seq
            """, new { stream, lastSeq, now = clock.GetUtcNow() }, ct);

    public Task<IReadOnlyList<OutcomeFact>> OutcomesAfterAsync(long afterSeq, int limit, CancellationToken ct = default) =>
        store.QueryAsync<OutcomeFact>($"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { afterSeq, limit }, ct);

    public Task<IReadOnlyList<ExternalRecordFact>> ExternalAfterAsync(long afterSeq, int limit, CancellationToken ct = default) =>
        store.QueryAsync<ExternalRecordFact>($"SELECT {ExternalColumns} FROM credit_external_records WHERE seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { afterSeq, limit }, ct);

    /// <summary>Concluded follow-up cases after <paramref name="afterSeq"/>, in commit order (docs/follow-up-cases.md).</summary>
    public Task<IReadOnlyList<CaseOutcomeFact>> CasesAfterAsync(long afterSeq, int limit, CancellationToken ct = default) =>
        store.QueryAsync<CaseOutcomeFact>($"{CaseSelect} WHERE o.seq > @afterSeq ORDER BY o.seq LIMIT @limit", new { afterSeq, limit }, ct);

    /// <summary>One entity's concluded cases with seq in (<paramref name="after"/>, <paramref name="to"/>].</summary>
    public async Task<IReadOnlyList<CaseOutcomeFact>> CasesOfAsync(string entity, long after, long to, CancellationToken ct = default) =>
        to <= after ? [] : await store.QueryAsync<CaseOutcomeFact>(
            $"{CaseSelect} WHERE o.entity_credit_code = @entity AND o.seq > @after AND o.seq <= @to ORDER BY o.seq", new { entity, after, to }, ct);

    /// <summary>One entity's outcome events with seq in (<paramref name="after"/>, <paramref name="to"/>].</summary>
    public async Task<IReadOnlyList<OutcomeFact>> OutcomesOfAsync(string entity, long after, long to, CancellationToken ct = default) =>
        to <= after ? [] : await store.QueryAsync<OutcomeFact>(
            $"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE entity_credit_code = @entity AND seq > @after AND seq <= @to ORDER BY seq",
            new { entity, after, to }, ct);

    /// <summary>One entity's external records with seq in (<paramref name="after"/>, <paramref name="to"/>].</summary>
    public async Task<IReadOnlyList<ExternalRecordFact>> ExternalOfAsync(string entity, long after, long to, CancellationToken ct = default) =>
        to <= after ? [] : await store.QueryAsync<ExternalRecordFact>(
            $"SELECT {ExternalColumns} FROM credit_external_records WHERE entity_credit_code = @entity AND seq > @after AND seq <= @to ORDER BY seq",
            new { entity, after, to }, ct);

    /// <summary>
    /// Entities whose record changed with time alone, or by a decision outside the outcome stream: a correction order past its
    /// due date without a recorded outcome, or an abnormal-operations entry whose listing, removal, escalation or withdrawal
    /// is not yet reflected in its events.
    /// </summary>
    public Task<IReadOnlyList<string>> TimeDueEntitiesAsync(DateOnly today, int limit, CancellationToken ct = default) =>
        store.QueryAsync<string>(
            """
            SELECT entity_credit_code FROM (
                SELECT f.entity_credit_code FROM follow_ups f
                WHERE f.kind = 'correction-order' AND f.status = 'open' AND f.due_on < @today
                  AND NOT EXISTS (SELECT 1 FROM credit_events e WHERE e.entity_credit_code = f.entity_credit_code AND e.event_key = 'correction:' || f.action_key)
                UNION
                SELECT a.entity_credit_code FROM abnormal_entries a
                WHERE (a.listed_on IS NOT NULL AND a.state <> 'withdrawn' AND NOT EXISTS (SELECT 1 FROM credit_events e
                          WHERE e.entity_credit_code = a.entity_credit_code AND e.event_key = 'abnormal:' || COALESCE(a.source_inspection_id, a.entry_id)))
                   OR (a.removed_on IS NOT NULL AND a.state = 'removed' AND NOT EXISTS (SELECT 1 FROM credit_events e
                          WHERE e.entity_credit_code = a.entity_credit_code AND e.event_key = 'abnormal-removed:' || COALESCE(a.source_inspection_id, a.entry_id)))
                   OR (a.state = 'escalated' AND NOT EXISTS (SELECT 1 FROM credit_events e
                          WHERE e.entity_credit_code = a.entity_credit_code AND e.event_key = 'serious:' || COALESCE(a.source_inspection_id, a.entry_id)))
                   OR (a.state = 'withdrawn' AND EXISTS (SELECT 1 FROM credit_events e
                          WHERE e.entity_credit_code = a.entity_credit_code AND e.event_key = 'abnormal:' || COALESCE(a.source_inspection_id, a.entry_id)))
            ) due ORDER BY entity_credit_code LIMIT @limit
            """, new { today, limit }, ct);
}
