using CsCheck;
using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;

namespace Supervision.Core.Tests.Publication;

public class PublicResultsTests
{
    private static readonly InspectionWorkflow Wf = InspectionWorkflow.Default;
    private static readonly DateTimeOffset PublishedAt = new(2025, 3, 11, 23, 30, 0, TimeSpan.Zero); // 12 March in Beijing

    private static Inspection Approved(Inspection i, IReadOnlyList<ItemResult>? results = null)
    {
        i = Must(Wf.StartReview(Submitted(i, results), MarketReviewer, Now)).Inspection;
        return Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now)).Inspection;
    }

    private static Inspection Published(Inspection i, IReadOnlyList<ItemResult>? results = null) =>
        Must(Wf.Publish(Approved(i, results), MarketScheduler, Now)).Inspection;

    private static PublicationFacts Facts(long earlier = 0, IReadOnlyDictionary<string, string?>? team = null) =>
        new("沈阳市和平区某某超市", "210102", "5211", "2025年第一季度双随机抽查", new Dictionary<string, string> { ["ITEM-PUB"] = "年报公示" }, team, earlier);

    private static PublicationBasis Basis(Inspection published, DateOnly? approvedOn = null) =>
        new(published, published.PublishedVersion!.Value, PublishedAt, "旧名称", "210100", approvedOn ?? new DateOnly(2025, 3, 10), new DateOnly(2025, 4, 8));

    [Fact]
    public void Only_a_change_that_moves_the_published_version_publishes()
    {
        var approved = Approved(Single());
        var published = Must(Wf.Publish(approved, MarketScheduler, Now)).Inspection;
        Assert.Equal(1, PublicResults.NewlyPublished(approved, published));
        Assert.Null(PublicResults.NewlyPublished(published, published));
        Assert.Null(PublicResults.NewlyPublished(Single(), approved));
    }

    [Fact]
    public void A_first_publication_shows_codes_dates_task_and_the_registered_entity_but_no_findings()
    {
        var insp = Published(Single(), [Problem("ITEM-PUB", "E", "B"), Clean("ITEM-SITE")]);
        var r = PublicResults.Compose(Basis(insp), Facts());
        Assert.Equal(("insp-1/v1", PublicResults.Initial, (string?)null), (r.PublicationId, r.Kind, r.Reason));
        Assert.Equal(("沈阳市和平区某某超市", "210102", "5211", "2025年第一季度双随机抽查"), (r.EntityName, r.DivisionCode, r.IndustryCode, r.TaskName));
        Assert.Equal(",SAMR-210102,", r.Departments);
        Assert.Equal((new DateOnly(2025, 3, 12), PublishedAt), (r.PublishedOn, r.PublishedAt));
        Assert.Equal((new DateOnly(2025, 3, 10), (DateOnly?)new DateOnly(2025, 4, 8)), (r.ApprovedOn, r.PublicationDue));
        Assert.Equal(ChinaTime.DateOf(Visit), r.InspectedOn);
        Assert.Equal(
            [new PublicResultItem("ITEM-PUB", "年报公示", "SAMR-210102", "B,E", ChinaTime.DateOf(Visit)), new PublicResultItem("ITEM-SITE", "ITEM-SITE", "SAMR-210102", "1", ChinaTime.DateOf(Visit))],
            r.Items);
        Assert.Null(r.TeamNames);
    }

    [Fact]
    public void An_entity_no_longer_in_the_directory_is_shown_as_at_dispatch_and_a_missing_task_by_its_id()
    {
        var r = PublicResults.Compose(Basis(Published(Single())), new PublicationFacts(null, null, null, null, new Dictionary<string, string>(), null, 0));
        Assert.Equal(("旧名称", "210100", "", "task-1"), (r.EntityName, r.DivisionCode, r.IndustryCode, r.TaskName));
    }

    [Fact]
    public void A_later_publication_is_an_amendment_with_the_versions_reason()
    {
        var first = Published(Single());
        var amended = Must(Wf.Amend(first, Alice, [Problem("ITEM-PUB", "B"), Clean("ITEM-SITE")], "复核发现未公示年报", Now)).Inspection;
        amended = Must(Wf.StartReview(amended, MarketReviewer, Now)).Inspection;
        amended = Must(Wf.Approve(amended, MarketReviewer, "SAMR-210102", Now)).Inspection;
        amended = Must(Wf.Publish(amended, MarketScheduler, Now)).Inspection;
        var r = PublicResults.Compose(Basis(amended), Facts(earlier: 1));
        Assert.Equal(("insp-1/v2", 2, PublicResults.Amendment, "复核发现未公示年报"), (r.PublicationId, r.Version, r.Kind, r.Reason));
    }

    [Fact]
    public void An_item_without_a_visit_is_dated_by_the_approval_else_by_the_publication()
    {
        // The validator asks for a visit time; results recorded before it did may lack one.
        var published = Published(Single());
        var unvisited = published with
        {
            History = [.. published.History.Select(v => v with { Results = [.. v.Results.Select(r => r with { VisitedAt = null })] })],
        };
        Assert.All(PublicResults.Compose(Basis(unvisited), Facts()).Items, i => Assert.Equal(new DateOnly(2025, 3, 10), i.InspectedOn));
        var noApproval = Basis(unvisited) with { ApprovedOn = null };
        var r = PublicResults.Compose(noApproval, Facts());
        Assert.All(r.Items, i => Assert.Equal(new DateOnly(2025, 3, 12), i.InspectedOn));
        Assert.Equal((new DateOnly(2025, 3, 12), new DateOnly(2025, 3, 12)), (r.InspectedOn, r.ApprovedOn));
    }

    [Fact]
    public void Team_names_are_shown_lead_first_without_blanks_and_only_where_the_department_publishes_them()
    {
        var insp = Published(Single());
        Assert.Equal("李四、张三", PublicResults.Compose(Basis(insp), Facts(team: new Dictionary<string, string?> { ["C002"] = "张三", ["C001"] = "李四" })).TeamNames);
        Assert.Equal("张三", PublicResults.Compose(Basis(insp), Facts(team: new Dictionary<string, string?> { ["C002"] = "张三", ["C001"] = " " })).TeamNames);
        Assert.Null(PublicResults.Compose(Basis(insp), Facts(team: new Dictionary<string, string?>())).TeamNames);
        Assert.Null(PublicResults.Compose(Basis(insp), Facts(team: null)).TeamNames);
    }

    [Fact]
    public void A_result_shows_the_lead_department_and_every_department_owning_an_item_once()
    {
        var i = Must(Wf.StartReview(Submitted(Joint()), MarketReviewer, Now)).Inspection;
        i = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now)).Inspection;
        i = Must(Wf.Approve(i, HealthReviewer, "HEALTH-210102", Now)).Inspection;
        var r = PublicResults.Compose(Basis(Must(Wf.Publish(i, MarketScheduler, Now)).Inspection), Facts());
        Assert.Equal(",SAMR-210102,HEALTH-210102,", r.Departments);
        Assert.Equal("HEALTH-210102", r.Items.Single(x => x.ItemCode == "ITEM-HYG").DepartmentCode);
    }

    [Fact]
    public void The_bigrams_of_a_name_are_its_distinct_adjacent_character_pairs_in_order()
    {
        Assert.Equal(new[] { "沈阳", "阳市", "市和", "和平", "平区" }.Order(StringComparer.Ordinal), PublicResults.Bigrams("沈阳市和平区"));
        Assert.Empty(PublicResults.Bigrams("超"));
        Assert.Equal(new[] { "超市", "市超" }.Order(StringComparer.Ordinal), PublicResults.Bigrams("超市超市"));
        Gen.Char["超市沈阳和平区ab"].Array[0, 10].Select(c => new string(c)).Sample(s =>
        {
            var grams = PublicResults.Bigrams(s);
            Assert.All(grams, g => Assert.Contains(g, s, StringComparison.Ordinal));
            Assert.Equal(grams.Order(StringComparer.Ordinal), grams);
        });
    }
}
