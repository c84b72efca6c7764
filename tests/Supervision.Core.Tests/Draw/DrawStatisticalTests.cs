using MathNet.Numerics.Distributions;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>
/// Frequencies over a fixed seed set (seeds 0..S-1), so the tests are deterministic. The rejection
/// threshold is p &lt; 1e-4, far below what a correct implementation produces on these seeds, while a
/// biased key (e.g. u taken from a fixed byte, or the wrong stratum quota) fails by orders of magnitude.
/// </summary>
public class DrawStatisticalTests
{
    private const double Alpha = 1e-4;

    /// <summary>
    /// Pearson statistic for per-unit selection counts under a fixed-size design: each count has
    /// variance S·p(1-p), so the sum of (O-E)²/(E(1-p)) is approximately χ² with N-1 degrees of freedom.
    /// </summary>
    private static double SelectionPValue(IReadOnlyList<int> counts, double p, int draws)
    {
        var expected = draws * p;
        var statistic = counts.Sum(o => (o - expected) * (o - expected) / (expected * (1 - p)));
        return 1 - ChiSquared.CDF(counts.Count - 1, statistic);
    }

    [Fact]
    public void Each_member_of_a_stratum_is_drawn_with_frequency_n_over_N()
    {
        const int draws = 3000;
        var sizes = new Dictionary<string, int> { ["A"] = 60, ["B"] = 40, ["C"] = 30, ["D"] = 20 };
        var members = sizes.SelectMany(kv => Enumerable.Range(0, kv.Value).Select(i => new PopulationMember(Id(kv.Key[0] * 1000 + i), kv.Key, 1_000_000))).ToArray();
        var p = new EntityDrawParameters(DrawModes.Stratified,
            [new StratumRule("A", Ratio: "0.01"), new StratumRule("B", Count: 4), new StratumRule("C", Ratio: "0.2"), new StratumRule("D", Count: 10)], null, []);
        var counts = members.ToDictionary(m => m.MemberId, _ => 0);
        for (var s = 0; s < draws; s++)
            foreach (var d in RunDraw(Seed(s), p, members).Drawn) counts[d.MemberId]++;

        var quota = new Dictionary<string, int> { ["A"] = 1, ["B"] = 4, ["C"] = 6, ["D"] = 10 };
        foreach (var (stratum, size) in sizes)
        {
            var stratumCounts = members.Where(m => m.Stratum == stratum).Select(m => counts[m.MemberId]).ToArray();
            Assert.Equal(draws * quota[stratum], stratumCounts.Sum());
            var pValue = SelectionPValue(stratumCounts, (double)quota[stratum] / size, draws);
            Assert.True(pValue > Alpha, $"stratum {stratum}: p = {pValue}");
        }
    }

    [Fact]
    public void Pareto_weight_classes_are_drawn_in_proportion_to_their_target_probabilities()
    {
        const int draws = 3000;
        // weight classes 1, 2, 5, 10 (40, 30, 20, 10 members) and one member capped at probability 1.
        var classes = new (string Stratum, int Count, long Weight)[] { ("A", 40, 1), ("B", 30, 2), ("C", 20, 5), ("D", 10, 10) };
        var members = classes.SelectMany(c => Enumerable.Range(0, c.Count).Select(i => new PopulationMember(Id(c.Stratum[0] * 1000 + i), c.Stratum, c.Weight * 1_000_000)))
            .Append(new PopulationMember(Id(99_999), "D", 200_000_000)).ToArray();
        var p = Pareto(20);
        var counts = members.ToDictionary(m => m.MemberId, _ => 0);
        for (var s = 0; s < draws; s++)
            foreach (var d in RunDraw(Seed(s), p, members).Drawn) counts[d.MemberId]++;

        Assert.Equal(draws, counts[Id(99_999)]);
        const double a = 19, total = 300; // n - 1 capped; uncapped Σw = 40 + 60 + 100 + 100
        foreach (var c in classes)
        {
            var lambda = a * c.Weight / total;
            var observed = members.Where(m => m.Stratum == c.Stratum && m.WeightMicros == c.Weight * 1_000_000).Sum(m => counts[m.MemberId]);
            var trials = draws * c.Count;
            // Pareto sampling's inclusion probabilities equal λ only approximately (Rosén 1997; the
            // error is O(1/n)); allow 4% relative on top of a two-sided binomial test at Alpha.
            var expected = trials * lambda;
            var sd = Math.Sqrt(trials * lambda * (1 - lambda));
            var z = Math.Max(0, Math.Abs(observed - expected) - 0.04 * expected) / sd;
            var pValue = 2 * (1 - Normal.CDF(0, 1, z));
            Assert.True(pValue > Alpha, $"weight {c.Weight}: observed {observed / (double)trials:F4}, λ {lambda:F4}, p = {pValue}");
        }
        // within a weight class the members are exchangeable: uniform across members
        foreach (var c in classes)
        {
            var classCounts = members.Where(m => m.Stratum == c.Stratum && m.WeightMicros == c.Weight * 1_000_000).Select(m => counts[m.MemberId]).ToArray();
            var pi = classCounts.Average() / draws;
            Assert.True(SelectionPValue(classCounts, pi, draws) > Alpha, $"weight {c.Weight} not uniform within class");
        }
    }

    [Fact]
    public void Inspectors_are_chosen_uniformly_among_the_eligible()
    {
        const int draws = 3000;
        var pool = InspectorFixtures.Pool(12, "SAMR", ["FOOD"]);
        // two ineligible: one inactive, one conflicted with the entity
        pool = pool with
        {
            Inspectors = pool.Inspectors.Select((i, k) => k == 0 ? i with { Active = false } : i).ToArray(),
            Conflicts = [new InspectorConflict(pool.Inspectors[1].CertificateNo, Id(1))],
        };
        var parameters = new InspectorDrawParameters(new DateOnly(2026, 3, 1), 2, 100, [new DepartmentRequirement("SAMR", ["FOOD"])]);
        var entity = new[] { InspectorFixtures.Entity(Id(1), 1) };
        var chosen = pool.Inspectors.ToDictionary(i => i.CertificateNo, _ => 0);
        var leads = pool.Inspectors.ToDictionary(i => i.CertificateNo, _ => 0);
        for (var s = 0; s < draws; s++)
        {
            var result = InspectorDraw.Run(Seed(s), "TASK-1", Alg, parameters, pool, entity);
            foreach (var m in result.Teams[0].Members) chosen[m.CertificateNo]++;
            leads[result.Teams[0].Members[0].CertificateNo]++;
        }
        Assert.Equal(0, chosen[pool.Inspectors[0].CertificateNo]);
        Assert.Equal(0, chosen[pool.Inspectors[1].CertificateNo]);
        var eligible = pool.Inspectors.Skip(2).Select(i => i.CertificateNo).ToArray();
        Assert.True(SelectionPValue(eligible.Select(c => chosen[c]).ToArray(), 2.0 / 10, draws) > Alpha);
        Assert.True(SelectionPValue(eligible.Select(c => leads[c]).ToArray(), 1.0 / 10, draws) > Alpha);
    }
}
