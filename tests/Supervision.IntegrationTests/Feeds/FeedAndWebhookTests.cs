using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Core.Calendar;
using Supervision.Core.Feeds;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Feeds;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Publication;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Feeds;

/// <summary>
/// Alerts and feeds (issue 19) through HTTP, on PostgreSQL and on the embedded SQLite default: every public change of one
/// entity — its task published, the drawn list, the result, the amendment, the abnormal-operations listing — appears in
/// the public event log, in the Atom feeds and at a data user's webhook in commit order; the webhook's receiver fails
/// twice and the platform restarts in between, yet the log shows the event delivered exactly once after two failed
/// attempts (backoff stepped on the fake clock); signatures verify; a subscription whose filter matches nothing gets
/// nothing; subscriptions are refused to other roles and bad input names its field.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FeedAndWebhookTests(PostgresServer server)
{
    private const string Api = "/api/webhooks";
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly string[] EntityChanges = [PublicEventKinds.TaskPublished, PublicEventKinds.Drawn, PublicEventKinds.ResultPublished,
        PublicEventKinds.AmendmentPublished, PublicEventKinds.AbnormalListed];

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Supervision:Webhooks:AllowPrivateAddresses"] = "true",
        // Long delays on the fake clock: a retry happens only when the test steps the clock past it.
        ["Supervision:Webhooks:BaseDelay"] = "1.00:00:00",
        ["Supervision:Webhooks:MaxDelay"] = "5.00:00:00",
        ["Supervision:Webhooks:PollInterval"] = "00:00:00.050",
        ["Supervision:Webhooks:MaxAttempts"] = "5",
        ["Supervision:Public:PermitLimit"] = "100000",
    };

    private static Task<InspectionPlatform> StartAsync(string? postgres, string? directory, DateTimeOffset? now, bool seed) =>
        InspectionPlatform.StartAsync(postgres: postgres, dataDirectory: directory, now: now, seed: seed, settings: Settings,
            services: (s, clock) => s.AddSingleton(new WebhookClock(clock)));

    [PostgresFact]
    public async Task On_postgres_a_feed_and_a_webhook_see_every_public_change_of_an_entity_in_order_through_failures_and_a_restart()
    {
        var database = await server.CreateDatabaseAsync("feeds_webhooks");
        await ScenarioAsync((now, seed) => StartAsync(database, null, now, seed));
    }

    [Fact]
    public async Task Embedded_a_feed_and_a_webhook_see_every_public_change_of_an_entity_in_order_through_failures_and_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await ScenarioAsync((now, seed) => StartAsync(null, directory, now, seed));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    private static async Task ScenarioAsync(Func<DateTimeOffset?, bool, Task<InspectionPlatform>> start)
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        var platform = await start(null, true);
        try
        {
            using var dataUser = await platform.Host.UserAsync("data-newsroom", Roles.DataUser);
            using var otherDataUser = await platform.Host.UserAsync("data-institute", Roles.DataUser);
            using var schedD1 = await platform.As("sched-d1");
            using var revD1 = await platform.As("rev-d1");
            using var anonymous = platform.Host.Anonymous();

            // Who may subscribe, and what a subscription must say.
            var hook = new { url = receiver.BaseUrl + "/all", filter = "all" };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(Api, hook)).StatusCode);
            await ProblemAsync(await schedD1.PostAsJsonAsync(Api, hook), HttpStatusCode.Forbidden);
            await ProblemAsync(await schedD1.GetAsync(Api), HttpStatusCode.Forbidden);
            await ProblemAsync(await dataUser.PostAsJsonAsync(Api, new { hook.url, hook.filter, owner = "data-institute" }), HttpStatusCode.Forbidden);
            foreach (var (body, field) in new (object, string)[]
            {
                (new { url = "ftp://example.org/hook", filter = "all" }, "url"),
                (new { url = "not a url", filter = "all" }, "url"),
                (new { url = (string?)null, filter = "all" }, "url"),
                (new { url = hook.url, filter = "planet" }, "filter"),
                (new { url = hook.url, filter = "area", value = "2" }, "value"),
                (new { url = hook.url, filter = "department", value = "D9" }, "value"),
            })
            {
                var problem = await ProblemAsync(await dataUser.PostAsJsonAsync(Api, body), HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
            }

            // The data user follows D1 (the lead and deciding department) and D3 (which does nothing here).
            var followD1 = await ReadAsync(await dataUser.PostAsJsonAsync(Api, new { url = receiver.BaseUrl + "/d1", filter = "department", value = "D1" }), HttpStatusCode.Created);
            var secret = followD1.GetProperty("secret").GetString()!;
            var d1 = followD1.GetProperty("subscription").GetProperty("id").GetString()!;
            var followD3 = await ReadAsync(await dataUser.PostAsJsonAsync(Api, new { url = receiver.BaseUrl + "/d3", filter = "department", value = "D3" }), HttpStatusCode.Created);
            var d3 = followD3.GetProperty("subscription").GetProperty("id").GetString()!;
            Assert.DoesNotContain(secret, (await (await dataUser.GetAsync($"{Api}/{d1}")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
            await ProblemAsync(await otherDataUser.GetAsync($"{Api}/{d1}"), HttpStatusCode.NotFound);
            await ProblemAsync(await otherDataUser.GetAsync($"{Api}/{d1}/deliveries"), HttpStatusCode.NotFound);
            Assert.Empty((await ReadAsync(await otherDataUser.GetAsync(Api), HttpStatusCode.OK)).EnumerateArray());

            // The entity's public changes, through the real workflow.
            var taskId = await DrawnTaskAsync(schedD1, joint: false);
            var dispatched = await ReadAsync(await schedD1.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
            var inspectionId = dispatched.GetProperty("inspectionIds")[0].GetString()!;
            var entity = inspectionId.Split('/')[1];
            var steps = new PublicationSteps(platform);
            await steps.CompleteAsync(inspectionId, ["A"]);
            await ReadAsync(await revD1.PostAsync($"/api/inspections/{inspectionId}/publish", null), HttpStatusCode.OK);
            await steps.AmendAsync(inspectionId, ["1"], "re-checked: corrected on site");
            await ReadAsync(await revD1.PostAsJsonAsync($"/api/inspections/{inspectionId}/review/approve", new { }), HttpStatusCode.OK);
            await ReadAsync(await revD1.PostAsync($"/api/inspections/{inspectionId}/publish", null), HttpStatusCode.OK);
            var today = ChinaTime.DateOf(platform.Clock.GetUtcNow()).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var entry = await ReadAsync(await schedD1.PostAsJsonAsync("/api/abnormal-operations",
                new { entityCreditCode = entity, ground = "annual-report", facts = "2025 annual report not publicized", foundOn = today }), HttpStatusCode.Created);
            await ReadAsync(await schedD1.PostAsJsonAsync($"/api/abnormal-operations/{entry.GetProperty("id").GetString()}/listing", new { decisionReference = "市监异〔2026〕9号" }),
                HttpStatusCode.OK);

            // The log holds them in commit order.
            await using (var connection = await platform.Store.OpenAsync())
            {
                var logged = (await connection.QueryAsync<(string Kind, string? Entity, string? Task)>("SELECT kind, entity_credit_code, task_id FROM public_events ORDER BY seq")).ToList();
                Assert.Equal(EntityChanges, logged.Where(e => e.Entity == entity || (e.Entity is null && e.Task == taskId)).Select(e => e.Kind));
            }

            await FeedsAsync(anonymous, entity, taskId);

            // The first delivery to D1 (the task's publication) failed once; nothing more until its backoff has passed.
            var d1Events = await platform.ScalarAsync("SELECT count(*) FROM public_events WHERE department = 'D1'");
            await platform.WaitForCountAsync("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = @d1", d1Events, new { d1 });
            await platform.WaitForCountAsync("SELECT count(*) FROM webhook_attempts WHERE subscription_id = @d1", 1, new { d1 });
            platform.Clock.Advance(TimeSpan.FromDays(1));
            await platform.WaitForCountAsync("SELECT count(*) FROM webhook_attempts WHERE subscription_id = @d1", 2, new { d1 });
            Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM webhook_attempts WHERE succeeded = @yes", new { yes = true }));

            // A restart on the same data; the second backoff passes on the new host's clock and everything is delivered.
            var now = platform.Clock.GetUtcNow();
            await platform.DisposeAsync();
            platform = await start(now, false);
            platform.Clock.Advance(TimeSpan.FromDays(2));
            await platform.WaitForCountAsync("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = @d1 AND state = 'succeeded'", d1Events, new { d1 });

            using var owner = await platform.As("data-newsroom");
            var log = await ReadAsync(await owner.GetAsync($"{Api}/{d1}/deliveries?limit=1000"), HttpStatusCode.OK);
            var attempts = log.GetProperty("items").EnumerateArray().ToList();
            var firstSeq = attempts.Min(a => a.GetProperty("eventSeq").GetInt64());
            var first = attempts.Where(a => a.GetProperty("eventSeq").GetInt64() == firstSeq).ToList();
            Assert.Equal([(3, (int?)200, true), (2, 500, false), (1, 500, false)],
                first.Select(a => (a.GetProperty("attempt").GetInt32(), (int?)a.GetProperty("statusCode").GetInt32(), a.GetProperty("succeeded").GetBoolean())));
            Assert.Equal(PublicEventKinds.TaskPublished, first[0].GetProperty("eventKind").GetString());
            Assert.All(attempts.GroupBy(a => a.GetProperty("eventSeq").GetInt64()), g => Assert.Single(g, a => a.GetProperty("succeeded").GetBoolean()));
            Assert.Equal(d1Events, attempts.Count(a => a.GetProperty("succeeded").GetBoolean()));
            var view = await ReadAsync(await owner.GetAsync($"{Api}/{d1}"), HttpStatusCode.OK);
            Assert.Equal((d1Events, 0L, 0L), (view.GetProperty("succeeded").GetInt64(), view.GetProperty("pending").GetInt64(), view.GetProperty("failed").GetInt64()));

            // The receiver: the first event three times (500, 500, 200), then each once, in order, each signed.
            var atD1 = receiver.Received.Where(r => r.Path == "/d1").ToList();
            Assert.Equal([500, 500, 200], atD1.Take(3).Select(r => r.Answered));
            Assert.Single(atD1.Take(3).Select(r => r.EventId).Distinct());
            var delivered = atD1.Where(r => r.Answered == 200).ToList();
            Assert.Equal(delivered.Count, delivered.Select(r => r.EventId).Distinct().Count());
            var bodies = delivered.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
            Assert.Equal(bodies.Select(b => b.GetProperty("seq").GetInt64()).Order(), bodies.Select(b => b.GetProperty("seq").GetInt64()));
            Assert.Equal(EntityChanges, bodies.Where(b => Text(b, "entityCreditCode") == entity || (Text(b, "entityCreditCode") is null && Text(b, "taskId") == taskId))
                .Select(b => b.GetProperty("kind").GetString()));
            foreach (var r in atD1)
            {
                Assert.True(WebhookSignature.Verify(secret, r.Signature, r.Body, platform.Clock.GetUtcNow(), TimeSpan.FromDays(30)), $"signature of {r.EventId}");
                Assert.Equal(JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString(), r.EventId);
            }
            var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(delivered[0].Body).Replace("task-published", "task-cancelled", StringComparison.Ordinal));
            Assert.False(WebhookSignature.Verify(secret, delivered[0].Signature, tampered, platform.Clock.GetUtcNow(), TimeSpan.FromDays(30)));
            Assert.False(WebhookSignature.Verify("whsec_other", delivered[0].Signature, delivered[0].Body, platform.Clock.GetUtcNow(), TimeSpan.FromDays(30)));
            var all = string.Join("\n", delivered.Select(r => Encoding.UTF8.GetString(r.Body)));
            Assert.DoesNotContain("Findings for", all, StringComparison.Ordinal);
            Assert.DoesNotContain("certificate", all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("creditClass", all, StringComparison.OrdinalIgnoreCase);

            // The filter that matches nothing got nothing.
            Assert.DoesNotContain(receiver.Received, r => r.Path == "/d3");
            Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = @d3", new { d3 }));

            // Disabled: nothing more is queued; admins read any subscription; other roles never.
            using var admin = await platform.Host.AdminAsync();
            Assert.Equal(2, (await ReadAsync(await admin.GetAsync($"{Api}?owner=data-newsroom"), HttpStatusCode.OK)).GetArrayLength());
            Assert.Equal("disabled", (await ReadAsync(await owner.DeleteAsync($"{Api}/{d3}"), HttpStatusCode.OK)).GetProperty("state").GetString());
            using var schedAfter = await platform.As("sched-d1");
            await ProblemAsync(await schedAfter.GetAsync($"{Api}/{d1}/deliveries"), HttpStatusCode.Forbidden);
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The entity's, the department's, the area's and the portal's Atom feeds: structure, order, paging, validators.</summary>
    private static async Task FeedsAsync(HttpClient anonymous, string entity, string taskId)
    {
        const string feeds = "/api/public/v1/feeds";
        var entityKinds = EntityChanges.Skip(1).Reverse().ToArray(); // newest first; the task's publication is not about the entity
        var (feed, response) = await AtomAsync(anonymous, $"{feeds}/entities/{entity}.atom");
        Assert.Equal(entityKinds, Kinds(feed));
        Assert.All(feed.Elements(Atom + "entry"), e => Assert.EndsWith($"/entities/{entity}", Alternate(e), StringComparison.Ordinal));
        Assert.DoesNotContain("Findings for", feed.ToString(), StringComparison.Ordinal);

        // ETag honoured.
        using (var again = new HttpRequestMessage(HttpMethod.Get, $"{feeds}/entities/{entity}.atom"))
        {
            again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await anonymous.SendAsync(again)).StatusCode);
        }

        // Two pages of two, joined by rel="next".
        var (page1, _) = await AtomAsync(anonymous, $"{feeds}/entities/{entity}.atom?limit=2");
        var next = page1.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "next").Attribute("href")!.Value;
        var (page2, _) = await AtomAsync(anonymous, new Uri(next).PathAndQuery);
        Assert.DoesNotContain(page2.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "next");
        Assert.Equal(entityKinds, Kinds(page1).Concat(Kinds(page2)));
        Assert.Equal(Ids(feed), Ids(page1).Concat(Ids(page2)));

        var (department, _) = await AtomAsync(anonymous, $"{feeds}/departments/D1.atom?limit=200");
        Assert.Contains(department.Elements(Atom + "entry"), e => Kind(e) == PublicEventKinds.TaskPublished && Alternate(e).EndsWith($"/tasks/{taskId}", StringComparison.Ordinal));
        var (area, _) = await AtomAsync(anonymous, $"{feeds}/areas/{await DivisionAsync(anonymous, entity)}.atom?limit=200");
        Assert.Contains(area.Elements(Atom + "entry"), e => Kind(e) == PublicEventKinds.AbnormalListed);
        var (portal, _) = await AtomAsync(anonymous, $"{feeds}/all.atom?lang=en");
        Assert.Equal(PublicEventKinds.AbnormalListed, Kind(portal.Elements(Atom + "entry").First()));
        Assert.StartsWith("Listed as operating abnormally", portal.Elements(Atom + "entry").First().Element(Atom + "title")!.Value, StringComparison.Ordinal);
        var (quiet, _) = await AtomAsync(anonymous, $"{feeds}/departments/D3.atom");
        Assert.Empty(quiet.Elements(Atom + "entry"));

        // The pages name their feeds for feed readers (rel="alternate").
        foreach (var (page, href) in new[] { ($"/entities/{entity}", $"{feeds}/entities/{entity}.atom"), ("/", $"{feeds}/all.atom"), ("/?department=D1", $"{feeds}/departments/D1.atom"),
            ("/?division=21", $"{feeds}/areas/21.atom") })
        {
            var html = await anonymous.GetStringAsync(page);
            Assert.Contains($"<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{href}\"", html, StringComparison.Ordinal);
        }

        await ProblemAsync(await anonymous.GetAsync($"{feeds}/departments/D9.atom"), HttpStatusCode.NotFound);
        Assert.True((await ProblemAsync(await anonymous.GetAsync($"{feeds}/areas/2.atom"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("division", out _));
        Assert.True((await ProblemAsync(await anonymous.GetAsync($"{feeds}/all.atom?before=x"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("before", out _));
        Assert.True((await ProblemAsync(await anonymous.GetAsync($"{feeds}/entities/123.atom"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("creditCode", out _));
    }

    private static async Task<string> DivisionAsync(HttpClient anonymous, string entity) =>
        (await ReadAsync(await anonymous.GetAsync($"/api/public/v1/entities/{entity}"), HttpStatusCode.OK)).GetProperty("divisionCode").GetString()![..4];

    private static string Kind(XElement entry) => entry.Element(Atom + "category")!.Attribute("term")!.Value;

    private static string Alternate(XElement entry) => entry.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "alternate").Attribute("href")!.Value;

    private static string[] Kinds(XElement feed) => [.. feed.Elements(Atom + "entry").Select(Kind)];

    private static string[] Ids(XElement feed) => [.. feed.Elements(Atom + "entry").Select(e => e.Element(Atom + "id")!.Value)];

    /// <summary>Reads an Atom feed and checks what RFC 4287 requires of it and of each entry, in the feed's element order.</summary>
    private static async Task<(XElement Feed, HttpResponseMessage Response)> AtomAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(response.Headers.ETag);
        var feed = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        foreach (var required in new[] { "id", "title", "updated", "author" }) Assert.Single(feed.Elements(Atom + required));
        Assert.Single(feed.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "self");
        Assert.Single(feed.Elements(Atom + "link"), l => (string?)l.Attribute("rel") == "alternate");
        // The feed's metadata comes before its entries.
        var names = feed.Elements().Select(e => e.Name.LocalName).ToList();
        Assert.True(names.IndexOf("entry") is -1 || names.LastIndexOf("link") < names.IndexOf("entry"));
        var updated = DateTimeOffset.Parse(feed.Element(Atom + "updated")!.Value, CultureInfo.InvariantCulture);
        foreach (var e in feed.Elements(Atom + "entry"))
        {
            Assert.StartsWith("urn:uuid:", e.Element(Atom + "id")!.Value, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(e.Element(Atom + "title")!.Value));
            Assert.True(DateTimeOffset.Parse(e.Element(Atom + "updated")!.Value, CultureInfo.InvariantCulture) <= updated);
            Assert.StartsWith("http", Alternate(e), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(e.Element(Atom + "summary")!.Value));
            Assert.Single(e.Elements(Atom + "category"));
        }
        return (feed, response);
    }
}
