using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Recusals;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Recusals;

/// <summary>
/// Persists what <see cref="RecusalWorkflow"/> decided (schema 0028): each filing and each decision is written with its
/// audit line (<c>recusal.requested</c>, <c>recusal.accepted</c>, <c>recusal.rejected</c>) in one transaction, and a
/// decision only over the version it was decided from.
/// </summary>
public sealed class RecusalStore(SqlStore store, AuditLog audit)
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
        store.InTransactionAsync(async (connection, tx) =>
        {
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO recusal_requests (request_id, inspection_id, task_id, entity_credit_code, lead_department, certificate_no, grounds, reason,
                                              state, requested_at, due_on, decided_by, decided_at, decision_reason, replacement, version)
                VALUES (@Id, @InspectionId, @TaskId, @EntityCreditCode, @LeadDepartment, @CertificateNo, @Grounds, @Reason,
                        @State, @RequestedAt, @DueOn, @DecidedBy, @DecidedAt, @DecisionReason, @Replacement, @Version)
                ON CONFLICT DO NOTHING
                """, request, tx, cancellationToken: ct));
            if (inserted == 0) return false;
            await audit.AppendAsync(connection, tx, EntityActor(request.EntityCreditCode), "recusal.requested", "recusal", request.Id, request.LeadDepartment, null,
                new { request.InspectionId, request.CertificateNo, request.Grounds, request.Reason, request.DueOn });
            return true;
        }, ct);

    /// <summary>Writes a decision over the stored version <c>version - 1</c>; false when the request changed since it was read.</summary>
    public Task<bool> DecideAsync(RecusalRequest decided, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE recusal_requests SET state = @State, decided_by = @DecidedBy, decided_at = @DecidedAt, decision_reason = @DecisionReason,
                       replacement = @Replacement, version = @Version
                WHERE request_id = @Id AND version = @previous
                """, new { decided.State, decided.DecidedBy, decided.DecidedAt, decided.DecisionReason, decided.Replacement, decided.Version, decided.Id, previous = decided.Version - 1 },
                tx, cancellationToken: ct));
            if (changed == 0) return false;
            await audit.AppendAsync(connection, tx, actor, "recusal." + decided.State, "recusal", decided.Id, decided.LeadDepartment,
                new { state = RecusalStates.Requested },
                new { decided.State, decided.InspectionId, decided.CertificateNo, decided.Replacement, decided.DecisionReason });
            return true;
        }, ct);

    public async Task<RecusalRequest?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM recusal_requests WHERE request_id = @id", new { id }, cancellationToken: ct));
        return row?.ToRequest();
    }

    /// <summary>The open requests of one inspection (what the one-open-per-member rule looks at).</summary>
    public async Task<IReadOnlyList<RecusalRequest>> OpenForInspectionAsync(string inspectionId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return [.. (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM recusal_requests WHERE inspection_id = @inspectionId AND state = 'requested'", new { inspectionId }, cancellationToken: ct)))
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
