using System.Net;
using System.Net.Http.Json;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Supervision.Api.Publication;
using Dapper;
using Supervision.Contracts.Inspections;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>Publication rules with the workflow's fake clock: automatic publication, the 20-working-day deadline, settings.</summary>
public sealed class PublicationWorkflowTests
{
    private static async Task<string[]> EntitiesAsync(InspectionPlatform platform, int count)
    {
        await using var connection = await platform.Store.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT @count", new { count })).ToArray();
    }

    private static async Task<string> SettingsETagAsync(HttpClient client, string department) =>
        (await client.GetAsync("/api/publication/departments/" + department)).Headers.ETag!.Tag;

    private static HttpRequestMessage PutSettings(string department, object body, string? etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/publication/departments/" + department) { Content = JsonContent.Create(body) };
        if (etag is not null) request.Headers.IfMatch.ParseAdd(etag);
        return request;
    }

    [Fact]
    public async Task A_department_that_publishes_automatically_publishes_with_the_last_approval_and_chooses_whether_names_appear()
    {
        await using var platform = await StartAsync();
        var steps = new PublicationSteps(platform);
        using var sched = await platform.As("sched-d1");
        using var schedD2 = await platform.As("sched-d2");
        using var reviewer = await platform.As("rev-d1");
        using var anonymous = platform.Host.Anonymous();
        await using (var connection = await platform.Store.OpenAsync())
            await connection.ExecuteAsync("UPDATE inspectors SET name = '王检查' WHERE certificate_no = 'C0000'; UPDATE inspectors SET name = '李检查' WHERE certificate_no = 'C0001'");

        // Who may change the settings, and how refusals read.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(PutSettings("D1", new { publishMode = "automatic" }, "\"1\""))).StatusCode);
        await ProblemAsync(await schedD2.SendAsync(PutSettings("D1", new { publishMode = "automatic" }, "\"1\"")), HttpStatusCode.Forbidden);
        await ProblemAsync(await reviewer.SendAsync(PutSettings("D1", new { publishMode = "automatic" }, "\"1\"")), HttpStatusCode.Forbidden);
        await ProblemAsync(await sched.SendAsync(PutSettings("D1", new { publishMode = "automatic" }, null)), HttpStatusCode.PreconditionRequired);
        var bad = await ProblemAsync(await sched.SendAsync(PutSettings("D1", new { publishMode = "sometimes" }, await SettingsETagAsync(sched, "D1"))), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("publishMode", out _));
        await ProblemAsync(await sched.SendAsync(PutSettings("D1", new { publishMode = "automatic" }, "\"99\"")), HttpStatusCode.PreconditionFailed);
        var set = await ReadAsync(await sched.SendAsync(PutSettings("D1", new { publishMode = "automatic", publishTeamNames = true }, await SettingsETagAsync(sched, "D1"))), HttpStatusCode.OK);
        Assert.Equal("automatic", set.GetProperty("publishMode").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'department.publication' AND subject_key = 'D1'"));

        var entity = (await EntitiesAsync(platform, 1))[0];
        await platform.AssignDirectAsync("TAUTO", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 30));
        var approved = await steps.CompleteAsync($"TAUTO/{entity}", ["1"]);
        Assert.Equal("Published", approved.GetProperty("state").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.approve' AND after_json LIKE '%autoPublished%'"));

        var page = await ReadAsync(await anonymous.GetAsync("/api/public/v1/entities/" + entity), HttpStatusCode.OK);
        var result = Assert.Single(page.GetProperty("results").EnumerateArray());
        Assert.Equal("2026-06-01", result.GetProperty("publishedOn").GetString());
        Assert.Equal(["王检查", "李检查"], result.GetProperty("teamNames").EnumerateArray().Select(n => n.GetString()));

        // The department stops publishing names: they disappear from what was already published too.
        await ReadAsync(await sched.SendAsync(PutSettings("D1", new { publishTeamNames = false }, await SettingsETagAsync(sched, "D1"))), HttpStatusCode.OK);
        var after = await ReadAsync(await anonymous.GetAsync("/api/public/v1/entities/" + entity), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.GetProperty("results")[0].GetProperty("teamNames").ValueKind);
        Assert.DoesNotContain("王检查", await anonymous.GetStringAsync("/entities/" + entity));

        // A publisher department's approval waits for its publisher.
        await ReadAsync(await sched.SendAsync(PutSettings("D1", new { publishMode = "publisher" }, await SettingsETagAsync(sched, "D1"))), HttpStatusCode.OK);
        var second = (await EntitiesAsync(platform, 2))[1];
        await platform.AssignDirectAsync("TAUTO", second, "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 30));
        Assert.Equal("Approved", (await steps.CompleteAsync($"TAUTO/{second}", ["1"])).GetProperty("state").GetString());
        Assert.Empty((await ReadAsync(await anonymous.GetAsync("/api/public/v1/entities/" + second), HttpStatusCode.OK)).GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task The_platform_warns_before_the_publication_deadline_reports_overdue_results_and_lists_late_publications()
    {
        await using var platform = await StartAsync();
        var steps = new PublicationSteps(platform);
        using var sched = await platform.As("sched-d1");
        using var schedD2 = await platform.As("sched-d2");
        using var reviewer = await platform.As("rev-d1");
        using var inspector = await platform.As("insp-C0000");
        using var admin = await platform.Host.AdminAsync();
        var entity = (await EntitiesAsync(platform, 1))[0];
        var id = $"TLATE/{entity}";
        await platform.AssignDirectAsync("TLATE", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 30));
        var approved = await steps.CompleteAsync(id, ["1"]);
        // Approved on Monday 1 June 2026: due 20 working days later (the Dragon Boat Festival, 19 June, is a holiday).
        Assert.Equal("2026-06-30", approved.GetProperty("deadlines").GetProperty("publicationDue").GetString());

        async Task<System.Text.Json.JsonElement> ReportAsync(HttpClient client, string query = "") =>
            (await ReadAsync(await client.GetAsync("/api/publication/deadlines" + query), HttpStatusCode.OK)).GetProperty("departments");
        var report = await ReportAsync(sched);
        var d1 = Assert.Single(report.EnumerateArray());
        Assert.Equal("not-due", d1.GetProperty("upcoming")[0].GetProperty("status").GetString());

        // Three working days before: warned once, and the report says so.
        platform.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 26, 2, 0, 0, TimeSpan.Zero));
        var grain = platform.Grains.GetGrain<IInspectionGrain>(id);
        await grain.CheckDeadlines();
        await grain.CheckDeadlines();
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE kind = 'publication-due-soon' AND recipient = 'department:D1'"));
        var soon = (await ReportAsync(sched))[0];
        Assert.Equal(1, soon.GetProperty("dueSoon").GetInt32());
        Assert.Equal("due-soon", soon.GetProperty("upcoming")[0].GetProperty("status").GetString());
        Assert.Equal(2, soon.GetProperty("upcoming")[0].GetProperty("workingDaysLeft").GetInt32());

        // Past the deadline: marked overdue and listed as missed.
        platform.Clock.SetUtcNow(new DateTimeOffset(2026, 7, 1, 2, 0, 0, TimeSpan.Zero));
        Assert.True((await grain.CheckDeadlines())!.PublicationOverdue);
        var overdue = (await ReportAsync(sched))[0];
        Assert.Equal(1, overdue.GetProperty("overdue").GetInt32());
        Assert.Equal("overdue", overdue.GetProperty("missed")[0].GetProperty("status").GetString());

        // Published late: public now, and the report keeps the miss.
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{id}/publish", null), HttpStatusCode.OK);
        var late = (await ReportAsync(sched))[0];
        Assert.Equal(0, late.GetProperty("pending").GetInt32());
        Assert.Equal(1, late.GetProperty("publishedLate").GetInt32());
        var miss = late.GetProperty("missed")[0];
        Assert.Equal("published-late", miss.GetProperty("status").GetString());
        Assert.Equal("2026-07-01", miss.GetProperty("publishedOn").GetString());

        // Who sees the report: the department's staff and admins; not other departments, not inspectors.
        Assert.Single((await ReportAsync(admin)).EnumerateArray());
        Assert.Empty((await ReportAsync(schedD2)).EnumerateArray());
        await ProblemAsync(await schedD2.GetAsync("/api/publication/deadlines?department=D1"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.GetAsync("/api/publication/deadlines")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_clients_are_rate_limited_per_address_with_retry_after_and_staff_are_not()
    {
        await using var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Supervision:Public:PermitLimit"] = "3",
            ["Supervision:Public:Window"] = "00:05:00",
        });
        using var admin = await host.AdminAsync(); // the sign-in is an anonymous request: one of the three
        using var anonymous = host.Anonymous();
        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/public/v1/results")).StatusCode);
        var refused = await anonymous.GetAsync("/api/public/v1/results");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, refused.Headers.ToString());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/")).StatusCode);
        // Every anonymous request counts, the anonymous parts of the staff API, the sign-in and the readiness probe too;
        // the liveness probe does not.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/api/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/api/reference/divisions")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);

        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/public/v1/results")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_requests_wait_their_turn_first_come_and_a_full_queue_answers_503_with_retry_after()
    {
        await using var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Supervision:Public:ConcurrentRequests"] = "1",
            ["Supervision:Public:QueueLimit"] = "1",
            ["Supervision:Public:ConcurrentDownloads"] = "1",
            ["Supervision:Public:DownloadQueueLimit"] = "1",
        });
        var capacity = host.Services.GetRequiredService<PublicCapacity>();
        using var anonymous = host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/public/v1/results")).StatusCode);
        const string download = "/api/public/v1/downloads/2026/all.csv"; // nothing published: 404, once it has its turn
        Task QueuedAsync(bool longTransfer, long expected) => WaitUntilQueuedAsync(capacity, longTransfer, expected);

        // The one turn is taken: the next anonymous request waits in the queue, the one after it finds the queue full.
        var held = await capacity.AcquireAsync(longTransfer: false, default);
        Assert.True(held.IsAcquired);
        var waiting = anonymous.GetAsync("/api/public/v1/results");
        await QueuedAsync(false, 1);
        var refused = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        Assert.False(waiting.IsCompleted);

        // Sign-ins, staff, the health probes and long transfers (their own turns) do not wait behind the answers.
        using var admin = await host.AdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/public/v1/results")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        var ready = await anonymous.GetAsync("/health/ready"); // answered by the health checks (text), not refused by the queue
        Assert.Equal("text/plain", ready.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(download)).StatusCode);

