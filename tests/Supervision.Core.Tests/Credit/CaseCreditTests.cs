using CsCheck;
using Supervision.Core.Cases;
using Supervision.Core.Credit;

namespace Supervision.Core.Tests.Credit;

/// <summary>What a concluded follow-up case adds to the entity's credit record (docs/credit-model.md, "Follow-up cases").</summary>
public class CaseCreditTests
{
    private const string Entity = "91350100M000100Y43";
    private static readonly DateOnly Concluded = new(2026, 10, 12);
    private static readonly CasePenaltyBands Bands = CasePenaltyBands.Default;

    private static CaseOutcomeFact Case(string outcome, decimal? amount = null, string? kind = null, string? to = null, string? number = null) => new()
    {
        Seq = 7, CaseId = "cs-0123456789abcdef", EntityCreditCode = Entity, InspectionId = $"T1/{Entity}", ItemCode = "I1", DepartmentCode = "D1",
        Outcome = outcome, PenaltyFen = amount is { } a ? (long)(a * 100m) : null, DecisionNumber = number, ReferralKind = kind, ReferredTo = to,
        ConcludedOn = Concluded,
    };

    [Fact]
    public void A_penalty_is_a_penalty_event_of_the_case_dated_by_the_conclusion_and_naming_the_case_and_decision()
    {
        var e = CreditLedger.FromCase(Case(CaseOutcomes.Penalty, 5000.50m, number: "市监罚〔2026〕8号"), Bands)!;
        Assert.Equal(("case:cs-0123456789abcdef", CreditEventSources.Case, CreditEventKind.ExternalPenalty, (PenaltySeverity?)PenaltySeverity.Minor),
            (e.EventKey, e.Source, e.Kind, e.Severity));
        Assert.Equal(new DateTimeOffset(2026, 10, 11, 16, 0, 0, TimeSpan.Zero), e.OccurredAt);
        Assert.Equal(("cs-0123456789abcdef", 1), (e.SourceId, e.SourceVersion));
        Assert.Contains("case cs-0123456789abcdef", e.Reference);
        Assert.Contains("市监罚〔2026〕8号", e.Reference);
        Assert.Contains("5000.50 yuan", e.Reference);
    }

    [Theory]
    [InlineData("0.01", PenaltySeverity.Minor)]
    [InlineData("9999.99", PenaltySeverity.Minor)]
    [InlineData("10000", PenaltySeverity.Serious)]
    [InlineData("999999.99", PenaltySeverity.Serious)]
    [InlineData("1000000", PenaltySeverity.Grave)]
    public void The_penalty_severity_follows_the_amount_bands(string amount, PenaltySeverity expected) =>
        Assert.Equal(expected, CreditLedger.FromCase(Case(CaseOutcomes.Penalty, decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), number: "罚1"),
            Bands)!.Severity);

    [Theory]
    [InlineData(ReferralKinds.Judicial)]
    [InlineData(ReferralKinds.PublicSecurity)]
    public void A_referral_accepted_by_judicial_organs_or_public_security_is_a_serious_event(string kind)
    {
        var e = CreditLedger.FromCase(Case(CaseOutcomes.ReferralAccepted, kind: kind, to: "某区人民检察院", number: "检受〔2026〕2号"), Bands)!;
        Assert.Equal((CreditEventKind.ExternalPenalty, (PenaltySeverity?)PenaltySeverity.Serious), (e.Kind, e.Severity));
        Assert.Contains($"referral to {kind}", e.Reference);
        Assert.Contains("case cs-0123456789abcdef", e.Reference);
    }

    [Theory]
    [InlineData(CaseOutcomes.NoPenalty, null)]
    [InlineData(CaseOutcomes.NotFiled, null)]
    [InlineData(CaseOutcomes.ReferralReturned, ReferralKinds.Judicial)]
    [InlineData(CaseOutcomes.ReferralAccepted, ReferralKinds.Department)]
    [InlineData(CaseOutcomes.ReferralAccepted, ReferralKinds.Authority)]
    public void Outcomes_that_say_nothing_against_the_entity_add_no_event(string outcome, string? kind)
    {
        Assert.Null(CreditLedger.FromCase(Case(outcome, kind: kind, to: kind is null ? null : "x"), Bands));
        Assert.Empty(CreditLedger.NewEvents(Entity, [], [], [Case(outcome, kind: kind)], Bands));
    }

    [Fact]
    public void New_events_keep_the_case_events_after_the_streams_in_order_and_refuse_another_entitys_case()
    {
        var penalty = Case(CaseOutcomes.Penalty, 20_000m, number: "罚2");
        var events = CreditLedger.NewEvents(Entity, [], [], [Case(CaseOutcomes.NoPenalty), penalty, penalty with { CaseId = "cs-2", Seq = 9 }], Bands);
        Assert.Equal(["case:cs-0123456789abcdef", "case:cs-2"], events.Select(e => e.EventKey));
        Assert.Throws<ArgumentException>(() => CreditLedger.NewEvents(Entity, [], [], [penalty with { EntityCreditCode = "91110000600037341L" }], Bands));
    }

    [Fact]
    public void The_severity_never_falls_as_the_amount_rises_and_matches_the_bands_whatever_they_are()
    {
        Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 1_000_000], Gen.Int[1, 100_000_000], Gen.Int[0, 100_000_000]).Sample((s, gap, fen, more) =>
        {
            var bands = new CasePenaltyBands(s, s + gap);
            Assert.Empty(bands.Validate());
            var amount = fen / 100m;
            var severity = CreditLedger.FromCase(Case(CaseOutcomes.Penalty, amount, number: "罚"), bands)!.Severity!.Value;
            Assert.Equal(amount >= bands.GraveFromYuan ? PenaltySeverity.Grave : amount >= bands.SeriousFromYuan ? PenaltySeverity.Serious : PenaltySeverity.Minor,
                severity);
            Assert.True(bands.Severity(amount + more / 100m) >= severity);
        });
    }

    [Fact]
    public void Bands_out_of_order_or_not_above_zero_are_named()
    {
        Assert.Contains(new CasePenaltyBands(0, 10).Validate(), e => e.Field == "casePenalties.seriousFromYuan");
        Assert.Contains(new CasePenaltyBands(100, 100).Validate(), e => e.Field == "casePenalties.graveFromYuan");
        Assert.Contains((CreditModelOptions.Default with { CasePenalties = new CasePenaltyBands(5, 1) }).Validate(), e => e.Field == "casePenalties.graveFromYuan");
    }

    [Fact]
    public void A_penalty_case_lowers_the_score_by_its_severitys_impact_and_the_explanation_names_the_case()
    {
        var ledger = new CreditLedger(CreditModelOptions.Default);
        var at = new DateTimeOffset(2026, 10, 11, 16, 0, 0, TimeSpan.Zero); // the conclusion day, 00:00 Beijing: no decay yet
        var e = CreditLedger.FromCase(Case(CaseOutcomes.Penalty, 50_000m, number: "市监罚〔2026〕9号"), Bands)!;
        var r = ledger.Reassess(Entity, [e.ToEvent()], at, directoryClass: "B", storedClass: null, storedScore: null);
        Assert.Equal(CreditModelOptions.Default.Baseline + CreditModelOptions.Default.PenaltyImpacts[PenaltySeverity.Serious], r.Assessment.Score, 3);
        var c = Assert.Single(r.Assessment.Explanation);
        Assert.Contains("case cs-0123456789abcdef", c.Event.Reference);
    }
}
