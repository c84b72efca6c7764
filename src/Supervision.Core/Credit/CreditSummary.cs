using System.Runtime.CompilerServices;

namespace Supervision.Core.Credit;

/// <summary>Fixed-size storage for the per-half-life decayed sums of a <see cref="CreditSummary"/>.</summary>
[InlineArray(CreditSummary.MaxBuckets)]
public struct CreditDecayBuckets
{
    private double _element0;
}

/// <summary>
/// A compact, exact summary of all of an entity's events for the nightly recomputation (48 bytes with padding, no references).
/// Because every event decays as 2^(−age/h), the events sharing a half-life h can be folded into one number:
/// their summed contribution at a reference instant <see cref="AsOfDays"/>; at any later instant t that sum is
/// simply multiplied by 2^(−(t − AsOf)/h). One bucket per distinct half-life of the options
/// (<see cref="CreditDecayLayout"/>), so score(t) = baseline + Σ_b bucket_b · 2^(−(t − AsOf)/h_b) equals the
/// event-by-event formula of <see cref="CreditScorer"/> for every t ≥ AsOf (up to rounding).
/// The storage layer keeps one per entity and folds new events in as they arrive.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1051", Justification = "A mutable value folded in place on the scoring hot path (4.6 M entities a night); fields, not properties, by design.")]
public struct CreditSummary
{
    /// <summary>Distinct half-lives supported (default model uses 3: 365, 730 and 1 095 days).</summary>
    public const int MaxBuckets = 4;

    /// <summary>Reference instant of the buckets, in days since 1970-01-01T00:00Z (the latest folded event).</summary>
    public double AsOfDays;

    public CreditDecayBuckets Buckets;

    /// <summary>Number of events folded in (for diagnostics; the score does not use it).</summary>
    public int EventCount;

    public static double ToDays(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerDay;
}

/// <summary>
/// Which bucket of a <see cref="CreditSummary"/> holds which half-life, for one set of options; folds events into
/// summaries and evaluates them. Summaries built under one layout must be rebuilt if the half-lives change
/// (impacts and thresholds may change freely only if summaries are rebuilt too, since impacts are folded in).
/// </summary>
public sealed class CreditDecayLayout
{
    private readonly double[] _halfLives;
    private readonly int[] _bucketByKind;

    public CreditDecayLayout(CreditModelOptions options)
    {
        Scorer = new CreditScorer(options);
        _halfLives = [.. options.DistinctHalfLives()];
        var kinds = Enum.GetValues<CreditEventKind>();
        _bucketByKind = new int[kinds.Max(k => (int)k) + 1];
        foreach (var k in kinds) _bucketByKind[(int)k] = Array.IndexOf(_halfLives, options.HalfLifeDays(k));
    }

    public CreditScorer Scorer { get; }

    public IReadOnlyList<double> HalfLives => _halfLives;

    public int BucketOf(CreditEventKind kind) => _bucketByKind[(int)kind];

    /// <summary>Adds one event to a summary (any order of events gives the same result up to rounding).</summary>
    public void Fold(ref CreditSummary summary, CreditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var t = CreditSummary.ToDays(e.At);
        if (summary.EventCount == 0)
        {
            summary.AsOfDays = t;
        }
        else if (t > summary.AsOfDays)
        {
            // Move the reference instant forward: decay every bucket to the new event's date.
            for (var b = 0; b < _halfLives.Length; b++)
                summary.Buckets[b] *= double.Exp2(-(t - summary.AsOfDays) / _halfLives[b]);
            summary.AsOfDays = t;
        }
        var bucket = _bucketByKind[(int)e.Kind];
        var (impact, _) = Scorer.BaseImpact(e);
        summary.Buckets[bucket] += impact * double.Exp2(-(summary.AsOfDays - t) / _halfLives[bucket]);
        summary.EventCount++;
    }

    public CreditSummary Summarise(IEnumerable<CreditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var s = default(CreditSummary);
        foreach (var e in events) Fold(ref s, e);
        return s;
    }

    /// <summary>Score of a summary at <paramref name="atDays"/> (days since the Unix epoch); meaningful for atDays ≥ AsOfDays.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Score(in CreditSummary s, double atDays)
    {
        var score = Scorer.Options.Baseline;
        var age = atDays - s.AsOfDays;
        for (var b = 0; b < _halfLives.Length; b++)
        {
            var v = s.Buckets[b];
            if (v != 0) score += v * double.Exp2(-age / _halfLives[b]);
        }
        return score;
    }

    public double Score(in CreditSummary s, DateTimeOffset at) => Score(s, CreditSummary.ToDays(at));
}
