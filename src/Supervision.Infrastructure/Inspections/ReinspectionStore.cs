using System.Text.Json;
using Dapper;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Inspections;

/// <summary>An open re-inspection follow-up whose window has begun, with the state of its draw if any.</summary>
public sealed record DueReinspection
{
    public required string ActionKey { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string TaskId { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public required string DepartmentCode { get; init; }
    public DateOnly NotBefore { get; init; }
    public DateOnly DueOn { get; init; }

    public Reinspection ToAction() => new(ActionKey, EntityCreditCode, TaskId, InspectionId, ItemCode, DepartmentCode, NotBefore, DueOn);
}

/// <summary>One row of <c>reinspections</c>.</summary>
public sealed record ReinspectionRow
{
    public required string ActionKey { get; init; }
    public required string InspectionId { get; init; }
    public required string SourceInspectionId { get; init; }
    public required string TaskId { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string ItemCode { get; init; }
    public required string DepartmentCode { get; init; }
    public required string Status { get; init; }
    public string? RecordJson { get; init; }
    public string? Failure { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public ReinspectionDrawRecord? Record => RecordJson is null ? null : JsonSerializer.Deserialize<ReinspectionDrawRecord>(RecordJson, DrawPacks.JsonOptions);
}

/// <summary>Re-inspections: which are due, the pool their teams are drawn from, and the committed draws.</summary>
public sealed class ReinspectionStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    public const string Drawn = "drawn";
    public const string Assigned = "assigned";
    public const string Unstaffed = "unstaffed";

    private const string Columns = """
        action_key AS ActionKey, inspection_id AS InspectionId, source_inspection_id AS SourceInspectionId, task_id AS TaskId,
        entity_credit_code AS EntityCreditCode, item_code AS ItemCode, department_code AS DepartmentCode, status AS Status,
        record_json AS RecordJson, failure AS Failure, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    /// <summary>Open re-inspections whose window began on or before <paramref name="today"/> and that have no inspection yet, oldest first.</summary>
    public async Task<IReadOnlyList<DueReinspection>> DueAsync(DateOnly today, int limit, CancellationToken ct = default)
    {
        return (await store.QueryAsync<DueReinspection>(
            """
            SELECT f.action_key AS ActionKey, f.entity_credit_code AS EntityCreditCode, f.task_id AS TaskId, f.inspection_id AS InspectionId,
                   f.item_code AS ItemCode, f.department_code AS DepartmentCode, f.not_before AS NotBefore, f.due_on AS DueOn
            FROM follow_ups f LEFT JOIN reinspections r ON r.action_key = f.action_key
            WHERE f.kind = 'reinspection' AND f.status = 'open' AND f.not_before <= @today AND (r.action_key IS NULL OR r.status <> 'assigned')
            ORDER BY f.not_before, f.action_key
            LIMIT @limit
            """, new { today, limit }, ct)).AsList();
    }

    public async Task<DueReinspection?> FollowUpAsync(string actionKey, CancellationToken ct = default)
    {
        return await store.QuerySingleOrDefaultAsync<DueReinspection>(
            """
            SELECT action_key AS ActionKey, entity_credit_code AS EntityCreditCode, task_id AS TaskId, inspection_id AS InspectionId,
                   item_code AS ItemCode, department_code AS DepartmentCode, not_before AS NotBefore, due_on AS DueOn
            FROM follow_ups WHERE action_key = @actionKey AND kind = 'reinspection' AND status = 'open'
            """, new { actionKey }, ct);
    }

    public async Task<ReinspectionRow?> GetAsync(string actionKey, CancellationToken ct = default)
    {
        return await store.QuerySingleOrDefaultAsync<ReinspectionRow>(
            $"SELECT {Columns} FROM reinspections WHERE action_key = @actionKey", new { actionKey }, ct);
    }

    /// <summary>
    /// The pool a re-inspection team is drawn from, built like a task's (<see cref="Tasks.DrawSnapshotStore.LoadInspectorPoolAsync"/>):
    /// the department's inspectors with their specialties and open assignments, their declared conflicts with this
    /// entity, and the previous team of the entity (the inspection under the correction order) for the rotation rule.
    /// </summary>
    public async Task<InspectorPool> LoadPoolAsync(string departmentCode, string entityCreditCode, IReadOnlyList<string> previousTeam, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var inspectors = await Tasks.DrawSnapshotStore.LoadDepartmentInspectorsAsync(connection, [departmentCode], ct);
        var pool = inspectors.Select(i => i.Inspector).ToArray();
        var conflicts = inspectors.Where(i => i.Conflicts.Contains(entityCreditCode, StringComparer.Ordinal))
            .Select(i => new InspectorConflict(i.Inspector.CertificateNo, entityCreditCode)).ToArray();
        PreviousInspection[] previous = previousTeam.Count == 0
            ? []
            : [new PreviousInspection(entityCreditCode, previousTeam.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray())];
        return new InspectorPool(pool, conflicts, previous);
    }

    /// <summary>
    /// Commits the team draw (first writer wins: a repeated run finds the committed draw and uses it) with its audit
    /// line. Returns the committed row.
    /// </summary>
    public async Task<ReinspectionRow> CommitDrawAsync(DueReinspection due, ReinspectionDrawRecord record, Actor actor, CancellationToken ct = default)
    {
        var inspectionId = ReinspectionDraw.InspectionIdFor(due.TaskId, due.ItemCode, due.EntityCreditCode);
        await store.InTransactionAsync(async (connection, tx) =>
        {
            var now = clock.GetUtcNow();
            var json = JsonSerializer.Serialize(record, DrawPacks.JsonOptions);
            var written = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO reinspections (action_key, inspection_id, source_inspection_id, task_id, entity_credit_code, item_code, department_code,
                                           status, record_json, failure, created_at, updated_at)
                VALUES (@ActionKey, @inspectionId, @InspectionId, @TaskId, @EntityCreditCode, @ItemCode, @DepartmentCode, 'drawn', @json, NULL, @now, @now)
                ON CONFLICT (action_key) DO UPDATE SET status = 'drawn', record_json = excluded.record_json, failure = NULL, updated_at = excluded.updated_at
                WHERE reinspections.status = 'unstaffed'
                """,
                new { due.ActionKey, inspectionId, due.InspectionId, due.TaskId, due.EntityCreditCode, due.ItemCode, due.DepartmentCode, json, now }, tx, cancellationToken: ct));
            if (written > 0)
            {
                await audit.AppendAsync(connection, tx, actor, "reinspection.draw", "inspection", inspectionId, due.DepartmentCode, null,
                    new { due.ActionKey, record.Seed, team = record.Team.Members.Select(m => m.CertificateNo) });
            }

            return written;
        }, ct);
        return (await GetAsync(due.ActionKey, ct))!;
    }

    /// <summary>Records that no team could be formed (the scheduler retries on its next run) unless a draw is already committed.</summary>
    public Task RecordFailureAsync(DueReinspection due, string failure, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var now = clock.GetUtcNow();
            return await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO reinspections (action_key, inspection_id, source_inspection_id, task_id, entity_credit_code, item_code, department_code,
                                           status, record_json, failure, created_at, updated_at)
                VALUES (@ActionKey, @inspectionId, @InspectionId, @TaskId, @EntityCreditCode, @ItemCode, @DepartmentCode, 'unstaffed', NULL, @failure, @now, @now)
                ON CONFLICT (action_key) DO UPDATE SET failure = excluded.failure, updated_at = excluded.updated_at
                WHERE reinspections.status = 'unstaffed'
                """,
                new
                {
                    due.ActionKey, inspectionId = ReinspectionDraw.InspectionIdFor(due.TaskId, due.ItemCode, due.EntityCreditCode), due.InspectionId,
                    due.TaskId, due.EntityCreditCode, due.ItemCode, due.DepartmentCode, failure, now,
                }, tx, cancellationToken: ct));
        }, ct);

    public async Task MarkAssignedAsync(string actionKey, CancellationToken ct = default)
    {
        await store.ExecuteAsync(
            "UPDATE reinspections SET status = 'assigned', updated_at = @now WHERE action_key = @actionKey AND status = 'drawn'",
            new { actionKey, now = clock.GetUtcNow() }, ct);
    }

    /// <summary>The account holding each certificate number (the lowest username when several do).</summary>
    public async Task<IReadOnlyDictionary<string, string>> UsernamesAsync(IReadOnlyList<string> certificates, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Certificate, string Username)>(new CommandDefinition(
            $"""
            SELECT inspector_certificate_no, min(username) FROM users
            WHERE inspector_certificate_no {store.In("@certificates")} GROUP BY inspector_certificate_no
            """, new { certificates = certificates.ToList() }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Certificate, r => r.Username, StringComparer.Ordinal);
    }

    /// <summary>Re-inspections for staff lists: a department's (or all, for admins), newest first.</summary>
    public async Task<IReadOnlyList<ReinspectionRow>> ListAsync(string? departmentCode, string? status, int limit, CancellationToken ct = default)
    {
        return (await store.QueryAsync<ReinspectionRow>(
            $"""
            SELECT {Columns} FROM reinspections
            WHERE (@departmentCode IS NULL OR department_code = @departmentCode) AND (@status IS NULL OR status = @status)
            ORDER BY created_at DESC, action_key LIMIT @limit
            """, new { departmentCode, status, limit }, ct)).AsList();
    }

    /// <summary>Correction orders and re-inspections, filtered; a department sees those of its items. Newest due first.</summary>
    public async Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(string? departmentCode, string? kind, string? status, string? entity, int limit, CancellationToken ct = default)
    {
        return (await store.QueryAsync<FollowUpRow>(
            """
            SELECT action_key AS ActionKey, kind AS Kind, entity_credit_code AS EntityCreditCode, inspection_id AS InspectionId, item_code AS ItemCode,
                   department_code AS DepartmentCode, not_before AS NotBefore, due_on AS DueOn, status AS Status
            FROM follow_ups
            WHERE (@departmentCode IS NULL OR department_code = @departmentCode) AND (@kind IS NULL OR kind = @kind)
              AND (@status IS NULL OR status = @status) AND (@entity IS NULL OR entity_credit_code = @entity)
            ORDER BY due_on DESC, action_key LIMIT @limit
            """, new { departmentCode, kind, status, entity, limit }, ct)).AsList();
    }

    /// <summary>
    /// The abnormal-operations list: open (or removed, or all) listings, a department seeing those its inspections
    /// caused; <paramref name="alertDueOn"/> keeps only open listings whose serious-violation alert date has come.
    /// </summary>
    public async Task<IReadOnlyList<AbnormalListingRow>> AbnormalListingsAsync(string? departmentCode, string? status, DateOnly? alertDueOn, string? entity, int limit,
        CancellationToken ct = default)
    {
        var departmentPattern = departmentCode is null ? null : "%," + departmentCode + ",%";
        // The alert filter is added only when asked for: a null date parameter has no type PostgreSQL can infer
        // ("@alertDueOn IS NULL" failed there with 500 on every unfiltered list).
        var alertFilter = alertDueOn is null ? "" : "AND l.removed_on IS NULL AND l.serious_alert_on <= @alertDueOn";
        return (await store.QueryAsync<AbnormalListingRow>(
            $"""
            SELECT l.entity_credit_code AS EntityCreditCode, l.source_inspection_id AS SourceInspectionId, l.reason_code AS ReasonCode,
                   l.verified_on AS VerifiedOn, l.list_by AS ListBy, l.serious_alert_on AS SeriousAlertOn, l.source_version AS SourceVersion,
                   l.removed_on AS RemovedOn, l.removed_by_inspection AS RemovedByInspection
            FROM abnormal_listings l JOIN inspections i ON i.inspection_id = l.source_inspection_id
            WHERE (@departmentCode IS NULL OR i.lead_department = @departmentCode OR i.departments LIKE @departmentPattern)
              AND (@status IS NULL OR (@status = 'open' AND l.removed_on IS NULL) OR (@status = 'removed' AND l.removed_on IS NOT NULL))
              {alertFilter}
              AND (@entity IS NULL OR l.entity_credit_code = @entity)
            ORDER BY l.verified_on DESC, l.entity_credit_code, l.source_inspection_id LIMIT @limit
            """, new { departmentCode, departmentPattern, status, alertDueOn, entity, limit }, ct)).AsList();
    }
}
