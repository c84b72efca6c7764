using Supervision.Core.Calendar;

namespace Supervision.Core.Inspections;

/// <summary>
/// The pure rules of inspections and their deadlines, built once from the reference data: what the grains apply and what the
/// API and the pages read (due soon, provisional dates) — one instance per process.
/// </summary>
public sealed class InspectionRules(WorkingCalendar calendar)
{
    public WorkingCalendar Calendar { get; } = calendar;

    public InspectionWorkflow Workflow { get; } = InspectionWorkflow.Default;

    public FollowUpRules FollowUps { get; } = new(calendar, FollowUpPolicy.Default);

    public Deadlines Deadlines { get; } = new(calendar, DeadlinePolicy.Default);

    /// <summary>Where <paramref name="today"/> stands against <paramref name="due"/>. Past the calendar data a date can still
    /// be overdue (no calendar needed) but not "due soon": that is logged rather than guessed.</summary>
    public DeadlineStatus StatusOn(DateOnly today, DateOnly due) => Deadlines.StatusOrNotDue(today, due);

    /// <summary>The first day a due date counts as "due soon", or null when the calendar data does not reach it.</summary>
    public DateOnly? DueSoonHorizon(DateOnly today)
    {
        try
        {
            return Calendar.AddWorkingDays(Calendar.OnOrAfter(today), Deadlines.Policy.WarnWorkingDaysBefore);
        }
        catch (CalendarRangeException)
        {
            return null;
        }
    }
}
