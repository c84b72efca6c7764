using Supervision.Core.Abnormal;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using static Supervision.Core.Tests.DepartmentActors;

namespace Supervision.Core.Tests.Abnormal;

public sealed class AbnormalWorkflowTests
{
    private static readonly WorkingCalendar Cal = WorkingCalendar.Default;
    private static readonly DateTimeOffset Now = new(2026, 9, 25, 2, 0, 0, TimeSpan.Zero); // Friday 10:00 Beijing
    private static readonly DateOnly Today = new(2026, 9, 25);
    private const string Entity = "91350100M000100Y43";

    private static AbnormalEntry Finding(DateOnly verifiedOn) =>
        AbnormalWorkflow.FromFinding(new AbnormalListing(Entity, "6", verifiedOn, AbnormalWorkflow.ListBy(Cal, verifiedOn, 10), $"T1/{Entity}", 2,
            verifiedOn.AddYears(3)), "D1", Now);

    private static AbnormalEntry Listed() => AbnormalWorkflow.List(Finding(Today), Reviewer, "市监异〔2026〕12号", Today, 3).Entry!;

    private static AbnormalStep EnterOn(string? ground, string? facts, DateOnly? foundOn, Actor actor, params AbnormalEntry[] open) =>
        AbnormalWorkflow.Enter("ab-1", Entity, ground, facts, foundOn, "D1", actor, open, Today, d => AbnormalWorkflow.ListBy(Cal, d, 10), Now);

    [Fact]
    public void List_by_is_ten_working_days_after_the_finding_skipping_the_national_day_holiday()
    {
        // Found Friday 25 September 2026; 1–7 October are holidays (make-up working days on 20 September and 10 October).
        var listBy = AbnormalWorkflow.ListBy(Cal, Today, 10);
        Assert.Equal(Cal.AddWorkingDays(Today, 10), listBy);
        Assert.True(listBy > Today.AddDays(14), $"{listBy} should lie past the holiday week");
        Assert.True(Cal.IsWorkingDay(listBy));
    }

    [Fact]
    public void A_finding_enters_pending_with_a_stable_id_and_its_deadline()
    {
        var entry = Finding(Today);
        Assert.Equal(AbnormalStates.Pending, entry.State);
        Assert.Equal(AbnormalGrounds.Unreachable, entry.Ground);
        Assert.Equal(AbnormalSources.Finding, entry.Source);
        Assert.Equal(AbnormalWorkflow.FindingEntryId($"T1/{Entity}"), entry.Id);
        Assert.Equal(entry.Id, Finding(Today.AddDays(3)).Id);
        Assert.False(entry.IsOverdueOn(entry.ListBy));
        Assert.True(entry.IsOverdueOn(entry.ListBy.AddDays(1)));
    }

    [Fact]
    public void Listing_is_by_the_deciding_department_once_and_sets_the_escalation_date_three_years_on()
    {
        var pending = Finding(Today);
        Assert.Equal(AbnormalRefusal.Forbidden, AbnormalWorkflow.List(pending, OtherReviewer, null, Today, 3).Error!.Kind);
        Assert.Equal(AbnormalRefusal.Forbidden, AbnormalWorkflow.List(pending, Inspector, null, Today, 3).Error!.Kind);
        var listed = AbnormalWorkflow.List(pending, Scheduler, "  ", Today.AddDays(20), 3);
        Assert.True(listed.Changed);
        Assert.Equal(AbnormalStates.Listed, listed.Entry!.State);
        Assert.Null(listed.Entry.DecisionReference);
        Assert.Equal(Today.AddDays(20), listed.Entry.ListedOn);
        Assert.Equal(new DateOnly(2029, 10, 15), listed.Entry.EscalationDueOn);
        Assert.Equal(pending.Version + 1, listed.Entry.Version);
        var repeat = AbnormalWorkflow.List(listed.Entry, Admin, "other", Today.AddDays(30), 3);
        Assert.False(repeat.Changed);
        Assert.Same(listed.Entry, repeat.Entry);
        Assert.Equal("decisionReference", Assert.Single(AbnormalWorkflow.List(pending, Reviewer, new string('x', 101), Today, 3).Error!.Errors).Field);
    }

