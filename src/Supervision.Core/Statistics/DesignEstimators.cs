namespace Supervision.Core.Statistics;

/// <summary>One stratum of a stratified simple random sample: N_h entities, n_h inspected, y_h found non-compliant.</summary>
public sealed record StratumSample(string Stratum, long PopulationSize, int SampleSize, int NonCompliant);

/// <summary>
/// One inspected entity with the inclusion probability its draw recorded (n_h/N_h in stratified mode, the Pareto
/// target λ_i = a·w_i/D or 1 for certain members in Pareto mode).
/// </summary>
public readonly record struct SampledUnit(string Stratum, double InclusionProbability, bool NonCompliant);

/// <summary>How the sample was drawn, which decides the variance formula.</summary>
public enum SampleDesign
{
    /// <summary>Stratified simple random sampling without replacement (the draw's stratified mode).</summary>
    StratifiedSrs = 0,
    /// <summary>Pareto πps order sampling (the draw's pareto mode); variance by Rosén's (1997) approximation.</summary>
    Pareto = 1,
    /// <summary>Any πps design, variance by the with-replacement (Hansen–Hurwitz) approximation; conservative.</summary>
    WithReplacementApproximation = 2,
}

/// <summary>
/// An estimated proportion with its standard error and two 95%-style intervals: the normal approximation, and a
/// Wilson interval computed with the effective sample size n_eff = p̂(1 − p̂)/v̂ (the design-effect-adjusted Wilson
/// interval; cf. Korn &amp; Graubard 1998), which behaves better when p̂ is near 0 or 1 or the sample is small.
/// </summary>
public sealed record ProportionEstimate(
    double Estimate,
    double StandardError,
    ConfidenceInterval Normal,
    ConfidenceInterval Wilson,
    double EffectiveSampleSize,
    int SampleSize,
    double EstimatedPopulationSize,
    double Confidence,
    string Method);

public sealed record StratumEstimate(string Stratum, long PopulationSize, int SampleSize, int NonCompliant, double Proportion,
    double StandardError, ConfidenceInterval Wilson);

public sealed record StratifiedEstimate(ProportionEstimate Overall, IReadOnlyList<StratumEstimate> Strata, int StrataWithoutVarianceEstimate);

public sealed record DomainEstimate(string Domain, ProportionEstimate Estimate);

/// <summary>
/// Design-based estimators of the share of non-compliant entities that the known inclusion probabilities of the
/// draw make possible (Horvitz &amp; Thompson, JASA 47 (1952) 663–685; Hájek 1971; Rosén, J. Statist. Planning
/// Inference 62 (1997) 159–191). Formulas: docs/credit-model.md.
/// </summary>
public static class DesignEstimators
{
    /// <summary>
    /// Stratified estimator of a proportion: P̂ = Σ_h W_h p̂_h with W_h = N_h/N, p̂_h = y_h/n_h (this is the
    /// Horvitz–Thompson estimator under stratified SRS), v̂ = Σ_h W_h² (1 − f_h) p̂_h(1 − p̂_h)/(n_h − 1), f_h = n_h/N_h.
    /// A stratum with n_h = 1 &lt; N_h contributes no variance term (none can be estimated) and is counted in
    /// <see cref="StratifiedEstimate.StrataWithoutVarianceEstimate"/>. Every stratum with N_h &gt; 0 must have n_h ≥ 1
    /// (the draw guarantees it: no stratum is exempt).
    /// </summary>
    public static StratifiedEstimate Stratified(IReadOnlyList<StratumSample> strata, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(strata);
        if (strata.Count == 0) throw new ArgumentException("no strata", nameof(strata));
        long total = 0;
        foreach (var s in strata)
        {
            if (s.PopulationSize < 0 || s.SampleSize < 0 || s.NonCompliant < 0 || s.NonCompliant > s.SampleSize || s.SampleSize > s.PopulationSize)
                throw new ArgumentException($"stratum '{s.Stratum}': need 0 ≤ y_h ≤ n_h ≤ N_h, got N={s.PopulationSize} n={s.SampleSize} y={s.NonCompliant}", nameof(strata));
            if (s.PopulationSize > 0 && s.SampleSize == 0)
                throw new ArgumentException($"stratum '{s.Stratum}' has N_h = {s.PopulationSize} but no sample: its share cannot be estimated", nameof(strata));
            total += s.PopulationSize;
        }
        if (total == 0) throw new ArgumentException("population is empty", nameof(strata));
        double p = 0, v = 0;
        var noVar = 0;
        var n = 0;
        var per = new List<StratumEstimate>(strata.Count);
        foreach (var s in strata)
        {
            n += s.SampleSize;
            if (s.PopulationSize == 0)
            {
                per.Add(new StratumEstimate(s.Stratum, 0, 0, 0, double.NaN, double.NaN, new ConfidenceInterval(0, 1, "empty")));
                continue;
            }
            var w = s.PopulationSize / (double)total;
            var ph = s.NonCompliant / (double)s.SampleSize;
            var f = s.SampleSize / (double)s.PopulationSize;
            double vh;
            if (s.SampleSize >= 2) vh = (1 - f) * ph * (1 - ph) / (s.SampleSize - 1);
            else
            {
                vh = 0;
                if (s.SampleSize < s.PopulationSize) noVar++;
            }
            p += w * ph;
            v += w * w * vh;
            per.Add(new StratumEstimate(s.Stratum, s.PopulationSize, s.SampleSize, s.NonCompliant, ph, Math.Sqrt(vh),
                BinomialIntervals.Wilson(s.NonCompliant, s.SampleSize, confidence)));
        }
        var est = Build(p, v, n, total, confidence, "stratified (HT under stratified SRS), FPC variance");
        return new StratifiedEstimate(est, per, noVar);
    }

