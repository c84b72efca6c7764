using System.Net;
using System.Net.Http.Json;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// Draw integrity II: once its draw has begun, a task ends only by a request with a reason that a second person in a
/// higher role approves; a redraw is such a cancellation that plans the same task again under a new beacon round; every
/// attempt stays public. A stuck task (its teams cannot be staffed) is recovered this way.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CancellationTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_stuck_task_is_redrawn_only_with_a_second_persons_approval_and_both_stay_public()
    {
        await using var platform = await StartAsync(server, "draw_cancellation");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        using var admin = await platform.Host.AdminAsync();
        using var otherAdmin = await platform.Host.UserAsync("admin-2", "admin");
        using var anonymous = platform.Host.Anonymous();
        await platform.ConflictAllButOneAsync();
        var id = await FrozenTaskAsync(scheduler, Draft());
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.UnprocessableEntity);

        // One person cannot end it; a request needs a reason, and a redraw a new beacon round that is not yet due.
        var alone = await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel", new { reason = "stuck" }), HttpStatusCode.Conflict);
        Assert.Contains("cancel-requests", alone.GetProperty("detail").GetString());
        await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests", new { reason = " " }), HttpStatusCode.BadRequest);
        var noBeacon = await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests", new { reason = "stuck", redraw = true }), HttpStatusCode.BadRequest);
        Assert.True(noBeacon.GetProperty("errors").TryGetProperty("beacon", out _));
        var beacon = new { source = "drand quicknet", round = "424242", expectedAt = DateTimeOffset.UtcNow.AddHours(3) };
        var asked = await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests",
            new { reason = "teams cannot be staffed: every D1 inspector but one declared conflicts", redraw = true, beacon }), HttpStatusCode.OK);
        Assert.Equal("entities_drawn", asked.GetProperty("status").GetString());
        Assert.True(asked.GetProperty("pendingCancel").GetProperty("redraw").GetBoolean());
        await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests", new { reason = "again" }), HttpStatusCode.Conflict);

        // Not the scheduler, and not the administrator who asked: a second person in a higher role decides.
        await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "approve" }), HttpStatusCode.Forbidden);
        await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "maybe" }), HttpStatusCode.BadRequest);
        await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "reject" }), HttpStatusCode.BadRequest);
        var rejected = await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision",
            new { decision = "reject", note = "add the D2 inspectors to the task first" }), HttpStatusCode.OK);
        Assert.Equal("entities_drawn", rejected.GetProperty("status").GetString());
        Assert.Equal("rejected", rejected.GetProperty("cancelDecision").GetProperty("decision").GetString());

        // An administrator asks this time; the same administrator cannot approve it, another one can.
        await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests",
            new { reason = "teams cannot be staffed: every D1 inspector but one declared conflicts", redraw = true, beacon }), HttpStatusCode.OK);
        Assert.Contains("second person", (await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "approve" }),
            HttpStatusCode.Forbidden)).GetProperty("detail").GetString());
        var approved = await ReadAsync(await otherAdmin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "approve" }), HttpStatusCode.OK);
        Assert.Equal("cancelled", approved.GetProperty("status").GetString());
        var successor = approved.GetProperty("replacedBy").GetString()!;
        await ReadAsync(await otherAdmin.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "approve" }), HttpStatusCode.Conflict);
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM draw_burden WHERE task_id = @id", new { id }));

        // The redraw: the same plan as a new draft, under the new beacon round, with its own ceremony to come.
        var redraw = await ReadAsync(await scheduler.GetAsync($"/api/tasks/{successor}"), HttpStatusCode.OK);
        Assert.Equal(("draft", id), (redraw.GetProperty("status").GetString(), redraw.GetProperty("replaces").GetString()));
        Assert.Equal("424242", redraw.GetProperty("definition").GetProperty("beacon").GetProperty("round").GetString());
        Assert.EndsWith($"(redraw of {id})", redraw.GetProperty("name").GetString());

        // Both public: the cancelled task keeps every attempt and links to its redraw.
        var record = await ReadAsync(await anonymous.GetAsync($"/api/public/v1/tasks/{id}"), HttpStatusCode.OK);
        Assert.Equal(successor, record.GetProperty("replacedBy").GetString());
        var steps = record.GetProperty("attempts").EnumerateArray().Select(a => (a.GetProperty("step").GetString(), a.GetProperty("outcome").GetString())).ToArray();
        Assert.Equal([("freeze", "done"), ("ceremony-close", "done"), ("beacon", "done"), ("draw-entities", "done"), ("draw-inspectors", "failed"),
            ("cancel-requested", "done"), ("cancel-requested", "rejected"), ("cancel-requested", "done"), ("cancel", "done")], steps);
        Assert.Equal("add the D2 inspectors to the task first", record.GetProperty("attempts")[6].GetProperty("detail").GetString());
        Assert.Contains($"redrawn as {successor}", record.GetProperty("attempts")[8].GetProperty("detail").GetString());
        var page = await anonymous.GetStringAsync($"/tasks/{id}?lang=en");
        Assert.Contains($"href=\"/tasks/{successor}\"", page);
        // Every request and decision is on the record with who made it.
        foreach (var (action, actor) in new[] { ("task.cancel-requested", "sched-d1"), ("task.cancel-rejected", "admin"), ("task.cancel-requested", "admin"), ("task.cancel", "admin-2") })
            Assert.True(await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE subject_key = @id AND action = @action AND actor = @actor", new { id, action, actor }) >= 1, action);
    }
}
