using System.ComponentModel.DataAnnotations;
using Supervision.Contracts;
using Supervision.Contracts.Cases;
using Supervision.Core.Calendar;
using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Cases;
using Supervision.Infrastructure.Notifications;

namespace Supervision.Grains.Cases;

/// <summary>
/// The deadlines of follow-up cases in working days, bound from "Supervision:Cases" and checked at start
/// (docs/operations.md). The defaults are the platform's, not figures of law (docs/follow-up-cases.md).
/// </summary>
public sealed class CaseOptions
{
    public const string Section = "Supervision:Cases";

    /// <summary>Working days after the finding by which the owning department files, refers or decides not to file.</summary>
    [Range(1, 120)]
    public int DecideWorkingDays { get; set; } = CasePolicy.Default.DecideWorkingDays;

    /// <summary>Working days after filing by which a case is concluded.</summary>
    [Range(1, 365)]
    public int ConcludeWorkingDays { get; set; } = CasePolicy.Default.ConcludeWorkingDays;

    /// <summary>Working days after a referral by which the receiving body's answer is due.</summary>
    [Range(1, 365)]
    public int ReferralAnswerWorkingDays { get; set; } = CasePolicy.Default.ReferralAnswerWorkingDays;

    public CasePolicy Policy => new(DecideWorkingDays, ConcludeWorkingDays, ReferralAnswerWorkingDays);
}

/// <summary>
/// One follow-up case: loads what is stored, has Core's <see cref="CaseWorkflow"/> decide (which also checks the actor
/// against the owning department), has <see cref="CaseRepository"/> write the outcome with its audit line. The table is the
/// state; nothing is kept in the activation.
/// </summary>
public sealed class CaseGrain(CaseRepository repository, InspectionRules rules, WorkflowClock clock, Microsoft.Extensions.Options.IOptions<CaseOptions> options)
    : Grain, ICaseGrain
{
    private string Id => this.GetPrimaryKeyString();

    private CasePolicy Policy => options.Value.Policy;

    public async Task<CaseReply> Open(string inspectionId, string itemCode, string? facts, Actor actor)
    {
        if (CaseWorkflow.CaseId(inspectionId, itemCode) != Id) return CaseReply.Refused(CommandStatus.NotFound, $"Case {Id} is not the case of {inspectionId} item {itemCode}.");
        var finding = await repository.FindingAsync(inspectionId, itemCode);
        if (finding is null)
            return CaseReply.Refused(CommandStatus.NotFound, $"Inspection {inspectionId} has no approved result for item {itemCode}.");
        CaseStep step;
        try
        {
            step = CaseWorkflow.Open(finding, await repository.GetAsync(Id), facts, actor, Policy, rules.FollowUps.Policy, rules.Calendar, clock.Now);
        }
        catch (CalendarRangeException e)
        {
            return CaseReply.Refused(CommandStatus.Unprocessable, e.Message);
        }

        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Case);
        if (await repository.InsertAsync(step.Case!, actor)) return new(CommandStatus.Created, null, [], step.Case);
        return await repository.GetAsync(Id) is { } stored ? new(CommandStatus.Ok, null, [], stored) : CaseReply.Refused(CommandStatus.Conflict, "The case could not be written; try again.");
    }

    public Task<CaseReply> File(string? caseNumber, string? legalGround, string? handlerDepartment, Actor actor) =>
        StepAsync(c => CaseWorkflow.File(c, actor, caseNumber, legalGround, handlerDepartment, clock.Today, Policy, rules.Calendar), actor);

    public Task<CaseReply> Refer(string? kind, string? to, string? reason, Actor actor) =>
        StepAsync(c => CaseWorkflow.Refer(c, actor, kind, to, reason, clock.Today, Policy, rules.Calendar), actor,
            c => c.ReferralKind == ReferralKinds.Department
                ? [new Notification(Notification.Department(c.ReferredTo!), c.Id, "case-referred",
                    $"{c.DepartmentCode} referred case {c.Id} ({c.EntityCreditCode}, item {c.ItemCode}) to your department: {c.ReferralReason}")]
                : []);

    public Task<CaseReply> Conclude(string? outcome, decimal? penaltyAmount, string? decisionNumber, string? reason, Actor actor) =>
        StepAsync(c => CaseWorkflow.Conclude(c, actor, outcome, penaltyAmount, decisionNumber, reason, clock.Today), actor,
            // The receiving department answered: the owner learns it in its inbox.
            c => c.ReferralKind == ReferralKinds.Department && !CaseWorkflow.MayAct(c.DepartmentCode, actor)
                ? [new Notification(Notification.Department(c.DepartmentCode), c.Id, "case-referral-answered",
                    $"{c.ReferredTo} answered the referral of case {c.Id} ({c.EntityCreditCode}, item {c.ItemCode}): {c.Outcome}{(c.DecisionNumber is null ? "" : " " + c.DecisionNumber)}{(c.Reason is null ? "" : ": " + c.Reason)}")]
                : []);

    public async Task<bool> FindingAmended()
    {
        if (await repository.GetAsync(Id) is not { } c || !c.IsOpen) return false;
        if (await repository.FindingAsync(c.InspectionId, c.ItemCode) is not { } latest) return false;
        var step = CaseWorkflow.AfterAmendment(c, latest, rules.FollowUps.Policy, clock.Today);
        if (!step.Changed) return false;
        var next = step.Case!;
        var withdrawn = next.State == CaseStates.Withdrawn;
        List<Notification> notifications = withdrawn
            ? [new Notification(Notification.Department(c.DepartmentCode), c.Id, "case-withdrawn", $"Follow-up case {c.Id} ({c.EntityCreditCode}, item {c.ItemCode}) was withdrawn: {next.Reason}")]
            : [];
        if (withdrawn && c.State == CaseStates.Referred && c.ReferralKind == ReferralKinds.Department)
            notifications.Add(new Notification(Notification.Department(c.ReferredTo!), c.Id, "case-withdrawn",
                $"The referral of case {c.Id} ({c.EntityCreditCode}, item {c.ItemCode}) from {c.DepartmentCode} was withdrawn: {next.Reason}"));
        return await repository.WriteAsync(c, next, CaseWorkflow.AmendmentActor, notifications, withdrawn ? null : "case.finding-amended");
    }

    public Task<CaseReply> Withdraw(string? reason, Actor actor) => StepAsync(c => CaseWorkflow.Withdraw(c, actor, reason, clock.Today), actor);

    public async Task<bool> RemindOverdue(DateOnly today)
    {
        if (await repository.GetAsync(Id) is not { } c || CaseWorkflow.ReminderOwed(c, today) is not { } step) return false;
        var what = step switch
        {
            CaseStates.Open => "the decision to file or refer",
            CaseStates.Filed => "the conclusion of case " + c.CaseNumber,
            _ => "the answer of " + c.ReferredTo,
        };
        List<Notification> notifications = [new Notification(Notification.Department(c.DepartmentCode), c.Id, "case-overdue",
            $"Follow-up case {c.Id} ({c.EntityCreditCode}, item {c.ItemCode}): {what} was due by {c.DueOn:yyyy-MM-dd}.")];
        // A referral to a department of the platform: the department that owes the answer is reminded too.
        if (step == CaseStates.Referred && c.ReferralKind == ReferralKinds.Department)
            notifications.Add(new Notification(Notification.Department(c.ReferredTo!), c.Id, "case-overdue",
                $"Your answer to the referral of case {c.Id} from {c.DepartmentCode} ({c.EntityCreditCode}, item {c.ItemCode}) was due by {c.DueOn:yyyy-MM-dd}."));
        return await repository.RemindAsync(c, today, notifications);
    }

    private async Task<CaseReply> StepAsync(Func<FollowUpCase, CaseStep> decide, Actor actor, Func<FollowUpCase, IReadOnlyList<Notification>>? notify = null)
    {
        if (await repository.GetAsync(Id) is not { } c) return CaseReply.Refused(CommandStatus.NotFound, $"There is no follow-up case '{Id}'.");
        CaseStep step;
        try
        {
            step = decide(c);
        }
        catch (CalendarRangeException e)
        {
            return CaseReply.Refused(CommandStatus.Unprocessable, e.Message);
        }

        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Case);
        if (await repository.WriteAsync(c, step.Case!, actor, notify?.Invoke(step.Case!))) return new(CommandStatus.Ok, null, [], step.Case);
        // Changed elsewhere in between (a second activation in a cluster race): answer what is stored if it is this step's result.
        var now = await repository.GetAsync(Id);
        return now is not null && now.State == step.Case!.State
            ? new(CommandStatus.Ok, null, [], now)
            : CaseReply.Refused(CommandStatus.Conflict, $"Case {Id} changed concurrently; it is now {now?.State}.");
    }

    private static CaseReply Refusal(CaseError error) => CaseReply.Refused(error.Kind switch
    {
        CaseRefusal.Invalid => CommandStatus.Invalid,
        CaseRefusal.Forbidden => CommandStatus.Forbidden,
        _ => CommandStatus.Conflict,
    }, error.Message, error.Errors);
}

