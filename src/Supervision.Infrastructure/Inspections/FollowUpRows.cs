using Supervision.Core.Calendar;

namespace Supervision.Infrastructure.Inspections;

public static class FollowUpRows
{
    /// <summary>The rows with <see cref="FollowUpRow.Provisional"/> set where their due date lies in a provisional calendar year.</summary>
    public static IReadOnlyList<FollowUpRow> MarkProvisional(this IEnumerable<FollowUpRow> rows, WorkingCalendar calendar) =>
        [.. rows.Select(r => r with { Provisional = calendar.IsProvisional(r.DueOn) })];
}
