using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Draw;
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

        var committed = JsonSerializer.Deserialize<DrawPack>(await scheduler.GetStringAsync($"/api/tasks/{id}/draw/pack"), DrawPacks.JsonOptions)!;
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
        var dir = Directory.CreateTempSubdirectory("replacements-");
        try
        {
            var packFile = Path.Combine(dir.FullName, "pack.json");
            var csvFile = Path.Combine(dir.FullName, "population.csv");
            var poolFile = Path.Combine(dir.FullName, "inspectors.json");
            await File.WriteAllTextAsync(packFile, packJson);
            await File.WriteAllBytesAsync(csvFile, csv);
            await File.WriteAllBytesAsync(poolFile, poolBytes);
            var (code, output) = await PythonVerifyAsync(packFile, csvFile, poolFile);
            Assert.True(code == 0, output);
        }
        finally
        {
            dir.Delete(true);
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

        // Dispatch assigns the team as it stands; then replacements are refused.
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/dispatch", null), HttpStatusCode.OK);
        var inspection = $"{id}/{team.MemberId}";
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspection AND certificate_no = @cert AND is_lead",
            new { inspection, cert = expected2.Replacement!.Replacement }));
        Assert.Equal(0, await platform.ScalarAsync(
            "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspection AND certificate_no IN (@a, @b)",
            new { inspection, a = lead.CertificateNo, b = newcomer }));
        var late = await ReadAsync(await scheduler.PostAsJsonAsync(url, new { memberId = team.MemberId, certificateNo = expected2.Replacement!.Replacement, reason = "too late" }),
            HttpStatusCode.Conflict);
        Assert.Contains("dispatched", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Json(object o) => JsonSerializer.Serialize(o, DrawPacks.JsonOptions);
}
