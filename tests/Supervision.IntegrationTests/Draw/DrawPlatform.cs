using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Grains.Tasks;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Draw;

/// <summary>Lets a test fail a draw after it was computed and before it is committed, and keeps what was about to be committed.</summary>
public sealed class FaultBeforeCommit : IDrawFaults
{
    public volatile bool FailNext;

    /// <summary>Every attempt fails (a bug that does not go away), until set back.</summary>
    public volatile bool FailAlways;

    /// <summary>When set, a draw waits before its commit until this completes (to see an operation while it runs).</summary>
    public volatile TaskCompletionSource? Gate;

    public List<string> Aborted { get; } = [];

    public async ValueTask BeforeCommitAsync(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8)
    {
        if (Gate is { } gate) await gate.Task;
        Fail(taskId, kind, recordUtf8);
    }

    private void Fail(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8)
    {
        var recordJson = Encoding.UTF8.GetString(recordUtf8.Span);
        if (FailAlways) throw new InvalidOperationException($"injected lasting fault before committing the {kind} draw of {taskId}");
        if (!FailNext) return;
        FailNext = false;
        lock (Aborted) Aborted.Add(recordJson);
        throw new InvalidOperationException($"injected fault before committing the {kind} draw of {taskId}");
    }
}

/// <summary>
/// A platform on a fresh PostgreSQL database with a small directory: departments D1 and D2, items I1 (D1), I2 (D2) and
/// NOBODY (D1, which no inspector holds), a few thousand synthetic entities imported through the real importer,
/// and inspectors: 12 in D1 qualified for I1, 8 in D2 qualified for I2.
/// </summary>
public sealed class DrawPlatform : IAsyncDisposable
{
    public const int EntityCount = 3000;

    private DrawPlatform(ApiHost host, FaultBeforeCommit faults)
    {
        Host = host;
        Faults = faults;
    }

    public ApiHost Host { get; }

    public FaultBeforeCommit Faults { get; }

    public SqlStore Store => Host.Services.GetRequiredService<SqlStore>();

    public static async Task<DrawPlatform> StartAsync(PostgresServer server, string name) =>
        await StartAsync(await server.CreateDatabaseAsync(name));

    /// <summary>Starts on an existing database; <paramref name="seed"/> false restarts on data seeded before.</summary>
    public static async Task<DrawPlatform> StartAsync(string connectionString, bool seed = true, IDictionary<string, string?>? settings = null)
    {
        var faults = new FaultBeforeCommit();
        var configuration = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Error" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) configuration[k] = v;
        var host = await ApiHost.StartAsync(
            postgresConnectionString: connectionString,
            settings: configuration,
            services: s => s.AddSingleton<IDrawFaults>(faults));
        var platform = new DrawPlatform(host, faults);
        if (seed) await platform.SeedAsync();
        return platform;
    }

