using CsCheck;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;
using static Supervision.Core.Tests.Draw.InspectorFixtures;

namespace Supervision.Core.Tests.Draw;

public class InspectorDrawTests
{
    private static readonly DateOnly Date = new(2026, 3, 1);
    private static readonly string[] Items = ["FOOD", "DRUG", "PRICE"];

    /// <summary>A random joint-task world: 1–3 departments, 3–25 inspectors with random defects.</summary>
    private static readonly Gen<(InspectorPool Pool, InspectorDrawParameters Parameters, DrawnEntity[] Entities, int Seed)> Worlds =
        Gen.Select(Gen.Int[1, 3], Gen.Int[3, 25], Gen.Int[1, 12], Gen.Int, Gen.Int[0, 10_000]).Select((deps, inspectors, entities, worldSeed, seed) =>
        {
            var rng = new Random(worldSeed);
            var departments = Enumerable.Range(0, deps).Select(d => new DepartmentRequirement("DEP" + d, Items.Where(_ => rng.Next(2) == 0).Append(Items[d]).Distinct().ToArray())).ToArray();
            var ids = Enumerable.Range(0, entities).Select(i => Id(i)).ToArray();
            var pool = Enumerable.Range(0, inspectors).Select(i => new Inspector(
                $"CERT{i:D4}", "I" + i, "DEP" + rng.Next(deps + 1), rng.Next(10) > 0,
                new DateOnly(2025, rng.Next(1, 13), 1), new DateOnly(2026, rng.Next(1, 13), 28),
                Items.Where(_ => rng.Next(4) > 0).ToArray(), rng.Next(4))).ToArray();
            var conflicts = Enumerable.Range(0, rng.Next(inspectors)).Select(_ => new InspectorConflict(pool[rng.Next(inspectors)].CertificateNo, ids[rng.Next(entities)])).ToArray();
            var previous = ids.Where(_ => rng.Next(2) == 0).Select(id => new PreviousInspection(id, [pool[rng.Next(inspectors)].CertificateNo])).ToArray();
            var parameters = new InspectorDrawParameters(Date, Math.Max(2, deps + rng.Next(2)), rng.Next(2, 7), departments);
            return (new InspectorPool(pool, conflicts, previous), parameters, ids.Select((id, i) => Entity(id, i + 1)).ToArray(), seed);
        });

    [Fact]
    public void Teams_never_violate_conflicts_rotation_qualifications_workload_caps_or_joint_coverage()
    {
        var successes = 0;
        var failures = 0;
        Worlds.Sample(w =>
        {
            var result = InspectorDraw.Run(Seed(w.Seed), "TASK-1", Alg, w.Parameters, w.Pool, w.Entities);
            if (!result.Succeeded)
            {
                failures++;
                Assert.Empty(result.Teams);
                Assert.Contains(w.Entities, e => e.MemberId == result.Failure!.MemberId && e.Rank == result.Failure.Rank);
                Assert.NotEmpty(result.Failure!.MissingConditions);
                Assert.Contains(result.Failure.MemberId, result.Failure.Message, StringComparison.Ordinal);
                return;
            }
            successes++;
            var byCert = w.Pool.Inspectors.ToDictionary(i => i.CertificateNo);
            var requirements = w.Parameters.Departments.ToDictionary(d => d.Department, d => d.Items);
            var load = new Dictionary<string, int>();
            Assert.Equal(w.Entities.Select(e => e.MemberId), result.Teams.Select(t => t.MemberId));
            foreach (var team in result.Teams)
            {
                Assert.Equal(w.Parameters.TeamSize, team.Members.Count);
                Assert.Equal(team.Members.Count, team.Members.Select(m => m.CertificateNo).Distinct().Count());
                Assert.True(team.Members[0].Lead);
                Assert.All(team.Members.Skip(1), m => Assert.False(m.Lead));
                Assert.Equal(requirements.Keys.Order(), team.Members.Select(m => m.Department).Distinct().Order());
                foreach (var m in team.Members)
                {
                    var inspector = byCert[m.CertificateNo];
                    Assert.True(inspector.Active);
                    Assert.InRange(Date, inspector.CertificateValidFrom, inspector.CertificateValidUntil);
                    Assert.All(requirements[inspector.Department], item => Assert.Contains(item, inspector.Qualifications));
                    Assert.DoesNotContain(w.Pool.Conflicts, c => c.CertificateNo == m.CertificateNo && c.MemberId == team.MemberId);
                    Assert.DoesNotContain(w.Pool.PreviousInspections, p => p.MemberId == team.MemberId && p.CertificateNos.Contains(m.CertificateNo));
                    load[m.CertificateNo] = load.GetValueOrDefault(m.CertificateNo) + 1;
                    Assert.True(inspector.CurrentWorkload + load[m.CertificateNo] <= w.Parameters.WorkloadCap);
                }
                for (var i = 1; i < team.Members.Count; i++) Assert.True(team.Members[i - 1].Uniform <= team.Members[i].Uniform);
            }
        }, iter: 400);
        Assert.True(successes > 20 && failures > 20, $"the generator must exercise both outcomes ({successes} successes, {failures} failures)");
    }

