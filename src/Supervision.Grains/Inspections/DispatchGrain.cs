using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Registry;
using InspectionItem = Supervision.Core.Inspections.InspectionItem;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Grains.Inspections;

/// <summary>
/// Dispatches a task (keyed by task id, so two dispatches of one task queue): one inspection grain per drawn entity
/// with its drawn team, the task's items and the due date. Reads the committed draw from the draw tables and changes
/// nothing of the task. Idempotent: an inspection that exists is left as it is, so a repeated (or interrupted and
/// retried) dispatch completes what is missing and creates nothing twice.
/// </summary>
public sealed class DispatchGrain(
    TaskQueries draws,
    InspectionStore store,
    InspectionQueries inspections,
    InspectionItemStore itemStore,
    InspectionRules rules,
    WorkflowClock clock,
    InspectionOptions options,
    ILogger<DispatchGrain> logger) : Grain, IDispatchGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<DispatchReply> Dispatch(Actor actor)
    {
        var task = await draws.GetAsync(Id);
        if (task is null) return Refused(InspectionReplyStatus.NotFound, $"There is no task '{Id}'.");
        if (!actor.CanActFor(Roles.Scheduler, task.LeadDepartment))
            return Refused(InspectionReplyStatus.Forbidden, $"Only schedulers of '{task.LeadDepartment}' (or platform admins) dispatch its inspections.");
        if (await draws.GetRecordAsync(Id, DrawRecordRow.InspectorKind) is null)
            return Refused(InspectionReplyStatus.IllegalTransition, $"Task '{Id}' is {task.Status}: dispatch needs its committed inspector draw.");

        // The task marks that dispatch began before the teams are read: a replacement decided after the mark changes the
        // inspection, one before it is in the teams read below (the task grain serialises the two).
        var begun = await GrainFactory.GetGrain<Contracts.Tasks.ITaskGrain>(Id).BeginDispatch(actor);
        if (begun.Status != Contracts.Tasks.TaskReplyStatus.Ok)
            return Refused(begun.Status == Contracts.Tasks.TaskReplyStatus.Forbidden ? InspectionReplyStatus.Forbidden : InspectionReplyStatus.IllegalTransition,
                begun.Detail ?? $"Task '{Id}' cannot be dispatched now.");

        var definition = task.Definition;
        var items = new List<InspectionItem>();
        foreach (var code in definition.Items)
        {
            var item = await itemStore.GetAsync(code);
            if (item is null) return Refused(InspectionReplyStatus.Unprocessable, $"Item '{code}' of the task no longer exists.");
            items.Add(new InspectionItem(item.Code, item.DepartmentCode, MethodOf(item.Method), item.ResultCodes));
        }

        var due = DueDate(definition.Deadline);
        var members = await inspections.DrawnTeamsAsync(Id, default);
        var teams = members.GroupBy(m => (m.Rank, m.MemberId)).OrderBy(g => g.Key.Rank).ToList();
        var entities = await inspections.EntitiesAsync(teams.Select(t => t.Key.MemberId).ToArray(), default);
        var assignments = new List<InspectionAssignment>(teams.Count);
        foreach (var team in teams)
        {
            var entity = team.Key.MemberId;
            var inspectionId = $"{Id}/{entity}";
            try
            {
                var inspection = InspectionWorkflow.Assign(inspectionId, Id, entity, task.LeadDepartment,
                    team.OrderBy(m => m.Position).Select(m => new TeamMember(m.Username ?? m.CertificateNo, m.CertificateNo, m.IsLead)).ToList(), items, due);
                var summary = entities.GetValueOrDefault(entity);
                assignments.Add(new InspectionAssignment(inspection, summary?.Name ?? "", summary?.DivisionCode ?? ""));
            }
            catch (ArgumentException e)
            {
                return Refused(InspectionReplyStatus.Unprocessable, $"Entity {entity} (rank {team.Key.Rank}) cannot be dispatched: {e.Message}");
            }
        }

        var created = 0;
        var existing = 0;
        // A bounded number of grains at a time (on the grain's own scheduler): each writes its row, team, audit line and
        // inbox rows in one transaction.
        foreach (var batch in assignments.Chunk(16))
        {
            var replies = await Task.WhenAll(batch.Select(a => GrainFactory.GetGrain<IInspectionGrain>(a.Inspection.InspectionId).Assign(a, actor)));
            foreach (var reply in replies)
            {
                if (reply.Status == InspectionReplyStatus.Created) created++;
                else if (reply.Status == InspectionReplyStatus.Ok) existing++;
                else return Refused(reply.Status, $"An inspection was refused: {reply.Detail}");
            }
        }
        await store.RecordDispatchAsync(Id, task.LeadDepartment, assignments.Count, actor, default);
        if (logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Task {Task} dispatched: {Created} inspections created, {Existing} existed, due {Due}", Id, created, existing, due);
        return new DispatchReply(InspectionReplyStatus.Ok, null, created, existing, assignments.Select(a => a.Inspection.InspectionId).ToList());
    }

    /// <summary>The task deadline, or N working days after today when that is configured and earlier.</summary>
    private DateOnly DueDate(DateOnly deadline)
    {
        if (options.DueWorkingDays is not { } n) return deadline;
        try
        {
            var byWorkingDays = rules.Calendar.AddWorkingDays(clock.Today, n);
            return byWorkingDays < deadline ? byWorkingDays : deadline;
        }
        catch (CalendarRangeException)
        {
            return deadline;
        }
    }

    private static InspectionMethod MethodOf(string method) => method.Replace('_', '-').ToLowerInvariant() switch
    {
        "written" => InspectionMethod.Written,
        "online" => InspectionMethod.Online,
        _ => InspectionMethod.OnSite,
    };

    private static DispatchReply Refused(InspectionReplyStatus status, string detail) => new(status, detail, 0, 0, []);
}
