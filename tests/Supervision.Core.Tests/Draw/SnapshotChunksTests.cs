using System.Security.Cryptography;
using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

public sealed class SnapshotChunksTests
{
    private static readonly string[] Strata = ["A", "B", "C"];
    private static readonly long[] WeightMicros = [1_000_000, 2_500_000, 40_000_000];

    [Fact]
    public void Base36_codes_sort_like_the_ids_in_byte_order()
    {
        var ids = new[] { "91330100MA0000000X", "000000000000000000", "ZZZZZZZZZZZZZZZZZZ", "9133010AMA0000000X", "91330100MA00000009" };
        var codes = ids.Select(i => Assert.IsType<bool>(SnapshotChunks.TryEncode(i, out var c)) ? c : throw new InvalidOperationException(i)).ToArray();
        Assert.Equal(ids.Order(StringComparer.Ordinal), codes.Order().Select(SnapshotChunks.DecodeToString));
        Assert.False(SnapshotChunks.TryEncode("91330100ma0000000X", out _));
        Assert.False(SnapshotChunks.TryEncode("91330100MA000000X", out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Chunks_concatenate_to_the_canonical_snapshot_and_parse_back(int count)
    {
        var random = new Random(count);
        var members = Enumerable.Range(0, count)
            .Select(_ => new string(Enumerable.Range(0, 18).Select(_ => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[random.Next(36)]).ToArray()))
            .Distinct()
            .Select(id => (Id: id, Class: (byte)random.Next(3)))
            .ToArray();
        var expected = PopulationSnapshot.ToCanonicalCsv(members.Select(m => new PopulationMember(m.Id, Strata[m.Class], WeightMicros[m.Class])));

        var sorted = members.OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
        var codes = sorted.Select(m => SnapshotChunks.TryEncode(m.Id, out var c) ? c : default).ToArray();
        var classes = sorted.Select(m => m.Class).ToArray();
        const int size = 64;
        var chunks = new List<byte[]>();
        var built = new List<PopulationMember>();
        for (var c = 0; c == 0 || c * size < codes.Length; c++)
        {
            var length = Math.Min(size, codes.Length - c * size);
            var part = new PopulationMember[length];
            chunks.Add(SnapshotChunks.Build(c, codes.AsSpan(c * size, length), classes.AsSpan(c * size, length), Strata, WeightMicros, part));
            built.AddRange(part);
        }

        var joined = chunks.SelectMany(c => c).ToArray();
        Assert.Equal(expected, joined);
        Assert.Equal(PopulationSnapshot.ContentHash(expected), Convert.ToHexStringLower(SHA256.HashData(joined)));
        Assert.Equal(PopulationSnapshot.ParseCanonicalCsv(expected), built);

        var parsed = new List<PopulationMember>();
        for (var c = 0; c < chunks.Count; c++)
        {
            var into = new PopulationMember[size];
            var n = SnapshotChunks.Parse(chunks[c], c == 0, Strata, into);
            parsed.AddRange(into.Take(n));
        }
        Assert.Equal(built, parsed);
        Assert.All(parsed, m => Assert.Same(Strata[Array.IndexOf(Strata, m.Stratum)], m.Stratum));
    }

    [Theory]
    [InlineData("member_id,stratum,weight\n91330100MA0000001X,A,1\n91330100MA0000000X,A,1\n", "strictly increasing")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,1.50\n", "not canonical")]
    [InlineData("member_id,stratum,weight\n91330100MA0000000X,A,1", "line feed")]
    [InlineData("member_id,weight\n91330100MA0000000X,A,1\n", "header")]
    [InlineData("member_id,stratum,weight\n91330100mA0000000X,A,1\n", "18-character")]
    public void A_deviating_chunk_is_rejected(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => SnapshotChunks.Parse(System.Text.Encoding.ASCII.GetBytes(text), true, Strata, new PopulationMember[4]));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
