using Dapper;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Registry;

public sealed class SqliteImportTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
    private SqlStore _store = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "supervision.db")}";

    public async Task InitializeAsync() => _store = await ImportScenarios.FreshStoreAsync(StorageProvider.Sqlite, ConnectionString);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        ApiHost.TryDelete(_directory);
    }

    [Fact]
    public Task Reimporting_the_same_file_changes_nothing() => ImportScenarios.Reimporting_the_same_file_changes_nothing(_store);

    [Fact]
    public Task The_audit_log_refuses_updates_and_deletes() => AuditScenarios.The_audit_log_refuses_updates_and_deletes(_store);

    [Fact]
    public Task Bad_rows_are_reported_by_line_and_the_rest_is_imported() => ImportScenarios.Bad_rows_are_reported_by_line_and_the_rest_is_imported(_store);

    [Fact]
    public Task A_truncated_file_or_a_file_that_is_not_csv_changes_nothing() => ImportScenarios.A_truncated_file_or_a_file_that_is_not_csv_changes_nothing(_store);

    [Fact]
    public Task A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier() => ImportScenarios.A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier(_store);

    [Fact]
    public Task A_file_without_credit_classes_keeps_the_classes_already_held() => ImportScenarios.A_file_without_credit_classes_keeps_the_classes_already_held(_store);

    [Fact]
    public Task Every_import_is_one_audit_line_naming_the_file_hash() => ImportScenarios.Every_import_is_one_audit_line_naming_the_file_hash(_store);

    [Fact]
    public Task Every_changed_record_has_its_own_audit_line_with_before_and_after() => ImportScenarios.Every_changed_record_has_its_own_audit_line_with_before_and_after(_store);

    [Fact]
    public Task A_large_first_load_rebuilds_the_indexes_and_keeps_every_row() => ImportScenarios.A_large_first_load_rebuilds_the_indexes_and_keeps_every_row(_store);

    [Fact]
    public Task The_command_line_import_reports_and_applies_a_generated_directory() =>
        ImportScenarios.The_command_line_import_reports_and_applies_a_generated_directory(StorageProvider.Sqlite, ConnectionString, _directory);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresImportTests(PostgresServer server)
{
    private async Task<SqlStore> StoreAsync(string name) =>
        await ImportScenarios.FreshStoreAsync(StorageProvider.PostgreSql, await server.CreateDatabaseAsync(name));

    [PostgresFact]
    public async Task The_audit_log_refuses_updates_and_deletes() => await AuditScenarios.The_audit_log_refuses_updates_and_deletes(await StoreAsync("audit_append_only"));

    [PostgresFact]
    public async Task Reimporting_the_same_file_changes_nothing() => await ImportScenarios.Reimporting_the_same_file_changes_nothing(await StoreAsync("import_reimport"));

    [PostgresFact]
    public async Task Bad_rows_are_reported_by_line_and_the_rest_is_imported() => await ImportScenarios.Bad_rows_are_reported_by_line_and_the_rest_is_imported(await StoreAsync("import_bad"));

    [PostgresFact]
    public async Task A_truncated_file_or_a_file_that_is_not_csv_changes_nothing() => await ImportScenarios.A_truncated_file_or_a_file_that_is_not_csv_changes_nothing(await StoreAsync("import_cut"));

    [PostgresFact]
    public async Task A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier() => await ImportScenarios.A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier(await StoreAsync("import_dup"));

    [PostgresFact]
    public async Task A_file_without_credit_classes_keeps_the_classes_already_held() => await ImportScenarios.A_file_without_credit_classes_keeps_the_classes_already_held(await StoreAsync("import_class"));

    [PostgresFact]
    public async Task Every_import_is_one_audit_line_naming_the_file_hash() => await ImportScenarios.Every_import_is_one_audit_line_naming_the_file_hash(await StoreAsync("import_audit"));

    [PostgresFact]
    public async Task Every_changed_record_has_its_own_audit_line_with_before_and_after() =>
        await ImportScenarios.Every_changed_record_has_its_own_audit_line_with_before_and_after(await StoreAsync("import_row_audit"));

    [PostgresFact]
    public async Task A_large_first_load_rebuilds_the_indexes_and_keeps_every_row() => await ImportScenarios.A_large_first_load_rebuilds_the_indexes_and_keeps_every_row(await StoreAsync("import_bulk"));

    /// <summary>
    /// Pooled connections are not reset when they return to the pool (SqlStore.WithPoolDefaults), so nothing may leave
    /// session state on one. With a pool of two connections (an import holds two), everything the imports did through the
    /// store happened on the two connections checked here: no temp table, no session setting.
    /// </summary>
    [PostgresFact]
    public async Task Imports_leave_no_session_state_on_pooled_connections()
    {
        var store = await ImportScenarios.FreshStoreAsync(StorageProvider.PostgreSql, await server.CreateDatabaseAsync("import_session") + ";Maximum Pool Size=2");
        await ImportScenarios.A_large_first_load_rebuilds_the_indexes_and_keeps_every_row(store);
        await ImportScenarios.A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier(store);
        await using var first = await store.OpenAsync();
        await using var second = await store.OpenAsync();
        foreach (var connection in new[] { first, second })
        {
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"));
            Assert.Empty(await connection.QueryAsync<string>("SELECT name FROM pg_settings WHERE source = 'session'"));
        }
    }

    [PostgresFact]
    public async Task The_command_line_import_reports_and_applies_a_generated_directory()
    {
        var connectionString = await server.CreateDatabaseAsync("import_cli");
        await ImportScenarios.The_command_line_import_reports_and_applies_a_generated_directory(StorageProvider.PostgreSql, connectionString, string.Empty);
    }
}
