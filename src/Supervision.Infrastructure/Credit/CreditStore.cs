using System.Data.Common;
using System.Globalization;
using Dapper;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Credit;

/// <summary>One row of <c>credit_events</c>: an event behind a score, under a key that later records replace.</summary>
public sealed record CreditEventRow
{
    public required string EntityCreditCode { get; init; }
    public required string EventKey { get; init; }
    public required string Source { get; init; }
    public required string Kind { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
    public string ResultCodes { get; init; } = "";
    public string? Severity { get; init; }
    public string? Reference { get; init; }
    public required string SourceId { get; init; }
    public int SourceVersion { get; init; }

    public CreditEvent ToEvent() => new(
        Enum.Parse<CreditEventKind>(Kind),
        OccurredAt,
        ResultCodes.Length == 0 ? null : ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries),
        Severity is { } s ? Enum.Parse<PenaltySeverity>(s) : PenaltySeverity.Minor,
        Reference ?? EventKey);
}

/// <summary>An entity's stored score: the value at <see cref="ComputedAt"/>, its class and weight, and the decay summary.</summary>
public sealed record CreditScoreRow
{
    public required string EntityCreditCode { get; init; }
    public double Score { get; init; }
    public required string CreditClass { get; init; }
    public double Weight { get; init; }
    public double AsOfDays { get; init; }
    public double Bucket0 { get; init; }
    public double Bucket1 { get; init; }
    public double Bucket2 { get; init; }
    public double Bucket3 { get; init; }
    public int EventCount { get; init; }
    public required string Layout { get; init; }
    public DateTimeOffset ComputedAt { get; init; }
    public long Revision { get; init; }
}

