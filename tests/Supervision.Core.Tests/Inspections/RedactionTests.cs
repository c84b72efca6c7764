using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;

namespace Supervision.Core.Tests.Inspections;

public class RedactionTests
{
    private static readonly InspectionWorkflow Wf = InspectionWorkflow.Default;
    private static readonly DateTimeOffset PublishedAt = new(2025, 3, 11, 2, 0, 0, TimeSpan.Zero);

    private static Inspection Amended()
    {
        var i = Must(Wf.StartReview(Submitted(Single()), MarketReviewer, Now)).Inspection;
        i = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now)).Inspection;
        i = Must(Wf.Publish(i, MarketScheduler, Now)).Inspection;
        return Must(Wf.Amend(i, Alice, [Problem("ITEM-PUB", "B"), Clean("ITEM-SITE")], "配方属于商业秘密", Now)).Inspection;
    }

    [Fact]
    public void A_reviewer_of_the_lead_department_withholds_a_field_with_a_category_and_a_note()
    {
        var t = Must(Wf.Redact(Amended(), MarketReviewer, "reason", "commercial-secret", " 商业秘密 ", Now));
        var mark = Assert.Single(t.Inspection.Withheld);
        Assert.Equal(("reason", "commercial-secret", "商业秘密", "rita", 2), (mark.Field, mark.Category, mark.Note, mark.By, mark.Version));
        // The same mark again changes nothing; another category replaces the field's mark.
        Assert.False(Must(Wf.Redact(t.Inspection, MarketReviewer, "reason", "commercial-secret", "商业秘密", Now)).Changed);
        var replaced = Must(Wf.Redact(t.Inspection, MarketReviewer, "reason", "state-secret", "国家秘密", Now)).Inspection;
        Assert.Equal("state-secret", Assert.Single(replaced.Withheld).Category);
    }

    [Fact]
    public void Others_are_refused_and_bad_input_is_named_by_field()
    {
        var amended = Amended();
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Redact(amended, Alice, "reason", "commercial-secret", "n", Now).Error!.Kind);
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Redact(amended, MarketScheduler, "reason", "commercial-secret", "n", Now).Error!.Kind);
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Redact(amended, HealthReviewer, "reason", "commercial-secret", "n", Now).Error!.Kind);
        Assert.True(Wf.Redact(amended, new Actor("root", [Roles.Admin], null, null), "reason", "personal-data", "n", Now).Ok);
        var bad = Wf.Redact(amended, MarketReviewer, "findings", null, "  ", Now).Error!;
        Assert.Equal(InspectionErrorKind.Invalid, bad.Kind);
        Assert.Equal(["field", "category", "note"], bad.FieldErrors.Select(e => e.Field));
        Assert.Equal(InspectionErrorKind.Invalid, Wf.Redact(amended, MarketReviewer, "reason", "secret", "n", Now).Error!.Kind);
    }

    [Fact]
    public void Only_a_version_waiting_for_publication_is_redacted()
    {
        Assert.Equal(InspectionErrorKind.IllegalTransition, Wf.Redact(Single(), MarketReviewer, "reason", "commercial-secret", "n", Now).Error!.Kind);
        var published = Must(Wf.Publish(Must(Wf.Approve(Must(Wf.StartReview(Submitted(Single()), MarketReviewer, Now)).Inspection, MarketReviewer, "SAMR-210102", Now)).Inspection,
            MarketScheduler, Now)).Inspection;
        Assert.Equal(InspectionErrorKind.IllegalTransition, Wf.Redact(published, MarketReviewer, "reason", "commercial-secret", "n", Now).Error!.Kind);
    }

    [Fact]
    public void The_public_record_carries_the_category_in_place_of_a_withheld_field_never_the_text()
    {
        var i = Must(Wf.Redact(Amended(), MarketReviewer, "reason", "commercial-secret", "n", Now)).Inspection;
        i = Must(Wf.Redact(i, MarketReviewer, "teamNames", "personal-data", "n", Now)).Inspection;
        i = Must(Wf.StartReview(i, MarketReviewer, Now)).Inspection;
        i = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now)).Inspection;
        i = Must(Wf.Publish(i, MarketScheduler, Now)).Inspection;
        var facts = new PublicationFacts("某某超市", "210102", "5211", "任务", new Dictionary<string, string>(), new Dictionary<string, string?> { ["C001"] = "张三", ["C002"] = "李四" }, 1);
        var r = PublicResults.Compose(new PublicationBasis(i, 2, PublishedAt, "某某超市", "210102", new DateOnly(2025, 3, 10), null), facts);
        Assert.Null(r.Reason);
        Assert.Null(r.TeamNames);
        Assert.Equal("reason:commercial-secret,teamNames:personal-data", r.Withheld);
        Assert.Equal(new Dictionary<string, string> { ["reason"] = "commercial-secret", ["teamNames"] = "personal-data" }, Redactions.Parse(r.Withheld));
        Assert.Equal("[withheld: commercial-secret]", Redactions.Marker("commercial-secret"));
    }
}
