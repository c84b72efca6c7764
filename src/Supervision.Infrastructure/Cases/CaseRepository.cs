using System.Data.Common;
using Dapper;
using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Cases;

/// <summary>
/// Persists what <see cref="CaseWorkflow"/> decided (schema 0034): each new case and each step is written with its audit
/// line (<c>case.{state}</c>) and any notification in one transaction, a step only over the version it was decided from;
/// a conclusion also appends its row to <c>follow_up_case_outcomes</c> (what the credit feed is to read, in commit order).
/// </summary>
public sealed class CaseRepository(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock)
{
    private static readonly (string Column, string Property)[] ColumnMap =
    [
        ("case_id", "Id"), ("entity_credit_code", "EntityCreditCode"), ("task_id", "TaskId"), ("inspection_id", "InspectionId"), ("item_code", "ItemCode"),
        ("result_codes", "ResultCodes"), ("finding_version", "FindingVersion"), ("department_code", "DepartmentCode"), ("facts", "Facts"),
        ("found_on", "FoundOn"), ("decide_by", "DecideBy"), ("state", "State"), ("case_number", "CaseNumber"), ("legal_ground", "LegalGround"),
        ("handler_department", "HandlerDepartment"), ("filed_on", "FiledOn"), ("conclude_by", "ConcludeBy"), ("referral_kind", "ReferralKind"),
        ("referred_to", "ReferredTo"), ("referral_reason", "ReferralReason"), ("referred_on", "ReferredOn"), ("answer_by", "AnswerBy"),
        ("outcome", "Outcome"), ("penalty_fen", "PenaltyFen"), ("decision_number", "DecisionNumber"), ("reason", "Reason"), ("closed_on", "ClosedOn"),
        ("closed_by", "ClosedBy"), ("reminded", "Reminded"), ("opened_by", "OpenedBy"), ("opened_at", "OpenedAt"), ("version", "Version"),
    ];

    /// <summary>The row's columns named as <see cref="Row"/>'s properties, each prefixed with <paramref name="alias"/> ("c." in a join).</summary>
    internal static string ColumnsOf(string alias) => string.Join(", ", ColumnMap.Select(c => $"{alias}{c.Column} AS {c.Property}"));

    private static readonly string Columns = ColumnsOf("");

    /// <summary>Records a new case; false when the finding already has one (nothing written).</summary>
    public Task<bool> InsertAsync(FollowUpCase c, Actor actor, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            $"""
            INSERT INTO follow_up_cases ({string.Join(", ", ColumnMap.Select(m => m.Column))}, updated_at)
            VALUES ({string.Join(", ", ColumnMap.Select(m => "@" + m.Property))}, @OpenedAt)
            ON CONFLICT DO NOTHING
            """, Row.Of(c), actor, "case.open", "follow-up-case", c.Id, c.DepartmentCode, null,
            new { c.EntityCreditCode, c.InspectionId, c.ItemCode, c.ResultCodes, c.FoundOn, c.DecideBy, c.Facts }, ct);

