using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Recusals;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Recusals;

/// <summary>
/// Persists what <see cref="RecusalWorkflow"/> decided (schema 0028): each filing and each decision is written with its
/// audit line (<c>recusal.requested</c>, <c>recusal.accepted</c>, <c>recusal.rejected</c>) in one transaction, and a
/// decision only over the version it was decided from.
/// </summary>
public sealed class RecusalStore(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock)
{
    internal const string Columns =
        """
        request_id AS Id, inspection_id AS InspectionId, task_id AS TaskId, entity_credit_code AS EntityCreditCode, lead_department AS LeadDepartment,
        certificate_no AS CertificateNo, grounds AS Grounds, reason AS Reason, state AS State, requested_at AS RequestedAt, due_on AS DueOn,
        decided_by AS DecidedBy, decided_at AS DecidedAt, decision_reason AS DecisionReason, replacement AS Replacement, version AS Version
        """;

    /// <summary>The actor an entity files as: it has no account, so the audit log names it by its credit code.</summary>
    public static Actor EntityActor(string creditCode) => new($"entity:{creditCode}", [], null, null);

    /// <summary>Records a new request; false when one against the same member of the same inspection is already open.</summary>
    public Task<bool> InsertAsync(RecusalRequest request, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            INSERT INTO recusal_requests (request_id, inspection_id, task_id, entity_credit_code, lead_department, certificate_no, grounds, reason,
                                          state, requested_at, due_on, decided_by, decided_at, decision_reason, replacement, version)
            VALUES (@Id, @InspectionId, @TaskId, @EntityCreditCode, @LeadDepartment, @CertificateNo, @Grounds, @Reason,
                    @State, @RequestedAt, @DueOn, @DecidedBy, @DecidedAt, @DecisionReason, @Replacement, @Version)
            ON CONFLICT DO NOTHING
            """, request, EntityActor(request.EntityCreditCode), "recusal.requested", "recusal", request.Id, request.LeadDepartment, null,
            new { request.InspectionId, request.CertificateNo, request.Grounds, request.Reason, request.DueOn }, ct);

    /// <summary>
    /// Records that <paramref name="reminder"/> was sent for an open request, with its audit line and the lead department's
    /// notification, in one transaction; false (nothing written) when the request was decided meanwhile or that reminder
    /// was already sent. A reminder does not move the request's version: it is not a decision.
    /// </summary>
    public Task<bool> RemindAsync(RecusalRequest request, string reminder, DateOnly today, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            UPDATE recusal_requests SET reminded = @reminder
            WHERE request_id = @Id AND state = 'requested' AND (reminded IS NULL OR reminded <> @reminder)
            """, new { reminder, request.Id }, Actor.System("recusal-deadline"), "recusal.reminder", "recusal", request.Id, request.LeadDepartment, null,
            new { reminder, request.DueOn, today }, ct, (connection, tx) => notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct));

    /// <summary>
    /// The open requests whose decision is due on or before <paramref name="today"/> and that have not had the reminder
    /// <c>overdue</c> yet: what the deadline keeper looks at on each tick (the partial index of schema 0033 keeps it to
    /// the open ones).
    /// </summary>
    public async Task<IReadOnlyList<OpenDue>> OpenDueAsync(DateOnly today, CancellationToken ct = default)
    {
        return (await store.QueryAsync<OpenDue>(
            """
            SELECT request_id AS Id, inspection_id AS InspectionId, due_on AS DueOn, reminded AS Reminded FROM recusal_requests
            WHERE state = 'requested' AND due_on <= @today AND (reminded IS NULL OR reminded <> 'overdue')
            ORDER BY due_on, request_id
            """, new { today }, ct)).AsList();
    }

    /// <summary>An open request whose decision is due (<see cref="OpenDueAsync"/>).</summary>
    public sealed record OpenDue
    {
        public string Id { get; init; } = "";
        public string InspectionId { get; init; } = "";
        public DateOnly DueOn { get; init; }
        public string? Reminded { get; init; }
    }

    /// <summary>The last reminder sent for a request (null before the first).</summary>
    public async Task<string?> RemindedAsync(string id, CancellationToken ct = default)
    {
        return await store.ExecuteScalarAsync<string?>(
            "SELECT reminded FROM recusal_requests WHERE request_id = @id", new { id }, ct);
    }

    /// <summary>Writes a decision over the stored version <c>version - 1</c>; false when the request changed since it was read.</summary>
    public Task<bool> DecideAsync(RecusalRequest decided, Actor actor, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            UPDATE recusal_requests SET state = @State, decided_by = @DecidedBy, decided_at = @DecidedAt, decision_reason = @DecisionReason,
                   replacement = @Replacement, version = @Version
            WHERE request_id = @Id AND version = @previous
            """, new { decided.State, decided.DecidedBy, decided.DecidedAt, decided.DecisionReason, decided.Replacement, decided.Version, decided.Id, previous = decided.Version - 1 },
            actor, "recusal." + decided.State, "recusal", decided.Id, decided.LeadDepartment, new { state = RecusalStates.Requested },
            new { decided.State, decided.InspectionId, decided.CertificateNo, decided.Replacement, decided.DecisionReason }, ct);

    public async Task<RecusalRequest?> GetAsync(string id, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM recusal_requests WHERE request_id = @id", new { id }, ct);
        return row?.ToRequest();
    }

    /// <summary>The open requests of one inspection (what the one-open-per-member rule looks at).</summary>
    public async Task<IReadOnlyList<RecusalRequest>> OpenForInspectionAsync(string inspectionId, CancellationToken ct = default)
    {
        return [.. (await store.QueryAsync<Row>(
            $"SELECT {Columns} FROM recusal_requests WHERE inspection_id = @inspectionId AND state = 'requested'", new { inspectionId }, ct))
            .Select(r => r.ToRequest())];
    }

    /// <summary>A stored row as Dapper reads it (timestamps and dates through the store's type handlers).</summary>
    internal class Row
    {
        public string Id { get; init; } = "";
        public string InspectionId { get; init; } = "";
        public string TaskId { get; init; } = "";
        public string EntityCreditCode { get; init; } = "";
        public string LeadDepartment { get; init; } = "";
        public string CertificateNo { get; init; } = "";
        public string? Grounds { get; init; }
        public string Reason { get; init; } = "";
        public string State { get; init; } = "";
        public DateTimeOffset RequestedAt { get; init; }
        public DateOnly DueOn { get; init; }
        public string? DecidedBy { get; init; }
        public DateTimeOffset? DecidedAt { get; init; }
        public string? DecisionReason { get; init; }
        public string? Replacement { get; init; }
        public long Version { get; init; }

        public RecusalRequest ToRequest() => new(Id, InspectionId, TaskId, EntityCreditCode, LeadDepartment, CertificateNo, Grounds, Reason, State,
            RequestedAt, DueOn, DecidedBy, DecidedAt, DecisionReason, Replacement, Version);
    }
}
