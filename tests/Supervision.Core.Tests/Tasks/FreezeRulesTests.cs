using Supervision.Core.Draw;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

public sealed class FreezeRulesTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static UInt128 Code(string id) => SnapshotChunks.TryEncode(id, out var code) ? code : throw new ArgumentException(id);

    private static string Id(int n) => "91110000" + n.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    private static TaskDefinition Stratified()
    {
        var (definition, errors) = TaskDefinitions.Normalize(
            new TaskDraft("t", "D1", [], ["I1"], null, new SamplingRuleDraft("stratified", [new ClassQuota("A", 1, null)], null, null), 2,
                Today.AddDays(30), null, null), ReferenceData.Default, Today);
        Assert.True(definition is not null, string.Join("; ", errors));
        return definition!;
    }

    [Fact]
    public void Cap_exclusions_follow_the_snapshot_order_and_name_the_items_cap_before_the_departments()
    {
        UInt128[] population = [Code(Id(1)), Code(Id(2)), Code(Id(3)), Code(Id(4))];
        var overItem = new HashSet<UInt128> { Code(Id(3)), Code(Id(2)), Code(Id(9)) };
        var overDepartment = new HashSet<UInt128> { Code(Id(2)), Code(Id(4)) };

        var exclusions = FreezeRules.CapExclusions(population, overItem, overDepartment);

        Assert.Equal(
            [
                new MemberExclusion(Id(2), FreezeRules.YearlyCapReason),
                new MemberExclusion(Id(3), FreezeRules.YearlyCapReason),
                new MemberExclusion(Id(4), FreezeRules.DepartmentCapReason),
            ],
            exclusions);
    }

    [Fact]
    public void No_cap_reached_excludes_no_one()
    {
        Assert.Empty(FreezeRules.CapExclusions([Code(Id(1)), Code(Id(2))], new HashSet<UInt128>(), new HashSet<UInt128>()));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)] // above 2^16: the halves are sorted on two cores and merged
    public void Members_are_sorted_by_id_code_and_keep_their_class(int count)
    {
        var random = new Random(count);
        var ids = Enumerable.Range(0, count).Select(Id).OrderBy(_ => random.Next()).ToArray();
        var codes = ids.Select(Code).ToArray();
        var classOf = ids.Select(id => (byte)(id[^1] % 4)).ToArray();

        var (sortedIds, sortedClasses) = FreezeRules.SortMembers(codes, classOf);

        var expected = ids.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, sortedIds.Select(SnapshotChunks.DecodeToString));
        Assert.Equal(expected.Select(id => (byte)(id[^1] % 4)), sortedClasses);
    }

    [Fact]
    public void A_member_listed_twice_is_an_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            FreezeRules.SortMembers([Code(Id(2)), Code(Id(1)), Code(Id(2))], [0, 0, 1]));
        Assert.Contains(Id(2), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(FreezeRules.ChunkSize, 1)]
    [InlineData(FreezeRules.ChunkSize + 1, 2)]
    [InlineData(10 * FreezeRules.ChunkSize, 10)]
    public void A_snapshot_has_whole_chunks_and_at_least_one(int members, int chunks) =>
        Assert.Equal(chunks, FreezeRules.ChunkCount(members));

    [Theory]
    [InlineData(1, 524_288, 1)]
    [InlineData(8, 524_288, 1)]
    [InlineData(17, 524_288, 3)]   // 8 chunks a call
    [InlineData(17, 100_000, 17)]  // rounded down to one chunk a call
    [InlineData(17, 1_000, 17)]    // less than a chunk still takes one
    public void Partitions_take_whole_chunks(int chunks, int partitionSize, int partitions) =>
        Assert.Equal(partitions, FreezeRules.PartitionCount(chunks, partitionSize));

    [Fact]
    public void The_census_is_taken_without_the_seed_and_counts_the_exclusions_by_reason()
    {
        var definition = Stratified();
        var classes = definition.Filter.CreditClasses;
        var codes = Enumerable.Range(1, 6).Select(i => Code(Id(i))).ToArray();
        var classOf = codes.Select((_, i) => (byte)(i % classes.Count)).ToArray();
        var exclusions = FreezeRules.CapExclusions(codes, new HashSet<UInt128> { codes[0], codes[1] }, new HashSet<UInt128> { codes[1], codes[4] });

        var setup = FreezeRules.CensusSetup("T-1", definition, exclusions);
        var chunk = SnapshotChunks.Build(0, codes, classOf, classes, classes.Select(definition.WeightMicros).ToArray(), []);
        var census = EntityDraw.Census(setup, chunk, first: true);

        Assert.All(setup.Seed, b => Assert.Equal(0, b));
        Assert.Equal("T-1", setup.TaskId);
        Assert.Equal(exclusions, setup.Parameters.Exclusions);
        Assert.Equal([new ExclusionCount(FreezeRules.DepartmentCapReason, 1), new ExclusionCount(FreezeRules.YearlyCapReason, 2)],
            FreezeRules.ExcludedCounts(census));
        Assert.Equal(codes.Length - exclusions.Count, census.Counts.Sum());
    }
}
