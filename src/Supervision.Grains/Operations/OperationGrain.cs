using System.Text.Json;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Contracts.Operations;
using Supervision.Contracts.Tasks;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Contracts;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Operations;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Contracts.Credit;
using Supervision.Grains.Credit;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Registry.Import;

namespace Supervision.Grains.Operations;

/// <summary>
/// <see cref="IOperationGrain"/>: applies <see cref="OperationWorkflow"/> to one stored operation and runs its command —
/// the task's or the dispatcher's grain — as the actor who asked for it, under a lease it renews on a timer. A refusal
/// ends the operation with the problem the route would have answered; a transient failure (the cluster, the database)
/// is retried while the lease is held; a lease lost (this silo was presumed dead) stops this runner from recording anything.
/// </summary>
public sealed class OperationGrain(
    OperationStore operations,
    UserStore users,
    Microsoft.Extensions.Options.IOptions<OperationOptions> configured,
    ILocalSiloDetails silo,
    ILogger<OperationGrain> logger) : Grain, IOperationGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly OperationOptions options = configured.Value;
    private readonly string _owner = $"{silo.SiloAddress.ToParsableString()}#{Guid.NewGuid():N}";
    private Task? _running;

    private string Id => this.GetPrimaryKeyString();

    public Task Resume()
    {
        if (_running is null || _running.IsCompleted) _running = RunLoggedAsync();
        return Task.CompletedTask;
    }

    private async Task RunLoggedAsync()
    {
        try
        {
            await RunAsync();
        }
        catch (Exception e)
        {
            // The lease runs out and the sweeper resumes the operation; nothing is lost by stopping here.
            logger.LogWarning(e, "Operation {Operation}: the runner stopped; the lease will run out and the operation be taken over", Id);
        }
    }

    private async Task RunAsync()
    {
        var delay = options.RetryDelay;
        while (true)
        {
            var claimed = (await StepAsync(o => OperationWorkflow.Claim(o, _owner, operations.Clock.GetUtcNow(), options.Lease)))?.Operation;
            if (claimed is null) return;
            using var renewal = this.RegisterGrainTimer(RenewAsync, new GrainTimerCreationOptions(options.Lease / 3, options.Lease / 3) { Interleave = true, KeepAlive = true });

            OperationStep? end;
            try
            {
                var (problem, result) = await ExecuteAsync(claimed);
                end = await StepAsync(o => problem is null
                    ? OperationWorkflow.Succeed(o, _owner, result ?? "{}", operations.Clock.GetUtcNow())
                    : OperationWorkflow.Fail(o, _owner, problem, operations.Clock.GetUtcNow()));
            }
            catch (Exception e)
            {
                var transient = TransientFailures.IsTransient(e);
                var level = transient ? LogLevel.Warning : LogLevel.Error;
                if (logger.IsEnabled(level))
                    logger.Log(level, e, "Operation {Operation} ({Kind} {Target}), attempt {Attempt}: {Nature} failure",
                        Id, claimed.Kind, claimed.Target, claimed.Attempts, transient ? "transient" : "unexpected");
                var problem = transient
                    ? new OperationProblem(503, "Temporarily unavailable", "The cluster or the database could not be reached; the operation is retried.")
                    : new OperationProblem(500, "Internal error",
                        OperationKinds.OnTask(claimed.Kind)
                            ? $"The {claimed.Kind} failed {claimed.Attempts} times with an unexpected error, which is logged. A draw commits once or not at all and a dispatch creates each inspection once: read the task to see what it holds, then ask again."
                            : $"The {claimed.Kind} failed {claimed.Attempts} times with an unexpected error, which is logged. An import commits its file whole or not at all: read its job or report to see whether it did, then upload again.");
                end = await StepAsync(o => OperationWorkflow.Stumble(o, _owner, transient, problem, operations.Clock.GetUtcNow()));

                // An import that gave up: its job says so (until then it stays running, and each attempt starts it afresh).
                if (end is { Operation.IsFinal: true } && claimed.Kind is OperationKinds.ImportEntities or OperationKinds.ImportInspectors)
                    await ServiceProvider.GetRequiredService<DirectoryImporter>().StoppedAsync(claimed.Target, problem.Detail ?? problem.Title);
            }

            if (end is null || end.Operation.IsFinal) return;
            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.RetryDelay.Ticks * 8));
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        try
        {
            await StepAsync(o => OperationWorkflow.Renew(o, _owner, operations.Clock.GetUtcNow(), options.Lease));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Operation {Operation}: renewing the lease failed; trying again at the next tick", Id);
        }
    }

    /// <summary>
    /// Reads the operation, applies <paramref name="step"/> and writes it if nobody wrote in between (else again). Answers
    /// the successful step, or null when the step was refused (ended, leased elsewhere, lease lost).
    /// </summary>
    private async Task<OperationStep?> StepAsync(Func<Operation, OperationStep> step)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await operations.GetAsync(Id);
            if (current is null) return null;
            var next = step(current);
            if (!next.Ok) return null;
            if (await operations.WriteAsync(next.Operation, current.Version)) return next;
        }

        throw new InvalidOperationException($"operation {Id}: the row kept changing under the runner");
    }

    /// <summary>Runs the command once: the problem that ended it, or null and the result to record.</summary>
    private async Task<(OperationProblem? Problem, string? Result)> ExecuteAsync(Operation operation)
    {
        var actor = await operations.ActorAsync(Id) ?? throw new InvalidOperationException($"operation {Id} has no actor");
        if (await RightsChangedAsync(actor) is { } refused) return (refused, null);
        var required = OperationKinds.RequiredRoles(operation.Kind);
        if (required.Count > 0 && !required.Any(actor.Has))
            return (new OperationProblem(403, "Forbidden", $"'{actor.Username}' may not run a {operation.Kind} operation."), null);
        var target = operation.Target;
        switch (operation.Kind)
        {
            case OperationKinds.ImportEntities:
            case OperationKinds.ImportInspectors:
                return await ImportAsync(operation, actor);
            case OperationKinds.CreditImport:
                return await CreditImportAsync(operation, actor);
            case OperationKinds.CreditRecompute:
                return await RecomputeAsync(operation, actor);
            case OperationKinds.Dispatch:
                var dispatched = await GrainFactory.GetGrain<IDispatchGrain>(target).Dispatch(actor);
                return (OperationProblems.For(dispatched, target),
                    JsonSerializer.Serialize(new { task = target, created = dispatched.Created, existing = dispatched.Existing, inspections = dispatched.InspectionIds.Count }, Json));
            default:
                var task = GrainFactory.GetGrain<ITaskGrain>(target);
                var reply = operation.Kind switch
                {
                    OperationKinds.Freeze => await task.Freeze(actor),
                    OperationKinds.DrawEntities => await task.DrawEntities(actor),
                    OperationKinds.DrawInspectors => await task.DrawInspectors(actor),
                    _ => throw new InvalidOperationException($"unknown operation kind '{operation.Kind}'"),
                };
                return (OperationProblems.For(reply, target),
                    JsonSerializer.Serialize(new { task = target, status = reply.CurrentState, version = reply.Version }, Json));
        }
    }

    /// <summary>
    /// A directory import from the staged upload, as the job the operation targets, through the imports' one write path
    /// (<see cref="IDirectoryImports"/>): the single-record rules hold for the caller and every row. A file that is not a
    /// directory CSV ends the operation with the route's 400 naming "file".
    /// </summary>
    private async Task<(OperationProblem?, string?)> ImportAsync(Operation operation, Actor actor)
    {
        var imports = ServiceProvider.GetRequiredService<IDirectoryImports>();
        var input = JsonSerializer.Deserialize<UploadInput>(operation.InputJson ?? "{}", Json) ?? throw new InvalidOperationException($"operation {Id} has no input");
        var progress = new ImportReporter(operations, operation.Kind, operation.Target, input.Bytes);
        ImportJob job;
        await using var upload = operations.OpenUpload(operation.Id);
        try
        {
            job = operation.Kind == OperationKinds.ImportEntities
                ? await Task.Run(() => imports.ImportEntitiesAsync(operation.Target, upload, input.FileName, actor, progress, CancellationToken.None))
                : await Task.Run(() => imports.ImportInspectorsAsync(operation.Target, upload, input.FileName, actor, progress, CancellationToken.None));
        }
        catch (UnauthorizedAccessException refused)
        {
            return (new OperationProblem(403, "Forbidden", refused.Message), null);
        }

        return (job.Status == "failed" ? OperationProblems.Validation([Supervision.Core.Validation.FieldError.Unreadable("file", job.Error ?? "the file could not be imported")]) : null,
            JsonSerializer.Serialize(job, Json));
    }

    private async Task<(OperationProblem?, string?)> CreditImportAsync(Operation operation, Actor actor)
    {
        var input = JsonSerializer.Deserialize<UploadInput>(operation.InputJson ?? "{}", Json) ?? throw new InvalidOperationException($"operation {Id} has no input");
        await using var upload = operations.OpenUpload(operation.Id);
        var (report, problem) = await ServiceProvider.GetRequiredService<CreditImporter>().ImportAsync(operation.Target, upload, input.FileName, actor);
        if (problem is not null) return (problem, null);

        // The feed would find the records on its next tick anyway; it is woken without waiting for it.
        _ = GrainFactory.GetGrain<ICreditFeedGrain>(ICreditFeedGrain.DefaultKey).RunOnce().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        return (null, JsonSerializer.Serialize(new { importId = report!.ImportId, report.RowsRead, report.Accepted, report.Unchanged, report.Rejected }, Json));
    }

    /// <summary>The recomputation run the operation produces; a failure that is not transient ends the run (and the operation) failed.</summary>
    private async Task<(OperationProblem?, string?)> RecomputeAsync(Operation operation, Actor actor)
    {
        var input = JsonSerializer.Deserialize<RecomputeInput>(operation.InputJson ?? "{}", Json)
            ?? throw new InvalidOperationException($"operation {Id} has no input");
        var job = ServiceProvider.GetRequiredService<CreditNightlyJob>();
        try
        {
            var totals = await Task.Run(() => job.RunOperationAsync(input.RunId, input.Cause, input.At, actor));
            return (null, JsonSerializer.Serialize(new { runId = input.RunId, totals.Entities, totals.Changed, totals.Stale }, Json));
        }
        catch (Exception e) when (!TransientFailures.IsTransient(e))
        {
            logger.LogError(e, "Credit recomputation {RunId} failed", input.RunId);
            await ServiceProvider.GetRequiredService<CreditNightlyStore>().FinishRunAsync(input.RunId, new CreditRunTotals(0, 0, 0, 0, 0, [0, 0, 0, 0]), e.Message);
            return (new OperationProblem(500, "The recomputation failed", $"Run {input.RunId} stopped on an unexpected error, which is logged; classes it changed before stay changed. Start another run."), null);
        }
    }

    /// <summary>An import's progress as the operation's: bytes of the file read (of its size), and rows in the note. Best effort.</summary>
    private sealed class ImportReporter(OperationStore operations, string kind, string target, long bytes) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) =>
            _ = operations.ReportAsync(kind, target, new OperationProgress("import", value.BytesRead, bytes, $"{value.RowsRead} rows read, {value.Rejected} rejected"))
                .ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>
    /// An operation runs with the rights its requester had when it was accepted — unless they lost them since (disabled,
    /// or no longer holding those roles in that department): then it is refused as the route would now refuse it.
    /// </summary>
    private async Task<OperationProblem?> RightsChangedAsync(Actor actor)
    {
        if (actor.Username.StartsWith("system:", StringComparison.Ordinal)) return null;
        var account = await users.FindAsync(actor.Username);
        if (account is null || account.Disabled)
            return new OperationProblem(403, "Forbidden", $"The account '{actor.Username}' that asked for this operation is disabled or gone.");
        var roles = account.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!actor.Roles.All(r => roles.Contains(r, StringComparer.Ordinal)) || account.DepartmentCode != actor.DepartmentCode)
            return new OperationProblem(403, "Forbidden", $"The rights of '{actor.Username}' changed after the operation was accepted; ask again.");
        return null;
    }
}
