using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// Follow-up after "problem found, correction ordered": the targeted re-inspection gets its own drawn team (same
/// rules, reproducible seed) when its window opens, and its approved result settles the correction order. Also the
/// abnormal-operations list. Embedded (SQLite) platform over real HTTP, workflow clock moved by the test.
/// </summary>
public sealed class ReinspectionTests
{
    internal static Task<(string Id, string[] Team)> RecordAndApproveAsync(InspectionPlatform platform, HttpClient reviewer, string id, string code) =>
        RecordAndApproveAsync(platform, id, [("I1", [code])], reviewer);

    /// <summary>The drawn team records <paramref name="results"/>, both sign and submit; each reviewer approves (one per department of a joint task).</summary>
    internal static async Task<(string Id, string[] Team)> RecordAndApproveAsync(InspectionPlatform platform, string id, (string Item, string[] Codes)[] results,
        params HttpClient[] reviewers)
    {
        var url = "/api/inspections/" + id;
        var view = await ReadAsync(await reviewers[0].GetAsync(url), HttpStatusCode.OK);
        var team = view.GetProperty("team").EnumerateArray().Select(m => m.GetProperty("certificateNo").GetString()!).ToArray();
        using var lead = await platform.As("insp-" + team[0]);
        using var mate = await platform.As("insp-" + team[1]);
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results(results), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await lead.SendAsync(Submit(url, "submit-" + id)), HttpStatusCode.OK);
        JsonElement approved = default;
        foreach (var reviewer in reviewers) approved = await ReadAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("state").GetString());
        return (id, team);
    }

    [Fact]
    public async Task A_correction_order_brings_a_re_inspection_with_its_own_drawn_team_whose_result_settles_the_order()
    {
        await using var platform = await StartAsync();
        using var schedD1 = await platform.As("sched-d1");
        using var revD1 = await platform.As("rev-d1");
        using var revD2 = await platform.As("rev-d2");
        var taskId = await DrawnTaskAsync(schedD1, joint: false);
        var dispatched = await ReadAsync(await schedD1.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        var source = dispatched.GetProperty("inspectionIds")[0].GetString()!;
        var entity = source.Split('/')[1];
        var (_, originalTeam) = await RecordAndApproveAsync(platform, revD1, source, "A");

        // The follow-ups: a correction order and a re-inspection whose window opens after the correction period.
        var followUps = await ReadAsync(await revD1.GetAsync($"/api/follow-ups?entity={entity}"), HttpStatusCode.OK);
        Assert.Equal(["correction-order", "reinspection"], followUps.EnumerateArray().Select(f => f.GetProperty("kind").GetString()).Order());
        var reinspection = followUps.EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "reinspection");
        var key = reinspection.GetProperty("actionKey").GetString()!;
        var notBefore = DateOnly.Parse(reinspection.GetProperty("notBefore").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var dueOn = reinspection.GetProperty("dueOn").GetString();
        Assert.Empty((await ReadAsync(await revD2.GetAsync($"/api/follow-ups?entity={entity}"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(await revD1.GetAsync("/api/follow-ups?kind=visit"), HttpStatusCode.BadRequest);
        await ProblemAsync(await revD2.GetAsync("/api/follow-ups?department=D1"), HttpStatusCode.Forbidden);

        // Before the window: nothing is created.
        var early = await ReadAsync(await schedD1.PostAsync("/api/reinspections/run", null), HttpStatusCode.OK);
        Assert.Equal(0, early.GetProperty("due").GetInt32());
        await ProblemAsync(await revD1.PostAsync("/api/reinspections/run", null), HttpStatusCode.Forbidden);

        // The window opens: one re-inspection of the item, a team drawn from the department without the original team.
        platform.Clock.SetUtcNow(new DateTimeOffset(notBefore.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));
        var run = await ReadAsync(await schedD1.PostAsync("/api/reinspections/run", null), HttpStatusCode.OK);
        Assert.Equal(1, run.GetProperty("created").GetInt32());
        var recheckId = run.GetProperty("inspectionIds")[0].GetString()!;
        Assert.Equal($"{taskId}~recheck-I1/{entity}", recheckId);
        var recheck = await ReadAsync(await revD1.GetAsync("/api/inspections/" + recheckId), HttpStatusCode.OK);
        Assert.Equal(taskId, recheck.GetProperty("taskId").GetString());
        Assert.Equal(["I1"], recheck.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemCode").GetString()));
        Assert.Equal(dueOn, recheck.GetProperty("dueDate").GetString());
        var newTeam = recheck.GetProperty("team").EnumerateArray().Select(m => m.GetProperty("certificateNo").GetString()!).ToArray();
        Assert.Equal(2, newTeam.Length);
        Assert.Empty(newTeam.Intersect(originalTeam));
        Assert.All(newTeam, c => Assert.Contains(c, D1Inspectors));

        // The committed draw recomputes from its own inputs; running again creates nothing.
        var draw = (await ReadAsync(await revD1.GetAsync($"/api/reinspections?key={Uri.EscapeDataString(key)}"), HttpStatusCode.OK))[0];
        Assert.True(draw.GetProperty("drawVerifies").GetBoolean());
        Assert.Equal("assigned", draw.GetProperty("status").GetString());
        Assert.Equal(newTeam, draw.GetProperty("team").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(0, (await ReadAsync(await schedD1.PostAsync("/api/reinspections/run", null), HttpStatusCode.OK)).GetProperty("due").GetInt32());
        var repeat = await platform.Grains.GetGrain<IReinspectionGrain>(key).Create(new Actor("sched-d1", [Roles.Scheduler], "D1", null));
        Assert.Equal(ReinspectionStatus.Existing, repeat.Status);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE inspection_id LIKE '%~recheck-%'"));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'reinspection.draw'"));
        await ProblemAsync(await revD2.GetAsync($"/api/reinspections?key={Uri.EscapeDataString(key)}"), HttpStatusCode.NotFound);

        // The re-inspection finds the problem corrected: the correction order is done, and so is the re-inspection.
        await RecordAndApproveAsync(platform, revD1, recheckId, "E");
        var settled = await ReadAsync(await revD1.GetAsync($"/api/follow-ups?entity={entity}"), HttpStatusCode.OK);
        var byKind = settled.EnumerateArray().Where(f => f.GetProperty("inspectionId").GetString() == source)
            .ToDictionary(f => f.GetProperty("kind").GetString()!, f => f.GetProperty("status").GetString());
        Assert.Equal("done", byKind["correction-order"]);
        Assert.Equal("done", byKind["reinspection"]);
    }

    [Fact]
    public async Task Unreachable_entities_are_listed_abnormal_for_their_department_with_the_three_year_alert()
    {
        await using var platform = await StartAsync();
        using var revD1 = await platform.As("rev-d1");
        using var revD2 = await platform.As("rev-d2");
        using var inspector = await platform.As("insp-C0000");
        var entity = "91110000600037341L";
        var insp = await platform.AssignDirectAsync("TAB", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        await RecordAndApproveAsync(platform, revD1, insp.InspectionId, "6");

        var listed = await ReadAsync(await revD1.GetAsync("/api/abnormal-listings"), HttpStatusCode.OK);
        var listing = Assert.Single(listed.EnumerateArray());
        Assert.Equal(entity, listing.GetProperty("entityCreditCode").GetString());
        Assert.False(listing.GetProperty("seriousAlertDue").GetBoolean());
        Assert.Empty((await ReadAsync(await revD2.GetAsync("/api/abnormal-listings"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Empty((await ReadAsync(await revD1.GetAsync("/api/abnormal-listings?alertDue=true"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.GetAsync("/api/abnormal-listings")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Host.Anonymous().GetAsync("/api/abnormal-listings")).StatusCode);
        await ProblemAsync(await revD1.GetAsync("/api/abnormal-listings?status=gone"), HttpStatusCode.BadRequest);

        // Three years on, still listed: the serious-violation alert is due.
        var alertOn = DateOnly.Parse(listing.GetProperty("seriousAlertOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        platform.Clock.SetUtcNow(new DateTimeOffset(alertOn.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));
        var alerts = await ReadAsync(await revD1.GetAsync("/api/abnormal-listings?alertDue=true"), HttpStatusCode.OK);
        Assert.True(Assert.Single(alerts.EnumerateArray()).GetProperty("seriousAlertDue").GetBoolean());
        Assert.Empty((await ReadAsync(await revD1.GetAsync("/api/abnormal-listings?status=removed"), HttpStatusCode.OK)).EnumerateArray());
    }
}