    /// <summary>
    /// Horvitz–Thompson estimator of the proportion with a known population size N: P̂ = (1/N) Σ_s y_i/π_i.
    /// Unbiased for any design with π_i &gt; 0. Variance per <paramref name="design"/> (see <see cref="Variance"/>).
    /// </summary>
    public static ProportionEstimate HorvitzThompson(IReadOnlyList<SampledUnit> sample, long populationSize, SampleDesign design, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (populationSize <= 0) throw new ArgumentOutOfRangeException(nameof(populationSize), "must be positive");
        CheckUnits(sample);
        double t = 0;
        foreach (var u in sample) if (u.NonCompliant) t += 1 / u.InclusionProbability;
        var p = t / populationSize;
        var z = new double[sample.Count];
        for (var i = 0; i < z.Length; i++) z[i] = sample[i].NonCompliant ? 1.0 / populationSize : 0;
        var v = Variance(sample, z, design);
        return Build(p, v, sample.Count, populationSize, confidence, $"Horvitz–Thompson, {DesignName(design)}");
    }

    /// <summary>
    /// Hájek (ratio) estimator of the proportion in a domain (a subpopulation: a department, industry, division or class,
    /// which need not be a stratum): P̂_d = Σ_{s∩d} y_i/π_i ÷ Σ_{s∩d} 1/π_i. Approximately unbiased; its variance is that
    /// of the linearised values z_i = 1{i∈d}(y_i − P̂_d)/N̂_d (Taylor linearisation), computed per <paramref name="design"/>.
    /// With <paramref name="inDomain"/> null the domain is the whole population.
    /// </summary>
    public static ProportionEstimate Hajek(IReadOnlyList<SampledUnit> sample, SampleDesign design, Func<int, bool>? inDomain = null, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(sample);
        CheckUnits(sample);
        double nHat = 0, yHat = 0;
        var nd = 0;
        for (var i = 0; i < sample.Count; i++)
        {
            if (inDomain is not null && !inDomain(i)) continue;
            var u = sample[i];
            nd++;
            nHat += 1 / u.InclusionProbability;
            if (u.NonCompliant) yHat += 1 / u.InclusionProbability;
        }
        if (nd == 0) throw new ArgumentException("no sampled unit falls in the domain", nameof(inDomain));
        var p = yHat / nHat;
        var z = new double[sample.Count];
        for (var i = 0; i < z.Length; i++)
            z[i] = inDomain is not null && !inDomain(i) ? 0 : ((sample[i].NonCompliant ? 1 : 0) - p) / nHat;
        var v = Variance(sample, z, design);
        return Build(p, v, nd, nHat, confidence, $"Hájek, {DesignName(design)}");
    }

    /// <summary>Hájek estimates for every domain value, in ordinal order of the domain key.</summary>
    public static IReadOnlyList<DomainEstimate> ByDomain(IReadOnlyList<SampledUnit> sample, IReadOnlyList<string> domainOfUnit, SampleDesign design, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(domainOfUnit);
        if (domainOfUnit.Count != sample.Count) throw new ArgumentException("one domain per sampled unit is required", nameof(domainOfUnit));
        return domainOfUnit.Distinct().Order(StringComparer.Ordinal)
            .Select(d => new DomainEstimate(d, Hajek(sample, design, i => domainOfUnit[i] == d, confidence)))
            .ToList();
    }

