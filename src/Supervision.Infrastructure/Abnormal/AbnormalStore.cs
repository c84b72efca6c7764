using System.Data.Common;
using Dapper;
using Supervision.Core.Abnormal;
using Supervision.Core.Feeds;
using Supervision.Infrastructure.Feeds;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Notifications;

namespace Supervision.Infrastructure.Abnormal;

/// <summary>
/// Persists what <see cref="AbnormalWorkflow"/> decided (schema 0029): each new entry and each step is written with its
/// audit line (<c>abnormal.{state or step}</c>) and any notification in one transaction, a step only over the version it
/// was decided from. A finding's entry is written by the inspection's own commit (<see cref="WriteFindingAsync"/>).
/// </summary>
public sealed class AbnormalStore(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock)
{
    private static readonly (string Column, string Property)[] ColumnMap =
    [
        ("entry_id", "Id"),
        ("entity_credit_code", "EntityCreditCode"),
        ("ground", "Ground"),
        ("source", "Source"),
        ("source_inspection_id", "SourceInspectionId"),
        ("source_version", "SourceVersion"),
        ("department_code", "DepartmentCode"),
        ("facts", "Facts"),
        ("found_on", "FoundOn"),
        ("list_by", "ListBy"),
        ("state", "State"),
        ("listed_on", "ListedOn"),
        ("listed_by", "ListedBy"),
        ("decision_reference", "DecisionReference"),
        ("escalation_due_on", "EscalationDueOn"),
        ("escalated_on", "EscalatedOn"),
        ("removal_state", "RemovalState"),
        ("removal_applied_at", "RemovalAppliedAt"),
        ("removal_applied_by", "RemovalAppliedBy"),
        ("removal_evidence", "RemovalEvidence"),
        ("removal_decided_by", "RemovalDecidedBy"),
        ("removal_decided_at", "RemovalDecidedAt"),
        ("removal_decision_reason", "RemovalDecisionReason"),
        ("removed_on", "RemovedOn"),
        ("removed_basis", "RemovedBasis"),
        ("created_by", "CreatedBy"),
        ("created_at", "CreatedAt"),
        ("version", "Version"),
    ];

    /// <summary>The row's columns named as <see cref="Row"/>'s properties, each prefixed with <paramref name="alias"/> ("a." in a join).</summary>
    internal static string ColumnsOf(string alias) => string.Join(", ", ColumnMap.Select(c => $"{alias}{c.Column} AS {c.Property}"));

    internal static readonly string Columns = ColumnsOf("");