/// <summary>
/// The reminders of overdue case steps, run on the deadline keeper's ticks (at every silo start and on its durable
/// reminder): each open case past its current step's due date is reminded once per step by its own grain, whose
/// conditional write makes a pass repeated after a crash or on another silo send nothing twice. The same pass hands each
/// open case whose finding has a newer approved result (an amendment the inspection's grain did not get to tell it about,
/// e.g. after a crash between the two) to its grain's <see cref="ICaseGrain.FindingAmended"/>.
/// </summary>
public sealed class CaseReminderGrain(CaseRepository repository, WorkflowClock clock) : Grain, ICaseReminderGrain
{
    private const int Batch = 500;

    public async Task<CaseReminderRun> Run()
    {
        var today = clock.Today;
        var reminded = 0;
        // Each visited case leaves the due set (reminded, or moved on), so the loop ends; the cap guards a stuck row.
        for (var pass = 0; pass < 100; pass++)
        {
            var due = await repository.OverdueAsync(today, Batch);
            var sent = 0;
            foreach (var c in due)
                if (await GrainFactory.GetGrain<ICaseGrain>(c.Id).RemindOverdue(today)) sent++;
            reminded += sent;
            if (due.Count < Batch || sent == 0) break;
        }

        var amended = 0;
        for (var pass = 0; pass < 100; pass++)
        {
            var behind = await repository.AmendedAsync(Batch);
            var taken = 0;
            foreach (var id in behind)
                if (await GrainFactory.GetGrain<ICaseGrain>(id).FindingAmended()) taken++;
            amended += taken;
            if (behind.Count < Batch || taken == 0) break;
        }

        return new(today, reminded, amended);
    }
}
