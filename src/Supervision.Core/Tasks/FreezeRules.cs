using Supervision.Core.Draw;

namespace Supervision.Core.Tasks;

/// <summary>
/// The freeze's decisions, apart from its reading and writing (docs/draw-service.md, "Freeze"): which members the yearly
/// caps exclude and why, the canonical order of the snapshot, how it is cut into chunks and partitions, and what the
/// census is computed with.
/// </summary>
public static class FreezeRules
{
    /// <summary>The item's yearly cap on inspections per entity is reached.</summary>
    public const string YearlyCapReason = "yearly-cap";

    /// <summary>The department's published yearly cap on inspections per entity (across all its items) is reached.</summary>
    public const string DepartmentCapReason = "department-yearly-cap";

    /// <summary>Members per snapshot chunk (the last chunk of a task may be shorter).</summary>
    public const int ChunkSize = 65_536;

    /// <summary>
    /// The members of the population (<paramref name="sortedIds"/>, in snapshot order) that a yearly cap excludes, in that
    /// order: an item's cap is named before a department's when both are reached. Members over a cap but outside the
    /// population are not listed.
    /// </summary>
    public static List<MemberExclusion> CapExclusions(ReadOnlySpan<UInt128> sortedIds, IReadOnlySet<UInt128> overItemCap, IReadOnlySet<UInt128> overDepartmentCap)
    {
        var exclusions = new List<MemberExclusion>();
        for (var i = 0; i < sortedIds.Length; i++)
        {
            if (overItemCap.Count > 0 && overItemCap.Contains(sortedIds[i])) exclusions.Add(new MemberExclusion(SnapshotChunks.DecodeToString(sortedIds[i]), YearlyCapReason));
            else if (overDepartmentCap.Count > 0 && overDepartmentCap.Contains(sortedIds[i])) exclusions.Add(new MemberExclusion(SnapshotChunks.DecodeToString(sortedIds[i]), DepartmentCapReason));
        }
        return exclusions;
    }

    /// <summary>
    /// The snapshot's order (draw-spec §4): members by id code, which is the ids' byte order, each keeping its class.
    /// Sorts <paramref name="ids"/> and <paramref name="classOf"/> (of equal length; the arrays may be reused) and answers
    /// them sorted; a member listed twice is an error, never a second chance to be drawn.
    /// </summary>
    public static (UInt128[] Ids, byte[] ClassOf) SortMembers(UInt128[] ids, byte[] classOf)
    {
        if (ids.Length != classOf.Length) throw new ArgumentException("one class per member", nameof(classOf));
        var n = ids.Length;
        if (n < 1 << 16 || Environment.ProcessorCount < 2) Array.Sort(ids, classOf);
        else
        {
            // Both halves sorted at once on two cores, then one linear merge.
            var half = n / 2;
            Parallel.Invoke(() => Array.Sort(ids, classOf, 0, half), () => Array.Sort(ids, classOf, half, n - half));
            var mergedIds = new UInt128[n];
            var mergedClass = new byte[n];
            int a = 0, b = half, o = 0;
            while (a < half && b < n)
            {
                if (ids[a] <= ids[b]) { mergedIds[o] = ids[a]; mergedClass[o++] = classOf[a++]; }
                else { mergedIds[o] = ids[b]; mergedClass[o++] = classOf[b++]; }
            }
            for (; a < half; a++, o++) { mergedIds[o] = ids[a]; mergedClass[o] = classOf[a]; }
            for (; b < n; b++, o++) { mergedIds[o] = ids[b]; mergedClass[o] = classOf[b]; }
            ids = mergedIds;
            classOf = mergedClass;
        }
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] == ids[i - 1]) throw new InvalidOperationException($"member {SnapshotChunks.DecodeToString(ids[i])} appears twice in the population");
        }
        return (ids, classOf);
    }

    /// <summary>Chunks of a snapshot of <paramref name="members"/> members: at least one (an empty population has its header).</summary>
    public static int ChunkCount(int members) => Math.Max(1, (members + ChunkSize - 1) / ChunkSize);

    /// <summary>Partition worker calls for <paramref name="chunkCount"/> chunks, each taking <paramref name="partitionSize"/> members rounded down to whole chunks (at least one).</summary>
    public static int PartitionCount(int chunkCount, int partitionSize)
    {
        var chunksPerCall = Math.Max(1, partitionSize / ChunkSize);
        return Math.Max(1, (chunkCount + chunksPerCall - 1) / chunksPerCall);
    }

    /// <summary>
    /// What the census is computed with: the strata, mode and exclusions of the task; the seed, unknown before the
    /// ceremony, plays no part (zeros).
    /// </summary>
    public static EntityDrawSetup CensusSetup(string taskId, TaskDefinition definition, IReadOnlyList<MemberExclusion> exclusions) =>
        new(new byte[32], taskId, DrawPrimitives.AlgorithmVersion, definition.ToDrawParameters(exclusions));

    /// <summary>The census's exclusions by reason (ordinal order), as the freeze summary publishes them.</summary>
    public static IReadOnlyList<ExclusionCount> ExcludedCounts(DrawCensus census) =>
        census.ExcludedByReason.Select(x => new ExclusionCount(x.Key, x.Value)).ToArray();
}
