using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>Verifiable and confidential at once (draw-spec §11): the public checks, each entity's receipt, the auditor.</summary>
public class ConfidentialDrawTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)(i * 5 + 1)).ToArray();
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)(0x20 + i)).ToArray();

    private sealed record Fixture(DrawPack Full, string FullJson, byte[] Csv, PopulationMember[] Members, byte[] MembersCsv,
        IReadOnlyList<SealOpening> Seals, string PublicJson);

    /// <summary>A full pack, its members file and seals computed the way the platform does: over several partitions.</summary>
    private static Fixture Make(bool pareto, int size = 900, int seed = 31, int partitions = 4, EntityDrawParameters? parameters = null)
    {
        var members = Population(size, seed);
        var csv = PopulationSnapshot.ToCanonicalCsv(members);
        var sorted = PopulationSnapshot.ParseCanonicalCsv(csv);
        var exclusions = sorted.Where((_, i) => i % 97 == 5).Select(m => new MemberExclusion(m.MemberId, "yearly-cap")).ToArray();
        parameters ??= pareto ? Pareto(25, exclusions) : Stratified(exclusions);
        var full = DrawPacks.Create(Secret, "TASK-2026-0077", [new EntropyEntry("Li Wei", "31415")], null, csv, parameters, partitions: partitions);
        var setup = new EntityDrawSetup(Convert.FromHexString(full.Seed), full.TaskId, full.Algorithm, parameters);
        var (result, plan, boundaries) = EntityDraw.RunWithBoundaries(setup, EntityDraw.Split(sorted, partitions));
        Assert.Equal(Json(full.EntityDraw.Result), Json(result));
        var seals = ConfidentialDraw.Seals(plan, result, boundaries, Key);
        var membersCsv = ConfidentialDraw.MembersFile(csv, Key);
        var membersSha = DrawPrimitives.Hex(System.Security.Cryptography.SHA256.HashData(membersCsv));
        var publicJson = JsonSerializer.Serialize(ConfidentialDraw.PublicPack(full, membersSha, seals), DrawPacks.JsonOptions);
        return new Fixture(full, DrawPacks.ToJson(full), csv, sorted, membersCsv, seals, publicJson);
    }

    private static string ReceiptFor(Fixture f, string memberId)
    {
        var member = f.Members.Cast<PopulationMember?>().FirstOrDefault(m => m!.Value.MemberId == memberId);
        var excluded = f.Full.EntityDraw.Parameters.Exclusions.FirstOrDefault(e => e.MemberId == memberId)?.Reason;
        return JsonSerializer.Serialize(ConfidentialDraw.Receipt(f.Full.TaskId, memberId, member, excluded, f.Seals, Key, f.Full.EntityDraw.Parameters),
            DrawPacks.JsonOptions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Anyone_verifies_the_public_pack_and_it_names_no_class(bool pareto)
    {
        var f = Make(pareto);
        var report = PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv);
        Assert.True(report.Passed, report.ToString());
        var node = JsonNode.Parse(f.PublicJson)!;
        foreach (var d in node["entityDraw"]!["drawn"]!.AsArray())
            Assert.Equal(["hash", "memberId", "uniform"], d!.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Null(node["entityDraw"]!["result"]);
        Assert.DoesNotContain("stratum", ExceptRules(f.PublicJson), StringComparison.Ordinal);
        Assert.DoesNotContain("weight", ExceptRules(f.PublicJson), StringComparison.Ordinal);
        Assert.DoesNotContain("populationCount", f.PublicJson, StringComparison.Ordinal);
        Assert.DoesNotContain("inclusionProbability", f.PublicJson, StringComparison.Ordinal);
        Assert.DoesNotContain("certain", f.PublicJson, StringComparison.Ordinal);
        // The members file carries ids and commitments only.
        Assert.StartsWith("member_id,commitment\n", Encoding.UTF8.GetString(f.MembersCsv), StringComparison.Ordinal);
    }

    /// <summary>The pack without its parameters and seal names (the strata rules are the task's published plan, not members' classes).</summary>
    private static string ExceptRules(string publicJson)
    {
        var node = JsonNode.Parse(publicJson)!;
        node["entityDraw"]!.AsObject().Remove("parameters");
        node["entityDraw"]!.AsObject().Remove("seals");
        return node.ToJsonString();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_entity_verifies_its_own_fate_with_its_receipt(bool pareto)
    {
        var f = Make(pareto);
        var drawn = f.Full.EntityDraw.Result.Drawn.Select(d => d.MemberId).ToHashSet(StringComparer.Ordinal);
        var excluded = f.Full.EntityDraw.Parameters.Exclusions.Select(e => e.MemberId).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(excluded);
        foreach (var member in f.Members)
        {
            var report = PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv, ReceiptFor(f, member.MemberId));
            Assert.True(report.Passed, member.MemberId + ": " + report);
            Assert.StartsWith(drawn.Contains(member.MemberId) ? "drawn" : "not drawn", report.Fate, StringComparison.Ordinal);
            if (excluded.Contains(member.MemberId)) Assert.Contains("excluded at freeze", report.Fate, StringComparison.Ordinal);
        }
        var outsider = PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv, ReceiptFor(f, Id(123)));
        Assert.True(outsider.Passed, outsider.ToString());
        Assert.Equal("not drawn (not in the frozen population)", outsider.Fate);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 7)]
    [InlineData(true, 1)]
    [InlineData(true, 7)]
    public void The_seals_do_not_depend_on_the_partitioning(bool pareto, int partitions)
    {
        var one = Make(pareto, partitions: 1);
        var many = Make(pareto, partitions: partitions);
        Assert.Equal(Json(one.Seals), Json(many.Seals));
        Assert.Equal(one.PublicJson, many.PublicJson);
    }

    [Fact]
    public void Edge_strata_seal_none_and_all()
    {
        // B draws everyone (count ≥ N), C has no member at all: thresholds "all" and "none".
        var parameters = new EntityDrawParameters(DrawModes.Stratified,
            [new StratumRule("A", Ratio: "0.05"), new StratumRule("B", Count: 100_000), new StratumRule("Z", Count: 3)], null, []);
        var f = Make(false, size: 300, parameters: parameters);
        Assert.Equal(ConfidentialDraw.All, f.Seals.Single(s => s.Name == "stratum/B").Opening[2]);
        Assert.Equal(["0", "0", ConfidentialDraw.None], f.Seals.Single(s => s.Name == "stratum/Z").Opening);
        foreach (var member in f.Members.Take(60))
        {
            var report = PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv, ReceiptFor(f, member.MemberId));
            Assert.True(report.Passed, report.ToString());
        }
    }

    [Fact]
    public void A_threshold_falls_strictly_between_the_last_drawn_and_the_first_not_drawn()
    {
        Assert.True(ConfidentialDraw.DrawnUnder("11/16", 5, 8, "X"));      // 10/16 < 11/16
        Assert.False(ConfidentialDraw.DrawnUnder("11/16", 3, 4, "X"));     // 12/16
        Assert.True(ConfidentialDraw.DrawnUnder("5/8;M2", 5, 8, "M1"));    // a tie: the ids decide
        Assert.True(ConfidentialDraw.DrawnUnder("5/8;M2", 5, 8, "M2"));
        Assert.False(ConfidentialDraw.DrawnUnder("5/8;M2", 5, 8, "M3"));
        Assert.Null(ConfidentialDraw.DrawnUnder("five", 5, 8, "M3"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_auditor_verifies_everything_with_the_classes(bool pareto)
    {
        var f = Make(pareto);
        var report = PublicPackVerifier.Audit(f.FullJson, f.Csv, Convert.ToHexString(Key), f.PublicJson, f.MembersCsv);
        Assert.True(report.Passed, report.ToString());

        // A public pack that dropped a drawn member (and fixed its count), or a seal opened to other figures, is caught.
        var dropped = PackJson.Tamper(f.PublicJson, n =>
        {
            n["entityDraw"]!["drawn"]!.AsArray().RemoveAt(0);
            n["entityDraw"]!["drawnCount"] = n["entityDraw"]!["drawn"]!.AsArray().Count;
        });
        Assert.True(PublicPackVerifier.Verify(dropped, f.MembersCsv).Passed, "the public checks alone cannot see a dropped member");
        Assert.Contains(PublicPackVerifier.Audit(f.FullJson, f.Csv, Convert.ToHexString(Key), dropped, f.MembersCsv).Differences,
            d => d.StartsWith("public.entityDraw.drawn", StringComparison.Ordinal));
        var wrongKey = PublicPackVerifier.Audit(f.FullJson, f.Csv, new string('0', 64), f.PublicJson, f.MembersCsv);
        Assert.Contains(wrongKey.Differences, d => d.StartsWith("members file:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dropped_member_is_caught_by_its_own_receipt()
    {
        var f = Make(false);
        var victim = f.Full.EntityDraw.Result.Drawn[0].MemberId;
        var dropped = PackJson.Tamper(f.PublicJson, n =>
        {
            var drawn = n["entityDraw"]!["drawn"]!.AsArray();
            drawn.Remove(drawn.First(d => d!["memberId"]!.GetValue<string>() == victim));
            n["entityDraw"]!["drawnCount"] = drawn.Count;
        });
        var report = PublicPackVerifier.Verify(dropped, f.MembersCsv, ReceiptFor(f, victim));
        Assert.False(report.Passed);
        Assert.Contains(report.Differences, d => d.Contains("should be drawn", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tampering_fails_the_public_and_receipt_checks(bool pareto)
    {
        var f = Make(pareto);
        var member = f.Full.EntityDraw.Result.Drawn[^1];
        var receipt = ReceiptFor(f, member.MemberId);

        // A changed commitment line: the members file no longer has the hash published at freeze.
        var lines = Encoding.UTF8.GetString(f.MembersCsv).Split('\n');
        lines[3] = lines[3][..19] + new string('0', 64);
        var changedMembers = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        Assert.Contains(PublicPackVerifier.Verify(f.PublicJson, changedMembers).Differences, d => d.StartsWith("population.membersSha256:", StringComparison.Ordinal));

        // A changed seal.
        var sealName = JsonNode.Parse(receipt)!["seal"]!["name"]!.GetValue<string>();
        var changedSeal = PackJson.Tamper(f.PublicJson, n => n["entityDraw"]!["seals"]!.AsArray().Single(x => x!["name"]!.GetValue<string>() == sealName)!["seal"] = new string('a', 64));
        Assert.Contains(PublicPackVerifier.Verify(changedSeal, f.MembersCsv, receipt).Differences, d => d.StartsWith("receipt.seal:", StringComparison.Ordinal));

        // A receipt claiming another class (the commitment binds the class used at freeze).
        var otherClass = PackJson.Tamper(receipt, n => n["member"]!["stratum"] = n["member"]!["stratum"]!.GetValue<string>() == "A" ? "B" : "A");
        Assert.Contains(PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv, otherClass).Differences, d => d.StartsWith("receipt.member:", StringComparison.Ordinal));

        // A threshold changed in the opening no longer opens the published seal.
        var otherThreshold = PackJson.Tamper(receipt, n =>
        {
            var opening = n["seal"]!["opening"]!.AsArray();
            opening[opening.Count - 1] = ConfidentialDraw.None;
        });
        Assert.Contains(PublicPackVerifier.Verify(f.PublicJson, f.MembersCsv, otherThreshold).Differences, d => d.StartsWith("receipt.seal:", StringComparison.Ordinal));

        // A drawn member that is excluded, or not a member at all.
        var excludedDrawn = PackJson.Tamper(f.PublicJson, n => n["entityDraw"]!["drawn"]![0]!["memberId"] = f.Full.EntityDraw.Parameters.Exclusions[0].MemberId);
        Assert.Contains(PublicPackVerifier.Verify(excludedDrawn, f.MembersCsv).Differences, d => d.Contains("is excluded", StringComparison.Ordinal));
        var stranger = PackJson.Tamper(f.PublicJson, n => n["entityDraw"]!["drawn"]![0]!["memberId"] = Id(5));
        Assert.Contains(PublicPackVerifier.Verify(stranger, f.MembersCsv).Differences, d => d.Contains("is not a member", StringComparison.Ordinal));

        // A seed that does not follow from the entropy.
        var entropy = PackJson.Tamper(f.PublicJson, n => n["entropy"]![0]!["value"] = "31416");
        Assert.Contains(PublicPackVerifier.Verify(entropy, f.MembersCsv).Differences, d => d.StartsWith("seed:", StringComparison.Ordinal));
    }

    [Fact]
    public void Salts_and_commitments_follow_the_spec_bytes()
    {
        // §11.1 by hand: SHA256(LP(domain) || LP(key) || LP(id)), the first 16 bytes; then the commitment.
        var id = "91330100MA0000000X";
        static byte[] Lp(byte[] x) => [.. BitConverter.GetBytes((uint)x.Length).Reverse(), .. x];
        var salt = System.Security.Cryptography.SHA256.HashData([.. Lp("supervision/member-salt/v1"u8.ToArray()), .. Lp(Key), .. Lp(Encoding.ASCII.GetBytes(id))])[..16];
        Assert.Equal(salt, ConfidentialDraw.MemberSalt(Key, Encoding.ASCII.GetBytes(id)));
        var commitment = System.Security.Cryptography.SHA256.HashData([.. Lp("supervision/member/v1"u8.ToArray()), .. Lp(salt), .. Lp(Encoding.ASCII.GetBytes(id)),
            .. Lp("A"u8.ToArray()), .. Lp("1"u8.ToArray())]);
        Assert.Equal(Convert.ToHexStringLower(commitment), ConfidentialDraw.MemberCommitmentHex(salt, id, "A", "1"));
        var csv = Encoding.ASCII.GetBytes("member_id,stratum,weight\n" + id + ",A,1\n");
        Assert.Equal("member_id,commitment\n" + id + "," + Convert.ToHexStringLower(commitment) + "\n", Encoding.ASCII.GetString(ConfidentialDraw.MembersFile(csv, Key)));
    }
}
