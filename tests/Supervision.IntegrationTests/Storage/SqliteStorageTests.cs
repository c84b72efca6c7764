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
    public Task The_orleans_query_table_holds_every_grain_storage_key() =>
        SchemaMigratorScenarios.The_orleans_query_table_holds_every_key_the_providers_need(
            StorageProvider.Sqlite, ConnectionString, SchemaMigratorScenarios.PersistenceKeys);

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
/// Orleans 10.4.2's ADO.NET providers cannot use SQLite (verified: they throw at silo start).
/// This pins the clear refusal; when it starts failing, SQLite support has arrived and the
/// PostgreSQL round-trip scenarios in GrainStorageScenarios should be run against SQLite too.
/// </summary>
public sealed class SqliteGrainStorageTests : SqliteFileTest
{
    [Fact]
    public async Task Sqlite_grain_storage_is_refused_with_the_reason_at_configuration_time()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(
            () => StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "svc-sqlite"));

        Assert.Contains("Microsoft.Data.Sqlite", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("NotSupportedException", error.ToString(), StringComparison.Ordinal);
    }
}