    /// <summary>
    /// Estimated variance of the HT total t̂_z = Σ_s z_i/π_i of given per-unit values z:
    /// <list type="bullet">
    /// <item>StratifiedSrs: Σ_h (1 − f_h) n_h/(n_h − 1) Σ_{s_h} (u_i − ū_h)², u_i = z_i/π_i, f_h = π (n_h ≥ 2).</item>
    /// <item>Pareto (Rosén 1997): n/(n − 1) Σ_s (1 − π_i)(u_i − Â)², Â = Σ_s (1 − π_i)u_i / Σ_s (1 − π_i),
    /// n the number of non-certain units (certain units, π = 1, contribute nothing).</item>
    /// <item>WithReplacementApproximation (Hansen–Hurwitz): n/(n − 1) Σ_s (u_i − ū)² over the non-certain units; ignores
    /// the finite-population gain, so it overstates the variance when sampling fractions are large.</item>
    /// </list>
    /// </summary>
    public static double Variance(IReadOnlyList<SampledUnit> sample, IReadOnlyList<double> z, SampleDesign design)
    {
        switch (design)
        {
            case SampleDesign.StratifiedSrs:
            {
                double v = 0;
                foreach (var g in Enumerable.Range(0, sample.Count).GroupBy(i => sample[i].Stratum, StringComparer.Ordinal))
                {
                    var idx = g.ToList();
                    var nh = idx.Count;
                    if (nh < 2) continue;
                    var f = sample[idx[0]].InclusionProbability;
                    double mean = 0;
                    foreach (var i in idx) mean += z[i] / sample[i].InclusionProbability;
                    mean /= nh;
                    double ss = 0;
                    foreach (var i in idx)
                    {
                        var d = z[i] / sample[i].InclusionProbability - mean;
                        ss += d * d;
                    }
                    v += (1 - f) * nh / (nh - 1.0) * ss;
                }
                return v;
            }
            case SampleDesign.Pareto:
            {
                double num = 0, den = 0;
                var n = 0;
                for (var i = 0; i < sample.Count; i++)
                {
                    var pi = sample[i].InclusionProbability;
                    if (pi >= 1) continue;
                    n++;
                    num += (1 - pi) * z[i] / pi;
                    den += 1 - pi;
                }
                if (n < 2) return 0;
                var a = num / den;
                double ss = 0;
                for (var i = 0; i < sample.Count; i++)
                {
                    var pi = sample[i].InclusionProbability;
                    if (pi >= 1) continue;
                    var d = z[i] / pi - a;
                    ss += (1 - pi) * d * d;
                }
                return n / (n - 1.0) * ss;
            }
            case SampleDesign.WithReplacementApproximation:
            {
                double sum = 0;
                var n = 0;
                for (var i = 0; i < sample.Count; i++)
                {
                    if (sample[i].InclusionProbability >= 1) continue;
                    n++;
                    sum += z[i] / sample[i].InclusionProbability;
                }
                if (n < 2) return 0;
                var mean = sum / n;
                double ss = 0;
                for (var i = 0; i < sample.Count; i++)
                {
                    if (sample[i].InclusionProbability >= 1) continue;
                    var d = z[i] / sample[i].InclusionProbability - mean;
                    ss += d * d;
                }
                return n / (n - 1.0) * ss;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(design));
        }
    }

    private static string DesignName(SampleDesign d) => d switch
    {
        SampleDesign.StratifiedSrs => "stratified SRS variance with FPC",
        SampleDesign.Pareto => "Rosén Pareto variance",
        _ => "with-replacement variance approximation",
    };

    private static void CheckUnits(IReadOnlyList<SampledUnit> sample)
    {
        if (sample.Count == 0) throw new ArgumentException("empty sample", nameof(sample));
        foreach (var u in sample)
            if (!(u.InclusionProbability > 0 && u.InclusionProbability <= 1))
                throw new ArgumentException($"inclusion probability must be in (0, 1], got {u.InclusionProbability}", nameof(sample));
    }

    private static ProportionEstimate Build(double p, double v, int n, double populationSize, double confidence, string method)
    {
        v = Math.Max(0, v);
        var se = Math.Sqrt(v);
        var nEff = v > 0 && p > 0 && p < 1 ? p * (1 - p) / v : n;
        var clamped = Math.Clamp(p, 0, 1);
        return new ProportionEstimate(p, se, BinomialIntervals.Normal(p, se, confidence),
            BinomialIntervals.Wilson(clamped, Math.Max(nEff, 1e-9), confidence) with { Method = "wilson (effective n)" },
            nEff, n, populationSize, confidence, method);
    }
}
