using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

public static class DrawModes
{
    /// <summary>Stratified simple random sampling: per stratum the n_h members with the smallest u.</summary>
    public const string Stratified = "stratified";

    /// <summary>Risk-proportional: Pareto order sampling (Rosén 1997) of a total n, weights from the snapshot.</summary>
    public const string Pareto = "pareto";
}

/// <summary>
/// A stratum in scope. Stratified mode: exactly one of <see cref="Count"/> or <see cref="Ratio"/>
/// (decimal text in (0, 1] with at most 6 fractional digits); n_h = min(N_h, max(Minimum, ceil(ratio*N_h))),
/// Minimum ≥ 1 so that no stratum (class A included) is ever exempt. Pareto mode: count and ratio are null.
/// </summary>
public sealed record StratumRule(
    [property: JsonPropertyName("stratum")] string Stratum,
    [property: JsonPropertyName("count")] int? Count = null,
    [property: JsonPropertyName("ratio")] string? Ratio = null,
    [property: JsonPropertyName("minimum")] int Minimum = 1);

/// <summary>A member removed before drawing (e.g. reason "yearly-cap"): counted per reason, never drawn.</summary>
public sealed record MemberExclusion(
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record EntityDrawParameters(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("strata")] IReadOnlyList<StratumRule> Strata,
    [property: JsonPropertyName("totalCount")] int? TotalCount,
    [property: JsonPropertyName("exclusions")] IReadOnlyList<MemberExclusion> Exclusions);

public sealed record DrawnEntity(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("stratum")] string Stratum,
    [property: JsonPropertyName("weight")] string Weight,
    [property: JsonPropertyName("rankInStratum")] int RankInStratum,
    [property: JsonPropertyName("hash")] string HashHex,
    [property: JsonPropertyName("uniform")] double Uniform,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("keyApprox")] double KeyApprox,
    [property: JsonPropertyName("inclusionProbability")] string InclusionProbability,
    [property: JsonPropertyName("inclusionProbabilityApprox")] double InclusionProbabilityApprox,
    [property: JsonPropertyName("certain")] bool Certain);

public sealed record StratumOutcome(
    [property: JsonPropertyName("stratum")] string Stratum,
    [property: JsonPropertyName("populationCount")] long PopulationCount,
    [property: JsonPropertyName("drawnCount")] int DrawnCount);

public sealed record ExclusionCount(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("count")] long Count);

/// <summary>The global Pareto parameters: n, c members capped at probability 1, a = n - c, D = Σ uncapped weights (micro-units).</summary>
public sealed record ParetoSummary(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("certainCount")] int CertainCount,
    [property: JsonPropertyName("a")] int A,
    [property: JsonPropertyName("uncappedWeightSumMicros")] string UncappedWeightSumMicros,
    [property: JsonPropertyName("totalWeightSumMicros")] string TotalWeightSumMicros);

public sealed record EntityDrawResult(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("strata")] IReadOnlyList<StratumOutcome> Strata,
    [property: JsonPropertyName("exclusions")] IReadOnlyList<ExclusionCount> Exclusions,
    [property: JsonPropertyName("pareto")] ParetoSummary? Pareto,
    [property: JsonPropertyName("drawn")] IReadOnlyList<DrawnEntity> Drawn);
