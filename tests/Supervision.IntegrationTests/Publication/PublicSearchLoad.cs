using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The public search at 50 concurrent anonymous clients over loopback HTTP, against a PostgreSQL read model seeded by
/// SQL with N published results: by credit code, then by part of a name, each for a fixed time. The API runs as it is
/// deployed, in its own process (<see cref="ApiProcess"/>); the clients are wrk (benchmarks/wrk/*.lua), a separate process
/// in C, so that the load generator takes little of the two cores the API and PostgreSQL share; the same queries through
/// <see cref="PublicationQueries"/> alone, in the test process, separate the database's share.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PublicSearchLoad(PostgresServer server, ITestOutputHelper output)
{
    private const int Clients = 50;

    [BenchmarkFact("SUPERVISION_SEARCH_BENCH", "benchmarks/public-search.sh")]
    public async Task Benchmark_public_search_at_50_concurrent_clients()
    {
        var rows = long.Parse(Environment.GetEnvironmentVariable("SUPERVISION_SEARCH_BENCH")!, CultureInfo.InvariantCulture);
        var seconds = int.Parse(Environment.GetEnvironmentVariable("SUPERVISION_SEARCH_BENCH_SECONDS") ?? "20", CultureInfo.InvariantCulture);
        var connectionString = await server.CreateDatabaseAsync("search_bench");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, connectionString);
        var seed = Stopwatch.StartNew();
        for (long from = 1; from <= rows; from += 250_000)
            await PublishedSeed.SeedAsync(connectionString, from, Math.Min(rows, from + 249_999));
        long count;
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
            count = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM published_results");

        // Connections per API process for reads: about twice the database server's cores (docs/operations.md).
        var pool = BenchmarkSettings.PoolSize(4);
        var pooled = connectionString + $";Maximum Pool Size={pool}";
        await using var api = await ApiProcess.StartAsync(pooled, new Dictionary<string, string>
        {
            ["Supervision:Public:PermitLimit"] = "1000000",
            ["Supervision:Public:Window"] = "00:00:01",
            ["Supervision:Public:ConcurrentRequestsPerAddress"] = "1000", // the 50 clients share one address
            ["Logging:LogLevel:Default"] = "Error",
        });
        output.WriteLine($"prepared: {count:N0} published results in {seed.Elapsed.TotalSeconds:F0} s (SQL seed + VACUUM ANALYZE); " +
                         $"API process {api.ProcessId}, pool {pool} connections");

        await using var sql = SqlStore.Create(StorageProvider.PostgreSql, pooled);
        var store = new PublicationQueries(sql);
        string Code(Random rng) => PublishedSeed.CreditCode(rng.NextInt64(1, rows + 1));
        string Name(Random rng)
        {
            // Half two-character queries (a brand), half three (a district's last character and a brand), as the wrk script.
            var i = rng.NextInt64(1, rows + 1);
            return rng.Next(2) == 0 ? PublishedSeed.Brand(i) : "区" + PublishedSeed.Brand(i);
        }

        await WrkAsync("credit code, HTTP", "public-credit-code.lua", api, seconds, rows);
        await RunAsync("credit code, SQL only", seconds, async rng => { await store.SearchPageAsync(new ResultQuery { CreditCode = Code(rng) }, default); return true; });
        await WrkAsync("partial name, HTTP", "public-partial-name.lua", api, seconds, rows);
        await RunAsync("partial name, SQL only", seconds, async rng => { await store.SearchPageAsync(new ResultQuery { Name = Name(rng) }, default); return true; });
        await DownloadAsync(api);
    }

    /// <summary>
    /// The largest bulk file (2025, every department, CSV) twice: the first request also computes and stores its
    /// checksum (a streaming pass before the one sent), the second only sends. The API's resident memory is sampled
    /// every 50 ms while it streams: it must not grow with the file.
    /// </summary>
    private async Task DownloadAsync(ApiProcess api)
    {
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        for (var pass = 1; pass <= 2; pass++)
        {
            var rssBefore = ResidentBytes(api.ProcessId);
            var peak = rssBefore;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, ResidentBytes(api.ProcessId));
                    await Task.Delay(50);
                }
            });
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync("/api/public/v1/downloads/2025/all.csv", HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.IsSuccessStatusCode, response.ToString());
            var firstByte = watch.Elapsed;
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[81920];
            long bytes = 0, lines = 0;
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
            watch.Stop();
            await sampling.CancelAsync();
            await sampler;
            Assert.Equal(response.Content.Headers.ContentLength, bytes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bulk download 2025/all.csv, pass {pass}{(pass == 1 ? " (checksum computed first)" : "")}: {bytes / 1e6:F1} MB, {lines - 1:N0} rows, " +
                $"headers after {firstByte.TotalSeconds:F1} s, all in {watch.Elapsed.TotalSeconds:F1} s ({bytes / 1e6 / watch.Elapsed.TotalSeconds:F0} MB/s); " +
                $"API resident memory {rssBefore / 1e6:F0} MB before, peak {peak / 1e6:F0} MB while streaming"));
        }
    }

    /// <summary>A process's resident set size now (Linux /proc).</summary>
    private static long ResidentBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>
    /// Runs wrk (2 threads, 50 connections) after a warm-up and reports its throughput, percentiles and the API process's
    /// CPU time per answer. The warm-up is 30 s: under full load on two cores the runtime's tiered compiler, a background
    /// thread, takes that long to finish the hot methods (a 5 s warm-up measured a server still a third slower).
    /// </summary>
    private async Task WrkAsync(string label, string script, ApiProcess api, int seconds, long rows)
    {
        var target = api.BaseAddress;
        var path = Path.Combine(Repository.Root, "benchmarks", "wrk", script);
        async Task<string> RunWrkAsync(int duration)
        {
            var start = new ProcessStartInfo("wrk")
            {
                ArgumentList = { "-t2", $"-c{Clients}", $"-d{duration}s", "--latency", "-s", path, target.ToString().TrimEnd('/'), "--", rows.ToString(CultureInfo.InvariantCulture) },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (apt-get install -y wrk)");
            var text = await wrk.StandardOutput.ReadToEndAsync() + await wrk.StandardError.ReadToEndAsync();
            await wrk.WaitForExitAsync();
            Assert.True(wrk.ExitCode == 0, text);
            return text;
        }

        await RunWrkAsync(30); // warm-up: connections, prepared statements, tiered JIT
        var cpuBefore = CpuSeconds(api.ProcessId);
        var report = await RunWrkAsync(seconds);
        var cpu = CpuSeconds(api.ProcessId) - cpuBefore;
        string Field(string pattern) => Regex.Match(report, pattern, RegexOptions.Multiline).Groups[1].Value;
        var errors = Field(@"Non-2xx or 3xx responses: (\d+)");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"search by {label}: {Field(@"^\s*(\d+) requests in")} requests, {Field(@"Requests/sec:\s*([\d.]+)")}/s, " +
            $"p50 {Field(@"^\s*50%\s+(\S+)")}, p90 {Field(@"^\s*90%\s+(\S+)")}, p99 {Field(@"^\s*99%\s+(\S+)")}, " +
            $"max {Field(@"Latency\s+\S+\s+\S+\s+(\S+)")}, errors {(errors.Length == 0 ? "0" : errors)}, " +
            $"API CPU {1e6 * cpu / long.Parse(Field(@"^\s*(\d+) requests in"), CultureInfo.InvariantCulture):F0} µs per answer, load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Assert.True(errors.Length == 0, report);
    }

    /// <summary>User and system CPU time of a process so far (Linux /proc; the benchmark runs only there).</summary>
    private static double CpuSeconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0; // clock ticks (USER_HZ = 100)
    }

    private async Task RunAsync(string label, int seconds, Func<Random, Task<bool>> call)
    {
        // Warm-up: connections, plans, caches.
        for (var i = 0; i < 200; i++) Assert.True(await call(Random.Shared));
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var deadline = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Clients).Select(w => Task.Run(async () =>
        {
            var rng = new Random(w);
            while (deadline.Elapsed.TotalSeconds < seconds)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await call(rng);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!ok) Interlocked.Increment(ref errors);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"search by {label}: {sorted.Length:N0} requests in {deadline.Elapsed.TotalSeconds:F1} s = {sorted.Length / deadline.Elapsed.TotalSeconds:F0}/s, " +
            $"p50 {P(0.50):F1} ms, p95 {P(0.95):F1} ms, p99 {P(0.99):F1} ms, max {sorted[^1]:F1} ms, errors {errors}, load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Assert.Equal(0, errors);
    }
}
