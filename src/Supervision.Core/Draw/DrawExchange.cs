using System.Globalization;

namespace Supervision.Core.Draw;

/// <summary>A partition's census as plain columns, so it can cross a process boundary (Int128 sums as decimal text).</summary>
public sealed record CensusColumns(long[] Counts, string[] WeightSums, string[] ExcludedReasons, long[] ExcludedCounts, long[] TopWeights);

/// <summary>
/// A partition's best candidates as plain columns: the groups' candidates concatenated (sizes in
/// <see cref="GroupSizes"/>), then <see cref="CertainCount"/> certain members.
/// </summary>
public sealed record CandidateColumns(int[] GroupSizes, int CertainCount, ulong[] M, string[] MemberIds, int[] Strata, long[] Weights, double[] Approx);

/// <summary>
/// Lossless conversion of the two per-partition intermediate results of <see cref="EntityDraw"/> to and from
/// plain columns, for partition workers that run in other processes. Import(Export(x)) behaves exactly as x.
/// </summary>
public static class DrawExchange
{
    public static CensusColumns Export(DrawCensus census) => new(
        census.Counts.ToArray(),
        census.WeightSums.Select(w => w.ToString(CultureInfo.InvariantCulture)).ToArray(),
        census.ExcludedByReason.Keys.ToArray(),
        census.ExcludedByReason.Values.ToArray(),
        census.TopWeights.ToArray());

    public static DrawCensus Import(EntityDrawSetup setup, CensusColumns columns)
    {
        var strata = setup.StrataNames.Length;
        if (columns.Counts.Length != strata || columns.WeightSums.Length != strata || columns.ExcludedReasons.Length != columns.ExcludedCounts.Length)
            throw new ArgumentException("The census does not match the draw's strata.", nameof(columns));
        var census = new DrawCensus(strata);
        for (var i = 0; i < strata; i++)
        {
            census.Counts[i] = columns.Counts[i];
            census.WeightSums[i] = Int128.Parse(columns.WeightSums[i], CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < columns.ExcludedReasons.Length; i++) census.ExcludedByReason[columns.ExcludedReasons[i]] = columns.ExcludedCounts[i];
        census.TopWeights = columns.TopWeights.ToArray();
        return census;
    }

    public static CandidateColumns Export(PartialDrawResult partial)
    {
        var all = partial.Groups.SelectMany(g => g).Concat(partial.Certain).ToArray();
        return new CandidateColumns(
            partial.Groups.Select(g => g.Length).ToArray(), partial.Certain.Length,
            all.Select(c => c.M).ToArray(), all.Select(c => c.MemberId).ToArray(), all.Select(c => c.Stratum).ToArray(),
            all.Select(c => c.W).ToArray(), all.Select(c => c.Approx).ToArray());
    }

    public static PartialDrawResult Import(EntityDrawPlan plan, CandidateColumns columns)
    {
        var n = columns.M.Length;
        if (columns.MemberIds.Length != n || columns.Strata.Length != n || columns.Weights.Length != n || columns.Approx.Length != n
            || columns.GroupSizes.Sum() + columns.CertainCount != n)
            throw new ArgumentException("The candidate columns are inconsistent.", nameof(columns));
        var strata = plan.Setup.StrataNames.Length;
        var candidates = new Candidate[n];
        for (var i = 0; i < n; i++)
        {
            if (columns.Strata[i] < 0 || columns.Strata[i] >= strata) throw new ArgumentException("A candidate's stratum is out of range.", nameof(columns));
            candidates[i] = new Candidate(columns.M[i], columns.MemberIds[i], columns.Strata[i], columns.Weights[i], columns.Approx[i]);
        }
        var groups = new Candidate[columns.GroupSizes.Length][];
        var offset = 0;
        for (var g = 0; g < groups.Length; g++)
        {
            groups[g] = candidates.AsSpan(offset, columns.GroupSizes[g]).ToArray();
            offset += columns.GroupSizes[g];
        }
        return new PartialDrawResult(groups, candidates.AsSpan(offset).ToArray());
    }
}
