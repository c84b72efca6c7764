using Supervision.Core.Calendar;

namespace Supervision.Core.Inspections;

/// <summary>Where a date stands against its deadline.</summary>
public enum DeadlineStatus
{
    NotDue,
    DueSoon,
    Overdue,
}

/// <summary>
/// Deadline defaults: results are published within <see cref="PublicationWorkingDays"/> working days after
/// the inspection is completed (approved) — 20 in provincial rules; reminders start
/// <see cref="WarnWorkingDaysBefore"/> working days before a due date.
/// </summary>
public sealed record DeadlinePolicy(int PublicationWorkingDays, int WarnWorkingDaysBefore)
{
    public static readonly DeadlinePolicy Default = new(20, 3);
}

/// <summary>Pure deadline arithmetic for reminders; the scheduler that fires them lives elsewhere.</summary>
public sealed class Deadlines(WorkingCalendar calendar, DeadlinePolicy policy)
{
    public WorkingCalendar Calendar { get; } = calendar;

    public DeadlinePolicy Policy { get; } = policy;

    /// <summary>The last day to publish a result completed on <paramref name="completedOn"/>.</summary>
    public DateOnly PublicationDue(DateOnly completedOn) => Calendar.AddWorkingDays(completedOn, Policy.PublicationWorkingDays);

    /// <summary>The first day of the reminder period for <paramref name="due"/>.</summary>
    public DateOnly WarnFrom(DateOnly due) => Calendar.AddWorkingDays(Calendar.OnOrAfter(due), -Policy.WarnWorkingDaysBefore);

    /// <summary>Overdue after the due date; due soon from <see cref="WarnFrom"/> through the due date.</summary>
    public DeadlineStatus StatusOn(DateOnly today, DateOnly due) =>
        today > due ? DeadlineStatus.Overdue : today >= WarnFrom(due) ? DeadlineStatus.DueSoon : DeadlineStatus.NotDue;

    /// <summary>
    /// <see cref="StatusOn"/>, where the calendar data allows: past it a date can still be overdue (no calendar needed) but
    /// not "due soon", so it counts as not due rather than guessed.
    /// </summary>
    public DeadlineStatus StatusOrNotDue(DateOnly today, DateOnly due)
    {
        if (today > due) return DeadlineStatus.Overdue;
        try
        {
            return StatusOn(today, due);
        }
        catch (CalendarRangeException)
        {
            return DeadlineStatus.NotDue;
        }
    }
}
