using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>
/// Packs whose seed comes from the witnessed ceremony (draw-spec §3.3, seed v2): the full pack (§9) and the public pack
/// (§11.3) pass the C# and the Python verifiers, and each tampered ceremony fails both, naming the check.
/// </summary>
public sealed class WitnessCeremonyPackTests
{
    private const string Task = "TASK-2027-0003";
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)(i * 3 + 11)).ToArray();
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i)).ToArray();
    private static readonly DateTimeOffset Due = new(2027, 1, 4, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Before = Due.AddHours(-20);

    private static readonly (string Witness, string? Department, string Value, string Nonce)[] Witnesses =
    [
        ("Li Wei (liwei)", null, "31415", string.Concat(Enumerable.Repeat("01", 32))),
        ("王芳 (wangfang)", "D2", "92653", string.Concat(Enumerable.Repeat("02", 32))),
        ("Zhao Min (zhaomin)", "D1", "27182", string.Concat(Enumerable.Repeat("03", 32))),
    ];

    private sealed record Packs(string Full, byte[] Csv, string Public, byte[] Members, string Receipt, string DrawnId);

    private static Ceremony Ok((Ceremony Ceremony, CeremonyRefusal? Refusal) step)
    {
        Assert.Null(step.Refusal);
        return step.Ceremony;
    }

    /// <summary>
    /// A ceremony run through the platform's own steps: three witnesses commit, the lead department (D1) closes, two of
    /// them reveal (the third stays away and its commitment enters the seed unopened), the beacon value is recorded when due.
    /// </summary>
    private static Ceremony Ceremony()
    {
        var c = WitnessCeremony.Start(new NamedBeacon("drand quicknet", "12345678", Due), 2);
        foreach (var (w, d, v, n) in Witnesses) c = Ok(WitnessCeremony.Commit(c, w, d, WitnessCeremony.Commitment(Task, v, n), Before));
        c = Ok(WitnessCeremony.Close(c, "D1", Before.AddMinutes(30)));
        foreach (var (w, _, v, n) in Witnesses.Take(2)) c = Ok(WitnessCeremony.Reveal(c, Task, w, v, n, Before.AddHours(1)));
        return Ok(WitnessCeremony.RecordBeacon(c, "a1b2c3d4", Due.AddMinutes(5)));
    }

    private static Packs Make()
    {
        var members = Population(400, 77);
        var csv = PopulationSnapshot.ToCanonicalCsv(members);
        var sorted = PopulationSnapshot.ParseCanonicalCsv(csv);
        var exclusions = sorted.Where((_, i) => i % 61 == 7).Select(m => new MemberExclusion(m.MemberId, "yearly-cap")).ToArray();
        var parameters = Stratified(exclusions);
        var full = DrawPacks.Create(Secret, Task, [], null, csv, parameters, partitions: 3, ceremony: Ceremony());
        var setup = new EntityDrawSetup(Convert.FromHexString(full.Seed), Task, full.Algorithm, parameters);
        var (result, plan, boundaries) = EntityDraw.RunWithBoundaries(setup, EntityDraw.Split(sorted, 3));
        var seals = ConfidentialDraw.Seals(plan, result, boundaries, Key);
        var membersFile = ConfidentialDraw.MembersFile(csv, Key);
        var publicPack = ConfidentialDraw.PublicPack(full, DrawPrimitives.Hex(System.Security.Cryptography.SHA256.HashData(membersFile)), seals);
        var drawn = result.Drawn[0].MemberId;
        var receipt = ConfidentialDraw.Receipt(Task, drawn, sorted.Single(m => m.MemberId == drawn), null, seals, Key, parameters);
        return new Packs(DrawPacks.ToJson(full), csv, JsonSerializer.Serialize(publicPack, DrawPacks.JsonOptions), membersFile,
            JsonSerializer.Serialize(receipt, DrawPacks.JsonOptions), drawn);
    }

    private static JsonObject Entry(params (string Name, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (name, value) in fields) o[name] = value;
        return o;
    }

    /// <summary>
    /// Each tampering of the ceremony with what the C# verifier and the Python verifier must say about it.
    /// </summary>
    private static readonly (string Name, Action<JsonNode> Change, string CSharp, string Python)[] Tamperings =
    [
        ("a changed reveal value", n => n["ceremony"]!["reveals"]![0]!["value"] = "31416",
            "ceremony: the reveal of 'Li Wei (liwei)' does not open the commitment", "ceremony.reveals[0]: the value and nonce of \"Li Wei (liwei)\" do not open"),
        ("a reveal without a commitment", n => n["ceremony"]!["reveals"]!.AsArray().Add(Entry(("witness", "Nobody (nobody)"), ("value", "1"),
                ("nonce", new string('4', 64)), ("at", "2027-01-03T07:00:00+00:00"))),
            "ceremony: 'Nobody (nobody)' revealed without a commitment", "ceremony.reveals[2]: \"Nobody (nobody)\" revealed without a commitment"),
        ("a commitment added after the close", n => n["ceremony"]!["commitments"]!.AsArray().Add(Entry(("witness", "Late (late)"), ("department", "D3"),
                ("commitment", new string('5', 64)), ("at", "2027-01-03T07:00:00+00:00"))),
            "ceremony: a commitment was made after the close", "ceremony.commitments[3].at: 2027-01-03T07:00:00+00:00 is after closedAt"),
        ("the beacon value recorded before its round was due", n => n["ceremony"]!["beaconValue"]!["at"] = "2027-01-04T01:59:59+00:00",
            "ceremony: the beacon value was recorded before its round was due", "ceremony.beaconValue.at: 2027-01-04T01:59:59+00:00 is before"),
        ("a changed beacon value", n => n["ceremony"]!["beaconValue"]!["value"] = "a1b2c3d5",
            "seed: pack", "seed: pack"),
        ("a ceremony with entropy too", n => n["entropy"]!.AsArray().Add(Entry(("witness", "Deputy Wang"), ("value", "7"))),
            "entropy/beacon: a pack with a ceremony", "entropy: a pack with a ceremony must have entropy []"),
        ("a ceremony with a v1 beacon too", n => n["beacon"] = Entry(("source", "example-beacon"), ("value", "pulse-123")),
            "entropy/beacon: a pack with a ceremony", "beacon: a pack with a ceremony must have beacon null"),
    ];

    [Fact]
    public void A_ceremony_pack_passes_the_csharp_verifiers()
    {
        var p = Make();
        var full = JsonNode.Parse(p.Full)!;
        Assert.Empty(full["entropy"]!.AsArray());
        Assert.Null(full["beacon"]);
        Assert.Equal("2027-01-04T02:00:00+00:00", full["ceremony"]!["beacon"]!["expectedAt"]!.GetValue<string>());
        Assert.Equal(3, full["ceremony"]!["commitments"]!.AsArray().Count);
        Assert.Equal(2, full["ceremony"]!["reveals"]!.AsArray().Count);
        Assert.Equal(full["ceremony"]!.ToJsonString(), JsonNode.Parse(p.Public)!["ceremony"]!.ToJsonString());

        var report = DrawVerifier.Verify(p.Full, p.Csv);
        Assert.True(report.Passed, report.ToString());
        report = PublicPackVerifier.Verify(p.Public, p.Members);
        Assert.True(report.Passed, report.ToString());
        report = PublicPackVerifier.Verify(p.Public, p.Members, p.Receipt);
        Assert.True(report.Passed, report.ToString());
        report = PublicPackVerifier.Audit(p.Full, p.Csv, Convert.ToHexStringLower(Key), p.Public, p.Members);
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void A_ceremony_time_without_an_offset_or_with_a_fraction_fails_the_csharp_verifiers_whatever_the_machines_zone()
    {
        var p = Make();
        var noOffset = DrawVerifier.Verify(PackJson.Tamper(p.Full, n => n["ceremony"]!["closedAt"] = "2027-01-03T06:30:00"), p.Csv);
        Assert.False(noOffset.Passed);
        Assert.Contains(noOffset.Differences, d => d.Contains("not an ISO 8601 time with a UTC offset", StringComparison.Ordinal));
        var fraction = PublicPackVerifier.Verify(PackJson.Tamper(p.Public, n => n["ceremony"]!["closedAt"] = "2027-01-03T06:30:00.5+00:00"), p.Members);
        Assert.False(fraction.Passed);
        Assert.Contains(fraction.Differences, d => d.Contains("recorded to the second", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tampered_ceremony_fails_the_csharp_verifiers_naming_the_check()
    {
        var p = Make();
        foreach (var (name, change, expected, _) in Tamperings)
        {
            var full = DrawVerifier.Verify(PackJson.Tamper(p.Full, change), p.Csv);
            Assert.False(full.Passed, name);
            Assert.True(full.Differences.Any(d => d.StartsWith(expected, StringComparison.Ordinal)), $"{name} (full pack): {full}");
            var pub = PublicPackVerifier.Verify(PackJson.Tamper(p.Public, change), p.Members);
            Assert.False(pub.Passed, name);
            Assert.True(pub.Differences.Any(d => d.StartsWith(expected, StringComparison.Ordinal)), $"{name} (public pack): {pub}");
        }
    }

    [Fact]
    public void A_ceremony_pack_passes_the_python_verifier_in_every_mode_and_each_tampering_fails_it()
    {
        var p = Make();
        var dir = Directory.CreateTempSubdirectory("ceremony-pack-");
        try
        {
            void Write(string file, string text) => File.WriteAllText(Path.Combine(dir.FullName, file), text);
            Write("pack.json", p.Full);
            Write("public.json", p.Public);
            Write("receipt.json", p.Receipt);
            Write("members-key.txt", Convert.ToHexStringLower(Key) + "\n");
            File.WriteAllBytes(Path.Combine(dir.FullName, "population.csv"), p.Csv);
            File.WriteAllBytes(Path.Combine(dir.FullName, "members.csv"), p.Members);

            var (code, output) = RunPythonVerifier(dir.FullName, "pack.json", "population.csv");
            Assert.True(code == 0 && output.StartsWith("PASS", StringComparison.Ordinal), output);
            (code, output) = RunPythonVerifier(dir.FullName, "public", "public.json", "members.csv");
            Assert.True(code == 0 && output.StartsWith("PASS", StringComparison.Ordinal), output);
            (code, output) = RunPythonVerifier(dir.FullName, "public", "public.json", "members.csv", "receipt.json");
            Assert.True(code == 0 && output.StartsWith("PASS: drawn", StringComparison.Ordinal), output);
            (code, output) = RunPythonVerifier(dir.FullName, "audit", "pack.json", "population.csv", "members-key.txt", "public.json", "members.csv");
            Assert.True(code == 0 && output.StartsWith("PASS", StringComparison.Ordinal), output);

            foreach (var (name, change, _, expected) in Tamperings)
            {
                Write("tampered.json", PackJson.Tamper(p.Full, change));
                (code, output) = RunPythonVerifier(dir.FullName, "tampered.json", "population.csv");
                Assert.True(code == 1 && output.StartsWith("FAIL", StringComparison.Ordinal), $"{name} (full pack): {output}");
                Assert.True(output.Split('\n').Any(l => l.StartsWith(expected, StringComparison.Ordinal)), $"{name} (full pack): {output}");

                Write("tampered-public.json", PackJson.Tamper(p.Public, change));
                (code, output) = RunPythonVerifier(dir.FullName, "public", "tampered-public.json", "members.csv");
                Assert.True(code == 1 && output.StartsWith("FAIL", StringComparison.Ordinal), $"{name} (public pack): {output}");
                Assert.True(output.Split('\n').Any(l => l.StartsWith(expected, StringComparison.Ordinal)), $"{name} (public pack): {output}");

                // The receipt and the auditor rest on the same seed check.
                (code, output) = RunPythonVerifier(dir.FullName, "public", "tampered-public.json", "members.csv", "receipt.json");
                Assert.True(code == 1 && output.Split('\n').Any(l => l.StartsWith(expected, StringComparison.Ordinal)), $"{name} (receipt): {output}");
                (code, output) = RunPythonVerifier(dir.FullName, "audit", "tampered.json", "population.csv", "members-key.txt", "tampered-public.json", "members.csv");
                Assert.True(code == 1 && output.Contains(expected, StringComparison.Ordinal), $"{name} (audit): {output}");
            }

            // The auditor also finds a public pack whose ceremony is not the full pack's.
            Write("tampered-public.json", PackJson.Tamper(p.Public, n => n["ceremony"]!["minimumWitnesses"] = 1));
            (code, output) = RunPythonVerifier(dir.FullName, "audit", "pack.json", "population.csv", "members-key.txt", "tampered-public.json", "members.csv");
            Assert.True(code == 1 && output.Contains("public pack ceremony:", StringComparison.Ordinal), output);

            // A time without an offset is not the spec's form.
            Write("tampered.json", PackJson.Tamper(p.Full, n => n["ceremony"]!["closedAt"] = "2027-01-03T06:30:00"));
            (code, output) = RunPythonVerifier(dir.FullName, "tampered.json", "population.csv");
            Assert.True(code == 1 && output.Contains("ceremony.closedAt: \"2027-01-03T06:30:00\" is not an ISO 8601 time with an offset", StringComparison.Ordinal), output);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task The_python_verifiers_functions_give_the_ceremony_spec_vectors()
    {
        // §10.1, computed by the functions tools/verify_draw.py verifies with (the C# side is WitnessCeremonyTests).
        const string program = """
            import sys; sys.path.insert(0, sys.argv[1]); import verify_draw as v
            task, secret = "TASK-2026-0001", bytes(range(32))
            ws = [("Li Wei (liwei)", None, "31415", "01"), ("王芳 (wangfang)", "D2", "92653", "02"), ("Zhao Min (zhaomin)", "D1", "27182", "03")]
            c = {"version": 2, "beacon": {"source": "drand quicknet", "round": "12345678", "expectedAt": "2027-01-04T02:00:00+00:00"},
                 "minimumWitnesses": 2, "closedAt": "2027-01-03T00:00:00+00:00", "beaconValue": {"value": "a1b2c3d4", "at": "2027-01-04T02:00:00+00:00"},
                 "commitments": [{"witness": w, "department": d, "commitment": v.witness_commitment(task, x, n * 32), "at": "2027-01-02T00:00:00+00:00"} for w, d, x, n in ws],
                 "reveals": [{"witness": w, "value": x, "nonce": n * 32, "at": "2027-01-03T01:00:00+00:00"} for w, d, x, n in ws]}
            for x in c["commitments"]: print(x["commitment"])
            print(v.derive_seed_v2(secret, task, "srs-pareto-v1", c, v.read_ceremony(c)).hex())
            c["reveals"] = c["reveals"][:2]
            print(v.derive_seed_v2(secret, task, "srs-pareto-v1", c, v.read_ceremony(c)).hex())
            print(len(v.ceremony_problems(task, c, v.read_ceremony(c))))
            """;
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(program);
        psi.ArgumentList.Add(Path.Combine(RepoRoot(), "tools"));
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stdout + await stderr);
        Assert.Equal(
            [
                "f108af40a1363b76194f0795ec8706a39420cd48ba49160ab9e12155f0e12c17",
                "c84474a5eed7dc3479235143e766f0456fe9ee5eb299ad5b03a8cc8c870427d3",
                "6a4cabf638b181e93ddc7cf607adaefbde5587877505c940cc77441fabd07d47",
                "c9e72a90dcbed65a6b01765988f13c0ebc53a66d3faad5607037f93cd13abce1",
                "81ba9588fac13cf9c87eac0d03c7d9e473bd386902fac241184739ba280dfa9d",
                "0",
            ],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
