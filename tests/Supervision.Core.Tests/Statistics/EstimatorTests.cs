using Supervision.Core.Statistics;

namespace Supervision.Core.Tests.Statistics;

public class EstimatorTests
{
    [Fact]
    public void Wilson_matches_hand_computed_values()
    {
        // 0/10: upper = z²/(n + z²) with z = 1.959964
        var z2 = 1.959964 * 1.959964;
        var w0 = BinomialIntervals.Wilson(0, 10);
        Assert.Equal(0, w0.Lower, 12);
        Assert.Equal(z2 / (10 + z2), w0.Upper, 5);
        // 5/10: symmetric about 0.5, half-width z/(1+z²/n)·sqrt(0.025 + z²/400)
        var w5 = BinomialIntervals.Wilson(5, 10);
        var half = 1.959964 / (1 + z2 / 10) * Math.Sqrt(0.025 + z2 / 400);
        Assert.Equal(0.5 - half, w5.Lower, 5);
        Assert.Equal(0.5 + half, w5.Upper, 5);
        Assert.Equal(0.2366, w5.Lower, 4);
    }

    [Fact]
    public void Clopper_Pearson_matches_closed_forms()
    {
        var cp0 = BinomialIntervals.ClopperPearson(0, 10);
        Assert.Equal(0, cp0.Lower);
        Assert.Equal(1 - Math.Pow(0.025, 0.1), cp0.Upper, 8);   // (1 − p)^10 = 0.025
        var cpn = BinomialIntervals.ClopperPearson(10, 10);
        Assert.Equal(Math.Pow(0.025, 0.1), cpn.Lower, 8);
        Assert.Equal(1, cpn.Upper);
        var cp5 = BinomialIntervals.ClopperPearson(5, 10);
        Assert.Equal(0.1871, cp5.Lower, 4);
        Assert.Equal(0.8129, cp5.Upper, 4);
        Assert.True(cp5.Width > BinomialIntervals.Wilson(5, 10).Width); // conservative
    }

    [Fact]
    public void Stratified_estimate_matches_a_hand_computed_example()
    {
        StratumSample[] strata = [new("A", 1000, 100, 10), new("D", 500, 50, 20)];
        var e = DesignEstimators.Stratified(strata);
        // W = 2/3, 1/3; P = 2/3·0.1 + 1/3·0.4 = 0.2
        Assert.Equal(0.2, e.Overall.Estimate, 12);
        var v = 4.0 / 9 * 0.9 * 0.1 * 0.9 / 99 + 1.0 / 9 * 0.9 * 0.4 * 0.6 / 49;
        Assert.Equal(Math.Sqrt(v), e.Overall.StandardError, 12);
        Assert.Equal(0.029214, e.Overall.StandardError, 5);
        Assert.Equal(0.2 - 1.959964 * Math.Sqrt(v), e.Overall.Normal.Lower, 5);
        Assert.Equal(0.1, e.Strata[0].Proportion);
        Assert.Equal(BinomialIntervals.Wilson(20, 50), e.Strata[1].Wilson);
        Assert.True(e.Overall.Wilson.Contains(0.2));
    }

    [Fact]
    public void Census_stratum_adds_no_variance_and_missing_sample_is_rejected()
    {
        var e = DesignEstimators.Stratified([new StratumSample("A", 40, 40, 4), new StratumSample("B", 60, 60, 30)]);
        Assert.Equal(0.4 * 0.1 + 0.6 * 0.5, e.Overall.Estimate, 12);
        Assert.Equal(0, e.Overall.StandardError);
        Assert.Throws<ArgumentException>(() => DesignEstimators.Stratified([new StratumSample("A", 40, 0, 0)]));
        Assert.Throws<ArgumentException>(() => DesignEstimators.Stratified([new StratumSample("A", 40, 5, 6)]));
    }

    private static List<SampledUnit> Units(params (string Stratum, long N, int n, int y)[] strata)
    {
        var units = new List<SampledUnit>();
        foreach (var (s, N, n, y) in strata)
            for (var i = 0; i < n; i++) units.Add(new SampledUnit(s, n / (double)N, i < y));
        return units;
    }

    [Fact]
    public void Unit_level_Hajek_and_HT_equal_the_stratified_count_formula()
    {
        var units = Units(("A", 1000, 100, 10), ("D", 500, 50, 20));
        var byCounts = DesignEstimators.Stratified([new("A", 1000, 100, 10), new("D", 500, 50, 20)]).Overall;
        var hajek = DesignEstimators.Hajek(units, SampleDesign.StratifiedSrs);
        var ht = DesignEstimators.HorvitzThompson(units, 1500, SampleDesign.StratifiedSrs);
        Assert.Equal(byCounts.Estimate, hajek.Estimate, 12);
        Assert.Equal(byCounts.StandardError, hajek.StandardError, 12);
        Assert.Equal(byCounts.Estimate, ht.Estimate, 12);
        Assert.Equal(byCounts.StandardError, ht.StandardError, 12);
        Assert.Equal(1500, hajek.EstimatedPopulationSize, 9);
    }

    [Fact]
    public void Domain_equal_to_a_stratum_reproduces_the_stratum_estimate()
    {
        var units = Units(("A", 1000, 100, 10), ("D", 500, 50, 20));
        var d = DesignEstimators.Hajek(units, SampleDesign.StratifiedSrs, i => units[i].Stratum == "D");
        Assert.Equal(0.4, d.Estimate, 12);
        Assert.Equal(Math.Sqrt(0.9 * 0.4 * 0.6 / 49), d.StandardError, 12);
        Assert.Equal(50, d.SampleSize);
        Assert.Equal(500, d.EstimatedPopulationSize, 9);
    }