    private const string Insert =
        """
        INSERT INTO abnormal_entries (entry_id, entity_credit_code, ground, source, source_inspection_id, source_version, department_code, facts, found_on,
            list_by, state, created_by, created_at, version)
        VALUES (@Id, @EntityCreditCode, @Ground, @Source, @SourceInspectionId, @SourceVersion, @DepartmentCode, @Facts, @FoundOn,
            @ListBy, @State, @CreatedBy, @CreatedAt, @Version)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>The actor an entity applies as: it has no account, so the audit log names it by its credit code.</summary>
    public static Actor EntityActor(string creditCode) => new($"entity:{creditCode}", [], null, null);

    /// <summary>Records a new entry; false when the entity already has an open entry on that ground (nothing written).</summary>
    public Task<bool> InsertAsync(AbnormalEntry entry, Actor actor, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(Insert, entry, actor, "abnormal.pending", "abnormal-entry", entry.Id, entry.DepartmentCode, null,
            new { entry.EntityCreditCode, entry.Ground, entry.Source, entry.FoundOn, entry.ListBy, entry.Facts }, ct);

    /// <summary>
    /// Writes a step over the stored version <c>Version - 1</c> with its audit line (<paramref name="action"/>) and
    /// notifications; false when the entry changed since it was read.
    /// </summary>
    public Task<bool> WriteAsync(AbnormalEntry before, AbnormalEntry after, Actor actor, string action, IReadOnlyList<Notification>? notifications = null,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (!await UpdateAsync(connection, tx, before, after, ct)) return false;
            await audit.AppendAsync(connection, tx, actor, action, "abnormal-entry", after.Id, after.DepartmentCode, Summary(before), Summary(after));
            if (notifications is { Count: > 0 }) await notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct);
            return true;
        }, ct);

    /// <summary>Writes the step over the stored version and, when it changes what the public list shows, the public event with it.</summary>
    private async Task<bool> UpdateAsync(DbConnection connection, DbTransaction tx, AbnormalEntry before, AbnormalEntry e, CancellationToken ct)
    {
        if (!await UpdateRowAsync(connection, tx, e, ct)) return false;
        var kind = PublicChange(before, e);
        if (kind is null) return true;
        var (name, division) = await PublicEventLog.EntityAsync(connection, tx, e.EntityCreditCode, ct);
        var ground = AbnormalGrounds.Find(e.Ground);
        await PublicEventLog.AppendAsync(connection, tx, PublicEvent.Of(kind, e.EntityCreditCode, name, e.DepartmentCode, division, null, clock.GetUtcNow(),
            new
            {
                e.Id, entityCreditCode = e.EntityCreditCode, entityName = name, ground = new { code = e.Ground, ground?.NameZh, ground?.NameEn, ground?.Provision },
                e.State, e.ListedOn, e.DecisionReference, e.EscalatedOn, e.RemovedOn, e.DepartmentCode,
            }), ct);
        return true;
    }

    /// <summary>The public event a step makes (what the public list shows changed: listed, escalated, removed), or null.</summary>
    private static string? PublicChange(AbnormalEntry before, AbnormalEntry after) =>
        before.State == after.State ? null : after.State switch
        {
            AbnormalStates.Listed when before.ListedOn is null => PublicEventKinds.AbnormalListed,
            AbnormalStates.Escalated => PublicEventKinds.AbnormalEscalated,
            AbnormalStates.Removed when before.ListedOn is not null => PublicEventKinds.AbnormalRemoved,
            _ => null,
        };

    private static async Task<bool> UpdateRowAsync(DbConnection connection, DbTransaction tx, AbnormalEntry e, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE abnormal_entries SET state = @State, listed_on = @ListedOn, listed_by = @ListedBy, decision_reference = @DecisionReference,
                escalation_due_on = @EscalationDueOn, escalated_on = @EscalatedOn, removal_state = @RemovalState, removal_applied_at = @RemovalAppliedAt,
                removal_applied_by = @RemovalAppliedBy, removal_evidence = @RemovalEvidence, removal_decided_by = @RemovalDecidedBy,
                removal_decided_at = @RemovalDecidedAt, removal_decision_reason = @RemovalDecisionReason, removed_on = @RemovedOn,
                removed_basis = @RemovedBasis, version = @Version
            WHERE entry_id = @Id AND version = @previous
            """,
            new
            {
                e.State, e.ListedOn, e.ListedBy, e.DecisionReference, e.EscalationDueOn, e.EscalatedOn, e.RemovalState, e.RemovalAppliedAt, e.RemovalAppliedBy,
                e.RemovalEvidence, e.RemovalDecidedBy, e.RemovalDecidedAt, e.RemovalDecisionReason, e.RemovedOn, e.RemovedBasis, e.Version, e.Id,
                previous = e.Version - 1,
            }, tx, cancellationToken: ct)) == 1;

    private static object Summary(AbnormalEntry e) =>
        new { e.State, e.ListedOn, e.DecisionReference, e.RemovalState, e.RemovalEvidence, e.RemovalDecisionReason, e.RemovedOn, e.RemovedBasis, e.EscalatedOn, e.Version };

    /// <summary>
    /// Inside an inspection's commit: what its approved outcome means for the register. Code 6 (a <see cref="ListAbnormal"/>
    /// action) enters a pending entry — once per source inspection, and not while the entity has an open entry on that
    /// ground; a result of that inspection without code 6 (an amendment) withdraws its entry; a later clean visit
    /// (<see cref="RemoveAbnormalListing"/>) removes the entry it clears. Each change gets its audit line.
    /// </summary>
    public async Task WriteFindingAsync(DbConnection connection, DbTransaction tx, InspectionOutcome outcome, bool unreachable, string departmentCode,
        IReadOnlyList<FollowUpAction> actions, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var actor = Actor.System("inspection");
        if (!unreachable && await BySourceAsync(connection, tx, outcome.InspectionId, ct) is { } retracted)
            await StepAsync(connection, tx, retracted, AbnormalWorkflow.Withdraw(retracted, outcome.InspectionId), actor, "abnormal.withdrawn", ct);
        foreach (var action in actions)
        {
            switch (action)
            {
                case ListAbnormal l:
                    var entry = AbnormalWorkflow.FromFinding(l.Listing, departmentCode, now);
                    if (await BySourceAsync(connection, tx, l.Listing.SourceInspectionId, ct) is { } existing)
                    {
                        // An amendment that says "unreachable" again brings back the entry it had withdrawn, if nothing else is open.
                        if (existing.State != AbnormalStates.Withdrawn) break;
                        var revived = existing with { State = AbnormalStates.Pending, RemovedBasis = null, FoundOn = entry.FoundOn, ListBy = entry.ListBy, Version = existing.Version + 1 };
                        var revivedRows = await connection.ExecuteAsync(new CommandDefinition(
                            """
                            UPDATE abnormal_entries SET state = 'pending', removed_basis = NULL, found_on = @FoundOn, list_by = @ListBy, version = @Version
                            WHERE entry_id = @Id AND version = @previous AND NOT EXISTS (SELECT 1 FROM abnormal_entries o
                                WHERE o.entity_credit_code = @EntityCreditCode AND o.ground = @Ground AND o.state IN ('pending', 'listed', 'escalated'))
                            """, new { revived.FoundOn, revived.ListBy, revived.Version, revived.Id, previous = existing.Version, revived.EntityCreditCode, revived.Ground },
                            tx, cancellationToken: ct));
                        if (revivedRows == 1)
                            await audit.AppendAsync(connection, tx, actor, "abnormal.pending", "abnormal-entry", revived.Id, revived.DepartmentCode, Summary(existing), Summary(revived));
                        break;
                    }

                    if (await connection.ExecuteAsync(new CommandDefinition(Insert, entry, tx, cancellationToken: ct)) == 1)
                        await audit.AppendAsync(connection, tx, actor, "abnormal.pending", "abnormal-entry", entry.Id, entry.DepartmentCode, null,
                            new { entry.EntityCreditCode, entry.Ground, entry.Source, entry.SourceInspectionId, entry.SourceVersion, entry.FoundOn, entry.ListBy });
                    break;
                case RemoveAbnormalListing rm:
                    if (await BySourceAsync(connection, tx, rm.Listing.SourceInspectionId, ct) is { } cleared)
                        await StepAsync(connection, tx, cleared, AbnormalWorkflow.RemoveByInspection(cleared, rm.ByInspectionId, rm.RemovedOn), actor,
                            "abnormal.removed", ct);
                    break;
            }
        }
    }

    private async Task StepAsync(DbConnection connection, DbTransaction tx, AbnormalEntry before, AbnormalStep step, Actor actor, string action, CancellationToken ct)
    {
        if (!step.Changed || step.Entry is not { } after) return;
        if (await UpdateAsync(connection, tx, before, after, ct))
            await audit.AppendAsync(connection, tx, actor, after.State == AbnormalStates.Withdrawn ? "abnormal.withdrawn" : action, "abnormal-entry", after.Id,
                after.DepartmentCode, Summary(before), Summary(after));
    }

    private static async Task<AbnormalEntry?> BySourceAsync(DbConnection connection, DbTransaction tx, string inspectionId, CancellationToken ct) =>
        (await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM abnormal_entries WHERE source_inspection_id = @inspectionId", new { inspectionId }, tx, cancellationToken: ct)))?.ToEntry();

    /// <summary>Marks the overdue reminder of an entry as sent, with the notifications, once (false: already sent, or no longer pending).</summary>
    public Task<bool> RemindOverdueAsync(AbnormalEntry entry, DateOnly today, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            "UPDATE abnormal_entries SET overdue_notified_on = @today WHERE entry_id = @Id AND state = 'pending' AND overdue_notified_on IS NULL",
            new { today, entry.Id }, Actor.System("abnormal-sweep"), "abnormal.overdue", "abnormal-entry", entry.Id, entry.DepartmentCode, null,
            new { entry.ListBy, today }, ct, (connection, tx) => notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct));

    public async Task<AbnormalEntry?> GetAsync(string id, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM abnormal_entries WHERE entry_id = @id", new { id }, ct);
        return row?.ToEntry();
    }

    /// <summary>The entity's open entries (what the one-open-entry-per-ground rule looks at).</summary>
    public async Task<IReadOnlyList<AbnormalEntry>> OpenOfEntityAsync(string entityCreditCode, CancellationToken ct = default)
    {
        return [.. (await store.QueryAsync<Row>(
            $"SELECT {Columns} FROM abnormal_entries WHERE entity_credit_code = @entityCreditCode AND state IN ('pending', 'listed', 'escalated')",
            new { entityCreditCode }, ct)).Select(r => r.ToEntry())];
    }

    /// <summary>
    /// What the sweep acts on: up to <paramref name="limit"/> pending entries past their list-by date not yet reminded, and
    /// up to as many listed ones at their escalation date — each half read through its own partial index (schema 0030).
    /// </summary>
    public async Task<IReadOnlyList<AbnormalEntry>> DueForSweepAsync(DateOnly today, int limit, CancellationToken ct = default)
    {
        return [.. (await store.QueryAsync<Row>(
            $"""
            SELECT * FROM (
                SELECT {Columns} FROM abnormal_entries
                WHERE state = 'pending' AND overdue_notified_on IS NULL AND list_by < @today
                ORDER BY list_by, entry_id LIMIT @limit) overdue
            UNION ALL
            SELECT * FROM (
                SELECT {Columns} FROM abnormal_entries
                WHERE state = 'listed' AND escalation_due_on <= @today
                ORDER BY escalation_due_on, entry_id LIMIT @limit) escalation
            """, new { today, limit }, ct)).Select(r => r.ToEntry())];
    }

    /// <summary>A stored row as Dapper reads it (timestamps and dates through the store's type handlers).</summary>
    internal class Row
    {
        public string Id { get; init; } = "";
        public string EntityCreditCode { get; init; } = "";
        public string Ground { get; init; } = "";
        public string Source { get; init; } = "";
        public string? SourceInspectionId { get; init; }
        public int? SourceVersion { get; init; }
        public string DepartmentCode { get; init; } = "";
        public string? Facts { get; init; }
        public DateOnly FoundOn { get; init; }
        public DateOnly ListBy { get; init; }
        public string State { get; init; } = "";
        public DateOnly? ListedOn { get; init; }
        public string? ListedBy { get; init; }
        public string? DecisionReference { get; init; }
        public DateOnly? EscalationDueOn { get; init; }
        public DateOnly? EscalatedOn { get; init; }
        public string? RemovalState { get; init; }
        public DateTimeOffset? RemovalAppliedAt { get; init; }
        public string? RemovalAppliedBy { get; init; }
        public string? RemovalEvidence { get; init; }
        public string? RemovalDecidedBy { get; init; }
        public DateTimeOffset? RemovalDecidedAt { get; init; }
        public string? RemovalDecisionReason { get; init; }
        public DateOnly? RemovedOn { get; init; }
        public string? RemovedBasis { get; init; }
        public string CreatedBy { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public long Version { get; init; }

        public AbnormalEntry ToEntry() => new(Id, EntityCreditCode, Ground, Source, SourceInspectionId, SourceVersion, DepartmentCode, Facts, FoundOn, ListBy,
            State, ListedOn, ListedBy, DecisionReference, EscalationDueOn, EscalatedOn, RemovalState, RemovalAppliedAt, RemovalAppliedBy, RemovalEvidence,
            RemovalDecidedBy, RemovalDecidedAt, RemovalDecisionReason, RemovedOn, RemovedBasis, CreatedBy, CreatedAt, Version);
    }
}
