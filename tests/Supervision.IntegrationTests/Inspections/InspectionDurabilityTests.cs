using System.Diagnostics;
using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Storage;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// "A submitted result is never lost": the answer comes only after the commit, so a silo killed right after it (no
/// shutdown, no flush) loses nothing, and many inspectors submitting at once neither lose nor duplicate anything.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InspectionDurabilityTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_silo_killed_right_after_a_submit_loses_nothing_and_another_silo_reads_the_result_back()
    {
        var database = await server.CreateDatabaseAsync("insp_kill");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, database);
        await using var cluster = await StorageTestClusters.StartAsync(StorageProvider.PostgreSql, database,
            "insp-kill-" + Guid.NewGuid().ToString("N")[..6], silos: 2, customize: b => b.AddSiloBuilderConfigurator<QuickDeathDeclaration>());
        var grains = cluster.Client;
        var scheduler = new Actor("sched-d1", [Roles.Scheduler], "D1", null);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var items = new List<InspectionItem> { new("I1", "D1", InspectionMethod.OnSite, ["1", "A"]) };
        var inspection = InspectionWorkflow.Assign("TKILL/91110000600037341L", "TKILL", "91110000600037341L", "D1",
            [new TeamMember("insp-K1", "K1", true), new TeamMember("insp-K2", "K2", false)], items, today.AddDays(20));
        var assigned = await grains.GetGrain<IInspectionGrain>(inspection.InspectionId).Assign(new InspectionAssignment(inspection, "Entity", "110101"), scheduler);
        Assert.Equal(InspectionReplyStatus.Created, assigned.Status);
        await SignThroughGrainAsync(grains, assigned.Inspection!, DateTimeOffset.UtcNow.AddHours(-2), "K1", "K2");

        var grain = grains.GetGrain<IInspectionGrain>(inspection.InspectionId);
        var submitted = await grain.Submit("kill-key-1", InspectorActor("K1"));
        Assert.Equal(InspectionReplyStatus.Ok, submitted.Status);

        // Kill (not stop) the silo holding the inspection the moment the answer arrived.
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        Assert.NotNull(host);
        var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await cluster.KillSiloAsync(victim);

        // The inspection reactivates on the survivor, from the database alone.
        var read = await StorageTestClusters.EventuallyAsync(async () =>
        {
            var r = await grain.Get(InspectorActor("K2"));
            return r.Status == InspectionReplyStatus.Ok ? r : throw new InvalidOperationException(r.Detail);
        }, TimeSpan.FromMinutes(2));
        Assert.Equal(InspectionState.Submitted, read.Inspection!.State);
        Assert.Single(read.Inspection.History);
        Assert.NotEqual(host, await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain));

        // A client that never saw the answer retries: the same receipt, no second version.
        var retry = await grain.Submit("kill-key-1", InspectorActor("K2"));
        Assert.Equal(submitted.Receipt, retry.Receipt);
        await using var store = SqlStore.Create(StorageProvider.PostgreSql, database);
        await using var connection = await store.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit'"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM inspections WHERE inspection_id = 'TKILL/91110000600037341L' AND state = 'Submitted' AND current_version = 1"));
    }

    [PostgresFact]
    public async Task A_submitted_result_is_durable_before_the_answer_and_is_read_back_through_another_api_host_after_the_first_stops()
    {
        var connectionString = await server.CreateDatabaseAsync("insp_durable");
        var settings = new Dictionary<string, string?> { ["Orleans:ClusterId"] = "durable" };
        var first = await StartAsync(connectionString, settings: settings);
        await using var second = await StartAsync(connectionString, seed: false, settings: settings);
        try
        {
            const int count = 12;
            for (var i = 0; i < count; i++) await first.PrepareSignedAsync("TDUR", $"E{i:D2}", "C0000", "C0001");
            using var lead = await first.As("insp-C0000");
            var receipts = new Dictionary<string, (string Key, string Receipt)>();
            for (var i = 0; i < count; i++)
            {
                var url = $"/api/inspections/TDUR/E{i:D2}";
                var body = await ReadAsync(await lead.SendAsync(Submit(url, "key-" + i)), HttpStatusCode.OK);
                receipts[url] = ("key-" + i, body.GetProperty("receipt").GetRawText());
                // The answer came after the commit: the row says so already.
                Assert.Equal(1, await first.ScalarAsync(
                    "SELECT count(*) FROM inspections WHERE inspection_id = @id AND state = 'Submitted' AND current_version = 1", new { id = $"TDUR/E{i:D2}" }));
            }

            await first.DisposeAsync();

            using var lead2 = await second.As("insp-C0000");
            foreach (var (url, (key, receipt)) in receipts)
            {
                var view = await ReadAsync(await lead2.GetAsync(url), HttpStatusCode.OK);
                Assert.Equal("Submitted", view.GetProperty("state").GetString());
                Assert.Equal(1, view.GetProperty("currentVersion").GetInt32());
                // A client that never saw the answer retries through the other silo: same receipt, no second version.
                var retry = await ReadAsync(await lead2.SendAsync(Submit(url, key)), HttpStatusCode.OK);
                Assert.Equal(receipt, retry.GetProperty("receipt").GetRawText());
            }
            Assert.Equal(count, await second.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit'"));
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    /// <summary>
    /// A submission reaches PostgreSQL as one statement (revision-guarded UPDATE + audit line), not BEGIN / UPDATE /
    /// INSERT / COMMIT, and is committed before the answer; a stale revision writes neither the row nor the audit line.
    /// Counted from Npgsql's own activities (one per command sent), never timed.
    /// </summary>
    [PostgresFact]
    public async Task A_submission_is_one_statement_committed_before_the_answer()
    {
        await using var platform = await StartAsync(await server.CreateDatabaseAsync("insp_one_statement"));
        await platform.PrepareSignedAsync("TONE", "E00", "C0000", "C0001");
        await platform.PrepareSignedAsync("TONE", "E01", "C0000", "C0001");
        var sent = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.query.text") is string text
                    && (text.Contains("inspections", StringComparison.Ordinal) || text.Contains("audit_log", StringComparison.Ordinal)))
                    sent.Enqueue(text);
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var lead = await platform.As("insp-C0000");
        sent.Clear();
        await ReadAsync(await lead.SendAsync(Submit("/api/inspections/TONE/E00", "key-0")), HttpStatusCode.OK);
        var statement = Assert.Single(sent);
        Assert.Contains("WITH changed AS (", statement, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO audit_log", statement, StringComparison.Ordinal);
        // Committed by the time the answer arrived, with its audit line.
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TONE/E00' AND state = 'Submitted'"));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit' AND subject_key = 'TONE/E00'"));

        // Another writer moves E01 on behind the grain's back: the guarded statement writes nothing, not even the audit line.
        Assert.Equal(1, await platform.ScalarAsync("UPDATE inspections SET revision = revision + 100 WHERE inspection_id = 'TONE/E01' RETURNING 1"));
        var conflict = await lead.SendAsync(Submit("/api/inspections/TONE/E01", "key-1"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit' AND subject_key = 'TONE/E01'"));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TONE/E01' AND state = 'Signed'"));
    }

    [PostgresFact]
    public async Task Two_hundred_inspectors_submitting_concurrently_lose_and_duplicate_nothing()
    {
        const int inspectors = 200;
        await using var platform = await StartAsync(await server.CreateDatabaseAsync("insp_load"));
        await platform.AddInspectorsAsync(inspectors);
        // Inspection i: lead L(i), mate L(i+1). Every inspector leads one and seconds another.
        await Parallel.ForEachAsync(Enumerable.Range(0, inspectors), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await platform.PrepareSignedAsync("TLOAD", $"E{i:D4}", $"L{i:D4}", $"L{(i + 1) % inspectors:D4}"));

        // Everyone submits their own inspection and, at the same moment, the one they second, with the team's shared key.
        var clients = await Task.WhenAll(Enumerable.Range(0, inspectors).Select(i => platform.WithTokenAsync($"insp-L{i:D4}")));
        var receipts = new ConcurrentBag<(string Id, string Receipt)>();
        var failures = new ConcurrentBag<string>();
        using var start = new SemaphoreSlim(0);
        var work = Enumerable.Range(0, inspectors).SelectMany(i => new[] { (client: i, inspection: i), (client: i, inspection: (i + inspectors - 1) % inspectors) })
            .Select(async x =>
            {
                await start.WaitAsync();
                var id = $"TLOAD/E{x.inspection:D4}";
                var response = await clients[x.client].SendAsync(Submit("/api/inspections/" + id, "team-key-" + x.inspection));
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK) failures.Add($"{id}: {(int)response.StatusCode} {body}");
                else receipts.Add((id, JsonDocument.Parse(body).RootElement.GetProperty("receipt").GetRawText()));
            }).ToArray();
        start.Release(work.Length);
        await Task.WhenAll(work);

        Assert.Empty(failures);
        Assert.Equal(2 * inspectors, receipts.Count);
        // Both members of a team got the same receipt: one submission each, version 1.
        Assert.All(receipts.GroupBy(r => r.Id), g => Assert.Single(g.Select(r => r.Receipt).Distinct()));
        Assert.Equal(inspectors, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE task_id = 'TLOAD' AND state = 'Submitted' AND current_version = 1"));
        Assert.Equal(inspectors, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit'"));
        await using var connection = await platform.Store.OpenAsync();
        var histories = await connection.QueryAsync<string>("SELECT state_json FROM inspections WHERE task_id = 'TLOAD'");
        Assert.All(histories, json => Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("history").EnumerateArray()));
        foreach (var c in clients) c.Dispose();
    }

}
