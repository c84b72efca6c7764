using System.Text;
using BenchmarkDotNet.Attributes;
using Supervision.Core.Draw;

namespace Supervision.Benchmarks;

/// <summary>
/// What the class-free side of the draw (docs/draw-spec.md §11) adds: turning one 65,536-member snapshot chunk into its
/// lines of the members file (a salt and a commitment, two SHA-256 calls per member) — the freeze does this for every
/// chunk on both cores, and the public members download again. Cost per member = mean / 65,536.
/// Run: dotnet run -c Release --project benchmarks/Supervision.Benchmarks -- --filter '*ConfidentialDrawBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ConfidentialDrawBenchmarks
{
    private const string Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly string[] Strata = ["A", "B", "C", "D"];
    private static readonly string[] Weights = ["1", "2", "4", "8"];
    private byte[] _chunk = [];
    private readonly byte[] _key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        Span<char> id = stackalloc char[18];
        while (ids.Count < 65_536)
        {
            for (var j = 0; j < 18; j++) id[j] = Chars[rng.Next(Chars.Length)];
            ids.Add(new string(id));
        }
        var text = new StringBuilder(PopulationSnapshot.Header + "\n");
        foreach (var member in ids)
        {
            var c = rng.Next(4);
            text.Append(member).Append(',').Append(Strata[c]).Append(',').Append(Weights[c]).Append('\n');
        }
        _chunk = Encoding.ASCII.GetBytes(text.ToString());
    }

    [Benchmark(Description = "Members-file lines of one 65,536-member chunk (salt + commitment per member)")]
    public int MembersLines() => ConfidentialDraw.MembersLines(_chunk, true, _key).Length;
}
