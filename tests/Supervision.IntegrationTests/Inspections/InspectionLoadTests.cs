using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>Runs only when SUPERVISION_SUBMIT_BENCH is set to a number of inspections (benchmarks/submissions.sh).</summary>
public sealed class SubmitBenchFactAttribute : FactAttribute
{
    public SubmitBenchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SUPERVISION_SUBMIT_BENCH")))
            Skip = "Benchmark: set SUPERVISION_SUBMIT_BENCH=<inspections> (benchmarks/submissions.sh).";
        else if (PostgresServer.FindBinaries(out var reason) is null)
            Skip = reason;
    }
}

/// <summary>Durability across silos, concurrency of many inspectors, and the submission benchmark, on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InspectionLoadTests(PostgresServer server, ITestOutputHelper output)
{
    private static Actor Inspector(string cert) => new("insp-" + cert, [Roles.Inspector], "D1", cert);

    /// <summary>Creates a signed inspection through its grain: assigned, draft saved by the lead, signed by both.</summary>
    private static async Task PrepareSignedAsync(InspectionPlatform platform, string taskId, string entity, string leadCert, string mateCert)
    {
        var insp = await platform.AssignDirectAsync(taskId, entity, leadCert, mateCert, ["I1"], new DateOnly(2026, 12, 1));
        var grain = platform.Grains.GetGrain<IInspectionGrain>(insp.InspectionId);
        var visited = platform.Clock.GetUtcNow().AddHours(-3);
        var saved = await grain.SaveDraft([new ItemResult("I1", ["1"], null, visited, "Registered address", [])], insp.Revision, Inspector(leadCert));
        Assert.True(saved.Succeeded, saved.Detail);
        Assert.True((await grain.Sign(Inspector(leadCert))).Succeeded);
        var signed = await grain.Sign(Inspector(mateCert));
        Assert.Equal(InspectionState.Signed, signed.Inspection!.State);
    }

    private static async Task AddInspectorsAsync(InspectionPlatform platform, int count)
    {
        await using var connection = await platform.Store.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
            await InsertUserAsync(connection, $"insp-L{i:D4}", Roles.Inspector, "D1", $"L{i:D4}", null, now);
    }

    [PostgresFact]
    public async Task A_submitted_result_is_durable_before_the_answer_and_is_read_back_through_another_silo_after_the_first_stops()
    {
        var connectionString = await server.CreateDatabaseAsync("insp_durable");
        var settings = new Dictionary<string, string?> { ["Orleans:ClusterId"] = "durable" };
        var first = await StartAsync(connectionString, settings: settings);
        await using var second = await StartAsync(connectionString, seed: false, settings: settings);
        try
        {
            const int count = 12;
            for (var i = 0; i < count; i++) await PrepareSignedAsync(first, "TDUR", $"E{i:D2}", "C0000", "C0001");
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
        await PrepareSignedAsync(platform, "TONE", "E00", "C0000", "C0001");
        await PrepareSignedAsync(platform, "TONE", "E01", "C0000", "C0001");
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
        await AddInspectorsAsync(platform, inspectors);
        // Inspection i: lead L(i), mate L(i+1). Every inspector leads one and seconds another.
        await Parallel.ForEachAsync(Enumerable.Range(0, inspectors), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => await PrepareSignedAsync(platform, "TLOAD", $"E{i:D4}", $"L{i:D4}", $"L{(i + 1) % inspectors:D4}"));

        // Everyone submits their own inspection and, at the same moment, the one they second, with the team's shared key.
        var clients = Enumerable.Range(0, inspectors).Select(i => platform.WithToken($"insp-L{i:D4}", Roles.Inspector, "D1", $"L{i:D4}")).ToArray();
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

    /// <summary>user + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s); 0 once it is gone.</summary>
    private static double ProcessCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Submissions/s and latency through the API at 50 concurrent clients on PostgreSQL. Each client is one inspector
    /// submitting, one after another, the signed inspections they lead (prepared beforehand through the grains).
    /// </summary>
    [SubmitBenchFact]
    public async Task Benchmark_result_submissions_at_50_concurrent_clients()
    {
        var total = int.Parse(Environment.GetEnvironmentVariable("SUPERVISION_SUBMIT_BENCH")!, CultureInfo.InvariantCulture);
        const int clients = 50;
        await using var platform = await StartAsync(await server.CreateDatabaseAsync("insp_bench"));
        await AddInspectorsAsync(platform, clients);
        var prep = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) => await PrepareSignedAsync(platform, "TBENCH", $"E{i:D6}", $"L{i % clients:D4}", $"L{(i + 1) % clients:D4}"));
        output.WriteLine($"prepared {total} signed inspections in {prep.Elapsed.TotalSeconds:F1} s");

        var http = Enumerable.Range(0, clients).Select(k => platform.WithToken($"insp-L{k:D4}", Roles.Inspector, "D1", $"L{k:D4}")).ToArray();
        // Warm-up: one submission per client (not counted), so connection pools and JIT are warm.
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        async Task RunAsync(int k, IEnumerable<int> inspections, bool record)
        {
            foreach (var i in inspections)
            {
                var t = Stopwatch.GetTimestamp();
                using var response = await http[k].SendAsync(Submit($"/api/inspections/TBENCH/E{i:D6}", "bench-" + i));
                var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                if (record) latencies.Add(ms);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(k => RunAsync(k, [k], record: false)));
        // CPU time spent per submission, which depends far less than wall time on what else the machine runs: this
        // process (clients, API, silo) and the PostgreSQL backends serving the benchmark's database (Linux /proc).
        int[] backends;
        await using (var connection = await platform.Store.OpenAsync())
        {
            backends = (await connection.QueryAsync<int>(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).ToArray();
        }
        var backendCpu = backends.ToDictionary(p => p, ProcessCpuSeconds);
        var processCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(k => RunAsync(k, Enumerable.Range(0, total).Where(i => i % clients == k && i >= clients), record: true)));
        var elapsed = clock.Elapsed;
        var processCpuUs = (Process.GetCurrentProcess().TotalProcessorTime - processCpu).TotalMicroseconds / latencies.Count;
        var backendCpuUs = backendCpu.Sum(b => Math.Max(0, ProcessCpuSeconds(b.Key) - b.Value)) * 1e6 / latencies.Count;
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"submissions: {sorted.Length} in {elapsed.TotalSeconds:F2} s = {sorted.Length / elapsed.TotalSeconds:F0}/s at {clients} clients; latency ms p50 {P(0.50):F1}, p90 {P(0.90):F1}, p99 {P(0.99):F1}, max {sorted[^1]:F1}; errors {errors}");
        var cpu = string.Create(CultureInfo.InvariantCulture,
            $"submissions: cpu per submission: .NET process (clients + API + silo) {processCpuUs:F0} µs, PostgreSQL backends ({backends.Length}) {backendCpuUs:F0} µs; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        output.WriteLine(line);
        output.WriteLine(cpu);
        Console.WriteLine(line);
        Assert.Equal(0, errors);
        Assert.Equal(total, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE task_id = 'TBENCH' AND state = 'Submitted'"));
        foreach (var c in http) c.Dispose();
    }
}
