using BenchmarkDotNet.Attributes;
using Supervision.Core.Credit;

namespace Supervision.Benchmarks;

/// <summary>
/// Nightly credit recomputation for 5 000 000 entities from their 48-byte <see cref="CreditSummary"/>.
/// <list type="bullet">
/// <item><c>Streaming</c>: <see cref="CreditRecomputation.RunAsync"/> fed by an async source that yields 77 batches of
/// 65 536 rows, cycling over a pool of 8 pre-filled batches (≈ 25 MB) the way a database cursor would refill them;
/// the sink only counts changes. Memory is bounded by the pool, not by the 5 M population.</item>
/// <item><c>InMemory</c>: <see cref="CreditRecomputation.RecomputeAll"/> over one 5 M array (240 MB) for comparison.</item>
/// </list>
/// Synthetic summaries (random reference instants over five years, 0–3 non-zero buckets) are built in [GlobalSetup],
/// outside the measured region.
/// Run: dotnet run -c Release --project benchmarks/Supervision.Benchmarks -- --filter '*CreditBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class CreditBenchmarks
{
    private const int Entities = 5_000_000;
    private const int BatchSize = 65_536;
    private const int PoolSize = 8;
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly CreditRecomputation _kernel = new(CreditModelOptions.Default);
    private CreditBatch[] _pool = [];
    private CreditSummary[] _all = [];
    private float[] _scores = [];
    private CreditClass[] _classes = [];

    [Params(1, 2)]
    public int Cores { get; set; }

    private static void Fill(Random rng, ref CreditSummary s)
    {
        var atDays = CreditSummary.ToDays(At);
        s.AsOfDays = atDays - rng.NextDouble() * 5 * 365;
        var nonZero = rng.Next(4);
        for (var b = 0; b < nonZero; b++) s.Buckets[rng.Next(3)] = (rng.NextDouble() - 0.7) * 60;
        s.EventCount = nonZero;
    }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(5);
        _pool = new CreditBatch[PoolSize];
        for (var p = 0; p < PoolSize; p++)
        {
            var batch = new CreditBatch(BatchSize) { Count = BatchSize };
            for (var i = 0; i < BatchSize; i++)
            {
                Fill(rng, ref batch.Summaries[i]);
                batch.EntityKeys[i] = (long)p * BatchSize + i;
                batch.PreviousClasses[i] = (CreditClass)rng.Next(4);
            }
            _pool[p] = batch;
        }
        _all = new CreditSummary[Entities];
        for (var i = 0; i < Entities; i++) Fill(rng, ref _all[i]);
        _scores = new float[Entities];
        _classes = new CreditClass[Entities];
    }

    private async IAsyncEnumerable<CreditBatch> Source()
    {
        var remaining = Entities;
        var next = 0;
        while (remaining > 0)
        {
            var b = _pool[next++ % PoolSize];
            b.Count = Math.Min(BatchSize, remaining);
            remaining -= b.Count;
            yield return b;
        }
        await Task.CompletedTask;
    }

    [Benchmark(Description = "Streaming 5 M (77 batches × 65 536)")]
    public async Task<long> Streaming()
    {
        long changed = 0;
        var stats = await _kernel.RunAsync(Source(), At, (b, _) =>
        {
            changed += b.ChangedCount;
            return ValueTask.CompletedTask;
        }, Cores);
        return stats.Entities + changed;
    }

    [Benchmark(Description = "In memory 5 M")]
    public CreditClass InMemory()
    {
        _kernel.RecomputeAll(_all, At, _scores, _classes, Cores);
        return _classes[Entities - 1];
    }
}