    /// <summary>The same platform in the embedded mode: co-hosted silo, one SQLite file.</summary>
    public static async Task<DrawPlatform> StartEmbeddedAsync()
    {
        var faults = new FaultBeforeCommit();
        var host = await ApiHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Error" },
            services: s => s.AddSingleton<IDrawFaults>(faults));
        var platform = new DrawPlatform(host, faults);
        await platform.SeedAsync();
        return platform;
    }

    private async Task SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var connection = await Store.OpenAsync())
        {
            foreach (var d in new[] { "D1", "D2" })
            {
                await connection.ExecuteAsync(
                    "INSERT INTO departments (code, name, created_at, updated_at) VALUES (@d, @name, @now, @now)", new { d, name = "Department " + d, now });
            }
            foreach (var (code, dept) in new[] { ("I1", "D1"), ("I2", "D2"), ("NOBODY", "D1") })
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO inspection_items (code, name, department_code, legal_basis, method, result_codes, created_at, updated_at)
                    VALUES (@code, @code, @dept, 'test', 'on_site', '1,A,B,E,6,F', @now, @now)
                    """, new { code, dept, now });
            }
            for (var i = 0; i < 20; i++)
            {
                var dept = i < 12 ? "D1" : "D2";
                await connection.ExecuteAsync(
                    """
                    INSERT INTO inspectors (certificate_no, name, department_code, certificate_expires_on, specialties, status, conflicts, updated_at)
                    VALUES (@cert, @name, @dept, @expires, @specialties, 'active', '', @now)
                    """,
                    new { cert = $"C{i:D4}", name = $"Inspector {i}", dept, expires = new DateOnly(2099, 1, 1), specialties = dept == "D1" ? "I1" : "I2", now });
            }
        }

        var synthetic = new SyntheticDirectory(7, EntityCount, 0);
        using var csv = new MemoryStream();
        synthetic.WriteEntitiesCsv(csv);
        csv.Position = 0;
        var job = await Host.Services.GetRequiredService<DirectoryImporter>().ImportEntitiesAsync(csv, "entities.csv", Actor.System("test"));
        Assert.Equal("completed", job.Status);
    }

    /// <summary>
    /// Makes every team draw fail whichever entities are drawn, in a way the freeze's staffing check cannot see: all D1
    /// inspectors but C0000 declare a conflict with every entity, so each entity has one eligible D1 inspector.
    /// </summary>
    public async Task ConflictAllButOneAsync()
    {
        await using var connection = await Store.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE inspectors SET conflicts = (SELECT string_agg(credit_code, ',') FROM market_entities) WHERE department_code = 'D1' AND certificate_no <> 'C0000'");
    }

    public async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var connection = await Store.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    /// <summary>A small stratified draft: by default counts A 2, B 5, C 3, D 2 over the open entities; <c>plan</c>: the plan line it carries out, if any.</summary>
    public static object Draft(string lead = "D1", string[]? participating = null, string[]? items = null, int teamSize = 2, int? workloadCap = null,
        string name = "Food safety spot checks", (int A, int B, int C, int D)? counts = null, object? plan = null, DateOnly? deadline = null)
    {
        var (a, b, c, d) = counts ?? (2, 5, 3, 2);
        return new
        {
            name,
            leadDepartment = lead,
            participatingDepartments = participating ?? [],
            items = items ?? ["I1"],
            sampling = new
            {
                mode = "stratified",
                classes = new object[]
                {
                    new { creditClass = "A", count = a }, new { creditClass = "B", count = b },
                    new { creditClass = "C", count = c }, new { creditClass = "D", count = d },
                },
            },
            teamSize,
            workloadCap,
            deadline = deadline ?? DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60),
            beacon = Ceremonies.Beacon(),
            plan,
        };
    }

    /// <summary>The body of a response that must have <paramref name="expected"/> status, as JSON (default when empty).</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Creates, publishes and freezes a task and runs its seed ceremony (two witnesses commit and reveal <paramref name="dice"/>,
    /// the beacon value is recorded), so the entity draw can run; each of <paramref name="participants"/> (schedulers of the
    /// participating departments) accepts it first. Returns its id.
    /// </summary>
    public static async Task<string> FrozenTaskAsync(HttpClient scheduler, object draft, string dice = "3 1 4 1 5 9 2 6", params HttpClient[] participants)
    {
        var id = await FreezeAsync(scheduler, draft, participants);
        await Ceremonies.RunAsync(scheduler, id, dice);
        return id;
    }

    /// <summary>Creates, publishes and freezes a task (each of <paramref name="participants"/> accepts it first), without its seed ceremony. Returns its id.</summary>
    public static async Task<string> FreezeAsync(HttpClient scheduler, object draft, params HttpClient[] participants)
    {
        var created = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", draft), System.Net.HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), System.Net.HttpStatusCode.OK);
        foreach (var participant in participants)
        {
            await ReadAsync(await participant.PostAsJsonAsync($"/api/tasks/{id}/participation", new { decision = "accept" }), System.Net.HttpStatusCode.OK);
        }

        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), System.Net.HttpStatusCode.OK);
        return id;
    }

    /// <summary>Runs the independent Python verifier; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> PythonVerifyAsync(params string[] files)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "tools", "verify_draw.py"));
        foreach (var f in files) start.ArgumentList.Add(f);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + error);
    }

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
