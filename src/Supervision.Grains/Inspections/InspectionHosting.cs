using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Supervision.Core.Calendar;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Inspections;

public static class InspectionHosting
{
    /// <summary>The inspection service: store, rules (calendar from the reference data), clock, notifier, options.</summary>
    public static IServiceCollection AddSupervisionInspections(this IServiceCollection services, PlatformSettings settings)
    {
        services.TryAddSingleton<INotifier, InboxNotifier>();
        services.TryAddSingleton(sp => new WorkflowClock(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var section = sp.GetService<IConfiguration>()?.GetSection("Supervision:Inspections");
            var options = new InspectionOptions();
            if (section?["ReminderPeriod"] is { Length: > 0 } period)
                options = options with { ReminderPeriod = TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture) };
            if (section?["CatchUpPeriod"] is { Length: > 0 } catchUp)
                options = options with { CatchUpPeriod = TimeSpan.Parse(catchUp, System.Globalization.CultureInfo.InvariantCulture) };
            if (section?["DueWorkingDays"] is { Length: > 0 } days)
                options = options with { DueWorkingDays = int.Parse(days, System.Globalization.CultureInfo.InvariantCulture) };
            return options;
        });
        services.AddSingleton(_ => new InspectionRules(WorkingCalendar.Load(settings.ReferenceDataDirectory)));
        // The calendar alone, for pages and queries that show a date and whether it is still provisional.
        services.AddSingleton(sp => sp.GetRequiredService<InspectionRules>().Calendar);
        services.AddSingleton<InspectionStore>();
        services.AddSingleton<Infrastructure.Abnormal.AbnormalStore>();
        services.AddSingleton<Infrastructure.Abnormal.AbnormalQueries>();
        services.AddSingleton<ReinspectionStore>();
        services.AddSingleton<DeadlineStore>();
        // Short reminder periods (tests) need Orleans' floor lowered; production keeps its one-minute floor.
        services.AddOptions<Orleans.Hosting.ReminderOptions>().Configure<InspectionOptions>((o, inspections) =>
        {
            if (inspections.ReminderPeriod < o.MinimumReminderPeriod) o.MinimumReminderPeriod = inspections.ReminderPeriod;
            if (inspections.CatchUpPeriod < o.MinimumReminderPeriod) o.MinimumReminderPeriod = inspections.CatchUpPeriod;
        });
        return services;
    }
}
