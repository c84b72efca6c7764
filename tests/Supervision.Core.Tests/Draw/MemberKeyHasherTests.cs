using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>The eight-lane SHA-256 of the scan must agree bit for bit with the platform SHA-256 (spec §5).</summary>
public class MemberKeyHasherTests
{
    private static ulong Reference(byte[] key, string id) => DrawPrimitives.Top52(DrawPrimitives.MemberHash(key, id));

    [Fact]
    public void Batched_hashes_equal_the_platform_sha256_on_random_ids_and_keys()
    {
        var rng = new Random(12345);
        for (var round = 0; round < 50; round++)
        {
            var key = Seed(round);
            var hasher = new MemberKeyHasher(key);
            var count = rng.Next(0, 140);
            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                // mostly the fast 18-character shape, some other lengths that must take the fallback
                ids[i] = rng.Next(10) == 0 ? RandomId(rng)[..rng.Next(1, 18)] + (rng.Next(2) == 0 ? "" : "ABCDEFGHIJ") : RandomId(rng);
            }
            var m = new ulong[count];
            hasher.Top52(ids, m);
            for (var i = 0; i < count; i++) Assert.Equal(Reference(key, ids[i]), m[i]);
            var digests = new byte[32 * count];
            hasher.Hash(ids, digests);
            for (var i = 0; i < count; i++) Assert.Equal(DrawPrimitives.MemberHash(key, ids[i]), digests.AsSpan(32 * i, 32).ToArray());
        }
    }

    [Fact]
    public void Batched_hashes_match_the_spec_vectors()
    {
        var hasher = new MemberKeyHasher(Convert.FromHexString("7eb1b6cf632350767cfcaee56d8fbcbc7d56d9f2d58a5136600d6cd82a9b9c20"));
        string[] ids = ["91330100MA0000000X", "91330100MA0000001X", "91330100MA0000002X", "91330100MA0000000X",
            "91330100MA0000001X", "91330100MA0000002X", "91330100MA0000000X", "91330100MA0000001X"];
        var m = new ulong[8];
        hasher.Top52x8(ids, m);
        ulong[] expected = [1469276944045904, 3970463450667334, 827829311035054];
        for (var i = 0; i < 8; i++) Assert.Equal(expected[i % 3], m[i]);
    }

    [Fact]
    public void Non_ascii_ids_are_rejected_as_before()
    {
        var hasher = new MemberKeyHasher(Seed(1));
        var ids = Enumerable.Repeat("91330100MA0000000X", 7).Append("91330100MA0000000É").ToArray();
        Assert.Throws<ArgumentException>(() => hasher.Top52(ids, new ulong[8]));
    }
}
