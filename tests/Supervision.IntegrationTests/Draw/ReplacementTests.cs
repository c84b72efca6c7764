using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Contracts.Tasks;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>Replacements without choice (issue 14, draw-spec §8.1) through the API, on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplacementTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_replacement_is_the_rules_choice_verifies_and_dispatch_assigns_it()
    {
        await using var platform = await StartAsync(server, "draw_replacements");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        using var participant = await platform.Host.UserAsync("sched-d2", "scheduler", "D2");
        var id = await FrozenTaskAsync(scheduler, Draft(participating: ["D2"], items: ["I1", "I2"]), participants: participant);
        var url = $"/api/tasks/{id}/teams/replacements";

        // Before the team draw: 409.
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = "X", certificateNo = "C0000", reason = "early" }), HttpStatusCode.Conflict);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);

        var committed = (await PackAsync(scheduler, id));
        var poolBytes = await scheduler.GetByteArrayAsync($"/api/tasks/{id}/draw/inspectors.json");
        var pool = JsonSerializer.Deserialize<InspectorPool>(poolBytes, DrawPacks.JsonOptions)!;
        var section = committed.InspectorDraw!;
        Assert.Null(section.Replacements);
        var seed = Convert.FromHexString(committed.Seed);
        var team = section.Result.Teams[0];
        var lead = team.Members.Single(m => m.Lead);

        // Bad input names the field.
        var bad = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = lead.CertificateNo, reason = "  " }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("reason", out _), bad.ToString());
        // The reason is published: a bidirectional control character is refused as everywhere else.
        bad = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = lead.CertificateNo, reason = "ill\u202Eness" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("reason", out _));
        bad = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = "NOT0NE", reason = "illness" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("certificateNo", out _), bad.ToString());
        bad = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { certificateNo = lead.CertificateNo, reason = "illness" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("memberId", out _), bad.ToString());

        // The first replacement: the lead recuses themselves.
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = lead.CertificateNo, reason = "recusal: related to the manager" }), HttpStatusCode.OK);
        var expected1 = InspectorDraw.Replace(seed, id, committed.Algorithm, section.Parameters, pool, section.Result.Teams, [],
            new ReplacementRequest(team.MemberId, lead.CertificateNo, "recusal: related to the manager"));
        Assert.True(expected1.Succeeded, expected1.Refusal);
        var packJson = await scheduler.GetStringAsync($"/api/tasks/{id}/draw/pack");
        var pack = JsonSerializer.Deserialize<DrawPack>(packJson, DrawPacks.JsonOptions)!;
        Assert.Equal([expected1.Replacement!], pack.InspectorDraw!.Replacements!);
        Assert.Equal(Json(section.Result), Json(pack.InspectorDraw.Result)); // the draw as committed stays
        Assert.Equal(lead.Department, pool.Inspectors.Single(i => i.CertificateNo == expected1.Replacement!.Replacement).Department);
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM drawn_teams WHERE task_id = @id AND rank = @rank AND position = @position AND certificate_no = @cert AND is_lead",
            new { id, rank = team.Rank, position = lead.Position, cert = expected1.Replacement!.Replacement }));

        // Both verifiers pass the full pack with its replacement.
        var csv = await scheduler.GetByteArrayAsync($"/api/tasks/{id}/draw/population.csv");
        var report = DrawVerifier.Verify(packJson, csv, poolBytes);
        Assert.True(report.Passed, report.ToString());
        using (var files = new ScratchFiles("replacements-"))
        {
            var (code, output) = await PythonVerifyAsync(await files.WriteAsync("pack.json", packJson), await files.WriteAsync("population.csv", csv),
                await files.WriteAsync("inspectors.json", poolBytes));
            Assert.True(code == 0, output);
        }

        // The second: the newcomer falls ill. The first one replaced never comes back.
        var newcomer = expected1.Replacement!.Replacement;
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = newcomer, reason = "illness" }), HttpStatusCode.OK);
        var expected2 = InspectorDraw.Replace(seed, id, committed.Algorithm, section.Parameters, pool, expected1.Teams, [expected1.Replacement!],
            new ReplacementRequest(team.MemberId, newcomer, "illness"));
        Assert.True(expected2.Succeeded, expected2.Refusal);
        Assert.NotEqual(lead.CertificateNo, expected2.Replacement!.Replacement);
        packJson = await scheduler.GetStringAsync($"/api/tasks/{id}/draw/pack");
        pack = JsonSerializer.Deserialize<DrawPack>(packJson, DrawPacks.JsonOptions)!;
        Assert.Equal([expected1.Replacement!, expected2.Replacement!], pack.InspectorDraw!.Replacements!);
        Assert.True(DrawVerifier.Verify(packJson, csv, poolBytes).Passed);
        Assert.Equal(2, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.replace-inspector' AND subject_key = @id", new { id }));
        // The reasons are public with the task's steps.
        using (var anonymous = platform.Host.Anonymous())
        {
            var record = await ReadAsync(await anonymous.GetAsync($"/api/public/v1/tasks/{id}"), HttpStatusCode.OK);
            var reasons = record.GetProperty("attempts").EnumerateArray().Where(a => a.GetProperty("step").GetString() == "replace-inspector")
                .Select(a => a.GetProperty("detail").GetString() ?? "").ToArray();
            Assert.Equal(new[] { "recusal: related to the manager", "illness" }, reasons);
        }

        // Dispatch assigns the team as it stands.
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/dispatch", null), HttpStatusCode.OK);
        var inspection = $"{id}/{team.MemberId}";
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspection AND certificate_no = @cert AND is_lead",
            new { inspection, cert = expected2.Replacement!.Replacement }));
        Assert.Equal(0, await platform.ScalarAsync(
            "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspection AND certificate_no IN (@a, @b)",
            new { inspection, a = lead.CertificateNo, b = newcomer }));
    }

    [PostgresFact]
    public async Task After_dispatch_a_replacement_changes_the_inspection_and_the_record_together_until_the_results_are_handed_in()
    {
        await using var platform = await StartAsync(server, "draw_replacements_dispatched");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        var id = await FrozenTaskAsync(scheduler, Draft());
        var url = $"/api/tasks/{id}/teams/replacements";
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);
        var committed = (await PackAsync(scheduler, id));
        var poolBytes = await scheduler.GetByteArrayAsync($"/api/tasks/{id}/draw/inspectors.json");
        var pool = JsonSerializer.Deserialize<InspectorPool>(poolBytes, DrawPacks.JsonOptions)!;
        var section = committed.InspectorDraw!;
        var seed = Convert.FromHexString(committed.Seed);
        Assert.True(section.Result.Teams.Count >= 2);
        var (a, b) = (section.Result.Teams[0], section.Result.Teams[1]);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/dispatch", null), HttpStatusCode.OK);

        // Team A: the lead saves and both sign; then the other member must leave (a conflict found after dispatch).
        var aLead = a.Members.Single(m => m.Lead);
        var aMate = a.Members.Single(m => !m.Lead);
        using var leadA = await platform.Host.UserAsync("insp-a-lead", "inspector", "D1", aLead.CertificateNo);
        using var mateA = await platform.Host.UserAsync("insp-a-mate", "inspector", "D1", aMate.CertificateNo);
        var inspectionA = $"/api/inspections/{id}/{a.MemberId}";
        await SaveAndSignAsync(leadA, inspectionA, leadA, mateA);
        Assert.Equal("Signed", (await ReadAsync(await leadA.GetAsync(inspectionA), HttpStatusCode.OK)).GetProperty("state").GetString());

        const string reason = "conflict found after dispatch: the manager's brother-in-law";
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = a.MemberId, certificateNo = aMate.CertificateNo, reason }), HttpStatusCode.OK);
        var expected = InspectorDraw.Replace(seed, id, committed.Algorithm, section.Parameters, pool, section.Result.Teams, [],
            new ReplacementRequest(a.MemberId, aMate.CertificateNo, reason));
        Assert.True(expected.Succeeded, expected.Refusal);
        var newcomer = expected.Replacement!.Replacement;

        // The record and the inspection changed together: the pack names the rule's replacement, both verify it, and the
        // inspection's team is the drawn team as it now stands; the leaver's signature left with them.
        var packJson = await scheduler.GetStringAsync($"/api/tasks/{id}/draw/pack");
        var pack = JsonSerializer.Deserialize<DrawPack>(packJson, DrawPacks.JsonOptions)!;
        Assert.Equal([expected.Replacement!], pack.InspectorDraw!.Replacements!);
        Assert.True(DrawVerifier.Verify(packJson, await scheduler.GetByteArrayAsync($"/api/tasks/{id}/draw/population.csv"), poolBytes).Passed);
        var inspectionKey = $"{id}/{a.MemberId}";
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionKey AND certificate_no = @newcomer AND NOT is_lead", new { inspectionKey, newcomer }));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionKey AND certificate_no = @leaver", new { inspectionKey, leaver = aMate.CertificateNo }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM drawn_teams WHERE task_id = @id AND member_id = @m AND certificate_no = @newcomer", new { id, m = a.MemberId, newcomer }));
        var reopened = await ReadAsync(await leadA.GetAsync(inspectionA), HttpStatusCode.OK);
        Assert.Equal("Draft", reopened.GetProperty("state").GetString());
        Assert.Contains(reopened.GetProperty("team").EnumerateArray(), m => m.GetProperty("certificateNo").GetString() == newcomer);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.replace-member' AND subject_key = @inspectionKey", new { inspectionKey }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.replace-inspector' AND subject_key = @id", new { id }));
        // The leaver no longer sees the inspection; the newcomer does, and signing completes the team again.
        Assert.Equal(HttpStatusCode.NotFound, (await mateA.GetAsync(inspectionA)).StatusCode);
        using var newA = await platform.Host.UserAsync("insp-a-new", "inspector", "D1", newcomer);
        await ReadAsync(await newA.PostAsync(inspectionA + "/sign", null), HttpStatusCode.OK);
        Assert.Equal("Signed", (await ReadAsync(await newA.GetAsync(inspectionA), HttpStatusCode.OK)).GetProperty("state").GetString());

        // A repeat (a lost answer retried) answers as the first time and records nothing twice.
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = a.MemberId, certificateNo = aMate.CertificateNo, reason }), HttpStatusCode.OK);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.replace-inspector' AND subject_key = @id", new { id }));
        Assert.Single((await PackAsync(scheduler, id)).InspectorDraw!.Replacements!);

        // Team B handed its results in: its team no longer changes, and nothing is recorded.
        var bLead = b.Members.Single(m => m.Lead);
        using var leadB = await platform.Host.UserAsync("insp-b-lead", "inspector", "D1", bLead.CertificateNo);
        using var mateB = await platform.Host.UserAsync("insp-b-mate", "inspector", "D1", b.Members.Single(m => !m.Lead).CertificateNo);
        var inspectionB = $"/api/inspections/{id}/{b.MemberId}";
        await SaveAndSignAsync(leadB, inspectionB, leadB, mateB);
        var submit = new HttpRequestMessage(HttpMethod.Post, inspectionB + "/submit");
        submit.Headers.Add("Idempotency-Key", "b-1");
        await ReadAsync(await leadB.SendAsync(submit), HttpStatusCode.OK);
        var late = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = b.MemberId, certificateNo = bLead.CertificateNo, reason = "illness" }), HttpStatusCode.Conflict);
        Assert.Contains("Submitted", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await PackAsync(scheduler, id)).InspectorDraw!.Replacements!);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @key AND certificate_no = @cert AND is_lead",
            new { key = $"{id}/{b.MemberId}", cert = bLead.CertificateNo }));

        // Another department's scheduler cannot replace on the inspection path either.
        using var stranger = await platform.Host.UserAsync("sched-d2", "scheduler", "D2");
        await ReadAsync(await stranger.PostAsJsonAsync(url, new { memberId = a.MemberId, certificateNo = aLead.CertificateNo, reason = "illness" }), HttpStatusCode.Forbidden);
    }

    [PostgresFact]
    public async Task Dispatch_and_replacement_are_serialised_by_the_task_a_replacement_after_dispatch_began_waits_for_its_inspection()
    {
        await using var platform = await StartAsync(server, "draw_replacements_race");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        var id = await FrozenTaskAsync(scheduler, Draft());
        var url = $"/api/tasks/{id}/teams/replacements";
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);
        var section = (await PackAsync(scheduler, id)).InspectorDraw!;
        var team = section.Result.Teams[0];
        var leaving = team.Members.Single(m => m.Lead).CertificateNo;

        // The dispatcher's first step, as a dispatch that stopped right after it would leave the task: the start is marked.
        var grains = platform.Host.Services.GetRequiredService<IGrainFactory>();
        var actor = new Actor("sched-d1", [Roles.Scheduler], "D1", null);
        Assert.Equal(TaskReplyStatus.Ok, (await grains.GetGrain<ITaskGrain>(id).BeginDispatch(actor)).Status);
        Assert.Equal(TaskReplyStatus.Ok, (await grains.GetGrain<ITaskGrain>(id).BeginDispatch(actor)).Status); // once
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.dispatch-start' AND subject_key = @id", new { id }));

        // The teams are now what dispatch reads: a replacement does not change the drawn team behind its back.
        var refused = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = leaving, reason = "illness" }), HttpStatusCode.Conflict);
        Assert.Contains("being dispatched", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.replace-inspector' AND subject_key = @id", new { id }));

        // Dispatch completes; the same request now changes the inspection.
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/dispatch", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = leaving, reason = "illness" }), HttpStatusCode.OK);
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @key AND certificate_no = @leaving",
            new { key = $"{id}/{team.MemberId}", leaving }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @key AND is_lead", new { key = $"{id}/{team.MemberId}" }));
    }

    /// <summary>The task's full pack as its staff download it.</summary>
    private static async Task<DrawPack> PackAsync(HttpClient client, string id) =>
        JsonSerializer.Deserialize<DrawPack>(await client.GetStringAsync($"/api/tasks/{id}/draw/pack"), DrawPacks.JsonOptions)!;

    /// <summary>The first signer saves a complete result; every signer signs it.</summary>
    private static async Task SaveAndSignAsync(HttpClient saver, string inspection, params HttpClient[] signers)
    {
        var etag = (await saver.GetAsync(inspection)).Headers.ETag!.Tag;
        var results = new
        {
            items = new[]
            {
                new { itemCode = "I1", resultCodes = new[] { "1" }, findings = (string?)null, visitedAt = DateTimeOffset.UtcNow.AddDays(-1), visitPlace = "Registered address", evidence = Array.Empty<object>() },
            },
        };
        var put = new HttpRequestMessage(HttpMethod.Put, inspection + "/draft") { Content = JsonContent.Create(results) };
        put.Headers.IfMatch.ParseAdd(etag);
        await ReadAsync(await saver.SendAsync(put), HttpStatusCode.OK);
        foreach (var signer in signers) await ReadAsync(await signer.PostAsync(inspection + "/sign", null), HttpStatusCode.OK);
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, DrawPacks.JsonOptions);
}
