using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// A database outage is a transient failure: requests that need the database answer 503 problem details with
/// Retry-After (never 500) while it lasts, and the platform answers again once the database is back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TransientFailureTests(PostgresServer server)
{
    [PostgresFact]
    public async Task While_PostgreSQL_is_unreachable_requests_answer_503_with_Retry_After_and_recover_when_it_is_back()
    {
        var direct = await server.CreateDatabaseAsync("transient");
        await using var proxy = new TcpFaultProxy(server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(direct) { Port = proxy.Port, Timeout = 3, CommandTimeout = 5 }.ConnectionString;
        await using var platform = await InspectionPlatform.StartAsync(throughProxy,
            settings: new Dictionary<string, string?> { ["Auth:Local:AccountCacheDuration"] = "00:00:00" });
        using var scheduler = await platform.As("sched-d1");
        using var anonymous = platform.Host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await scheduler.GetAsync("/api/entities?limit=5")).StatusCode);

        proxy.Down();
        foreach (var (client, method, url, body) in new (HttpClient, HttpMethod, string, object?)[]
        {
            (scheduler, HttpMethod.Get, "/api/entities?limit=5", null),
            (scheduler, HttpMethod.Get, "/api/tasks", null),
            (scheduler, HttpMethod.Post, "/api/items", new { code = "T-1", name = "暂时", departmentCode = "D1", legalBasis = "x", method = "on-site", resultCodes = new[] { "1" } }),
            (anonymous, HttpMethod.Get, "/api/public/v1/results?q=test", null),
        })
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{method} {url} during the outage: {(int)response.StatusCode} {text}");
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }, $"{method} {url}: no Retry-After");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(503, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
        }

        proxy.Up();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode last;
        do
        {
            last = (await scheduler.GetAsync("/api/entities?limit=5")).StatusCode;
            if (last == HttpStatusCode.OK) break;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, last); // recovering, never a 500
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, last);
    }
}
