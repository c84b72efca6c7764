using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>
/// The census and the scan over snapshot chunks as stored (ids hashed from the chunk bytes) give exactly what the
/// member path gives over the same population, whatever the chunking, with exclusions, in both modes.
/// </summary>
public sealed class ChunkScanTests
{
    private static readonly string[] Classes = ["A", "B", "C", "D", "X"];

    /// <summary>The canonical snapshot of <paramref name="members"/> cut into chunks of <paramref name="size"/> members.</summary>
    private static List<byte[]> Chunks(PopulationMember[] members, int size)
    {
        var sorted = members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToArray();
        var weightOf = sorted.GroupBy(m => m.Stratum).ToDictionary(g => g.Key, g => g.First().WeightMicros);
        var strata = weightOf.Keys.Order(StringComparer.Ordinal).ToArray();
        var weights = strata.Select(s => weightOf[s]).ToArray();
        var codes = sorted.Select(m => SnapshotChunks.TryEncode(m.MemberId, out var c) ? c : throw new InvalidOperationException(m.MemberId)).ToArray();
        var classOf = sorted.Select(m => (byte)Array.IndexOf(strata, m.Stratum)).ToArray();
        var chunks = new List<byte[]>();
        for (var c = 0; c == 0 || c * size < codes.Length; c++)
        {
            var length = Math.Min(size, codes.Length - c * size);
            chunks.Add(SnapshotChunks.Build(c, codes.AsSpan(c * size, length), classOf.AsSpan(c * size, length), strata, weights, []));
        }
        return chunks;
    }

    /// <summary>One weight per class (the snapshot's rule), so the population can be written as chunks.</summary>
    private static PopulationMember[] ClassWeighted(int size, int seed) =>
        Population(size, seed, Classes).Select(m => m with { WeightMicros = 1_000_000L * (1 + Array.IndexOf(Classes, m.Stratum)) }).ToArray();

    [Theory]
    [InlineData(0, 1, 7)]
    [InlineData(1, 5, 64)]
    [InlineData(2, 3_000, 1_000)]
    [InlineData(3, 20_000, 4_096)]
    public void Census_and_scan_over_chunk_bytes_equal_the_member_path(int seed, int size, int chunkSize)
    {
        var members = ClassWeighted(size, seed);
        var rng = new Random(seed);
        var excluded = members.Where(_ => rng.Next(50) == 0).Where(m => m.Stratum != "X")
            .Select(m => new MemberExclusion(m.MemberId, rng.Next(2) == 0 ? "yearly-cap" : "department-yearly-cap"))
            .OrderBy(e => e.MemberId, StringComparer.Ordinal).ToArray();
        var chunks = Chunks(members, chunkSize);
        var bytes = chunks.Select(c => (ReadOnlyMemory<byte>)c).ToList();
        var parsed = PopulationSnapshot.ParseCanonicalCsv(chunks.SelectMany(c => c).ToArray());

        foreach (var parameters in new[] { Stratified(excluded), Pareto(Math.Max(1, size / 20), excluded) })
        {
            var setup = new EntityDrawSetup(Seed(seed), "TASK-1", Alg, parameters);
            var byMembers = EntityDraw.MergeCensus(setup, [EntityDraw.Census(setup, parsed)]);
            var byBytes = EntityDraw.MergeCensus(setup, chunks.Select((c, i) => EntityDraw.Census(setup, c, i == 0)));
            Assert.Equal(Json(DrawExchange.Export(byMembers)), Json(DrawExchange.Export(byBytes)));

            var plan = EntityDraw.Plan(setup, byBytes);
            var expected = EntityDraw.Merge(plan, [EntityDraw.PartitionScan(plan, parsed)]);
            // Chunks split over three "workers" as the task grain splits them.
            var runs = Enumerable.Range(0, 3).Select(p => (From: bytes.Count * p / 3, To: bytes.Count * (p + 1) / 3)).ToArray();
            var partials = runs.Select(r => EntityDraw.PartitionScan(plan, bytes.GetRange(r.From, r.To - r.From), r.From)).ToList();
            var actual = EntityDraw.Merge(plan, partials);
            Assert.Equal(Json(expected), Json(actual));
            Assert.Equal(Json(RunDraw(Seed(seed), parameters, parsed)), Json(actual));
        }
    }

    [Fact]
    public void Ids_hashed_from_bytes_give_the_member_hash()
    {
        var rng = new Random(5);
        var ids = Enumerable.Range(0, 77).Select(_ => RandomId(rng)).ToArray();
        var hasher = new MemberKeyHasher(DrawPrimitives.DrawKey(DrawPrimitives.EntityKeyDomain, Seed(1), "TASK-1", Alg));
        var bytes = System.Text.Encoding.ASCII.GetBytes(string.Concat(ids));
        foreach (var count in new[] { 0, 1, 8, 13, 77 })
        {
            var m = new ulong[count];
            hasher.Top52Ascii18(bytes, count, m);
            Assert.Equal(ids.Take(count).Select(hasher.Top52), m);
        }
    }

    [Theory]
    [InlineData("member_id,stratum,weight\n91330100MA0000001X,A,1\n91330100MA0000000X,A,1\n", "strictly increasing")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,1\n91330100MA0000000X,A,1\n", "strictly increasing")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,1.50\n", "not canonical")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,0\n", "not canonical")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,1", "line feed")]
    [InlineData("member_id,weight\n91330100MA0000000X,A,1\n", "header")]
    [InlineData("member_id,stratum,weight\n91330100mA0000000X,A,1\n", "18-character")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A\n", "18-character")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A;B,1\n", "stratum")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,AB1\n", "3 fields")]
    public void The_byte_reader_rejects_what_the_parser_rejects(string text, string message)
    {
        var data = System.Text.Encoding.ASCII.GetBytes(text);
        var parsed = Assert.Throws<FormatException>(() => SnapshotChunks.Parse(data, true, ["A"], new PopulationMember[4]));
        var setup = new EntityDrawSetup(Seed(1), "TASK-1", Alg, new EntityDrawParameters(DrawModes.Stratified, [new StratumRule("A", Count: 1)], null, []));
        var census = Assert.Throws<FormatException>(() => EntityDraw.Census(setup, data, true));
        var plan = EntityDraw.Plan(setup, EntityDraw.MergeCensus(setup, []));
        var scan = Assert.Throws<FormatException>(() => EntityDraw.PartitionScan(plan, [data], 0));
        Assert.Equal(parsed.Message, census.Message);
        Assert.Equal(parsed.Message, scan.Message);
        Assert.Contains(message, parsed.Message, StringComparison.Ordinal);
    }
}
