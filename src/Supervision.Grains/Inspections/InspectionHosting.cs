using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Notifications;

namespace Supervision.Grains.Inspections;

public static class InspectionHosting
{
    /// <summary>The inspection service: store and queries, rules (calendar from the reference data), clock, notifier, options.</summary>
    public static IServiceCollection AddSupervisionInspections(this IServiceCollection services, PlatformSettings settings)
    {
        services.TryAddSingleton<INotifier, InboxNotifier>();
        services.TryAddSingleton(sp => new WorkflowClock(sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<InspectionOptions>().BindConfiguration(InspectionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InspectionOptions>, InspectionOptions.Validator>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<InspectionOptions>>().Value);
        services.AddSingleton(_ => new InspectionRules(WorkingCalendar.Load(settings.ReferenceDataDirectory)));
        // The calendar alone, for pages and queries that show a date and whether it is still provisional.
        services.AddSingleton(sp => sp.GetRequiredService<InspectionRules>().Calendar);
        services.AddSingleton<InspectionStore>();
        services.AddSingleton<InspectionQueries>();
        services.AddSingleton<Infrastructure.Abnormal.AbnormalStore>();
        services.AddSingleton<Infrastructure.Abnormal.AbnormalQueries>();
        services.AddSingleton<ReinspectionStore>();
        services.AddSingleton<DeadlineStore>();
        // Short reminder periods (tests) need Orleans' floor lowered; production keeps its one-minute floor.
        services.AddOptions<Orleans.Hosting.ReminderOptions>().Configure<IOptions<InspectionOptions>>((o, configured) =>
        {
            var inspections = configured.Value;
            if (inspections.ReminderPeriod < o.MinimumReminderPeriod) o.MinimumReminderPeriod = inspections.ReminderPeriod;
            if (inspections.CatchUpPeriod < o.MinimumReminderPeriod) o.MinimumReminderPeriod = inspections.CatchUpPeriod;
        });
        return services;
    }
}
