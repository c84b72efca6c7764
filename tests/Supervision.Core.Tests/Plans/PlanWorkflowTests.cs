using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Core.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Core.Tests.Plans;

public sealed class PlanWorkflowTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 20, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 1, 20);
    private static readonly Actor Scheduler = new("sched-d1", [Roles.Scheduler], "D1", null);
    private static readonly Actor OtherScheduler = new("sched-d2", [Roles.Scheduler], "D2", null);
    private static readonly Actor Reviewer = new("rev-d1", [Roles.Reviewer], "D1", null);
    private static readonly Actor DepartmentAdmin = new("d1-admin", [Roles.DepartmentAdmin], "D1", null);
    private static readonly Actor OtherDepartmentAdmin = new("d2-admin", [Roles.DepartmentAdmin], "D2", null);
    private static readonly Actor Admin = new("admin", [Roles.Admin], null, null);
    private static readonly Actor SecondAdmin = new("admin-2", [Roles.Admin], null, null);
    private static readonly Actor Auditor = new("auditor", [Roles.Auditor], null, null);

    private static readonly PlanCatalog Catalog = new(
        new Dictionary<string, CatalogItem>
        {
            ["I1"] = new("I1", "D1", true), ["I3"] = new("I3", "D1", true), ["I2"] = new("I2", "D2", true), ["OLD"] = new("OLD", "D1", false),
        },
        new HashSet<string> { "D1", "D2", "D3" },
        ["A", "B", "C", "D"]);

    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static readonly ClassTarget[] EveryClass = [new("A", 1m, null), new("B", 3m, null), new("C", 10m, null), new("D", null, 20)];

    private static PlanLineDraft Line(int? no = null, string[]? items = null, string? drawType = "random", ClassTarget[]? classes = null, string? frequency = "yearly",
        int? batches = 2, int[]? months = null, string[]? joint = null, string? note = null) =>
        new(no, items ?? ["I1"], drawType, classes ?? EveryClass, frequency, batches, months ?? [9, 4], joint, note);

    private static PlanStep Draft(params PlanLineDraft[] lines) => PlanWorkflow.Create("D1", 2026, lines, Scheduler, Catalog, Today, Now);

    private static Plan Published(params PlanLineDraft[] lines)
    {
        var approved = PlanWorkflow.Approve(Draft(lines.Length == 0 ? [Line()] : lines).Plan!, DepartmentAdmin, Today, Now).Plan!;
        return PlanWorkflow.Publish(approved, DepartmentAdmin, Today, Now).Plan!;
    }

    private static IReadOnlyList<FieldError> Refusal(PlanStep step)
    {
        Assert.NotNull(step.Error);
        Assert.Equal(PlanRefusal.Invalid, step.Error!.Kind);
        return step.Error.Errors;
    }

    [Fact]
    public void A_scheduler_drafts_the_plan_of_their_department_for_this_year_or_the_next_with_numbered_normalized_lines()
    {
        var step = Draft(Line(months: [9, 4], classes: [new("d", null, 20), new("a", 1.50m, null), new("B", 3m, null), new("C", 10m, null)]),
            Line(items: ["I1", "I2"], drawType: "key", classes: [new("D", 100m, null)], batches: 1, months: [6], joint: ["D2"], note: "  与D2联合  "));
        Assert.True(step.Changed);
        var plan = step.Plan!;
        Assert.Equal(("D1/2026", 1, PlanStates.Draft, "sched-d1", 1L), (plan.Id, plan.Revision, plan.State, plan.DraftedBy, plan.Version));
        Assert.Equal([1, 2], plan.Lines.Select(l => l.No));
        Assert.Equal([4, 9], plan.Lines[0].Months);
        Assert.Equal(["A", "B", "C", "D"], plan.Lines[0].Classes.Select(c => c.CreditClass));
        Assert.Equal("1.5%", plan.Lines[0].Classes[0].Text);
        Assert.True(plan.Lines[1].IsJoint);
        Assert.Equal("与D2联合", plan.Lines[1].Note);
        Assert.Null(plan.Lines[0].PlannedEntities);
        Assert.Empty(plan.Published);
        Assert.True(PlanWorkflow.Create("D1", 2027, [], Scheduler, Catalog, Today, Now).Changed);
    }

    [Fact]
    public void Drafting_is_refused_to_other_departments_and_roles_and_outside_this_year_and_the_next()
    {
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Create("D1", 2026, [], OtherScheduler, Catalog, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Create("D1", 2026, [], Reviewer, Catalog, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Create("D1", 2026, [], DepartmentAdmin, Catalog, Today, Now).Error!.Kind);
        Assert.True(PlanWorkflow.Create("D1", 2026, [], Admin, Catalog, Today, Now).Changed);
        foreach (var year in new[] { 2025, 2028 })
        {
            var error = Assert.Single(Refusal(PlanWorkflow.Create("D1", year, [], Scheduler, Catalog, Today, Now)));
            Assert.Equal(("year", FieldErrorCode.OutOfRange, 2026.0, 2027.0), (error.Field, error.Code, error.Args!.Min, error.Args.Max));
        }
    }

    [Fact]
    public void Each_wrong_value_of_a_line_is_named_by_its_field_with_its_code()
    {
        var errors = Refusal(Draft(
            Line(items: ["I2", "NOPE", "OLD", "I1", "I1"]),
            Line(drawType: "lottery", frequency: "sometimes", batches: 13, months: [0, 4, 4]),
            Line(classes: [new("A", 0m, null), new("B", 100.5m, null), new("C", 1.23456m, null), new("D", 2m, 3), new("E", 1m, null)]),
            Line(classes: [new("A", null, 0), new("A", 1m, null)], drawType: "random"),
            Line(batches: 3, months: [1, 2], joint: ["D1", "D9", "D2", "D2"], note: "bad\u202Enote"),
            Line(no: 7)));
        Assert.True(errors.Select(e => e.Field).Distinct().Count() == errors.Count, string.Join("\n", errors));
        var byField = errors.ToDictionary(e => e.Field, e => e.Code);
        Assert.Equal(FieldErrorCode.NotAllowed, byField["lines[0].items[0]"]);
        Assert.Equal(FieldErrorCode.NotFound, byField["lines[0].items[1]"]);
        Assert.Equal(FieldErrorCode.State, byField["lines[0].items[2]"]);
        Assert.Equal(FieldErrorCode.Duplicate, byField["lines[0].items[4]"]);
        Assert.Equal(FieldErrorCode.UnknownValue, byField["lines[1].drawType"]);
        Assert.Equal(FieldErrorCode.UnknownValue, byField["lines[1].frequency"]);
        Assert.Equal(FieldErrorCode.OutOfRange, byField["lines[1].batches"]);
        Assert.Equal(FieldErrorCode.OutOfRange, byField["lines[1].months[0]"]);
        Assert.Equal(FieldErrorCode.Duplicate, byField["lines[1].months[2]"]);
        Assert.Equal(FieldErrorCode.OutOfRange, byField["lines[2].classes[0].ratio"]);
        Assert.Equal(FieldErrorCode.OutOfRange, byField["lines[2].classes[1].ratio"]);
        Assert.Equal(FieldErrorCode.Format, byField["lines[2].classes[2].ratio"]);
        Assert.Equal(FieldErrorCode.Conflict, byField["lines[2].classes[3]"]);
        Assert.Equal(FieldErrorCode.UnknownValue, byField["lines[2].classes[4].creditClass"]);
        Assert.Equal(FieldErrorCode.OutOfRange, byField["lines[3].classes[0].count"]);
        Assert.Equal(FieldErrorCode.Duplicate, byField["lines[3].classes[1].creditClass"]);
        Assert.Equal(FieldErrorCode.Required, byField["lines[3].classes"]);
        Assert.Equal(FieldErrorCode.Mismatch, byField["lines[4].months"]);
        Assert.Equal(FieldErrorCode.NotAllowed, byField["lines[4].jointDepartments[0]"]);
        Assert.Equal(FieldErrorCode.NotFound, byField["lines[4].jointDepartments[1]"]);
        Assert.Equal(FieldErrorCode.Duplicate, byField["lines[4].jointDepartments[3]"]);
        Assert.Equal(FieldErrorCode.Characters, byField["lines[4].note"]);
        Assert.Equal(FieldErrorCode.NotFound, byField["lines[5].no"]);
        var ratio = errors.First(e => e.Field == "lines[2].classes[1].ratio");
        Assert.Equal((100.0, 0.0), (ratio.Args!.Max!.Value, ratio.Args.Above!.Value));
    }

    [Fact]
    public void A_random_line_covers_every_credit_class_while_key_supervision_may_target_some()
    {
        var missing = Refusal(Draft(Line(classes: [new("C", 10m, null), new("D", 30m, null)]))).Single();
        Assert.Equal(("lines[0].classes", FieldErrorCode.Required), (missing.Field, missing.Code));
        Assert.Equal(["A", "B"], missing.Args!.Missing);
        var key = Draft(Line(drawType: "key", classes: [new("D", 100m, null)], batches: 1, months: [5])).Plan!;
        Assert.Equal(PlanDrawTypes.KeySupervision, key.Lines[0].DrawType);
        Assert.Equal(1, Refusal(Draft(Line(classes: []))).Count(e => e.Code == FieldErrorCode.TooFew));
    }

    [Fact]
    public void A_line_of_counts_plans_their_sum_for_the_year_and_a_joint_line_takes_the_joint_departments_items()
    {
        var plan = Draft(Line(items: ["I1", "I2"], joint: ["D2"], classes: [new("A", null, 2), new("B", null, 5), new("C", null, 3), new("D", null, 10)])).Plan!;
        Assert.Equal(20, plan.Lines[0].PlannedEntities);
        Assert.Equal(["D2"], plan.Lines[0].JointDepartments);
    }

    [Fact]
    public void Approval_is_by_the_departments_administrator_or_an_admin_and_never_by_the_one_who_drafted_it()
    {
        var draft = Draft(Line()).Plan!;
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Approve(draft, Scheduler, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Approve(draft, OtherDepartmentAdmin, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Approve(draft, Reviewer, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Approve(draft, Auditor, Today, Now).Error!.Kind);

        // An admin may draft and may approve — but not both for the same revision: four eyes.
        var byAdmin = PlanWorkflow.Create("D1", 2026, [Line()], Admin, Catalog, Today, Now).Plan!;
        var own = PlanWorkflow.Approve(byAdmin, Admin, Today, Now);
        Assert.Equal(PlanRefusal.Forbidden, own.Error!.Kind);
        Assert.Contains("second person", own.Error.Message, StringComparison.Ordinal);
        Assert.True(PlanWorkflow.Approve(byAdmin, SecondAdmin, Today, Now).Changed);

        var approved = PlanWorkflow.Approve(draft, DepartmentAdmin, Today, Now);
        Assert.Equal((PlanStates.Approved, "d1-admin", 2L), (approved.Plan!.State, approved.Plan.ApprovedBy, approved.Plan.Version));
        var again = PlanWorkflow.Approve(approved.Plan, Admin, Today, Now);
        Assert.False(again.Changed);
        Assert.Same(approved.Plan, again.Plan);
        var empty = PlanWorkflow.Approve(Draft().Plan!, DepartmentAdmin, Today, Now);
        Assert.Equal(FieldErrorCode.TooFew, Assert.Single(Refusal(empty)).Code);
    }

    [Fact]
    public void A_draft_is_published_only_once_approved_and_publication_keeps_the_revision_with_its_date()
    {
        var draft = Draft(Line()).Plan!;
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Publish(draft, DepartmentAdmin, Today, Now).Error!.Kind);
        var approved = PlanWorkflow.Approve(draft, DepartmentAdmin, Today, Now).Plan!;
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Publish(approved, Scheduler, Today, Now).Error!.Kind);
        var published = PlanWorkflow.Publish(approved, Admin, Today, Now).Plan!;
        Assert.Equal(PlanStates.Published, published.State);
        var revision = Assert.Single(published.Published);
        Assert.Equal((1, "sched-d1", "d1-admin", "admin", Today, (string?)null), (revision.Revision, revision.DraftedBy, revision.ApprovedBy, revision.PublishedBy, revision.PublishedOn, revision.Reason));
        Assert.Same(revision, published.InForce);
        Assert.False(published.PublishedLate);
        Assert.False(PlanWorkflow.Publish(published, DepartmentAdmin, Today, Now).Changed);
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Edit(published, [Line()], Scheduler, Catalog, Today, Now).Error!.Kind);
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Approve(published, DepartmentAdmin, Today, Now).Error!.Kind);
    }

    [Fact]
    public void Each_reader_is_offered_the_steps_the_rules_would_take_from_them_now()
    {
        var draft = Draft(Line()).Plan!;
        Assert.Equal(["edit"], PlanWorkflow.AllowedActions(draft, Scheduler, Today));
        Assert.Equal(["approve"], PlanWorkflow.AllowedActions(draft, DepartmentAdmin, Today));
        Assert.Empty(PlanWorkflow.AllowedActions(draft, Reviewer, Today));
        var approved = PlanWorkflow.Approve(draft, DepartmentAdmin, Today, Now).Plan!;
        Assert.Equal(["edit", "publish"], PlanWorkflow.AllowedActions(approved, Admin, Today));
        Assert.Equal(["publish"], PlanWorkflow.AllowedActions(approved, DepartmentAdmin, Today));
        var published = PlanWorkflow.Publish(approved, DepartmentAdmin, Today, Now).Plan!;
        Assert.Equal(["revise"], PlanWorkflow.AllowedActions(published, Scheduler, Today));
        Assert.Empty(PlanWorkflow.AllowedActions(published, Scheduler, new DateOnly(2027, 1, 1)));
    }

    [Fact]
    public void A_plan_first_published_after_early_march_is_late()
    {
        var march11 = new DateOnly(2026, 3, 11);
        var approved = PlanWorkflow.Approve(Draft(Line()).Plan!, DepartmentAdmin, march11, Now).Plan!;
        Assert.True(PlanWorkflow.Publish(approved, DepartmentAdmin, march11, Now).Plan!.PublishedLate);
        Assert.Equal(new DateOnly(2026, 3, 10), PlanWorkflow.PublishBy(2026));
    }

    [Fact]
    public void Editing_an_approved_revision_returns_it_to_draft_and_the_editor_becomes_its_drafter()
    {
        var approved = PlanWorkflow.Approve(Draft(Line()).Plan!, DepartmentAdmin, Today, Now).Plan!;
        var edited = PlanWorkflow.Edit(approved, [Line(no: 1, batches: 1, months: [10]), Line(items: ["I3"])], Admin, Catalog, Today, Now).Plan!;
        Assert.Equal((PlanStates.Draft, "admin", (string?)null), (edited.State, edited.DraftedBy, edited.ApprovedBy));
        Assert.Equal([1, 2], edited.Lines.Select(l => l.No));
        Assert.Equal([10], edited.Lines[0].Months);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Approve(edited, Admin, Today, Now).Error!.Kind);
        Assert.False(PlanWorkflow.Edit(edited, [Line(no: 1, batches: 1, months: [10]), Line(no: 2, items: ["I3"])], Scheduler, Catalog, Today, Now).Changed);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Edit(edited, [], Reviewer, Catalog, Today, Now).Error!.Kind);
    }

    [Fact]
    public void A_published_plan_is_revised_with_a_reason_approved_and_published_again_keeping_every_revision_and_its_line_numbers()
    {
        var first = Published(Line(), Line(items: ["I3"]));
        Assert.Equal(FieldErrorCode.Required, Assert.Single(Refusal(PlanWorkflow.Revise(first, "  ", Scheduler, Today, Now))).Code);
        Assert.Equal(PlanRefusal.Forbidden, PlanWorkflow.Revise(first, "reason", DepartmentAdmin, Today, Now).Error!.Kind);
        var revising = PlanWorkflow.Revise(first, "新增第三季度食品专项", Scheduler, Today, Now).Plan!;
        Assert.Equal((2, PlanStates.Draft, "新增第三季度食品专项"), (revising.Revision, revising.State, revising.Reason));
        Assert.Same(first.InForce!.Lines, revising.Lines);
        Assert.Same(first.InForce, revising.InForce);
        Assert.False(PlanWorkflow.Revise(revising, "新增第三季度食品专项", Scheduler, Today, Now).Changed);
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Revise(revising, "another", Scheduler, Today, Now).Error!.Kind);

        // Line 1 dropped, line 2 kept, a new line numbered past every number used: line 1 never comes back meaning something else.
        var edited = PlanWorkflow.Edit(revising, [Line(no: 2, items: ["I3"]), Line(items: ["I1"], batches: 1, months: [8])], Scheduler, Catalog, Today, Now).Plan!;
        Assert.Equal([2, 3], edited.Lines.Select(l => l.No));
        var republished = PlanWorkflow.Publish(PlanWorkflow.Approve(edited, DepartmentAdmin, Today, Now).Plan!, DepartmentAdmin, Today.AddDays(30), Now).Plan!;
        Assert.Equal([1, 2], republished.Published.Select(r => r.Revision));
        Assert.Equal([null, "新增第三季度食品专项"], republished.Published.Select(r => r.Reason));
        Assert.Equal([Today, Today.AddDays(30)], republished.Published.Select(r => r.PublishedOn));
        Assert.Equal([1, 2], republished.Published[0].Lines.Select(l => l.No));
        var restored = PlanWorkflow.Revise(republished, "restore", Scheduler, Today, Now).Plan!;
        Assert.Equal([1, 2, 3], PlanWorkflow.Edit(restored, [Line(no: 1), Line(no: 2, items: ["I3"]), Line(no: 3, items: ["I1"], batches: 1, months: [8])],
            Scheduler, Catalog, Today, Now).Plan!.Lines.Select(l => l.No));
    }

    [Fact]
    public void A_draft_that_was_never_published_is_edited_not_revised_and_a_plan_of_an_ended_year_is_closed()
    {
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Revise(Draft(Line()).Plan!, "why", Scheduler, Today, Now).Error!.Kind);
        var published = Published();
        var nextYear = new DateOnly(2027, 1, 2);
        Assert.Equal(PlanRefusal.Conflict, PlanWorkflow.Revise(published, "late change", Scheduler, nextYear, Now).Error!.Kind);
        Assert.Contains("closed", PlanWorkflow.Edit(Draft(Line()).Plan!, [], Scheduler, Catalog, nextYear, Now).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Readers_are_the_departments_staff_auditors_and_admins_and_the_level_above_reads_what_was_filed()
    {
        Assert.True(PlanWorkflow.MayRead("D1", Reviewer));
        Assert.True(PlanWorkflow.MayRead("D1", DepartmentAdmin));
        Assert.True(PlanWorkflow.MayRead("D1", Auditor));
        Assert.False(PlanWorkflow.MayRead("D1", OtherScheduler));
        Assert.False(PlanWorkflow.MayRead("D1", new Actor("insp", [Roles.Inspector], "D1", "C1")));
        Assert.True(PlanWorkflow.MayReadFiled("D2", OtherScheduler));
        Assert.False(PlanWorkflow.MayReadFiled(null, OtherScheduler));
        Assert.False(PlanWorkflow.MayReadFiled("D2", Scheduler));
    }

    [Fact]
    public void A_task_belongs_to_a_line_of_its_lead_departments_published_plan_for_the_year_of_its_deadline()
    {
        var reference = new PlanReference("D1/2026", 1);
        Assert.Empty(PlanWorkflow.CheckTaskReference(reference, Published(), "D1", 2026));
        Assert.Equal(FieldErrorCode.NotFound, Assert.Single(PlanWorkflow.CheckTaskReference(reference, null, "D1", 2026)).Code);
        Assert.Equal(FieldErrorCode.State, Assert.Single(PlanWorkflow.CheckTaskReference(reference, Draft(Line()).Plan!, "D1", 2026)).Code);
        Assert.Equal(FieldErrorCode.NotAllowed, Assert.Single(PlanWorkflow.CheckTaskReference(reference, Published(), "D2", 2026)).Code);
        var year = Assert.Single(PlanWorkflow.CheckTaskReference(reference, Published(), "D1", 2027));
        Assert.Equal((FieldErrorCode.Mismatch, "deadline"), (year.Code, year.Args!.Other));
        var line = Assert.Single(PlanWorkflow.CheckTaskReference(reference with { Line = 5 }, Published(), "D1", 2026));
        Assert.Equal(("plan.line", FieldErrorCode.NotFound), (line.Field, line.Code));
    }

    [Fact]
    public void A_task_definition_checks_the_form_of_its_plan_reference_and_keeps_it()
    {
        Assert.Equal(("D1", 2026), PlanIds.Parse("D1/2026"));
        Assert.Equal(("210100-SCJG", 2027), PlanIds.Parse("210100-SCJG/2027"));
        Assert.Null(PlanIds.Parse("D1-2026"));
        Assert.Null(PlanIds.Parse("/2026"));
        Assert.Null(PlanIds.Parse("D1/26"));
        var problems = PlanWorkflow.ReferenceProblems(new PlanReference("D1 2026", 0)).ToList();
        Assert.Equal(["plan.planId", "plan.line"], problems.Select(p => p.Field));

        var reference = Supervision.Core.Reference.ReferenceData.Load(null);
        var draft = new TaskDraft("Planned task", "D1", [], ["I1"], null, null, 2, new DateOnly(2026, 9, 30), null, null, null, new PlanReference(" D1/2026 ", 2));
        var (definition, errors) = TaskDefinitions.Normalize(draft, reference, Today);
        Assert.True(errors.Count == 0, string.Join("; ", errors));
        Assert.Equal(new PlanReference("D1/2026", 2), definition!.Plan);
        var json = System.Text.Json.JsonSerializer.Serialize(definition, WebJson);
        Assert.Contains("\"plan\":{\"planId\":\"D1/2026\",\"line\":2}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"plan\"", System.Text.Json.JsonSerializer.Serialize(definition with { Plan = null }), StringComparison.Ordinal);
    }
}
