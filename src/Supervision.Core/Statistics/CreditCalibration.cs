using MathNet.Numerics.Distributions;

namespace Supervision.Core.Statistics;

/// <summary>Past random inspections of one class: how many were inspected, in how many a violation was found.</summary>
public sealed record ClassOutcomes(string Class, int Order, long Inspected, long Violations);

/// <summary>Beta-binomial posterior of one class's violation probability.</summary>
public sealed record ClassPosterior(string Class, long Inspected, long Violations, double PosteriorMean, double Lower, double Upper);

/// <summary>
/// How well the classes separate risk. Logistic fit logit P(violation) = β₀ + β₁·order (order 0 = A … 3 = D), by
/// Newton–Raphson on the grouped binomial likelihood; <see cref="OddsRatioPerStep"/> = e^β₁ with its Wald interval;
/// <see cref="LikelihoodRatioPValue"/> tests β₁ = 0 (χ² with 1 df); <see cref="Auc"/> is the probability that a
/// random violator sits in a riskier class than a random compliant entity (ties count ½): 0.5 = no separation.
/// </summary>
public sealed record CalibrationReport(
    IReadOnlyList<ClassPosterior> Classes,
    double Intercept,
    double Slope,
    double SlopeStandardError,
    double OddsRatioPerStep,
    double OddsRatioLower,
    double OddsRatioUpper,
    double LikelihoodRatioPValue,
    double Auc,
    bool Monotone,
    IReadOnlyList<double> FittedProbabilities);

/// <summary>Optional learned calibration of class → violation probability from past random inspections.</summary>
public static class CreditCalibration
{
    /// <summary>
    /// Fits both models. Prior Beta(<paramref name="priorAlpha"/>, <paramref name="priorBeta"/>) (default Jeffreys ½, ½)
    /// gives per-class posteriors Beta(α + y, β + n − y) with equal-tailed credible intervals from MathNet's Beta
    /// quantiles. The rows must be inspections drawn at random within each class (stratified SRS), so each class's
    /// rate is estimated without bias; case-driven inspections belong elsewhere.
    /// </summary>
    public static CalibrationReport Fit(IReadOnlyList<ClassOutcomes> classes, double confidence = 0.95, double priorAlpha = 0.5, double priorBeta = 0.5)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count < 2) throw new ArgumentException("need at least two classes", nameof(classes));
        foreach (var c in classes)
            if (c.Inspected < 0 || c.Violations < 0 || c.Violations > c.Inspected)
                throw new ArgumentException($"class '{c.Class}': need 0 ≤ violations ≤ inspected", nameof(classes));
        var rows = classes.Where(c => c.Inspected > 0).OrderBy(c => c.Order).ToList();
        if (rows.Select(r => r.Order).Distinct().Count() < 2) throw new ArgumentException("need inspections in at least two classes", nameof(classes));
        var alpha = 1 - confidence;

        var posteriors = classes.OrderBy(c => c.Order).Select(c =>
        {
            var a = priorAlpha + c.Violations;
            var b = priorBeta + c.Inspected - c.Violations;
            return new ClassPosterior(c.Class, c.Inspected, c.Violations, a / (a + b), Beta.InvCDF(a, b, alpha / 2), Beta.InvCDF(a, b, 1 - alpha / 2));
        }).ToList();

        // Newton–Raphson for the 2-parameter grouped logistic model, started at the pooled rate.
        double totalN = rows.Sum(r => (double)r.Inspected), totalY = rows.Sum(r => (double)r.Violations);
        var pooled = Math.Clamp(totalY / totalN, 1e-9, 1 - 1e-9);
        double b0 = Math.Log(pooled / (1 - pooled)), b1 = 0;
        double i00 = 0, i01 = 0, i11 = 0;
        for (var iter = 0; iter < 100; iter++)
        {
            double g0 = 0, g1 = 0;
            i00 = i01 = i11 = 0;
            foreach (var r in rows)
            {
                var x = r.Order;
                var p = Logistic(b0 + b1 * x);
                var w = r.Inspected * p * (1 - p);
                var resid = r.Violations - r.Inspected * p;
                g0 += resid;
                g1 += resid * x;
                i00 += w;
                i01 += w * x;
                i11 += w * x * x;
            }
            var det = i00 * i11 - i01 * i01;
            if (!(det > 1e-300)) break; // separation or degenerate data: keep the last estimate
            var d0 = (i11 * g0 - i01 * g1) / det;
            var d1 = (-i01 * g0 + i00 * g1) / det;
            // Step halving keeps the iteration stable when rates are 0 or 1 in some class.
            var step = 1.0;
            while (step > 1e-4 && !double.IsFinite(LogLik(rows, b0 + step * d0, b1 + step * d1))) step /= 2;
            b0 += step * d0;
            b1 += step * d1;
            if (Math.Abs(d0) + Math.Abs(d1) < 1e-10) break;
        }
        var detI = i00 * i11 - i01 * i01;
        var seB1 = detI > 0 ? Math.Sqrt(i00 / detI) : double.PositiveInfinity;
        var z = BinomialIntervals.Z(confidence);
        var llFull = LogLik(rows, b0, b1);
        var llNull = LogLikPooled(rows, totalY / totalN);
        var lr = Math.Max(0, 2 * (llFull - llNull));
        var pValue = 1 - ChiSquared.CDF(1, lr);
        var fitted = classes.OrderBy(c => c.Order).Select(c => Logistic(b0 + b1 * c.Order)).ToList();
        var rates = rows.Select(r => r.Violations / (double)r.Inspected).ToList();
        var monotone = rates.Zip(rates.Skip(1)).All(t => t.Second >= t.First);
        return new CalibrationReport(posteriors, b0, b1, seB1, Math.Exp(b1), Math.Exp(b1 - z * seB1), Math.Exp(b1 + z * seB1),
            pValue, Auc(rows), monotone, fitted);
    }

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    private static double LogLik(List<ClassOutcomes> rows, double b0, double b1)
    {
        double ll = 0;
        foreach (var r in rows)
        {
            var eta = b0 + b1 * r.Order;
            // log p = −log(1+e^{−η}), log(1−p) = −log(1+e^{η}), computed stably.
            ll += -r.Violations * Softplus(-eta) - (r.Inspected - r.Violations) * Softplus(eta);
        }
        return ll;
    }

    private static double Softplus(double x) => x > 30 ? x : Math.Log(1 + Math.Exp(x));

    private static double LogLikPooled(List<ClassOutcomes> rows, double p)
    {
        double ll = 0;
        foreach (var r in rows)
        {
            if (r.Violations > 0) ll += r.Violations * Math.Log(p);
            if (r.Inspected - r.Violations > 0) ll += (r.Inspected - r.Violations) * Math.Log(1 - p);
        }
        return ll;
    }

    /// <summary>Mann–Whitney AUC of the class order as a risk score for "violation found", ties counted ½.</summary>
    private static double Auc(List<ClassOutcomes> rows)
    {
        double pos = rows.Sum(r => (double)r.Violations), neg = rows.Sum(r => (double)(r.Inspected - r.Violations));
        if (pos == 0 || neg == 0) return double.NaN;
        double concordant = 0, negBelow = 0;
        foreach (var g in rows.GroupBy(r => r.Order).OrderBy(g => g.Key))
        {
            double y = g.Sum(r => (double)r.Violations), nn = g.Sum(r => (double)(r.Inspected - r.Violations));
            concordant += y * (negBelow + nn / 2);
            negBelow += nn;
        }
        return concordant / (pos * neg);
    }
}
