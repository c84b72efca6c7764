using System.Runtime.CompilerServices;

namespace Supervision.Core.Credit;

/// <summary>
/// A reusable block of entities for the nightly recomputation. The storage layer owns a few of these, fills
/// <see cref="Count"/> rows of the input arrays from a database cursor and yields the batch; the kernel fills the
/// output arrays; after the sink returns, the storage layer may refill the same batch. All arrays are allocated
/// once per batch, never per entity.
/// </summary>
public sealed class CreditBatch
{
    /// <summary>Marks "no class recorded yet" in <see cref="PreviousClasses"/>.</summary>
    public const CreditClass Unclassified = (CreditClass)255;

    public CreditBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        EntityKeys = new long[capacity];
        Summaries = new CreditSummary[capacity];
        PreviousClasses = new CreditClass[capacity];
        Scores = new float[capacity];
        Classes = new CreditClass[capacity];
        ChangedIndices = new int[capacity];
    }

    public int Capacity => EntityKeys.Length;

    /// <summary>Rows in use (0..Capacity); set by the producer.</summary>
    public int Count { get; set; }

    // Inputs (producer).
    public long[] EntityKeys { get; }
    public CreditSummary[] Summaries { get; }
    public CreditClass[] PreviousClasses { get; }

    // Outputs (kernel).
    public float[] Scores { get; }
    public CreditClass[] Classes { get; }
    public int[] ChangedIndices { get; }
    public int ChangedCount { get; internal set; }

    /// <summary>Row indices whose class differs from <see cref="PreviousClasses"/> (auditable changes), ascending.</summary>
    public ReadOnlySpan<int> Changed => ChangedIndices.AsSpan(0, ChangedCount);
}

/// <summary>Totals of a recomputation run.</summary>
public sealed record CreditRecomputationStats(
    long Entities,
    long Batches,
    long Changed,
    IReadOnlyList<long> CountByClass,
    long SummariesAfterEvaluationInstant)
{
    /// <summary>transitions[from, to] for entities that had a class; from = 4 counts the first classifications.</summary>
    public long[,] Transitions { get; init; } = new long[5, 4];
}

/// <summary>
/// The nightly recomputation kernel: classes for many entities from their <see cref="CreditSummary"/>, in
/// parallel over the cores, streaming batch by batch so memory is bounded by the batch size, not the population.
/// </summary>
public sealed class CreditRecomputation
{
    private readonly CreditDecayLayout _layout;
    private readonly double _baseline;
    private readonly double _tA, _tB, _tC;
    private readonly double[] _halfLives;

    public CreditRecomputation(CreditModelOptions options)
    {
        _layout = new CreditDecayLayout(options);
        _baseline = options.Baseline;
        (_tA, _tB, _tC) = (options.Thresholds.A, options.Thresholds.B, options.Thresholds.C);
        _halfLives = [.. _layout.HalfLives];
    }

    public CreditDecayLayout Layout => _layout;

    /// <summary>Single-threaded core: scores and classes for a span of summaries at <paramref name="atDays"/>.</summary>
    public void Recompute(ReadOnlySpan<CreditSummary> summaries, double atDays, Span<float> scores, Span<CreditClass> classes)
    {
        if (scores.Length < summaries.Length || classes.Length < summaries.Length)
            throw new ArgumentException("output spans are shorter than the input");
        var hl = _halfLives;
        var nb = hl.Length;
        Span<double> invHalf = stackalloc double[CreditSummary.MaxBuckets];
        for (var b = 0; b < nb; b++) invHalf[b] = -1.0 / hl[b];
        for (var i = 0; i < summaries.Length; i++)
        {
            ref readonly var s = ref summaries[i];
            var age = atDays - s.AsOfDays;
            var score = _baseline;
            for (var b = 0; b < nb; b++)
            {
                var v = s.Buckets[b];
                if (v != 0) score += v * double.Exp2(age * invHalf[b]);
            }
            scores[i] = (float)score;
            classes[i] = Classify(score);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CreditClass Classify(double score) =>
        score >= _tA ? CreditClass.A : score >= _tB ? CreditClass.B : score >= _tC ? CreditClass.C : CreditClass.D;

    /// <summary>
    /// Recomputes one batch in place, splitting it over <paramref name="degreeOfParallelism"/> workers, then lists the
    /// changed rows. Adds the batch's totals to <paramref name="accumulator"/>.
    /// </summary>
    public void RecomputeBatch(CreditBatch batch, DateTimeOffset at, int degreeOfParallelism, CreditRecomputationAccumulator accumulator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(accumulator);
        var n = batch.Count;
        if (n < 0 || n > batch.Capacity) throw new ArgumentOutOfRangeException(nameof(batch), "Count outside 0..Capacity");
        var atDays = CreditSummary.ToDays(at);
        var parts = Math.Clamp(degreeOfParallelism, 1, Math.Max(1, n / 4096));
        if (parts == 1)
        {
            Recompute(batch.Summaries.AsSpan(0, n), atDays, batch.Scores.AsSpan(0, n), batch.Classes.AsSpan(0, n));
        }
        else
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
            {
                var lo = (int)((long)n * p / parts);
                var hi = (int)((long)n * (p + 1) / parts);
                Recompute(batch.Summaries.AsSpan(lo, hi - lo), atDays, batch.Scores.AsSpan(lo, hi - lo), batch.Classes.AsSpan(lo, hi - lo));
            });
        }
        // Sequential pass: class changes, counts, transitions (one byte compare per entity).
        var changed = 0;
        var prev = batch.PreviousClasses;
        var cls = batch.Classes;
        var sums = batch.Summaries;
        long future = 0;
        Span<long> counts = stackalloc long[4];
        Span<long> transitions = stackalloc long[20];
        for (var i = 0; i < n; i++)
        {
            var c = (int)cls[i];
            counts[c]++;
            var p = prev[i];
            if (p != cls[i])
            {
                batch.ChangedIndices[changed++] = i;
                transitions[(p == CreditBatch.Unclassified ? 4 : (int)p) * 4 + c]++;
            }
            if (sums[i].AsOfDays > atDays) future++;
        }
        batch.ChangedCount = changed;
        accumulator.Add(n, changed, counts, transitions, future);
    }

