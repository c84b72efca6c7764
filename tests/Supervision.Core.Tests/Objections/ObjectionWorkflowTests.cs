using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Objections;

namespace Supervision.Core.Tests.Objections;

public sealed class ObjectionWorkflowTests
{
    // A result published on Monday 2026-06-01; the steps take the period's last day (Closes) and the decision's due date as
    // the grain computes them from the calendar.
    private static readonly DateOnly PublishedOn = new(2026, 6, 1);
    private static readonly DateTimeOffset Now = new(2026, 6, 3, 2, 0, 0, TimeSpan.Zero);
    private const string Entity = "91350100M000100Y43";
    private static readonly Actor Scheduler = new("sched-d1", [Roles.Scheduler], "D1", null);
    private static readonly Actor Reviewer = new("rev-d1", [Roles.Reviewer], "D1", null);
    private static readonly Actor OtherReviewer = new("rev-d2", [Roles.Reviewer], "D2", null);
    private static readonly Actor Inspector = new("insp-C0001", [Roles.Inspector], "D1", "C0001");
    private static readonly Actor Admin = new("admin", [Roles.Admin], null, null);
    private static readonly DateOnly Closes = new(2026, 6, 22);
    private static readonly DateOnly Due = new(2026, 6, 17);

    private static ObjectionTarget Target(int? supersededBy = null) => new($"T1/{Entity}", 1, Entity, "D1", PublishedOn, supersededBy);

    private static ObjectionAttachment Pdf(string hash = "a", long size = 1000) => new(new string(hash[0], 64), size, "application/pdf", "notice.pdf");

    private static ObjectionStep Submit(string? kind = "objection", string? reason = "The shop was closed for renovation; the finding is wrong.",
        IReadOnlyList<ObjectionAttachment>? files = null, IEnumerable<Objection>? existing = null, DateTimeOffset? now = null, ObjectionTarget? target = null,
        string entity = Entity) =>
        ObjectionWorkflow.Submit(target ?? Target(), entity, kind, reason, files ?? [Pdf()], AttachmentPolicy.Default, existing ?? [], now ?? Now, Closes, Due);

    [Fact]
    public void The_submission_period_and_the_decision_deadline_are_counted_in_working_days()
    {
        var calendar = WorkingCalendar.Default;
        Assert.Equal(calendar.AddWorkingDays(PublishedOn, 15), ObjectionWorkflow.SubmissionClosesOn(calendar, PublishedOn, 15));
        Assert.Equal(calendar.AddWorkingDays(new DateOnly(2026, 6, 3), 10), ObjectionWorkflow.DueOn(calendar, Now, 10));
        // Late in the evening UTC is the next day in Beijing: the deadline counts from the Beijing date.
        Assert.Equal(calendar.AddWorkingDays(new DateOnly(2026, 6, 4), 10), ObjectionWorkflow.DueOn(calendar, new DateTimeOffset(2026, 6, 3, 17, 0, 0, TimeSpan.Zero), 10));
    }

    [Fact]
    public void An_objection_is_submitted_open_with_its_deadline_and_a_statement_is_published_at_once()
    {
        var objection = Submit().Objection!;
        Assert.Equal((ObjectionKinds.Objection, ObjectionStates.Submitted, Due, $"T1/{Entity}/v1"), (objection.Kind, objection.State, objection.DueOn, objection.PublicationId));
        Assert.Single(objection.Attachments);
        var statement = Submit(kind: "Statement", reason: "  We have since repainted the fire exits.  ", files: []).Objection!;
        Assert.Equal((ObjectionKinds.Statement, ObjectionStates.Published, (DateOnly?)null, "We have since repainted the fire exits."),
            (statement.Kind, statement.State, statement.DueOn, statement.Reason));
    }

    [Fact]
    public void The_same_content_twice_is_one_submission_and_different_files_make_another()
    {
        var first = Submit().Objection!;
        var again = Submit(existing: [first]);
        Assert.False(again.Changed);
        Assert.Same(first, again.Objection);
        Assert.NotEqual(first.Id, Submit(files: [Pdf("b")]).Objection!.Id);
        // But while the first is open, a different objection on the same version waits.
        Assert.Equal(ObjectionRefusal.Conflict, Submit(files: [Pdf("b")], existing: [first]).Error!.Kind);
        var statement = Submit(kind: "statement", files: []).Objection!;
        Assert.Equal(ObjectionRefusal.Conflict, Submit(kind: "statement", reason: "another", files: [], existing: [statement]).Error!.Kind);
    }

