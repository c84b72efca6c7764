using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Operations;
using Supervision.Infrastructure.Operations;

namespace Supervision.Grains.Operations;

/// <summary>
/// On every silo: every <see cref="OperationOptions.SweepInterval"/>, resumes the running operations nobody holds a live
/// lease on — accepted ones the API's own nudge did not reach, and ones whose silo died (its lease ran out). Resuming an
/// operation that another silo took meanwhile does nothing (the claim is version-checked), so every silo may sweep.
/// </summary>
public sealed class OperationSweeper(IGrainFactory grains, OperationStore operations, Microsoft.Extensions.Options.IOptions<OperationOptions> configured, ILogger<OperationSweeper> logger)
    : BackgroundService
{
    private readonly OperationOptions options = configured.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        var failures = 0;
        var nextPurge = DateTimeOffset.MinValue;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // Once an hour: ended operations past their retention go (every silo may; the delete is idempotent).
                var now = operations.Clock.GetUtcNow();
                if (now >= nextPurge)
                {
                    nextPurge = now + TimeSpan.FromHours(1);
                    await operations.PurgeAsync(now - options.Retention, stoppingToken);
                }

                foreach (var id in await operations.ClaimableAsync(20, stoppingToken))
                {
                    // Bounded: a call towards a silo that just died must not hold up the next sweep.
                    await grains.GetGrain<IOperationGrain>(id).Resume().WaitAsync(options.SweepInterval * 5, stoppingToken);
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Until the silo has started, or while the database or a silo is away: the next tick tries again.
                if (++failures % 30 == 1) logger.LogWarning(e, "Sweeping long operations failed ({Failures} in a row); trying again", failures);
            }
        }
    }
}
