using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Credit;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Operations;
using Supervision.Contracts.Operations;
using Supervision.Core.Operations;
using Supervision.Contracts;
using System.Text.Json;

namespace Supervision.Grains.Credit;

/// <summary>
/// Schedules the nightly recomputation with a reminder and starts runs, each as a long operation (kind credit-recompute)
/// that <see cref="Operations.OperationGrain"/> runs with <see cref="CreditNightlyJob.RunOperationAsync"/> under a lease.
/// </summary>
public sealed class CreditNightlyGrain(CreditNightlyStore store, OperationStore operations, CreditSettings settings, WorkflowClock clock,
    ILogger<CreditNightlyGrain> logger) : Grain, ICreditNightlyGrain, IRemindable
{
    public const string ReminderName = "nightly";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<RecomputeStarted> Start(string cause, Actor actor)
    {
        var at = clock.Now;
        var runId = string.Create(CultureInfo.InvariantCulture, $"{at:yyyyMMdd'T'HHmmss}-{Guid.NewGuid():N}")[..24];
        var input = JsonSerializer.Serialize(new RecomputeInput(runId, at, cause), Json);
        Operation operation;
        bool accepted;
        try
        {
            (operation, accepted) = await Accept();
        }
        catch (OperationRaceException)
        {
            (operation, accepted) = await Accept();
        }

        // A run already under way is joined: its own run id.
        if (!accepted) return new RecomputeStarted(JsonSerializer.Deserialize<RecomputeInput>(operation.InputJson!, Json)!.RunId, operation.Id);
        await store.StartRunAsync(runId, cause, actor);
        try
        {
            await GrainFactory.GetGrain<IOperationGrain>(operation.Id).Resume();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e))
        {
            logger.LogWarning(e, "Recomputation {Operation} accepted but not started at once; the sweeper will start it", operation.Id);
        }

        return new RecomputeStarted(runId, operation.Id);

        Task<(Operation, bool)> Accept() => operations.AcceptAsync(
            OperationWorkflow.Accept("op-" + Guid.CreateVersion7().ToString("N"), OperationKinds.CreditRecompute, OperationKinds.CreditTarget,
                actor.DepartmentCode ?? "", actor.Username, operations.Clock.GetUtcNow(), input), actor);
    }

    public async Task EnsureScheduled()
    {
        if (await this.GetReminder(ReminderName) is not null) return;
        // First tick at the next configured Beijing time of day, then every 24 hours.
        var now = clock.Now;
        var beijing = now.ToOffset(ChinaTime.Offset);
        var next = new DateTimeOffset(DateOnly.FromDateTime(beijing.DateTime).ToDateTime(settings.NightlyAt), ChinaTime.Offset);
        if (next <= now) next = next.AddDays(1);
        await this.RegisterOrUpdateReminder(ReminderName, next - now, TimeSpan.FromDays(1));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName) await Start("reminder", Actor.System("credit-nightly"));
    }
}

/// <summary>
/// The nightly recomputation, set-based: reads <c>credit_scores</c> in key order, <see cref="CreditSettings.NightlyBatchSize"/>
/// rows at a time (keyset, so each read is an index range), recomputes every class with the <see cref="CreditRecomputation"/>
/// kernel over all cores, and writes back only the rows whose class changed (with their change rows and audit lines). Memory is
/// one batch; no grain is activated. Rows whose summary was folded under other half-lives or impacts are counted as stale and left
/// to their grain.
/// </summary>
public sealed partial class CreditNightlyJob(CreditNightlyStore store, CreditModel model, CreditMetrics metrics, ILogger<CreditNightlyJob> logger)
{
    /// <summary>
    /// The run <paramref name="runId"/> of a recomputation operation, at <paramref name="at"/>, recorded when it ends. Run
    /// again after its silo died, it evaluates at the same instant, so it leaves every class where the first attempt would
    /// have; the run's counters are the last attempt's (classes an earlier attempt already changed count as unchanged).
    /// Errors are the caller's: it retries transient ones and records the others with <see cref="CreditNightlyStore.FinishRunAsync"/>.
    /// </summary>
    public async Task<CreditRunTotals> RunOperationAsync(string runId, string cause, DateTimeOffset at, Actor actor, CancellationToken ct = default)
    {
        await store.StartRunAsync(runId, cause, actor, ct);
        var totals = await RunAsync(runId, at, actor, ct);
        await store.FinishRunAsync(runId, totals, null, ct);
        LogRun(logger, runId, totals.Entities, totals.Batches, totals.Changed, totals.Stale);
        return totals;
    }

    /// <summary>One full pass at <paramref name="at"/>.</summary>
    public async Task<CreditRunTotals> RunAsync(string runId, DateTimeOffset at, Actor actor, CancellationToken ct = default)
    {
        var size = model.Settings.NightlyBatchSize;
        var batch = new CreditBatch(size);
        var codes = new string[size];
        var revisions = new long[size];
        var stale = new bool[size];
        var accumulator = new CreditRecomputationAccumulator();
        var after = "";
        long rows = 0, written = 0, staleRows = 0;
        while (true)
        {
            var n = await store.ReadBatchAsync(after, batch, codes, revisions, stale, ct);
            metrics.BatchRead(n);
            rows += n;
            if (n == 0) break;
            model.Recomputation.RecomputeBatch(batch, at, Environment.ProcessorCount, accumulator);
            var changes = new List<NightlyChange>(batch.ChangedCount);
            foreach (var i in batch.Changed)
            {
                if (stale[i]) continue;
                var previous = batch.PreviousClasses[i];
                changes.Add(new NightlyChange(codes[i], previous == CreditBatch.Unclassified ? null : previous, batch.Classes[i], batch.Scores[i], revisions[i]));
            }
            for (var i = 0; i < n; i++) if (stale[i]) staleRows++;
            written += await store.WriteChangesAsync(changes, runId, at, actor, ct);
            after = codes[n - 1];
            if (n < size) break;
        }
        var stats = accumulator.ToStats();
        return new CreditRunTotals(stats.Entities, rows, stats.Batches, written, staleRows, stats.CountByClass);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credit recomputation {RunId}: {Entities} entities in {Batches} batches, {Changed} class changes, {Stale} stale summaries")]
    private static partial void LogRun(ILogger logger, string runId, long entities, long batches, long changed, long stale);
}