    [Fact]
    public void Bad_input_is_refused_naming_each_field()
    {
        var step = Submit(kind: "complaint", reason: "  ", files: [Pdf(size: AttachmentPolicy.DefaultMaxBytes + 1), Pdf() with { MediaType = "text/html" }]);
        Assert.Equal(ObjectionRefusal.Invalid, step.Error!.Kind);
        Assert.Equal(["attachments[0]", "attachments[1]", "kind", "reason"], step.Error.Errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal));
        var tooMany = Submit(files: [.. Enumerable.Range(0, 6).Select(i => Pdf(((char)('a' + i)).ToString()))]);
        Assert.Contains(tooMany.Error!.Errors, e => e.Field == "attachments");
        Assert.Contains(Submit(reason: "bad\u202Etext").Error!.Errors, e => e.Field == "reason");
    }

    [Fact]
    public void Another_entitys_result_a_superseded_version_and_a_late_submission_are_refused()
    {
        var other = Submit(entity: "91110000100000000X");
        Assert.Equal("resultId", Assert.Single(other.Error!.Errors).Field);
        Assert.Equal(ObjectionRefusal.Conflict, Submit(target: Target(supersededBy: 2)).Error!.Kind);
        // Closes on 2026-06-22 (Beijing): that whole day is in; the next is not.
        Assert.True(Submit(now: new DateTimeOffset(2026, 6, 22, 15, 0, 0, TimeSpan.Zero)).Changed);
        var late = Submit(now: new DateTimeOffset(2026, 6, 22, 16, 0, 0, TimeSpan.Zero));
        Assert.Equal(ObjectionRefusal.Invalid, late.Error!.Kind);
        Assert.Equal("resultId", Assert.Single(late.Error.Errors).Field);
    }

    [Fact]
    public void The_publishing_department_upholds_or_rejects_with_a_reason_once()
    {
        var open = Submit().Objection!;
        Assert.Equal(ObjectionRefusal.Forbidden, ObjectionWorkflow.Decide(open, OtherReviewer, false, "no", Now).Error!.Kind);
        Assert.Equal(ObjectionRefusal.Forbidden, ObjectionWorkflow.Decide(open, Inspector, true, null, Now).Error!.Kind);
        Assert.Equal("reason", Assert.Single(ObjectionWorkflow.Decide(open, Reviewer, false, " ", Now).Error!.Errors).Field);

        var upheld = ObjectionWorkflow.Decide(open, Scheduler, true, null, Now);
        Assert.Equal((ObjectionStates.Upheld, "sched-d1", 2L, true), (upheld.Objection!.State, upheld.Objection.DecidedBy, upheld.Objection.Version, upheld.Objection.AwaitsAmendment));
        Assert.False(ObjectionWorkflow.Decide(upheld.Objection, Admin, true, null, Now).Changed);
        Assert.Equal(ObjectionRefusal.Conflict, ObjectionWorkflow.Decide(upheld.Objection, Admin, false, "changed our mind", Now).Error!.Kind);

        var rejected = ObjectionWorkflow.Decide(open, Reviewer, false, "The photographs show the shop open on the day.", Now).Objection!;
        Assert.Equal((ObjectionStates.Rejected, "The photographs show the shop open on the day."), (rejected.State, rejected.DecisionReason));
        var statement = Submit(kind: "statement", files: []).Objection!;
        Assert.Equal(ObjectionRefusal.Conflict, ObjectionWorkflow.Decide(statement, Admin, true, null, Now).Error!.Kind);
    }

    [Fact]
    public void An_upheld_objection_is_linked_to_the_first_later_published_version_only()
    {
        var open = Submit().Objection!;
        Assert.Same(open, ObjectionWorkflow.LinkAmendment(open, 2, PublishedOn));
        var upheld = ObjectionWorkflow.Decide(open, Scheduler, true, "the visit date was wrong", Now).Objection!;
        Assert.Same(upheld, ObjectionWorkflow.LinkAmendment(upheld, 1, PublishedOn));
        var linked = ObjectionWorkflow.LinkAmendment(upheld, 2, new DateOnly(2026, 6, 10));
        Assert.Equal((2, new DateOnly(2026, 6, 10), false), (linked.AmendedVersion, linked.AmendedOn, linked.AwaitsAmendment));
        Assert.Same(linked, ObjectionWorkflow.LinkAmendment(linked, 3, new DateOnly(2026, 7, 1)));
    }

    [Fact]
    public void A_reminder_is_owed_on_the_due_date_then_once_overdue_and_never_once_decided()
    {
        Assert.Null(ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, null, Due.AddDays(-1)));
        Assert.Equal("due-today", ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, null, Due));
        Assert.Null(ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, "due-today", Due));
        Assert.Equal("overdue", ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, "due-today", Due.AddDays(1)));
        Assert.Equal("overdue", ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, null, Due.AddDays(3)));
        Assert.Null(ObjectionWorkflow.ReminderOwed(ObjectionStates.Submitted, Due, "overdue", Due.AddDays(4)));
        Assert.Null(ObjectionWorkflow.ReminderOwed(ObjectionStates.Rejected, Due, null, Due.AddDays(1)));
        Assert.Null(ObjectionWorkflow.ReminderOwed(ObjectionStates.Published, null, null, Due));
    }
}
