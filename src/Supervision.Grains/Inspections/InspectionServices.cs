using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Grains.Inspections;

/// <summary>Tunables of the inspection service (configuration section "Supervision:Inspections"), checked at start.</summary>
public sealed record InspectionOptions
{
    public const string Section = "Supervision:Inspections";

    /// <summary>How often an open inspection's deadline reminder fires (Orleans reminders; at least a minute in production).</summary>
    public TimeSpan ReminderPeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the deadline keeper looks for warnings and overdue marks a missed reminder tick left undone.</summary>
    public TimeSpan CatchUpPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>When set, an inspection is due this many working days after dispatch, or at the task deadline if that is earlier.</summary>
    public int? DueWorkingDays { get; init; }

    internal sealed class Validator : Microsoft.Extensions.Options.IValidateOptions<InspectionOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, InspectionOptions options)
        {
            var problems = new List<string>();
            if (options.ReminderPeriod <= TimeSpan.Zero) problems.Add($"{Section}:ReminderPeriod must be a positive time span such as 01:00:00, got {options.ReminderPeriod}.");
            if (options.CatchUpPeriod <= TimeSpan.Zero) problems.Add($"{Section}:CatchUpPeriod must be a positive time span such as 00:05:00, got {options.CatchUpPeriod}.");
            if (options.DueWorkingDays is < 1 or > 365) problems.Add($"{Section}:DueWorkingDays must be a number of working days from 1 to 365, or empty, got {options.DueWorkingDays}.");
            return problems.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>The pure rules the grains apply, built once from the reference data.</summary>
public sealed class InspectionRules(WorkingCalendar calendar)
{
    public WorkingCalendar Calendar { get; } = calendar;

    public InspectionWorkflow Workflow { get; } = InspectionWorkflow.Default;

    public FollowUpRules FollowUps { get; } = new(calendar, FollowUpPolicy.Default);

    public Deadlines Deadlines { get; } = new(calendar, DeadlinePolicy.Default);

    /// <summary>Where <paramref name="today"/> stands against <paramref name="due"/>. Past the calendar data a date can still
    /// be overdue (no calendar needed) but not "due soon": that is logged rather than guessed.</summary>
    public DeadlineStatus StatusOn(DateOnly today, DateOnly due) => Deadlines.StatusOrNotDue(today, due);

    /// <summary>The rows with <see cref="FollowUpRow.Provisional"/> set where their due date lies in a provisional calendar year.</summary>
    public IReadOnlyList<FollowUpRow> MarkProvisional(IEnumerable<FollowUpRow> rows) =>
        [.. rows.Select(r => r with { Provisional = Calendar.IsProvisional(r.DueOn) })];

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