    [Fact]
    public void Removal_needs_an_application_with_evidence_and_a_decision_and_a_rejection_needs_a_reason()
    {
        var listed = Listed();
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.DecideRemoval(listed, Reviewer, true, null, Today, Now).Error!.Kind);
        Assert.Equal("evidence", Assert.Single(AbnormalWorkflow.ApplyForRemoval(listed, Scheduler, true, " ", Now).Error!.Errors).Field);
        Assert.Equal(AbnormalRefusal.Forbidden, AbnormalWorkflow.ApplyForRemoval(listed, OtherReviewer, true, "moved back", Now).Error!.Kind);
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.ApplyForRemoval(Finding(Today), Scheduler, true, "moved back", Now).Error!.Kind);

        var entity = new Actor($"entity:{Entity}", [], null, null);
        var applied = AbnormalWorkflow.ApplyForRemoval(listed, entity, staff: false, "Lease for the registered address from 1 October", Now).Entry!;
        Assert.Equal(RemovalStates.Applied, applied.RemovalState);
        Assert.False(AbnormalWorkflow.ApplyForRemoval(applied, entity, false, "Lease for the registered address from 1 October", Now).Changed);
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.ApplyForRemoval(applied, entity, false, "something else", Now).Error!.Kind);

        Assert.Equal("reason", Assert.Single(AbnormalWorkflow.DecideRemoval(applied, Reviewer, false, "", Today, Now).Error!.Errors).Field);
        var rejected = AbnormalWorkflow.DecideRemoval(applied, Reviewer, false, "The lease is not signed.", Today, Now).Entry!;
        Assert.Equal((AbnormalStates.Listed, RemovalStates.Rejected), (rejected.State, rejected.RemovalState));
        Assert.False(AbnormalWorkflow.DecideRemoval(rejected, Reviewer, false, "again", Today, Now).Changed);

        var again = AbnormalWorkflow.ApplyForRemoval(rejected, entity, false, "Signed lease attached", Now).Entry!;
        Assert.Null(again.RemovalDecisionReason);
        var removed = AbnormalWorkflow.DecideRemoval(again, Scheduler, true, null, Today.AddDays(2), Now).Entry!;
        Assert.Equal((AbnormalStates.Removed, RemovalStates.Approved, Today.AddDays(2)), (removed.State, removed.RemovalState, removed.RemovedOn));
        Assert.False(AbnormalWorkflow.DecideRemoval(removed, Scheduler, true, null, Today.AddDays(9), Now).Changed);
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.DecideRemoval(removed, Scheduler, false, "no", Today, Now).Error!.Kind);
    }

    [Fact]
    public void Escalation_comes_on_the_third_anniversary_of_the_listing_once_and_never_for_a_removed_entry()
    {
        var listed = Listed();
        var due = listed.EscalationDueOn!.Value;
        Assert.False(AbnormalWorkflow.Escalate(listed, due.AddDays(-1)).Changed);
        var escalated = AbnormalWorkflow.Escalate(listed, due).Entry!;
        Assert.Equal((AbnormalStates.Escalated, due), (escalated.State, escalated.EscalatedOn));
        Assert.False(AbnormalWorkflow.Escalate(escalated, due.AddDays(5)).Changed);
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.ApplyForRemoval(escalated, Scheduler, true, "x", Now).Error!.Kind);

        var removed = AbnormalWorkflow.RemoveByInspection(listed, "T2/x", Today.AddDays(40)).Entry!;
        Assert.Equal(AbnormalStates.Removed, removed.State);
        Assert.False(AbnormalWorkflow.Escalate(removed, due.AddYears(1)).Changed);
        Assert.False(AbnormalWorkflow.Escalate(Finding(Today), due.AddYears(1)).Changed);
    }

    [Fact]
    public void A_clean_visit_withdraws_a_pending_entry_and_removes_a_listed_one_and_an_amendment_withdraws_either()
    {
        Assert.Equal(AbnormalStates.Withdrawn, AbnormalWorkflow.RemoveByInspection(Finding(Today), "T2/x", Today).Entry!.State);
        Assert.Null(AbnormalWorkflow.RemoveByInspection(Finding(Today), "T2/x", Today).Entry!.RemovedOn);
        Assert.Equal(AbnormalStates.Withdrawn, AbnormalWorkflow.Withdraw(Listed(), $"T1/{Entity}").Entry!.State);
        var withdrawn = AbnormalWorkflow.Withdraw(Finding(Today), $"T1/{Entity}").Entry!;
        Assert.False(AbnormalWorkflow.Withdraw(withdrawn, $"T1/{Entity}").Changed);
        Assert.Equal(AbnormalRefusal.Conflict, AbnormalWorkflow.List(withdrawn, Admin, null, Today, 3).Error!.Kind);
    }

    [Fact]
    public void Staff_enter_other_grounds_with_facts_and_a_past_date_and_a_repeat_answers_the_open_entry()
    {
        var entered = EnterOn(AbnormalGrounds.AnnualReport, "2025 annual report not filed by 30 June 2026", Today.AddDays(-3), Reviewer);
        Assert.True(entered.Changed);
        Assert.Equal((AbnormalStates.Pending, AbnormalSources.Decision, "rev-d1"), (entered.Entry!.State, entered.Entry.Source, entered.Entry.CreatedBy));
        Assert.Equal(AbnormalWorkflow.ListBy(Cal, Today.AddDays(-3), 10), entered.Entry.ListBy);

        var repeat = EnterOn("ANNUAL-REPORT", "typed again", Today, Scheduler, entered.Entry);
        Assert.False(repeat.Changed);
        Assert.Same(entered.Entry, repeat.Entry);
        Assert.True(EnterOn(AbnormalGrounds.FalseInformation, "capital overstated", Today, Scheduler, entered.Entry).Changed);

        Assert.Equal(AbnormalRefusal.Forbidden, EnterOn(AbnormalGrounds.AnnualReport, "x", Today, OtherReviewer).Error!.Kind);
        Assert.Equal(AbnormalRefusal.Forbidden, EnterOn(AbnormalGrounds.AnnualReport, "x", Today, Inspector).Error!.Kind);
        var bad = EnterOn("late", "a\u202Eb", Today.AddDays(1), Admin).Error!;
        Assert.Equal(AbnormalRefusal.Invalid, bad.Kind);
        Assert.Equal(["facts", "foundOn", "ground"], bad.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.Equal("foundOn", Assert.Single(EnterOn(AbnormalGrounds.Publicity, "x", null, Admin).Error!.Errors).Field);
    }

    [Fact]
    public void Every_ground_has_names_in_both_languages_and_a_provision()
    {
        Assert.Equal(4, AbnormalGrounds.All.Count);
        Assert.All(AbnormalGrounds.All, g => Assert.False(string.IsNullOrWhiteSpace(g.NameZh + g.NameEn + g.Provision)));
        Assert.Equal(AbnormalStates.All.Where(AbnormalStates.IsPublic), [AbnormalStates.Listed, AbnormalStates.Removed, AbnormalStates.Escalated]);
    }
}
