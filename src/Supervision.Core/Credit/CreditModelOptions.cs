using System.Collections.Frozen;
using Supervision.Core.Registry;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Core.Credit;

/// <summary>Lower score bounds of the classes: score ≥ A → A, ≥ B → B, ≥ C → C, otherwise D. Must satisfy A &gt; B &gt; C.</summary>
public sealed record ClassThresholds(double A, double B, double C)
{
    public static ClassThresholds Default { get; } = new(85, 65, 45);

    public CreditClass Classify(double score) =>
        score >= A ? CreditClass.A : score >= B ? CreditClass.B : score >= C ? CreditClass.C : CreditClass.D;
}

/// <summary>Relative draw weight per class (Pareto mode weights; stratified mode uses the class ratios directly).</summary>
public sealed record ClassWeights(double A, double B, double C, double D)
{
    /// <summary>A 1, B 2, C 10, D 30: the Henan 2021 ratios 1% / 2% / 10% / 30% relative to class A (domain.md).</summary>
    public static ClassWeights Default { get; } = new(1, 2, 10, 30);

    public double For(CreditClass c) => c switch
    {
        CreditClass.A => A,
        CreditClass.B => B,
        CreditClass.C => C,
        _ => D,
    };

    /// <summary>
    /// Weights proportional to the reference data's default ratios, scaled so the smallest is 1
    /// (the shipped table gives exactly A 1, B 2, C 10, D 30).
    /// </summary>
    public static ClassWeights FromReference(ReferenceData reference)
    {
        double Ratio(string code) => reference.CreditClass(code)?.DefaultRatio
            ?? throw new ArgumentException($"reference data has no credit class '{code}'", nameof(reference));
        var a = Ratio("A");
        var b = Ratio("B");
        var c = Ratio("C");
        var d = Ratio("D");
        var min = Math.Min(Math.Min(a, b), Math.Min(c, d));
        return new ClassWeights(Math.Round(a / min, 6), Math.Round(b / min, 6), Math.Round(c / min, 6), Math.Round(d / min, 6));
    }
}

/// <summary>
/// Parameters of the credit-score model (docs/credit-model.md). Immutable; <see cref="Validate"/> lists
/// every problem as a field error instead of throwing on the first. Time is in days (a day is 86 400 s).
/// </summary>
public sealed record CreditModelOptions
{
    /// <summary>Score of an entity with no events (70: class B, the reference data's default class).</summary>
    public double Baseline { get; init; } = 70;

    public ClassThresholds Thresholds { get; init; } = ClassThresholds.Default;

    public ClassWeights Weights { get; init; } = ClassWeights.Default;

    /// <summary>Half-life used by every event kind without its own entry in <see cref="HalfLifeDaysByKind"/>.</summary>
    public double DefaultHalfLifeDays { get; init; } = 730;

    public IReadOnlyDictionary<CreditEventKind, double> HalfLifeDaysByKind { get; init; } = DefaultHalfLives;

    /// <summary>Base impact per result code of an inspection (domain.md code table). Codes not listed have impact 0.</summary>
    public IReadOnlyDictionary<string, double> ResultCodeImpacts { get; init; } = DefaultResultCodeImpacts;

    /// <summary>Base impact of the kinds that carry no code or severity.</summary>
    public IReadOnlyDictionary<CreditEventKind, double> EventImpacts { get; init; } = DefaultEventImpacts;

    /// <summary>Base impact of an external penalty by severity.</summary>
    public IReadOnlyDictionary<PenaltySeverity, double> PenaltyImpacts { get; init; } = DefaultPenaltyImpacts;

    /// <summary>One inspection never costs more than this, however many problem codes it records.</summary>
    public double InspectionImpactFloor { get; init; } = -40;

    /// <summary>The severity of a penalty concluded by a follow-up case, by its amount (<see cref="CasePenaltyBands"/>).</summary>
    public CasePenaltyBands CasePenalties { get; init; } = CasePenaltyBands.Default;

    /// <summary>Contributions smaller than this in absolute value are left out of explanations (still counted in the score).</summary>
    public double ExplanationCutoff { get; init; } = 0.05;

