using Supervision.Core.Calendar;
using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Validation;
using static Supervision.Core.Tests.DepartmentActors;

namespace Supervision.Core.Tests.Cases;

public sealed class CaseWorkflowTests
{
    private static readonly WorkingCalendar Cal = WorkingCalendar.Default;
    private static readonly DateTimeOffset Now = new(2026, 9, 25, 2, 0, 0, TimeSpan.Zero); // Friday 10:00 Beijing
    private static readonly DateOnly Today = new(2026, 9, 25);
    private const string Entity = "91350100M000100Y43";
    private static readonly CasePolicy Policy = CasePolicy.Default;

    private static CaseFinding Finding(params string[] codes) => new(Entity, "T1", $"T1/{Entity}", "I1", codes, Today, "D1", 1);

    private static FollowUpCase Opened(params string[] codes) =>
        CaseWorkflow.Open(Finding(codes.Length == 0 ? ["B"] : codes), null, "unlicensed sale", Reviewer, Policy, FollowUpPolicy.Default, Cal, Now).Case!;

    private static FollowUpCase Filed() => CaseWorkflow.File(Opened(), Reviewer, "市监立〔2026〕3号", "《食品安全法》第一百二十二条", null, Today, Policy, Cal).Case!;

    private static FollowUpCase Referred(string kind = ReferralKinds.PublicSecurity, string to = "某市公安局经侦支队") =>
        CaseWorkflow.Refer(Opened(), Scheduler, kind, to, "suspected crime", Today, Policy, Cal).Case!;

    private static void AssertField(CaseStep step, string field)
    {
        Assert.Equal(CaseRefusal.Invalid, step.Error?.Kind);
        Assert.Contains(step.Error!.Errors, e => e.Field == field);
    }

    [Fact]
    public void A_violation_opens_a_case_with_a_stable_id_due_to_be_decided_fifteen_working_days_after_the_finding()
    {
        var step = CaseWorkflow.Open(Finding("B"), null, null, Reviewer, Policy, FollowUpPolicy.Default, Cal, Now);
        Assert.True(step.Changed);
        var c = step.Case!;
        Assert.Equal((CaseStates.Open, "D1", "I1", "B"), (c.State, c.DepartmentCode, c.ItemCode, c.ResultCodes));
        Assert.Equal(CaseWorkflow.CaseId($"T1/{Entity}", "I1"), c.Id);
        Assert.NotEqual(CaseWorkflow.CaseId($"T1/{Entity}", "I2"), c.Id);
        Assert.Equal(Cal.AddWorkingDays(Today, 15), c.DecideBy);
        Assert.Equal(c.DecideBy, c.DueOn);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("D")]
    [InlineData("E")]
    [InlineData("3")]
    public void Codes_of_a_problem_found_are_violations(string code) => Assert.True(CaseWorkflow.IsViolation([code], FollowUpPolicy.Default));

    [Fact]
    public void A_result_without_a_violation_opens_no_case_and_names_the_item()
    {
        var step = CaseWorkflow.Open(Finding("1"), null, null, Reviewer, Policy, FollowUpPolicy.Default, Cal, Now);
        AssertField(step, "itemCode");
        Assert.Equal(FieldErrorCode.State, step.Error!.Errors[0].Code);
    }

    [Fact]
    public void Opening_again_answers_the_existing_case_unchanged()
    {
        var c = Opened();
        var again = CaseWorkflow.Open(Finding("B"), c, "other", Scheduler, Policy, FollowUpPolicy.Default, Cal, Now);
        Assert.False(again.Changed);
        Assert.Same(c, again.Case);
    }

