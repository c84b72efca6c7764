using CsCheck;
using Supervision.Core.Calendar;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Inspections;

/// <summary>What a change's approved outcomes call for, decided by the grain before the commit (<see cref="FollowUpRules.Decide"/>).</summary>
public class FollowUpDecisionTests
{
    private const string Entity = "91350100M000100Y43";
    private static readonly FollowUpRules Rules = new(WorkingCalendar.Default, FollowUpPolicy.Default);
    private static readonly IReadOnlyDictionary<string, string> NoReinspection = new Dictionary<string, string>();

    private static InspectionOutcome Outcome(string item, string[] codes, string inspection = "insp-2", DateOnly? inspected = null) =>
        new(1, InspectionOutcome.IdFor(inspection, 1, item), Entity, "task-1", inspection, item, codes, inspected ?? new DateOnly(2025, 6, 3),
            new DateOnly(2025, 6, 5), "SAMR-210102", 1, OutcomeKind.Initial, null);

    private static AbnormalListing Listing(string source, DateOnly? verified = null) =>
        new(Entity, "6", verified ?? new DateOnly(2025, 1, 24), new DateOnly(2025, 2, 13), source, 1, new DateOnly(2028, 1, 24));

    [Fact]
    public void Each_outcome_gets_the_actions_the_rules_give_it_in_order()
    {
        var outcomes = new[] { Outcome("ITEM-1", ["A"]), Outcome("ITEM-2", ["1"]) };
        var plan = Rules.Decide(outcomes, [], NoReinspection);
        Assert.Equal(outcomes, plan.Decisions.Select(d => d.Outcome));
        Assert.Equal(["insp-2/ITEM-1/correction", "insp-2/ITEM-1/reinspection"], plan.Decisions[0].Keys);
        Assert.Empty(plan.Decisions[1].Actions);
        Assert.All(plan.Decisions, d => Assert.Null(d.Settlement));
    }

    [Fact]
    public void A_result_without_unreachable_retracts_the_listing_its_own_inspection_caused()
    {
        var plan = Rules.Decide([Outcome("ITEM", ["6"]), Outcome("ITEM-2", ["B"])], [], NoReinspection);
        Assert.True(plan.Decisions[0].Unreachable);
        Assert.False(plan.Decisions[0].RetractsOwnListing);
        Assert.True(plan.Decisions[1].RetractsOwnListing);
    }

    [Fact]
    public void A_listing_of_the_same_inspection_neither_blocks_its_listing_nor_is_removed_by_it()
    {
        var own = Listing("insp-2");
        var plan = Rules.Decide([Outcome("ITEM", ["6"]), Outcome("ITEM-2", ["1"])], [own], NoReinspection);
        Assert.IsType<ListAbnormal>(Assert.Single(plan.Decisions[0].Actions));
        Assert.Empty(plan.Decisions[1].Actions);
    }

    [Fact]
    public void A_listing_removed_by_one_item_is_no_longer_open_for_the_items_after_it()
    {
        var other = Listing("insp-1");
        var plan = Rules.Decide([Outcome("ITEM-1", ["1"]), Outcome("ITEM-2", ["1"]), Outcome("ITEM-3", ["6"])], [other], NoReinspection);
        Assert.Equal(other, Assert.IsType<RemoveAbnormalListing>(Assert.Single(plan.Decisions[0].Actions)).Listing);
        Assert.Empty(plan.Decisions[1].Actions);
        // With the entity's only listing removed, an unreachable finding lists it again.
        Assert.IsType<ListAbnormal>(Assert.Single(plan.Decisions[2].Actions));
        // The plan remembers what it was decided against, not what it left.
        Assert.Equal([other], plan.OpenListings);
    }

    [Theory]
    [InlineData(new[] { "1" }, "done")]
    [InlineData(new[] { "B", "E" }, "done")]
    [InlineData(new[] { "B" }, "missed")]
    [InlineData(new[] { "6" }, "missed")]  // the entity was not reached: nothing was checked
    [InlineData(new[] { "A" }, "missed")]
    public void A_reinspection_result_settles_the_correction_order_it_checked(string[] codes, string status)
    {
        var sources = new Dictionary<string, string> { ["ITEM"] = "insp-1" };
        var plan = Rules.Decide([Outcome("ITEM", codes), Outcome("OTHER", codes)], [], sources);
        Assert.Equal(new CorrectionSettlement("insp-1/ITEM/correction", "insp-1/ITEM/reinspection", status), plan.Decisions[0].Settlement);
        Assert.Null(plan.Decisions[1].Settlement);
    }

    [Fact]
    public void A_plan_still_holds_while_the_open_listings_are_the_same_in_any_order()
    {
        var (a, b) = (Listing("insp-1"), Listing("insp-7", new DateOnly(2025, 2, 1)));
        var plan = Rules.Decide([Outcome("ITEM", ["1"])], [a, b], NoReinspection);
        Assert.True(plan.StillHolds([b, a]));
        Assert.False(plan.StillHolds([a]));
        Assert.False(plan.StillHolds([a, b, Listing("insp-8")]));
        Assert.False(plan.StillHolds([a, b with { VerifiedOn = new DateOnly(2025, 2, 2) }]));
        Assert.True(FollowUpPlan.None.StillHolds([]));
    }

    [Fact]
    public void Deciding_outcome_by_outcome_agrees_with_the_rules_applied_one_at_a_time_over_what_is_still_open()
    {
        string[] codes = ["1", "6", "A", "B", "E"];
        var outcome = Gen.Select(Gen.Int[0, 3], Gen.Int[0, codes.Length - 1].Array[1, 2], (item, c) => (Item: "ITEM-" + item, Codes: c.Select(i => codes[i]).ToArray()));
        var listing = Gen.Int[1, 4].Select(i => Listing("insp-" + (i == 2 ? 9 : i), new DateOnly(2025, 1, 20 + i)));
        Gen.Select(outcome.Array[1, 4], listing.Array[0, 3]).Sample((items, listings) =>
        {
            var open = listings.DistinctBy(l => l.SourceInspectionId).ToList();
            var outcomes = items.DistinctBy(i => i.Item).Select(i => Outcome(i.Item, i.Codes)).ToList();
            var plan = Rules.Decide(outcomes, open, NoReinspection);
            var stillOpen = open.ToList();
            foreach (var (o, decision) in outcomes.Zip(plan.Decisions))
            {
                Assert.Equal(Rules.For(o, stillOpen).Select(a => a.Key), decision.Keys);
                Assert.Equal(o.ResultCodes.Contains("6"), decision.Unreachable);
                stillOpen.RemoveAll(l => decision.Actions.OfType<RemoveAbnormalListing>().Any(r => r.Listing.SourceInspectionId == l.SourceInspectionId));
            }
            // No listing is removed twice.
            var removed = plan.Decisions.SelectMany(d => d.Actions.OfType<RemoveAbnormalListing>()).Select(r => r.Listing.SourceInspectionId).ToList();
            Assert.Equal(removed.Distinct().Count(), removed.Count);
        });
    }
}