    public static IReadOnlyDictionary<CreditEventKind, double> DefaultHalfLives { get; } = new Dictionary<CreditEventKind, double>
    {
        [CreditEventKind.InspectionOutcome] = 730,
        [CreditEventKind.CorrectionDone] = 365,
        [CreditEventKind.CorrectionMissed] = 730,
        [CreditEventKind.AbnormalListed] = 1095,
        [CreditEventKind.AbnormalRemoved] = 1095,
        [CreditEventKind.ExternalPenalty] = 1095,
        [CreditEventKind.SeriousViolationListed] = 1095,
    }.ToFrozenDictionary();

    public static IReadOnlyDictionary<string, double> DefaultResultCodeImpacts { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["1"] = 4,    // no problem found
        ["A"] = -8,   // problem found, handling pending (the outcome arrives later as its own events)
        ["B"] = -10,  // required information not published
        ["C"] = -25,  // published information false
        ["D"] = -15,  // other market-regulation violation
        ["E"] = -5,   // problem found, corrected on order
        ["F"] = 0,    // no activity of the inspected kind
        ["G"] = -15,  // violation of public-security rules
        ["3"] = -15,  // food and drug rules
        ["4"] = -15,  // quality and technical supervision rules
        ["5"] = -15,  // another department's rules
        ["6"] = -20,  // unreachable at the registered address
        ["7"] = 0,    // closed or in liquidation: a status, not a credit matter
        ["8"] = -25,  // seriously uncooperative
        ["9"] = 0,    // deregistered / revoked / cancelled / moved out: statuses
        ["10"] = 0,
        ["11"] = 0,
        ["12"] = 0,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyDictionary<CreditEventKind, double> DefaultEventImpacts { get; } = new Dictionary<CreditEventKind, double>
    {
        [CreditEventKind.CorrectionDone] = 6,
        [CreditEventKind.CorrectionMissed] = -15,
        [CreditEventKind.AbnormalListed] = -20,
        [CreditEventKind.AbnormalRemoved] = 12,
        [CreditEventKind.SeriousViolationListed] = -40,
    }.ToFrozenDictionary();

    public static IReadOnlyDictionary<PenaltySeverity, double> DefaultPenaltyImpacts { get; } = new Dictionary<PenaltySeverity, double>
    {
        [PenaltySeverity.Minor] = -8,
        [PenaltySeverity.Serious] = -20,
        [PenaltySeverity.Grave] = -35,
    }.ToFrozenDictionary();

    // Declared after the default tables: static initialisers run in text order.
    public static CreditModelOptions Default { get; } = new();

    /// <summary>The default model with class weights taken from the reference data's default ratios.</summary>
    public static CreditModelOptions FromReference(ReferenceData reference) => new() { Weights = ClassWeights.FromReference(reference) };

    public double HalfLifeDays(CreditEventKind kind) =>
        HalfLifeDaysByKind.TryGetValue(kind, out var h) ? h : DefaultHalfLifeDays;

    /// <summary>The distinct half-lives in use, ascending: the decay buckets of <see cref="CreditSummary"/>.</summary>
    public IReadOnlyList<double> DistinctHalfLives()
    {
        var set = new SortedSet<double> { DefaultHalfLifeDays };
        foreach (var kind in Enum.GetValues<CreditEventKind>()) set.Add(HalfLifeDays(kind));
        return [.. set];
    }

    /// <summary>Every problem with the options, as (field, reason); empty when the options are usable.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        static bool Finite(double v) => double.IsFinite(v);
        if (!Finite(Baseline)) errors.Add(FieldError.Format("baseline", FieldFormats.Number, "must be a finite number"));
        if (Thresholds is null)
        {
            errors.Add(FieldError.Required("thresholds"));
        }
        else
        {
            if (!Finite(Thresholds.A) || !Finite(Thresholds.B) || !Finite(Thresholds.C))
                errors.Add(FieldError.Format("thresholds", FieldFormats.Number, "must be finite numbers"));
            else
            {
                if (!(Thresholds.A > Thresholds.B)) errors.Add(FieldError.OutOfRange("thresholds.a", above: Thresholds.B, actual: Thresholds.A, reason: $"must be greater than thresholds.b ({Thresholds.B}), got {Thresholds.A}"));
                if (!(Thresholds.B > Thresholds.C)) errors.Add(FieldError.OutOfRange("thresholds.b", above: Thresholds.C, actual: Thresholds.B, reason: $"must be greater than thresholds.c ({Thresholds.C}), got {Thresholds.B}"));
            }
        }
        if (Weights is null)
        {
            errors.Add(FieldError.Required("weights"));
        }
        else
        {
            foreach (var c in Enum.GetValues<CreditClass>())
            {
                var w = Weights.For(c);
                // 不免抽: every class keeps a non-zero probability of being drawn.
                if (!Finite(w) || w <= 0) errors.Add(FieldError.OutOfRange($"weights.{c}", above: 0, actual: Finite(w) ? w : null, reason: $"must be a positive finite number (no class is exempt from the draw), got {w}"));
            }
        }
        if (!Finite(DefaultHalfLifeDays) || DefaultHalfLifeDays <= 0)
            errors.Add(FieldError.OutOfRange("defaultHalfLifeDays", above: 0, actual: Finite(DefaultHalfLifeDays) ? DefaultHalfLifeDays : null, reason: $"must be positive, got {DefaultHalfLifeDays}"));
        if (HalfLifeDaysByKind is null) errors.Add(FieldError.Required("halfLifeDaysByKind"));
        else
            foreach (var (kind, h) in HalfLifeDaysByKind)
                if (!Finite(h) || h <= 0) errors.Add(FieldError.OutOfRange($"halfLifeDaysByKind.{kind}", above: 0, actual: Finite(h) ? h : null, reason: $"must be positive, got {h}"));
        if (ResultCodeImpacts is null) errors.Add(FieldError.Required("resultCodeImpacts"));
        else
            foreach (var (code, v) in ResultCodeImpacts)
            {
                if (string.IsNullOrWhiteSpace(code)) errors.Add(FieldError.Required("resultCodeImpacts", "codes must not be empty"));
                if (!Finite(v)) errors.Add(FieldError.Format($"resultCodeImpacts.{code}", FieldFormats.Number, "must be a finite number"));
            }
        if (EventImpacts is null) errors.Add(FieldError.Required("eventImpacts"));
        else
            foreach (var (kind, v) in EventImpacts)
            {
                if (kind is CreditEventKind.InspectionOutcome or CreditEventKind.ExternalPenalty)
                    errors.Add(FieldError.NotAllowed($"eventImpacts.{kind}", "is set by resultCodeImpacts / penaltyImpacts, not here"));
                if (!Finite(v)) errors.Add(FieldError.Format($"eventImpacts.{kind}", FieldFormats.Number, "must be a finite number"));
            }
        if (PenaltyImpacts is null) errors.Add(FieldError.Required("penaltyImpacts"));
        else
            foreach (var (s, v) in PenaltyImpacts)
                if (!Finite(v)) errors.Add(FieldError.Format($"penaltyImpacts.{s}", FieldFormats.Number, "must be a finite number"));
        if (CasePenalties is null) errors.Add(FieldError.Required("casePenalties"));
        else errors.AddRange(CasePenalties.Validate());
        if (!Finite(InspectionImpactFloor) || InspectionImpactFloor > 0)
            errors.Add(FieldError.OutOfRange("inspectionImpactFloor", max: 0, actual: Finite(InspectionImpactFloor) ? InspectionImpactFloor : null, reason: $"must be a finite number ≤ 0, got {InspectionImpactFloor}"));
        if (!Finite(ExplanationCutoff) || ExplanationCutoff < 0)
            errors.Add(FieldError.OutOfRange("explanationCutoff", min: 0, actual: Finite(ExplanationCutoff) ? ExplanationCutoff : null, reason: $"must be a finite number ≥ 0, got {ExplanationCutoff}"));
        if (errors.Count == 0 && DistinctHalfLives().Count > CreditSummary.MaxBuckets)
            errors.Add(FieldError.TooMany("halfLifeDaysByKind", CreditSummary.MaxBuckets, DistinctHalfLives().Count, $"at most {CreditSummary.MaxBuckets} distinct half-lives (including the default) are supported, got {DistinctHalfLives().Count}"));
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every field error.</summary>
    public CreditModelOptions EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid credit model options: " + string.Join("; ", errors.Select(e => $"{e.Field} {e.Reason}")));
        return this;
    }
}
