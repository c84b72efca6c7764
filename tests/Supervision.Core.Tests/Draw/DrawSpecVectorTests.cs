using System.Text;
using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

/// <summary>The test vectors printed in docs/draw-spec.md §10 (also reproduced by tools/verify_draw.py).</summary>
public class DrawSpecVectorTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private const string Task = "TASK-2026-0001";
    private static readonly EntropyEntry[] Entropy = [new("Li Wei", "31415"), new("王芳", "92653")];
    private static byte[] Seed => SeedCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Entropy, null);

    private static PopulationMember[] Members => Enumerable.Range(0, 10)
        .Select(i => new PopulationMember($"91330100MA{i:D7}X", i < 6 ? "A" : "B", i == 9 ? 40_000_000 : (i + 1) * 1_000_000)).ToArray();

    [Fact]
    public void Commitment_seed_and_draw_keys_match_the_spec_vectors()
    {
        Assert.Equal("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", DrawPrimitives.Hex(SeedCeremony.Commit(Secret)));
        Assert.Equal("af0fc4bf6a9c3620dffbab6f31359d2e5286660515effa3880d9f0990b853e40", DrawPrimitives.Hex(Seed));
        Assert.Equal("bdad9e0fdaac35d8d3810ac30b02dfc3ffd346377487894c4769a986e0a25d2d",
            DrawPrimitives.Hex(SeedCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Entropy, new BeaconValue("example-beacon", "pulse-123"))));
        Assert.Equal("7eb1b6cf632350767cfcaee56d8fbcbc7d56d9f2d58a5136600d6cd82a9b9c20",
            DrawPrimitives.Hex(DrawPrimitives.DrawKey(DrawPrimitives.EntityKeyDomain, Seed, Task, DrawPrimitives.AlgorithmVersion)));
        Assert.Equal("1c1578ca446c08b3286412f8e98702b49b8b20a0f9f8b31c94c6691fa05756e5",
            DrawPrimitives.Hex(DrawPrimitives.DrawKey(DrawPrimitives.InspectorKeyDomain, Seed, Task, DrawPrimitives.AlgorithmVersion)));
    }

    [Theory]
    [InlineData("91330100MA0000000X", "5384cb2539750c0e55681197bccdf68e7fe3e57dda68663a39aa0c26e9a6b5ca", 1469276944045904UL, 0.3262450185661302)]
    [InlineData("91330100MA0000001X", "e1b1d8f9219461bac84952e670126cf995bb15814e7c0d9840ca7f82f9d9e447", 3970463450667334UL, 0.8816199882727048)]
    [InlineData("91330100MA0000002X", "2f0e80804d6aed46f6b247f10485bf0e8bcb97e043068c349603cd8c100bca63", 827829311035054UL, 0.18381503231413954)]
    public void Member_hashes_and_uniforms_match_the_spec_vectors(string memberId, string hash, ulong m, double u)
    {
        var key = DrawPrimitives.DrawKey(DrawPrimitives.EntityKeyDomain, Seed, Task, DrawPrimitives.AlgorithmVersion);
        var h = DrawPrimitives.MemberHash(key, memberId);
        Assert.Equal(hash, DrawPrimitives.Hex(h));
        Assert.Equal(m, DrawPrimitives.Top52(h));
        Assert.Equal(u, DrawPrimitives.Uniform(m));
    }

    [Fact]
    public void The_inspector_hash_and_the_snapshot_hash_match_the_spec_vectors()
    {
        var ki = DrawPrimitives.DrawKey(DrawPrimitives.InspectorKeyDomain, Seed, Task, DrawPrimitives.AlgorithmVersion);
        var h = DrawPrimitives.InspectorHash(ki, "91330100MA0000000X", "CSAMR0001");
        Assert.Equal("a98f152d7bd2a4d3e12daa29e82a8bad0998b0ca5d6103f6ddf769dd5908f4e4", DrawPrimitives.Hex(h));
        Assert.Equal(0.662339519123473, DrawPrimitives.Uniform(DrawPrimitives.Top52(h)));
        var csv = PopulationSnapshot.ToCanonicalCsv(Members.Reverse());
        Assert.StartsWith("member_id,stratum,weight\n91330100MA0000000X,A,1\n", Encoding.UTF8.GetString(csv), StringComparison.Ordinal);
        Assert.Equal("d58b4029a4c5421262d05e91c29febd7b79e218fc7d8304fbd5369506157cf73", PopulationSnapshot.ContentHash(csv));
    }

    [Fact]
    public void The_small_stratified_and_pareto_draws_match_the_spec_vectors()
    {
        var stratified = new EntityDrawParameters(DrawModes.Stratified,
            [new StratumRule("A", Ratio: "0.3"), new StratumRule("B", Count: 2)], null, [new MemberExclusion("91330100MA0000001X", "yearly-cap")]);
        var s = EntityDraw.Run(new EntityDrawSetup(Seed, Task, DrawPrimitives.AlgorithmVersion, stratified), [Members]);
        Assert.Equal(["91330100MA0000004X", "91330100MA0000006X", "91330100MA0000002X", "91330100MA0000009X"], s.Drawn.Select(d => d.MemberId));
        Assert.Equal(["2/5", "2/4", "2/5", "2/4"], s.Drawn.Select(d => d.InclusionProbability));
        Assert.Equal(0.011859373511285631, s.Drawn[0].Uniform);

        var pareto = new EntityDrawParameters(DrawModes.Pareto, [new StratumRule("A"), new StratumRule("B")], 3, []);
        var p = EntityDraw.Run(new EntityDrawSetup(Seed, Task, DrawPrimitives.AlgorithmVersion, pareto), [Members]);
        Assert.Equal(new ParetoSummary(3, 1, 2, "45000000", "85000000"), p.Pareto);
        Assert.Equal(["91330100MA0000009X", "91330100MA0000004X", "91330100MA0000006X"], p.Drawn.Select(d => d.MemberId));
        Assert.Equal("3738690908839145000000/89003795144884450000000", p.Drawn[1].Key);
        Assert.Equal("38634036859110421000000/108653160017098214000000", p.Drawn[2].Key);
        Assert.Equal(["1/1", "10000000/45000000", "14000000/45000000"], p.Drawn.Select(d => d.InclusionProbability));
    }

    /// <summary>§11's vectors: the members key is the bytes 0x20 … 0x3f (also printed by tools/verify_draw.py's functions).</summary>
    [Fact]
    public void The_class_free_commitments_and_seals_match_the_spec_vectors()
    {
        var key = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();
        var salt = ConfidentialDraw.MemberSalt(key, "91330100MA0000000X"u8);
        Assert.Equal("40eb306442c75d350f77b986e1620bc1", DrawPrimitives.Hex(salt));
        Assert.Equal("5bcf179d7ce784ded497b89048d17c946930f408781fdaa96cfa482ef28acfa1", ConfidentialDraw.MemberCommitmentHex(salt, "91330100MA0000000X", "A", "1"));
        var csv = PopulationSnapshot.ToCanonicalCsv(Members);
        Assert.Equal("731f14dc23b87c82138f145e925008128b62b9212028f4d05748a828de58cf61",
            DrawPrimitives.Hex(System.Security.Cryptography.SHA256.HashData(ConfidentialDraw.MembersFile(csv, key))));
        Assert.Equal("bf9d5687df8362b4504104acd55d71ef", DrawPrimitives.Hex(ConfidentialDraw.SealSalt(key, "stratum/A")));
        Assert.Equal("ca5536a1f5fa6b12ee397836e920dd91", DrawPrimitives.Hex(ConfidentialDraw.SealSalt(key, "pareto")));

        var stratified = new EntityDrawParameters(DrawModes.Stratified,
            [new StratumRule("A", Ratio: "0.3"), new StratumRule("B", Count: 2)], null, [new MemberExclusion("91330100MA0000001X", "yearly-cap")]);
        var (s, sPlan, sBoundaries) = EntityDraw.RunWithBoundaries(new EntityDrawSetup(Seed, Task, DrawPrimitives.AlgorithmVersion, stratified), [Members]);
        var seals = ConfidentialDraw.Seals(sPlan, s, sBoundaries, key);
        Assert.Equal(["5", "2", "1671257674219520/9007199254740992"], seals[0].Opening);
        Assert.Equal("dd7728f4d0c75707dd2a7bae6d7f9495f3c1c72a8e7312bbbf5f4ded61c60f55", seals[0].Seal);
        Assert.Equal(["4", "2", "4503599627370496/9007199254740992"], seals[1].Opening);
        Assert.Equal("832b2f1fcf9ed7e3eab2889f3acdf9c6733400c0ca59e601b4244458b36c7db8", seals[1].Seal);

        var pareto = new EntityDrawParameters(DrawModes.Pareto, [new StratumRule("A"), new StratumRule("B")], 3, []);
        var (p, pPlan, pBoundaries) = EntityDraw.RunWithBoundaries(new EntityDrawSetup(Seed, Task, DrawPrimitives.AlgorithmVersion, pareto), [Members]);
        var paretoSeal = ConfidentialDraw.Seals(pPlan, p, pBoundaries, key).Single();
        Assert.Equal(["2", "45000000", "40000000", "1/1"], paretoSeal.Opening);
        Assert.Equal("aacb24e8dba7ab31c486b821561e399baaf18072bcab43c61aaca1eaf7a0cd0a", paretoSeal.Seal);
    }
}
