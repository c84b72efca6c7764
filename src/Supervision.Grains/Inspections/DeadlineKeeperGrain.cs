using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Grains.Inspections;

/// <summary>What the keeper keeps: the calendar version the open deadlines were last recomputed with.</summary>
[GenerateSerializer, Alias("supervision.deadline-keeper-state")]
public sealed class DeadlineKeeperState
{
    [Id(0)] public string? RecomputedWith { get; set; }
}

/// <summary>
/// <see cref="IDeadlineKeeperGrain"/>. Recompute: the pure rules in <see cref="DeadlineRecompute"/> decide,
/// <see cref="DeadlineStore"/> writes follow-ups and listings with their audit lines, and each inspection whose
/// publication deadline moved is told by its own grain, which owns that row. Catch-up: the store finds the inspections
/// whose warning or overdue mark is due and not set, and each one's grain runs its deadline check (the same one its
/// reminder runs). Both are idempotent. The same ticks carry the abnormal-operations sweep and the tasks' matching
/// reminders (<see cref="MatchingDeadline"/>), the reminders of recusal decisions and of overdue follow-up case steps, and
/// the public record's daily retention expiry.
/// </summary>

public sealed class DeadlineKeeperGrain(
    [PersistentState("deadline-keeper", "state")] IPersistentState<DeadlineKeeperState> state,
    DeadlineStore deadlines,
    InspectionRules rules,
    WorkflowClock clock,
    InspectionOptions options,
    TaskQueries tasks,
    MatchingDeadline matching,
    Infrastructure.Recusals.RecusalStore recusals,
    Infrastructure.Objections.ObjectionStore objections,
    ILogger<DeadlineKeeperGrain> logger) : Grain, IDeadlineKeeperGrain, IRemindable
{
    private const string ReminderName = "catch-up";

    public async Task Start()
    {
        await this.RegisterOrUpdateReminder(ReminderName, options.CatchUpPeriod, options.CatchUpPeriod);
        // Let the start call return at once; the work is a grain timer tick, so it still runs one at a time with the calls.
        this.RegisterGrainTimer(_ => TickAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = false });
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName) await TickAsync();
    }

    /// <summary>
    /// Recomputes only when this silo's calendar is not the one the deadlines were last recomputed with (a notice file
    /// added, then the silos restarted — the keeper may live on any of them, so the reminder checks too), then catches up.
    /// </summary>
    private async Task TickAsync()
    {
        var version = rules.Calendar.Version.Version;
        if (state.State.RecomputedWith != version)
        {
            try
            {
                var run = await Recompute(Actor.System("calendar"));
                state.State.RecomputedWith = version;
                await state.WriteStateAsync();
                if (logger.IsEnabled(LogLevel.Information))
                    logger.LogInformation("Deadlines recomputed with {Calendar}: {Examined} open, moved {FollowUps} follow-ups, {Listings} listings, {Publications} publication deadlines",
                        run.CalendarVersion, run.Examined, run.FollowUpsMoved, run.ListingsMoved, run.PublicationsMoved);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Recomputing the open deadlines failed; the next tick tries again");
            }
        }

        await StepAsync("The deadline catch-up", CatchUpAndLogAsync);
        await StepAsync("The abnormal-operations sweep", SweepRegisterAsync);
        await StepAsync("The matching reminders", RemindMatchingAsync);
        await StepAsync("The recusal reminders", RemindRecusalsAsync);
        await StepAsync("The follow-up case reminders", RemindCasesAsync);
        await StepAsync("The objection reminders", RemindObjectionsAsync);
        await StepAsync("The retention expiry", ExpireAsync);
    }

    /// <summary>Open objections due today or overdue: each one's grain sends the reminder it owes its department (once each).</summary>
    private async Task RemindObjectionsAsync()
    {
        var today = clock.Today;
        var sent = 0;
        foreach (var due in await objections.OpenDueAsync(today))
        {
            if (Core.Objections.ObjectionWorkflow.ReminderOwed(Core.Objections.ObjectionStates.Submitted, due.DueOn, due.Reminded, today) is null) continue;
            if (await GrainFactory.GetGrain<Contracts.Objections.IObjectionGrain>(due.InspectionId).RemindDecision(due.Id, today)) sent++;
        }

        if (sent > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Objection decisions on {Today}: {Sent} reminders sent", today, sent);
    }

    /// <summary>The public record's daily expiry (docs/retention.md): once per Beijing day, whatever the tick period; resumes an unfinished run.</summary>
    private async Task ExpireAsync()
    {
        var run = await GrainFactory.GetGrain<Contracts.Publication.IRetentionGrain>(Contracts.Publication.IRetentionGrain.DefaultKey).Run();
        if ((run.ResultsWithdrawn + run.ListingsWithdrawn + run.FilesRegenerated) > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Retention on {Today}: {Results} results ({Versions} versions) and {Listings} listings withdrawn from the public record; {Files} bulk files generated again",
                run.Today, run.ResultsWithdrawn, run.VersionsWithdrawn, run.ListingsWithdrawn, run.FilesRegenerated);
    }

    /// <summary>Runs one step of a tick; a failure is logged and left to the next tick, so one step never keeps the others from running.</summary>
    private async Task StepAsync(string step, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Step} failed; the next tick tries again", step);
        }
    }

    /// <summary>Open follow-up cases past their step's due date: each one's grain sends the overdue reminder it owes (once per step).</summary>
    private async Task RemindCasesAsync()
    {
        var run = await GrainFactory.GetGrain<Contracts.Cases.ICaseReminderGrain>(Contracts.Cases.ICaseReminderGrain.DefaultKey).Run();
        if (run.Reminded + run.Amended > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Follow-up cases on {Today}: {Reminded} overdue reminders sent, {Amended} amended findings taken in", run.Today, run.Reminded, run.Amended);
    }

    /// <summary>Open recusal requests due today or overdue: each one's inspection grain sends the reminder it owes (once each).</summary>
    private async Task RemindRecusalsAsync()
    {
        var today = clock.Today;
        var sent = 0;
        foreach (var due in await recusals.OpenDueAsync(today))
        {
            if (Core.Recusals.RecusalWorkflow.ReminderOwed(Core.Recusals.RecusalStates.Requested, due.DueOn, due.Reminded, today) is null) continue;
            if (await GrainFactory.GetGrain<Contracts.Recusals.IRecusalGrain>(due.InspectionId).RemindDecision(due.Id, today)) sent++;
        }

        if (sent > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Recusal decisions on {Today}: {Sent} reminders sent", today, sent);
    }

    /// <summary>
    /// Tasks whose entity list arrived and whose inspectors are not matched: each one that owes a reminder today (due
    /// soon, or overdue — each once) is told by its own grain, which owns the row and sends it.
    /// </summary>
    private async Task RemindMatchingAsync()
    {
        var today = clock.Today;
        var sent = 0;
        foreach (var task in await tasks.AwaitingMatchingAsync(null))
        {
            if (matching.ReminderOwed(ChinaTime.DateOf(task.ListArrivedAt), task.MatchingReminded, today) is null) continue;
            if (await GrainFactory.GetGrain<Contracts.Tasks.ITaskGrain>(task.TaskId).RemindMatching(today)) sent++;
        }

        if (sent > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Matching deadline on {Today}: {Sent} reminders sent", today, sent);
    }

    /// <summary>The abnormal-operations register's reminders and escalations ride on the same durable ticks.</summary>
    private async Task SweepRegisterAsync()
    {
        var run = await GrainFactory.GetGrain<Contracts.Abnormal.IAbnormalSweepGrain>(Contracts.Abnormal.IAbnormalSweepGrain.DefaultKey).Run();
        if (run.Reminded + run.Escalated > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Abnormal-operations sweep on {Today}: {Reminded} overdue reminders, {Escalated} escalations", run.Today, run.Reminded, run.Escalated);
    }

    public async Task<DeadlineRecomputeRun> Recompute(Actor actor)
    {
        var version = rules.Calendar.Version.Version;
        var followUps = await deadlines.ReadOpenFollowUpsAsync();
        var listings = await deadlines.ReadOpenListingsAsync();
        var awaiting = await deadlines.ReadAwaitingPublicationAsync();

        var followUpsMoved = await deadlines.ApplyAsync(DeadlineRecompute.FollowUps(rules.FollowUps, followUps), actor, version);
        var listingsMoved = await deadlines.ApplyAsync(DeadlineRecompute.Listings(rules.FollowUps, listings), actor, version);
        var publicationsMoved = 0;
        foreach (var a in awaiting)
        {
            if (DeadlineRecompute.Publication(rules.Deadlines, a.InspectionId, a.LeadDepartment, a.ApprovedOn, a.PublicationDue) is null) continue;
            var before = a.PublicationDue;
            var flags = await GrainFactory.GetGrain<IInspectionGrain>(a.InspectionId).RecomputeDeadlines(version);
            if (flags?.PublicationDue != before) publicationsMoved++;
        }

        return new DeadlineRecomputeRun(version, followUps.Count + listings.Count + awaiting.Count, followUpsMoved, listingsMoved, publicationsMoved);
    }

    public async Task<DeadlineCatchUp> CatchUp()
    {
        var today = clock.Today;
        // Every due date on or before the horizon is due soon or overdue today; past the calendar's data, only overdue ones.
        var horizon = rules.DueSoonHorizon(today) ?? today.AddDays(-1);
        var due = await deadlines.ReadUnmarkedDueAsync(today, horizon);
        var marked = 0;
        foreach (var id in due)
        {
            var flags = await GrainFactory.GetGrain<IInspectionGrain>(id).CheckDeadlines();
            if (flags is not null && (flags.DueWarned || flags.Overdue || flags.PublicationOverdue)) marked++;
        }

        return new DeadlineCatchUp(today, due.Count, marked);
    }

    private async Task CatchUpAndLogAsync()
    {
        var run = await CatchUp();
        if (run.Due > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Deadline catch-up on {Today}: {Due} inspections had a warning or overdue mark due", run.Today, run.Due);
    }
}
