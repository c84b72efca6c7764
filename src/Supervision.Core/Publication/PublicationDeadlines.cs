using Supervision.Core.Calendar;
using Supervision.Core.Inspections;

namespace Supervision.Core.Publication;

/// <summary>
/// Where an approved result stands against its publication deadline (the staff's deadline report): the statuses and how many
/// working days are left.
/// </summary>
public static class PublicationDeadlines
{
    /// <summary>No deadline: it lies beyond the calendar data.</summary>
    public const string Unknown = "unknown";
    public const string NotDue = "not-due";
    public const string DueSoon = "due-soon";
    public const string Overdue = "overdue";

    /// <summary>A publication that came after its deadline.</summary>
    public const string PublishedLate = "published-late";

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
