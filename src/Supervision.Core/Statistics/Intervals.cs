using MathNet.Numerics.Distributions;

namespace Supervision.Core.Statistics;

/// <summary>A two-sided confidence interval for a proportion, clipped to [0, 1], with the method that produced it.</summary>
public sealed record ConfidenceInterval(double Lower, double Upper, string Method)
{
    public double Width => Upper - Lower;

    public bool Contains(double value) => value >= Lower && value <= Upper;
}

/// <summary>Intervals for a binomial proportion.</summary>
public static class BinomialIntervals
{
    /// <summary>The standard normal quantile z with P(|Z| ≤ z) = confidence (1.959964 for 0.95).</summary>
    public static double Z(double confidence)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), "must be in (0, 1)");
        return MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.5 + confidence / 2);
    }

    /// <summary>
    /// Wilson score interval (E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    /// JASA 22 (1927) 209–212): the set of p whose score test does not reject, i.e. the roots of
    /// (p̂ − p)² = z² p(1 − p)/n. Unlike p̂ ± z·se it never has zero width at p̂ = 0 or 1 and keeps close to nominal
    /// coverage for small n. <paramref name="n"/> may be an effective (non-integer) sample size.
    /// </summary>
    public static ConfidenceInterval Wilson(double proportion, double n, double confidence = 0.95)
    {
        if (!(n > 0)) throw new ArgumentOutOfRangeException(nameof(n), "must be positive");
        if (!(proportion >= 0 && proportion <= 1)) throw new ArgumentOutOfRangeException(nameof(proportion), "must be in [0, 1]");
        var z = Z(confidence);
        var z2 = z * z;
        var denom = 1 + z2 / n;
        var centre = (proportion + z2 / (2 * n)) / denom;
        var half = z / denom * Math.Sqrt(proportion * (1 - proportion) / n + z2 / (4 * n * n));
        return new ConfidenceInterval(Math.Max(0, centre - half), Math.Min(1, centre + half), "wilson");
    }

    public static ConfidenceInterval Wilson(long successes, long n, double confidence = 0.95)
    {
        Check(successes, n);
        return Wilson(successes / (double)n, n, confidence);
    }

    /// <summary>
    /// Clopper–Pearson "exact" interval (Biometrika 26 (1934) 404–413) from Beta quantiles: lower = B(α/2; k, n−k+1),
    /// upper = B(1−α/2; k+1, n−k). Conservative: coverage is at least nominal for every p.
    /// </summary>
    public static ConfidenceInterval ClopperPearson(long successes, long n, double confidence = 0.95)
    {
        Check(successes, n);
        var alpha = 1 - confidence;
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), "must be in (0, 1)");
        var lower = successes == 0 ? 0 : Beta.InvCDF(successes, n - successes + 1, alpha / 2);
        var upper = successes == n ? 1 : Beta.InvCDF(successes + 1, n - successes, 1 - alpha / 2);
        return new ConfidenceInterval(lower, upper, "clopper-pearson");
    }

    /// <summary>Normal-approximation (Wald) interval estimate ± z·se, clipped to [0, 1].</summary>
    public static ConfidenceInterval Normal(double estimate, double standardError, double confidence = 0.95)
    {
        var z = Z(confidence);
        return new ConfidenceInterval(Math.Max(0, estimate - z * standardError), Math.Min(1, estimate + z * standardError), "normal");
    }

    private static void Check(long successes, long n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "must be positive");
        if (successes < 0 || successes > n) throw new ArgumentOutOfRangeException(nameof(successes), "must be in 0..n");
    }
}
