using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Supervision.Contracts;
using Supervision.Contracts.Objections;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Objections;
using Supervision.Infrastructure.Inspections;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Objections;

namespace Supervision.Grains.Objections;

/// <summary>
/// The statements and objections about one inspection's results: loads what is stored, has Core's
/// <see cref="ObjectionWorkflow"/> decide and <see cref="ObjectionStore"/> write the outcome with its audit line and
/// notifications. The table is the state; nothing is kept in the activation.
/// </summary>
public sealed class ObjectionGrain(
    ObjectionStore store,
    InspectionStore inspections,
    InspectionRules rules,
    WorkflowClock clock,
    IOptions<ObjectionOptions> options) : Grain, IObjectionGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<ObjectionReply> Submit(string entityCreditCode, int version, string? kind, string? reason, IReadOnlyList<ObjectionUpload> attachments)
    {
        var target = await store.TargetAsync($"{Id}/v{version}");
        // Another entity's result, or none: the same answer, naming the field, so a link learns nothing about other entities.
        if (target is null || target.EntityCreditCode != entityCreditCode)
            return ObjectionReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.",
                [Core.Validation.FieldError.NotFound("resultId", $"{Id}/v{version}", "is not a published result of this entity")]);
        var files = attachments.Select(a => new AttachmentContent(
            new ObjectionAttachment(Convert.ToHexStringLower(SHA256.HashData(a.Content)), a.Content.LongLength, a.MediaType, a.FileName), a.Content)).ToList();
        var now = clock.Now;
        var o = options.Value;
        DateOnly closes, due;
        try
        {
            closes = ObjectionWorkflow.SubmissionClosesOn(rules.Calendar, target.PublishedOn, o.SubmissionWorkingDays);
            due = ObjectionWorkflow.DueOn(rules.Calendar, now, o.DecisionWorkingDays);
        }
        catch (CalendarRangeException e)
        {
            return ObjectionReply.Refused(CommandStatus.Unprocessable, e.Message);
        }

        var step = ObjectionWorkflow.Submit(target, entityCreditCode, kind, reason, [.. files.Select(f => f.File)], o.ToPolicy(), await store.ForInspectionAsync(Id),
            now, closes, due);
        if (step.Error is { } error) return Refusal(error);
        var made = step.Objection!;
        if (!step.Changed) return new(CommandStatus.Ok, null, [], made);
        var message = made.Kind == ObjectionKinds.Statement
            ? $"The entity published a statement on result {made.PublicationId}."
            : $"The entity objects to result {made.PublicationId}; decide by {made.DueOn:yyyy-MM-dd}.";
        if (!await store.InsertAsync(made, files, [new Notification(Notification.Department(made.LeadDepartment), made.InspectionId, "objection-" + made.Kind, message)]))
        {
            // The same content raced in first (answer it), or another open objection or statement did.
            var stored = await store.GetAsync(made.Id);
            return stored is not null ? new(CommandStatus.Ok, null, [], stored)
                : ObjectionReply.Refused(CommandStatus.Conflict, "Another objection on this result is open, or its statement is already published.");
        }

        return new(CommandStatus.Created, null, [], made);
    }

    public async Task<ObjectionReply> Decide(string objectionId, bool uphold, string? reason, Actor actor)
    {
        var objection = await store.GetAsync(objectionId);
        if (objection is null || objection.InspectionId != Id) return ObjectionReply.Refused(CommandStatus.NotFound, $"There is no objection '{objectionId}'.");
        var step = ObjectionWorkflow.Decide(objection, actor, uphold, reason, clock.Now);
        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Objection);
        var decided = step.Objection!;
        var notifications = new List<Notification>();
        if (decided.State == ObjectionStates.Upheld && (await inspections.LoadAsync(Id))?.Inspection is { } insp)
        {
            // The team corrects the result through the amendment path; the amended version, once published, is linked to the objection.
            notifications.AddRange(insp.Team.Select(m => new Notification(Notification.Inspector(m.CertificateNo), Id, "objection-upheld",
                $"Objection {decided.Id} to result {decided.PublicationId} was upheld: amend the result (the amendment is reviewed and published as usual).")));
        }

        if (await store.DecideAsync(decided, actor, notifications)) return new(CommandStatus.Ok, null, [], decided);
        var now = await store.GetAsync(objectionId);
        return now?.State == decided.State
            ? new(CommandStatus.Ok, null, [], now)
            : ObjectionReply.Refused(CommandStatus.Conflict, $"Objection {objectionId} was decided concurrently: {now?.State}.");
    }

    public async Task<bool> RemindDecision(string objectionId, DateOnly today)
    {
        var objection = await store.GetAsync(objectionId);
        if (objection is null || objection.InspectionId != Id) return false;
        if (ObjectionWorkflow.ReminderOwed(objection.State, objection.DueOn, await store.RemindedAsync(objectionId), today) is not { } reminder) return false;
        var message = reminder == ObjectionWorkflow.Reminders.Overdue
            ? $"Objection {objection.Id} to result {objection.PublicationId} was to be decided by {objection.DueOn:yyyy-MM-dd} and is still open."
            : $"Objection {objection.Id} to result {objection.PublicationId} is to be decided today ({objection.DueOn:yyyy-MM-dd}).";
        return await store.RemindAsync(objection, reminder, today,
            [new Notification(Notification.Department(objection.LeadDepartment), objection.InspectionId, "objection-" + reminder, message)]);
    }

    private static ObjectionReply Refusal(ObjectionError error) => ObjectionReply.Refused(error.Kind switch
    {
        ObjectionRefusal.Invalid => CommandStatus.Invalid,
        ObjectionRefusal.Forbidden => CommandStatus.Forbidden,
        _ => CommandStatus.Conflict,
    }, error.Message, error.Errors);
}
