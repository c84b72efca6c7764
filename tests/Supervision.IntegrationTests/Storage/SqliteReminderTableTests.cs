using Orleans.Runtime;
using Supervision.Grains.Hosting.Sqlite;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>
/// <see cref="SqliteReminderTable"/> used directly (no silo): ring ranges, ETags, round trips and
/// service isolation, against a migrated throw-away file.
/// </summary>
public sealed class SqliteReminderTableTests : SqliteFileTest
{
    private const string ServiceId = "svc-reminders";

    [Fact]
    public async Task Ring_ranges_return_exactly_the_hashes_in_begin_exclusive_end_inclusive()
    {
        var (table, entries) = await SeedAsync(60);
        await using var _ = table;
        var hashes = entries.Select(e => e.GrainId.GetUniformHashCode()).Distinct().Order().ToArray();
        // Unsigned storage matters only if some hashes use the top bit; with 60 uniform hashes
        // the chance that none do is 2^-60.
        Assert.Contains(hashes, h => h > int.MaxValue);
        Assert.Contains(hashes, h => h <= int.MaxValue);

        // Plain interval: the lower bound is excluded, the upper bound included.
        await AssertRangeAsync(table, entries, hashes[3], hashes[10]);
        Assert.Equal(7, (await table.ReadRows(hashes[3], hashes[10])).Reminders.Count);
        // Wrap-around: after begin up to uint.MaxValue, then from 0 up to end.
        await AssertRangeAsync(table, entries, hashes[50], hashes[5]);
        Assert.Equal(hashes.Length - 50 - 1 + 6, (await table.ReadRows(hashes[50], hashes[5])).Reminders.Count);
        // begin == end is the whole ring.
        Assert.Equal(entries.Count, (await table.ReadRows(hashes[20], hashes[20])).Reminders.Count);
        Assert.Equal(entries.Count, (await table.ReadRows(0u, 0u)).Reminders.Count);
        // The extremes, where signed storage or a wrong comparison would go astray.
        await AssertRangeAsync(table, entries, 0u, uint.MaxValue);
        await AssertRangeAsync(table, entries, uint.MaxValue, 0u);
        await AssertRangeAsync(table, entries, int.MaxValue, uint.MaxValue);
        await AssertRangeAsync(table, entries, (uint)int.MaxValue + 1, 5u);
        Assert.Equal(hashes.Count(h => h > int.MaxValue), (await table.ReadRows(int.MaxValue, uint.MaxValue)).Reminders.Count);

        var random = new Random(20240611);
        for (var i = 0; i < 200; i++)
        {
            // Half the bounds are existing hashes, so the boundary cases come up often.
            var begin = random.Next(2) == 0 ? hashes[random.Next(hashes.Length)] : (uint)random.NextInt64(0, 1L << 32);
            var end = random.Next(2) == 0 ? hashes[random.Next(hashes.Length)] : (uint)random.NextInt64(0, 1L << 32);
            await AssertRangeAsync(table, entries, begin, end);
        }
    }

    [Fact]
    public async Task Etags_count_upserts_and_removal_needs_the_current_one()
    {
        await using var table = await CreateTableAsync(ServiceId);
        var grain = GrainId.Create("probe", "etag");
        var entry = new ReminderEntry
        {
            GrainId = grain,
            ReminderName = "deadline",
            StartAt = new DateTime(2025, 3, 1, 8, 30, 15, DateTimeKind.Utc).AddTicks(1234567),
            Period = TimeSpan.FromMinutes(5),
        };

        Assert.Equal("0", await table.UpsertRow(entry));
        var updated = new ReminderEntry { GrainId = grain, ReminderName = "deadline", StartAt = entry.StartAt, Period = TimeSpan.FromMinutes(7) };
        Assert.Equal("1", await table.UpsertRow(updated));

        var read = await table.ReadRow(grain, "deadline");
        Assert.NotNull(read);
        Assert.Equal("1", read.ETag);
        Assert.Equal(grain, read.GrainId);
        Assert.Equal(entry.StartAt, read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(7), read.Period);

        Assert.False(await table.RemoveRow(grain, "deadline", "0"));
        Assert.False(await table.RemoveRow(grain, "deadline", "not-an-etag"));
        Assert.NotNull(await table.ReadRow(grain, "deadline"));
        Assert.True(await table.RemoveRow(grain, "deadline", "1"));
        Assert.Null(await table.ReadRow(grain, "deadline"));
        Assert.False(await table.RemoveRow(grain, "deadline", "1"));
    }

    [Fact]
    public async Task Rows_by_grain_and_services_sharing_a_file_stay_apart()
    {
        await using var mine = await CreateTableAsync(ServiceId);
        await using var theirs = await CreateTableAsync("svc-other");
        var a = GrainId.Create("probe", "a");
        var b = GrainId.Create("probe", "b");
        await mine.UpsertRow(Entry(a, "one"));
        await mine.UpsertRow(Entry(a, "two"));
        await mine.UpsertRow(Entry(b, "one"));
        await theirs.UpsertRow(Entry(a, "theirs"));

        Assert.Equal(["one", "two"], (await mine.ReadRows(a)).Reminders.Select(r => r.ReminderName).Order());
        Assert.Equal(["one"], (await mine.ReadRows(b)).Reminders.Select(r => r.ReminderName));
        Assert.Equal(3, (await mine.ReadRows(0u, 0u)).Reminders.Count);
        Assert.Null(await mine.ReadRow(a, "theirs"));

        await mine.TestOnlyClearTable();
        Assert.Empty((await mine.ReadRows(0u, 0u)).Reminders);
        Assert.Equal(["theirs"], (await theirs.ReadRows(0u, 0u)).Reminders.Select(r => r.ReminderName));
    }

    [Fact]
    public async Task Start_fails_when_the_schema_was_never_applied()
    {
        await using var table = new SqliteReminderTable(ConnectionString, ServiceId);
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => table.StartAsync(CancellationToken.None));
    }

    private static bool InRing(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static async Task AssertRangeAsync(SqliteReminderTable table, List<ReminderEntry> entries, uint begin, uint end)
    {
        var expected = entries.Where(e => InRing(e.GrainId.GetUniformHashCode(), begin, end)).Select(e => e.GrainId.ToString()).Order();
        var actual = (await table.ReadRows(begin, end)).Reminders.Select(e => e.GrainId.ToString()).Order();
        Assert.True(expected.SequenceEqual(actual), $"range ({begin}, {end}]: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
    }

    private async Task<(SqliteReminderTable Table, List<ReminderEntry> Entries)> SeedAsync(int count)
    {
        var table = await CreateTableAsync(ServiceId);
        var entries = Enumerable.Range(0, count).Select(i => Entry(GrainId.Create("probe", $"grain-{i}"), "tick")).ToList();
        foreach (var entry in entries)
        {
            await table.UpsertRow(entry);
        }

        return (table, entries);
    }

    private async Task<SqliteReminderTable> CreateTableAsync(string serviceId)
    {
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, ConnectionString);
        var table = new SqliteReminderTable(ConnectionString, serviceId);
        await table.StartAsync(CancellationToken.None);
        return table;
    }

    private static ReminderEntry Entry(GrainId grain, string name) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = DateTime.UtcNow,
        Period = TimeSpan.FromMinutes(1),
    };
}
