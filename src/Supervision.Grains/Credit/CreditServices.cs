using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Credit;
using Supervision.Core.Calendar;
using Supervision.Infrastructure.Credit;

namespace Supervision.Grains.Credit;

/// <summary>Counters a test (or a metrics exporter) reads: how many score grains were activated, how many score rows the nightly job read.</summary>
public sealed class CreditMetrics
{
    private long _scoreGrainActivations;
    private long _nightlyRowsRead;
    private long _nightlyBatches;

    public long ScoreGrainActivations => Interlocked.Read(ref _scoreGrainActivations);

    public long NightlyRowsRead => Interlocked.Read(ref _nightlyRowsRead);

    public long NightlyBatches => Interlocked.Read(ref _nightlyBatches);

    internal void Activated() => Interlocked.Increment(ref _scoreGrainActivations);

    internal void BatchRead(int rows)
    {
        Interlocked.Add(ref _nightlyRowsRead, rows);
        Interlocked.Increment(ref _nightlyBatches);
    }
}

public static class CreditHosting
{
    /// <summary>
    /// The credit service: settings from "Supervision:Credit" (invalid settings stop the start with every problem named),
    /// the model, the stores and queries, clock, nightly job, and the start-up step that schedules the feed and nightly reminders.
    /// </summary>
    public static IServiceCollection AddSupervisionCredit(this IServiceCollection services)
    {
        services.AddCreditOptions();
        services.TryAddSingleton(sp => new CreditModel(sp.GetRequiredService<CreditSettings>()));
        // Credit time is business time: the workflow's clock (the system clock unless replaced).
        services.TryAddSingleton(sp => new WorkflowClock(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<CreditMetrics>();
        services.TryAddSingleton<CreditFeedStore>();
        services.TryAddSingleton<CreditRepository>();
        services.TryAddSingleton<CreditImportStore>();
        services.TryAddSingleton<CreditNightlyStore>();
        services.TryAddSingleton<CreditQueries>();
        services.TryAddSingleton<CreditStatisticsStore>();
        services.TryAddSingleton<DrawInclusion>();
        services.TryAddSingleton<CreditNightlyJob>();
        services.TryAddSingleton<CreditImporter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, CreditScheduling>();
        services.AddOptions<Orleans.Hosting.ReminderOptions>().Configure<CreditSettings>((o, credit) =>
        {
            if (credit.FeedPeriod < o.MinimumReminderPeriod) o.MinimumReminderPeriod = credit.FeedPeriod;
        });
        return services;
    }
}

/// <summary>Once the silo is active, makes sure the feed's and the nightly job's reminders exist (they then survive restarts).</summary>
internal sealed partial class CreditScheduling(IGrainFactory grains, ILogger<CreditScheduling> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CreditScheduling), ServiceLifecycleStage.Active, ScheduleAsync);

    private async Task ScheduleAsync(CancellationToken ct)
    {
        try
        {
            await grains.GetGrain<ICreditFeedGrain>(ICreditFeedGrain.DefaultKey).EnsureScheduled();
            await grains.GetGrain<ICreditNightlyGrain>(ICreditNightlyGrain.DefaultKey).EnsureScheduled();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A cluster without a reminder service (some test clusters) still runs; the feed can be run on request.
            LogNotScheduled(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The credit feed and nightly reminders could not be registered")]
    private static partial void LogNotScheduled(ILogger logger, Exception e);
}