/// <summary>An outcome event as the feed reads it from <c>inspection_outcomes</c>.</summary>
public sealed record OutcomeFeedRow
{
    public long Seq { get; init; }
    public required string OutcomeId { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string TaskId { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public string[] ResultCodes { get; init; } = [];
    public DateOnly InspectedOn { get; init; }
    public DateOnly ApprovedOn { get; init; }
    public required string DepartmentCode { get; init; }
    public int Version { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>An imported external record as the feed reads it from <c>credit_external_records</c>.</summary>
public sealed record ExternalFeedRow
{
    public long Seq { get; init; }
    public required string Authority { get; init; }
    public required string Reference { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string Kind { get; init; }
    public string? Severity { get; init; }
    public DateOnly OccurredOn { get; init; }
    public string Description { get; init; } = "";
    public DateTimeOffset RecordedAt { get; init; }
}

public sealed record CreditClassChangeRow
{
    public long Id { get; init; }
    public required string EntityCreditCode { get; init; }
    public string? OldClass { get; init; }
    public required string NewClass { get; init; }
    public double? OldScore { get; init; }
    public double NewScore { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Cause { get; init; }
    public required string Reason { get; init; }
    public string? RunId { get; init; }
}

/// <summary>What applying an entity's events did: the fresh assessment and the class change, if any.</summary>
public sealed record CreditApplyResult(CreditAssessment Assessment, CreditClassChange? Change, int EventsStored, bool InDirectory);

/// <summary>A recomputation run as recorded in <c>credit_recompute_runs</c>.</summary>
public sealed record CreditRunRow
{
    public required string RunId { get; init; }
    public required string Cause { get; init; }
    public required string RequestedBy { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required string Status { get; init; }
    public long Entities { get; init; }
    public long RowsRead { get; init; }
    public long Batches { get; init; }
    public long Changed { get; init; }
    public string ClassCounts { get; init; } = "";
    public string? Error { get; init; }
}

/// <summary>
/// All SQL of the credit service: the events behind each score, the scores and their decay summaries, the feed's
/// checkpoints, class changes (with their audit lines), external-record imports and the nightly job's batched reads
/// and writes. An entity's events, score, directory class, class change and audit line are written in one transaction.
/// </summary>
public sealed class CreditStore(SqlStore store, AuditLog audit, CreditModel model, TimeProvider clock)
{
    public const string OutcomeStream = "inspection-outcomes";
    public const string ExternalStream = "external-records";

    public CreditModel Model => model;

    // ---- the feed ----------------------------------------------------------------------------------------------

    public async Task<long> CheckpointAsync(string stream, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT last_seq FROM credit_feed_checkpoints WHERE stream = @stream", new { stream }, cancellationToken: ct)) ?? 0;
    }

    /// <summary>Moves a checkpoint forward (never back: a slower duplicate run cannot rewind it).</summary>
    public async Task SaveCheckpointAsync(string stream, long lastSeq, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO credit_feed_checkpoints (stream, last_seq, updated_at) VALUES (@stream, @lastSeq, @now)
            ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at
            WHERE credit_feed_checkpoints.last_seq < excluded.last_seq
            """, new { stream, lastSeq, now = clock.GetUtcNow() }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<OutcomeFeedRow>> OutcomesAfterAsync(long afterSeq, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<OutcomeFeedRow>(new CommandDefinition(
            $"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { afterSeq, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<IReadOnlyList<ExternalFeedRow>> ExternalAfterAsync(long afterSeq, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<ExternalFeedRow>(new CommandDefinition(
            $"SELECT {ExternalColumns} FROM credit_external_records WHERE seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { afterSeq, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>One entity's outcome events with seq in (<paramref name="after"/>, <paramref name="to"/>].</summary>
    public async Task<IReadOnlyList<OutcomeFeedRow>> OutcomesOfAsync(string entity, long after, long to, CancellationToken ct = default)
    {
        if (to <= after) return [];
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<OutcomeFeedRow>(new CommandDefinition(
            $"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE entity_credit_code = @entity AND seq > @after AND seq <= @to ORDER BY seq",
            new { entity, after, to }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>One entity's external records with seq in (<paramref name="after"/>, <paramref name="to"/>].</summary>
    public async Task<IReadOnlyList<ExternalFeedRow>> ExternalOfAsync(string entity, long after, long to, CancellationToken ct = default)
    {
        if (to <= after) return [];
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<ExternalFeedRow>(new CommandDefinition(
            $"SELECT {ExternalColumns} FROM credit_external_records WHERE entity_credit_code = @entity AND seq > @after AND seq <= @to ORDER BY seq",
            new { entity, after, to }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Entities whose record changed with time alone, or by a decision outside the outcome stream: a correction order past its
    /// due date without a recorded outcome, or an abnormal-operations entry whose listing, removal, escalation or withdrawal
    /// is not yet reflected in its events.
    /// </summary>
    public async Task<IReadOnlyList<string>> TimeDueEntitiesAsync(DateOnly today, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
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
            """, new { today, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    // ---- one entity ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Stores new events of one entity and recomputes it, in one transaction: outcomes (the highest version of an
    /// (inspection, item) wins; a redelivered outcome changes nothing), external records (the latest import of an
    /// (authority, reference) wins), the events derived from its follow-ups and abnormal listings (re-derived from those
    /// tables every time, so a withdrawn order or a retracted listing drops out), then the score at <paramref name="at"/>,
    /// the directory's class and — if the class changed — the change row and its audit line.
    /// </summary>
    public Task<CreditApplyResult> ApplyAsync(string entity, IReadOnlyList<OutcomeFeedRow> outcomes, IReadOnlyList<ExternalFeedRow> external,
        DateTimeOffset at, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var now = clock.GetUtcNow();
            foreach (var o in outcomes)
            {
                if (o.EntityCreditCode != entity) throw new ArgumentException($"outcome {o.OutcomeId} is not about {entity}", nameof(outcomes));
                await UpsertEventAsync(connection, tx, new CreditEventRow
                {
                    EntityCreditCode = entity, EventKey = $"outcome:{o.InspectionId}/{o.ItemCode}", Source = "outcome",
                    Kind = nameof(CreditEventKind.InspectionOutcome), OccurredAt = ExternalCreditRecord.ChinaDay(o.InspectedOn),
                    ResultCodes = string.Join(',', o.ResultCodes), Reference = o.OutcomeId, SourceId = o.OutcomeId, SourceVersion = o.Version,
                }, now, ct);
            }
            foreach (var x in external)
            {
                if (x.EntityCreditCode != entity) throw new ArgumentException($"external record {x.Seq} is not about {entity}", nameof(external));
                var penalty = x.Kind == "penalty";
                await UpsertEventAsync(connection, tx, new CreditEventRow
                {
                    EntityCreditCode = entity, EventKey = $"external:{x.Authority}/{x.Reference}", Source = "external",
                    Kind = penalty ? nameof(CreditEventKind.ExternalPenalty) : nameof(CreditEventKind.SeriousViolationListed),
                    OccurredAt = ExternalCreditRecord.ChinaDay(x.OccurredOn), Severity = penalty ? x.Severity : null,
                    Reference = $"{x.Authority} {x.Reference}", SourceId = x.Seq.ToString(CultureInfo.InvariantCulture),
                    SourceVersion = (int)Math.Min(int.MaxValue, x.Seq),
                }, now, ct);
            }
            await ReconcileDerivedAsync(connection, tx, entity, ChinaTime.DateOf(at), now, ct);
            return await RecomputeAsync(connection, tx, entity, at, actor, "events", null, ct);
        }, ct);

    private static Task UpsertEventAsync(DbConnection connection, DbTransaction tx, CreditEventRow e, DateTimeOffset now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO credit_events (entity_credit_code, event_key, source, kind, occurred_at, result_codes, severity, reference, source_id, source_version, recorded_at)
            VALUES (@EntityCreditCode, @EventKey, @Source, @Kind, @OccurredAt, @ResultCodes, @Severity, @Reference, @SourceId, @SourceVersion, @now)
            ON CONFLICT (entity_credit_code, event_key) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at,
                result_codes = excluded.result_codes, severity = excluded.severity, reference = excluded.reference, source_id = excluded.source_id,
                source_version = excluded.source_version, recorded_at = excluded.recorded_at
            WHERE credit_events.source_version < excluded.source_version
            """,
            new { e.EntityCreditCode, e.EventKey, e.Source, e.Kind, e.OccurredAt, e.ResultCodes, e.Severity, e.Reference, e.SourceId, e.SourceVersion, now },
            tx, cancellationToken: ct));

    private sealed record FollowUpFact
    {
        public required string ActionKey { get; init; }
        public required string InspectionId { get; init; }
        public required string ItemCode { get; init; }
        public DateOnly DueOn { get; init; }
        public required string Status { get; init; }
        public int SourceVersion { get; init; }
    }

    private sealed record ListingFact
    {
        public required string Key { get; init; }
        public required string State { get; init; }
        public DateOnly ListedOn { get; init; }
        public DateOnly? EscalatedOn { get; init; }
        public DateOnly? RemovedOn { get; init; }
    }

    /// <summary>
    /// The events that follow from the follow-up and listing tables (docs/credit-model.md, "Derived events"):
    /// a correction order is done when a later inspection of the same item found nothing left to correct by its due date,
    /// missed once the due date passed without that; a listing counts from its verification, its removal from the removal
    /// date, and a listing still open at its serious-violation date adds that event. A listing removed by an amendment of
    /// its own source inspection never happened. Rows are replaced by what the tables say now.
    /// </summary>
    private static async Task ReconcileDerivedAsync(DbConnection connection, DbTransaction tx, string entity, DateOnly today, DateTimeOffset now, CancellationToken ct)
    {
        var orders = (await connection.QueryAsync<FollowUpFact>(new CommandDefinition(
            """
            SELECT action_key AS ActionKey, inspection_id AS InspectionId, item_code AS ItemCode, due_on AS DueOn, status AS Status, source_version AS SourceVersion
            FROM follow_ups WHERE entity_credit_code = @entity AND kind = 'correction-order'
            """, new { entity }, tx, cancellationToken: ct))).AsList();
        var listings = (await connection.QueryAsync<ListingFact>(new CommandDefinition(
            """
            SELECT COALESCE(source_inspection_id, entry_id) AS Key, state AS State, listed_on AS ListedOn, escalated_on AS EscalatedOn, removed_on AS RemovedOn
            FROM abnormal_entries WHERE entity_credit_code = @entity AND listed_on IS NOT NULL AND state <> 'withdrawn'
            """, new { entity }, tx, cancellationToken: ct))).AsList();
        var outcomes = orders.Count == 0 ? [] : (await connection.QueryAsync<OutcomeFeedRow>(new CommandDefinition(
            $"SELECT {OutcomeColumns} FROM inspection_outcomes WHERE entity_credit_code = @entity ORDER BY seq", new { entity }, tx, cancellationToken: ct))).AsList();
        // The valid result of an (inspection, item) is its highest approved version.
        var latest = outcomes.GroupBy(o => (o.InspectionId, o.ItemCode)).Select(g => g.MaxBy(o => o.Version)!).ToList();

        var desired = new List<CreditEventRow>();
        foreach (var f in orders.Where(o => o.Status is "open" or "done" or "missed"))
        {
            var issued = outcomes.FirstOrDefault(o => o.InspectionId == f.InspectionId && o.ItemCode == f.ItemCode && o.Version == f.SourceVersion)?.ApprovedOn
                ?? DateOnly.MinValue;
            var later = latest.Where(o => o.InspectionId != f.InspectionId && o.ItemCode == f.ItemCode && o.InspectedOn > issued).OrderBy(o => o.InspectedOn).ToList();
            CreditEventRow Row(CreditEventKind kind, DateOnly on, string reference) => new()
            {
                EntityCreditCode = entity, EventKey = "correction:" + f.ActionKey, Source = "follow-up", Kind = kind.ToString(),
                OccurredAt = ExternalCreditRecord.ChinaDay(on), Reference = reference, SourceId = f.ActionKey, SourceVersion = f.SourceVersion,
            };
            // A re-inspection's approved result settles the order (status done / missed): that decision counts, dated by the
            // re-inspection's visit. An order still open is done by a clean visit of the item by its due date, missed after it.
            var settledBy = later.LastOrDefault();
            if (f.Status == "done")
                desired.Add(Row(CreditEventKind.CorrectionDone, settledBy?.InspectedOn ?? f.DueOn, $"{f.ActionKey} done{(settledBy is null ? "" : $" ({settledBy.OutcomeId})")}"));
            else if (f.Status == "missed")
                desired.Add(Row(CreditEventKind.CorrectionMissed, settledBy?.InspectedOn ?? f.DueOn.AddDays(1), $"{f.ActionKey} missed{(settledBy is null ? "" : $" ({settledBy.OutcomeId})")}"));
            else if (later.FirstOrDefault(o => o.InspectedOn <= f.DueOn && NothingToCorrect(o.ResultCodes)) is { } done)
                desired.Add(Row(CreditEventKind.CorrectionDone, done.InspectedOn, $"{f.ActionKey} done ({done.OutcomeId})"));
            else if (f.DueOn < today)
                desired.Add(Row(CreditEventKind.CorrectionMissed, f.DueOn.AddDays(1), $"{f.ActionKey} due {f.DueOn:yyyy-MM-dd}"));
        }
        foreach (var l in listings)
        {
            CreditEventRow Row(string prefix, CreditEventKind kind, DateOnly on) => new()
            {
                EntityCreditCode = entity, EventKey = prefix + l.Key, Source = "listing", Kind = kind.ToString(),
                OccurredAt = ExternalCreditRecord.ChinaDay(on), Reference = $"abnormal list ({l.Key})", SourceId = l.Key,
            };
            desired.Add(Row("abnormal:", CreditEventKind.AbnormalListed, l.ListedOn));
            if (l.RemovedOn is { } removed) desired.Add(Row("abnormal-removed:", CreditEventKind.AbnormalRemoved, removed));
            else if (l.EscalatedOn is { } escalated) desired.Add(Row("serious:", CreditEventKind.SeriousViolationListed, escalated));
        }

        var existing = (await connection.QueryAsync<CreditEventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity AND source IN ('follow-up', 'listing')",
            new { entity }, tx, cancellationToken: ct))).ToDictionary(e => e.EventKey, StringComparer.Ordinal);
        foreach (var e in desired)
        {
            if (existing.Remove(e.EventKey, out var old) && old.Kind == e.Kind && old.OccurredAt == e.OccurredAt && old.Reference == e.Reference) continue;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO credit_events (entity_credit_code, event_key, source, kind, occurred_at, result_codes, severity, reference, source_id, source_version, recorded_at)
                VALUES (@EntityCreditCode, @EventKey, @Source, @Kind, @OccurredAt, '', NULL, @Reference, @SourceId, @SourceVersion, @now)
                ON CONFLICT (entity_credit_code, event_key) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at,
                    reference = excluded.reference, source_id = excluded.source_id, source_version = excluded.source_version, recorded_at = excluded.recorded_at
                """, new { e.EntityCreditCode, e.EventKey, e.Source, e.Kind, e.OccurredAt, e.Reference, e.SourceId, e.SourceVersion, now }, tx, cancellationToken: ct));
        }
        foreach (var gone in existing.Keys)
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM credit_events WHERE entity_credit_code = @entity AND event_key = @gone", new { entity, gone }, tx, cancellationToken: ct));
    }

    /// <summary>True when a result leaves nothing to correct: the follow-up rules would open no new correction order for it.</summary>
    public static bool NothingToCorrect(IReadOnlyCollection<string> codes)
    {
        var p = FollowUpPolicy.Default;
        if (codes.Count == 0 || codes.Any(p.CorrectionTriggers.Contains)) return false;
        return !codes.Any(p.ViolationCodes.Contains) || codes.Contains(p.CorrectedCode);
    }

    private async Task<CreditApplyResult> RecomputeAsync(DbConnection connection, DbTransaction tx, string entity, DateTimeOffset at, Actor actor, string cause,
        string? runId, CancellationToken ct)
    {
        var events = (await connection.QueryAsync<CreditEventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity", new { entity }, tx, cancellationToken: ct))).Select(r => r.ToEvent()).ToList();
        var assessment = model.Scorer.Evaluate(events, at);
        var summary = model.Layout.Summarise(events.Where(e => e.At <= at));
        var stored = await connection.QueryFirstOrDefaultAsync<CreditScoreRow>(new CommandDefinition(
            $"SELECT {ScoreColumns} FROM credit_scores WHERE entity_credit_code = @entity", new { entity }, tx, cancellationToken: ct));
        var directoryClass = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT credit_class FROM market_entities WHERE credit_code = @entity", new { entity }, tx, cancellationToken: ct));
        // The directory's class is what the next freeze reads, so that is what a change is measured against (an import may have
        // overwritten it since the last computation); without a directory row, the last computed class.
        var previous = directoryClass ?? stored?.CreditClass;
        CreditClass? previousClass = previous is { } pc && Enum.TryParse<CreditClass>(pc, out var parsed) ? parsed : null;
        var change = CreditClassChangeDetector.Detect(entity, previousClass, stored?.Score, assessment, model.Options.Thresholds);
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
        if (change is not null) await RecordChangeAsync(connection, tx, change, directoryClass is not null, cause, runId, actor, ct);
        return new CreditApplyResult(assessment, change, events.Count, directoryClass is not null);
    }

    private async Task RecordChangeAsync(DbConnection connection, DbTransaction tx, CreditClassChange change, bool inDirectory, string cause, string? runId,
        Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (inDirectory)
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE market_entities SET credit_class = @cls, version = version + 1, updated_at = @now WHERE credit_code = @entity AND credit_class <> @cls",
                new { cls = change.NewClass.ToString(), now, entity = change.EntityId }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO credit_class_changes (entity_credit_code, old_class, new_class, old_score, new_score, at, cause, reason, run_id)
            VALUES (@entity, @oldClass, @newClass, @oldScore, @newScore, @at, @cause, @reason, @runId)
            """,
            new
            {
                entity = change.EntityId, oldClass = change.OldClass?.ToString(), newClass = change.NewClass.ToString(), oldScore = change.OldScore,
                newScore = change.NewScore, at = change.At, cause, reason = change.Reason, runId,
            }, tx, cancellationToken: ct));
        await audit.AppendAsync(connection, tx, actor, "credit.class-change", "market-entity", change.EntityId, null,
            new { creditClass = change.OldClass?.ToString(), score = change.OldScore },
            new { creditClass = change.NewClass.ToString(), score = change.NewScore, cause, reason = change.Reason, runId });
    }

    // ---- reads for explanations -----------------------------------------------------------------------------------

    public async Task<CreditScoreRow?> ScoreAsync(string entity, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<CreditScoreRow>(new CommandDefinition(
            $"SELECT {ScoreColumns} FROM credit_scores WHERE entity_credit_code = @entity", new { entity }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<CreditEventRow>> EventsAsync(string entity, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<CreditEventRow>(new CommandDefinition(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity ORDER BY occurred_at, event_key", new { entity }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<IReadOnlyList<CreditClassChangeRow>> ClassChangesAsync(string? entity, long? before, int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<CreditClassChangeRow>(new CommandDefinition(
            """
            SELECT id, entity_credit_code AS EntityCreditCode, old_class AS OldClass, new_class AS NewClass, old_score AS OldScore, new_score AS NewScore,
                   at, cause, reason, run_id AS RunId
            FROM credit_class_changes
            WHERE (@entity IS NULL OR entity_credit_code = @entity) AND (@before IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """, new { entity, before, limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>The directory's class of an entity (what the next freeze reads), or null when the entity is not in the directory.</summary>
    public async Task<string?> DirectoryClassAsync(string entity, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT credit_class FROM market_entities WHERE credit_code = @entity", new { entity }, cancellationToken: ct));
    }

    /// <summary>
    /// An entity's class, score and weight at <paramref name="at"/> with every event's contribution (regulator view; confidential).
    /// Null when the entity is neither in the directory nor has any credit event.
    /// </summary>
    public async Task<CreditExplanation?> ExplainAsync(string entity, DateTimeOffset at, CancellationToken ct = default)
    {
        var rows = await EventsAsync(entity, ct);
        var directoryClass = await DirectoryClassAsync(entity, ct);
        if (rows.Count == 0 && directoryClass is null) return null;
        var stored = await ScoreAsync(entity, ct);
        var assessment = model.Scorer.Evaluate(rows.Select(r => r.ToEvent()), at);
        var byReference = rows.GroupBy(r => r.Reference ?? r.EventKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var contributions = assessment.Explanation.Select(c =>
        {
            var row = c.Event.Reference is { } r ? byReference.GetValueOrDefault(r) : null;
            return new CreditContributionView(c.Event.Kind.ToString(), c.Event.At, c.Event.Reference, row?.Source, row?.EventKey, c.Event.ResultCodes,
                c.Event.Kind == CreditEventKind.ExternalPenalty ? c.Event.Severity.ToString() : null, c.BaseImpact, c.AgeDays, c.HalfLifeDays, c.Contribution, c.Note);
        }).ToList();
        var t = model.Options.Thresholds;
        return new CreditExplanation(entity, directoryClass, stored is not null, assessment.Class.ToString(), assessment.Score, assessment.DrawWeight,
            assessment.Baseline, new CreditThresholdsView(t.A, t.B, t.C), at, assessment.EventsConsidered, assessment.EventsIgnoredAsFuture, contributions,
            stored?.ComputedAt);
    }

    /// <summary>
    /// The view an entity may have of itself (product.md: credit classes are confidential to the regulator, an entity may see its
    /// own): its class in the directory and the events on its record with their current effect. For the public portal, which must
    /// call it only for the entity the signed-in party has proven to be; never expose it to anyone else.
    /// </summary>
    public async Task<OwnCreditView?> OwnViewAsync(string entity, DateTimeOffset at, CancellationToken ct = default)
    {
        var explanation = await ExplainAsync(entity, at, ct);
        if (explanation is null) return null;
        return new OwnCreditView(entity, explanation.DirectoryClass ?? explanation.ModelClass, at,
            explanation.Contributions.Select(c => new OwnCreditEvent(c.Kind, c.At, c.Reference, Math.Round(c.Contribution, 2))).ToList());
    }

    // ---- external records -----------------------------------------------------------------------------------------

    /// <summary>Which of <paramref name="codes"/> are in the entity directory.</summary>
    public async Task<HashSet<string>> KnownEntitiesAsync(IReadOnlyCollection<string> codes, CancellationToken ct = default)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await store.OpenAsync(ct);
        foreach (var chunk in codes.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var p = new DynamicParameters();
            var names = chunk.Select((c, i) => { p.Add("c" + i.ToString(CultureInfo.InvariantCulture), c); return "@c" + i.ToString(CultureInfo.InvariantCulture); });
            foreach (var c in await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT credit_code FROM market_entities WHERE credit_code IN ({string.Join(", ", names)})", p, cancellationToken: ct)))
                known.Add(c);
        }
        return known;
    }

    /// <summary>
    /// Appends the accepted records of one import and its report in one transaction (with one audit line): all of them or
    /// none. A record equal to the latest stored one for its (authority, reference) is counted as unchanged and not appended.
    /// </summary>
    public Task<(int Appended, int Unchanged)> AppendExternalAsync(CreditImportReport report, IReadOnlyList<ExternalCreditRecord> records, Actor actor,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            // An import run again as the same operation (its silo died after this committed) appends nothing twice.
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM credit_imports WHERE import_id = @ImportId", new { report.ImportId }, tx, cancellationToken: ct)) > 0)
                return (0, 0);
            var now = clock.GetUtcNow();
            int appended = 0, unchanged = 0;
            foreach (var r in records)
            {
                var latest = await connection.QueryFirstOrDefaultAsync<ExternalFeedRow>(new CommandDefinition(
                    $"SELECT {ExternalColumns} FROM credit_external_records WHERE authority = @Authority AND reference = @Reference ORDER BY seq DESC LIMIT 1",
                    new { r.Authority, r.Reference }, tx, cancellationToken: ct));
                var kind = r.Kind == ExternalRecordKind.Penalty ? "penalty" : "serious-violation";
                var severity = r.Severity?.ToString();
                if (latest is not null && latest.EntityCreditCode == r.CreditCode && latest.Kind == kind && latest.Severity == severity
                    && latest.OccurredOn == r.OccurredOn && latest.Description == r.Description)
                {
                    unchanged++;
                    continue;
                }
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO credit_external_records (authority, reference, entity_credit_code, kind, severity, occurred_on, description, import_id, imported_by, recorded_at)
                    VALUES (@Authority, @Reference, @CreditCode, @kind, @severity, @OccurredOn, @Description, @importId, @by, @now)
                    """,
                    new { r.Authority, r.Reference, r.CreditCode, kind, severity, r.OccurredOn, r.Description, importId = report.ImportId, by = actor.Username, now },
                    tx, cancellationToken: ct));
                // One line per record, on the entity: a hand-made input that moves a credit class is on the entity's record.
                await audit.AppendAsync(connection, tx, actor, "credit.external-record", "entity", r.CreditCode, null,
                    latest is null ? null : new { latest.Kind, latest.Severity, latest.OccurredOn, latest.Description },
                    new { r.Authority, r.Reference, kind, severity, r.OccurredOn, r.Description, importId = report.ImportId });
                appended++;
            }
            var final = report with { Accepted = appended, Unchanged = unchanged, ImportedAt = now, ImportedBy = actor.Username };
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO credit_imports (import_id, file_name, sha256, rows_read, accepted, unchanged, rejected, errors_json, imported_by, imported_at)
                VALUES (@ImportId, @FileName, @Sha256, @RowsRead, @Accepted, @Unchanged, @Rejected, @errors, @ImportedBy, @ImportedAt)
                """,
                new
                {
                    final.ImportId, final.FileName, final.Sha256, final.RowsRead, final.Accepted, final.Unchanged, final.Rejected,
                    errors = AuditLog.Serialize(final.Errors), final.ImportedBy, final.ImportedAt,
                }, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "credit.import-external", "credit-import", report.ImportId, null, null,
                new { final.FileName, final.Sha256, final.RowsRead, final.Accepted, final.Unchanged, final.Rejected });
            return (appended, unchanged);
        }, ct);

    public async Task<CreditImportReport?> ImportAsync(string importId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QueryFirstOrDefaultAsync<ImportRow>(new CommandDefinition(
            """
            SELECT import_id AS ImportId, file_name AS FileName, sha256, rows_read AS RowsRead, accepted, unchanged, rejected, errors_json AS ErrorsJson,
                   imported_by AS ImportedBy, imported_at AS ImportedAt
            FROM credit_imports WHERE import_id = @importId
            """, new { importId }, cancellationToken: ct));
        return row is null ? null : new CreditImportReport(row.ImportId, row.FileName, row.Sha256, row.RowsRead, row.Accepted, row.Unchanged, row.Rejected,
            AuditLog.Deserialize<List<CreditImportError>>(row.ErrorsJson) ?? [],
            row.ImportedBy, row.ImportedAt);
    }

    private sealed record ImportRow
    {
        public required string ImportId { get; init; }
        public required string FileName { get; init; }
        public required string Sha256 { get; init; }
        public int RowsRead { get; init; }
        public int Accepted { get; init; }
        public int Unchanged { get; init; }
        public int Rejected { get; init; }
        public required string ErrorsJson { get; init; }
        public required string ImportedBy { get; init; }
        public DateTimeOffset ImportedAt { get; init; }
    }

    // ---- the nightly recomputation -------------------------------------------------------------------------------

    public async Task<CreditRunRow> StartRunAsync(string runId, string cause, Actor actor, CancellationToken ct = default)
    {
        var row = new CreditRunRow { RunId = runId, Cause = cause, RequestedBy = actor.Username, StartedAt = clock.GetUtcNow(), Status = "running" };
        await store.InTransactionAsync(async (connection, tx) =>
        {
            // Once per run: the operation that runs it records it too, in case its acceptance did not get that far.
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO credit_recompute_runs (run_id, cause, requested_by, started_at, status) VALUES (@RunId, @Cause, @RequestedBy, @StartedAt, @Status) ON CONFLICT DO NOTHING",
                row, tx, cancellationToken: ct));
            if (inserted == 0) return false;
            await audit.AppendAsync(connection, tx, actor, "credit.recompute-start", "credit-run", runId, null, null, new { cause });
            return true;
        }, ct);
        return row;
    }

    public async Task FinishRunAsync(string runId, CreditRunTotals totals, string? error, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE credit_recompute_runs SET finished_at = @now, status = @status, entities = @Entities, rows_read = @RowsRead, batches = @Batches,
                changed = @Changed, class_counts = @counts, error = @error
            WHERE run_id = @runId
            """,
            new
            {
                now = clock.GetUtcNow(), status = error is null ? "completed" : "failed", totals.Entities, totals.RowsRead, totals.Batches, totals.Changed,
                counts = string.Join(',', totals.CountByClass), error, runId,
            }, cancellationToken: ct));
    }

    public async Task<CreditRunRow?> RunAsync(string runId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<CreditRunRow>(new CommandDefinition(
            $"SELECT {RunColumns} FROM credit_recompute_runs WHERE run_id = @runId", new { runId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<CreditRunRow>> RunsAsync(int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<CreditRunRow>(new CommandDefinition(
            $"SELECT {RunColumns} FROM credit_recompute_runs ORDER BY started_at DESC, run_id DESC LIMIT @limit", new { limit }, cancellationToken: ct));
        return rows.AsList();
    }

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
        Add(command, "after", after);
        Add(command, "limit", batch.Capacity);
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
    /// an entity recomputed by its grain meanwhile is left to the grain), the directory class, the change row and its audit line.
    /// Returns how many were written.
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
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"nightly recomputation: score {c.NewScore:0.##} at {at:yyyy-MM-dd}, class {(c.OldClass?.ToString() ?? "none")} → {c.NewClass} as older events decayed (thresholds A {model.Options.Thresholds.A}, B {model.Options.Thresholds.B}, C {model.Options.Thresholds.C})");
                await RecordChangeAsync(connection, tx, new CreditClassChange(c.EntityCreditCode, c.OldClass, c.NewClass, null, c.NewScore, at, reason),
                    inDirectory: true, "nightly", runId, actor, ct);
                written++;
            }
            return written;
        }, ct);

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    private const string OutcomeColumns =
        """
        seq, outcome_id AS OutcomeId, entity_credit_code AS EntityCreditCode, task_id AS TaskId, inspection_id AS InspectionId, item_code AS ItemCode,
        result_codes AS ResultCodes, inspected_on AS InspectedOn, approved_on AS ApprovedOn, department_code AS DepartmentCode, version,
        recorded_at AS RecordedAt
        """;

    private const string ExternalColumns =
        """
        seq, authority, reference, entity_credit_code AS EntityCreditCode, kind, severity, occurred_on AS OccurredOn, description,
        recorded_at AS RecordedAt
        """;

    private const string EventColumns =
        """
        entity_credit_code AS EntityCreditCode, event_key AS EventKey, source, kind, occurred_at AS OccurredAt, result_codes AS ResultCodes, severity,
        reference, source_id AS SourceId, source_version AS SourceVersion
        """;

    private const string ScoreColumns =
        """
        entity_credit_code AS EntityCreditCode, score, credit_class AS CreditClass, weight, as_of_days AS AsOfDays, bucket0, bucket1, bucket2, bucket3,
        event_count AS EventCount, layout, computed_at AS ComputedAt, revision
        """;

    private const string RunColumns =
        """
        run_id AS RunId, cause, requested_by AS RequestedBy, started_at AS StartedAt, finished_at AS FinishedAt, status, entities, rows_read AS RowsRead,
        batches, changed, class_counts AS ClassCounts, error
        """;
}

/// <summary>A class the nightly kernel found changed, to be written back.</summary>
public sealed record NightlyChange(string EntityCreditCode, CreditClass? OldClass, CreditClass NewClass, double NewScore, long Revision);

/// <summary>Totals of a run: rows read from the database, batches, entities recomputed, classes changed, classes after.</summary>
public sealed record CreditRunTotals(long Entities, long RowsRead, long Batches, long Changed, long Stale, IReadOnlyList<long> CountByClass);

/// <summary>One rejected line of an external-records import.</summary>
public sealed record CreditImportError(long Line, string Field, string Reason);

/// <summary>The report of an external-records import (what the upload answers and GET /api/credit/imports/{id} returns).</summary>
public sealed record CreditImportReport(
    string ImportId,
    string FileName,
    string Sha256,
    int RowsRead,
    int Accepted,
    int Unchanged,
    int Rejected,
    IReadOnlyList<CreditImportError> Errors,
    string ImportedBy,
    DateTimeOffset ImportedAt);

/// <summary>One event's part in an explanation: what it was, where it came from, and what it adds to the score now.</summary>
public sealed record CreditContributionView(string Kind, DateTimeOffset At, string? Reference, string? Source, string? EventKey, IReadOnlyList<string>? ResultCodes,
    string? Severity, double BaseImpact, double AgeDays, double HalfLifeDays, double Contribution, string Note);

public sealed record CreditThresholdsView(double A, double B, double C);

/// <summary>
/// The regulator's explanation of an entity's credit: the class the directory holds (what the next freeze reads), the model's
/// class, score and draw weight at <see cref="At"/>, and the contributions that add up (with the baseline) to the score.
/// </summary>
public sealed record CreditExplanation(
    string EntityCreditCode,
    string? DirectoryClass,
    bool Scored,
    string ModelClass,
    double Score,
    double Weight,
    double Baseline,
    CreditThresholdsView Thresholds,
    DateTimeOffset At,
    int EventsConsidered,
    int EventsInTheFuture,
    IReadOnlyList<CreditContributionView> Contributions,
    DateTimeOffset? StoredAt);

public sealed record OwnCreditEvent(string Kind, DateTimeOffset At, string? Reference, double Contribution);

/// <summary>What an entity may see of its own credit record (see <see cref="CreditStore.OwnViewAsync"/>).</summary>
public sealed record OwnCreditView(string EntityCreditCode, string CreditClass, DateTimeOffset At, IReadOnlyList<OwnCreditEvent> Events);
