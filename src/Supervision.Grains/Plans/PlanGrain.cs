using Supervision.Contracts;
using Supervision.Contracts.Plans;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Core.Reference;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Plans;
using Supervision.Infrastructure.Registry;

namespace Supervision.Grains.Plans;

/// <summary>
/// One department's annual plan for one year: loads what is stored, looks up the items and departments its lines name, has
/// Core's <see cref="PlanWorkflow"/> decide (who may, in which state, with which lines), and has <see cref="PlanRepository"/>
/// write the outcome with its audit line. The tables are the state.
/// </summary>
public sealed class PlanGrain(PlanRepository repository, DepartmentStore departments, InspectionItemStore items, ReferenceData reference, WorkflowClock clock)
    : Grain, IPlanGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<PlanReply> Create(IReadOnlyList<PlanLineDraft>? lines, Actor actor)
    {
        if (PlanIds.Parse(Id) is not var (department, year))
            return PlanReply.Refused(CommandStatus.Invalid, $"'{Id}' is not a plan id.", [FieldError.Format("planId", FieldFormats.Code, "must be \"{department}/{year}\"", Id)]);
        if (await repository.GetAsync(Id) is { } existing)
        {
            return PlanWorkflow.MayRead(department, actor)
                ? new(CommandStatus.Conflict, $"The plan of '{department}' for {year} exists already: edit it (PUT /api/plans/{Id}).", [], existing)
                : PlanReply.Refused(CommandStatus.Forbidden, $"Only schedulers of '{department}' (or platform admins) draft its annual plan.");
        }

        if (await departments.GetAsync(department) is null)
            return PlanReply.Refused(CommandStatus.Invalid, $"There is no department '{department}'.", [FieldError.NotFound("departmentCode", department, $"there is no department '{department}'")]);
        var step = PlanWorkflow.Create(department, year, lines, actor, await CatalogAsync(lines), clock.Today, clock.Now);
        if (step.Error is { } error) return Refusal(error);
        return await repository.InsertAsync(step.Plan!, actor)
            ? new(CommandStatus.Created, null, [], step.Plan)
            : PlanReply.Refused(CommandStatus.Conflict, $"The plan of '{department}' for {year} was drafted concurrently; read it and edit it.");
    }

    public async Task<PlanReply> Edit(IReadOnlyList<PlanLineDraft>? lines, long? expectedVersion, Actor actor)
    {
        var catalog = await CatalogAsync(lines);
        return await StepAsync(p => PlanWorkflow.Edit(p, lines, actor, catalog, clock.Today, clock.Now), expectedVersion, actor, "plan.edited");
    }

    public Task<PlanReply> Approve(long? expectedVersion, Actor actor) =>
        StepAsync(p => PlanWorkflow.Approve(p, actor, clock.Today, clock.Now), expectedVersion, actor, "plan.approved");

    public Task<PlanReply> Publish(long? expectedVersion, Actor actor) =>
        StepAsync(p => PlanWorkflow.Publish(p, actor, clock.Today, clock.Now), expectedVersion, actor, "plan.published");

    public Task<PlanReply> Revise(string? reason, long? expectedVersion, Actor actor) =>
        StepAsync(p => PlanWorkflow.Revise(p, reason, actor, clock.Today, clock.Now), expectedVersion, actor, "plan.revised");

    private async Task<PlanReply> StepAsync(Func<Plan, PlanStep> decide, long? expectedVersion, Actor actor, string action)
    {
        var plan = await repository.GetAsync(Id);
        if (plan is null) return PlanReply.Refused(CommandStatus.NotFound, $"There is no plan '{Id}'.");
        var step = decide(plan);
        if (step.Error is { } error) return Refusal(error);
        if (!step.Changed) return new(CommandStatus.Ok, null, [], step.Plan);
        if (expectedVersion is { } expected && expected != plan.Version)
            return new(CommandStatus.Conflict, $"Plan {Id} changed since it was read (version {plan.Version}, not {expected}); read it again.", [], plan);
        if (await repository.WriteAsync(plan, step.Plan!, actor, action)) return new(CommandStatus.Ok, null, [], step.Plan);
        // Written elsewhere in between (a second activation in a cluster race): answer what is stored if it is this step's result.
        var now = await repository.GetAsync(Id);
        return now is not null && now.State == step.Plan!.State && now.Revision == step.Plan.Revision && !decide(now).Changed
            ? new(CommandStatus.Ok, null, [], now)
            : new(CommandStatus.Conflict, $"Plan {Id} changed concurrently; it is now revision {now?.Revision}, {now?.State}.", [], now);
    }

    /// <summary>The items and departments the lines name, as they are now, and the reference data's credit classes.</summary>
    private async Task<PlanCatalog> CatalogAsync(IReadOnlyList<PlanLineDraft>? lines)
    {
        var drafts = (lines ?? []).Where(l => l is not null).ToList();
        var itemCodes = drafts.SelectMany(l => l.Items ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var departmentCodes = drafts.SelectMany(l => l.JointDepartments ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim())
            .Distinct(StringComparer.Ordinal).ToList();
        var found = await items.GetManyAsync(itemCodes);
        var known = await departments.GetManyAsync(departmentCodes);
        return new PlanCatalog(
            found.Values.ToDictionary(i => i.Code, i => new CatalogItem(i.Code, i.DepartmentCode, i.Active), StringComparer.Ordinal),
            known.Keys.ToHashSet(StringComparer.Ordinal),
            [.. reference.CreditClasses.Select(c => c.Code)]);
    }

    private static PlanReply Refusal(PlanError error) => PlanReply.Refused(error.Kind switch
    {
        PlanRefusal.Invalid => CommandStatus.Invalid,
        PlanRefusal.Forbidden => CommandStatus.Forbidden,
        _ => CommandStatus.Conflict,
    }, error.Message, error.Errors);
}
