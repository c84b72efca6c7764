using CsCheck;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Recusals;

namespace Supervision.Core.Tests.Recusals;

public sealed class RecusalWorkflowTests
{
    // Friday 2026-06-05, 10:00 Beijing: three working days later is Wednesday 2026-06-10.
    private static readonly DateTimeOffset Friday = new(2026, 6, 5, 2, 0, 0, TimeSpan.Zero);
    private const string Entity = "91350100M000100Y43";
    private static readonly Actor Lead = new("sched-d1", [Roles.Scheduler], "D1", null);
    private static readonly Actor OtherScheduler = new("sched-d2", [Roles.Scheduler], "D2", null);
    private static readonly Actor Reviewer = new("rev-d1", [Roles.Reviewer], "D1", null);
    private static readonly Actor Admin = new("admin", [Roles.Admin], null, null);

    private static RecusalTarget Target(InspectionState state = InspectionState.Assigned) =>
        new($"T1/{Entity}", "T1", Entity, "D1", state, ["C0001", "C0002"]);

    private static RecusalRequest Filed(string cert = "C0001", string? grounds = "kin")
    {
        var step = RecusalWorkflow.File("R1", Target(), Entity, cert, grounds, "  The inspector is the manager's brother.  ", [], Friday, new DateOnly(2026, 6, 10));
        Assert.Null(step.Error);
        return step.Request!;
    }

    [Fact]
    public void A_request_is_due_the_configured_number_of_working_days_after_the_day_it_was_filed()
    {
        Assert.Equal(new DateOnly(2026, 6, 10), RecusalWorkflow.DueOn(WorkingCalendar.Default, Friday, 3));
        // Filed on a Saturday (Beijing), the days still count from that day: Mon, Tue, Wed.
        Assert.Equal(new DateOnly(2026, 6, 10), RecusalWorkflow.DueOn(WorkingCalendar.Default, Friday.AddDays(1), 3));
        Assert.Equal(new DateOnly(2026, 6, 8), RecusalWorkflow.DueOn(WorkingCalendar.Default, Friday, 1));
    }

    [Fact]
    public void A_filed_request_is_open_with_its_text_trimmed_and_its_grounds_a_category()
    {
        var r = Filed(grounds: " Kin ");
        Assert.Equal(RecusalStates.Requested, r.State);
        Assert.True(r.IsOpen);
        Assert.Equal("kin", r.Grounds);
        Assert.Equal("The inspector is the manager's brother.", r.Reason);
        Assert.Equal("C0001", r.CertificateNo);
        Assert.Equal("D1", r.LeadDepartment);
        Assert.False(r.IsOverdueOn(new DateOnly(2026, 6, 10)));
        Assert.True(r.IsOverdueOn(new DateOnly(2026, 6, 11)));
    }

    [Theory]
    [InlineData("C0009", "kin", "why", "certificateNo")]
    [InlineData("", "kin", "why", "certificateNo")]
    [InlineData("C0001", "bribery", "why", "grounds")]
    [InlineData("C0001", null, "   ", "reason")]
    [InlineData("C0001", null, "a\u202Eb", "reason")]
    [InlineData("C0001", null, "a\u0007b", "reason")]
    public void Bad_input_names_the_field(string cert, string? grounds, string reason, string field)
    {
        var step = RecusalWorkflow.File("R1", Target(), Entity, cert, grounds, reason, [], Friday, new DateOnly(2026, 6, 10));
        Assert.Equal(RecusalRefusal.Invalid, step.Error!.Kind);
        Assert.Contains(step.Error.Errors, e => e.Field == field);
    }

    [Fact]
    public void A_reason_of_up_to_a_thousand_characters_with_line_breaks_is_accepted_and_longer_is_not()
    {
        var ok = RecusalWorkflow.File("R1", Target(), Entity, "C0001", null, new string('x', 999) + "\n", [], Friday, default);
        Assert.Null(ok.Error);
        var tooLong = RecusalWorkflow.File("R1", Target(), Entity, "C0001", null, new string('x', 1001), [], Friday, default);
        Assert.Contains(tooLong.Error!.Errors, e => e.Field == "reason");
    }

    [Fact]
    public void Another_entitys_inspection_is_refused()
    {
        var step = RecusalWorkflow.File("R1", Target(), "91110000600037341L", "C0001", null, "why", [], Friday, default);
        Assert.Contains(step.Error!.Errors, e => e.Field == "inspectionId");
    }

