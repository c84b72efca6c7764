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

/// <summary>The submission benchmark on PostgreSQL (benchmarks/submissions.sh); the behaviour tests are in InspectionDurabilityTests.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InspectionLoadTests(PostgresServer server, ITestOutputHelper output)
{
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
    [BenchmarkFact("SUPERVISION_SUBMIT_BENCH", "benchmarks/submissions.sh")]
    public async Task Benchmark_result_submissions_at_50_concurrent_clients()
    {
        var total = int.Parse(Environment.GetEnvironmentVariable("SUPERVISION_SUBMIT_BENCH")!, CultureInfo.InvariantCulture);
        const int clients = 50;
        // The API's pool as docs/operations.md advises for writes with durable commits: enough connections for commits to
        // share a WAL flush (SUPERVISION_BENCH_POOL to compare).
        var pool = BenchmarkSettings.PoolSize(16);
        await using var platform = await StartAsync(await server.CreateDatabaseAsync("insp_bench") + ";Maximum Pool Size=" + pool);
        await platform.AddInspectorsAsync(clients);
        var prep = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) => await platform.PrepareSignedAsync("TBENCH", $"E{i:D6}", $"L{i % clients:D4}", $"L{(i + 1) % clients:D4}"));
        output.WriteLine($"prepared {total} signed inspections in {prep.Elapsed.TotalSeconds:F1} s");

        var http = await Task.WhenAll(Enumerable.Range(0, clients).Select(k => platform.WithTokenAsync($"insp-L{k:D4}")));
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
            $"submissions: {sorted.Length} in {elapsed.TotalSeconds:F2} s = {sorted.Length / elapsed.TotalSeconds:F0}/s at {clients} clients, pool {pool}; latency ms p50 {P(0.50):F1}, p90 {P(0.90):F1}, p99 {P(0.99):F1}, max {sorted[^1]:F1}; errors {errors}");
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
