using Supervision.Core.Credit;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Credit.CreditSql;

namespace Supervision.Infrastructure.Credit;

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

/// <summary>What an entity may see of its own credit record (see <see cref="CreditQueries.OwnViewAsync"/>).</summary>
public sealed record OwnCreditView(string EntityCreditCode, string CreditClass, DateTimeOffset At, IReadOnlyList<OwnCreditEvent> Events);

/// <summary>
/// The read side of the credit service, for the API and the pages: an entity's explanation and its own view, class changes,
/// import reports and recomputation runs. Nothing here writes; the statistics have their own reads (<see cref="CreditStatisticsStore"/>).
/// </summary>
public sealed class CreditQueries(SqlStore store, CreditModel model)
{
    /// <summary>
    /// An entity's class, score and weight at <paramref name="at"/> with every event's contribution (regulator view; confidential).
    /// Null when the entity is neither in the directory nor has any credit event.
    /// </summary>
    public async Task<CreditExplanation?> ExplainAsync(string entity, DateTimeOffset at, CancellationToken ct = default)
    {
        var rows = (await store.QueryAsync<CreditEventRow>(
            $"SELECT {EventColumns} FROM credit_events WHERE entity_credit_code = @entity ORDER BY occurred_at, event_key", new { entity }, ct))
            .Select(r => r.ToEntry()).ToList();
        var directoryClass = await store.QueryFirstOrDefaultAsync<string>("SELECT credit_class FROM market_entities WHERE credit_code = @entity", new { entity }, ct);
        if (rows.Count == 0 && directoryClass is null) return null;
        var stored = await store.QueryFirstOrDefaultAsync<CreditScoreRow>(
            $"SELECT {ScoreColumns} FROM credit_scores WHERE entity_credit_code = @entity", new { entity }, ct);
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

    /// <summary>Class changes, newest first: of one entity or all (null), keyset-paged by id (<paramref name="before"/>).</summary>
    public Task<IReadOnlyList<CreditClassChangeRow>> ClassChangesAsync(string? entity, long? before, int limit, CancellationToken ct = default) =>
        store.QueryAsync<CreditClassChangeRow>(
            """
            SELECT id, entity_credit_code AS EntityCreditCode, old_class AS OldClass, new_class AS NewClass, old_score AS OldScore, new_score AS NewScore,
                   at, cause, reason, run_id AS RunId
            FROM credit_class_changes
            WHERE (@entity IS NULL OR entity_credit_code = @entity) AND (@before IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @limit
            """, new { entity, before, limit }, ct);

    /// <summary>The report of an external-records import, or null when there was no such import.</summary>
    public async Task<CreditImportReport?> ImportAsync(string importId, CancellationToken ct = default)
    {
        var row = await store.QueryFirstOrDefaultAsync<CreditImportRow>(
            """
            SELECT import_id AS ImportId, file_name AS FileName, sha256, rows_read AS RowsRead, accepted, unchanged, rejected, errors_json AS ErrorsJson,
                   imported_by AS ImportedBy, imported_at AS ImportedAt
            FROM credit_imports WHERE import_id = @importId
            """, new { importId }, ct);
        return row is null ? null : new CreditImportReport(row.ImportId, row.FileName, row.Sha256, row.RowsRead, row.Accepted, row.Unchanged, row.Rejected,
            AuditLog.Deserialize<List<CreditImportError>>(row.ErrorsJson) ?? [],
            row.ImportedBy, row.ImportedAt);
    }

    public Task<CreditRunRow?> RunAsync(string runId, CancellationToken ct = default) =>
        store.QueryFirstOrDefaultAsync<CreditRunRow>($"SELECT {RunColumns} FROM credit_recompute_runs WHERE run_id = @runId", new { runId }, ct);

    public Task<IReadOnlyList<CreditRunRow>> RunsAsync(int limit, CancellationToken ct = default) =>
        store.QueryAsync<CreditRunRow>($"SELECT {RunColumns} FROM credit_recompute_runs ORDER BY started_at DESC, run_id DESC LIMIT @limit", new { limit }, ct);
}
