using System.Data.Common;
using Dapper;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;

namespace Supervision.Infrastructure.Credit;

/// <summary>One row of <c>credit_events</c> as Dapper reads it: a <see cref="CreditEventEntry"/> with its codes and kind as text.</summary>
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

    public CreditEventEntry ToEntry() => new(EventKey, Source, Enum.Parse<CreditEventKind>(Kind), OccurredAt,
        ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries), Severity is { } s ? Enum.Parse<PenaltySeverity>(s) : null, Reference, SourceId,
        SourceVersion);
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

/// <summary>A row of <c>credit_imports</c> (its errors as JSON), as <see cref="CreditQueries.ImportAsync"/> reads it.</summary>
internal sealed record CreditImportRow
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

/// <summary>The SQL the credit stores share: the column lists under the rows' names, the event upsert and the class-change write.</summary>
internal static class CreditSql
{
    internal const string OutcomeColumns =
        """
        seq, outcome_id AS OutcomeId, entity_credit_code AS EntityCreditCode, task_id AS TaskId, inspection_id AS InspectionId, item_code AS ItemCode,
        result_codes AS ResultCodes, inspected_on AS InspectedOn, approved_on AS ApprovedOn, department_code AS DepartmentCode, version,
        recorded_at AS RecordedAt
        """;

    internal const string ExternalColumns =
        """
        seq, authority, reference, entity_credit_code AS EntityCreditCode, kind, severity, occurred_on AS OccurredOn, description,
        recorded_at AS RecordedAt
        """;

    internal const string EventColumns =
        """
        entity_credit_code AS EntityCreditCode, event_key AS EventKey, source, kind, occurred_at AS OccurredAt, result_codes AS ResultCodes, severity,
        reference, source_id AS SourceId, source_version AS SourceVersion
        """;

    internal const string ScoreColumns =
        """
        entity_credit_code AS EntityCreditCode, score, credit_class AS CreditClass, weight, as_of_days AS AsOfDays, bucket0, bucket1, bucket2, bucket3,
        event_count AS EventCount, layout, computed_at AS ComputedAt, revision
        """;

    internal const string RunColumns =
        """
        run_id AS RunId, cause, requested_by AS RequestedBy, started_at AS StartedAt, finished_at AS FinishedAt, status, entities, rows_read AS RowsRead,
        batches, changed, class_counts AS ClassCounts, error
        """;

    /// <summary>
    /// Writes an event under its key. <paramref name="newerOnly"/> (a streamed record) replaces a stored row only from a higher
    /// source version, so a redelivered or older record changes nothing; a derived event replaces whatever the key held.
    /// </summary>
    internal static Task UpsertEventAsync(DbConnection connection, DbTransaction tx, string entity, CreditEventEntry e, bool newerOnly,
        DateTimeOffset now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO credit_events (entity_credit_code, event_key, source, kind, occurred_at, result_codes, severity, reference, source_id, source_version, recorded_at)
            VALUES (@entity, @EventKey, @Source, @kind, @OccurredAt, @codes, @severity, @Reference, @SourceId, @SourceVersion, @now)
            ON CONFLICT (entity_credit_code, event_key) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at,
                result_codes = excluded.result_codes, severity = excluded.severity, reference = excluded.reference, source_id = excluded.source_id,
                source_version = excluded.source_version, recorded_at = excluded.recorded_at
            {(newerOnly ? "WHERE credit_events.source_version < excluded.source_version" : "")}
            """,
            new
            {
                entity, e.EventKey, e.Source, kind = e.Kind.ToString(), e.OccurredAt, codes = string.Join(',', e.ResultCodes), severity = e.Severity?.ToString(),
                e.Reference, e.SourceId, e.SourceVersion, now,
            },
            tx, cancellationToken: ct));

    /// <summary>
    /// Records a class change in the caller's transaction: the directory's class (what the next freeze reads) when the entity
    /// is in the directory, the <c>credit_class_changes</c> row and the audit line <c>credit.class-change</c>.
    /// </summary>
    internal static async Task RecordChangeAsync(DbConnection connection, DbTransaction tx, AuditLog audit, DateTimeOffset now, CreditClassChange change,
        bool inDirectory, string cause, string? runId, Actor actor, CancellationToken ct)
    {
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
}