        // The turn is given back: the waiting request is answered.
        held.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await waiting).StatusCode);
        Assert.Equal(1, capacity.Statistics(false)!.CurrentAvailablePermits);

        // A client that gives up while waiting leaves the queue, and the next one is served.
        held = await capacity.AcquireAsync(longTransfer: false, default);
        using (var giveUp = new CancellationTokenSource())
        {
            var abandoned = anonymous.GetAsync("/api/public/v1/results", giveUp.Token);
            await QueuedAsync(false, 1);
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
            await QueuedAsync(false, 0);
        }
        held.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/public/v1/results")).StatusCode);

        // A slow downloader holds a download turn, not an answer's: the next download waits, the one after is refused,
        // and searches go on.
        held = await capacity.AcquireAsync(longTransfer: true, default);
        var waitingDownload = anonymous.GetAsync(download);
        await QueuedAsync(true, 1);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/api/public/v1/checksums/2026/all.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/public/v1/results")).StatusCode);
        held.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, (await waitingDownload).StatusCode);
    }

    [Fact]
    public async Task One_address_cannot_hold_every_turn_and_a_request_waits_for_its_turn_only_so_long()
    {
        await using var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Supervision:Public:ConcurrentRequests"] = "1",
            ["Supervision:Public:QueueLimit"] = "10",
            ["Supervision:Public:QueueTimeout"] = "00:00:01",
            ["Supervision:Public:ConcurrentRequestsPerAddress"] = "1",
        });
        var capacity = host.Services.GetRequiredService<PublicCapacity>();
        using var refusals = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), PublicCapacity.MeterName, "supervision.public.refused");
        using var queued = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), PublicCapacity.MeterName, "supervision.public.queued");
        using var anonymous = host.Anonymous();
        using var held = await capacity.AcquireAsync(longTransfer: false, default);

        // The first request from this address waits for the turn and so holds the address's one share...
        var waiting = anonymous.GetAsync("/api/public/v1/results");
        await WaitUntilQueuedAsync(capacity, longTransfer: false, 1);
        // ...so the next one from the same address is refused at once, 429 with Retry-After.
        var refused = await anonymous.GetAsync("/api/public/v1/results");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        // Operators see the queue and the refusals (meter Supervision.Public).
        queued.RecordObservableInstruments();
        Assert.Contains(queued.GetMeasurementSnapshot(), m => m.Value == 1 && Equals(m.Tags["kind"], "answer"));
        // The waiting one gives up after the queue timeout: 503 with Retry-After, and it has left the queue.
        var late = await waiting;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), late.Headers.RetryAfter?.Delta);
        Assert.Equal(0, capacity.Statistics(false)!.CurrentQueuedCount);
        Assert.Equal(["address-busy", "queue-timeout"], refusals.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).Order());
    }

    /// <summary>Waits (up to 10 s) until as many requests wait for a turn as expected, then checks it.</summary>
    private static async Task WaitUntilQueuedAsync(PublicCapacity capacity, bool longTransfer, long expected)
    {
        for (var i = 0; i < 500 && capacity.Statistics(longTransfer)!.CurrentQueuedCount != expected; i++) await Task.Delay(20);
        Assert.Equal(expected, capacity.Statistics(longTransfer)!.CurrentQueuedCount);
    }
}
