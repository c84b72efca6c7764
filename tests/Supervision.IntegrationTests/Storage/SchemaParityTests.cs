using Dapper;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Storage;

/// <summary>
/// The schema is written twice, once per engine (docs/storage.md, "Why each script is written twice"); what keeps the two
/// in step is this test: after every script, both engines have the same tables with the same columns, apart from the
/// tables that are one engine's own by design.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaParityTests(PostgresServer server)
{
    /// <summary>
    /// Each engine's own tables by design: Orleans' (the ADO.NET providers' tables on PostgreSQL, the embedded mode's own
    /// grain storage and reminders on SQLite, 0001 and 0004) and PostgreSQL's name grams (0014).
    /// </summary>
    private static bool EnginesOwn(string table) =>
        table.StartsWith("orleans", StringComparison.Ordinal) || table == "published_name_grams";

    [PostgresFact]
    public async Task Both_engines_have_the_same_tables_and_columns_after_every_script()
    {
        var postgres = await server.CreateDatabaseAsync("schema_parity");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, postgres);
        using var files = new ScratchFiles("schema-parity-");
        var sqlite = $"Data Source={files["supervision.db"]}";
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, sqlite);

        var onPostgres = await ColumnsAsync(StorageProvider.PostgreSql, postgres,
            "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public'");
        var onSqlite = await ColumnsAsync(StorageProvider.Sqlite, sqlite,
            "SELECT m.name || '.' || c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'");

        Assert.Contains("orleans_storage.grain_id_hash", onPostgres);
        Assert.Contains("orleans_storage.grain_id", onSqlite);
        Assert.Contains("draw_tasks.task_id", onSqlite);
        var missingOnSqlite = onPostgres.Where(c => !EnginesOwn(TableOf(c))).Except(onSqlite).Order(StringComparer.Ordinal).ToArray();
        var missingOnPostgres = onSqlite.Where(c => !EnginesOwn(TableOf(c))).Except(onPostgres).Order(StringComparer.Ordinal).ToArray();
        Assert.True(missingOnSqlite.Length == 0, "only on PostgreSQL: " + string.Join(", ", missingOnSqlite));
        Assert.True(missingOnPostgres.Length == 0, "only on SQLite: " + string.Join(", ", missingOnPostgres));
    }

    private static string TableOf(string column) => column[..column.IndexOf('.', StringComparison.Ordinal)];

    private static async Task<HashSet<string>> ColumnsAsync(StorageProvider provider, string connectionString, string sql)
    {
        await using var store = SqlStore.Create(provider, connectionString);
        await using var connection = await store.OpenAsync();
        return (await connection.QueryAsync<string>(sql)).Select(c => c.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }
}
