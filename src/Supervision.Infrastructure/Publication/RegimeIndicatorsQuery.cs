using Dapper;
using Supervision.Core.Statistics;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// The counts behind <see cref="RegimeIndicators"/>: read side only. A result counts once, in the year of its first
/// publication (amendments are later versions); a department's figures are those of the tasks it leads (publication) or
/// takes part in (joint share).
/// </summary>
public static class RegimeIndicatorsQuery
{
    public static async Task<RegimeIndicators> ReadAsync(SqlStore store, int year, DateTimeOffset from, DateTimeOffset to, DateOnly today, string? department, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var args = new { from, to, today, department, pattern = "%," + department + ",%" };
        var publication = await connection.QuerySingleAsync<(long Published, long OnTime)>(new CommandDefinition(
            """
            SELECT count(*), coalesce(sum(CASE WHEN publication_due IS NULL OR published_on <= publication_due THEN 1 ELSE 0 END), 0)
            FROM published_results
            WHERE kind = 'initial' AND published_at >= @from AND published_at < @to AND (@department IS NULL OR lead_department = @department)
            """, args, cancellationToken: ct));
        var overdue = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT count(*) FROM inspections i JOIN draw_tasks t ON t.task_id = i.task_id
            WHERE i.state = 'Approved' AND i.publication_due < @today AND (@department IS NULL OR t.lead_department = @department)
            """, args, cancellationToken: ct));
        var joint = await connection.QuerySingleAsync<(long Inspections, long Joint)>(new CommandDefinition(
            """
            SELECT count(*), coalesce(sum(CASE WHEN t.departments LIKE '%,%' THEN 1 ELSE 0 END), 0)
            FROM inspections i JOIN draw_tasks t ON t.task_id = i.task_id
            WHERE i.created_at >= @from AND i.created_at < @to AND (@department IS NULL OR ',' || t.departments || ',' LIKE @pattern)
            """, args, cancellationToken: ct));
        // Objections decided in the year, by the department that published the result (docs/objections.md).
        var objections = await connection.QuerySingleAsync<(long Decided, long Upheld)>(new CommandDefinition(
            """
            SELECT count(*), coalesce(sum(CASE WHEN state = 'upheld' THEN 1 ELSE 0 END), 0)
            FROM objections
            WHERE kind = 'objection' AND state IN ('upheld', 'rejected') AND decided_at >= @from AND decided_at < @to
              AND (@department IS NULL OR lead_department = @department)
            """, args, cancellationToken: ct));
        return Indicators.Regime(year, publication.Published, publication.OnTime, overdue, joint.Inspections, joint.Joint, objections.Decided, objections.Upheld);
    }
}
