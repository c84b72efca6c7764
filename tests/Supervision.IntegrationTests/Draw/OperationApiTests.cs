using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// Long operations through the API (docs/operations.md, "Long operations"): a draw still running after the wait answers
/// 202 with the operation to follow; repeating it joins the same operation; its state, progress and outcome are readable
/// by the task's staff only; once it ends, /result answers what the route would have.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OperationApiTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_draw_still_running_answers_202_with_an_operation_to_follow_and_its_result_is_the_routes_answer()
    {
        await using var platform = await StartAsync(server, "draw_operations");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        using var otherScheduler = await platform.Host.UserAsync("sched-d2", "scheduler", "D2");
        using var anonymous = platform.Host.Anonymous();
        var id = await FrozenTaskAsync(scheduler, Draft());

        platform.Faults.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = await PostAsync(scheduler, $"/api/tasks/{id}/draw/entities", "respond-async");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.OriginalString;
        Assert.StartsWith("/api/operations/op-", location);
        Assert.Equal("respond-async", accepted.Headers.GetValues("Preference-Applied").Single());
        Assert.Equal(TimeSpan.FromSeconds(1), accepted.Headers.RetryAfter?.Delta);
        var view = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("draw-entities", view.GetProperty("kind").GetString());
        Assert.Equal(id, view.GetProperty("target").GetString());
        Assert.Equal("running", view.GetProperty("state").GetString());
        Assert.Equal("sched-d1", view.GetProperty("requestedBy").GetString());

        // It reaches the commit and waits there (the gate); the progress says so.
        var atCommit = await EventuallyAsync(async () =>
        {
            var v = await scheduler.GetFromJsonAsync<JsonElement>(location);
            return v.GetProperty("progress").GetProperty("phase").GetString() == "commit" ? v : throw new InvalidOperationException("not at the commit yet");
        });
        Assert.Equal(1, atCommit.GetProperty("attempts").GetInt32());

        // Asking again while it runs joins it; a short wait answers 202 too.
        var again = await PostAsync(scheduler, $"/api/tasks/{id}/draw/entities", "wait=1");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(location, again.Headers.Location!.OriginalString);
        Assert.Equal("wait=1", again.Headers.GetValues("Preference-Applied").Single());
        var pending = await SendWithoutFollowing(scheduler, location + "/result");
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);

        // Only the task's staff (and whoever asked) see it; the public does not.
        Assert.Equal(HttpStatusCode.NotFound, (await otherScheduler.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(otherScheduler, $"/api/tasks/{id}/draw/entities", "respond-async")).StatusCode);

        platform.Faults.Gate.SetResult();
        var done = await EventuallyAsync(async () =>
        {
            var v = await scheduler.GetFromJsonAsync<JsonElement>(location);
            return v.GetProperty("state").GetString() != "running" ? v : throw new InvalidOperationException("still running");
        });
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        Assert.Equal("entities_drawn", done.GetProperty("result").GetProperty("status").GetString());
        Assert.Equal($"/api/tasks/{id}/draw/pack", done.GetProperty("links").GetProperty("pack").GetString());
        Assert.NotEqual(JsonValueKind.Null, done.GetProperty("completedAt").ValueKind);

        var result = await scheduler.GetAsync(location + "/result");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var summary = await result.Content.ReadAsStringAsync();
        // The route itself, asked again, answers the same committed draw (commit once).
        var repeated = await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(summary, await repeated.Content.ReadAsStringAsync());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM draw_records WHERE kind = 'entity'"));

        var listed = await scheduler.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}/operations");
        Assert.Equal(["draw-entities", "draw-entities", "freeze"], listed.EnumerateArray().Select(o => o.GetProperty("kind").GetString()));
        Assert.All(listed.EnumerateArray(), o => Assert.Equal("succeeded", o.GetProperty("state").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await otherScheduler.GetAsync($"/api/tasks/{id}/operations")).StatusCode);
    }

    [PostgresFact]
    public async Task A_refused_operation_answers_the_routes_problem_and_stays_on_record_as_failed()
    {
        await using var platform = await StartAsync(server, "draw_operations_refused");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        await platform.ConflictAllButOneAsync();
        var id = await FrozenTaskAsync(scheduler, Draft());
        Assert.Equal(HttpStatusCode.OK, (await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null)).StatusCode);

        var refused = await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var location = refused.Headers.GetValues("Operation-Location").Single();
        var operation = await scheduler.GetFromJsonAsync<JsonElement>(location);
        Assert.Equal("failed", operation.GetProperty("state").GetString());
        Assert.Equal(422, operation.GetProperty("problem").GetProperty("status").GetInt32());
        Assert.True(operation.GetProperty("problem").TryGetProperty("memberId", out _));
        var result = await scheduler.GetAsync(location + "/result");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.StatusCode);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE subject_key = @id AND action = 'operation.failed'", new { id }));
    }

    [PostgresFact]
    public async Task With_no_default_wait_a_long_command_answers_202_at_once()
    {
        await using var platform = await DrawPlatform.StartAsync(await server.CreateDatabaseAsync("draw_operations_nowait"),
            settings: new Dictionary<string, string?> { ["Supervision:Operations:DefaultWait"] = "00:00:00" });
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        var created = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", Draft()), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);

        // A client that does not follow operations (the test clients do, as the pages do).
        using var raw = new HttpClient { BaseAddress = platform.Host.BaseAddress };
        raw.DefaultRequestHeaders.Authorization = scheduler.DefaultRequestHeaders.Authorization;
        var accepted = await raw.PostAsync($"/api/tasks/{id}/freeze", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.False(accepted.Headers.Contains("Preference-Applied"));
        Assert.StartsWith("/api/operations/", accepted.Headers.Location!.OriginalString);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string prefer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add("Prefer", prefer);
        return client.SendAsync(request);
    }

    /// <summary>A GET whose 202 is wanted as it is (the test clients follow operations otherwise).</summary>
    private static Task<HttpResponseMessage> SendWithoutFollowing(HttpClient client, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "respond-async");
        return client.SendAsync(request);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                return await probe();
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
