using Dapper;
using Supervision.Core.Inspections;
using Supervision.Core.Recusals;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Recusals;

/// <summary>A request as the lists show it: with the names a reader needs beside the codes.</summary>
public sealed record RecusalListItem(RecusalRequest Request, string? InspectorName, string? ReplacementName, string TaskName, string EntityName);

/// <summary>A member of a team as the inspected entity is told at the visit: name and certificate number, nothing else.</summary>
public sealed record TeamMemberView(string CertificateNo, string? Name, bool Lead);

/// <summary>A dispatched inspection of the entity whose team may still change, with that team.</summary>
public sealed record OpenInspectionView(string InspectionId, string TaskId, string TaskName, string State, DateOnly DueDate, IReadOnlyList<TeamMemberView> Team);

/// <summary>
/// The read side of recusal requests (the lists of the entity's link page and of the department's workbench), apart from
/// <see cref="RecusalStore"/>, which persists what the workflow decided.
/// </summary>
public sealed class RecusalQueries(SqlStore store)
{
    public const int MaxRows = 200;

    private static readonly string TeamChangeStates = string.Join(", ", InspectionWorkflow.TeamChangeStates.Select(s => $"'{s}'"));

    private const string ListSelect =
        $"""
        SELECT r.request_id AS Id, r.inspection_id AS InspectionId, r.task_id AS TaskId, r.entity_credit_code AS EntityCreditCode,
               r.lead_department AS LeadDepartment, r.certificate_no AS CertificateNo, r.grounds AS Grounds, r.reason AS Reason, r.state AS State,
               r.requested_at AS RequestedAt, r.due_on AS DueOn, r.decided_by AS DecidedBy, r.decided_at AS DecidedAt,
               r.decision_reason AS DecisionReason, r.replacement AS Replacement, r.version AS Version,
               p.name AS InspectorName, q.name AS ReplacementName, COALESCE(t.name, r.task_id) AS TaskName, COALESCE(i.entity_name, '') AS EntityName
        FROM recusal_requests r
        LEFT JOIN inspectors p ON p.certificate_no = r.certificate_no
        LEFT JOIN inspectors q ON q.certificate_no = r.replacement
        LEFT JOIN draw_tasks t ON t.task_id = r.task_id
        LEFT JOIN inspections i ON i.inspection_id = r.inspection_id
        """;

    /// <summary>One request with its names, or null.</summary>
    public async Task<RecusalListItem?> GetAsync(string id, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<ListRow>($"{ListSelect} WHERE r.request_id = @id", new { id }, ct);
        return row?.ToItem();
    }

    /// <summary>The entity's own requests, newest first.</summary>
    public async Task<IReadOnlyList<RecusalListItem>> ForEntityAsync(string creditCode, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<ListRow>(
            $"{ListSelect} WHERE r.entity_credit_code = @creditCode ORDER BY r.requested_at DESC, r.request_id LIMIT {MaxRows}",
            new { creditCode }, ct);
        return [.. rows.Select(r => r.ToItem())];
    }

    /// <summary>
    /// Requests of inspections led by <paramref name="department"/> (every department's for null: an admin), the open ones
    /// first by due date, then the decided ones newest first.
    /// </summary>
    public async Task<IReadOnlyList<RecusalListItem>> ForDepartmentAsync(string? department, bool openOnly, CancellationToken ct = default)
    {
        var where = (department is null ? "1 = 1" : "r.lead_department = @department") + (openOnly ? " AND r.state = 'requested'" : "");
        var rows = await store.QueryAsync<ListRow>(
            $"""
            {ListSelect} WHERE {where}
            ORDER BY CASE WHEN r.state = 'requested' THEN 0 ELSE 1 END, CASE WHEN r.state = 'requested' THEN r.due_on END, r.decided_at DESC, r.request_id
            LIMIT {MaxRows}
            """, new { department }, ct);
        return [.. rows.Select(r => r.ToItem())];
    }

    /// <summary>The entity's dispatched inspections whose team may still change, each with its team (lead first).</summary>
    public async Task<IReadOnlyList<OpenInspectionView>> OpenInspectionsAsync(string creditCode, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var inspections = (await connection.QueryAsync<(string InspectionId, string TaskId, string TaskName, string State, DateOnly DueDate)>(new CommandDefinition(
            $"""
            SELECT i.inspection_id, i.task_id, COALESCE(t.name, i.task_id), i.state, i.due_date
            FROM inspections i LEFT JOIN draw_tasks t ON t.task_id = i.task_id
            WHERE i.entity_credit_code = @creditCode AND i.state IN ({TeamChangeStates})
            ORDER BY i.due_date, i.inspection_id LIMIT {MaxRows}
            """, new { creditCode }, cancellationToken: ct))).ToList();
        if (inspections.Count == 0) return [];
        var members = (await connection.QueryAsync<(string InspectionId, string CertificateNo, string? Name, bool Lead)>(new CommandDefinition(
            $"""
            SELECT m.inspection_id, m.certificate_no, p.name, m.is_lead
            FROM inspection_members m JOIN inspections i ON i.inspection_id = m.inspection_id
            LEFT JOIN inspectors p ON p.certificate_no = m.certificate_no
            WHERE i.entity_credit_code = @creditCode AND i.state IN ({TeamChangeStates})
            ORDER BY m.inspection_id, m.is_lead DESC, m.certificate_no
            """, new { creditCode }, cancellationToken: ct))).ToLookup(m => m.InspectionId, StringComparer.Ordinal);
        return [.. inspections.Select(i => new OpenInspectionView(i.InspectionId, i.TaskId, i.TaskName, i.State, i.DueDate,
            [.. members[i.InspectionId].Select(m => new TeamMemberView(m.CertificateNo, m.Name, m.Lead))]))];
    }

    private sealed class ListRow : RecusalStore.Row
    {
        public string? InspectorName { get; init; }
        public string? ReplacementName { get; init; }
        public string TaskName { get; init; } = "";
        public string EntityName { get; init; } = "";

        public RecusalListItem ToItem() => new(ToRequest(), InspectorName, ReplacementName, TaskName, EntityName);
    }
}
