using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Supervision.Contracts.Operations;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Operations;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Storage;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Operations;

/// <summary>
/// Holds an import run as an operation once its file is staged, just before the merge, on whichever silo runs it, and
/// says which silo that is — so the test can kill that silo mid-import. Every silo also sweeps for long operations.
/// </summary>
public sealed class HoldBeforeMerge(ILocalSiloDetails silo, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) : IImportFaults
{
    public static volatile bool Hold;
    public static TaskCompletionSource<SiloAddress> Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public static TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask BeforeMergeAsync(string jobId)
    {
        if (!Hold) return;
        Reached.TrySetResult(silo.SiloAddress);
        await Release.Task.WaitAsync(lifetime.ApplicationStopping);
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<IImportFaults, HoldBeforeMerge>();
            siloBuilder.Services.AddHostedService<Supervision.Grains.Operations.OperationSweeper>();
            new QuickDeathDeclaration().Configure(siloBuilder);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class ImportCrashTests(PostgresServer server, ITestOutputHelper output)
{
    // An admin: a first load gives every entity its credit class, which only an admin may.
    private static readonly Actor Admin = new("import-crash-admin", [Roles.Admin], null, null);

    [PostgresFact]
    public async Task An_import_whose_silo_dies_mid_run_is_taken_over_from_the_staged_file_and_ends_as_the_same_import_run_without_a_crash()
    {
        // The file: generated entities, one broken line and one key twice (the later line wins, the earlier is reported).
        using var csv = new MemoryStream();
        new SyntheticDirectory(23, 3_000, 0).WriteEntitiesCsv(csv);
        var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var file = System.Text.Encoding.UTF8.GetBytes(string.Join("\r\n", lines.Append(lines[1]).Append("NOT-A-CODE,,坏行,,52,210782,,,open,,,")) + "\r\n");

        // The same file imported where nothing crashes: what the taken-over import must end as.
        var reference = await server.CreateDatabaseAsync("import_crash_reference");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, reference);
        await SeedAsync(reference);
        await using var referenceStore = SqlStore.Create(StorageProvider.PostgreSql, reference);
        var referenceImporter = new DirectoryImporter(referenceStore, new AuditLog(referenceStore, TimeProvider.System), ReferenceData.Default, TimeProvider.System);
        var expected = await referenceImporter.ImportEntitiesAsync(new MemoryStream(file), "crash.csv", Admin);
        Assert.Equal("completed", expected.Status);

        var database = await server.CreateDatabaseAsync("import_crash");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, database);
        await SeedAsync(database);
        HoldBeforeMerge.Hold = false;
        HoldBeforeMerge.Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        HoldBeforeMerge.Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.PostgreSql, database,
            "import-crash-" + Guid.NewGuid().ToString("N")[..6], silos: 3, customize: b => b.AddSiloBuilderConfigurator<HoldBeforeMerge.Configurator>());

        // What POST /api/imports/entities does: stage the body, record the operation (its job id the target), nudge its grain.
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        var operations = new OperationStore(store, new AuditLog(store, TimeProvider.System), TimeProvider.System);
        const string operationId = "op-import-crash";
        const string jobId = "20260101000000000-crash001";
        var bytes = await operations.StageUploadAsync(operationId, new MemoryStream(file), long.MaxValue);
        Assert.Equal(file.Length, bytes);
        var input = JsonSerializer.Serialize(new UploadInput("crash.csv", file.Length), JsonSerializerOptions.Web);
        var (operation, accepted) = await operations.AcceptAsync(
            OperationWorkflow.Accept(operationId, OperationKinds.ImportEntities, jobId, "", Admin.Username, DateTimeOffset.UtcNow, input), Admin);
        Assert.True(accepted);
        HoldBeforeMerge.Hold = true;
        await cluster.GrainFactory.GetGrain<IOperationGrain>(operation.Id).Resume();
        var importing = await HoldBeforeMerge.Reached.Task.WaitAsync(TimeSpan.FromMinutes(2));

        // Mid-run: the whole file read and staged on that silo, nothing merged yet.
        Assert.Equal("running", await ScalarAsync<string>(store, "SELECT status FROM import_jobs WHERE id = @jobId", new { jobId }));
        Assert.Equal(0, await ScalarAsync<long>(store, "SELECT count(*) FROM market_entities"));

        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(importing));
        HoldBeforeMerge.Hold = false;
        var killed = System.Diagnostics.Stopwatch.StartNew();
        await cluster.KillSiloAsync(victim);
        HoldBeforeMerge.Release.SetResult();

        // Nobody asks again: a survivor's sweeper takes the operation over once the lease runs out, and reads the file from the database.
        var done = await StorageTestClusters.EventuallyAsync(async () =>
            await operations.GetAsync(operation.Id) is { IsFinal: true } o ? o : throw new InvalidOperationException("still running"), TimeSpan.FromMinutes(2));
        output.WriteLine($"import operation {done.State} {killed.Elapsed.TotalSeconds:F1} s after the kill, in {done.Attempts} attempts");
        Assert.Equal(OperationStates.Succeeded, done.State);
        Assert.True(done.Attempts >= 2);

        // The same import as the one that did not crash: counts, errors, checksum and the directory's rows.
        var importer = new DirectoryImporter(store, new AuditLog(store, TimeProvider.System), ReferenceData.Default, TimeProvider.System);
        var job = (await importer.GetAsync(jobId))!;
        Assert.Equal(
            ("completed", expected.RowsRead, expected.Inserted, expected.Updated, expected.Unchanged, expected.Rejected, expected.Sha256, expected.BytesRead),
            (job.Status, job.RowsRead, job.Inserted, job.Updated, job.Unchanged, job.Rejected, job.Sha256, job.BytesRead));
        Assert.Equal(
            (await referenceImporter.ErrorsAsync(expected.Id, null, 100)).Select(e => (e.Line, e.Field, e.Reason)),
            (await importer.ErrorsAsync(jobId, null, 100)).Select(e => (e.Line, e.Field, e.Reason)));
        const string rows = "SELECT string_agg(credit_code || '|' || name || '|' || coalesce(credit_class, ''), ',' ORDER BY credit_code) FROM market_entities";
        Assert.Equal(await ScalarAsync<string>(referenceStore, rows), await ScalarAsync<string>(store, rows));
        Assert.Equal(1, await ScalarAsync<long>(store, "SELECT count(*) FROM audit_log WHERE action = 'entities.imported' AND subject_key = @jobId", new { jobId }));
        Assert.Equal(await ScalarAsync<long>(referenceStore, "SELECT count(*) FROM audit_log WHERE action = 'entity.created'"),
            await ScalarAsync<long>(store, "SELECT count(*) FROM audit_log WHERE action = 'entity.created'"));
        Assert.Equal(0, await ScalarAsync<long>(store, "SELECT count(*) FROM operation_uploads"));
        var result = JsonSerializer.Deserialize<JsonElement>(done.ResultJson!);
        Assert.Equal(expected.Inserted, result.GetProperty("inserted").GetInt64());
    }

    private static async Task<T> ScalarAsync<T>(SqlStore store, string sql, object? args = null)
    {
        await using var connection = await store.OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    private static async Task SeedAsync(string database)
    {
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        await using var connection = await store.OpenAsync();
        await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES ('D1', 'Department D1', now(), now())");
        // The operation runs as the admin's account, which must exist and be enabled.
        await connection.ExecuteAsync(
            "INSERT INTO users (username, display_name, roles, department_code, created_at, updated_at) VALUES (@Username, 'Import admin', 'admin', NULL, now(), now())",
            new { Admin.Username });
    }
}
