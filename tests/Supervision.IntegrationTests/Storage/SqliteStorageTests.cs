using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;
using Supervision.Grains.Hosting;
using Supervision.Grains.Hosting.Sqlite;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>A fresh SQLite file per test, deleted afterwards (WAL side files included).</summary>
public abstract class SqliteFileTest : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"supervision-sqlite-{Guid.NewGuid():N}");

    protected SqliteFileTest()
    {
        Directory.CreateDirectory(_directory);
        ConnectionString = $"Data Source={Path.Combine(_directory, "supervision.db")}";
    }

    protected string ConnectionString { get; }

    public void Dispose()
    {
        // Pooled connections keep the file open; release them before deleting.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteSchemaMigratorTests : SqliteFileTest
{
    [Fact]
    public Task Applying_twice_is_a_no_op_and_records_every_version() =>
        SchemaMigratorScenarios.Applying_twice_is_a_no_op(StorageProvider.Sqlite, ConnectionString);

    [Fact]
    public Task Status_lists_pending_scripts_and_a_new_script_is_applied_once() =>
        SchemaMigratorScenarios.Status_lists_pending_scripts_and_a_new_script_is_applied_once(StorageProvider.Sqlite, ConnectionString);

    [Fact]
    public Task A_changed_checksum_is_refused() =>
        SchemaMigratorScenarios.A_changed_checksum_is_refused(StorageProvider.Sqlite, ConnectionString);

    [Fact]
    public async Task No_ado_net_query_texts_remain_for_sqlite()
    {
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, ConnectionString);

        // 0004 removed the texts that described the old orleans_storage shape; nothing reads them.
        Assert.Equal(0, await SchemaMigratorScenarios.CountAsync(StorageProvider.Sqlite, ConnectionString,
            "SELECT count(*) FROM OrleansQuery"));
    }

    [Fact]
    public async Task Script_0004_refuses_to_drop_a_storage_table_that_holds_rows()
    {
        var embedded = SchemaMigrator.LoadEmbeddedScripts(StorageProvider.Sqlite);
        Assert.Contains(embedded, s => s.Version == 4);
        await new SchemaMigrator(StorageProvider.Sqlite, ConnectionString, embedded.Where(s => s.Version < 4)).MigrateAsync();
        await using (var connection = SchemaMigratorScenarios.Open(StorageProvider.Sqlite, ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO orleans_storage (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, payload, version)
                VALUES ('svc', 1, 'ledger', 2, 3, 4, x'00', 1)
                """;
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, ConnectionString));

        Assert.Contains("rows_in_orleans_storage", error.Message, StringComparison.Ordinal);
        // Rolled back: the row is still there and 0004 is still pending.
        Assert.Equal(1, await SchemaMigratorScenarios.CountAsync(StorageProvider.Sqlite, ConnectionString,
            "SELECT count(*) FROM orleans_storage WHERE grain_id_n0 = 3"));
        var status = await new SchemaMigrator(StorageProvider.Sqlite, ConnectionString).GetStatusAsync();
        Assert.Equal(4, status.Pending.Select(p => p.Version).Min());
        Assert.DoesNotContain(status.Applied, a => a.Version >= 4);
    }

    [Fact]
    public async Task The_database_file_uses_write_ahead_logging()
    {
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, ConnectionString);
        await using var connection = SchemaMigratorScenarios.Open(StorageProvider.Sqlite, ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}

/// <summary>
/// The project's own SQLite grain storage and reminder table (Orleans 10.4.2's ADO.NET providers
/// refuse SQLite), through a real Orleans test cluster on a throw-away file.
/// </summary>
public sealed class SqliteGrainStorageTests : SqliteFileTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public Task Grain_state_survives_a_cluster_restart_on_the_same_file() =>
        GrainStorageScenarios.Grain_state_survives_a_cluster_restart(StorageProvider.Sqlite, ConnectionString);

    [Fact]
    public async Task Stale_writes_are_rejected_and_clear_keeps_the_version_sequence()
    {
        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-stale");
        await GrainStorageScenarios.Stale_writes_are_rejected_and_clear_keeps_the_version_sequence(cluster);
    }

    [Fact]
    public async Task The_state_name_and_the_default_name_are_one_sqlite_provider()
    {
        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-names");
        var services = cluster.GetSiloServiceProvider(null);

        var named = services.GetRequiredKeyedService<IGrainStorage>(SiloStorageConfiguration.StateStorageName);
        Assert.IsType<SqliteGrainStorage>(named);
        Assert.Same(named, services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        Assert.Same(named, services.GetRequiredService<IGrainStorage>());
        Assert.IsType<SqliteReminderTable>(services.GetRequiredService<IReminderTable>());
    }

    [Fact]
    public async Task Services_sharing_a_file_do_not_see_each_others_state()
    {
        var key = $"shared-{Guid.NewGuid():N}";
        await using (var first = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-a"))
        {
            await first.Client.GetGrain<ILedgerGrain>(key).Append("only in a", 1);
            await first.StopAllSilosAsync();
        }

        await using var second = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-b");
        var seen = await second.Client.GetGrain<ILedgerGrain>(key).Read();

        Assert.Equal(0, seen.Total);
        Assert.Empty(seen.Entries);
    }

    [Fact]
    public async Task Registering_a_reminder_writes_a_row()
    {
        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-reminder-row");
        await GrainStorageScenarios.Registering_a_reminder_writes_a_row(StorageProvider.Sqlite, ConnectionString, cluster.Client);
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_after_it()
    {
        const string serviceId = "svc-reminder-restart";
        var key = $"ticking-{Guid.NewGuid():N}";

        await using (var first = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, serviceId))
        {
            await first.Client.GetGrain<ITickGrain>(key).Start("heartbeat", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2));
            await first.StopAllSilosAsync();
        }

        // Nothing in memory survives the cluster: only the file can bring the reminder back.
        Assert.Equal(1, await SchemaMigratorScenarios.CountAsync(StorageProvider.Sqlite, ConnectionString,
            $"SELECT count(*) FROM orleans_reminders WHERE service_id = '{serviceId}' AND reminder_name = 'heartbeat' AND grain_id LIKE '%{key}%'"));

        var restartedAt = DateTime.UtcNow;
        await using var second = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, serviceId);
        var grain = second.Client.GetGrain<ITickGrain>(key);

        var deadline = DateTime.UtcNow + Patience;
        TickState state;
        while (true)
        {
            state = await grain.Ticks();
            if (state.Received.Any(t => t.Name == "heartbeat" && t.At >= restartedAt) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Contains(state.Received, t => t.Name == "heartbeat" && t.At >= restartedAt);
        // The tick was persisted through the SQLite grain storage as well.
        Assert.True(await SchemaMigratorScenarios.CountAsync(StorageProvider.Sqlite, ConnectionString,
            $"SELECT count(*) FROM orleans_storage WHERE service_id = '{serviceId}' AND grain_type = 'ticks' AND payload IS NOT NULL") == 1);
    }
}
