using System.Diagnostics;
using System.Text.Json.Nodes;
using CsCheck;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;
using static Supervision.Core.Tests.Draw.InspectorFixtures;

namespace Supervision.Core.Tests.Draw;

/// <summary>Replacements without choice (docs/draw-spec.md §8.1).</summary>
public class InspectorReplacementTests
{
    private const string Task = "TASK-REPL-1";
    private static readonly DateOnly Date = new(2026, 3, 1);

    private static readonly InspectorDrawParameters Joint = new(Date, 3, 10,
        [new DepartmentRequirement("SAMR", ["FOOD"]), new DepartmentRequirement("HEALTH", ["WATER"])]);

    private static InspectorPool JointPool(int samr = 8, int health = 4) =>
        new([.. Pool(samr, "SAMR", ["FOOD"]).Inspectors, .. Pool(health, "HEALTH", ["WATER"]).Inspectors], [], []);

    private static DrawnEntity[] Entities(int n) => Enumerable.Range(0, n).Select(i => Entity(Id(i), i + 1)).ToArray();

    private static (byte[] Seed, IReadOnlyList<EntityTeam> Teams) Drawn(InspectorPool pool, InspectorDrawParameters parameters, int entities = 3, int seed = 1)
    {
        var result = InspectorDraw.Run(Seed(seed), Task, Alg, parameters, pool, Entities(entities));
        Assert.True(result.Succeeded, result.Failure?.Message);
        return (Seed(seed), result.Teams);
    }

    [Fact]
    public void The_replacement_is_the_next_eligible_inspector_by_rank()
    {
        var pool = JointPool();
        var (seed, teams) = Drawn(pool, Joint);
        var team = teams[0];
        var leaving = team.Members.First(m => m.Department == "SAMR" && team.Members.Count(x => x.Department == "SAMR") > 1 || m.Department == "SAMR");
        var outcome = InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, [], new ReplacementRequest(team.MemberId, leaving.CertificateNo, "  recusal  "));
        Assert.True(outcome.Succeeded, outcome.Refusal);

