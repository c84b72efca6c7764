using Microsoft.Extensions.Time.Testing;
using Supervision.Core.Credit;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Credit;

public class CreditScorerTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CreditScorer Scorer = new(CreditModelOptions.Default);

    [Fact]
    public void No_events_gives_the_baseline_and_class_B_weight_2()
    {
        var a = Scorer.Evaluate([], T0);
        Assert.Equal(70, a.Score);
        Assert.Equal(CreditClass.B, a.Class);
        Assert.Equal(2, a.DrawWeight);
        Assert.Empty(a.Explanation);
    }

    [Theory]
    [InlineData(CreditEventKind.CorrectionDone, 6)]
    [InlineData(CreditEventKind.CorrectionMissed, -15)]
    [InlineData(CreditEventKind.AbnormalListed, -20)]
    [InlineData(CreditEventKind.AbnormalRemoved, 12)]
    [InlineData(CreditEventKind.SeriousViolationListed, -40)]
    public void Each_kind_moves_the_score_by_its_documented_base_impact_on_the_day(CreditEventKind kind, double impact)
    {
        var a = Scorer.Evaluate([CreditEvent.Of(kind, T0)], T0);
        Assert.Equal(70 + impact, a.Score, 12);
    }

    [Theory]
    [InlineData(new[] { "1" }, 4)]
    [InlineData(new[] { "B" }, -10)]
    [InlineData(new[] { "B", "D" }, -25)]
    [InlineData(new[] { "B", "B" }, -10)]          // a repeated code counts once
    [InlineData(new[] { "C", "8" }, -40)]          // −50 capped at the floor −40
    [InlineData(new[] { "F" }, 0)]
    [InlineData(new[] { "ZZ" }, 0)]                 // unknown code: no impact, noted
    public void Inspection_impact_is_the_sum_of_its_distinct_codes_capped_at_the_floor(string[] codes, double impact)
    {
        var a = Scorer.Evaluate([CreditEvent.Inspection(T0, codes)], T0);
        Assert.Equal(70 + impact, a.Score, 12);
    }

    [Theory]
    [InlineData(PenaltySeverity.Minor, -8)]
    [InlineData(PenaltySeverity.Serious, -20)]
    [InlineData(PenaltySeverity.Grave, -35)]
    public void Penalty_impact_follows_severity(PenaltySeverity s, double impact) =>
        Assert.Equal(70 + impact, Scorer.Evaluate([CreditEvent.Penalty(T0, s)], T0).Score, 12);

    [Fact]
    public void Impact_halves_every_half_life_on_a_fake_clock()
    {
        var clock = new FakeTimeProvider(T0);
        CreditEvent[] events = [CreditEvent.Of(CreditEventKind.CorrectionMissed, T0)]; // −15, half-life 730 d
        Assert.Equal(55, Scorer.Evaluate(events, clock).Score, 9);
        clock.Advance(TimeSpan.FromDays(730));
        Assert.Equal(70 - 7.5, Scorer.Evaluate(events, clock).Score, 9);
        clock.Advance(TimeSpan.FromDays(730));
        Assert.Equal(70 - 3.75, Scorer.Evaluate(events, clock).Score, 9);
        clock.Advance(TimeSpan.FromDays(365));
        Assert.Equal(70 - 3.75 / Math.Sqrt(2), Scorer.Evaluate(events, clock).Score, 9);
    }

    [Fact]
    public void Per_kind_half_life_overrides_the_global_one()
    {
        var options = CreditModelOptions.Default with
        {
            HalfLifeDaysByKind = new Dictionary<CreditEventKind, double> { [CreditEventKind.AbnormalListed] = 100 },
            DefaultHalfLifeDays = 1000,
        };
        var s = new CreditScorer(options);
        var a = s.Evaluate([CreditEvent.Of(CreditEventKind.AbnormalListed, T0), CreditEvent.Of(CreditEventKind.CorrectionMissed, T0)], T0.AddDays(100));
        Assert.Equal(70 - 20 * 0.5 - 15 * Math.Pow(2, -0.1), a.Score, 9);
    }

    [Fact]
    public void Events_after_the_evaluation_instant_are_ignored()
    {
        var a = Scorer.Evaluate([CreditEvent.Of(CreditEventKind.AbnormalListed, T0.AddDays(1))], T0);
        Assert.Equal(70, a.Score);
        Assert.Equal(1, a.EventsIgnoredAsFuture);
        Assert.Equal(0, a.EventsConsidered);
    }

    [Fact]
    public void Thresholds_change_the_class_of_the_same_score()
    {
        CreditEvent[] events = [CreditEvent.Of(CreditEventKind.CorrectionMissed, T0)]; // 55
        Assert.Equal(CreditClass.C, Scorer.Evaluate(events, T0).Class);
        var lenient = new CreditScorer(CreditModelOptions.Default with { Thresholds = new ClassThresholds(80, 50, 30) });
        var a = lenient.Evaluate(events, T0);
        Assert.Equal(CreditClass.B, a.Class);
        Assert.Equal(2, a.DrawWeight);
        var strict = new CreditScorer(CreditModelOptions.Default with { Thresholds = new ClassThresholds(95, 90, 60) });
        Assert.Equal(CreditClass.D, strict.Evaluate(events, T0).Class);
        Assert.Equal(30, strict.Evaluate(events, T0).DrawWeight);
    }

    [Theory]
    [InlineData(85.0, CreditClass.A)]
    [InlineData(84.999, CreditClass.B)]
    [InlineData(65.0, CreditClass.B)]
    [InlineData(45.0, CreditClass.C)]
    [InlineData(44.9, CreditClass.D)]
    public void Class_bounds_are_inclusive_lower_bounds(double score, CreditClass expected) =>
        Assert.Equal(expected, ClassThresholds.Default.Classify(score));

    [Fact]
    public void Default_weights_are_1_2_10_30_and_match_the_reference_ratios()
    {
        Assert.Equal(new ClassWeights(1, 2, 10, 30), ClassWeights.Default);
        Assert.Equal(ClassWeights.Default, ClassWeights.FromReference(ReferenceData.Default));
        Assert.Equal(30, ClassWeights.Default.For(CreditClass.D));
    }

    [Fact]
    public void Explanation_lists_moving_events_by_absolute_current_contribution()
    {
        var now = T0.AddDays(730);
        CreditEvent[] events =
        [
            CreditEvent.Of(CreditEventKind.CorrectionDone, T0, "old-correction"),            // +6 · 2^-2 = 1.5
            CreditEvent.Penalty(now.AddDays(-10), PenaltySeverity.Serious, "penalty-1"),      // ≈ −19.87
            CreditEvent.Inspection(now.AddDays(-365), ["1"], "task-9"),                       // 4 · 2^-0.5 ≈ 2.83
            CreditEvent.Inspection(T0.AddDays(-20000), ["D"], "ancient"),                     // ≈ −15·2^-28: below cutoff
        ];
        var a = Scorer.Evaluate(events, now);
        Assert.Equal(new[] { "penalty-1", "task-9", "old-correction" }, a.Explanation.Select(c => c.Event.Reference ?? "").ToArray());
        Assert.Equal(-20 * Math.Pow(2, -10.0 / 1095), a.Explanation[0].Contribution, 9);
        Assert.Equal(1.5, a.Explanation[2].Contribution, 9);
        Assert.Equal(a.Score, 70 + a.Explanation.Sum(c => c.Contribution), 6);
        Assert.Equal(4, a.EventsConsidered);
    }

    [Fact]
    public void Validation_reports_every_field_error()
    {
        var bad = CreditModelOptions.Default with
        {
            Thresholds = new ClassThresholds(60, 65, 70),
            DefaultHalfLifeDays = 0,
            HalfLifeDaysByKind = new Dictionary<CreditEventKind, double> { [CreditEventKind.AbnormalListed] = -1 },
            Weights = new ClassWeights(0, 2, 10, 30),
            Baseline = double.NaN,
        };
        var fields = bad.Validate().Select(e => e.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "thresholds.a", "thresholds.b", "defaultHalfLifeDays", "halfLifeDaysByKind.AbnormalListed", "weights.A", "baseline" }, fields);
        Assert.Subset(new HashSet<string> { "thresholds.a", "thresholds.b", "defaultHalfLifeDays", "halfLifeDaysByKind.AbnormalListed", "weights.A", "baseline" }, fields);
        Assert.Throws<ArgumentException>(() => new CreditScorer(bad));
        Assert.Empty(CreditModelOptions.Default.Validate());
    }

    [Fact]
    public void Validation_limits_distinct_half_lives_to_the_summary_buckets()
    {
        var many = CreditModelOptions.Default with
        {
            HalfLifeDaysByKind = new Dictionary<CreditEventKind, double>
            {
                [CreditEventKind.AbnormalListed] = 100, [CreditEventKind.AbnormalRemoved] = 200,
                [CreditEventKind.CorrectionDone] = 300, [CreditEventKind.CorrectionMissed] = 400,
            },
        };
        Assert.Contains(many.Validate(), e => e.Field == "halfLifeDaysByKind");
    }

    [Fact]
    public void Class_change_is_detected_with_an_auditable_reason()
    {
        var before = Scorer.Evaluate([], T0);
        Assert.Null(CreditClassChangeDetector.Detect("e1", before.Class, before.Score, before, ClassThresholds.Default));

        var after = Scorer.Evaluate([CreditEvent.Of(CreditEventKind.AbnormalListed, T0, "abn-7")], T0);
        var change = CreditClassChangeDetector.Detect("e1", before.Class, before.Score, after, ClassThresholds.Default);
        Assert.NotNull(change);
        Assert.Equal(CreditClass.B, change.OldClass);
        Assert.Equal(CreditClass.C, change.NewClass);
        Assert.True(change.IsDowngrade);
        Assert.Contains("fell below B threshold 65", change.Reason);
        Assert.Contains("abn-7", change.Reason);

        // Two years and a half later the listing has decayed below 5 points: back to B.
        var later = Scorer.Evaluate([CreditEvent.Of(CreditEventKind.AbnormalListed, T0, "abn-7")], T0.AddDays(2200));
        var back = CreditClassChangeDetector.Detect("e1", after.Class, after.Score, later, ClassThresholds.Default);
        Assert.NotNull(back);
        Assert.False(back.IsDowngrade);
        Assert.Contains("reached B threshold 65", back.Reason);

        var first = CreditClassChangeDetector.Detect("e2", null, null, before, ClassThresholds.Default);
        Assert.NotNull(first);
        Assert.Null(first.OldClass);
        Assert.Contains("first classification", first.Reason);
    }
}
