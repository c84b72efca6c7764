using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;
using static Supervision.Core.Tests.Draw.InspectorFixtures;

namespace Supervision.Core.Tests.Draw;

public class DrawVerifierTests
{
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3)).ToArray();

    private static (string Pack, byte[] Csv, byte[] Pool) MakePack(bool pareto, int partitions = 3)
    {
        var members = Population(800, pareto ? 21 : 20);
        var csv = PopulationSnapshot.ToCanonicalCsv(Shuffle(members, 5));
        var exclusions = members.Take(9).Select(m => new MemberExclusion(m.MemberId, "yearly-cap")).ToArray();
        var pool = new InspectorPool(
            Pool(30, "SAMR", ["FOOD", "PRICE"]).Inspectors.Concat(Pool(20, "HEALTH", ["WATER"]).Inspectors).ToArray(),
            [new InspectorConflict("CSAMR0003", members[20].MemberId)],
            [new PreviousInspection(members[21].MemberId, ["CHEALTH0001", "CSAMR0007"])]);
        var poolJson = DrawPacks.ToJson(pool);
        var pack = DrawPacks.Create(Secret, "TASK-2026-0042",
            [new EntropyEntry("Li Wei", "31415"), new EntropyEntry("王芳", "92653")], new BeaconValue("example-beacon", "pulse-123"),
            csv, pareto ? Pareto(40, exclusions) : Stratified(exclusions),
            new InspectorDrawParameters(new DateOnly(2026, 3, 1), 3, 12, [new DepartmentRequirement("SAMR", ["FOOD"]), new DepartmentRequirement("HEALTH", ["WATER"])]),
            poolJson, partitions);
        return (DrawPacks.ToJson(pack), csv, poolJson);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_csharp_verifier_passes_an_untouched_pack(bool pareto)
    {
        var (pack, csv, pool) = MakePack(pareto);
        Assert.DoesNotContain("\"failure\": {", pack, StringComparison.Ordinal);
        var report = DrawVerifier.Verify(pack, csv, pool);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal("PASS", report.ToString());
    }

    [Fact]
    public void The_csharp_verifier_names_each_tampered_field()
    {
        var (pack, csv, pool) = MakePack(false);
        var swapped = PackJson.Tamper(pack, n => n["entityDraw"]!["result"]!["drawn"]![0]!["memberId"] = Id(1));
        Assert.Contains("entityDraw.result.drawn[0].memberId: pack \"" + Id(1) + "\"", DrawVerifier.Verify(swapped, csv, pool).ToString(), StringComparison.Ordinal);

        var entropy = PackJson.Tamper(pack, n => n["entropy"]![1]!["value"] = "92654");
        var report = DrawVerifier.Verify(entropy, csv, pool);
        Assert.False(report.Passed);
        Assert.StartsWith("seed: pack", report.Differences[0], StringComparison.Ordinal);

        var commitment = PackJson.Tamper(pack, n => n["secretCommitment"] = new string('0', 64));
        Assert.Contains(DrawVerifier.Verify(commitment, csv, pool).Differences, d => d.StartsWith("secretCommitment:", StringComparison.Ordinal));

        var lead = PackJson.Tamper(pack, n => n["inspectorDraw"]!["result"]!["teams"]![0]!["members"]![0]!["certificateNo"] = "CSAMR9999");
        Assert.Contains(DrawVerifier.Verify(lead, csv, pool).Differences, d => d.StartsWith("inspectorDraw.result.teams[0].members[0].certificateNo:", StringComparison.Ordinal));

        var row = Encoding.UTF8.GetString(csv).Split('\n');
        row[5] = row[5][..^1] + (row[5][^1] == '1' ? "2" : "1");
        var csvReport = DrawVerifier.Verify(pack, Encoding.UTF8.GetBytes(string.Join('\n', row)), pool);
        Assert.Contains(csvReport.Differences, d => d.StartsWith("population.sha256:", StringComparison.Ordinal));

        // A pack the verifier cannot fully check does not pass: an inspector section without its pool file fails.
        var withoutPool = DrawVerifier.Verify(pack, csv);
        Assert.False(withoutPool.Passed);
        Assert.Contains(withoutPool.Differences, d => d.StartsWith("inspectorDraw: cannot be checked without the inspector pool file", StringComparison.Ordinal));

        // Draw integrity II: an exclusion added after the freeze, or an inspector's record changed, no longer matches
        // the hashes committed before the seed.
        var excluded = PackJson.Tamper(pack, n => n["entityDraw"]!["parameters"]!["exclusions"]!.AsArray().Add(new JsonObject { ["memberId"] = Id(700), ["reason"] = "yearly-cap" }));
        Assert.Contains(DrawVerifier.Verify(excluded, csv, pool).Differences, d => d.StartsWith("population.exclusionsSha256:", StringComparison.Ordinal));
        var poolNode = JsonNode.Parse(pool)!;
        poolNode["inspectors"]![0]!["currentWorkload"] = 11;
        var doctoredPool = Encoding.UTF8.GetBytes(poolNode.ToJsonString(DrawPacks.JsonOptions));
        var withPool = PackJson.Tamper(pack, n => n["inspectorDraw"]!["poolSha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(doctoredPool)));
        Assert.Contains(DrawVerifier.Verify(withPool, csv, doctoredPool).Differences, d => d.StartsWith("inspectorDraw.frozenInspectorsSha256:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_python_verifier_passes_a_pack_produced_by_the_csharp_code_and_reports_a_tampered_one(bool pareto)
    {
        var (pack, csv, pool) = MakePack(pareto, partitions: 4);
        var dir = Directory.CreateTempSubdirectory("draw-pack-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "pack.json"), pack);
            File.WriteAllBytes(Path.Combine(dir.FullName, "population.csv"), csv);
            File.WriteAllBytes(Path.Combine(dir.FullName, "inspectors.json"), pool);
            var (code, output) = RunPythonVerifier(dir.FullName, "pack.json", "population.csv", "inspectors.json");
            Assert.True(code == 0, output);
            Assert.StartsWith("PASS", output, StringComparison.Ordinal);

            var tampered = PackJson.Tamper(pack, n => n["entityDraw"]!["result"]!["drawn"]![3]!["inclusionProbability"] = "1/2");
            File.WriteAllText(Path.Combine(dir.FullName, "tampered.json"), tampered);
            (code, output) = RunPythonVerifier(dir.FullName, "tampered.json", "population.csv", "inspectors.json");
            Assert.Equal(1, code);
            Assert.Contains("FAIL", output, StringComparison.Ordinal);
            Assert.Contains("entityDraw.result.drawn[3].inclusionProbability: pack \"1/2\"", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

public class DrawCommitmentTests
{
    [Fact]
    public void The_exclusions_hash_is_the_sorted_lines_and_an_empty_list_hashes_the_empty_text()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", PopulationReference.ExclusionsHash([]));
        var a = PopulationReference.ExclusionsHash([new MemberExclusion("B", "yearly-cap"), new MemberExclusion("A", "department-yearly-cap")]);
        var b = PopulationReference.ExclusionsHash([new MemberExclusion("A", "department-yearly-cap"), new MemberExclusion("B", "yearly-cap")]);
        Assert.Equal(a, b);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("A\tdepartment-yearly-cap\nB\tyearly-cap\n"u8)), a);
    }

    [Fact]
    public void The_inspectors_hash_is_one_tab_separated_line_per_inspector()
    {
        var inspector = new Inspector("C0001", "", "D1", true, DateOnly.MinValue, new DateOnly(2030, 1, 1), ["I1", "I2"], 0);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("C0001\tD1\t1\t0001-01-01\t2030-01-01\tI1,I2\t0\n"u8)),
            InspectorDrawSection.InspectorsSha256([inspector]));
    }
}