    [Fact]
    public void An_entity_that_cannot_be_staffed_fails_the_whole_draw_naming_the_entity_and_the_missing_conditions()
    {
        var pool = new InspectorPool(
            [Inspector("C1", "SAMR", "FOOD"), Inspector("C2", "SAMR", "FOOD"), Inspector("C3", "SAMR", "FOOD"), Inspector("C4", "SAMR", "FOOD"), Inspector("C5", "SAMR", "DRUG")],
            [new InspectorConflict("C2", Id(2)), new InspectorConflict("C3", Id(2)), new InspectorConflict("C4", Id(2))], []);
        var parameters = new InspectorDrawParameters(Date, 2, 10, [new DepartmentRequirement("SAMR", ["FOOD"])]);
        var result = InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, pool, [Entity(Id(1), 1), Entity(Id(2), 2)]);
        Assert.Empty(result.Teams);
        Assert.Equal(Id(2), result.Failure!.MemberId);
        Assert.Equal(
            [$"team size 2 needs 2 eligible inspectors; only 1 eligible"],
            result.Failure.MissingConditions);
        Assert.Equal($"Cannot staff entity {Id(2)} (draw rank 2): team size 2 needs 2 eligible inspectors; only 1 eligible.", result.Failure.Message);
    }

    [Fact]
    public void A_joint_task_without_any_eligible_inspector_of_one_department_names_that_department_and_why()
    {
        var pool = new InspectorPool(
            [Inspector("C1", "SAMR", "FOOD"), Inspector("C2", "SAMR", "FOOD"), Inspector("H1", "HEALTH", "WATER") with { Active = false }, Inspector("H2", "HEALTH")],
            [], []);
        var parameters = new InspectorDrawParameters(Date, 2, 10, [new DepartmentRequirement("SAMR", ["FOOD"]), new DepartmentRequirement("HEALTH", ["WATER"])]);
        var result = InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, pool, [Entity(Id(1), 1)]);
        Assert.Equal(["department HEALTH: no eligible inspector qualified for items [WATER] (1 excluded: inactive; 1 excluded: not qualified for item WATER)"],
            result.Failure!.MissingConditions);
    }

    [Fact]
    public void Certificate_numbers_as_the_directory_accepts_them_can_be_drawn_and_others_are_refused()
    {
        // The directory takes letters of either case, digits and '-' (e.g. ZF-A-0001); the draw refused them all.
        var pool = Pool(3, "SAMR", ["FOOD"]);
        pool = pool with { Inspectors = [pool.Inspectors[0] with { CertificateNo = "ZF-A-0001" }, pool.Inspectors[1] with { CertificateNo = "mx-1" }, pool.Inspectors[2]] };
        var parameters = new InspectorDrawParameters(Date, 3, 10, [new DepartmentRequirement("SAMR", ["FOOD"])]);
        var result = InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, pool, [Entity(Id(1), 1)]);
        Assert.Contains("ZF-A-0001", result.Teams[0].Members.Select(m => m.CertificateNo));
        foreach (var bad in new[] { "-A1", "A 1", "A_1", "甲1", new string('A', 65), "" })
        {
            var broken = pool with { Inspectors = [pool.Inspectors[0] with { CertificateNo = bad }, pool.Inspectors[1], pool.Inspectors[2]] };
            Assert.Throws<ArgumentException>(() => InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, broken, [Entity(Id(1), 1)]));
        }
    }

    [Fact]
    public void Workload_assigned_earlier_in_the_same_draw_counts_against_the_cap()
    {
        var pool = Pool(4, "SAMR", ["FOOD"]);
        var parameters = new InspectorDrawParameters(Date, 2, 1, [new DepartmentRequirement("SAMR", ["FOOD"])]);
        var ok = InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, pool, [Entity(Id(1), 1), Entity(Id(2), 2)]);
        Assert.Empty(ok.Teams[0].Members.Select(m => m.CertificateNo).Intersect(ok.Teams[1].Members.Select(m => m.CertificateNo)));
        var tooMany = InspectorDraw.Run(Seed(1), "TASK-1", Alg, parameters, pool, [Entity(Id(1), 1), Entity(Id(2), 2), Entity(Id(3), 3)]);
        Assert.Equal(Id(3), tooMany.Failure!.MemberId);
        Assert.Contains("4 excluded: at workload cap", tooMany.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_excludes_the_inspectors_of_the_previous_random_inspection()
    {
        var pool = Pool(3, "SAMR", ["FOOD"]);
        var parameters = new InspectorDrawParameters(Date, 2, 10, [new DepartmentRequirement("SAMR", ["FOOD"])]);
        for (var s = 0; s < 30; s++)
        {
            var previous = pool.Inspectors[s % 3].CertificateNo;
            var result = InspectorDraw.Run(Seed(s), "TASK-1", Alg, parameters, pool with { PreviousInspections = [new PreviousInspection(Id(1), [previous])] }, [Entity(Id(1), 1)]);
            Assert.DoesNotContain(previous, result.Teams[0].Members.Select(m => m.CertificateNo));
        }
    }

    [Fact]
    public void A_team_smaller_than_two_or_than_the_number_of_departments_is_rejected()
    {
        var pool = Pool(4, "SAMR", ["FOOD"]);
        Assert.Throws<ArgumentException>(() => InspectorDraw.Run(Seed(1), "T", Alg, new InspectorDrawParameters(Date, 1, 10, [new DepartmentRequirement("SAMR", ["FOOD"])]), pool, []));
        Assert.Throws<ArgumentException>(() => InspectorDraw.Run(Seed(1), "T", Alg, new InspectorDrawParameters(Date, 2, 10,
            [new DepartmentRequirement("A", []), new DepartmentRequirement("B", []), new DepartmentRequirement("C", [])]), pool, []));
    }
}
