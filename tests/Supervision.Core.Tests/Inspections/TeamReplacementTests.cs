using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;

namespace Supervision.Core.Tests.Inspections;

/// <summary>A member leaving the team after dispatch (draw-spec §8.1 names who joins; the workflow applies it).</summary>
public class TeamReplacementTests
{
    private static readonly InspectionWorkflow Wf = InspectionWorkflow.Default;
    private static readonly TeamMember CarolJoins = new("carol", "C003", false);

    [Fact]
    public void The_leaver_takes_their_signature_and_a_signed_inspection_is_a_draft_again()
    {
        var i = Must(Wf.SaveDraft(Single(), Alice, CleanAll(Single()), Now)).Inspection;
        i = Must(Wf.Sign(i, Alice, Now)).Inspection;
        i = Must(Wf.Sign(i, Bob, Now)).Inspection;
        Assert.Equal(InspectionState.Signed, i.State);

        var t = Must(InspectionWorkflow.ReplaceMember(i, MarketScheduler, "C002", CarolJoins));
        Assert.True(t.Changed);
        Assert.Equal(InspectionState.Draft, t.Inspection.State);
        Assert.Equal(["C001", "C003"], t.Inspection.Team.Select(m => m.CertificateNo));
        Assert.Equal(["alice"], t.Inspection.Signatures.Select(s => s.Username));
        Assert.Equal(i.Revision + 1, t.Inspection.Revision);
        Assert.Equal(i.Draft, t.Inspection.Draft); // the results stay; the newcomer signs them

        // The newcomer's signature completes the team again.
        var signed = Must(Wf.Sign(t.Inspection, Carol, Now)).Inspection;
        Assert.Equal(InspectionState.Signed, signed.State);
    }

    [Fact]
    public void A_leaving_lead_passes_the_lead_to_the_newcomer()
    {
        var t = Must(InspectionWorkflow.ReplaceMember(Single(), MarketScheduler, "C001", CarolJoins));
        Assert.Equal(InspectionState.Assigned, t.Inspection.State);
        Assert.Equal("C003", t.Inspection.Team.Single(m => m.IsLead).CertificateNo);
        Assert.Single(t.Inspection.Team, m => m.IsLead);
    }

    [Fact]
    public void Repeating_an_applied_replacement_changes_nothing()
    {
        var once = Must(InspectionWorkflow.ReplaceMember(Single(), MarketScheduler, "C002", CarolJoins)).Inspection;
        var twice = Must(InspectionWorkflow.ReplaceMember(once, MarketScheduler, "C002", CarolJoins));
        Assert.False(twice.Changed);
        Assert.Same(once, twice.Inspection);
    }

    [Fact]
    public void Once_the_results_are_handed_in_the_team_stays()
    {
        var submitted = Submitted(Single());
        var t = InspectionWorkflow.ReplaceMember(submitted, MarketScheduler, "C002", CarolJoins);
        Assert.Equal(InspectionErrorKind.IllegalTransition, t.Error!.Kind);
        Assert.Contains("Submitted", t.Error.Message, StringComparison.Ordinal);
        Assert.Same(submitted, t.Inspection);
    }

    [Fact]
    public void A_returned_inspection_may_change_its_team()
    {
        var i = Submitted(Single());
        i = Must(Wf.StartReview(i, MarketReviewer, Now)).Inspection;
        i = Must(Wf.Return(i, MarketReviewer, "SAMR-210102", "photos missing", Now)).Inspection;
        Assert.Equal(InspectionState.Returned, i.State);
        var t = Must(InspectionWorkflow.ReplaceMember(i, MarketScheduler, "C002", CarolJoins));
        Assert.Equal(InspectionState.Returned, t.Inspection.State);
        Assert.Contains(t.Inspection.Team, m => m.CertificateNo == "C003");
    }

    [Fact]
    public void Only_the_lead_departments_schedulers_replace_and_only_members_leave()
    {
        var i = Single();
        Assert.Equal(InspectionErrorKind.Forbidden, InspectionWorkflow.ReplaceMember(i, Alice, "C002", CarolJoins).Error!.Kind);
        var otherScheduler = new Actor("sue", [Roles.Scheduler], "HEALTH-210102", null);
        Assert.Equal(InspectionErrorKind.Forbidden, InspectionWorkflow.ReplaceMember(i, otherScheduler, "C002", CarolJoins).Error!.Kind);
        var notMember = InspectionWorkflow.ReplaceMember(i, MarketScheduler, "C999", CarolJoins);
        Assert.Equal(InspectionErrorKind.Invalid, notMember.Error!.Kind);
        Assert.Equal("certificateNo", notMember.Error.FieldErrors.Single().Field);
        var alreadyIn = InspectionWorkflow.ReplaceMember(i, MarketScheduler, "C002", new TeamMember("alice", "C001", false));
        Assert.False(alreadyIn.Ok);
        Assert.Same(i, alreadyIn.Inspection);
    }
}
