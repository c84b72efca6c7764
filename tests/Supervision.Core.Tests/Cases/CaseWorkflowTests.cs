using CsCheck;
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
    // ---- the receiving department of a referral -------------------------------------------------------------------

    private static readonly Actor ThirdReviewer = new("rev-d3", [Roles.Reviewer], "D3", null);
    private static readonly Actor ReceivingScheduler = new("sched-d2", [Roles.Scheduler], "D2", null);

    [Fact]
    public void The_department_a_case_was_referred_to_answers_it_and_a_third_department_may_not()
    {
        var c = Referred(ReferralKinds.Department, "D2");
        Assert.True(CaseWorkflow.MaySee(c, OtherReviewer));
        Assert.True(CaseWorkflow.MaySee(c, Reviewer));
        Assert.False(CaseWorkflow.MaySee(c, ThirdReviewer));

        var accepted = CaseWorkflow.Conclude(c, OtherReviewer, "referral-accepted", null, "D2受〔2026〕4号", null, Today);
        Assert.True(accepted.Changed);
        Assert.Equal((CaseStates.Concluded, CaseOutcomes.ReferralAccepted, "D2受〔2026〕4号", "rev-d2"),
            (accepted.Case!.State, accepted.Case.Outcome, accepted.Case.DecisionNumber, accepted.Case.ClosedBy));
        // Its repeat answers the case unchanged; a different answer afterwards is a conflict.
        Assert.False(CaseWorkflow.Conclude(accepted.Case, ReceivingScheduler, "referral-accepted", null, null, null, Today).Changed);
        Assert.Equal(CaseRefusal.Conflict, CaseWorkflow.Conclude(accepted.Case, OtherReviewer, "referral-returned", null, null, "no", Today).Error?.Kind);

        var returned = CaseWorkflow.Conclude(c, ReceivingScheduler, "referral-returned", null, null, "not within our competence", Today);
        Assert.Equal((CaseStates.Concluded, CaseOutcomes.ReferralReturned), (returned.Case!.State, returned.Case.Outcome));
        AssertField(CaseWorkflow.Conclude(c, OtherReviewer, "referral-returned", null, null, null, Today), "reason");

        // A third department, and an inspector of the receiver, are refused; the owner may still record the answer.
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Conclude(c, ThirdReviewer, "referral-accepted", null, null, null, Today).Error?.Kind);
        Assert.Equal(CaseRefusal.Forbidden,
            CaseWorkflow.Conclude(c, new Actor("insp-d2", [Roles.Inspector], "D2", "C0009"), "referral-accepted", null, null, null, Today).Error?.Kind);
        Assert.True(CaseWorkflow.Conclude(c, Reviewer, "referral-accepted", null, null, null, Today).Changed);
    }

    [Fact]
    public void The_receiving_department_only_answers_the_referral()
    {
        var c = Referred(ReferralKinds.Department, "D2");
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Withdraw(c, OtherReviewer, "not ours", Today).Error?.Kind);
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Conclude(c, OtherReviewer, "penalty", 100m, "罚1", null, Today).Error?.Kind);
        // A referral to an outside body has no receiver on the platform; an open case none either.
        var outside = Referred(ReferralKinds.Authority, "D2");
        Assert.False(CaseWorkflow.MaySee(outside, OtherReviewer));
        Assert.Equal(CaseRefusal.Forbidden, CaseWorkflow.Conclude(outside, OtherReviewer, "referral-accepted", null, null, null, Today).Error?.Kind);
        Assert.False(CaseWorkflow.MaySee(Opened(), OtherReviewer));
    }

    // ---- an approved amendment of the finding -----------------------------------------------------------------------

    private static CaseFinding Amended(int version, params string[] codes) => Finding(codes) with { Version = version, FoundOn = Today.AddDays(3) };

    [Fact]
    public void An_amendment_that_removes_the_violation_withdraws_an_open_filed_or_referred_case_naming_its_version()
    {
        foreach (var c in new[] { Opened(), Filed(), Referred(ReferralKinds.Department, "D2") })
        {
            var step = CaseWorkflow.AfterAmendment(c, Amended(2, "1"), FollowUpPolicy.Default, Today.AddDays(3));
            Assert.True(step.Changed);
            var w = step.Case!;
            Assert.Equal((CaseStates.Withdrawn, CaseWorkflow.AmendmentActor.Username, Today.AddDays(3), 2, "1", c.Version + 1),
                (w.State, w.ClosedBy, w.ClosedOn, w.FindingVersion, w.ResultCodes, w.Version));
            Assert.Contains("amendment version 2", w.Reason);
            Assert.Contains(c.InspectionId, w.Reason);
            Assert.Null(w.DueOn);
            // Taken in once: the same result again changes nothing.
            Assert.False(CaseWorkflow.AfterAmendment(w, Amended(2, "1"), FollowUpPolicy.Default, Today.AddDays(4)).Changed);
        }
    }

    [Fact]
    public void An_amendment_that_keeps_a_violation_keeps_the_case_on_the_new_version()
    {
        var c = Filed();
        var step = CaseWorkflow.AfterAmendment(c, Amended(2, "E"), FollowUpPolicy.Default, Today);
        Assert.True(step.Changed);
        Assert.Equal((CaseStates.Filed, 2, "E", c.CaseNumber, c.ConcludeBy, (string?)null), (step.Case!.State, step.Case.FindingVersion, step.Case.ResultCodes,
            step.Case.CaseNumber, step.Case.ConcludeBy, step.Case.Reason));
        Assert.False(CaseWorkflow.AfterAmendment(step.Case, Amended(2, "E"), FollowUpPolicy.Default, Today).Changed);
    }

    [Fact]
    public void An_ended_case_or_an_older_result_is_left_alone_and_another_items_result_is_refused()
    {
        var concluded = CaseWorkflow.Conclude(Filed(), Reviewer, "no-penalty", null, null, "first offence", Today).Case!;
        Assert.False(CaseWorkflow.AfterAmendment(concluded, Amended(2, "1"), FollowUpPolicy.Default, Today).Changed);
        Assert.False(CaseWorkflow.AfterAmendment(Opened(), Amended(1, "1"), FollowUpPolicy.Default, Today).Changed);
        Assert.Throws<ArgumentException>(() => CaseWorkflow.AfterAmendment(Opened(), Amended(2, "1") with { ItemCode = "I2" }, FollowUpPolicy.Default, Today));
    }

    [Fact]
    public void Whatever_the_codes_an_amendment_withdraws_exactly_when_no_violation_is_left()
    {
        string[] alphabet = ["1", "2", "6", "7", "A", "B", "C", "D", "E", "F", "G", "3", "4", "5", "8", "9"];
        Gen.Int[0, alphabet.Length - 1].Select(i => alphabet[i]).Array[0, 4].Sample(codes =>
        {
            var step = CaseWorkflow.AfterAmendment(Opened(), Amended(2, codes), FollowUpPolicy.Default, Today);
            Assert.True(step.Changed);
            Assert.Equal(CaseWorkflow.IsViolation(codes, FollowUpPolicy.Default) ? CaseStates.Open : CaseStates.Withdrawn, step.Case!.State);
            Assert.Equal(2, step.Case.FindingVersion);
        });
    }
}
