using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Supervision.Core.Draw;

namespace Supervision.Benchmarks;

/// <summary>
/// Entity draw (both passes, stratified, k = 50,000 in total) over 50k / 500k / 5M members split
/// into 4 partitions scanned on both cores. The floor it is compared with, one SHA-256 call on the
/// 54-byte per-member input, is measured once in <see cref="DrawBenchmarksSha256Baseline"/> (same run,
/// same filter). Report: cost per entity per core = mean × 2 cores / members, divided by the baseline.
/// Run: dotnet run -c Release --project benchmarks/Supervision.Benchmarks -- --filter '*DrawBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class DrawBenchmarks
{
    private const string Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly string[] Strata = ["A", "B", "C", "D"];

    private IReadOnlyList<ReadOnlyMemory<PopulationMember>> _partitions = [];
    private EntityDrawSetup _setup = null!;

    [Params(50_000, 500_000, 5_000_000)]
    public int Members { get; set; }

    /// <summary>The synthetic population is built here, outside the measured region.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var members = new PopulationMember[Members];
        Span<char> id = stackalloc char[18];
        for (var i = 0; i < members.Length; i++)
        {
            for (var j = 0; j < 18; j++) id[j] = Chars[rng.Next(Chars.Length)];
            members[i] = new PopulationMember(new string(id), Strata[rng.Next(4)], rng.Next(1, 10_000_000));
        }
        _partitions = EntityDraw.Split(members, 4);
        _setup = new EntityDrawSetup(SHA256.HashData("benchmark"u8), "TASK-BENCH", DrawPrimitives.AlgorithmVersion,
            new EntityDrawParameters(DrawModes.Stratified,
                [new StratumRule("A", Count: 5_000), new StratumRule("B", Count: 10_000), new StratumRule("C", Count: 15_000), new StratumRule("D", Count: 20_000)],
                null, []));
    }

    [Benchmark(Description = "Entity draw, stratified k=50,000, 2 cores")]
    public int EntityDrawStratified() => EntityDraw.Run(_setup, _partitions, maxDegreeOfParallelism: 2).Drawn.Count;
}

/// <summary>The SHA-256 floor, measured once per run (not per population size), on exactly the per-member input length.</summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class DrawBenchmarksSha256Baseline
{
    private readonly byte[] _input54 = RandomNumberGenerator.GetBytes(54);
    private readonly byte[] _digest = new byte[32];

    [Benchmark(Description = "SHA256.HashData, 54-byte input (1 block, the draw's per-member input)")]
    public byte[] Sha256Of54Bytes()
    {
        SHA256.HashData(_input54, _digest);
        return _digest;
    }
}
