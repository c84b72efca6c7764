namespace Supervision.Core.Credit;

/// <summary>One event's part in a score at the evaluation instant.</summary>
/// <param name="BaseImpact">Impact on the day of the event (before decay).</param>
/// <param name="AgeDays">Age at the evaluation instant, in days.</param>
/// <param name="HalfLifeDays">Half-life applied to this event.</param>
/// <param name="Contribution">BaseImpact · 2^(−AgeDays / HalfLifeDays): what the event adds to the score now.</param>
/// <param name="Note">Why the base impact is what it is (e.g. which codes counted, unknown codes).</param>
public sealed record CreditContribution(
    CreditEvent Event,
    double BaseImpact,
    double AgeDays,
    double HalfLifeDays,
    double Contribution,
    string Note);

/// <summary>
/// An entity's score, class and draw weight at one instant, with the events that moved it
/// (|contribution| ≥ the explanation cutoff), largest absolute contribution first.
/// </summary>
public sealed record CreditAssessment(
    DateTimeOffset At,
    double Score,
    CreditClass Class,
    double DrawWeight,
    double Baseline,
    IReadOnlyList<CreditContribution> Explanation,
    int EventsConsidered,
    int EventsIgnoredAsFuture);

/// <summary>
/// The credit-score model: score(t) = baseline + Σ impact_e · 2^(−(t − t_e)/h_e) over the events with t_e ≤ t.
/// Pure: the evaluation instant is a parameter (or read from an injected <see cref="TimeProvider"/>).
/// </summary>
public sealed class CreditScorer
{
    public const double SecondsPerDay = 86_400;

    public CreditScorer(CreditModelOptions options)
    {
        Options = (options ?? throw new ArgumentNullException(nameof(options))).EnsureValid();
    }

    public CreditModelOptions Options { get; }

    /// <summary>Base impact of an event (before decay) and a note saying how it was derived.</summary>
    public (double Impact, string Note) BaseImpact(CreditEvent e)
    {
        switch (e.Kind)
        {
            case CreditEventKind.InspectionOutcome:
            {
                var codes = e.ResultCodes ?? [];
                if (codes.Count == 0) return (0, "inspection without result codes");
                double sum = 0;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var unknown = new List<string>();
                foreach (var code in codes)
                {
                    if (!seen.Add(code)) continue;
                    if (Options.ResultCodeImpacts.TryGetValue(code, out var v)) sum += v;
                    else unknown.Add(code);
                }
                var note = "codes " + string.Join("+", seen);
                if (unknown.Count > 0) note += $" (no impact configured for {string.Join(",", unknown)})";
                if (sum < Options.InspectionImpactFloor)
                {
                    note += $", capped at {Options.InspectionImpactFloor}";
                    sum = Options.InspectionImpactFloor;
                }
                return (sum, note);
            }
            case CreditEventKind.ExternalPenalty:
                return Options.PenaltyImpacts.TryGetValue(e.Severity, out var p)
                    ? (p, $"penalty, {e.Severity}")
                    : (0, $"penalty, {e.Severity} (no impact configured)");
            default:
                return Options.EventImpacts.TryGetValue(e.Kind, out var k) ? (k, e.Kind.ToString()) : (0, $"{e.Kind} (no impact configured)");
        }
    }

    /// <summary>2^(−age/halfLife); 1 for age ≤ 0.</summary>
    public static double DecayFactor(double ageDays, double halfLifeDays) => ageDays <= 0 ? 1 : double.Exp2(-ageDays / halfLifeDays);

    public CreditAssessment Evaluate(IEnumerable<CreditEvent> events, TimeProvider clock) =>
        Evaluate(events, (clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow());

    /// <summary>
    /// Score at <paramref name="at"/>. Events dated after <paramref name="at"/> are not yet known at that instant and
    /// are ignored (counted in <see cref="CreditAssessment.EventsIgnoredAsFuture"/>).
    /// </summary>
    public CreditAssessment Evaluate(IEnumerable<CreditEvent> events, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(events);
        var score = Options.Baseline;
        var all = new List<CreditContribution>();
        int considered = 0, future = 0;
        foreach (var e in events)
        {
            if (e.At > at)
            {
                future++;
                continue;
            }
            considered++;
            var (impact, note) = BaseImpact(e);
            var age = (at - e.At).TotalSeconds / SecondsPerDay;
            var h = Options.HalfLifeDays(e.Kind);
            var contribution = impact * DecayFactor(age, h);
            score += contribution;
            all.Add(new CreditContribution(e, impact, age, h, contribution, note));
        }
        var explanation = all
            .Where(c => Math.Abs(c.Contribution) >= Options.ExplanationCutoff && c.Contribution != 0)
            .OrderByDescending(c => Math.Abs(c.Contribution))
            .ThenByDescending(c => c.Event.At)
            .ToList();
        var cls = Options.Thresholds.Classify(score);
        return new CreditAssessment(at, score, cls, Options.Weights.For(cls), Options.Baseline, explanation, considered, future);
    }

    public CreditClass Classify(double score) => Options.Thresholds.Classify(score);
}
