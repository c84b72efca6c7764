using Supervision.Contracts;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Abnormal;
using Supervision.Contracts.Credit;
using Supervision.Core.Abnormal;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Abnormal;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Notifications;

namespace Supervision.Grains.Abnormal;

/// <summary>
/// The abnormal-operations entries of one entity: loads what is stored, has Core's <see cref="AbnormalWorkflow"/> decide,
/// has <see cref="AbnormalStore"/> write the outcome with its audit line, then lets the entity's credit score take the
/// change in (the credit feed's time-due pass does the same if this process dies in between). The table is the state.
/// </summary>
public sealed partial class AbnormalRegisterGrain(AbnormalStore store, InspectionRules rules, WorkflowClock clock, ILogger<AbnormalRegisterGrain> logger)
    : Grain, IAbnormalRegisterGrain
{
    private string Entity => this.GetPrimaryKeyString();

    private int EscalationYears => rules.FollowUps.Policy.SeriousViolationAfterYears;

    public async Task<AbnormalReply> Enter(string? ground, string? facts, DateOnly? foundOn, string departmentCode, Actor actor)
    {
        AbnormalStep step;
        try
        {
            step = AbnormalWorkflow.Enter(NewId(), Entity, ground, facts, foundOn, departmentCode, actor, await store.OpenOfEntityAsync(Entity), clock.Today,
                rules.FollowUps.ListBy, clock.Now);
        }
        catch (CalendarRangeException e)
        {
            return AbnormalReply.Refused(CommandStatus.Unprocessable, e.Message);
        }

        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Entry);
        if (await store.InsertAsync(step.Entry!, actor)) return new(CommandStatus.Created, null, [], step.Entry);
        // Entered concurrently (or by a finding) in between: answer the open entry on that ground.
        var open = (await store.OpenOfEntityAsync(Entity)).FirstOrDefault(e => e.Ground == step.Entry!.Ground);
        return open is null
            ? AbnormalReply.Refused(CommandStatus.Conflict, "The entry could not be written; try again.")
            : new(CommandStatus.Ok, null, [], open);
    }

    public Task<AbnormalReply> List(string entryId, string? decisionReference, Actor actor) =>
        StepAsync(entryId, e => AbnormalWorkflow.List(e, actor, decisionReference, clock.Today, EscalationYears), actor, "abnormal.listed");

    public Task<AbnormalReply> ApplyForRemoval(string entryId, string? evidence, Actor actor, bool staff) =>
        StepAsync(entryId, e => AbnormalWorkflow.ApplyForRemoval(e, actor, staff, evidence, clock.Now), actor, "abnormal.removal-applied",
            e => [new Notification(Notification.Department(e.DepartmentCode), e.Id, "abnormal-removal-applied",
                $"{e.EntityCreditCode} applied for removal from the abnormal-operations list (entry {e.Id}).")]);

    public Task<AbnormalReply> DecideRemoval(string entryId, bool approve, string? reason, Actor actor) =>
        StepAsync(entryId, e => AbnormalWorkflow.DecideRemoval(e, actor, approve, reason, clock.Today, clock.Now), actor,
            approve ? "abnormal.removed" : "abnormal.removal-rejected");

    public async Task<AbnormalSweepRun> Sweep(string entryId)
    {
        var today = clock.Today;
        var entry = await store.GetAsync(entryId);
        if (entry is null || entry.EntityCreditCode != Entity) return new(today, 0, 0);
        if (entry.IsOverdueOn(today))
        {
            var sent = await store.RemindOverdueAsync(entry, today, [new Notification(Notification.Department(entry.DepartmentCode), entry.Id, "abnormal-overdue",
                $"{entry.EntityCreditCode} should have been listed on the abnormal-operations list by {entry.ListBy:yyyy-MM-dd} (entry {entry.Id}).")]);
            return new(today, sent ? 1 : 0, 0);
        }

        var step = AbnormalWorkflow.Escalate(entry, today);
        if (!step.Changed) return new(today, 0, 0);
        var escalated = await store.WriteAsync(entry, step.Entry!, Actor.System("abnormal-sweep"), "abnormal.escalated",
            [new Notification(Notification.Department(entry.DepartmentCode), entry.Id, "abnormal-escalated",
                $"{entry.EntityCreditCode} has been on the abnormal-operations list since {entry.ListedOn:yyyy-MM-dd}: flagged for the serious-violation list (entry {entry.Id}).")]);
        if (escalated) await RefreshCreditAsync();
        return new(today, 0, escalated ? 1 : 0);
    }

    private async Task<AbnormalReply> StepAsync(string entryId, Func<AbnormalEntry, AbnormalStep> decide, Actor actor, string action,
        Func<AbnormalEntry, IReadOnlyList<Notification>>? notify = null)
    {
        var entry = await store.GetAsync(entryId);
        if (entry is null || entry.EntityCreditCode != Entity) return AbnormalReply.Refused(CommandStatus.NotFound, $"There is no abnormal-operations entry '{entryId}'.");
        var step = decide(entry);
        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Entry);
        if (!await store.WriteAsync(entry, step.Entry!, actor, action, notify?.Invoke(step.Entry!)))
        {
            // Changed elsewhere in between (a second activation in a cluster race): answer what is stored if it is this step's result.
            var now = await store.GetAsync(entryId);
            return now is not null && now.State == step.Entry!.State && now.RemovalState == step.Entry.RemovalState
                ? new(CommandStatus.Ok, null, [], now)
                : AbnormalReply.Refused(CommandStatus.Conflict, $"Entry {entryId} changed concurrently; it is now {now?.State}.");
        }

        await RefreshCreditAsync();
        return new(CommandStatus.Ok, null, [], step.Entry);
    }

    /// <summary>The listing and removal events are derived from the register; the entity's score takes them in now rather than at the feed's next pass.</summary>
    private async Task RefreshCreditAsync()
    {
        try
        {
            await GrainFactory.GetGrain<ICreditScoreGrain>(Entity).Refresh(Actor.System("abnormal-register"));
        }
        catch (Exception e)
        {
            LogCreditRefreshFailed(logger, e, Entity);
        }
    }

    private static AbnormalReply Refusal(AbnormalError error) => AbnormalReply.Refused(error.Kind switch
    {
        AbnormalRefusal.Invalid => CommandStatus.Invalid,
        AbnormalRefusal.Forbidden => CommandStatus.Forbidden,
        _ => CommandStatus.Conflict,
    }, error.Message, error.Errors);

    private static string NewId() => "ab-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The credit score of {Entity} did not take the register's change in now; the credit feed's next pass will")]
    private static partial void LogCreditRefreshFailed(ILogger logger, Exception error, string entity);
}
