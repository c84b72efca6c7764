using Supervision.Core.Calendar;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Inspections;

public class FollowUpRulesTests
{
    private static readonly FollowUpRules Rules = new(WorkingCalendar.Default, FollowUpPolicy.Default);

    private static InspectionOutcome Outcome(string[] codes, DateOnly inspected, DateOnly approved, string inspection = "insp-1", int version = 1) =>
        new(1, InspectionOutcome.IdFor(inspection, version, "ITEM"), "91350100M000100Y43", "task-1", inspection, "ITEM", codes, inspected, approved, "SAMR-210102",
            version, OutcomeKind.Initial, null);

    [Theory]
    [InlineData(new[] { "A" }, true)]
    [InlineData(new[] { "A", "E" }, true)]
    [InlineData(new[] { "B" }, true)]
    [InlineData(new[] { "B", "E" }, false)] // corrected on order already
    [InlineData(new[] { "E" }, false)]
    [InlineData(new[] { "1" }, false)]
    [InlineData(new[] { "8" }, false)]      // case filing, a human decision
    [InlineData(new[] { "6" }, false)]
    public void Which_codes_open_a_correction_order(string[] codes, bool expected) => Assert.Equal(expected, Rules.NeedsCorrection(codes));

    [Fact]
    public void Correction_order_due_in_working_days_then_reinspection()
    {
        // Approved Friday 26 Sep 2025: 15 working days across the National Day week (28 Sep Sunday worked,
        // 1–8 Oct off, 11 Oct Saturday worked) → 29 Sep(2),30(3),9 Oct(4),10(5),11(6),13–17(7–11),20–23(12–15) → 23 Oct.
        var actions = Rules.For(Outcome(["A", "B"], new DateOnly(2025, 9, 24), new DateOnly(2025, 9, 26)), []);
        var order = Assert.IsType<CorrectionOrder>(actions[0]);
        Assert.Equal(new DateOnly(2025, 10, 23), order.DueOn);
        Assert.Equal("insp-1/ITEM/correction", order.Key);
        var re = Assert.IsType<Reinspection>(actions[1]);
        Assert.Equal(new DateOnly(2025, 10, 24), re.NotBefore);
        Assert.Equal(new DateOnly(2025, 11, 6), re.DueBy);
        Assert.Contains("复查", re.Reason, StringComparison.Ordinal);
        Assert.Equal(2, actions.Count);
    }

    [Fact]
    public void Unreachable_lists_within_10_working_days_and_a_later_clean_inspection_removes_it()
    {
        // Verified Friday 24 Jan 2025, across Spring Festival: 26,27 Jan, 5,6,7,8 Feb, 10,11,12,13 Feb → 13 Feb.
        var listAction = Assert.IsType<ListAbnormal>(Assert.Single(Rules.For(Outcome(["6"], new DateOnly(2025, 1, 24), new DateOnly(2025, 1, 27)), [])));
        var listing = listAction.Listing;
        Assert.Equal(new DateOnly(2025, 2, 13), listing.ListBy);
        Assert.Equal(new DateOnly(2028, 1, 24), listing.SeriousViolationAlertOn);
        Assert.False(FollowUpRules.SeriousViolationAlertDue(listing, new DateOnly(2028, 1, 23)));
        Assert.True(FollowUpRules.SeriousViolationAlertDue(listing, new DateOnly(2028, 1, 24)));

        // Already listed: no second listing.
        Assert.Empty(Rules.For(Outcome(["6"], new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 4), "insp-9"), [listing]));

        var removal = Assert.IsType<RemoveAbnormalListing>(Assert.Single(Rules.For(Outcome(["1"], new DateOnly(2025, 6, 3), new DateOnly(2025, 6, 5), "insp-2"), [listing])));
        Assert.Same(listing, removal.Listing);
        Assert.Equal("insp-2", removal.ByInspectionId);
        // A problem result does not remove it; neither does a clean visit before the verification.
        Assert.DoesNotContain(Rules.For(Outcome(["B"], new DateOnly(2025, 6, 3), new DateOnly(2025, 6, 5), "insp-2"), [listing]), a => a is RemoveAbnormalListing);
        Assert.Empty(Rules.For(Outcome(["1"], new DateOnly(2025, 1, 20), new DateOnly(2025, 6, 5), "insp-0"), [listing]));
    }

    [Fact]
    public void An_amendment_that_clears_the_problem_withdraws_the_order()
    {
        var before = Rules.For(Outcome(["A"], new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 4)), []);
        var after = Rules.For(Outcome(["1"], new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 10), version: 2), []);
        Assert.Equal(["insp-1/ITEM/correction", "insp-1/ITEM/reinspection"], FollowUpRules.Withdrawn(before, after));
    }

    [Fact]
    public void Publication_deadline_and_reminder_status()
    {
        var d = new Deadlines(WorkingCalendar.Default, DeadlinePolicy.Default);
        var due = d.PublicationDue(new DateOnly(2025, 1, 24));
        Assert.Equal(new DateOnly(2025, 2, 27), due);
        Assert.Equal(new DateOnly(2025, 2, 24), d.WarnFrom(due));
        Assert.Equal(DeadlineStatus.NotDue, d.StatusOn(new DateOnly(2025, 2, 21), due));
        Assert.Equal(DeadlineStatus.DueSoon, d.StatusOn(new DateOnly(2025, 2, 24), due));
        Assert.Equal(DeadlineStatus.DueSoon, d.StatusOn(due, due));
        Assert.Equal(DeadlineStatus.Overdue, d.StatusOn(new DateOnly(2025, 2, 28), due));
    }
}