    [Fact]
    public void Cross_stratum_domains_weight_units_by_their_inverse_probabilities()
    {
        // Industry X = A units 0..19 (10 violators) and D units 100..109 (all violators); weights N_h/n_h = 10 in both strata.
        var units = Units(("A", 1000, 100, 10), ("D", 500, 50, 20));
        var industry = units.Select((u, i) => u.Stratum == "A" ? (i < 20 ? "X" : "Y") : (i < 110 ? "X" : "Y")).ToList();
        var est = DesignEstimators.ByDomain(units, industry, SampleDesign.StratifiedSrs);
        Assert.Equal(["X", "Y"], est.Select(e => e.Domain));
        // X: A units 0..19 (10 violators, weight 10 each), D units 100..109 (all violators, weight 10 each)
        Assert.Equal((10 * 10 + 10 * 10) / (20 * 10.0 + 10 * 10.0), est[0].Estimate.Estimate, 12);
        Assert.Equal(30, est[0].Estimate.SampleSize);
        Assert.True(est[0].Estimate.StandardError > 0);
    }

    [Fact]
    public void Rosen_and_with_replacement_variances_match_hand_computation()
    {
        SampledUnit[] s = [new("p", 0.2, true), new("p", 0.5, false), new("p", 0.4, true), new("p", 1.0, false)];
        var ht = DesignEstimators.HorvitzThompson(s, 10, SampleDesign.Pareto);
        Assert.Equal((1 / 0.2 + 1 / 0.4) / 10, ht.Estimate, 12);
        // u = z/π for the non-certain units, z = y/N
        double[] u = [0.1 / 0.2, 0, 0.1 / 0.4];
        double[] q = [0.8, 0.5, 0.6];
        var a = (q[0] * u[0] + q[1] * u[1] + q[2] * u[2]) / (q[0] + q[1] + q[2]);
        var rosen = 3.0 / 2 * (q[0] * Math.Pow(u[0] - a, 2) + q[1] * Math.Pow(u[1] - a, 2) + q[2] * Math.Pow(u[2] - a, 2));
        Assert.Equal(Math.Sqrt(rosen), ht.StandardError, 12);
        Assert.Equal(0.117434, rosen, 6);
        var wr = DesignEstimators.HorvitzThompson(s, 10, SampleDesign.WithReplacementApproximation);
        Assert.Equal(Math.Sqrt(1.5 * (0.0625 + 0.0625 + 0)), wr.StandardError, 12);
        Assert.Throws<ArgumentException>(() => DesignEstimators.HorvitzThompson([new SampledUnit("p", 0, true)], 10, SampleDesign.Pareto));
    }

    [Fact]
    public void Burden_and_coverage_from_visit_counts()
    {
        var b = Indicators.Burden(100, [1, 1, 2, 3, 5, 0], yearlyCap: 2);
        Assert.Equal(12, b.Visits);
        Assert.Equal(0.12, b.VisitsPerEntity, 12);
        Assert.Equal(5, b.EntitiesVisited);
        Assert.Equal(0.05, b.Coverage, 12);
        Assert.Equal(2.4, b.VisitsPerVisitedEntity, 12);
        Assert.Equal(5, b.MaxVisits);
        Assert.Equal(new long[] { 95, 2, 1, 2 }, b.EntitiesByVisitCount);
        Assert.Equal(2, b.EntitiesOverCap);
    }

    [Fact]
    public void Discovery_rates_per_class_with_intervals()
    {
        var rows = new List<(string, bool)>();
        for (var i = 0; i < 200; i++) rows.Add(("A", i < 4));
        for (var i = 0; i < 50; i++) rows.Add(("D", i < 20));
        var r = Indicators.DiscoveryRates(rows);
        Assert.Equal(["A", "D"], r.Select(x => x.Group));
        Assert.Equal(0.02, r[0].Rate, 12);
        Assert.Equal(BinomialIntervals.Wilson(4, 200), r[0].Wilson);
        Assert.Equal(BinomialIntervals.ClopperPearson(20, 50), r[1].ClopperPearson);
        Assert.True(r[0].Wilson.Upper < r[1].Wilson.Lower); // A and D clearly separated
    }

    [Fact]
    public void Calibration_detects_separating_classes_and_flat_ones()
    {
        ClassOutcomes[] good = [new("A", 0, 500, 10), new("B", 1, 800, 48), new("C", 2, 400, 60), new("D", 3, 300, 105)];
        var r = CreditCalibration.Fit(good);
        Assert.True(r.Slope > 0.5, $"slope {r.Slope}");
        Assert.True(r.OddsRatioLower > 1);
        Assert.True(r.LikelihoodRatioPValue < 1e-6);
        Assert.True(r.Auc > 0.65, $"auc {r.Auc}");
        Assert.True(r.Monotone);
        Assert.Equal((0.5 + 10) / (1 + 500), r.Classes[0].PosteriorMean, 12);
        Assert.True(r.Classes[3].Lower > r.Classes[0].Upper);
        // fitted probabilities close to the observed rates
        Assert.InRange(r.FittedProbabilities[3], 0.28, 0.42);

        ClassOutcomes[] flat = [new("A", 0, 500, 50), new("B", 1, 500, 49), new("C", 2, 500, 51), new("D", 3, 500, 50)];
        var f = CreditCalibration.Fit(flat);
        Assert.True(f.LikelihoodRatioPValue > 0.5);
        Assert.InRange(f.Auc, 0.48, 0.52);
        Assert.True(f.OddsRatioLower < 1 && f.OddsRatioUpper > 1);
    }
}