    [Theory]
    [InlineData(InspectionState.Submitted)]
    [InlineData(InspectionState.UnderReview)]
    [InlineData(InspectionState.Approved)]
    [InlineData(InspectionState.Published)]
    public void A_team_that_handed_its_results_in_takes_no_request(InspectionState state)
    {
        var step = RecusalWorkflow.File("R1", Target(state), Entity, "C0001", null, "why", [], Friday, default);
        Assert.Equal(RecusalRefusal.Conflict, step.Error!.Kind);
        Assert.Contains("no longer change", step.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_open_request_per_inspection_and_inspector()
    {
        var open = Filed();
        var again = RecusalWorkflow.File("R2", Target(), Entity, "C0001", null, "again", [open], Friday, default);
        Assert.Equal(RecusalRefusal.Conflict, again.Error!.Kind);
        Assert.Contains("R1", again.Error.Message, StringComparison.Ordinal);
        // Another member of the team, or the same one once the first request is decided, may be asked about.
        Assert.Null(RecusalWorkflow.File("R2", Target(), Entity, "C0002", null, "other", [open], Friday, default).Error);
        var rejected = RecusalWorkflow.Reject(open, Lead, "no relation found", Friday).Request!;
        Assert.Null(RecusalWorkflow.File("R2", Target(), Entity, "C0001", null, "again", [rejected], Friday, default).Error);
    }

    [Fact]
    public void Only_the_lead_departments_schedulers_and_admins_decide()
    {
        var r = Filed();
        Assert.Equal(RecusalRefusal.Forbidden, RecusalWorkflow.Reject(r, OtherScheduler, "no", Friday).Error!.Kind);
        Assert.Equal(RecusalRefusal.Forbidden, RecusalWorkflow.Reject(r, Reviewer, "no", Friday).Error!.Kind);
        Assert.Equal(RecusalRefusal.Forbidden, RecusalWorkflow.CheckAccept(r, OtherScheduler, null)!.Error!.Kind);
        Assert.Null(RecusalWorkflow.CheckAccept(r, Lead, null));
        Assert.Null(RecusalWorkflow.CheckAccept(r, Admin, null));
    }

    [Fact]
    public void Accepting_records_who_when_and_the_replacement_and_a_repeat_answers_the_same()
    {
        var r = Filed();
        var later = Friday.AddHours(5);
        var accepted = RecusalWorkflow.Accept(r, Lead, null, "C0005", later);
        Assert.True(accepted.Changed);
        var a = accepted.Request!;
        Assert.Equal((RecusalStates.Accepted, "sched-d1", later, "C0005", 2L), (a.State, a.DecidedBy, a.DecidedAt, a.Replacement, a.Version));
        Assert.False(a.IsOverdueOn(new DateOnly(2030, 1, 1)));
        var repeat = RecusalWorkflow.Accept(a, Lead, null, "C0006", later.AddHours(1));
        Assert.False(repeat.Changed);
        Assert.Same(a, repeat.Request);
        Assert.Equal(RecusalRefusal.Conflict, RecusalWorkflow.Reject(a, Lead, "too late", later).Error!.Kind);
    }

    [Fact]
    public void Rejecting_needs_a_reason_for_the_entity_and_a_repeat_answers_the_same()
    {
        var r = Filed();
        Assert.Contains(RecusalWorkflow.Reject(r, Lead, " ", Friday).Error!.Errors, e => e.Field == "reason");
        var rejected = RecusalWorkflow.Reject(r, Lead, " No relation was found. ", Friday).Request!;
        Assert.Equal((RecusalStates.Rejected, "No relation was found."), (rejected.State, rejected.DecisionReason));
        Assert.False(RecusalWorkflow.Reject(rejected, Lead, "other words", Friday).Changed);
        Assert.Equal(RecusalRefusal.Conflict, RecusalWorkflow.CheckAccept(rejected, Lead, null)!.Error!.Kind);
    }

    [Fact]
    public void The_published_reason_names_the_request_and_its_category_never_the_entitys_words()
    {
        var r = Filed();
        Assert.Equal("recusal request R1: kin", RecusalWorkflow.ReplacementReason(r));
        Assert.Equal("recusal request R1: other", RecusalWorkflow.ReplacementReason(Filed(grounds: null)));
    }

    [Fact]
    public void Any_sequence_of_decisions_leaves_at_most_one_decision_that_never_changes()
    {
        var actors = new[] { Lead, OtherScheduler, Reviewer, Admin };
        Gen.Select(Gen.Int[0, 3], Gen.Bool, Gen.Int[0, 2]).Array[1, 12].Sample(steps =>
        {
            var r = Filed();
            string? firstDecision = null;
            var texts = new[] { "", "reason", "a\u202Eb" };
            foreach (var (who, accept, textIndex) in steps)
            {
                var text = texts[textIndex];
                var step = accept ? RecusalWorkflow.Accept(r, actors[who], text, "C0005", Friday) : RecusalWorkflow.Reject(r, actors[who], text, Friday);
                if (step.Request is { } next)
                {
                    if (firstDecision is not null) Assert.Equal(firstDecision, next.State);
                    r = next;
                    if (!r.IsOpen) firstDecision ??= r.State;
                }
            }
            Assert.True(r.IsOpen ? r.DecidedBy is null : r.DecidedBy is "sched-d1" or "admin");
        });
    }

    [Fact]
    public void An_open_request_is_reminded_on_its_due_date_and_once_more_when_it_is_overdue_and_never_once_decided()
    {
        var due = new DateOnly(2026, 6, 17);
        const string Open = RecusalStates.Requested;
        Assert.Null(RecusalWorkflow.ReminderOwed(Open, due, null, due.AddDays(-1)));
        Assert.Equal(RecusalWorkflow.Reminders.DueToday, RecusalWorkflow.ReminderOwed(Open, due, null, due));
        Assert.Null(RecusalWorkflow.ReminderOwed(Open, due, RecusalWorkflow.Reminders.DueToday, due));
        Assert.Equal(RecusalWorkflow.Reminders.Overdue, RecusalWorkflow.ReminderOwed(Open, due, RecusalWorkflow.Reminders.DueToday, due.AddDays(1)));
        Assert.Null(RecusalWorkflow.ReminderOwed(Open, due, RecusalWorkflow.Reminders.Overdue, due.AddDays(30)));
        // A due date that passed unreminded (the platform was down that day): the overdue reminder alone.
        Assert.Equal(RecusalWorkflow.Reminders.Overdue, RecusalWorkflow.ReminderOwed(Open, due, null, due.AddDays(5)));
        foreach (var decided in new[] { RecusalStates.Accepted, RecusalStates.Rejected })
        {
            Assert.Null(RecusalWorkflow.ReminderOwed(decided, due, null, due));
            Assert.Null(RecusalWorkflow.ReminderOwed(decided, due, null, due.AddDays(3)));
        }
    }
}
