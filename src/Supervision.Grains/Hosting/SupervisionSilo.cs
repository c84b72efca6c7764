using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Supervision.Contracts;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Configuration;
using Supervision.Infrastructure.Operations;

namespace Supervision.Grains.Hosting;

public static class SupervisionSilo
{
    /// <summary>Configures a silo for either mode: localhost clustering on SQLite, ADO.NET clustering on PostgreSQL.</summary>
    public static ISiloBuilder ConfigureSupervision(this ISiloBuilder silo, PlatformSettings settings, bool applyMigrations = true)
    {
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.IsEmbedded)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
        }
        else
        {
            if (settings.AdvertisedAddress is { } address)
                silo.ConfigureEndpoints(address, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            else
                silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }

        silo.UseClusterTuning();
        silo.UseSupervisionStorage(settings.Provider, settings.ConnectionString, applyMigrations && settings.ApplySchemaOnStart);
        silo.Services.AddSupervisionServices(settings);
        silo.Services.AddSupervisionSerialization();
        // Durable schedules owned by one grain per cluster register their reminders at start (idempotent).
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>()
            .GetGrain<Contracts.Inspections.IReinspectionSchedulerGrain>(Contracts.Inspections.IReinspectionSchedulerGrain.DefaultKey).Start());
        // A calendar file is read at start: open deadlines computed with an older calendar (a provisional year whose
        // notice has now been loaded) are recomputed in the background.
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>()
            .GetGrain<Contracts.Inspections.IDeadlineKeeperGrain>(Contracts.Inspections.IDeadlineKeeperGrain.DefaultKey).Start());
        // Webhook deliveries resume from the database at every start (docs/webhooks.md).
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>()
            .GetGrain<Contracts.Feeds.IWebhookDispatcherGrain>(Contracts.Feeds.IWebhookDispatcherGrain.DefaultKey).Start());
        // Long operations (freeze, draws, dispatch) whose runner died are taken over by any silo (docs/operations.md).
        silo.Services.AddHostedService<Operations.OperationSweeper>();
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>()
            .GetGrain<Contracts.Audit.IAuditChainGrain>(Contracts.Audit.IAuditChainGrain.DefaultKey).Start());
        return silo;
    }

    /// <summary>The services grains and endpoints share: the SQL store, audit log, accounts, clock.</summary>
    public static IServiceCollection AddSupervisionServices(this IServiceCollection services, PlatformSettings settings)
    {
        if (services.Any(d => d.ServiceType == typeof(SqlStore)))
        {
            return services;
        }

        services.AddSingleton(settings);
        // The settings above were read through these registrations; registered here too, so the host checks them at start.
        services.AddPlatformOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => Core.Reference.ReferenceData.Load(settings.ReferenceDataDirectory));
        services.AddSingleton(_ => SqlStore.Create(settings.Provider, settings.ConnectionString));
        services.AddSingleton<Infrastructure.Audit.AuditLog>();
        services.AddSingleton<Infrastructure.Audit.AccessAudit>();
        services.AddSingleton<Infrastructure.Audit.AuditChainStore>();
        // TryAdd: a host (a test) may give the cache a clock of its own, to step past its duration instead of waiting.
        services.TryAddSingleton<Infrastructure.Identity.AccountCache>();
        services.AddSingleton<Infrastructure.Identity.UserStore>();
        services.AddSingleton<VersionedWriter>();
        services.AddSingleton<Infrastructure.Registry.DepartmentStore>();
        services.AddSingleton<Infrastructure.Registry.InspectionItemStore>();
        services.AddSingleton<Infrastructure.Registry.MarketEntityStore>();
        services.AddSingleton<Infrastructure.Registry.InspectorStore>();
        services.AddSingleton<Infrastructure.Registry.Import.DirectoryImporter>();
        services.AddSingleton<Infrastructure.Registry.Import.ImportQueries>();
        // The write paths of the aggregates without a grain (departments, items, accounts) and of bulk imports.
        services.AddSingleton<Infrastructure.Registry.IDepartmentService, Registry.DepartmentService>();
        services.AddSingleton<Infrastructure.Registry.IInspectionItemService, Registry.InspectionItemService>();
        services.AddSingleton<Infrastructure.Publication.IPublicationSettingsService, Publication.PublicationSettingsService>();
        services.AddSingleton<Infrastructure.Registry.Import.IDirectoryImports, Registry.DirectoryImports>();
        services.AddSingleton<Infrastructure.Identity.IAccountService, Identity.AccountService>();
        services.AddSingleton<Infrastructure.Tasks.TaskRepository>();
        services.AddSingleton<Infrastructure.Tasks.DrawSnapshotStore>();
        services.AddSingleton<Infrastructure.Tasks.TaskQueries>();
        services.AddSingleton<Infrastructure.Operations.OperationStore>();
        services.AddOperationOptions();
        // Supervision:Draw was documented but never read (registered as new()): bound now, and checked at start.
        services.AddOptions<Tasks.DrawServiceOptions>().BindConfiguration(Tasks.DrawServiceOptions.Section)
            .Validate(o => o.PartitionSize >= Core.Tasks.FreezeRules.ChunkSize,
                $"{Tasks.DrawServiceOptions.Section}:PartitionSize must be at least one snapshot chunk ({Core.Tasks.FreezeRules.ChunkSize} members).")
            .Validate(o => o.DefaultYearlyCap >= 1, $"{Tasks.DrawServiceOptions.Section}:DefaultYearlyCap must be at least 1.")
            .Validate(o => o.MatchingWorkingDays is >= 1 and <= 30, $"{Tasks.DrawServiceOptions.Section}:MatchingWorkingDays must be between 1 and 30 working days.")
            .Validate(o => o.MinimumWitnesses is >= 1 and <= Core.Draw.WitnessCeremony.MaxWitnesses,
                $"{Tasks.DrawServiceOptions.Section}:MinimumWitnesses must be between 1 and {Core.Draw.WitnessCeremony.MaxWitnesses}.")
            .Validate(o => string.IsNullOrWhiteSpace(o.SecretKeyFile) || Tasks.DrawSecretProtector.KeyFileProblem(o.SecretKeyFile) is null,
                $"{Tasks.DrawSecretProtector.KeyFileSetting} must name a file of exactly 32 random bytes (head -c 32 /dev/urandom > draw-secret.key), the same on every silo.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Tasks.DrawServiceOptions>>().Value);
        services.TryAddSingleton<Tasks.DrawSecretProtector>();
        services.TryAddSingleton(sp => new Core.Tasks.MatchingDeadline(sp.GetRequiredService<Core.Calendar.WorkingCalendar>(),
            Core.Tasks.MatchingPolicy.Default with { WorkingDays = sp.GetRequiredService<Tasks.DrawServiceOptions>().MatchingWorkingDays }));
        services.TryAddSingleton<Tasks.IDrawFaults, Tasks.NoDrawFaults>();
        services.TryAddSingleton(sp => new Tasks.CeremonyClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSupervisionInspections(settings);
        services.AddSingleton<Infrastructure.Recusals.RecusalStore>();
        services.AddSingleton<Infrastructure.Recusals.RecusalQueries>();
        services.AddSingleton<Infrastructure.Plans.PlanRepository>();
        services.AddSingleton<Infrastructure.Plans.PlanQueries>();
        services.AddOptions<Recusals.RecusalOptions>().BindConfiguration(Recusals.RecusalOptions.Section).ValidateDataAnnotations(Recusals.RecusalOptions.Section).ValidateOnStart();
        services.AddSingleton<Infrastructure.Objections.ObjectionStore>();
        services.AddSingleton<Infrastructure.Objections.ObjectionQueries>();
        services.AddOptions<Infrastructure.Objections.ObjectionOptions>().BindConfiguration(Infrastructure.Objections.ObjectionOptions.Section)
            .ValidateDataAnnotations(Infrastructure.Objections.ObjectionOptions.Section).ValidateOnStart();
        services.AddSingleton<Infrastructure.Cases.CaseRepository>();
        services.AddSingleton<Infrastructure.Cases.CaseQueries>();
        services.AddOptions<Cases.CaseOptions>().BindConfiguration(Cases.CaseOptions.Section).ValidateDataAnnotations(Cases.CaseOptions.Section).ValidateOnStart();
        // The public record's expiry job (docs/retention.md): the publication reads and the bulk files it generates again.
        services.TryAddSingleton<Infrastructure.Publication.PublicationQueries>();
        services.TryAddSingleton<Infrastructure.Publication.PublicationStore>();
        services.TryAddSingleton<Infrastructure.Publication.BulkExport>();
        services.AddSingleton<Infrastructure.Publication.RetentionStore>();
        services.AddOptions<Publication.RetentionOptions>().BindConfiguration(Publication.RetentionOptions.Section)
            .ValidateDataAnnotations(Publication.RetentionOptions.Section).ValidateOnStart();
        services.AddSingleton<Infrastructure.Feeds.FeedQueries>();
        services.AddSingleton<Infrastructure.Feeds.WebhookStore>();
        services.AddSingleton<Infrastructure.Feeds.WebhookQueries>();
        services.AddSingleton<Infrastructure.Feeds.IWebhookService, Feeds.WebhookService>();
        services.TryAddSingleton(sp => new Infrastructure.Feeds.WebhookClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Feeds.WebhookSender>();
        services.AddSingleton<Feeds.WebhookDispatcher>();
        services.AddOptions<Infrastructure.Feeds.WebhookOptions>().BindConfiguration(Infrastructure.Feeds.WebhookOptions.Section)
            .ValidateDataAnnotations(Infrastructure.Feeds.WebhookOptions.Section).ValidateOnStart();
        Credit.CreditHosting.AddSupervisionCredit(services);
        return services;
    }
}
