using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Supervision.Contracts.Operations;
using Supervision.Contracts.Tasks;
using Supervision.Core.Operations;
using Supervision.Infrastructure.Operations;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Grains.Tasks;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Storage;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// Holds the entity draw just before its commit, on whichever silo runs it, and says which silo that is — so the
/// test can kill that silo while the draw is in flight. Static because the test cluster's silos share the process.
/// </summary>
public sealed class HoldBeforeCommit(ILocalSiloDetails silo) : IDrawFaults
{
    public static volatile bool Hold;
    public static TaskCompletionSource<SiloAddress> Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public static string? HeldRecord;

    public async ValueTask BeforeCommitAsync(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8)
    {
        if (!Hold || kind != "entity")
        {
            return;
        }

        HeldRecord = System.Text.Encoding.UTF8.GetString(recordUtf8.Span);
        Reached.TrySetResult(silo.SiloAddress);
        await Task.Delay(Timeout.Infinite);
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<IDrawFaults, HoldBeforeCommit>();
            // Declare a killed silo dead within seconds rather than the production minute, so the test is quick.
            new QuickDeathDeclaration().Configure(siloBuilder);
        }
    }
}

/// <summary>
/// Holds the first partition scan of an entity draw on whichever silo runs it, and says which silo that is — so the test
/// can kill that silo mid-scan. Every silo here also sweeps for long operations, as production silos do.
/// </summary>
public sealed class HoldDuringScan(ILocalSiloDetails silo, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime) : IDrawFaults
{
    public static volatile bool Hold;
    public static TaskCompletionSource<SiloAddress> Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held scans go on (those on the killed silo died with it; those on survivors finish).</summary>
    public static TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask BeforeCommitAsync(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8) => ValueTask.CompletedTask;

    public async ValueTask DuringScanAsync(string taskId, int firstChunk)
    {
        if (!Hold) return;
        Reached.TrySetResult(silo.SiloAddress);
        // A held scan on the silo being killed ends with it (an in-process silo's stop would otherwise wait for it).
        await Release.Task.WaitAsync(lifetime.ApplicationStopping);
    }

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<IDrawFaults, HoldDuringScan>();
            siloBuilder.Services.AddHostedService<Supervision.Grains.Operations.OperationSweeper>();
            new QuickDeathDeclaration().Configure(siloBuilder);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class DrawCrashTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly Actor Scheduler = new("crash-scheduler", [Roles.Scheduler], "D1", null);

