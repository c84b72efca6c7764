using CsCheck;
using Supervision.Core.Draw;
using static Supervision.Core.Tests.Draw.DrawFixtures;

namespace Supervision.Core.Tests.Draw;

public class EntityDrawPropertyTests
{
    private static readonly Gen<(int Size, int PopSeed, int DrawSeed, int Partitions, int Shuffle, bool Pareto)> Cases =
        Gen.Select(Gen.Int[1, 400], Gen.Int, Gen.Int[0, 1000], Gen.Int[1, 9], Gen.Int, Gen.Bool);

    private static EntityDrawParameters Params(bool pareto, int size) => pareto ? Pareto(Math.Max(1, size / 10)) : Stratified();

    [Fact]
    public void Shuffling_rows_and_changing_the_partition_count_never_changes_the_result()
    {
        Cases.Sample(c =>
        {
            var members = Population(c.Size, c.PopSeed);
            var p = Params(c.Pareto, c.Size);
            var single = Json(RunDraw(Seed(c.DrawSeed), p, members));
            var partitioned = Json(RunDraw(Seed(c.DrawSeed), p, Shuffle(members, c.Shuffle), c.Partitions));
            Assert.Equal(single, partitioned);
        }, iter: 150);
    }

    [Fact]
    public void Merging_partition_scans_in_any_order_gives_the_single_scan_result()
    {
        Cases.Sample(c =>
        {
            var members = Population(c.Size, c.PopSeed);
            var setup = new EntityDrawSetup(Seed(c.DrawSeed), "TASK-1", Alg, Params(c.Pareto, c.Size));
            var plan = EntityDraw.Plan(setup, EntityDraw.Census(setup, members));
            var whole = EntityDraw.Merge(plan, [EntityDraw.PartitionScan(plan, members)]);
            var parts = EntityDraw.Split(Shuffle(members, c.Shuffle), c.Partitions)
                .Select(part => EntityDraw.PartitionScan(plan, part.Span)).Reverse().ToArray();
            // Memory O(quota): each partition keeps at most one candidate more than each quota (the boundary, draw-spec §11.2).
            Assert.All(parts, part => Assert.True(part.CandidateCount <= plan.Quota.Sum() + plan.Quota.Length + plan.ParetoTotal + 1));
            Assert.Equal(Json(whole), Json(EntityDraw.Merge(plan, parts)));
        }, iter: 100);
    }

    [Fact]
    public void Adding_members_outside_the_filter_never_changes_the_result()
    {
        Cases.Sample(c =>
        {
            var members = Population(c.Size, c.PopSeed);
            var outsiders = Population(c.Size / 2 + 1, c.PopSeed ^ 0x5a5a, ["E", "X-OUT"]);
            var p = Params(c.Pareto, c.Size);
            var mixed = Shuffle(members.Concat(outsiders.Where(o => members.All(m => m.MemberId != o.MemberId))).ToArray(), c.Shuffle);
            Assert.Equal(Json(RunDraw(Seed(c.DrawSeed), p, members)), Json(RunDraw(Seed(c.DrawSeed), p, mixed, c.Partitions)));
        }, iter: 100);
    }

    [Fact]
    public void Changing_the_seed_changes_the_drawn_list()
    {
        Gen.Select(Gen.Int, Gen.Int[0, 1_000_000], Gen.Bool).Sample((popSeed, s, pareto) =>
        {
            var members = Population(600, popSeed);
            var p = Params(pareto, 600);
            var a = RunDraw(Seed(s), p, members).Drawn.Select(d => d.MemberId);
            var b = RunDraw(Seed(s + 1), p, members).Drawn.Select(d => d.MemberId);
            Assert.NotEqual(a, b);
        }, iter: 50);
    }

    [Fact]
    public void Excluded_members_are_never_drawn_and_are_counted_per_reason()
    {
        var members = Population(500, 7);
        var exclusions = members.Take(40).Select((m, i) => new MemberExclusion(m.MemberId, i % 3 == 0 ? "case-driven" : "yearly-cap"))
            .Append(new MemberExclusion(Id(999_999), "yearly-cap")).ToArray(); // not in the population: not counted
        foreach (var p in new[] { Stratified(exclusions), Pareto(60, exclusions) })
        {
            var result = RunDraw(Seed(3), p, members, 3);
            Assert.DoesNotContain(result.Drawn, d => exclusions.Any(e => e.MemberId == d.MemberId));
            Assert.Equal([new ExclusionCount("case-driven", 14), new ExclusionCount("yearly-cap", 26)], result.Exclusions);
            Assert.Equal(460, result.Strata.Sum(s => s.PopulationCount));
        }
    }

    [Fact]
    public void Every_stratum_keeps_a_positive_probability_and_ratios_round_up()
    {
        var members = Enumerable.Range(0, 1000).Select(i => new PopulationMember(Id(i), i < 150 ? "A" : i < 400 ? "B" : i < 900 ? "C" : "D", 1_000_000)).ToArray();
        var result = RunDraw(Seed(1), Stratified(), members);
        // A: ceil(0.01*150)=2; B: count 3; C: ceil(0.1*500)=50; D: ceil(0.3*100)=30
        Assert.Equal(new[] { 2, 3, 50, 30 }, result.Strata.Select(s => s.DrawnCount));
        Assert.All(result.Drawn.Where(d => d.Stratum == "A"), d => Assert.Equal("2/150", d.InclusionProbability));
        Assert.Throws<ArgumentException>(() => new EntityDrawSetup(Seed(1), "T", Alg,
            new EntityDrawParameters(DrawModes.Stratified, [new StratumRule("A", Count: 0)], null, [])));
        Assert.Throws<ArgumentException>(() => new EntityDrawSetup(Seed(1), "T", Alg,
            new EntityDrawParameters(DrawModes.Stratified, [new StratumRule("A", Ratio: "0.01", Minimum: 0)], null, [])));
    }

    [Fact]
    public void Ranks_follow_the_key_order_and_ties_in_u_break_by_member_id()
    {
        var result = RunDraw(Seed(5), Stratified(), Population(2000, 11));
        Assert.Equal(Enumerable.Range(1, result.Drawn.Count), result.Drawn.Select(d => d.Rank));
        for (var i = 1; i < result.Drawn.Count; i++)
            Assert.True(result.Drawn[i - 1].Uniform < result.Drawn[i].Uniform
                || (result.Drawn[i - 1].Uniform == result.Drawn[i].Uniform && string.CompareOrdinal(result.Drawn[i - 1].MemberId, result.Drawn[i].MemberId) < 0));
    }

    [Fact]
    public void Pareto_members_whose_probability_reaches_one_are_always_taken_first()
    {
        var members = Enumerable.Range(0, 100).Select(i => new PopulationMember(Id(i), "C", i == 7 ? 500_000_000 : i == 9 ? 300_000_000 : 1_000_000)).ToArray();
        for (var s = 0; s < 20; s++)
        {
            var result = RunDraw(Seed(s), Pareto(10), members, 4);
            Assert.Equal(2, result.Pareto!.CertainCount);
            Assert.Equal([Id(7), Id(9)], result.Drawn.Take(2).Select(d => d.MemberId));
            Assert.All(result.Drawn.Take(2), d => Assert.Equal("1/1", d.InclusionProbability));
            Assert.All(result.Drawn.Skip(2), d => Assert.Equal("8000000/98000000", d.InclusionProbability));
            Assert.Equal(10, result.Drawn.Count);
        }
    }
}