    /// <summary>
    /// Streams batches from <paramref name="source"/> (e.g. a database cursor), recomputes each over all cores and hands
    /// it to <paramref name="sink"/> (e.g. write back classes and emit change events for <see cref="CreditBatch.Changed"/>).
    /// One batch is in flight at a time, so the producer may reuse a batch once the sink for it has returned.
    /// </summary>
    public async Task<CreditRecomputationStats> RunAsync(
        IAsyncEnumerable<CreditBatch> source,
        DateTimeOffset at,
        Func<CreditBatch, CancellationToken, ValueTask> sink,
        int degreeOfParallelism = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sink);
        var dop = degreeOfParallelism > 0 ? degreeOfParallelism : Environment.ProcessorCount;
        var acc = new CreditRecomputationAccumulator();
        await foreach (var batch in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            RecomputeBatch(batch, at, dop, acc);
            await sink(batch, cancellationToken).ConfigureAwait(false);
        }
        return acc.ToStats();
    }

    /// <summary>
    /// Full recomputation of an in-memory span (for tests and small populations): same kernel, cut into batches of
    /// <paramref name="batchSize"/> on the fly without copying summaries into batches.
    /// </summary>
    public void RecomputeAll(ReadOnlyMemory<CreditSummary> summaries, DateTimeOffset at, Memory<float> scores, Memory<CreditClass> classes, int degreeOfParallelism = 0)
    {
        var n = summaries.Length;
        if (scores.Length < n || classes.Length < n) throw new ArgumentException("output buffers are shorter than the input");
        var dop = degreeOfParallelism > 0 ? degreeOfParallelism : Environment.ProcessorCount;
        var atDays = CreditSummary.ToDays(at);
        const int Block = 1 << 16;
        var blocks = (n + Block - 1) / Block;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = dop }, b =>
        {
            var lo = b * Block;
            var len = Math.Min(Block, n - lo);
            Recompute(summaries.Span.Slice(lo, len), atDays, scores.Span.Slice(lo, len), classes.Span.Slice(lo, len));
        });
    }
}

/// <summary>Running totals over batches (not thread-safe; one per run).</summary>
public sealed class CreditRecomputationAccumulator
{
    private readonly long[] _counts = new long[4];
    private readonly long[,] _transitions = new long[5, 4];
    private long _entities, _batches, _changed, _future;

    internal void Add(int entities, int changed, ReadOnlySpan<long> counts, ReadOnlySpan<long> transitions, long future)
    {
        _entities += entities;
        _batches++;
        _changed += changed;
        _future += future;
        for (var c = 0; c < 4; c++) _counts[c] += counts[c];
        for (var f = 0; f < 5; f++)
            for (var t = 0; t < 4; t++) _transitions[f, t] += transitions[f * 4 + t];
    }

    public CreditRecomputationStats ToStats() =>
        new(_entities, _batches, _changed, [.. _counts], _future) { Transitions = (long[,])_transitions.Clone() };
}
