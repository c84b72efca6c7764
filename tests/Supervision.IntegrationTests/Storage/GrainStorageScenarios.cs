using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>Grain persistence behaviour, written once and run against both engines.</summary>
internal static class GrainStorageScenarios
{
    public static async Task Grain_state_survives_a_cluster_restart(StorageProvider provider, string connectionString)
    {
        var serviceId = $"svc-{Guid.NewGuid():N}";
        var key = $"ledger-{Guid.NewGuid():N}";

        await using (var first = await StorageTestClusters.StartAsync(provider, connectionString, serviceId))
        {
            var grain = first.Client.GetGrain<ILedgerGrain>(key);
            await grain.Append("opened", 10);
            var written = await grain.Append("inspected", 5);
            Assert.Equal(15, written.Total);
            await first.StopAllSilosAsync();
        }

        await using var second = await StorageTestClusters.StartAsync(provider, connectionString, serviceId);
        var reread = await second.Client.GetGrain<ILedgerGrain>(key).Read();

        Assert.Equal(15, reread.Total);
        Assert.Equal(["opened", "inspected"], reread.Entries);
        // Two writes: created at version 1, updated to version 2; one row per grain.
        Assert.Equal(2, await SchemaMigratorScenarios.CountAsync(provider, connectionString,
            "SELECT max(version) FROM orleans_storage"));
        Assert.Equal(1, await SchemaMigratorScenarios.CountAsync(provider, connectionString,
            "SELECT count(*) FROM orleans_storage"));
    }

    /// <summary>
    /// The optimistic-concurrency half of the query contract: a writer holding an old ETag, or a
    /// second "first write", must be rejected, not silently overwrite.
    /// </summary>
    public static async Task Stale_writes_are_rejected_and_clear_keeps_the_version_sequence(TestCluster cluster)
    {
        var storage = cluster.GetSiloServiceProvider(null).GetRequiredKeyedService<IGrainStorage>(SiloStorageConfiguration.StateStorageName);
        const string grainType = "ledger";
        var grainId = GrainId.Create(grainType, $"stale-{Guid.NewGuid():N}");

        var writer = new GrainState<LedgerState> { State = new LedgerState { Total = 1 } };
        await storage.WriteStateAsync(grainType, grainId, writer);
        Assert.Equal("1", writer.ETag);

        var laggard = new GrainState<LedgerState> { State = new LedgerState() };
        await storage.ReadStateAsync(grainType, grainId, laggard);
        Assert.Equal(1, laggard.State.Total);

        writer.State.Total = 2;
        await storage.WriteStateAsync(grainType, grainId, writer);
        Assert.Equal("2", writer.ETag);

        laggard.State.Total = 99;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, grainId, laggard));
        var secondCreator = new GrainState<LedgerState> { State = new LedgerState { Total = 98 } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(grainType, grainId, secondCreator));

        await storage.ClearStateAsync(grainType, grainId, writer);
        Assert.Equal("3", writer.ETag);
        var afterClear = new GrainState<LedgerState> { State = new LedgerState() };
        await storage.ReadStateAsync(grainType, grainId, afterClear);
        Assert.Equal(0, afterClear.State.Total);
        Assert.Equal("3", afterClear.ETag);

        afterClear.State.Total = 7;
        await storage.WriteStateAsync(grainType, grainId, afterClear);
        var final = new GrainState<LedgerState> { State = new LedgerState() };
        await storage.ReadStateAsync(grainType, grainId, final);
        Assert.Equal(7, final.State.Total);
        Assert.Equal("4", final.ETag);
    }

    public static async Task Registering_a_reminder_writes_a_row(StorageProvider provider, string connectionString, IClusterClient client)
    {
        var key = $"reminded-{Guid.NewGuid():N}";
        var grain = client.GetGrain<ILedgerGrain>(key);

        await grain.Remind("deadline", TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        await grain.Remind("deadline", TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20));

        var filter = $"FROM orleans_reminders WHERE reminder_name = 'deadline' AND grain_id LIKE '%{key}%'";
        Assert.Equal(1, await SchemaMigratorScenarios.CountAsync(provider, connectionString, $"SELECT count(*) {filter}"));
        // The upsert replaced the period (milliseconds) and bumped the ETag version.
        Assert.Equal((long)TimeSpan.FromMinutes(20).TotalMilliseconds,
            await SchemaMigratorScenarios.CountAsync(provider, connectionString, $"SELECT period {filter}"));
        Assert.Equal(1, await SchemaMigratorScenarios.CountAsync(provider, connectionString, $"SELECT version {filter}"));
    }
}
