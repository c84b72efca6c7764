using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Supervision.Core.Draw;

/// <summary>
/// Validated inputs of one entity draw plus the precomputed draw key K (docs/draw-spec.md §5).
/// Immutable and shareable between partition workers.
/// </summary>
public sealed class EntityDrawSetup
{
    private readonly Dictionary<string, string> _exclusions;

    public EntityDrawSetup(ReadOnlySpan<byte> seed, string taskId, string algorithm, EntityDrawParameters parameters)
    {
        if (seed.Length != 32) throw new ArgumentException("The seed must be 32 bytes.", nameof(seed));
        if (string.IsNullOrEmpty(taskId)) throw new ArgumentException("A task id is required.", nameof(taskId));
        if (algorithm != DrawPrimitives.AlgorithmVersion) throw new ArgumentException($"Unsupported algorithm '{algorithm}'.", nameof(algorithm));
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Strata.Count == 0) throw new ArgumentException("At least one stratum must be in scope.", nameof(parameters));
        if (parameters.Strata.Select(s => s.Stratum).Distinct(StringComparer.Ordinal).Count() != parameters.Strata.Count)
            throw new ArgumentException("Strata must be listed once each.", nameof(parameters));
        RatioMicros = new long[parameters.Strata.Count];
        for (var i = 0; i < parameters.Strata.Count; i++)
        {
            var rule = parameters.Strata[i];
            if (!DrawPrimitives.IsValidStratum(rule.Stratum)) throw new ArgumentException($"Invalid stratum '{rule.Stratum}'.", nameof(parameters));
            if (parameters.Mode == DrawModes.Stratified)
            {
                if ((rule.Count is null) == (rule.Ratio is null))
                    throw new ArgumentException($"Stratum {rule.Stratum}: give exactly one of count or ratio.", nameof(parameters));
                if (rule.Count is < 1) throw new ArgumentException($"Stratum {rule.Stratum}: count must be at least 1 (no stratum is exempt).", nameof(parameters));
                if (rule.Minimum < 1) throw new ArgumentException($"Stratum {rule.Stratum}: minimum must be at least 1 (no stratum is exempt).", nameof(parameters));
                if (rule.Ratio is not null)
                {
                    if (!TryParseRatio(rule.Ratio, out var micros))
                        throw new ArgumentException($"Stratum {rule.Stratum}: ratio '{rule.Ratio}' must be a decimal in (0, 1] with at most 6 fractional digits.", nameof(parameters));
                    RatioMicros[i] = micros;
                }
            }
            else if (parameters.Mode == DrawModes.Pareto)
            {
                if (rule.Count is not null || rule.Ratio is not null)
                    throw new ArgumentException("Pareto mode takes a total count; per-stratum count/ratio must be empty.", nameof(parameters));
            }
            else
            {
                throw new ArgumentException($"Unknown mode '{parameters.Mode}'.", nameof(parameters));
            }
        }
        if (parameters.Mode == DrawModes.Pareto && parameters.TotalCount is not >= 1)
            throw new ArgumentException("Pareto mode needs a total count of at least 1.", nameof(parameters));
        if (parameters.Mode == DrawModes.Stratified && parameters.TotalCount is not null)
            throw new ArgumentException("Stratified mode takes per-stratum counts or ratios, not a total.", nameof(parameters));

