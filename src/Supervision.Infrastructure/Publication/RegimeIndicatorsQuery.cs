using Dapper;
using Supervision.Core.Statistics;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// The counts behind <see cref="RegimeIndicators"/>: read side only. A result counts once, in the year of its first
/// publication (amendments are later versions); a department's figures are those of the tasks it leads (publication) or
/// takes part in (joint share); the abnormal-operations list's listings, removals and escalations are those its
/// department decided, each in the year of its date.
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
        // The abnormal-operations list: each movement in the year of its own date, by the deciding department.
        var listings = await connection.QuerySingleAsync<ListingCounts>(new CommandDefinition(
            """
            SELECT coalesce(sum(CASE WHEN listed_on >= @fromDay AND listed_on < @toDay THEN 1 ELSE 0 END), 0) AS Listed,
                   coalesce(sum(CASE WHEN removed_on >= @fromDay AND removed_on < @toDay THEN 1 ELSE 0 END), 0) AS Removed,
                   coalesce(sum(CASE WHEN escalated_on >= @fromDay AND escalated_on < @toDay THEN 1 ELSE 0 END), 0) AS Escalated
            FROM abnormal_entries
            WHERE listed_on IS NOT NULL AND (@department IS NULL OR department_code = @department)
            """, new { fromDay = new DateOnly(year, 1, 1), toDay = new DateOnly(year + 1, 1, 1), department }, cancellationToken: ct));
        return Indicators.Regime(year, publication.Published, publication.OnTime, overdue, joint.Inspections, joint.Joint, objections.Decided, objections.Upheld) with
        {
            Listings = new ListingIndicators(listings.Listed, listings.Removed, listings.Escalated),
        };
    }

    /// <summary>Dapper maps SQLite's integers (Int64) onto settable properties.</summary>
    private sealed class ListingCounts
    {
        public long Listed { get; set; }
        public long Removed { get; set; }
        public long Escalated { get; set; }
    }
}
