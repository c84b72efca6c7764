using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Supervision.Api.Identity;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// A platform for the inspection workflow, on SQLite (default) or PostgreSQL, with a workflow clock the test moves:
/// departments D1, D2 (and D3, with no part in the tasks), items I1 (D1, on-site) and I2 (D2, written) allowing the
/// codes 1 A B E 6 F, inspectors C0000–C0007 (D1, I1) and C0100–C0105 (D2, I2) each with an account "insp-{cert}",
/// schedulers and reviewers per department, and a few hundred synthetic entities.
/// </summary>
public sealed class InspectionPlatform : IAsyncDisposable
{
    public const string Password = "a-long-test-password";
    public static readonly DateTimeOffset DefaultNow = new(2026, 6, 1, 2, 0, 0, TimeSpan.Zero); // 10:00 Beijing, a Monday

    private InspectionPlatform(ApiHost host, FakeTimeProvider clock)
    {
        Host = host;
        Clock = clock;
    }

    public ApiHost Host { get; }

    /// <summary>The workflow's clock (visits, approvals, deadlines); access tokens use the real one.</summary>
    public FakeTimeProvider Clock { get; }

    public SqlStore Store => Host.Services.GetRequiredService<SqlStore>();

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<InspectionPlatform> StartAsync(string? postgres = null, string? dataDirectory = null, DateTimeOffset? now = null, bool seed = true,
        TimeSpan? reminderPeriod = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection, FakeTimeProvider>? services = null)
    {
        var clock = new FakeTimeProvider(now ?? DefaultNow);
        var config = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
            ["Supervision:Inspections:ReminderPeriod"] = (reminderPeriod ?? TimeSpan.FromHours(1)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = "inspections",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var host = await ApiHost.StartAsync(dataDirectory, postgres, config, s =>
        {
            s.AddSingleton(new WorkflowClock(clock));
            services?.Invoke(s, clock);
        });
        var platform = new InspectionPlatform(host, clock);
        if (seed) await platform.SeedAsync();
        return platform;
    }

    public static string[] D1Inspectors => [.. Enumerable.Range(0, 8).Select(i => $"C{i:D4}")];

    public static string[] D2Inspectors => [.. Enumerable.Range(100, 6).Select(i => $"C{i:D4}")];

    private async Task SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var hash = new PasswordHasher<UserAccount>().HashPassword(null!, Password);
        await using (var connection = await Store.OpenAsync())
        {
            foreach (var d in new[] { "D1", "D2", "D3" })
                await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES (@d, @d, @now, @now)", new { d, now });
            foreach (var (code, dept, method) in new[] { ("I1", "D1", "on-site"), ("I2", "D2", "written") })
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO inspection_items (code, name, department_code, legal_basis, method, result_codes, created_at, updated_at)
                    VALUES (@code, @code, @dept, 'test', @method, '1,A,B,E,6,F', @now, @now)
                    """, new { code, dept, method, now });
            }
            foreach (var (cert, dept) in D1Inspectors.Select(c => (c, "D1")).Concat(D2Inspectors.Select(c => (c, "D2"))))
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO inspectors (certificate_no, name, department_code, certificate_expires_on, specialties, status, conflicts, updated_at)
                    VALUES (@cert, @cert, @dept, @expires, @specialty, 'active', '', @now)
                    """, new { cert, dept, expires = new DateOnly(2099, 1, 1), specialty = dept == "D1" ? "I1" : "I2", now });
                await InsertUserAsync(connection, "insp-" + cert, Roles.Inspector, dept, cert, hash, now);
            }
            foreach (var d in new[] { "D1", "D2", "D3" })
            {
                await InsertUserAsync(connection, "sched-" + d.ToLowerInvariant(), Roles.Scheduler, d, null, hash, now);
                await InsertUserAsync(connection, "rev-" + d.ToLowerInvariant(), Roles.Reviewer, d, null, hash, now);
            }
        }

        var synthetic = new SyntheticDirectory(11, 600, 0);
        using var csv = new MemoryStream();
        synthetic.WriteEntitiesCsv(csv);
        csv.Position = 0;
        var job = await Host.Services.GetRequiredService<DirectoryImporter>().ImportEntitiesAsync(csv, "entities.csv", Actor.System("test"));
        Assert.Equal("completed", job.Status);
    }

    public static Task InsertUserAsync(System.Data.Common.DbConnection connection, string username, string role, string? dept, string? cert, string? hash, DateTimeOffset now) =>
        connection.ExecuteAsync(
            """
            INSERT INTO users (username, display_name, password_hash, roles, department_code, inspector_certificate_no, created_at, updated_at)
            VALUES (@username, @username, @hash, @role, @dept, @cert, @now, @now)
            """, new { username, hash, role, dept, cert, now });

    public Task<HttpClient> As(string username) => Host.SignInAsync(username, Password);

    /// <summary>
    /// A client with a token minted directly (no password check) for a stored account: for load tests with hundreds of
    /// accounts. The token carries the account's security stamp, as every token must (the roles and department that
    /// count are the stored ones).
    /// </summary>
    public async Task<HttpClient> WithTokenAsync(string username)
    {
        var account = await Host.Services.GetRequiredService<UserStore>().FindAsync(username)
            ?? throw new InvalidOperationException($"no account {username}");
        var token = Host.Services.GetRequiredService<TokenService>().Issue(account).Token;
        var client = Host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates, publishes, freezes and draws a task (both draws); returns its id. <paramref name="plan"/>: the plan line it carries out.</summary>
    public static async Task<string> DrawnTaskAsync(HttpClient scheduler, bool joint, bool drawInspectors = true, HttpClient? participant = null,
        object? plan = null, DateOnly? deadline = null)
    {
        // A joint task: D2 joins by consent, one of its own schedulers accepting before the freeze.
        if (joint) Assert.NotNull(participant);
        var draft = Draw.DrawPlatform.Draft(name: "Workflow test task", participating: joint ? ["D2"] : [], items: joint ? ["I1", "I2"] : ["I1"], counts: (1, 2, 1, 1),
            plan: plan, deadline: deadline);
        var id = await Draw.DrawPlatform.FrozenTaskAsync(scheduler, draft, "2 7 1 8 2 8", joint ? [participant!] : []);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        if (drawInspectors) await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);
        return id;
    }

    public static Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected) => Draw.DrawPlatform.ReadAsync(response, expected);

    /// <summary>Problem details must be RFC 9457: the status repeated in the body, a title.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await ReadAsync(response, expected);
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        return body;
    }

    public static HttpRequestMessage Put(string url, object body, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.ParseAdd(etag);
        return request;
    }

    public static HttpRequestMessage Submit(string url, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url + "/submit");
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    public async Task<string?> ScalarTextAsync(string sql, object? args = null)
    {
        await using var connection = await Store.OpenAsync();
        return await connection.ExecuteScalarAsync<string>(sql, args);
    }

    public async Task<long> ScalarAsync(string sql, object? args = null)
    {
        await using var connection = await Store.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    /// <summary>
    /// Waits until <paramref name="sql"/> (a count; <c>@yes</c> is bound to true) reaches <paramref name="expected"/> — what
    /// a background tick or reminder writes — and fails naming the query and the last count after <paramref name="within"/>.
    /// </summary>
    public async Task WaitForCountAsync(string sql, long expected = 1, object? args = null, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(90);
        var deadline = DateTime.UtcNow + limit;
        long seen = -1;
        while (DateTime.UtcNow < deadline)
        {
            seen = await ScalarAsync(sql, args ?? new { yes = true });
            if (seen >= expected) return;
            await Task.Delay(100);
        }

        Assert.Fail($"waited {limit.TotalSeconds} s for {expected} rows of [{sql}]; saw {seen}");
    }

    /// <summary>An inspection created directly through its grain (no draw): for load tests and follow-up scenarios.</summary>
    public async Task<Inspection> AssignDirectAsync(string taskId, string entity, string leadCert, string mateCert, string[] items, DateOnly due,
        string? leadUser = null, string? mateUser = null)
    {
        var allowed = new[] { "1", "A", "B", "E", "6", "F" };
        var inspection = InspectionWorkflow.Assign($"{taskId}/{entity}", taskId, entity, "D1",
            [new TeamMember(leadUser ?? "insp-" + leadCert, leadCert, true), new TeamMember(mateUser ?? "insp-" + mateCert, mateCert, false)],
            items.Select(i => new InspectionItem(i, i == "I2" ? "D2" : "D1", i == "I2" ? InspectionMethod.Written : InspectionMethod.OnSite, allowed)).ToList(), due);
        var reply = await Grains.GetGrain<IInspectionGrain>(inspection.InspectionId).Assign(new InspectionAssignment(inspection, "Entity " + entity, "110101"),
            new Actor("sched-d1", [Roles.Scheduler], "D1", null));
        Assert.True(reply.Succeeded, reply.Detail);
        return reply.Inspection!;
    }

    /// <summary>
    /// An inspection of D1's item I1 assigned directly (team C0000 lead, C0001), its result recorded with
    /// <paramref name="codes"/>, signed by both and submitted, all through the API; returns its URL.
    /// </summary>
    public async Task<string> SubmittedAsync(string taskId, string entity, string[] codes, DateOnly due)
    {
        await AssignDirectAsync(taskId, entity, "C0000", "C0001", ["I1"], due);
        using var lead = await As("insp-C0000");
        using var mate = await As("insp-C0001");
        var url = $"/api/inspections/{taskId}/{entity}";
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", Results([("I1", codes)]), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await lead.SendAsync(Submit(url, "submit-" + entity)), HttpStatusCode.OK);
        return url;
    }

    /// <summary>A complete result for the items: the given code per item, findings when not "1", a visit yesterday.</summary>
    public object Results(IEnumerable<(string Item, string[] Codes)> items, object? evidence = null) => new
    {
        items = items.Select(x => new
        {
            itemCode = x.Item,
            resultCodes = x.Codes,
            findings = x.Codes.SequenceEqual(["1"]) ? null : "Findings for " + string.Join("+", x.Codes),
            visitedAt = Clock.GetUtcNow().AddDays(-1),
            visitPlace = x.Item == "I1" ? "Registered address" : null,
            evidence = x.Item == "I1" && evidence is not null ? new[] { evidence } : Array.Empty<object>(),
        }).ToArray(),
    };

    /// <summary>An inspector of D1 acting with certificate <paramref name="cert"/> (account "insp-{cert}").</summary>
    public static Actor InspectorActor(string cert) => new("insp-" + cert, [Roles.Inspector], "D1", cert);

    /// <summary>Creates a signed inspection through its grain: assigned, draft saved by the lead, signed by both.</summary>
    public async Task PrepareSignedAsync(string taskId, string entity, string leadCert, string mateCert)
    {
        var insp = await AssignDirectAsync(taskId, entity, leadCert, mateCert, ["I1"], new DateOnly(2026, 12, 1));
        await SignThroughGrainAsync(Grains, insp, Clock.GetUtcNow().AddHours(-3), leadCert, mateCert);
    }

    /// <summary>Saves a clean result for I1 as the lead and has both members sign it (any cluster's grain factory).</summary>
    public static async Task SignThroughGrainAsync(IGrainFactory grains, Inspection insp, DateTimeOffset visited, string leadCert, string mateCert)
    {
        var grain = grains.GetGrain<IInspectionGrain>(insp.InspectionId);
        var saved = await grain.SaveDraft([new ItemResult("I1", ["1"], null, visited, "Registered address", [])], insp.Revision, InspectorActor(leadCert));
        Assert.True(saved.Succeeded, saved.Detail);
        Assert.True((await grain.Sign(InspectorActor(leadCert))).Succeeded);
        var signed = await grain.Sign(InspectorActor(mateCert));
        Assert.Equal(InspectionState.Signed, signed.Inspection!.State);
    }

    /// <summary>Adds inspector accounts insp-L0000… with certificates L0000… in D1.</summary>
    public async Task AddInspectorsAsync(int count)
    {
        await using var connection = await Store.OpenAsync();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
            await InsertUserAsync(connection, $"insp-L{i:D4}", Roles.Inspector, "D1", $"L{i:D4}", null, now);
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