        _exclusions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in parameters.Exclusions)
        {
            if (string.IsNullOrWhiteSpace(e.Reason)) throw new ArgumentException($"Exclusion of {e.MemberId} needs a reason code.", nameof(parameters));
            if (!_exclusions.TryAdd(e.MemberId, e.Reason)) throw new ArgumentException($"Member {e.MemberId} is excluded twice.", nameof(parameters));
        }

        Seed = seed.ToArray();
        TaskId = taskId;
        Algorithm = algorithm;
        Parameters = parameters;
        StrataNames = parameters.Strata.Select(s => s.Stratum).ToArray();
        EntityKey = DrawPrimitives.DrawKey(DrawPrimitives.EntityKeyDomain, seed, taskId, algorithm);
        Hasher = new MemberKeyHasher(EntityKey);
    }

    /// <summary>The per-member hash m = top52(SHA-256(K || LP(memberId))), with K's constant work done once.</summary>
    public MemberKeyHasher Hasher { get; }

    public byte[] Seed { get; }
    public string TaskId { get; }
    public string Algorithm { get; }
    public EntityDrawParameters Parameters { get; }
    public string[] StrataNames { get; }
    internal long[] RatioMicros { get; }

    /// <summary>K = SHA-256(LP("supervision/draw/entity/v1") || LP(seed) || LP(taskId) || LP(algorithm)).</summary>
    public byte[] EntityKey { get; }

    public bool IsPareto => Parameters.Mode == DrawModes.Pareto;
    public bool HasExclusions => _exclusions.Count > 0;

    public int StratumIndex(string stratum)
    {
        var names = StrataNames;
        for (var i = 0; i < names.Length; i++)
        {
            if (ReferenceEquals(names[i], stratum) || string.Equals(names[i], stratum, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    public string? ExclusionReason(string memberId) => _exclusions.GetValueOrDefault(memberId);

    /// <summary>The exclusion reason of an ASCII member id given as bytes (no string is created).</summary>
    public string? ExclusionReason(ReadOnlySpan<byte> memberId)
    {
        if (_exclusions.Count == 0 || memberId.Length > 64) return null;
        Span<char> chars = stackalloc char[memberId.Length];
        for (var i = 0; i < memberId.Length; i++) chars[i] = (char)memberId[i];
        return _exclusions.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var reason) ? reason : null;
    }

    internal static bool TryParseRatio(string text, out long micros)
    {
        micros = 0;
        var dot = text.IndexOf('.');
        var intPart = dot < 0 ? text : text[..dot];
        var frac = dot < 0 ? "" : text[(dot + 1)..];
        if (intPart is not ("0" or "1")) return false;
        if (dot >= 0 && (frac.Length is 0 or > 6 || !frac.All(char.IsAsciiDigit))) return false;
        micros = (intPart == "1" ? Weights.Scale : 0) + (frac.Length == 0 ? 0 : long.Parse(frac.PadRight(6, '0'), CultureInfo.InvariantCulture));
        return micros is > 0 and <= Weights.Scale;
    }
}

/// <summary>Pass 1 of a partition (mergeable): per-stratum counts and weight sums, exclusions per reason, largest weights.</summary>
public sealed class DrawCensus
{
    internal DrawCensus(int strata)
    {
        Counts = new long[strata];
        WeightSums = new Int128[strata];
    }

    public long[] Counts { get; }
    public Int128[] WeightSums { get; }
    public SortedDictionary<string, long> ExcludedByReason { get; } = new(StringComparer.Ordinal);

    /// <summary>Pareto only: the largest min(n+1, N) in-scope weights, descending (enough to decide capping).</summary>
    public long[] TopWeights { get; internal set; } = [];
}

/// <summary>Global parameters for pass 2, computed from the merged census.</summary>
public sealed class EntityDrawPlan
{
    internal EntityDrawPlan(EntityDrawSetup setup, DrawCensus census) { Setup = setup; Census = census; }
    public EntityDrawSetup Setup { get; }
    public DrawCensus Census { get; }

    /// <summary>Stratified: n_h per stratum. Pareto: all zero (the quota is global).</summary>
    public int[] Quota { get; internal set; } = [];
    public int ParetoTotal { get; internal set; }
    public int CertainCount { get; internal set; }
    public int A { get; internal set; }
    public Int128 D { get; internal set; }
    /// <summary>Members with weight ≥ this are capped at λ = 1 (long.MaxValue when none).</summary>
    public long CapThresholdMicros { get; internal set; } = long.MaxValue;

    /// <summary>How many members the draw will take: Σ n_h (stratified), or the certain ones and a of the rest (Pareto).</summary>
    public long SampleSize => Setup.IsPareto
        ? CertainCount + Math.Min(A, Census.Counts.Sum() - CertainCount)
        : Quota.Sum(q => (long)q);
}

/// <summary>A partition's best candidates (pass 2); memory O(quota), independent of the partition size.</summary>
public sealed class PartialDrawResult
{
    internal PartialDrawResult(Candidate[][] groups, Candidate[] certain) { Groups = groups; Certain = certain; }
    internal Candidate[][] Groups { get; }
    internal Candidate[] Certain { get; }
    public int CandidateCount => Groups.Sum(g => g.Length) + Certain.Length;
}

internal readonly record struct Candidate(ulong M, string MemberId, int Stratum, long W, double Approx);

/// <summary>A remaining member just after the drawn ones in the draw's order (draw-spec §11.2): its id, m and weight.</summary>
public sealed record DrawBoundary(string MemberId, ulong M, long WeightMicros);

/// <summary>Ascending order of (u, member id): u is determined by m, so compare m.</summary>
internal readonly struct SrsOrder : IComparer<Candidate>
{
    public int Compare(Candidate x, Candidate y)
    {
        var c = x.M.CompareTo(y.M);
        return c != 0 ? c : string.CompareOrdinal(x.MemberId, y.MemberId);
    }
}

/// <summary>
/// Ascending Pareto key (u/(1-u)) / (λ/(1-λ)), λ = a·w/D, then member id. The double approximation
/// decides when the two keys differ by more than 1e-12 relative (its error is below 1e-15);
/// otherwise the exact cross-multiplied integer comparison decides, so the order is exact.
/// </summary>
internal readonly struct ParetoOrder(int a, Int128 d) : IComparer<Candidate>
{
    private const double Margin = 1e-12;

    public int Compare(Candidate x, Candidate y)
    {
        if (x.Approx < y.Approx * (1 - Margin)) return -1;
        if (x.Approx > y.Approx * (1 + Margin)) return 1;
        var c = ExactCompare(x, y);
        return c != 0 ? c : string.CompareOrdinal(x.MemberId, y.MemberId);
    }

    private int ExactCompare(Candidate x, Candidate y)
    {
        var left = KeyNumerator(x) * KeyDenominatorWithoutA(y);
        var right = KeyNumerator(y) * KeyDenominatorWithoutA(x);
        return left.CompareTo(right);
    }

    internal BigInteger KeyNumerator(Candidate c) => new BigInteger(2 * c.M + 1) * (BigInteger)(d - (Int128)a * c.W);
    internal static BigInteger KeyDenominatorWithoutA(Candidate c) => new BigInteger(DrawPrimitives.TwoPow53Integer - 2 * c.M - 1) * c.W;

    internal double Approx(ulong m, long w) =>
        (2 * m + 1) / (double)(DrawPrimitives.TwoPow53Integer - 2 * m - 1) * ((double)(d - (Int128)a * w) / w);
}

/// <summary>Keeps the k best (smallest) candidates seen; a max-heap on the worst kept.</summary>
internal sealed class BoundedBest<TOrder>(int capacity, TOrder order) where TOrder : struct, IComparer<Candidate>
{
    private readonly Candidate[] _heap = new Candidate[capacity];
    private int _count;

    public bool IsFull => _count == capacity;
    public ulong WorstM => _heap[0].M;

    public void Offer(in Candidate c)
    {
        if (capacity == 0) return;
        if (_count < capacity)
        {
            var i = _count++;
            _heap[i] = c;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (order.Compare(_heap[parent], _heap[i]) >= 0) break;
                (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
                i = parent;
            }
            return;
        }
        if (order.Compare(c, _heap[0]) >= 0) return;
        _heap[0] = c;
        var j = 0;
        while (true)
        {
            var l = 2 * j + 1;
            if (l >= _count) break;
            var r = l + 1;
            var largest = r < _count && order.Compare(_heap[r], _heap[l]) > 0 ? r : l;
            if (order.Compare(_heap[largest], _heap[j]) <= 0) break;
            (_heap[largest], _heap[j]) = (_heap[j], _heap[largest]);
            j = largest;
        }
    }

    public Candidate[] ToSortedArray()
    {
        var result = _heap.AsSpan(0, _count).ToArray();
        Array.Sort(result, order);
        return result;
    }
}

/// <summary>
/// The entity draw (docs/draw-spec.md §5–§7) as a two-pass, partitioned computation:
/// <see cref="Census"/> per partition → <see cref="MergeCensus"/> → <see cref="Plan"/> →
/// <see cref="PartitionScan"/> per partition → <see cref="Merge"/>. The result is a pure function
/// of the set of members, not of row order or of how the members are split into partitions.
/// </summary>
public static class EntityDraw
{
    /// <summary>Pass 1 over one partition. Members whose stratum is not in scope are ignored entirely.</summary>
    public static DrawCensus Census(EntityDrawSetup setup, ReadOnlySpan<PopulationMember> partition)
    {
        var census = new DrawCensus(setup.StrataNames.Length);
        var topCapacity = setup.IsPareto ? setup.Parameters.TotalCount!.Value + 1 : 0;
        var top = setup.IsPareto ? new PriorityQueue<long, long>() : null;
        foreach (ref readonly var m in partition)
        {
            if (!LooksValid(m) && m.Problem() is { } problem) throw new ArgumentException(problem, nameof(partition));
            var s = setup.StratumIndex(m.Stratum);
            if (s < 0) continue;
            if (setup.HasExclusions && setup.ExclusionReason(m.MemberId) is { } reason)
            {
                census.ExcludedByReason[reason] = census.ExcludedByReason.GetValueOrDefault(reason) + 1;
                continue;
            }
            census.Counts[s]++;
            census.WeightSums[s] += m.WeightMicros;
            if (top is not null)
            {
                if (top.Count < topCapacity) top.Enqueue(m.WeightMicros, m.WeightMicros);
                else if (m.WeightMicros > top.Peek()) top.EnqueueDequeue(m.WeightMicros, m.WeightMicros);
            }
        }
        if (top is not null)
        {
            census.TopWeights = top.UnorderedItems.Select(x => x.Element).OrderDescending().ToArray();
        }
        return census;
    }

    /// <summary>
    /// Pass 1 over one snapshot chunk as stored (<see cref="SnapshotChunks"/>), read strictly and without a string per
    /// member; the same census as <see cref="Census(EntityDrawSetup, ReadOnlySpan{PopulationMember})"/> over the parsed chunk.
    /// </summary>
    public static DrawCensus Census(EntityDrawSetup setup, ReadOnlySpan<byte> chunk, bool first)
    {
        var census = new DrawCensus(setup.StrataNames.Length);
        var topCapacity = setup.IsPareto ? setup.Parameters.TotalCount!.Value + 1 : 0;
        var top = setup.IsPareto ? new PriorityQueue<long, long>() : null;
        var reader = new SnapshotChunks.LineReader(chunk, first, SnapshotChunks.LineReader.Strata(setup.StrataNames));
        while (reader.Next())
        {
            var s = reader.Stratum;
            if (s < 0) continue;
            if (setup.HasExclusions && setup.ExclusionReason(reader.Id) is { } reason)
            {
                census.ExcludedByReason[reason] = census.ExcludedByReason.GetValueOrDefault(reason) + 1;
                continue;
            }
            var w = reader.WeightMicros;
            census.Counts[s]++;
            census.WeightSums[s] += w;
            if (top is not null)
            {
                if (top.Count < topCapacity) top.Enqueue(w, w);
                else if (w > top.Peek()) top.EnqueueDequeue(w, w);
            }
        }
        if (top is not null) census.TopWeights = top.UnorderedItems.Select(x => x.Element).OrderDescending().ToArray();
        return census;
    }

    /// <summary>
    /// Pass 2 over snapshot chunks as stored (chunk numbers from <paramref name="firstChunkNo"/>): the same partial result
    /// as <see cref="PartitionScan(EntityDrawPlan, ReadOnlySpan{PopulationMember})"/> over the parsed chunks. In stratified
    /// mode member ids are hashed straight from the chunk bytes and a string is made only for a member that enters a
    /// heap, which after warm-up is almost none; Pareto mode parses the chunks and takes the member path.
    /// </summary>
    public static PartialDrawResult PartitionScan(EntityDrawPlan plan, IReadOnlyList<ReadOnlyMemory<byte>> chunks, int firstChunkNo)
    {
        var setup = plan.Setup;
        if (setup.IsPareto)
        {
            var parsed = new List<PopulationMember>();
            for (var c = 0; c < chunks.Count; c++)
            {
                var members = new PopulationMember[chunks[c].Length / (SnapshotChunks.IdLength + 4) + 1];
                var n = SnapshotChunks.Parse(chunks[c].Span, firstChunkNo + c == 0, setup.StrataNames, members);
                parsed.AddRange(members.AsSpan(0, n));
            }
            return PartitionScan(plan, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(parsed));
        }

        var hasher = setup.Hasher;
        var hasExclusions = setup.HasExclusions;
        var strataBytes = SnapshotChunks.LineReader.Strata(setup.StrataNames);
        var heaps = new BoundedBest<SrsOrder>[plan.Quota.Length];
        for (var i = 0; i < heaps.Length; i++) heaps[i] = new BoundedBest<SrsOrder>(Kept(plan.Quota[i]), default);
        var ids = new byte[ScanBatch * SnapshotChunks.IdLength];
        Span<int> stratum = stackalloc int[ScanBatch];
        Span<long> weight = stackalloc long[ScanBatch];
        Span<ulong> ms = stackalloc ulong[ScanBatch];
        var pending = 0;
        for (var c = 0; c < chunks.Count; c++)
        {
            var reader = new SnapshotChunks.LineReader(chunks[c].Span, firstChunkNo + c == 0, strataBytes);
            while (reader.Next())
            {
                var s = reader.Stratum;
                if (s < 0 || plan.Quota[s] == 0) continue;
                if (hasExclusions && setup.ExclusionReason(reader.Id) is not null) continue;
                reader.Id.CopyTo(ids.AsSpan(pending * SnapshotChunks.IdLength));
                weight[pending] = reader.WeightMicros;
                stratum[pending++] = s;
                if (pending == ScanBatch)
                {
                    OfferSrs(hasher, heaps, ids, stratum, weight, ms, pending);
                    pending = 0;
                }
            }
        }
        OfferSrs(hasher, heaps, ids, stratum, weight, ms, pending);
        return new PartialDrawResult(heaps.Select(h => h.ToSortedArray()).ToArray(), []);
    }

    private static void OfferSrs(MemberKeyHasher hasher, BoundedBest<SrsOrder>[] heaps, byte[] ids, ReadOnlySpan<int> stratum,
        ReadOnlySpan<long> weight, Span<ulong> ms, int count)
    {
        hasher.Top52Ascii18(ids, count, ms);
        for (var j = 0; j < count; j++)
        {
            var heap = heaps[stratum[j]];
            var m = ms[j];
            if (heap.IsFull && m > heap.WorstM) continue;
            var id = System.Text.Encoding.ASCII.GetString(ids, j * SnapshotChunks.IdLength, SnapshotChunks.IdLength);
            heap.Offer(new Candidate(m, id, stratum[j], weight[j], 0));
        }
    }

    private static readonly System.Buffers.SearchValues<char> CodeChars = System.Buffers.SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>
    /// The common case of <see cref="PopulationMember.Problem"/> (valid member) decided with a vectorised character
    /// test; only members that fail it go through <see cref="PopulationMember.Problem"/> for the exact message.
    /// </summary>
    private static bool LooksValid(in PopulationMember m) =>
        m.MemberId is { Length: 18 } id && !id.AsSpan().ContainsAnyExcept(CodeChars)
        && m.WeightMicros is > 0 and <= Weights.MaxMicros
        && DrawPrimitives.IsValidStratum(m.Stratum);

    public static DrawCensus MergeCensus(EntityDrawSetup setup, IEnumerable<DrawCensus> parts)
    {
        var merged = new DrawCensus(setup.StrataNames.Length);
        var weights = new List<long>();
        foreach (var p in parts)
        {
            for (var i = 0; i < merged.Counts.Length; i++)
            {
                merged.Counts[i] += p.Counts[i];
                merged.WeightSums[i] += p.WeightSums[i];
            }
            foreach (var (reason, count) in p.ExcludedByReason)
                merged.ExcludedByReason[reason] = merged.ExcludedByReason.GetValueOrDefault(reason) + count;
            weights.AddRange(p.TopWeights);
        }
        if (setup.IsPareto)
            merged.TopWeights = weights.OrderDescending().Take(setup.Parameters.TotalCount!.Value + 1).ToArray();
        return merged;
    }

    /// <summary>Quotas (stratified) or the capping and the global a, D (Pareto) from the merged census.</summary>
    public static EntityDrawPlan Plan(EntityDrawSetup setup, DrawCensus census)
    {
        var plan = new EntityDrawPlan(setup, census);
        var strata = setup.Parameters.Strata;
        plan.Quota = new int[strata.Count];
        if (!setup.IsPareto)
        {
            for (var i = 0; i < strata.Count; i++)
            {
                var n = census.Counts[i];
                if (n == 0) continue;
                long quota;
                if (strata[i].Count is { } count) quota = count;
                else
                {
                    // ceil(ratio * N) in integers: ceil(ratioMicros * N / 10^6)
                    var product = (Int128)setup.RatioMicros[i] * n;
                    quota = (long)((product + Weights.Scale - 1) / Weights.Scale);
                    quota = Math.Max(quota, strata[i].Minimum);
                }
                plan.Quota[i] = (int)Math.Min(quota, n);
            }
            return plan;
        }

        // Pareto: λ_i = n·w_i/Σw, capped at 1 iteratively. Equivalent sequential rule: walking the
        // weights from the largest, cap while a·w ≥ D, then a -= 1 and D -= w (a starts at n, D at Σw).
        var total = setup.Parameters.TotalCount!.Value;
        Int128 d = 0;
        foreach (var s in census.WeightSums) d += s;
        var a = total;
        var c = 0;
        var top = census.TopWeights;
        while (c < top.Length && a > 0 && (Int128)a * top[c] >= d)
        {
            d -= top[c];
            a--;
            c++;
        }
        plan.ParetoTotal = total;
        plan.CertainCount = c;
        plan.A = a;
        plan.D = d;
        plan.CapThresholdMicros = c > 0 ? top[c - 1] : long.MaxValue;
        return plan;
    }

    /// <summary>Members hashed together by <see cref="PartitionScan"/> (a multiple of <see cref="MemberKeyHasher.Lanes"/>).</summary>
    private const int ScanBatch = 64;

    /// <summary>Pass 2 over one partition: the best candidates per stratum (Pareto: best a, plus the certain members).</summary>
    /// <remarks>
    /// In-scope, non-excluded members are queued in batches of <see cref="ScanBatch"/> and hashed eight at a time
    /// (<see cref="MemberKeyHasher"/>); the order in which members reach the bounded heaps does not matter because
    /// the heaps keep the best k under a total order. After warm-up almost every member fails the O(1) threshold test
    /// against the heap's worst kept m, so the non-hash work per member is constant.
    /// </remarks>
    public static PartialDrawResult PartitionScan(EntityDrawPlan plan, ReadOnlySpan<PopulationMember> partition)
    {
        var setup = plan.Setup;
        var hasher = setup.Hasher;
        var hasExclusions = setup.HasExclusions;
        var ids = new string[ScanBatch];
        Span<int> index = stackalloc int[ScanBatch];
        Span<int> stratum = stackalloc int[ScanBatch];
        Span<ulong> ms = stackalloc ulong[ScanBatch];
        var pending = 0;

        if (!setup.IsPareto)
        {
            var heaps = new BoundedBest<SrsOrder>[plan.Quota.Length];
            for (var i = 0; i < heaps.Length; i++) heaps[i] = new BoundedBest<SrsOrder>(Kept(plan.Quota[i]), default);
            for (var i = 0; i < partition.Length; i++)
            {
                ref readonly var member = ref partition[i];
                var s = setup.StratumIndex(member.Stratum);
                if (s < 0 || plan.Quota[s] == 0) continue;
                if (hasExclusions && setup.ExclusionReason(member.MemberId) is not null) continue;
                ids[pending] = member.MemberId;
                index[pending] = i;
                stratum[pending++] = s;
                if (pending == ScanBatch)
                {
                    OfferSrs(hasher, heaps, partition, ids, index, stratum, ms, pending);
                    pending = 0;
                }
            }
            OfferSrs(hasher, heaps, partition, ids, index, stratum, ms, pending);
            return new PartialDrawResult(heaps.Select(h => h.ToSortedArray()).ToArray(), []);
        }

        var order = new ParetoOrder(plan.A, plan.D);
        var best = new BoundedBest<ParetoOrder>(Kept(plan.A), order);
        var certain = new List<Candidate>();
        for (var i = 0; i < partition.Length; i++)
        {
            ref readonly var member = ref partition[i];
            var s = setup.StratumIndex(member.Stratum);
            if (s < 0) continue;
            if (hasExclusions && setup.ExclusionReason(member.MemberId) is not null) continue;
            if (member.WeightMicros >= plan.CapThresholdMicros)
            {
                certain.Add(new Candidate(0, member.MemberId, s, member.WeightMicros, 0));
                continue;
            }
            if (plan.A == 0) continue;
            ids[pending] = member.MemberId;
            index[pending] = i;
            stratum[pending++] = s;
            if (pending == ScanBatch)
            {
                OfferPareto(hasher, best, order, partition, ids, index, stratum, ms, pending);
                pending = 0;
            }
        }
        OfferPareto(hasher, best, order, partition, ids, index, stratum, ms, pending);
        var certainArray = certain.ToArray();
        Array.Sort(certainArray, static (x, y) => string.CompareOrdinal(x.MemberId, y.MemberId));
        return new PartialDrawResult([best.ToSortedArray()], certainArray);
    }

    private static void OfferSrs(MemberKeyHasher hasher, BoundedBest<SrsOrder>[] heaps, ReadOnlySpan<PopulationMember> partition,
        string[] ids, ReadOnlySpan<int> index, ReadOnlySpan<int> stratum, Span<ulong> ms, int count)
    {
        hasher.Top52(ids.AsSpan(0, count), ms);
        for (var j = 0; j < count; j++)
        {
            var heap = heaps[stratum[j]];
            var m = ms[j];
            if (heap.IsFull && m > heap.WorstM) continue;
            ref readonly var member = ref partition[index[j]];
            heap.Offer(new Candidate(m, member.MemberId, stratum[j], member.WeightMicros, 0));
        }
    }

    private static void OfferPareto(MemberKeyHasher hasher, BoundedBest<ParetoOrder> best, ParetoOrder order, ReadOnlySpan<PopulationMember> partition,
        string[] ids, ReadOnlySpan<int> index, ReadOnlySpan<int> stratum, Span<ulong> ms, int count)
    {
        hasher.Top52(ids.AsSpan(0, count), ms);
        for (var j = 0; j < count; j++)
        {
            ref readonly var member = ref partition[index[j]];
            var m = ms[j];
            best.Offer(new Candidate(m, member.MemberId, stratum[j], member.WeightMicros, order.Approx(m, member.WeightMicros)));
        }
    }

    /// <summary>
    /// The first <paramref name="take"/> candidates of the union of already sorted lists (each partition's heap is
    /// emitted sorted), by a P-way merge: O(take · log P) instead of sorting every partition's candidates again.
    /// </summary>
    private static Candidate[] MergeSorted(Candidate[][] lists, int take)
    {
        var total = 0;
        foreach (var l in lists) total += l.Length;
        var result = new Candidate[Math.Min(take, total)];
        var heads = new PriorityQueue<int, Candidate>(lists.Length, Comparer<Candidate>.Create(static (x, y) => default(SrsOrder).Compare(x, y)));
        var next = new int[lists.Length];
        for (var i = 0; i < lists.Length; i++)
        {
            if (lists[i].Length > 0) heads.Enqueue(i, lists[i][0]);
        }
        for (var r = 0; r < result.Length; r++)
        {
            heads.TryDequeue(out var i, out var c);
            result[r] = c;
            if (++next[i] < lists[i].Length) heads.Enqueue(i, lists[i][next[i]]);
        }
        return result;
    }

    /// <summary>The full member hashes of the drawn members, 32 bytes each, eight per vector call.</summary>
    private static byte[] HashAll(EntityDrawSetup setup, string[] memberIds)
    {
        var digests = new byte[32 * memberIds.Length];
        setup.Hasher.Hash(memberIds, digests);
        return digests;
    }

    /// <summary>
    /// How many candidates a scan keeps for a quota of <paramref name="quota"/>: one more than drawn, so that the merge
    /// also knows the first member after the drawn ones — the boundary the class-free seals need (draw-spec §11.2).
    /// </summary>
    private static int Kept(int quota) => quota == 0 ? 0 : quota + 1;

    /// <summary>
    /// The first remaining member after the drawn ones, per stratum (stratified) or once (Pareto, among the non-certain
    /// members), or null where every remaining member was drawn or none was (draw-spec §11.2). The same partials as
    /// <see cref="Merge"/>: each partition keeps one candidate more than its quota.
    /// </summary>
    public static DrawBoundary?[] Boundaries(EntityDrawPlan plan, IEnumerable<PartialDrawResult> partials)
    {
        var parts = partials.ToArray();
        if (plan.Setup.IsPareto)
        {
            if (plan.A == 0) return [null];
            var rest = parts.SelectMany(p => p.Groups[0]).ToArray();
            Array.Sort(rest, new ParetoOrder(plan.A, plan.D));
            return [rest.Length > plan.A ? Boundary(rest[plan.A]) : null];
        }
        var result = new DrawBoundary?[plan.Quota.Length];
        for (var s = 0; s < result.Length; s++)
        {
            var quota = plan.Quota[s];
            if (quota == 0 || quota >= plan.Census.Counts[s]) continue;
            var best = MergeSorted(parts.Select(p => p.Groups[s]).ToArray(), quota + 1);
            result[s] = best.Length > quota ? Boundary(best[quota]) : null;
        }
        return result;
    }

    private static DrawBoundary Boundary(Candidate c) => new(c.MemberId, c.M, c.W);

    /// <summary>Combines any number of partial results into exactly the single-pass result.</summary>
    public static EntityDrawResult Merge(EntityDrawPlan plan, IEnumerable<PartialDrawResult> partials)
    {
        var setup = plan.Setup;
        var parts = partials.ToArray();
        var strataNames = setup.StrataNames;
        var drawnPerStratum = new int[strataNames.Length];
        var drawn = new List<DrawnEntity>();

        if (!setup.IsPareto)
        {
            var chosen = new List<(Candidate C, int RankInStratum)>();
            for (var s = 0; s < strataNames.Length; s++)
            {
                var all = MergeSorted(parts.Select(p => p.Groups[s]).ToArray(), plan.Quota[s]);
                var take = all.Length;
                for (var i = 0; i < take; i++) chosen.Add((all[i], i + 1));
                drawnPerStratum[s] = take;
            }
            chosen.Sort(static (x, y) => default(SrsOrder).Compare(x.C, y.C));
            var digests = HashAll(setup, chosen.Select(x => x.C.MemberId).ToArray());
            // n_h/N_h is the same text and double for every member of a stratum.
            var probability = new string[strataNames.Length];
            for (var s = 0; s < strataNames.Length; s++) probability[s] = DrawPrimitives.Rational(plan.Quota[s], plan.Census.Counts[s]);
            for (var i = 0; i < chosen.Count; i++)
            {
                var (c, rankInStratum) = chosen[i];
                var quota = plan.Quota[c.Stratum];
                var population = plan.Census.Counts[c.Stratum];
                drawn.Add(new DrawnEntity(i + 1, c.MemberId, strataNames[c.Stratum], Weights.Format(c.W), rankInStratum,
                    DrawPrimitives.Hex(digests.AsSpan(32 * i, 32)),
                    DrawPrimitives.Uniform(c.M), DrawPrimitives.UniformRational(c.M), DrawPrimitives.Uniform(c.M),
                    probability[c.Stratum], (double)quota / population, quota == population));
            }
        }
        else
        {
            var order = new ParetoOrder(plan.A, plan.D);
            var certain = parts.SelectMany(p => p.Certain).ToArray();
            Array.Sort(certain, static (x, y) => string.CompareOrdinal(x.MemberId, y.MemberId));
            var rest = parts.SelectMany(p => p.Groups[0]).ToArray();
            Array.Sort(rest, order);
            var taken = rest.Take(plan.A).ToArray();
            var digests = HashAll(setup, certain.Concat(taken).Select(c => c.MemberId).ToArray());
            var inStratum = new int[strataNames.Length];
            foreach (var c in certain)
            {
                drawnPerStratum[c.Stratum]++;
                var hash = digests.AsSpan(32 * drawn.Count, 32);
                var m = DrawPrimitives.Top52(hash);
                drawn.Add(new DrawnEntity(drawn.Count + 1, c.MemberId, strataNames[c.Stratum], Weights.Format(c.W), ++inStratum[c.Stratum],
                    DrawPrimitives.Hex(hash), DrawPrimitives.Uniform(m), "0/1", 0, "1/1", 1, true));
            }
            var d = (BigInteger)plan.D;
            foreach (var c in taken)
            {
                drawnPerStratum[c.Stratum]++;
                var lambdaNumerator = (Int128)plan.A * c.W;
                drawn.Add(new DrawnEntity(drawn.Count + 1, c.MemberId, strataNames[c.Stratum], Weights.Format(c.W), ++inStratum[c.Stratum],
                    DrawPrimitives.Hex(digests.AsSpan(32 * drawn.Count, 32)),
                    DrawPrimitives.Uniform(c.M),
                    DrawPrimitives.Rational(order.KeyNumerator(c), ParetoOrder.KeyDenominatorWithoutA(c) * plan.A),
                    c.Approx / plan.A,
                    DrawPrimitives.Rational((BigInteger)lambdaNumerator, d),
                    (double)lambdaNumerator / (double)plan.D, false));
            }
        }

        var strata = strataNames.Select((name, i) => new StratumOutcome(name, plan.Census.Counts[i], drawnPerStratum[i])).ToArray();
        var exclusions = plan.Census.ExcludedByReason.Select(kv => new ExclusionCount(kv.Key, kv.Value)).ToArray();
        ParetoSummary? pareto = null;
        if (setup.IsPareto)
        {
            Int128 totalWeight = 0;
            foreach (var w in plan.Census.WeightSums) totalWeight += w;
            pareto = new ParetoSummary(plan.ParetoTotal, plan.CertainCount, plan.A,
                plan.D.ToString(CultureInfo.InvariantCulture), totalWeight.ToString(CultureInfo.InvariantCulture));
        }
        return new EntityDrawResult(setup.Parameters.Mode, strata, exclusions, pareto, drawn);
    }

    /// <summary>Both passes over the given partitions, using up to <paramref name="maxDegreeOfParallelism"/> threads.</summary>
    public static EntityDrawResult Run(EntityDrawSetup setup, IReadOnlyList<ReadOnlyMemory<PopulationMember>> partitions, int maxDegreeOfParallelism = -1) =>
        RunWithBoundaries(setup, partitions, maxDegreeOfParallelism).Result;

    /// <summary><see cref="Run"/>, also giving the plan and the members just after the drawn ones (<see cref="Boundaries"/>).</summary>
    public static (EntityDrawResult Result, EntityDrawPlan Plan, DrawBoundary?[] Boundaries) RunWithBoundaries(EntityDrawSetup setup,
        IReadOnlyList<ReadOnlyMemory<PopulationMember>> partitions, int maxDegreeOfParallelism = -1)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        // At least one work item per core: a caller passing one big partition must still get every core. Splitting
        // further never changes the result (§7: the draw depends only on the set of members).
        var cores = maxDegreeOfParallelism > 0 ? Math.Min(maxDegreeOfParallelism, Environment.ProcessorCount) : Environment.ProcessorCount;
        var work = partitions;
        if (partitions.Count < cores)
        {
            var pieces = (cores + partitions.Count - 1) / Math.Max(1, partitions.Count);
            var split = new List<ReadOnlyMemory<PopulationMember>>(partitions.Count * pieces);
            foreach (var p in partitions)
            {
                for (var i = 0; i < pieces; i++)
                {
                    var start = (int)((long)p.Length * i / pieces);
                    var end = (int)((long)p.Length * (i + 1) / pieces);
                    split.Add(p.Slice(start, end - start));
                }
            }
            work = split;
        }
        var censuses = new DrawCensus[work.Count];
        Parallel.For(0, work.Count, options, i => censuses[i] = Census(setup, work[i].Span));
        var plan = Plan(setup, MergeCensus(setup, censuses));
        var partials = new PartialDrawResult[work.Count];
        Parallel.For(0, work.Count, options, i => partials[i] = PartitionScan(plan, work[i].Span));
        return (Merge(plan, partials), plan, Boundaries(plan, partials));
    }

    /// <summary>Splits a member array into <paramref name="count"/> contiguous partitions.</summary>
    public static IReadOnlyList<ReadOnlyMemory<PopulationMember>> Split(PopulationMember[] members, int count)
    {
        var result = new List<ReadOnlyMemory<PopulationMember>>(count);
        for (var i = 0; i < count; i++)
        {
            var start = (int)((long)members.Length * i / count);
            var end = (int)((long)members.Length * (i + 1) / count);
            result.Add(new ReadOnlyMemory<PopulationMember>(members, start, end - start));
        }
        return result;
    }
}
