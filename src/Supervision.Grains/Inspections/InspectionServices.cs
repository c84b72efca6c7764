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
