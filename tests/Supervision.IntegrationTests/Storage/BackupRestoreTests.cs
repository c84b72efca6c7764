using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Supervision.Contracts.Audit;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Storage;

/// <summary>
/// Backups that restore: the embedded mode's <c>backup</c> (SQLite's online backup, taken while the platform runs) and
/// <c>restore</c>, and PostgreSQL's base backup started as a server of its own. Either way every table of the platform's
/// data is what it was when the backup was taken — later writes gone — and the audit chain verifies.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupRestoreTests(PostgresServer server)
{
    /// <summary>Orleans' own runtime tables (membership heartbeats, reminders, grain state) move on their own; every other table is compared.</summary>
    private static bool IsData(string table) => !table.StartsWith("orleans", StringComparison.OrdinalIgnoreCase) && table != "schema_migrations";

    [Fact]
    public async Task The_embedded_backup_taken_while_running_restores_every_table_and_the_audit_chain()
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        var backup = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using (var platform = await InspectionPlatform.StartAsync(dataDirectory: directory))
            {
                await WriteAsync(platform, "B");
                // Taken while the platform runs (its background jobs may write meanwhile): a consistent snapshot all the same.
                Assert.Equal(0, await Cli(["backup", "--out", backup, "--data", directory]));
                Assert.Equal(2, await Cli(["backup", "--out", backup, "--data", directory])); // never overwritten
                await WriteAsync(platform, "LATER"); // after the backup: gone once restored
            }

            await using var backedUp = SqlStore.Create(StorageProvider.Sqlite, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = backup, Pooling = false }.ConnectionString);
            var atBackup = await FingerprintAsync(backedUp);
            Assert.Equal(0, await Cli(["restore", "--from", backup, "--data", directory]));
            await using var store = SqlStore.Create(StorageProvider.Sqlite, new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "supervision.db") }.ConnectionString);
            await AssertSameAsync(atBackup, await FingerprintAsync(store));
            Assert.True((await new AuditChainStore(store, TimeProvider.System).VerifyAsync()).Intact);
            Assert.Equal(0, await Cli(["verify-audit", "--data", directory]));

            // The restored platform starts and serves what was backed up.
            await using var restored = await InspectionPlatform.StartAsync(dataDirectory: directory, seed: false);
            using var admin = await restored.Host.AdminAsync();
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/departments/B0")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/departments/LATER0")).StatusCode);
        }
        finally
        {
            ApiHost.TryDelete(directory);
            File.Delete(backup);
        }
    }

    [PostgresFact]
    public async Task A_PostgreSQL_base_backup_started_as_its_own_server_has_every_table_and_the_audit_chain()
    {
        var connectionString = await server.CreateDatabaseAsync("backup");
        await using (var platform = await InspectionPlatform.StartAsync(connectionString))
        {
            await WriteAsync(platform, "B");
        }

        // The platform stopped, so that the comparison has a fixed point; the base backup itself is online.
        await using var source = SqlStore.Create(StorageProvider.PostgreSql, connectionString);
        var atBackup = await FingerprintAsync(source);
        var copyPort = await server.BackUpAndStartCopyAsync();
        await using (var platform = await InspectionPlatform.StartAsync(connectionString, seed: false))
        {
            await WriteAsync(platform, "LATER"); // after the backup: not in the copy
        }

        var copy = new NpgsqlConnectionStringBuilder(connectionString) { Port = copyPort }.ConnectionString;
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, copy);
        await AssertSameAsync(atBackup, await FingerprintAsync(store));
        Assert.True((await new AuditChainStore(store, TimeProvider.System).VerifyAsync()).Intact);
        Assert.Equal(0, await Cli(["verify-audit", "--postgres", copy]));
        await using var connection = await store.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM departments WHERE code LIKE 'LATER%'"));
    }

    /// <summary>Departments, entities' audit lines and a chained audit log: data in several tables.</summary>
    private static async Task WriteAsync(InspectionPlatform platform, string prefix)
    {
        using var admin = await platform.Host.AdminAsync();
        for (var i = 0; i < 3; i++)
            await InspectionPlatform.ReadAsync(await admin.PostAsJsonAsync("/api/departments", new { code = $"{prefix}{i}", name = $"备份{prefix}{i}" }), HttpStatusCode.Created);
        await platform.Grains.GetGrain<IAuditChainGrain>(IAuditChainGrain.DefaultKey).Extend();
    }

    private static async Task AssertSameAsync(Dictionary<string, string> expected, Dictionary<string, string> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (table, hash) in expected)
            Assert.True(hash == actual[table], $"{table} differs after the restore");
        await Task.CompletedTask;
    }

    /// <summary>Every data table's rows, in a canonical order, hashed.</summary>
    private static async Task<Dictionary<string, string>> FingerprintAsync(SqlStore store)
    {
        await using var connection = await store.OpenAsync();
        var tables = (await connection.QueryAsync<string>(store.IsPostgres
            ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).Where(IsData).ToList();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var rows = (await connection.QueryAsync($"SELECT * FROM {table}"))
                .Select(r => JsonSerializer.Serialize((IDictionary<string, object?>)r)).Order(StringComparer.Ordinal);
            result[table] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rows))));
        }

        Assert.Contains("audit_chain", result.Keys);
        return result;
    }

    private static Task<int> Cli(string[] args) =>
        new RootCommand { Supervision.Cli.BackupCommand.CreateBackup(), Supervision.Cli.BackupCommand.CreateRestore(), Supervision.Cli.VerifyAuditCommand.Create() }
            .Parse(args).InvokeAsync();
}