        // Independently: every inspector of the pool not on the team (nobody is at the cap), ranked by (u, certificate);
        // the first that keeps both departments on the team.
        var key = DrawPrimitives.DrawKey(DrawPrimitives.InspectorKeyDomain, seed, Task, Alg);
        var stay = team.Members.Where(m => m != leaving).ToArray();
        var expected = pool.Inspectors
            .Where(i => team.Members.All(m => m.CertificateNo != i.CertificateNo))
            .Where(i => stay.Select(m => m.Department).Append(i.Department).Distinct().Count() == 2)
            .OrderBy(i => DrawPrimitives.Uniform(DrawPrimitives.Top52(DrawPrimitives.InspectorHash(key, team.MemberId, i.CertificateNo))))
            .ThenBy(i => i.CertificateNo, StringComparer.Ordinal).First();
        var r = outcome.Replacement!;
        Assert.Equal(expected.CertificateNo, r.Replacement);
        Assert.Equal(leaving.CertificateNo, r.Replaced);
        Assert.Equal("recusal", r.Reason);
        Assert.Equal(DrawPrimitives.Hex(DrawPrimitives.InspectorHash(key, team.MemberId, expected.CertificateNo)), r.HashHex);
        var changed = outcome.Teams[0];
        Assert.Equal(leaving.Position, changed.Members.Single(m => m.CertificateNo == r.Replacement).Position);
        Assert.DoesNotContain(changed.Members, m => m.CertificateNo == leaving.CertificateNo);
        Assert.Equal(teams.Skip(1), outcome.Teams.Skip(1));
    }

    [Fact]
    public void A_replaced_inspector_never_returns_to_any_team_of_the_task()
    {
        var pool = JointPool(12, 6);
        var (seed, teams) = Drawn(pool, Joint, entities: 2);
        var applied = new List<InspectorReplacement>();
        for (var k = 0; k < 8; k++)
        {
            var team = teams[k % 2];
            var leaving = team.Members[k % team.Members.Count];
            var outcome = InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, applied, new ReplacementRequest(team.MemberId, leaving.CertificateNo, "illness " + k));
            Assert.True(outcome.Succeeded, outcome.Refusal);
            Assert.DoesNotContain(outcome.Replacement!.Replacement, applied.Select(a => a.Replaced).Append(leaving.CertificateNo));
            applied.Add(outcome.Replacement!);
            teams = outcome.Teams;
            // The one who left is not on the team they left (they may stay on another entity's team).
            Assert.DoesNotContain(teams[k % 2].Members, m => m.CertificateNo == leaving.CertificateNo);
        }
    }

    [Fact]
    public void The_departments_stay_covered_and_the_lead_position_is_kept()
    {
        // Team of 2 over 2 departments: the one leaving can only be replaced from its own department.
        var parameters = Joint with { TeamSize = 2 };
        var pool = JointPool(6, 6);
        var (seed, teams) = Drawn(pool, parameters, entities: 4);
        foreach (var team in teams)
        {
            var lead = team.Members.Single(m => m.Lead);
            var outcome = InspectorDraw.Replace(seed, Task, Alg, parameters, pool, teams, [], new ReplacementRequest(team.MemberId, lead.CertificateNo, "conflict found later"));
            Assert.True(outcome.Succeeded, outcome.Refusal);
            var changed = outcome.Teams.Single(t => t.MemberId == team.MemberId);
            var newcomer = changed.Members.Single(m => m.CertificateNo == outcome.Replacement!.Replacement);
            Assert.True(newcomer.Lead);
            Assert.Equal(lead.Position, newcomer.Position);
            Assert.Equal(lead.Department, newcomer.Department);
            Assert.Equal(["HEALTH", "SAMR"], changed.Members.Select(m => m.Department).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void With_no_one_eligible_the_request_is_refused_and_nothing_changes()
    {
        var parameters = Joint with { TeamSize = 2 };
        var pool = JointPool(1, 2);
        var (seed, teams) = Drawn(pool, parameters, entities: 1);
        var samr = teams[0].Members.Single(m => m.Department == "SAMR");
        var outcome = InspectorDraw.Replace(seed, Task, Alg, parameters, pool, teams, [], new ReplacementRequest(teams[0].MemberId, samr.CertificateNo, "illness"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("keeps every participating department", outcome.Refusal, StringComparison.Ordinal);
        Assert.Same(teams, outcome.Teams);

        // A conflict declared for the only other candidate: no one eligible at all.
        var health = teams[0].Members.Single(m => m.Department == "HEALTH");
        var other = pool.Inspectors.Single(i => i.Department == "HEALTH" && i.CertificateNo != health.CertificateNo);
        var conflicted = pool with { Conflicts = [new InspectorConflict(other.CertificateNo, teams[0].MemberId)] };
        outcome = InspectorDraw.Replace(seed, Task, Alg, parameters, conflicted, teams, [], new ReplacementRequest(teams[0].MemberId, health.CertificateNo, "illness"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("none of the pool is eligible", outcome.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_naming_no_current_member_or_without_a_reason_is_invalid_naming_the_field()
    {
        var pool = JointPool();
        var (seed, teams) = Drawn(pool, Joint);
        var member = teams[0].Members[0].CertificateNo;
        Assert.Equal("memberId", Assert.Throws<ArgumentException>(() => InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, [], new("NOPE", member, "x"))).ParamName);
        Assert.Equal("certificateNo", Assert.Throws<ArgumentException>(() => InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, [], new(teams[0].MemberId, "NOPE", "x"))).ParamName);
        Assert.Equal("reason", Assert.Throws<ArgumentException>(() => InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, [], new(teams[0].MemberId, member, "   "))).ParamName);
        Assert.Equal("reason", Assert.Throws<ArgumentException>(() => InspectorDraw.Replace(seed, Task, Alg, Joint, pool, teams, [], new(teams[0].MemberId, member, new string('x', 501)))).ParamName);
    }

    [Fact]
    public void The_workload_cap_counts_every_team_as_it_stands()
    {
        // Cap 1: every inspector on some team is at the cap for the others; the one leaving is not counted where it leaves.
        var parameters = Joint with { TeamSize = 2, WorkloadCap = 1 };
        var pool = JointPool(3, 3);
        var (seed, teams) = Drawn(pool, parameters, entities: 2);
        var team = teams[0];
        var samr = team.Members.Single(m => m.Department == "SAMR");
        var outcome = InspectorDraw.Replace(seed, Task, Alg, parameters, pool, teams, [], new ReplacementRequest(team.MemberId, samr.CertificateNo, "illness"));
        Assert.True(outcome.Succeeded, outcome.Refusal);
        var busy = teams.SelectMany(t => t.Members).Select(m => m.CertificateNo).ToHashSet();
        Assert.DoesNotContain(outcome.Replacement!.Replacement, busy);
    }

    /// <summary>Random worlds and random request sequences: replaying what was recorded reproduces it exactly.</summary>
    [Fact]
    public void Replaying_the_recorded_replacements_reproduces_them()
    {
        var gen = Gen.Select(Gen.Int[1, 2], Gen.Int[2, 10], Gen.Int[1, 5], Gen.Int[0, 10_000], Gen.Int[1, 8]);
        var made = 0;
        gen.Sample((deps, perDep, entities, seedNo, requests) =>
        {
            var departments = Enumerable.Range(0, deps).Select(d => new DepartmentRequirement("DEP" + d, ["I" + d])).ToArray();
            var pool = new InspectorPool([.. departments.SelectMany(d => Pool(perDep, d.Department, [.. d.Items]).Inspectors)], [], []);
            var parameters = new InspectorDrawParameters(Date, Math.Max(2, deps), 3, departments);
            var result = InspectorDraw.Run(Seed(seedNo), Task, Alg, parameters, pool, Entities(entities));
            if (!result.Succeeded) return;
            var rng = new Random(seedNo);
            IReadOnlyList<EntityTeam> teams = result.Teams;
            var recorded = new List<InspectorReplacement>();
            for (var k = 0; k < requests; k++)
            {
                var team = teams[rng.Next(teams.Count)];
                var leaving = team.Members[rng.Next(team.Members.Count)];
                var outcome = InspectorDraw.Replace(Seed(seedNo), Task, Alg, parameters, pool, teams, recorded, new(team.MemberId, leaving.CertificateNo, "reason " + k));
                if (!outcome.Succeeded) { Assert.Same(teams, outcome.Teams); continue; }
                recorded.Add(outcome.Replacement!);
                teams = outcome.Teams;
                made++;
            }
            var (replayed, final) = InspectorDraw.Replay(Seed(seedNo), Task, Alg, parameters, pool, result.Teams, recorded);
            Assert.Equal(recorded, replayed.Select(r => r.Recomputed.Replacement));
            Assert.Equal(Json(teams), Json(final));
        }, iter: 200);
        Assert.True(made > 50, $"the generator must make replacements ({made})");
    }

    // ---- the pack, both verifiers and the spec's vectors ----

    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private static (DrawPack Pack, byte[] Csv, byte[] Pool, InspectorPool PoolObject) VectorPack()
    {
        var members = Enumerable.Range(0, 10)
            .Select(i => new PopulationMember($"91330100MA{i:D7}X", i < 6 ? "A" : "B", i == 9 ? 40_000_000 : (i + 1) * 1_000_000)).ToArray();
        var csv = PopulationSnapshot.ToCanonicalCsv(members);
        var pool = new InspectorPool(
            [.. Enumerable.Range(1, 5).Select(i => Inspector($"CSAMR{i:D4}", "D1", "I1")), .. Enumerable.Range(1, 3).Select(i => Inspector($"CHEALTH{i:D4}", "D2", "I2"))],
            [], []);
        var poolJson = DrawPacks.ToJson(pool);
        var pack = DrawPacks.Create(Secret, "TASK-2026-0001", [new EntropyEntry("Li Wei", "31415"), new EntropyEntry("王芳", "92653")], null, csv,
            new EntityDrawParameters(DrawModes.Pareto, [new StratumRule("A"), new StratumRule("B")], 3, []),
            new InspectorDrawParameters(Date, 2, 5, [new DepartmentRequirement("D1", ["I1"]), new DepartmentRequirement("D2", ["I2"])]), poolJson);
        return (pack, csv, poolJson, pool);
    }

    /// <summary>The pack of the §8.1 vectors with two replacements on the first team: its D1 member, then the one who replaced them.</summary>
    private static (string Pack, byte[] Csv, byte[] Pool, IReadOnlyList<InspectorReplacement> Replacements) PackWithReplacements()
    {
        var (pack, csv, poolJson, pool) = VectorPack();
        var section = pack.InspectorDraw!;
        var seed = Convert.FromHexString(pack.Seed);
        var teams = section.Result.Teams;
        var first = teams[0];
        var d1 = first.Members.Single(m => m.Department == "D1").CertificateNo;
        var one = InspectorDraw.Replace(seed, pack.TaskId, pack.Algorithm, section.Parameters, pool, teams, [], new(first.MemberId, d1, "recusal"));
        var two = InspectorDraw.Replace(seed, pack.TaskId, pack.Algorithm, section.Parameters, pool, one.Teams, [one.Replacement!],
            new(first.MemberId, one.Replacement!.Replacement, "illness"));
        InspectorReplacement[] list = [one.Replacement!, two.Replacement!];
        return (DrawPacks.ToJson(pack with { InspectorDraw = section with { Replacements = list } }), csv, poolJson, list);
    }

    [Fact]
    public void The_spec_vectors_of_8_1_hold()
    {
        var (pack, _, _, list) = PackWithReplacements();
        var node = JsonNode.Parse(pack)!;
        var teams = node["inspectorDraw"]!["result"]!["teams"]!.AsArray();
        string Team(int i) => (string)teams[i]!["memberId"]! + ":" + string.Join(",", teams[i]!["members"]!.AsArray().Select(m => (string)m!["certificateNo"]!));
        Assert.Equal("91330100MA0000009X:CSAMR0004,CHEALTH0002", Team(0));
        Assert.Equal("91330100MA0000004X:CSAMR0003,CHEALTH0003", Team(1));
        Assert.Equal("91330100MA0000006X:CHEALTH0003,CSAMR0003", Team(2));
        Assert.Equal(new InspectorReplacement("91330100MA0000009X", "CSAMR0004", "CSAMR0001", "recusal",
            "2e214d8544cc9c4a64850def27f29eaabc1dc368b49cd8df56846edc0db2a8a4", 0.1801956606257583), list[0]);
        Assert.Equal(new InspectorReplacement("91330100MA0000009X", "CSAMR0001", "CSAMR0005", "illness",
            "882739c87f0b790e3972f84f0881abe231a06f561e7befbf2a9e3dc0992695c6", 0.531848536919865), list[1]);
    }

    [Fact]
    public void Both_verifiers_pass_the_recorded_replacements_and_name_a_tampered_one()
    {
        var (pack, csv, pool, list) = PackWithReplacements();
        var report = DrawVerifier.Verify(pack, csv, pool);
        Assert.True(report.Passed, report.ToString());
        var someoneElse = VectorPack().PoolObject.Inspectors.First(i => i.Department == "D1" && i.CertificateNo != list[1].Replacement
            && i.CertificateNo != list[0].Replacement && i.CertificateNo != list[0].Replaced).CertificateNo;
        var tampered = JsonNode.Parse(pack)!;
        tampered["inspectorDraw"]!["replacements"]![1]!["replacement"] = someoneElse;
        var bad = tampered.ToJsonString();
        report = DrawVerifier.Verify(bad, csv, pool);
        Assert.False(report.Passed);
        Assert.Contains($"inspectorDraw.replacements[1].replacement: pack {someoneElse}, recomputed {list[1].Replacement}", report.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("inspectorDraw.replacements[0]", report.ToString(), StringComparison.Ordinal);

        var dir = Directory.CreateTempSubdirectory("replacement-pack-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "pack.json"), pack);
            File.WriteAllText(Path.Combine(dir.FullName, "tampered.json"), bad);
            File.WriteAllBytes(Path.Combine(dir.FullName, "population.csv"), csv);
            File.WriteAllBytes(Path.Combine(dir.FullName, "inspectors.json"), pool);
            var (code, output) = RunPythonVerifier(dir.FullName, "pack.json", "population.csv", "inspectors.json");
            Assert.True(code == 0, output);
            (code, output) = RunPythonVerifier(dir.FullName, "tampered.json", "population.csv", "inspectors.json");
            Assert.Equal(1, code);
            Assert.Contains($"inspectorDraw.replacements[1].replacement: pack \"{someoneElse}\", recomputed \"{list[1].Replacement}\"", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
