using System.Text.Json;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;
using InspectionTeamMember = Supervision.Core.Inspections.TeamMember;

namespace Supervision.Grains.Inspections;

/// <summary>See <see cref="IReinspectionGrain"/>. Keyed by the follow-up's action key, so two runs of one re-inspection queue.</summary>
public sealed class ReinspectionGrain(
    ReinspectionStore reinspections,
    InspectionStore inspections,
    TaskQueries draws,
    WorkflowClock clock,
    ILogger<ReinspectionGrain> logger) : Grain, IReinspectionGrain
{
    private string Key => this.GetPrimaryKeyString();

    public async Task<ReinspectionReply> Create(Actor actor)
    {
        var row = await reinspections.GetAsync(Key);
        if (row is { Status: ReinspectionStore.Assigned }) return new(ReinspectionStatus.Existing, row.InspectionId, null);
        var due = await reinspections.FollowUpAsync(Key);
        if (due is null) return new(ReinspectionStatus.NotFound, null, $"There is no open re-inspection '{Key}'.");
        if (!actor.CanActFor(Roles.Scheduler, due.DepartmentCode))
            return new(ReinspectionStatus.Forbidden, null, $"Only schedulers of '{due.DepartmentCode}' (or platform admins) start its re-inspections.");

        var source = await inspections.LoadAsync(due.InspectionId)
            ?? throw new InvalidOperationException($"re-inspection {Key} refers to a missing inspection {due.InspectionId}");
        if (row?.Record is null)
        {
            if (clock.Today < due.NotBefore) return new(ReinspectionStatus.NotDue, null, $"The re-inspection window opens on {due.NotBefore:yyyy-MM-dd}.");
            var (record, failure) = await DrawAsync(due, source.Inspection);
            if (record is null)
            {
                await reinspections.RecordFailureAsync(due, failure!);
                logger.LogWarning("Re-inspection {Key} cannot be staffed: {Failure}", Key, failure);
                return new(ReinspectionStatus.Unstaffed, null, failure);
            }

            row = await reinspections.CommitDrawAsync(due, record, actor);
        }

        // From the committed draw (never a fresh one), so a retry creates the same inspection.
        var committed = row.Record!;
        var usernames = await reinspections.UsernamesAsync(committed.Team.Members.Select(m => m.CertificateNo).ToList());
        var item = source.Inspection.Items.Single(i => i.ItemCode == due.ItemCode);
        var inspection = InspectionWorkflow.Assign(row.InspectionId, due.TaskId, due.EntityCreditCode, due.DepartmentCode,
            committed.Team.Members.OrderBy(m => m.Position)
                .Select(m => new InspectionTeamMember(usernames.GetValueOrDefault(m.CertificateNo) ?? m.CertificateNo, m.CertificateNo, m.Lead)).ToList(),
            [item], due.DueOn);
        var reply = await GrainFactory.GetGrain<IInspectionGrain>(row.InspectionId)
            .Assign(new InspectionAssignment(inspection, source.EntityName, source.DivisionCode), Actor.System("reinspection"));
        if (!reply.Succeeded) throw new InvalidOperationException($"re-inspection {row.InspectionId} was refused: {reply.Detail}");
        await reinspections.MarkAssignedAsync(Key);
        return new(reply.Status == InspectionReplyStatus.Created ? ReinspectionStatus.Created : ReinspectionStatus.Existing, row.InspectionId, null);
    }

    private async Task<(ReinspectionDrawRecord? Record, string? Failure)> DrawAsync(DueReinspection due, Inspection source)
    {
        var task = await draws.GetAsync(due.TaskId) ?? throw new InvalidOperationException($"re-inspection {Key} refers to a missing task {due.TaskId}");
        var summary = (await draws.EntityDrawSummaryAsync(due.TaskId))?.Summary
            ?? throw new InvalidOperationException($"task {due.TaskId} has inspections but no committed entity draw");
        var pool = await reinspections.LoadPoolAsync(due.DepartmentCode, due.EntityCreditCode, source.Team.Select(m => m.CertificateNo).ToList());
        try
        {
            var (record, failure) = ReinspectionDraw.Run(due.ToAction(), summary.Seed, summary.Algorithm, clock.Today,
                task.Definition.TeamSize, task.Definition.WorkloadCap, pool);
            return (record, failure?.Message);
        }
        catch (ArgumentException e)
        {
            return (null, $"The inspector pool cannot be drawn from: {e.Message}");
        }
    }
}

/// <summary>See <see cref="IReinspectionSchedulerGrain"/>.</summary>
public sealed class ReinspectionSchedulerGrain(
    ReinspectionStore reinspections,
    WorkflowClock clock,
    InspectionOptions options,
    ILogger<ReinspectionSchedulerGrain> logger) : Grain, IReinspectionSchedulerGrain, IRemindable
{
    private const string ReminderName = "reinspections";
    private const int Batch = 200;

    public async Task Start() => await this.RegisterOrUpdateReminder(ReminderName, options.ReminderPeriod, options.ReminderPeriod);

    public async Task<ReinspectionRun> RunDue(Actor actor)
    {
        var due = await reinspections.DueAsync(clock.Today, Batch);
        var created = new List<string>();
        var unstaffed = 0;
        foreach (var d in due)
        {
            var reply = await GrainFactory.GetGrain<IReinspectionGrain>(d.ActionKey).Create(actor);
            if (reply.Status == ReinspectionStatus.Created) created.Add(reply.InspectionId!);
            else if (reply.Status == ReinspectionStatus.Unstaffed) unstaffed++;
        }

        if (due.Count > 0 && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Re-inspections: {Due} due, {Created} created, {Unstaffed} cannot be staffed yet", due.Count, created.Count, unstaffed);
        return new ReinspectionRun(due.Count, created.Count, unstaffed, created);
    }

    public async Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        if (reminderName != ReminderName) return;
        try
        {
            await RunDue(Actor.System("reinspection-scheduler"));
        }
        catch (Exception e)
        {
            // The next tick retries; every step is idempotent.
            logger.LogError(e, "The re-inspection run failed");
        }
    }
}
