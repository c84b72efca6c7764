using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Supervision.Api.Identity;
using Supervision.Infrastructure.Identity;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Faults;

/// <summary>
/// Faults under load, with every part its own process as in production: two silos (<c>Supervision.Silo</c>) and the API
/// as their Orleans client, all on 127.0.0.1, on PostgreSQL. Thirty HTTP clients save, sign and submit inspections with
/// idempotency keys, retrying a 503 after its Retry-After, while a silo is killed with SIGKILL or the database restarts.
/// What must hold: no acknowledged submit is lost, no 500, no request waits 10 s, and writes resume.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFaultTests(PostgresServer server, ITestOutputHelper output)
{
    private const int Clients = 30;
    private const int PerClient = 8;
    private const string TaskId = "TFAULT";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [PostgresFact]
    public async Task A_silo_killed_under_load_loses_no_acknowledged_write_and_writes_resume()
    {
        await using var cluster = await FaultCluster.StartAsync(server, "fault_kill", output);
        await using var load = Load.Start(cluster);
        await load.WaitForSubmitsAsync(Clients, TimeSpan.FromSeconds(60));

        var victim = cluster.Silos[0];
        var killedAt = Load.Now;
        await victim.KillAsync();
        output.WriteLine($"killed silo :{victim.SiloPort} (pid {victim.ProcessId}) at {killedAt.TotalSeconds:F1} s, after {load.Submits} acknowledged submits");

        var dead = await cluster.WaitForDeathAsync(victim, TimeSpan.FromSeconds(60));
        output.WriteLine($"declared dead in the membership table {(dead - killedAt).TotalSeconds:F1} s after the kill");
        var resumed = await load.WaitForEveryClientToWriteAfterAsync(killedAt, TimeSpan.FromSeconds(60));
        output.WriteLine($"every client with work left had a write acknowledged {(resumed - killedAt).TotalSeconds:F1} s after the kill");

        await load.FinishAsync(TimeSpan.FromSeconds(90));
        await load.ReportAndAssertAsync(killedAt, output);
    }

    [PostgresFact]
    public async Task Writes_resume_once_a_restarted_PostgreSQL_is_back()
    {
        await using var cluster = await FaultCluster.StartAsync(server, "fault_pg", output);
        await using var load = Load.Start(cluster);
        await load.WaitForSubmitsAsync(Clients, TimeSpan.FromSeconds(60));

        var downAt = Load.Now;
        await server.RestartAsync(TimeSpan.FromSeconds(3));
        var upAt = Load.Now;
        output.WriteLine($"PostgreSQL stopped (immediate) at {downAt.TotalSeconds:F1} s and was accepting connections again at {upAt.TotalSeconds:F1} s");
        var resumed = await load.WaitForEveryClientToWriteAfterAsync(upAt, TimeSpan.FromSeconds(60));
        output.WriteLine($"every client with work left had a write acknowledged {(resumed - upAt).TotalSeconds:F1} s after the database was back");

        await load.FinishAsync(TimeSpan.FromSeconds(90));
        await load.ReportAndAssertAsync(downAt, output);
    }

    /// <summary>The database seeded (through a short-lived in-process platform), then two silo processes and the API process.</summary>
    private sealed class FaultCluster : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];

        public required string ConnectionString { get; init; }
        public required string ClusterId { get; init; }
        public required SiloProcess[] Silos { get; init; }
        public required ApiProcess Api { get; init; }
        public required string[] Tokens { get; init; }

        public static async Task<FaultCluster> StartAsync(PostgresServer server, string name, ITestOutputHelper output)
        {
            var clock = Stopwatch.StartNew();
            var db = await server.CreateDatabaseAsync(name);
            // The throw-away server acknowledges commits before their WAL is written (synchronous_commit=off, for speed);
            // production must not, and a crash (pg_ctl stop -m immediate) would lose the last ones. This database commits
            // as production does.
            await using (var admin = new NpgsqlConnection(db))
            {
                await admin.ExecuteAsync($"ALTER DATABASE \"{admin.Database}\" SET synchronous_commit = on");
            }
            string[] tokens;
            await using (var platform = await InspectionPlatform.StartAsync(db, now: DateTimeOffset.UtcNow))
            {
                await platform.AddInspectorsAsync(Clients);
                var due = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60);
                await Parallel.ForEachAsync(Enumerable.Range(0, Clients * PerClient), new ParallelOptions { MaxDegreeOfParallelism = 8 },
                    async (i, _) => await platform.AssignDirectAsync(TaskId, Entity(i % Clients, i / Clients), Lead(i % Clients), Mate(i % Clients), ["I1"], due));
                var users = platform.Host.Services.GetRequiredService<UserStore>();
                var issuer = platform.Host.Services.GetRequiredService<TokenService>();
                tokens = new string[Clients];
                for (var k = 0; k < Clients; k++) tokens[k] = issuer.Issue((await users.FindAsync("insp-" + Lead(k)))!).Token;
            }
            output.WriteLine($"seeded {Clients * PerClient} assigned inspections in {clock.Elapsed.TotalSeconds:F1} s");

            var clusterId = "fault-" + Guid.NewGuid().ToString("N")[..8];
            var noSchema = new Dictionary<string, string> { ["Supervision:ApplySchemaOnStart"] = "false" };
            var silos = new List<SiloProcess>();
            try
            {
                silos.Add(await SiloProcess.StartAsync(db, clusterId, noSchema));
                silos.Add(await SiloProcess.StartAsync(db, clusterId, noSchema));
                var api = await ApiProcess.StartAsync(db, new Dictionary<string, string>(noSchema)
                {
                    ["Supervision:CoHostSilo"] = "false",
                    ["Orleans:ClusterId"] = clusterId,
                    // 503s are expected here and their warnings would crowd the kept output; a 500's error stays.
                    ["Logging:LogLevel:Supervision.Api.Common.RequestExceptionHandler"] = "Error",
                    ["Logging:LogLevel:Supervision.Grains.Hosting.SafeRetryFilter"] = "Error",
                });
                var cluster = new FaultCluster { ConnectionString = db, ClusterId = clusterId, Silos = [.. silos], Api = api, Tokens = tokens };
                cluster._owned.AddRange(silos);
                cluster._owned.Add(api);
                output.WriteLine($"two silos and the API running in {clock.Elapsed.TotalSeconds:F1} s");
                return cluster;
            }
            catch
            {
                foreach (var silo in silos) await silo.DisposeAsync();
                throw;
            }
        }

        /// <summary>When the membership table first shows <paramref name="silo"/> dead (status 6), on the load's clock.</summary>
        public async Task<TimeSpan> WaitForDeathAsync(SiloProcess silo, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                await using (var connection = new NpgsqlConnection(ConnectionString))
                {
                    var status = await connection.ExecuteScalarAsync<int?>(
                        "SELECT max(status) FROM orleans_membership WHERE deployment_id = @ClusterId AND port = @SiloPort",
                        new { ClusterId, silo.SiloPort });
                    if (status == 6) return Load.Clock.Elapsed;
                }

                if (deadline.Elapsed > within) throw new TimeoutException($"silo :{silo.SiloPort} not declared dead within {within.TotalSeconds} s:\n{Silos[1].Output}");
                await Task.Delay(200);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned) await owned.DisposeAsync();
        }
    }

    private static string Entity(int client, int j) => $"F{client:D2}{j:D3}";

    private static string Lead(int client) => $"L{client:D4}";

    private static string Mate(int client) => $"L{(client + 1) % Clients:D4}";

    /// <summary>Thirty clients, each the lead of its inspections (and the mate of the next client's), working through them with retries.</summary>
    private sealed class Load : IAsyncDisposable
    {
        public static readonly Stopwatch Clock = Stopwatch.StartNew();

        private readonly FaultCluster _cluster;
        private readonly HttpClient[] _http;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<Sample> _samples = new();
        private readonly ConcurrentDictionary<string, TimeSpan> _acknowledged = new();
        private readonly TimeSpan?[] _lastWriteStart = new TimeSpan?[Clients];
        private readonly bool[] _done = new bool[Clients];
        private Task _clients = Task.CompletedTask;

        private Load(FaultCluster cluster)
        {
            _cluster = cluster;
            _http = [.. Enumerable.Range(0, Clients).Select(_ => new HttpClient { BaseAddress = cluster.Api.BaseAddress, Timeout = RequestTimeout })];
        }

        public static TimeSpan Now => Clock.Elapsed;

        public int Submits => _acknowledged.Count;

        public static Load Start(FaultCluster cluster)
        {
            var load = new Load(cluster);
            load._clients = Task.WhenAll(Enumerable.Range(0, Clients).Select(k => Task.Run(() => load.ClientAsync(k))));
            return load;
        }

        private sealed record Sample(TimeSpan Start, double Ms, string Step, int Status, string? Body);

        private async Task ClientAsync(int k)
        {
            try
            {
                for (var j = 0; j < PerClient && !_stop.IsCancellationRequested; j++) await InspectAsync(k, Entity(k, j));
            }
            finally
            {
                _done[k] = true;
            }
        }

        /// <summary>Drives one inspection to Submitted from whatever state it is in; a step answered unexpectedly starts again from a read.</summary>
        private async Task InspectAsync(int k, string entity)
        {
            var url = $"/api/inspections/{TaskId}/{entity}";
            var lead = _cluster.Tokens[k];
            var mate = _cluster.Tokens[(k + 1) % Clients];
            for (var round = 0; round < 20 && !_stop.IsCancellationRequested; round++)
            {
                using var read = await SendAsync(k, "get", lead, () => new HttpRequestMessage(HttpMethod.Get, url), write: false);
                if (read is null || read.StatusCode != HttpStatusCode.OK) continue;
                var state = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString();
                if (state is "Assigned" or "Draft")
                {
                    var etag = read.Headers.ETag!.Tag;
                    using var saved = await SendAsync(k, "draft", lead, () => InspectionPlatform.Put(url + "/draft", Draft(), etag), write: true);
                    if (saved?.StatusCode != HttpStatusCode.OK) continue;
                    using var signedByLead = await SendAsync(k, "sign", lead, () => new HttpRequestMessage(HttpMethod.Post, url + "/sign"), write: true);
                    if (signedByLead?.StatusCode != HttpStatusCode.OK) continue;
                    using var signedByMate = await SendAsync(k, "sign", mate, () => new HttpRequestMessage(HttpMethod.Post, url + "/sign"), write: true);
                    if (signedByMate?.StatusCode != HttpStatusCode.OK) continue;
                }
                else if (state is not ("Signed" or "Submitted"))
                {
                    continue;
                }

                // Signed (or submitted by an attempt whose answer was lost): submit with the inspection's one key.
                using var submitted = await SendAsync(k, "submit", lead, () => InspectionPlatform.Submit(url, "fault-" + entity), write: true);
                if (submitted?.StatusCode == HttpStatusCode.OK)
                {
                    _acknowledged.TryAdd(entity, Clock.Elapsed);
                    return;
                }
            }
        }

        private static object Draft() => new
        {
            items = new[]
            {
                new { itemCode = "I1", resultCodes = new[] { "1" }, findings = (string?)null, visitedAt = DateTimeOffset.UtcNow.AddDays(-1), visitPlace = "Registered address", evidence = Array.Empty<object>() },
            },
        };

        /// <summary>One request, sent again after a 503's Retry-After (or after a failure, which is recorded); null when the load stops.</summary>
        private async Task<HttpResponseMessage?> SendAsync(int k, string step, string token, Func<HttpRequestMessage> request, bool write)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var message = request();
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var start = Clock.Elapsed;
                var timestamp = Stopwatch.GetTimestamp();
                HttpResponseMessage response;
                try
                {
                    response = await _http[k].SendAsync(message);
                }
                catch (TaskCanceledException)
                {
                    _samples.Enqueue(new Sample(start, Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds, step, 0, "no answer within 10 s"));
                    continue;
                }
                catch (HttpRequestException e)
                {
                    _samples.Enqueue(new Sample(start, Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds, step, -1, e.Message));
                    await Task.Delay(500);
                    continue;
                }

                var ms = Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds;
                var status = (int)response.StatusCode;
                var body = status >= 400 ? await response.Content.ReadAsStringAsync() : null;
                _samples.Enqueue(new Sample(start, ms, step, status, body));
                if (status == 503)
                {
                    var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2);
                    response.Dispose();
                    await Task.Delay(wait);
                    continue;
                }

                if (write && status is >= 200 and < 300) _lastWriteStart[k] = start;
                return response;
            }

            return null;
        }

        public async Task WaitForSubmitsAsync(int count, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (Submits < count)
            {
                if (deadline.Elapsed > within) throw new TimeoutException($"only {Submits} submits within {within.TotalSeconds} s; statuses: {Statuses()}");
                await Task.Delay(100);
            }
        }

        /// <summary>When every client that still has inspections to do has had a write acknowledged that it sent after <paramref name="after"/>.</summary>
        public async Task<TimeSpan> WaitForEveryClientToWriteAfterAsync(TimeSpan after, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (Enumerable.Range(0, Clients).All(k => _done[k] || _lastWriteStart[k] > after)) return Clock.Elapsed;
                if (deadline.Elapsed > within)
                    throw new TimeoutException($"clients without a write since {after.TotalSeconds:F1} s: {string.Join(", ", Enumerable.Range(0, Clients).Where(k => !_done[k] && !(_lastWriteStart[k] > after)))}; statuses: {Statuses()}");
                await Task.Delay(100);
            }
        }

        /// <summary>Lets the clients finish their inspections (or stops them after <paramref name="within"/>).</summary>
        public async Task FinishAsync(TimeSpan within)
        {
            await Task.WhenAny(_clients, Task.Delay(within));
            await _stop.CancelAsync();
            await _clients;
        }

        private string Statuses() => string.Join(", ", _samples.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));

        public async Task ReportAndAssertAsync(TimeSpan faultAt, ITestOutputHelper output)
        {
            var samples = _samples.ToArray();
            var after = _acknowledged.Values.Where(t => t > faultAt).OrderBy(t => t).ToArray();
            var line = string.Create(CultureInfo.InvariantCulture,
                $"faults: {samples.Length} requests, {_acknowledged.Count} acknowledged submits ({after.Length} after the fault), " +
                $"503s {samples.Count(s => s.Status == 503)}, 500s {samples.Count(s => s.Status >= 500 && s.Status != 503)}, " +
                $"no answer in 10 s {samples.Count(s => s.Status == 0)}, refused connections {samples.Count(s => s.Status == -1)}; " +
                $"latency ms p50 {Percentile(samples, 0.5):F0}, p99 {Percentile(samples, 0.99):F0}, max {samples.Max(s => s.Ms):F0}; " +
                $"first submit acknowledged after the fault at +{(after.Length > 0 ? (after[0] - faultAt).TotalSeconds : double.NaN):F1} s; " +
                $"longest gap between acknowledged submits after the fault {LongestGap(faultAt, after).TotalSeconds:F1} s");
            output.WriteLine(line);
            Console.WriteLine(line);
            foreach (var s in samples.Where(s => s.Status is >= 400 and not 503).Take(10))
                output.WriteLine($"  {s.Step} at {s.Start.TotalSeconds:F1} s: {s.Status} {s.Body?[..Math.Min(300, s.Body.Length)]}");

            if (samples.Any(s => s.Status >= 500 && s.Status != 503)) output.WriteLine("API output:\n" + _cluster.Api.Output);
            Assert.DoesNotContain(samples, s => s.Status >= 500 && s.Status != 503);
            Assert.DoesNotContain(samples, s => s.Status == 0);
            Assert.True(samples.Max(s => s.Ms) < RequestTimeout.TotalMilliseconds, "a request waited 10 s or more");
            Assert.NotEmpty(after);

            // Every acknowledged submit is in the database.
            await using var connection = new NpgsqlConnection(_cluster.ConnectionString);
            var submitted = (await connection.QueryAsync<string>(
                "SELECT entity_credit_code FROM inspections WHERE task_id = @TaskId AND state = 'Submitted'", new { TaskId })).ToHashSet();
            var lost = _acknowledged.Keys.Where(e => !submitted.Contains(e)).ToList();
            Assert.True(lost.Count == 0, $"acknowledged but not submitted in the database: {string.Join(", ", lost)}");
        }

        private static double Percentile(Sample[] samples, double q)
        {
            var sorted = samples.Select(s => s.Ms).Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        }

        private static TimeSpan LongestGap(TimeSpan from, TimeSpan[] times)
        {
            var longest = TimeSpan.Zero;
            var previous = from;
            foreach (var t in times)
            {
                if (t - previous > longest) longest = t - previous;
                previous = t;
            }

            return longest;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _clients;
            }
            catch (OperationCanceledException)
            {
            }

            foreach (var http in _http) http.Dispose();
        }
    }
}
