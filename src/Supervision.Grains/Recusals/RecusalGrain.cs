using Supervision.Contracts;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Supervision.Contracts.Recusals;
using Supervision.Contracts.Tasks;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Recusals;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Recusals;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Grains.Recusals;

/// <summary>Tunables of recusal requests, bound from "Supervision:Recusals" and checked at start (docs/operations.md).</summary>
public sealed class RecusalOptions
{
    public const string Section = "Supervision:Recusals";

    /// <summary>Working days after the day of a request by which the lead department decides it.</summary>
    [Range(1, 30)]
    public int DecisionWorkingDays { get; set; } = RecusalWorkflow.DefaultDecisionWorkingDays;
}

/// <summary>
/// The recusal requests of one inspection: loads what is stored, has Core's <see cref="RecusalWorkflow"/> decide, has the
/// task apply the replacement rule for an accepted request, and has <see cref="RecusalStore"/> write the outcome with its
/// audit line. The table is the state; nothing is kept in the activation.
/// </summary>
public sealed class RecusalGrain(
    RecusalStore store,
    InspectionStore inspections,
    TaskQueries draws,
    InspectionRules rules,
    WorkflowClock clock,
    IOptions<RecusalOptions> options) : Grain, IRecusalGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<RecusalReply> File(string entityCreditCode, string? certificateNo, string? grounds, string? reason)
    {
        var stored = await inspections.LoadAsync(Id);
        // Another entity's inspection, or none: the same answer, so a link learns nothing about other entities.
        if (stored is null || stored.Inspection.EntityCreditCode != entityCreditCode)
            return RecusalReply.Refused(CommandStatus.NotFound, $"Entity {entityCreditCode} has no inspection '{Id}'.");
        var insp = stored.Inspection;
        var target = new RecusalTarget(Id, insp.TaskId, insp.EntityCreditCode, insp.LeadDepartment, insp.State, [.. insp.Team.Select(m => m.CertificateNo)]);
        var now = clock.Now;
        DateOnly due;
        try
        {
            due = RecusalWorkflow.DueOn(rules.Calendar, now, options.Value.DecisionWorkingDays);
        }
        catch (CalendarRangeException e)
        {
            return RecusalReply.Refused(CommandStatus.Unprocessable, e.Message);
        }

        var step = RecusalWorkflow.File(NewId(), target, entityCreditCode, certificateNo, grounds, reason, await store.OpenForInspectionAsync(Id), now, due);
        if (step.Error is { } error) return Refusal(error);
        if (!await store.InsertAsync(step.Request!))
            return RecusalReply.Refused(CommandStatus.Conflict, $"A request against {step.Request!.CertificateNo} on this inspection is already open.");
        return new(CommandStatus.Created, null, [], step.Request);
    }

    public async Task<RecusalReply> Decide(string requestId, bool accept, string? reason, Actor actor)
    {
        var request = await store.GetAsync(requestId);
        if (request is null || request.InspectionId != Id) return RecusalReply.Refused(CommandStatus.NotFound, $"There is no recusal request '{requestId}'.");
        if (!accept) return await RecordAsync(RecusalWorkflow.Reject(request, actor, reason, clock.Now), request, actor);

        if (RecusalWorkflow.CheckAccept(request, actor, reason) is { } decided)
            return decided.Error is { } refused ? Refusal(refused) : new(CommandStatus.Ok, null, [], decided.Request);

        // The draw's rule replaces the member first; only then is the request accepted. A retry after a lost answer finds the
        // replacement already made (same entity, member and reason) and the task answers as the first time.
        var published = RecusalWorkflow.ReplacementReason(request);
        var reply = await GrainFactory.GetGrain<ITaskGrain>(request.TaskId).ReplaceInspector(request.EntityCreditCode, request.CertificateNo, published, actor);
        if (reply.Status != TaskReplyStatus.Ok)
        {
            var detail = "The inspector could not be replaced, so the request stays open: " + (reply.Detail ?? string.Join("; ", reply.Errors.Select(e => $"{e.Field} {e.Reason}")));
            return RecusalReply.Refused(reply.Status switch
            {
                TaskReplyStatus.Forbidden => CommandStatus.Forbidden,
                TaskReplyStatus.NotFound => CommandStatus.NotFound,
                TaskReplyStatus.Unprocessable => CommandStatus.Unprocessable,
                _ => CommandStatus.Conflict,
            }, detail, null, request);
        }

        var made = (await draws.ReplacementsAsync(request.TaskId)).LastOrDefault(r =>
            r.MemberId == request.EntityCreditCode && r.Replaced == request.CertificateNo && r.Reason == published)
            ?? throw new InvalidOperationException($"recusal {request.Id}: the task answered the replacement but has no record of it");
        return await RecordAsync(RecusalWorkflow.Accept(request, actor, reason, made.Replacement, clock.Now), request, actor);
    }

    public async Task<bool> RemindDecision(string requestId, DateOnly today)
    {
        var request = await store.GetAsync(requestId);
        if (request is null || request.InspectionId != Id) return false;
        if (RecusalWorkflow.ReminderOwed(request.State, request.DueOn, await store.RemindedAsync(requestId), today) is not { } reminder) return false;
        var message = reminder == RecusalWorkflow.Reminders.Overdue
            ? $"Recusal request {request.Id} on inspection {request.InspectionId} was to be decided by {request.DueOn:yyyy-MM-dd} and is still open."
            : $"Recusal request {request.Id} on inspection {request.InspectionId} is to be decided today ({request.DueOn:yyyy-MM-dd}).";
        return await store.RemindAsync(request, reminder, today,
            [new Infrastructure.Notifications.Notification(Infrastructure.Notifications.Notification.Department(request.LeadDepartment), request.InspectionId,
                "recusal-" + reminder, message)]);
    }

    private async Task<RecusalReply> RecordAsync(RecusalStep step, RecusalRequest before, Actor actor)
    {
        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Request);
        if (await store.DecideAsync(step.Request!, actor)) return new(CommandStatus.Ok, null, [], step.Request);
        // Decided elsewhere in between (a second activation in a cluster race): answer what is stored.
        var now = await store.GetAsync(before.Id);
        return now?.State == step.Request!.State
            ? new(CommandStatus.Ok, null, [], now)
            : RecusalReply.Refused(CommandStatus.Conflict, $"Request {before.Id} was decided concurrently: {now?.State}.", null, now);
    }

    private static RecusalReply Refusal(RecusalError error) => RecusalReply.Refused(error.Kind switch
    {
        RecusalRefusal.Invalid => CommandStatus.Invalid,
        RecusalRefusal.Forbidden => CommandStatus.Forbidden,
        _ => CommandStatus.Conflict,
    }, error.Message, error.Errors);

    private static string NewId() => "rc-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
