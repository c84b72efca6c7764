using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Publication;
using Supervision.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The public search at 50 concurrent anonymous clients over loopback HTTP, against a PostgreSQL read model seeded by
/// SQL with N published results: by credit code, then by part of a name, each for a fixed time.
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
        await using var host = await ApiHost.StartAsync(postgresConnectionString: connectionString, settings: new Dictionary<string, string?>
        {
            ["Supervision:Public:PermitLimit"] = "1000000",
            ["Supervision:Public:Window"] = "00:00:01",
            ["Logging:LogLevel:Default"] = "Error",
        });

        var seed = Stopwatch.StartNew();
        for (long from = 1; from <= rows; from += 250_000)
            await PublishedSeed.SeedAsync(connectionString, from, Math.Min(rows, from + 249_999));
        long count;
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
            count = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM published_results");
        output.WriteLine($"prepared: {count:N0} published results in {seed.Elapsed.TotalSeconds:F0} s (SQL seed + ANALYZE)");

        using var http = host.Anonymous();
        var store = host.Services.GetRequiredService<PublicationStore>();
        string Code(Random rng) => PublishedSeed.CreditCode(rng.NextInt64(1, rows + 1));
        string Name(Random rng)
        {
            // Half two-character queries (a brand), half three (a district's last character and a brand).
            var i = rng.NextInt64(1, rows + 1);
            return rng.Next(2) == 0 ? PublishedSeed.Brand(i) : "区" + PublishedSeed.Brand(i);
        }

        await RunAsync("credit code, HTTP", seconds, async rng => await GetAsync(http, "/api/public/v1/results?creditCode=" + Code(rng)));
        await RunAsync("credit code, SQL only", seconds, async rng => { await store.SearchPageAsync(new ResultQuery { CreditCode = Code(rng) }, default); return true; });
        await RunAsync("partial name, HTTP", seconds, async rng => await GetAsync(http, "/api/public/v1/results?name=" + Uri.EscapeDataString(Name(rng))));
        await RunAsync("partial name, SQL only", seconds, async rng => { await store.SearchPageAsync(new ResultQuery { Name = Name(rng) }, default); return true; });
    }

    private static async Task<bool> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode == HttpStatusCode.OK;
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
