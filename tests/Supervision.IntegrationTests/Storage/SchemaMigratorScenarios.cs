using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>Migrator behaviour, written once and run against both engines.</summary>
internal static class SchemaMigratorScenarios
{
    /// <summary>Every key the 10.4.2 grain storage provider demands.</summary>
    public static readonly string[] PersistenceKeys = ["WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey"];

    /// <summary>Every key the 10.4.2 reminder provider demands.</summary>
    public static readonly string[] ReminderKeys =
    [
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
        "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    /// <summary>Every key the 10.4.2 clustering provider demands (its constructor checks them all).</summary>
    public static readonly string[] ClusteringKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
    ];

    public static async Task Applying_twice_is_a_no_op(StorageProvider provider, string connectionString)
    {
        var migrator = new SchemaMigrator(provider, connectionString);
        Assert.NotEmpty(migrator.Scripts);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(migrator.Scripts.Select(s => s.Version), first.Select(s => s.Version));
        Assert.Empty(second);
        var status = await migrator.GetStatusAsync();
        Assert.True(status.IsUpToDate);
        Assert.Equal(
            migrator.Scripts.Select(s => (s.Version, s.Name, s.Checksum)),
            status.Applied.Select(a => (a.Version, a.Name, a.Checksum)));
        Assert.Equal(migrator.Scripts.Count, await CountAsync(provider, connectionString, "SELECT count(*) FROM schema_migrations"));
    }

    public static async Task Status_lists_pending_scripts_and_a_new_script_is_applied_once(StorageProvider provider, string connectionString)
    {
        var embedded = SchemaMigrator.LoadEmbeddedScripts(provider);
        var before = await new SchemaMigrator(provider, connectionString).GetStatusAsync();
        Assert.Empty(before.Applied);
        Assert.Equal(embedded.Select(s => s.Version), before.Pending.Select(s => s.Version));

        await SchemaMigrator.MigrateAsync(provider, connectionString);
        var next = new SchemaScript(9999, "probe", "CREATE TABLE migration_probe (id integer PRIMARY KEY);");
        var extended = new SchemaMigrator(provider, connectionString, [.. embedded, next]);

        Assert.Equal([9999], (await extended.GetStatusAsync()).Pending.Select(s => s.Version));
        Assert.Equal([9999], (await extended.MigrateAsync()).Select(s => s.Version));
        Assert.Empty(await extended.MigrateAsync());
        Assert.Equal(0, await CountAsync(provider, connectionString, "SELECT count(*) FROM migration_probe"));
    }

    public static async Task A_changed_checksum_is_refused(StorageProvider provider, string connectionString)
    {
        await SchemaMigrator.MigrateAsync(provider, connectionString);
        var embedded = SchemaMigrator.LoadEmbeddedScripts(provider);
        var edited = embedded.Select((s, i) => i == 0 ? s with { Sql = s.Sql + "\n-- an innocent-looking edit\n" } : s);
        var extraAfterEdit = new SchemaScript(9998, "must_not_run", "CREATE TABLE must_not_exist (id integer);");

        var error = await Assert.ThrowsAsync<SchemaChecksumMismatchException>(
            () => new SchemaMigrator(provider, connectionString, [.. edited, extraAfterEdit]).MigrateAsync());

        Assert.Equal(embedded[0].Version, error.Version);
        Assert.Contains("changed after it was applied", error.Message, StringComparison.Ordinal);
        // Refusal happens before anything else is applied.
        Assert.DoesNotContain(9998, (await new SchemaMigrator(provider, connectionString).GetStatusAsync()).Applied.Select(a => a.Version));
    }

    public static async Task The_orleans_query_table_holds_every_key_the_providers_need(
        StorageProvider provider, string connectionString, IEnumerable<string> keys)
    {
        await SchemaMigrator.MigrateAsync(provider, connectionString);
        await using var connection = Open(provider, connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // The exact text the providers run at start-up.
        command.CommandText = "SELECT QueryKey, QueryText FROM OrleansQuery";
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                present.Add(reader.GetString(0));
            }
        }

        Assert.All(keys, key => Assert.Contains(key, present));
    }

    public static async Task<long> CountAsync(StorageProvider provider, string connectionString, string sql)
    {
        await using var connection = Open(provider, connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static DbConnection Open(StorageProvider provider, string connectionString) => provider == StorageProvider.PostgreSql
        ? new NpgsqlConnection(connectionString)
        : new SqliteConnection(connectionString);
}