    /// <summary>
    /// Writes a step over the stored version <c>Version - 1</c> with its audit line (<c>case.{new state}</c>) and
    /// notifications, and a conclusion's outcome row; false when the case changed since it was read.
    /// </summary>
    public Task<bool> WriteAsync(FollowUpCase before, FollowUpCase after, Actor actor, IReadOnlyList<Notification>? notifications = null, string? action = null,
        CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var row = Row.Of(after);
        return audit.ExecuteAuditedAsync(
            """
            UPDATE follow_up_cases SET state = @State, result_codes = @ResultCodes, finding_version = @FindingVersion, case_number = @CaseNumber, legal_ground = @LegalGround, handler_department = @HandlerDepartment,
                filed_on = @FiledOn, conclude_by = @ConcludeBy, referral_kind = @ReferralKind, referred_to = @ReferredTo, referral_reason = @ReferralReason,
                referred_on = @ReferredOn, answer_by = @AnswerBy, outcome = @Outcome, penalty_fen = @PenaltyFen, decision_number = @DecisionNumber,
                reason = @Reason, closed_on = @ClosedOn, closed_by = @ClosedBy, updated_at = @now, version = @Version
            WHERE case_id = @Id AND version = @previous
            """,
            new
            {
                row.State, row.ResultCodes, row.FindingVersion, row.CaseNumber, row.LegalGround, row.HandlerDepartment, row.FiledOn, row.ConcludeBy, row.ReferralKind, row.ReferredTo,
                row.ReferralReason, row.ReferredOn, row.AnswerBy, row.Outcome, row.PenaltyFen, row.DecisionNumber, row.Reason, row.ClosedOn, row.ClosedBy,
                now, row.Version, row.Id, previous = before.Version,
            }, actor, action ?? "case." + after.State, "follow-up-case", after.Id, after.DepartmentCode, Summary(before), Summary(after), ct,
            async (connection, tx) =>
            {
                if (after.State == CaseStates.Concluded)
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO follow_up_case_outcomes (case_id, entity_credit_code, inspection_id, item_code, department_code, outcome, penalty_fen,
                            decision_number, concluded_on, recorded_at)
                        VALUES (@Id, @EntityCreditCode, @InspectionId, @ItemCode, @DepartmentCode, @Outcome, @PenaltyFen, @DecisionNumber, @ClosedOn, @now)
                        """, new { row.Id, row.EntityCreditCode, row.InspectionId, row.ItemCode, row.DepartmentCode, row.Outcome, row.PenaltyFen, row.DecisionNumber,
                            row.ClosedOn, now }, tx, cancellationToken: ct));
                if (notifications is { Count: > 0 }) await notifier.NotifyAsync(connection, tx, notifications, now, ct);
            });
    }

    private static object Summary(FollowUpCase c) =>
        new { c.State, c.FindingVersion, c.ResultCodes, c.CaseNumber, c.HandlerDepartment, c.ReferralKind, c.ReferredTo, c.Outcome, c.PenaltyAmount, c.DecisionNumber, c.Reason, c.DueOn, c.Version };

    /// <summary>Marks the overdue reminder of the case's current step as sent, with the notifications, once (false: already sent, or the step moved on).</summary>
    public Task<bool> RemindAsync(FollowUpCase c, DateOnly today, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            "UPDATE follow_up_cases SET reminded = @State WHERE case_id = @Id AND state = @State AND (reminded IS NULL OR reminded <> @State)",
            new { c.State, c.Id }, Actor.System("case-deadline"), "case.overdue", "follow-up-case", c.Id, c.DepartmentCode, null, new { c.State, c.DueOn, today }, ct,
            (connection, tx) => notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct));

    public async Task<FollowUpCase?> GetAsync(string id, CancellationToken ct = default) =>
        (await store.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM follow_up_cases WHERE case_id = @id", new { id }, ct))?.ToCase();

    /// <summary>
    /// The finding a case is opened from: the latest approved result of <paramref name="itemCode"/> in
    /// <paramref name="inspectionId"/> (its highest version in <c>inspection_outcomes</c>), or null when there is none.
    /// </summary>
    public async Task<CaseFinding?> FindingAsync(string inspectionId, string itemCode, CancellationToken ct = default) =>
        (await store.QueryFirstOrDefaultAsync<CaseFindingRow>(
            """
            SELECT entity_credit_code AS EntityCreditCode, task_id AS TaskId, inspection_id AS InspectionId, item_code AS ItemCode,
                   result_codes AS ResultCodes, approved_on AS ApprovedOn, department_code AS DepartmentCode, version AS Version
            FROM inspection_outcomes WHERE inspection_id = @inspectionId AND item_code = @itemCode
            ORDER BY version DESC LIMIT 1
            """, new { inspectionId, itemCode }, ct))?.ToFinding();

    /// <summary>
    /// The open cases past the due date of their current step whose reminder for that step was not sent: what the deadline
    /// keeper's ticks look at (through the partial index of open cases).
    /// </summary>
    public async Task<IReadOnlyList<FollowUpCase>> OverdueAsync(DateOnly today, int limit, CancellationToken ct = default) =>
        [.. (await store.QueryAsync<Row>(
            $"""
            SELECT {Columns} FROM follow_up_cases
            WHERE state IN ('open', 'filed', 'referred') AND (reminded IS NULL OR reminded <> state)
              AND CASE state WHEN 'open' THEN decide_by WHEN 'filed' THEN conclude_by ELSE answer_by END < @today
            ORDER BY case_id LIMIT @limit
            """, new { today, limit }, ct)).Select(r => r.ToCase())];

    /// <summary>
    /// Open, filed or referred cases whose item has an approved result newer than the one the case rests on: an amendment
    /// the case has not taken in yet (its grain's <c>FindingAmended</c> decides), oldest first.
    /// </summary>
    public Task<IReadOnlyList<string>> AmendedAsync(int limit, CancellationToken ct = default) =>
        store.QueryAsync<string>(
            """
            SELECT c.case_id FROM follow_up_cases c
            WHERE c.state IN ('open', 'filed', 'referred')
              AND EXISTS (SELECT 1 FROM inspection_outcomes o WHERE o.inspection_id = c.inspection_id AND o.item_code = c.item_code AND o.version > c.finding_version)
            ORDER BY c.case_id LIMIT @limit
            """, new { limit }, ct);

    /// <summary>A stored row as Dapper reads and writes it (the penalty in fen; dates through the store's type handlers).</summary>
    internal class Row
    {
        public string Id { get; init; } = "";
        public string EntityCreditCode { get; init; } = "";
        public string TaskId { get; init; } = "";
        public string InspectionId { get; init; } = "";
        public string ItemCode { get; init; } = "";
        public string ResultCodes { get; init; } = "";
        public int FindingVersion { get; init; }
        public string DepartmentCode { get; init; } = "";
        public string? Facts { get; init; }
        public DateOnly FoundOn { get; init; }
        public DateOnly DecideBy { get; init; }
        public string State { get; init; } = "";
        public string? CaseNumber { get; init; }
        public string? LegalGround { get; init; }
        public string? HandlerDepartment { get; init; }
        public DateOnly? FiledOn { get; init; }
        public DateOnly? ConcludeBy { get; init; }
        public string? ReferralKind { get; init; }
        public string? ReferredTo { get; init; }
        public string? ReferralReason { get; init; }
        public DateOnly? ReferredOn { get; init; }
        public DateOnly? AnswerBy { get; init; }
        public string? Outcome { get; init; }
        public long? PenaltyFen { get; init; }
        public string? DecisionNumber { get; init; }
        public string? Reason { get; init; }
        public DateOnly? ClosedOn { get; init; }
        public string? ClosedBy { get; init; }
        public string? Reminded { get; init; }
        public string OpenedBy { get; init; } = "";
        public DateTimeOffset OpenedAt { get; init; }
        public long Version { get; init; }

        public FollowUpCase ToCase() => new(Id, EntityCreditCode, TaskId, InspectionId, ItemCode, ResultCodes, FindingVersion, DepartmentCode, Facts, FoundOn,
            DecideBy, State, CaseNumber, LegalGround, HandlerDepartment, FiledOn, ConcludeBy, ReferralKind, ReferredTo, ReferralReason, ReferredOn, AnswerBy,
            Outcome, PenaltyFen / 100m, DecisionNumber, Reason, ClosedOn, ClosedBy, Reminded, OpenedBy, OpenedAt, Version);

        public static Row Of(FollowUpCase c) => new()
        {
            Id = c.Id, EntityCreditCode = c.EntityCreditCode, TaskId = c.TaskId, InspectionId = c.InspectionId, ItemCode = c.ItemCode, ResultCodes = c.ResultCodes,
            FindingVersion = c.FindingVersion, DepartmentCode = c.DepartmentCode, Facts = c.Facts, FoundOn = c.FoundOn, DecideBy = c.DecideBy, State = c.State,
            CaseNumber = c.CaseNumber, LegalGround = c.LegalGround, HandlerDepartment = c.HandlerDepartment, FiledOn = c.FiledOn, ConcludeBy = c.ConcludeBy,
            ReferralKind = c.ReferralKind, ReferredTo = c.ReferredTo, ReferralReason = c.ReferralReason, ReferredOn = c.ReferredOn, AnswerBy = c.AnswerBy,
            Outcome = c.Outcome, PenaltyFen = c.PenaltyAmount is { } a ? (long)(a * 100m) : null, DecisionNumber = c.DecisionNumber, Reason = c.Reason,
            ClosedOn = c.ClosedOn, ClosedBy = c.ClosedBy, Reminded = c.Reminded, OpenedBy = c.OpenedBy, OpenedAt = c.OpenedAt, Version = c.Version,
        };
    }
}
