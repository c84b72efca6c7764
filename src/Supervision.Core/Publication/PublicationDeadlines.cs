using Supervision.Core.Calendar;
using Supervision.Core.Inspections;

namespace Supervision.Core.Publication;

/// <summary>
/// Where an approved result stands against its publication deadline (the staff's deadline report): the statuses and how many
/// working days are left.
/// </summary>
public static class PublicationDeadlines
{
    // The statuses as the report names them: waiting results are not due, due soon or overdue, or unknown when the deadline
    // lies beyond the calendar data; a publication that came after its deadline was published late.
    public const string NotDue = "not-due", DueSoon = "due-soon", Overdue = "overdue", Unknown = "unknown", PublishedLate = "published-late";

    /// <summary>
    /// The status of a result waiting for publication on <paramref name="today"/>: unknown without a due date, overdue once
    /// marked so or past the due date, due soon within the warning period (<see cref="Deadlines.StatusOrNotDue"/>), else not due.
    /// </summary>
    public static string Status(DateOnly today, DateOnly? due, bool markedOverdue, Deadlines deadlines)
    {
        ArgumentNullException.ThrowIfNull(deadlines);
        if (due is not { } d) return Unknown;
        if (markedOverdue || today > d) return Overdue;
        return deadlines.StatusOrNotDue(today, d) == DeadlineStatus.DueSoon ? DueSoon : NotDue;
    }

    /// <summary>Working days from <paramref name="today"/> to <paramref name="due"/>, or null when the calendar data does not reach them.</summary>
    public static int? WorkingDaysLeft(DateOnly today, DateOnly due, WorkingCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        try
        {
            return calendar.WorkingDaysBetween(today, due);
        }
        catch (CalendarRangeException)
        {
            return null;
        }
    }
}
