using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Supervision.Core.Draw;

namespace Supervision.Benchmarks;

/// <summary>
/// What a partition worker does with the snapshot chunks it read, on one core: the previous path (parse every line
/// into a member with its id string, then scan the members) against scanning the chunk bytes directly (ids hashed
/// from the bytes). Also the freeze's census both ways. 524,288 members = 8 chunks of 65,536 (one worker call).
/// Run: dotnet run -c Release --project benchmarks/Supervision.Benchmarks -- --filter '*ChunkScanBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ChunkScanBenchmarks
{
    private const int ChunkSize = 65_536;
    private const string Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly string[] Strata = ["A", "B", "C", "D"];
    private static readonly long[] Weights = [1_000_000, 2_000_000, 3_000_000, 4_000_000];

    private List<ReadOnlyMemory<byte>> _chunks = [];
    private EntityDrawPlan _plan = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        const int members = 8 * ChunkSize;
        var codes = new HashSet<UInt128>();
        Span<byte> id = stackalloc byte[18];
        while (codes.Count < members)
        {
            for (var j = 0; j < 18; j++) id[j] = (byte)Chars[rng.Next(Chars.Length)];
            SnapshotChunks.TryEncode(id, out var code);
            codes.Add(code);
        }
        var sorted = codes.Order().ToArray();
        var classOf = sorted.Select(_ => (byte)rng.Next(4)).ToArray();
        for (var c = 0; c * ChunkSize < sorted.Length; c++)
            _chunks.Add(SnapshotChunks.Build(c, sorted.AsSpan(c * ChunkSize, ChunkSize), classOf.AsSpan(c * ChunkSize, ChunkSize), Strata, Weights, []));
        var setup = new EntityDrawSetup(SHA256.HashData("benchmark"u8), "TASK-BENCH", DrawPrimitives.AlgorithmVersion,
            new EntityDrawParameters(DrawModes.Stratified,
                [new StratumRule("A", Count: 5_000), new StratumRule("B", Count: 15_000), new StratumRule("C", Count: 15_000), new StratumRule("D", Count: 15_000)],
                null, []));
        _plan = EntityDraw.Plan(setup, EntityDraw.MergeCensus(setup, _chunks.Select((c, i) => EntityDraw.Census(setup, c.Span, i == 0))));
    }

    [Benchmark(Baseline = true, Description = "Scan: parse chunks into members, then scan (previous)")]
    public int ParseThenScan()
    {
        var members = new PopulationMember[_chunks.Count * ChunkSize];
        for (var c = 0; c < _chunks.Count; c++)
            SnapshotChunks.Parse(_chunks[c].Span, c == 0, _plan.Setup.StrataNames, members.AsSpan(c * ChunkSize, ChunkSize));
        return EntityDraw.PartitionScan(_plan, members).CandidateCount;
    }

    [Benchmark(Description = "Scan: chunk bytes directly")]
    public int ScanBytes() => EntityDraw.PartitionScan(_plan, _chunks, 0).CandidateCount;

    [Benchmark(Description = "Census: parse chunks into members, then census (previous)")]
    public long ParseThenCensus()
    {
        long n = 0;
        var members = new PopulationMember[ChunkSize];
        for (var c = 0; c < _chunks.Count; c++)
        {
            SnapshotChunks.Parse(_chunks[c].Span, c == 0, _plan.Setup.StrataNames, members);
            n += EntityDraw.Census(_plan.Setup, members).Counts[0];
        }
        return n;
    }

    [Benchmark(Description = "Census: chunk bytes directly")]
    public long CensusBytes()
    {
        long n = 0;
        for (var c = 0; c < _chunks.Count; c++) n += EntityDraw.Census(_plan.Setup, _chunks[c].Span, c == 0).Counts[0];
        return n;
    }
}
