using Supervision.Core.Calendar;

namespace Supervision.Core.Tasks;

/// <summary>
/// The matching deadline: once a task's list of drawn entities arrives (its entity draw commits), its inspectors are to be
/// matched (the team draw committed) within <see cref="WorkingDays"/> working days — two in the provincial rules the
/// domain notes cite. Reminders go to the task's schedulers once from <see cref="RemindWorkingDaysBefore"/> working days
/// before the due date, and once more when it has passed.
/// </summary>
public sealed record MatchingPolicy(int WorkingDays, int RemindWorkingDaysBefore)
{
    public static readonly MatchingPolicy Default = new(2, 1);
}

/// <summary>Where a task's matching stands.</summary>
public enum MatchingState
{
    /// <summary>Entities drawn, inspectors not yet, the due date not near.</summary>
    Open,

    /// <summary>Entities drawn, inspectors not yet, within the reminder period (through the due date).</summary>
    DueSoon,

    /// <summary>Entities drawn, inspectors not yet, the due date passed.</summary>
    Overdue,

    /// <summary>Inspectors matched on or before the due date.</summary>
    MetOnTime,

    /// <summary>Inspectors matched after the due date.</summary>
    MetLate,
}

/// <summary>The reminders a task can owe, in the order they fall due; each is sent once.</summary>
public static class MatchingReminders
{
    public const string DueSoon = "due-soon";
    public const string Overdue = "overdue";
}

/// <summary>
/// A task's matching, as of <see cref="AsOf"/>: the Beijing date its entity list arrived, the due date (null when the
/// calendar data does not reach it), the date it was matched if it was, and the working days it was or is late.
/// </summary>
public sealed record Matching(DateOnly ListArrivedOn, DateOnly? Due, DateOnly? MatchedOn, MatchingState State, int WorkingDaysLate, bool Provisional, DateOnly AsOf);

/// <summary>Pure matching-deadline arithmetic on the working calendar; the keeper that sends the reminders lives in the grains.</summary>
public sealed class MatchingDeadline(WorkingCalendar calendar, MatchingPolicy policy)
{
    public MatchingPolicy Policy { get; } = policy;

    /// <summary>The last day to match the inspectors of a list that arrived on <paramref name="listArrivedOn"/>; null past the calendar's data.</summary>
    public DateOnly? Due(DateOnly listArrivedOn) =>
        calendar.Covers(listArrivedOn) && TryAdd(listArrivedOn, Policy.WorkingDays, out var due) ? due : null;

    /// <summary>Where the matching of a list that arrived on <paramref name="listArrivedOn"/> stands on <paramref name="today"/>.</summary>
    public Matching On(DateOnly listArrivedOn, DateOnly? matchedOn, DateOnly today)
    {
        var due = Due(listArrivedOn);
        var provisional = due is { } d && calendar.IsProvisional(d);
        if (due is not { } dueDate)
        {
            // Past the calendar's data the date can still be late by calendar days, never "soon": say open or met.
            return new Matching(listArrivedOn, null, matchedOn, matchedOn is null ? MatchingState.Open : MatchingState.MetOnTime, 0, false, today);
        }

        if (matchedOn is { } matched)
        {
            var late = matched > dueDate ? LateBy(dueDate, matched) : 0;
            return new Matching(listArrivedOn, dueDate, matched, late > 0 ? MatchingState.MetLate : MatchingState.MetOnTime, late, provisional, today);
        }

        if (today > dueDate) return new Matching(listArrivedOn, dueDate, null, MatchingState.Overdue, LateBy(dueDate, today), provisional, today);
        var remindFrom = TryAdd(calendar.OnOrAfter(dueDate), -Policy.RemindWorkingDaysBefore, out var from) ? from : dueDate;
        return new Matching(listArrivedOn, dueDate, null, today >= remindFrom ? MatchingState.DueSoon : MatchingState.Open, 0, provisional, today);
    }

    /// <summary>
    /// The reminder owed on <paramref name="today"/> for a list still unmatched, given the last one sent
    /// (<paramref name="lastSent"/>, one of <see cref="MatchingReminders"/> or null): each is sent once, and a task found
    /// already overdue gets the overdue one alone. Null when nothing is owed.
    /// </summary>
    public string? ReminderOwed(DateOnly listArrivedOn, string? lastSent, DateOnly today) =>
        (On(listArrivedOn, null, today).State, lastSent) switch
        {
            (MatchingState.Overdue, not MatchingReminders.Overdue) => MatchingReminders.Overdue,
            (MatchingState.DueSoon, null) => MatchingReminders.DueSoon,
            _ => null,
        };

    private int LateBy(DateOnly due, DateOnly day)
    {
        try
        {
            return Math.Max(1, calendar.WorkingDaysBetween(due, day));
        }
        catch (CalendarRangeException)
        {
            return day.DayNumber - due.DayNumber;
        }
    }

    private bool TryAdd(DateOnly start, int n, out DateOnly result)
    {
        try
        {
            result = calendar.AddWorkingDays(start, n);
            return true;
        }
        catch (CalendarRangeException)
        {
            result = default;
            return false;
        }
    }
}