    [PostgresFact]
    public async Task A_silo_killed_during_the_entity_draw_leaves_no_record_and_the_rerun_on_another_silo_is_identical()
    {
        var database = await server.CreateDatabaseAsync("draw_crash");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, database);
        await SeedAsync(database);
        HoldBeforeCommit.Hold = false;
        HoldBeforeCommit.Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.PostgreSql, database,
            "draw-crash-" + Guid.NewGuid().ToString("N")[..6], silos: 3, customize: b => b.AddSiloBuilderConfigurator<HoldBeforeCommit.Configurator>());
        var task = await FrozenTaskAsync(cluster, "crash-task-1", "Crash test", new EntropyEntry("Witness Zhao", "2 7 1 8 2 8"));

        HoldBeforeCommit.Hold = true;
        var inFlight = task.DrawEntities(Scheduler);
        var hosting = await HoldBeforeCommit.Reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(hosting));
        await cluster.KillSiloAsync(victim);
        // The caller never gets a success for the interrupted draw: either its call fails, or (forwarded through a
        // surviving gateway) it is still waiting for an answer that cannot come.
        await Task.WhenAny(inFlight, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.False(inFlight.IsCompletedSuccessfully);
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM draw_records"));
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM drawn_entities"));

        // The task reactivates on a surviving silo (after the cluster declares the victim dead) and draws again.
        HoldBeforeCommit.Hold = false;
        var reply = await StorageTestClusters.EventuallyAsync(async () =>
        {
            var r = await task.DrawEntities(Scheduler);
            return r.Status == TaskReplyStatus.Ok ? r : throw new InvalidOperationException(r.Detail);
        }, TimeSpan.FromMinutes(2));
        Assert.Equal(TaskStates.EntitiesDrawn, reply.CurrentState);

        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        await using var connection = await store.OpenAsync();
        var stored = await connection.QuerySingleAsync<(string Json, byte[]? Gzip)>("SELECT record_json, record_gzip FROM draw_records WHERE task_id = 'crash-task-1' AND kind = 'entity'");
        var committed = new DrawRecordRow { TaskId = "crash-task-1", Kind = "entity", RecordJson = stored.Json, RecordGzip = stored.Gzip, CommittedBy = "" }.RecordText();
        Assert.Equal(HoldBeforeCommit.HeldRecord, committed);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM draw_records WHERE kind = 'entity'"));
    }

    [PostgresFact]
    public async Task A_draw_operation_whose_silo_is_killed_mid_scan_completes_on_a_survivor_with_the_commit_its_inputs_determine()
    {
        var database = await server.CreateDatabaseAsync("draw_midscan");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, database);
        await SeedAsync(database);
        HoldDuringScan.Hold = false;
        HoldDuringScan.Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        HoldDuringScan.Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.PostgreSql, database,
            "draw-midscan-" + Guid.NewGuid().ToString("N")[..6], silos: 3, customize: b => b.AddSiloBuilderConfigurator<HoldDuringScan.Configurator>());
        const string id = "midscan-task-1";
        await FrozenTaskAsync(cluster, id, "Mid-scan crash", new EntropyEntry("Witness Qian", "6 6 1 2 5"));

        // What the API does for POST /draw/entities: record the operation, then nudge its grain. The operation runs as
        // the scheduler's account, which must exist and be enabled.
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        await using (var connection = await store.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO users (username, display_name, roles, department_code, created_at, updated_at) VALUES (@Username, 'Crash scheduler', 'scheduler', 'D1', now(), now())",
                new { Scheduler.Username });
        }
        var operations = new OperationStore(store, new AuditLog(store, TimeProvider.System), TimeProvider.System);
        var (operation, accepted) = await operations.AcceptAsync(
            OperationWorkflow.Accept("op-midscan", OperationKinds.DrawEntities, id, "D1", Scheduler.Username, DateTimeOffset.UtcNow), Scheduler);
        Assert.True(accepted);
        HoldDuringScan.Hold = true;
        await cluster.GrainFactory.GetGrain<IOperationGrain>(operation.Id).Resume();
        var scanning = await HoldDuringScan.Reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var running = await operations.GetAsync(operation.Id);
        Assert.Equal(OperationStates.Running, running!.State);
        Assert.Equal("scan", running.Progress?.Phase);

        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(scanning));
        HoldDuringScan.Hold = false;
        var killed = System.Diagnostics.Stopwatch.StartNew();
        await cluster.KillSiloAsync(victim);
        HoldDuringScan.Release.SetResult();

        // Nobody calls again: the survivors' sweepers find the operation once its lease runs out and finish it.
        var done = await StorageTestClusters.EventuallyAsync(async () =>
            await operations.GetAsync(operation.Id) is { IsFinal: true } o ? o : throw new InvalidOperationException("still running"), TimeSpan.FromMinutes(2));
        output.WriteLine($"operation {done.State} {killed.Elapsed.TotalSeconds:F1} s after the kill, in {done.Attempts} attempts");
        Assert.Equal(OperationStates.Succeeded, done.State);
        Assert.True(done.Attempts >= 2);
        Assert.Equal(1, await CountAsync(database, "SELECT count(*) FROM draw_records WHERE kind = 'entity'"));

        // The commit is the one the published inputs determine: the independent verifier recomputes it from the pack and
        // the frozen population and finds every drawn member where the pack says.
        var draws = new TaskQueries(store);
        var snapshots = new DrawSnapshotStore(store, new AuditLog(store, TimeProvider.System), TimeProvider.System);
        var record = await draws.GetRecordAsync(id, DrawRecordRow.EntityKind);
        var population = new MemoryStream();
        await snapshots.StreamSnapshotAsync(id, bytes => population.WriteAsync(bytes), default);
        var verdict = DrawVerifier.Verify(record!.RecordText(), population.ToArray());
        Assert.True(verdict.Passed, verdict.ToString());
    }

    /// <summary>A stratified task of D1 (item I1) created, published, frozen and witnessed through its grain; normalised as the API does it.</summary>
    private static async Task<ITaskGrain> FrozenTaskAsync(TestCluster cluster, string id, string name, EntropyEntry entropy)
    {
        var task = cluster.GrainFactory.GetGrain<ITaskGrain>(id);
        var (definition, errors) = TaskDefinitions.Normalize(
            new TaskDraft(name, "D1", [], ["I1"], null,
                new SamplingRuleDraft("stratified", [new ClassQuota("A", 2, null), new ClassQuota("B", 5, null), new ClassQuota("C", 3, null), new ClassQuota("D", 2, null)], null, null),
                2, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60), null, null),
            ReferenceData.Default, DateOnly.FromDateTime(DateTime.UtcNow));
        Assert.Empty(errors);
        Assert.Equal(TaskReplyStatus.Created, (await task.Create(definition!, Scheduler)).Status);
        Assert.Equal(TaskReplyStatus.Ok, (await task.Publish(Scheduler)).Status);
        Assert.Equal(TaskReplyStatus.Ok, (await task.Freeze(Scheduler)).Status);
        Assert.Equal(TaskReplyStatus.Ok, (await task.AddEntropy(entropy, Scheduler)).Status);
        return task;
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        await using var connection = await store.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    private static async Task SeedAsync(string database)
    {
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        var now = DateTimeOffset.UtcNow;
        await using (var connection = await store.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES ('D1', 'Department D1', @now, @now)", new { now });
            await connection.ExecuteAsync(
                "INSERT INTO inspection_items (code, name, department_code, legal_basis, method, result_codes, created_at, updated_at) VALUES ('I1', 'I1', 'D1', 'test', 'on_site', '1,A', @now, @now)",
                new { now });
            // Inspectors who can serve: a task whose teams could never be staffed is not frozen.
            foreach (var cert in new[] { "CRASH01", "CRASH02", "CRASH03" })
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO inspectors (certificate_no, name, department_code, certificate_expires_on, specialties, status, conflicts, updated_at)
                    VALUES (@cert, @cert, 'D1', NULL, 'I1', 'active', '', @now)
                    """, new { cert, now });
            }
        }

        var synthetic = new SyntheticDirectory(17, 2_000, 0);
        using var csv = new MemoryStream();
        synthetic.WriteEntitiesCsv(csv);
        csv.Position = 0;
        var importer = new DirectoryImporter(store, new AuditLog(store, TimeProvider.System), ReferenceData.Default, TimeProvider.System);
        Assert.Equal("completed", (await importer.ImportEntitiesAsync(csv, "entities.csv", Actor.System("test"))).Status);
    }
}
