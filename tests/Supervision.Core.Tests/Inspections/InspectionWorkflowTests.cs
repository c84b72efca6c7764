using CsCheck;
using Supervision.Core.Inspections;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;

namespace Supervision.Core.Tests.Inspections;

public class InspectionWorkflowTests
{
    private static readonly InspectionWorkflow Wf = InspectionWorkflow.Default;

    [Fact]
    public void Happy_path_single_department()
    {
        var i = Single();
        Assert.Equal(InspectionState.Assigned, i.State);
        i = Must(Wf.SaveDraft(i, Alice, [Clean("ITEM-PUB")], Now)).Inspection; // partial draft
        Assert.Equal(InspectionState.Draft, i.State);
        Assert.Equal(InspectionErrorKind.Invalid, Wf.Sign(i, Alice, Now).Error!.Kind); // incomplete cannot be signed
        i = Must(Wf.SaveDraft(i, Bob, CleanAll(i), Now)).Inspection;
        i = Must(Wf.Sign(i, Alice, Now)).Inspection;
        Assert.Equal(InspectionState.Draft, i.State);
        i = Must(Wf.Sign(i, Bob, Now)).Inspection;
        Assert.Equal(InspectionState.Signed, i.State);
        var submit = Must(Wf.Submit(i, Bob, "key-1", Now));
        i = submit.Inspection;
        Assert.Equal(InspectionState.Submitted, i.State);
        Assert.Equal(1, submit.Receipt!.Version);
        Assert.Equal(2, i.CurrentVersion!.Signatures.Count);
        i = Must(Wf.StartReview(i, MarketReviewer, Now)).Inspection;
        var approve = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now));
        i = approve.Inspection;
        Assert.Equal(InspectionState.Approved, i.State);
        Assert.Equal(2, approve.Outcomes.Count);
        i = Must(Wf.Publish(i, MarketScheduler, Now)).Inspection;
        Assert.Equal(InspectionState.Published, i.State);
        Assert.Equal(1, i.PublishedVersion);
        Assert.Equal(8, i.Revision);
    }

    [Fact]
    public void Illegal_transitions_say_the_state_and_what_is_allowed()
    {
        var t = Wf.Approve(Single(), MarketReviewer, "SAMR-210102", Now);
        Assert.False(t.Ok);
        Assert.Equal(InspectionErrorKind.IllegalTransition, t.Error!.Kind);
        Assert.Equal(InspectionState.Assigned, t.Error.State);
        Assert.Equal([InspectionAction.SaveDraft], t.Error.AllowedActions);
        Assert.Contains("cannot Approve an inspection that is Assigned; allowed now: SaveDraft", t.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, t.Inspection.Revision);

        var submitted = Submitted(Single());
        var edit = Wf.SaveDraft(submitted, Alice, CleanAll(submitted), Now);
        Assert.Equal(InspectionErrorKind.IllegalTransition, edit.Error!.Kind);
        Assert.Contains(InspectionAction.Amend, edit.Error.AllowedActions);
    }

    [Fact]
    public void A_change_after_a_signature_clears_signatures_but_saving_the_same_content_does_not()
    {
        var i = Must(Wf.SaveDraft(Single(), Alice, CleanAll(Single()), Now)).Inspection;
        i = Must(Wf.Sign(i, Alice, Now)).Inspection;
        var same = Must(Wf.SaveDraft(i, Bob, CleanAll(i).Reverse().ToList(), Now)); // same content, other order
        Assert.False(same.Changed);
        Assert.Single(same.Inspection.Signatures);
        i = Must(Wf.Sign(i, Bob, Now)).Inspection;
        Assert.Equal(InspectionState.Signed, i.State);
        var changed = Must(Wf.SaveDraft(i, Bob, [Clean("ITEM-PUB"), Problem("ITEM-SITE", "A")], Now)).Inspection;
        Assert.Equal(InspectionState.Draft, changed.State);
        Assert.Empty(changed.Signatures);
        Assert.Equal(InspectionErrorKind.IllegalTransition, Wf.Submit(changed, Alice, "k", Now).Error!.Kind);
    }

    [Fact]
    public void Signing_twice_is_a_no_op_and_outsiders_cannot_sign_or_edit()
    {
        var i = Must(Wf.SaveDraft(Single(), Alice, CleanAll(Single()), Now)).Inspection;
        i = Must(Wf.Sign(i, Alice, Now)).Inspection;
        Assert.False(Must(Wf.Sign(i, Alice, Now)).Changed);
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Sign(i, Carol, Now).Error!.Kind);
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.SaveDraft(i, Carol, CleanAll(i), Now).Error!.Kind);
    }

    [Fact]
    public void Submit_is_idempotent_per_key()
    {
        var i = Submitted(Single());
        var retry = Wf.Submit(i, Alice, "k1", Now.AddMinutes(5));
        Assert.True(retry.Ok);
        Assert.False(retry.Changed);
        Assert.Same(i, retry.Inspection);
        Assert.Equal(1, retry.Receipt!.Version);
        Assert.Equal(Now, retry.Receipt.At);
        Assert.Single(i.History);

        // Still the same answer after the inspection moved on.
        var reviewed = Must(Wf.StartReview(i, MarketReviewer, Now)).Inspection;
        Assert.Equal(1, Wf.Submit(reviewed, Bob, "k1", Now).Receipt!.Version);
        // A new key for an already submitted inspection is an illegal transition, not a second version.
        Assert.Equal(InspectionErrorKind.IllegalTransition, Wf.Submit(reviewed, Alice, "k2", Now).Error!.Kind);
        Assert.Equal(InspectionErrorKind.Invalid, Wf.Submit(reviewed, Alice, " ", Now).Error!.Kind);
    }

    [Fact]
    public void A_review_action_under_an_idempotency_key_is_remembered_and_replayed_only_for_the_same_action_and_person()
    {
        var i = Must(Wf.StartReview(Submitted(Joint()), HealthReviewer, Now)).Inspection;
        Assert.Null(InspectionWorkflow.Replay(i, HealthReviewer, InspectionAction.Approve, "k1"));
        var done = InspectionWorkflow.Remember(Must(Wf.Approve(i, HealthReviewer, "HEALTH-210102", Now)), HealthReviewer, InspectionAction.Approve, "k1", Now);
        var receipt = done.Inspection.ActionReceipts["k1"];
        Assert.Equal((InspectionAction.Approve, HealthReviewer.Username), (receipt.Action, receipt.By));

        var replay = InspectionWorkflow.Replay(done.Inspection, HealthReviewer, InspectionAction.Approve, "k1")!;
        Assert.True(replay.Ok);
        Assert.False(replay.Changed);
        Assert.Same(done.Inspection, replay.Inspection);
        Assert.Equal(InspectionErrorKind.Invalid, InspectionWorkflow.Replay(done.Inspection, MarketReviewer, InspectionAction.Approve, "k1")!.Error!.Kind);
        Assert.Equal(InspectionErrorKind.Invalid, InspectionWorkflow.Replay(done.Inspection, HealthReviewer, InspectionAction.Return, "k1")!.Error!.Kind);
        Assert.Equal(InspectionErrorKind.Invalid, InspectionWorkflow.Replay(i, HealthReviewer, InspectionAction.Approve, " ")!.Error!.Kind);
        // Refused or unchanged actions are not remembered: the key may be used again.
        var refused = InspectionWorkflow.Remember(Wf.Approve(i, HealthReviewer, "POLICE-1", Now), HealthReviewer, InspectionAction.Approve, "k2", Now);
        Assert.Empty(refused.Inspection.ActionReceipts);
    }

    [Fact]
    public void Joint_inspection_is_approved_only_when_every_department_approved_its_own_items()
    {
        var i = Must(Wf.StartReview(Submitted(Joint()), HealthReviewer, Now)).Inspection;
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Approve(i, HealthReviewer, "SAMR-210102", Now).Error!.Kind);
        Assert.Equal(InspectionErrorKind.Invalid, Wf.Approve(i, HealthReviewer, "POLICE-1", Now).Error!.Kind);
        var first = Must(Wf.Approve(i, HealthReviewer, "HEALTH-210102", Now));
        Assert.Equal(InspectionState.UnderReview, first.Inspection.State);
        Assert.Empty(first.Outcomes);
        Assert.False(Must(Wf.Approve(first.Inspection, HealthReviewer, "HEALTH-210102", Now)).Changed);
        var second = Must(Wf.Approve(first.Inspection, MarketReviewer, "SAMR-210102", Now));
        Assert.Equal(InspectionState.Approved, second.Inspection.State);
        Assert.Equal(["HEALTH-210102", "SAMR-210102"], second.Outcomes.Select(o => o.DepartmentCode).Order());
        // Only the lead department publishes.
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Publish(second.Inspection, HealthReviewer, Now).Error!.Kind);
    }

    [Fact]
    public void Return_needs_a_reason_clears_approvals_and_resubmission_is_a_new_version()
    {
        var i = Must(Wf.StartReview(Submitted(Joint()), MarketReviewer, Now)).Inspection;
        i = Must(Wf.Approve(i, HealthReviewer, "HEALTH-210102", Now)).Inspection;
        Assert.Contains(Wf.Return(i, MarketReviewer, "SAMR-210102", " ", Now).Error!.FieldErrors, e => e.Field == "reason");
        i = Must(Wf.Return(i, MarketReviewer, "SAMR-210102", "门头照片缺失", Now)).Inspection;
        Assert.Equal(InspectionState.Returned, i.State);
        Assert.Empty(i.Approvals);
        Assert.Empty(i.Signatures);
        Assert.Equal("门头照片缺失", i.Returns.Single().Reason);

        var evidence = EvidenceRef.For("jpeg bytes"u8, "image/jpeg");
        i = Must(Wf.SaveDraft(i, Bob, [Clean("ITEM-SITE") with { Evidence = [evidence] }, Clean("ITEM-HYG")], Now)).Inspection;
        i = Must(Wf.Sign(i, Alice, Now)).Inspection;
        i = Must(Wf.Sign(i, Bob, Now)).Inspection;
        var again = Must(Wf.Submit(i, Alice, "k-after-return", Now));
        Assert.Equal(2, again.Receipt!.Version);
        Assert.Equal(VersionKind.Resubmission, again.Inspection.History[1].Kind);
        Assert.Contains("门头照片缺失", again.Inspection.History[1].Reason, StringComparison.Ordinal);
        Assert.Equal(VersionKind.Submission, again.Inspection.History[0].Kind);
    }

    [Fact]
    public void Amendments_keep_every_version_and_emit_superseding_outcomes()
    {
        var i = Must(Wf.StartReview(Submitted(Single()), MarketReviewer, Now)).Inspection;
        i = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now)).Inspection;
        i = Must(Wf.Publish(i, MarketReviewer, Now)).Inspection;
        var v1 = i.CurrentVersion!;

        Assert.Contains(Wf.Amend(i, Alice, CleanAll(i), "no change", Now).Error!.FieldErrors, e => e.Field == "items");
        Assert.Contains(Wf.Amend(i, Alice, [Clean("ITEM-PUB"), Problem("ITEM-SITE", "B")], "", Now).Error!.FieldErrors, e => e.Field == "reason");
        Assert.Equal(InspectionErrorKind.Forbidden, Wf.Amend(i, Carol, [Clean("ITEM-PUB"), Problem("ITEM-SITE", "B")], "x", Now).Error!.Kind);

        i = Must(Wf.Amend(i, Alice, [Clean("ITEM-PUB"), Problem("ITEM-SITE", "B")], "年报公示情况核实有误", Now)).Inspection;
        Assert.Equal(InspectionState.Submitted, i.State);
        Assert.Equal(1, i.PublishedVersion); // the public still sees version 1
        Assert.Equal(2, i.History.Count);
        Assert.Same(v1, i.History[0]);
        Assert.Equal(VersionKind.Amendment, i.History[1].Kind);
        Assert.Equal("年报公示情况核实有误", i.History[1].Reason);

        i = Must(Wf.StartReview(i, MarketReviewer, Now)).Inspection;
        var approved = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", Now));
        var site = approved.Outcomes.Single(o => o.ItemCode == "ITEM-SITE");
        Assert.Equal(OutcomeKind.Amendment, site.Kind);
        Assert.Equal(1, site.SupersedesVersion);
        Assert.Equal(2, site.Version);
        Assert.Equal(["B"], site.ResultCodes);
        Assert.Equal(2, Must(Wf.Publish(approved.Inspection, MarketReviewer, Now)).Inspection.PublishedVersion);
    }

    [Fact]
    public void Outcome_contract_fields()
    {
        var approveNow = new DateTimeOffset(2025, 3, 11, 23, 30, 0, TimeSpan.Zero); // 12 March in Beijing
        var i = Must(Wf.StartReview(Submitted(Single(), [Clean("ITEM-PUB"), Problem("ITEM-SITE", "B", "A")]), MarketReviewer, Now)).Inspection;
        var o = Must(Wf.Approve(i, MarketReviewer, "SAMR-210102", approveNow)).Outcomes.Single(x => x.ItemCode == "ITEM-SITE");
        var expected = new InspectionOutcome(1, "insp-1/v1/ITEM-SITE", "91350100M000100Y43", "task-1", "insp-1", "ITEM-SITE", ["A", "B"],
            new DateOnly(2025, 3, 7), new DateOnly(2025, 3, 12), "SAMR-210102", 1, OutcomeKind.Initial, null);
        Assert.Equal(expected, o);
    }

    [Fact]
    public void Assign_refuses_a_one_person_team_and_duplicate_items()
    {
        Assert.Throws<ArgumentException>(() => InspectionWorkflow.Assign("i", "t", "e", "d", [new TeamMember("a", "c", true)], [Publicity], default));
        Assert.Throws<ArgumentException>(() => InspectionWorkflow.Assign("i", "t", "e", "d",
            [new TeamMember("a", "c", true), new TeamMember("b", "c", true)], [Publicity], default));
        Assert.Throws<ArgumentException>(() => InspectionWorkflow.Assign("i", "t", "e", "d",
            [new TeamMember("a", "c", true), new TeamMember("b", "c", false)], [Publicity, Publicity], default));
    }

    // Any sequence of commands: errors never change the inspection, every change bumps the revision by
    // one, history only grows and never rewrites a version, and the state always allows what it says.
    [Fact]
    public void Random_command_sequences_keep_the_invariants()
    {
        var actors = new[] { Alice, Bob, Carol, MarketReviewer, HealthReviewer, MarketScheduler };
        var resultsChoices = new IReadOnlyList<ItemResult>[]
        {
            [Clean("ITEM-SITE"), Clean("ITEM-HYG")],
            [Problem("ITEM-SITE", "A"), Clean("ITEM-HYG")],
            [Clean("ITEM-SITE")],
            [Problem("ITEM-SITE", "1", "A")],
        };
        var step = Gen.Select(Gen.Int[0, 7], Gen.Int[0, actors.Length - 1], Gen.Int[0, resultsChoices.Length - 1], Gen.Int[0, 2]);
        step.Array[1, 60].Sample(steps =>
        {
            var i = Joint();
            foreach (var (cmd, a, r, k) in steps)
            {
                var actor = actors[a];
                var dept = k == 0 ? "HEALTH-210102" : "SAMR-210102";
                var t = cmd switch
                {
                    0 => Wf.SaveDraft(i, actor, resultsChoices[r], Now),
                    1 => Wf.Sign(i, actor, Now),
                    2 => Wf.Submit(i, actor, "key" + k, Now),
                    3 => Wf.StartReview(i, actor, Now),
                    4 => Wf.Approve(i, actor, dept, Now),
                    5 => Wf.Return(i, actor, dept, "reason", Now),
                    6 => Wf.Publish(i, actor, Now),
                    _ => Wf.Amend(i, actor, resultsChoices[r], "fix", Now),
                };
                if (!t.Ok || !t.Changed)
                {
                    if (!ReferenceEquals(t.Inspection, i))
                    {
                        return false;
                    }

                    continue;
                }

                var next = t.Inspection;
                if (next.Revision != i.Revision + 1 || next.History.Count < i.History.Count
                    || i.History.Where((v, n) => !ReferenceEquals(v, next.History[n])).Any())
                {
                    return false;
                }

                if (next.State == InspectionState.Signed && !next.Team.All(m => next.Signatures.Any(s => s.Username == m.Username)))
                {
                    return false;
                }

                if (t.Outcomes.Count > 0 && next.State != InspectionState.Approved)
                {
                    return false;
                }

                i = next;
            }

            return true;
        }, iter: 300);
    }
}