    [Fact]
    public void Only_schedulers_and_reviewers_of_the_owning_department_or_admins_act_on_a_case()
    {
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Open(Finding("B"), null, null, OtherReviewer, Policy, FollowUpPolicy.Default, Cal, Now).Error?.Kind);
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Open(Finding("B"), null, null, Inspector, Policy, FollowUpPolicy.Default, Cal, Now).Error?.Kind);
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.File(Opened(), OtherReviewer, "n", "g", null, Today, Policy, Cal).Error?.Kind);
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Withdraw(Opened(), Inspector, "x", Today).Error?.Kind);
        Assert.True(CaseWorkflow.File(Opened(), Admin, "n", "g", null, Today, Policy, Cal).Changed);
    }

    [Fact]
    public void Filing_records_number_ground_and_handler_and_sets_the_conclusion_ninety_working_days_on()
    {
        var c = Filed();
        Assert.Equal((CaseStates.Filed, "市监立〔2026〕3号", "D1", Today), (c.State, c.CaseNumber, c.HandlerDepartment, c.FiledOn));
        Assert.Equal(Cal.AddWorkingDays(Today, 90), c.ConcludeBy);
        Assert.Equal(c.ConcludeBy, c.DueOn);
        Assert.Equal(2, c.Version);
        Assert.False(CaseWorkflow.File(c, Reviewer, "市监立〔2026〕3号", "other", null, Today, Policy, Cal).Changed);
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.File(c, Reviewer, "another", "g", null, Today, Policy, Cal).Error?.Kind);
    }

    [Fact]
    public void Filing_without_a_number_or_ground_names_both_fields()
    {
        var step = CaseWorkflow.File(Opened(), Reviewer, " ", null, null, Today, Policy, Cal);
        AssertField(step, "caseNumber");
        AssertField(step, "legalGround");
    }

    [Fact]
    public void A_referral_names_its_body_and_kind_and_is_answered_within_thirty_working_days()
    {
        var c = Referred();
        Assert.Equal((CaseStates.Referred, ReferralKinds.PublicSecurity, "某市公安局经侦支队"), (c.State, c.ReferralKind, c.ReferredTo));
        Assert.Equal(Cal.AddWorkingDays(Today, 30), c.AnswerBy);
        AssertField(CaseWorkflow.Refer(Opened(), Reviewer, "court", "x", "y", Today, Policy, Cal), "kind");
        AssertField(CaseWorkflow.Refer(Opened(), Reviewer, ReferralKinds.Department, "D1", "y", Today, Policy, Cal), "to");
        AssertField(CaseWorkflow.Refer(Opened(), Reviewer, ReferralKinds.Judicial, "某区人民检察院", "", Today, Policy, Cal), "reason");
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.Refer(Filed(), Reviewer, ReferralKinds.Judicial, "x", "y", Today, Policy, Cal).Error?.Kind);
    }

    [Fact]
    public void A_filed_case_concludes_with_a_penalty_given_its_decision_number_and_amount()
    {
        var step = CaseWorkflow.Conclude(Filed(), Reviewer, "penalty", 5000.50m, "市监罚〔2026〕8号", null, Today.AddDays(30));
        var c = step.Case!;
        Assert.Equal((CaseStates.Concluded, CaseOutcomes.Penalty, 5000.50m, "市监罚〔2026〕8号", Today.AddDays(30)), (c.State, c.Outcome, c.PenaltyAmount, c.DecisionNumber, c.ClosedOn));
        Assert.Null(c.DueOn);
        Assert.False(CaseWorkflow.Conclude(c, Reviewer, "penalty", 5000.50m, "市监罚〔2026〕8号", null, Today).Changed);
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.Conclude(c, Reviewer, "no-penalty", null, null, "x", Today).Error?.Kind);
    }

    [Theory]
    [InlineData(null, "市监罚1", "penaltyAmount")]
    [InlineData("0", "市监罚1", "penaltyAmount")]
    [InlineData("10.005", "市监罚1", "penaltyAmount")]
    [InlineData("100", null, "decisionNumber")]
    public void A_penalty_without_a_valid_amount_or_number_names_the_field(string? amount, string? number, string field) =>
        AssertField(CaseWorkflow.Conclude(Filed(), Reviewer, "penalty", amount is null ? null : decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture),
            number, null, Today), field);

    [Fact]
    public void Each_state_concludes_only_with_its_own_outcomes_and_the_reasoned_ones_need_a_reason()
    {
        AssertField(CaseWorkflow.Conclude(Opened(), Reviewer, "penalty", 10, "n", null, Today), "outcome");
        AssertField(CaseWorkflow.Conclude(Referred(), Reviewer, "no-penalty", null, null, "x", Today), "outcome");
        AssertField(CaseWorkflow.Conclude(Opened(), Reviewer, "not-filed", null, null, null, Today), "reason");
        AssertField(CaseWorkflow.Conclude(Referred(), Reviewer, "referral-returned", null, null, " ", Today), "reason");
        AssertField(CaseWorkflow.Conclude(Filed(), Reviewer, "no-penalty", 10, null, "minor", Today), "penaltyAmount");
        AssertField(CaseWorkflow.Conclude(Filed(), Reviewer, "fine", null, null, null, Today), "outcome");
        Assert.Equal(CaseOutcomes.NotFiled, CaseWorkflow.Conclude(Opened(), Reviewer, "not-filed", null, null, "facts not established", Today).Case!.Outcome);
        var accepted = CaseWorkflow.Conclude(Referred(), Scheduler, "referral-accepted", null, "公立〔2026〕5号", null, Today).Case!;
        Assert.Equal((CaseOutcomes.ReferralAccepted, "公立〔2026〕5号"), (accepted.Outcome, accepted.DecisionNumber));
    }

    [Fact]
    public void An_open_case_is_withdrawn_with_a_reason_and_an_ended_one_is_not()
    {
        AssertField(CaseWorkflow.Withdraw(Filed(), Reviewer, "", Today), "reason");
        var withdrawn = CaseWorkflow.Withdraw(Filed(), Reviewer, "result amended", Today).Case!;
        Assert.Equal((CaseStates.Withdrawn, "result amended"), (withdrawn.State, withdrawn.Reason));
        Assert.False(CaseWorkflow.Withdraw(withdrawn, Reviewer, "again", Today).Changed);
        var concluded = CaseWorkflow.Conclude(Opened(), Reviewer, "not-filed", null, null, "x", Today).Case!;
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.Withdraw(concluded, Reviewer, "x", Today).Error?.Kind);
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.File(concluded, Reviewer, "n", "g", null, Today, Policy, Cal).Error?.Kind);
    }

    [Fact]
    public void An_overdue_step_owes_one_reminder_and_the_next_step_owes_its_own()
    {
        var open = Opened();
        Assert.Null(CaseWorkflow.ReminderOwed(open, open.DecideBy));
        Assert.Equal(CaseStates.Open, CaseWorkflow.ReminderOwed(open, open.DecideBy.AddDays(1)));
        var reminded = open with { Reminded = CaseStates.Open };
        Assert.Null(CaseWorkflow.ReminderOwed(reminded, open.DecideBy.AddDays(5)));
        var filed = CaseWorkflow.File(reminded, Reviewer, "n", "g", null, open.DecideBy.AddDays(5), Policy, Cal).Case!;
        Assert.Null(CaseWorkflow.ReminderOwed(filed, filed.ConcludeBy!.Value));
        Assert.Equal(CaseStates.Filed, CaseWorkflow.ReminderOwed(filed, filed.ConcludeBy!.Value.AddDays(1)));
        var concluded = CaseWorkflow.Conclude(filed, Reviewer, "no-penalty", null, null, "minor", filed.ConcludeBy!.Value.AddDays(2)).Case!;
        Assert.Null(CaseWorkflow.ReminderOwed(concluded, concluded.ClosedOn!.Value.AddYears(1)));
    }

    [Fact]
    public void Text_with_bidirectional_controls_is_refused_naming_the_field() =>
        AssertField(CaseWorkflow.File(Opened(), Reviewer, "n\u202E1", "g", null, Today, Policy, Cal), "caseNumber");
}
