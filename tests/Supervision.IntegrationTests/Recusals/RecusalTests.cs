using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Supervision.Core.Calendar;
using Supervision.Core.Draw;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Recusals;

/// <summary>
/// Recusal requests (issue 18) through HTTP: the entity files through its signed link, the lead department decides, an
/// accepted request is the draw's replacement (verified in the pack), a rejection's reason reaches the entity, a team that
/// handed its results in is explained, and nobody else files or decides. On PostgreSQL and on the embedded SQLite default.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecusalTests(PostgresServer server)
{
    private const string PrivateWords = "检查人员王某是我公司法定代表人的表弟";

    [PostgresFact]
    public async Task On_postgres_a_request_is_accepted_and_the_replacement_verifies_a_rejection_is_explained_and_others_are_fenced_off()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("recusals"), now: DateTimeOffset.UtcNow);
        await ScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_a_request_is_accepted_and_the_replacement_verifies_a_rejection_is_explained_and_others_are_fenced_off()
    {
        await using var platform = await StartAsync(now: DateTimeOffset.UtcNow);
        await ScenarioAsync(platform);
    }

    /// <summary>A dispatched single-department task, its first inspection and a link for that inspection's entity.</summary>
    internal static async Task<(string TaskId, string InspectionId, string Entity, string[] Team, string Link)> DispatchedWithLinkAsync(InspectionPlatform platform)
    {
        using var scheduler = await platform.As("sched-d1");
        var taskId = await DrawnTaskAsync(scheduler, joint: false);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        await using var connection = await platform.Store.OpenAsync();
        var (inspectionId, entity) = await connection.QueryFirstAsync<(string, string)>(
            "SELECT inspection_id, entity_credit_code FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId });
        var team = (await connection.QueryAsync<string>(
            "SELECT certificate_no FROM inspection_members WHERE inspection_id = @inspectionId ORDER BY is_lead DESC, certificate_no", new { inspectionId })).ToArray();
        var link = await ReadAsync(await scheduler.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { days = 7 }), HttpStatusCode.OK);
        return (taskId, inspectionId, entity, team, new Uri(link.GetProperty("url").GetString()!).PathAndQuery);
    }

    private static async Task ScenarioAsync(InspectionPlatform platform)
    {
        var (taskId, inspectionId, entity, team, link) = await DispatchedWithLinkAsync(platform);
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        var api = $"/api/public/v1/entities/{entity}/recusals";
        using var visitor = platform.Host.Anonymous();

        // The link shows the entity its open inspection and the team as it would be told at the visit: names and certificates.
        var view = await ReadAsync(await visitor.GetAsync($"{api}?t={token}"), HttpStatusCode.OK);
        var open = Assert.Single(view.GetProperty("inspections").EnumerateArray());
        Assert.Equal(inspectionId, open.GetProperty("inspectionId").GetString());
        Assert.Equal(team.Order(StringComparer.Ordinal), open.GetProperty("team").EnumerateArray().Select(m => m.GetProperty("certificateNo").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(open.GetProperty("team").EnumerateArray(), m => Assert.Equal(["certificateNo", "name", "lead"], m.EnumerateObject().Select(p => p.Name)));

        // Without the link, with a tampered one, with another entity's: the 404 of an unknown entity, and nothing filed.
        var (expiry, mac) = (Uri.UnescapeDataString(token).Split('.')[0], Uri.UnescapeDataString(token).Split('.')[1]);
        var filing = new { inspectionId, certificateNo = team[1], grounds = "kin", reason = PrivateWords };
        foreach (var bad in new[] { "", "?t=garbage", $"?t={long.Parse(expiry, System.Globalization.CultureInfo.InvariantCulture) + 86400}.{mac}" })
        {
            await ProblemAsync(await visitor.GetAsync(api + bad), HttpStatusCode.NotFound);
            await ProblemAsync(await visitor.PostAsJsonAsync(api + bad, filing), HttpStatusCode.NotFound);
        }
        using (var scheduler = await platform.As("sched-d1"))
        {
            var other = await platform.ScalarTextAsync("SELECT credit_code FROM market_entities WHERE credit_code <> @entity ORDER BY credit_code LIMIT 1", new { entity });
            var otherLink = await ReadAsync(await scheduler.PostAsJsonAsync($"/api/credit/entities/{other}/access-link", new { }), HttpStatusCode.OK);
            var otherPath = new Uri(otherLink.GetProperty("url").GetString()!).PathAndQuery;
            var otherToken = otherPath[(otherPath.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
            // Another entity's valid link cannot file against this inspection, nor see it.
            var refused = await ProblemAsync(await visitor.PostAsJsonAsync($"/api/public/v1/entities/{other}/recusals?t={otherToken}", filing), HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("inspectionId", out _), refused.ToString());
            var theirs = await ReadAsync(await visitor.GetAsync($"/api/public/v1/entities/{other}/recusals?t={otherToken}"), HttpStatusCode.OK);
            Assert.DoesNotContain(inspectionId, theirs.ToString(), StringComparison.Ordinal);
        }

        // Bad input names the field.
        foreach (var (body, field) in new (object, string)[]
        {
            (new { inspectionId, certificateNo = team[1], reason = "  " }, "reason"),
            (new { inspectionId, certificateNo = team[1], reason = new string('x', 1001) }, "reason"),
            (new { inspectionId, certificateNo = team[1], reason = "a\u202Eb" }, "reason"),
            (new { inspectionId, certificateNo = team[1], grounds = "bribery", reason = "why" }, "grounds"),
            (new { inspectionId, certificateNo = "C9999", reason = "why" }, "certificateNo"),
            (new { certificateNo = team[1], reason = "why" }, "inspectionId"),
        })
        {
            var problem = await ProblemAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", body), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }

        // Filed: open, due three working days after today (Beijing), one open request per inspection and member.
        var filed = await ReadAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", filing), HttpStatusCode.Created);
        var id = filed.GetProperty("id").GetString()!;
        Assert.Equal("requested", filed.GetProperty("state").GetString());
        var due = WorkingCalendar.Default.AddWorkingDays(ChinaTime.DateOf(platform.Clock.GetUtcNow()), 3);
        Assert.Equal(due.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), filed.GetProperty("dueOn").GetString());
        var again = await ProblemAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", filing), HttpStatusCode.Conflict);
        Assert.Contains(id, again.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Only the lead department's schedulers (and admins) see and decide it.
        var decision = $"/api/recusals/{id}/decision";
        using (var other = await platform.As("sched-d3"))
        {
            Assert.DoesNotContain(id, (await ReadAsync(await other.GetAsync("/api/recusals"), HttpStatusCode.OK)).ToString(), StringComparison.Ordinal);
            await ProblemAsync(await other.PostAsJsonAsync(decision, new { decision = "accept" }), HttpStatusCode.NotFound);
        }
        using (var participant = await platform.As("sched-d2"))
            await ProblemAsync(await participant.PostAsJsonAsync(decision, new { decision = "accept" }), HttpStatusCode.NotFound);
        using (var reviewer = await platform.As("rev-d1"))
            Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.PostAsJsonAsync(decision, new { decision = "accept" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.PostAsJsonAsync(decision, new { decision = "accept" })).StatusCode);

        using var lead = await platform.As("sched-d1");
        var listed = (await ReadAsync(await lead.GetAsync("/api/recusals"), HttpStatusCode.OK)).EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.False(listed.GetProperty("overdue").GetBoolean());
        Assert.Equal(PrivateWords, listed.GetProperty("reason").GetString());
        var missing = await ProblemAsync(await lead.PostAsJsonAsync(decision, new { }), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("decision", out _));

        // Accepted: the task replaced the member by the rule first; a repeat answers the same.
        var accepted = await ReadAsync(await lead.PostAsJsonAsync(decision, new { decision = "accept" }), HttpStatusCode.OK);
        Assert.Equal("accepted", accepted.GetProperty("state").GetString());
        var replacement = accepted.GetProperty("replacement").GetString()!;
        Assert.DoesNotContain(replacement, team);
        var repeat = await ReadAsync(await lead.PostAsJsonAsync(decision, new { decision = "accept" }), HttpStatusCode.OK);
        Assert.Equal(replacement, repeat.GetProperty("replacement").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'recusal.accepted' AND subject_key = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'recusal.requested' AND subject_key = @id", new { id }));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId AND certificate_no = @c", new { inspectionId, c = team[1] }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId AND certificate_no = @replacement", new { inspectionId, replacement }));

        // The pack lists the replacement with the published reason (the request and its category, not the entity's words),
        // and it verifies: the newcomer is the rule's.
        var packJson = await lead.GetStringAsync($"/api/tasks/{taskId}/draw/pack");
        var pack = JsonSerializer.Deserialize<DrawPack>(packJson, DrawPacks.JsonOptions)!;
        var made = Assert.Single(pack.InspectorDraw!.Replacements!);
        Assert.Equal((entity, team[1], replacement, $"recusal request {id}: kin"), (made.MemberId, made.Replaced, made.Replacement, made.Reason));
        var report = DrawVerifier.Verify(packJson, await lead.GetByteArrayAsync($"/api/tasks/{taskId}/draw/population.csv"),
            await lead.GetByteArrayAsync($"/api/tasks/{taskId}/draw/inspectors.json"));
        Assert.True(report.Passed, report.ToString());
        var publicRecord = await visitor.GetStringAsync($"/api/public/v1/tasks/{taskId}");
        Assert.Contains($"recusal request {id}: kin", publicRecord, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateWords, publicRecord, StringComparison.Ordinal);

        // A second request, rejected: the entity reads the reason.
        var second = await ReadAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", new { inspectionId, certificateNo = team[0], grounds = "interest", reason = "曾为竞争对手提供咨询" }), HttpStatusCode.Created);
        var secondId = second.GetProperty("id").GetString()!;
        var rejectedProblem = await ProblemAsync(await lead.PostAsJsonAsync($"/api/recusals/{secondId}/decision", new { decision = "reject" }), HttpStatusCode.BadRequest);
        Assert.True(rejectedProblem.GetProperty("errors").TryGetProperty("reason", out _));
        await ReadAsync(await lead.PostAsJsonAsync($"/api/recusals/{secondId}/decision", new { decision = "reject", reason = "经核查，该检查人员与贵公司无利害关系" }), HttpStatusCode.OK);
        await ProblemAsync(await lead.PostAsJsonAsync($"/api/recusals/{secondId}/decision", new { decision = "accept" }), HttpStatusCode.Conflict);
        var mine = (await ReadAsync(await visitor.GetAsync($"{api}?t={token}"), HttpStatusCode.OK)).GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal("rejected", mine.Single(r => r.GetProperty("id").GetString() == secondId).GetProperty("state").GetString());
        Assert.Equal("经核查，该检查人员与贵公司无利害关系", mine.Single(r => r.GetProperty("id").GetString() == secondId).GetProperty("decisionReason").GetString());
        Assert.Equal(replacement, mine.Single(r => r.GetProperty("id").GetString() == id).GetProperty("replacement").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'recusal.rejected' AND subject_key = @secondId", new { secondId }));

        // A third, still open when the team hands its results in: accepting is refused with the reason and the request stays
        // open (and overdue once its deadline passed); a new request is refused and explained.
        var third = await ReadAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", new { inspectionId, certificateNo = team[0], reason = "再次申请" }), HttpStatusCode.Created);
        var thirdId = third.GetProperty("id").GetString()!;
        await SubmitAsync(platform, inspectionId, [team[0], replacement]);
        var refusedAccept = await ProblemAsync(await lead.PostAsJsonAsync($"/api/recusals/{thirdId}/decision", new { decision = "accept" }), HttpStatusCode.Conflict);
        Assert.Contains("could not be replaced", refusedAccept.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("requested", await platform.ScalarTextAsync("SELECT state FROM recusal_requests WHERE request_id = @thirdId", new { thirdId }));
        var late = await ProblemAsync(await visitor.PostAsJsonAsync($"{api}?t={token}", new { inspectionId, certificateNo = replacement, reason = "又一次" }), HttpStatusCode.Conflict);
        Assert.Contains("no longer change", late.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await ReadAsync(await visitor.GetAsync($"{api}?t={token}"), HttpStatusCode.OK)).GetProperty("inspections").EnumerateArray());
        platform.Clock.Advance(TimeSpan.FromDays(10));
        var overdue = (await ReadAsync(await lead.GetAsync("/api/recusals"), HttpStatusCode.OK)).EnumerateArray().Single(r => r.GetProperty("id").GetString() == thirdId);
        Assert.True(overdue.GetProperty("overdue").GetBoolean());
    }

    /// <summary>The team records a clean result, every member signs, the lead submits.</summary>
    private static async Task SubmitAsync(InspectionPlatform platform, string inspectionId, string[] members)
    {
        var url = $"/api/inspections/{inspectionId}";
        var clients = new List<HttpClient>();
        foreach (var m in members) clients.Add(await platform.As("insp-" + m));
        try
        {
            var etag = (await clients[0].GetAsync(url)).Headers.ETag!.Tag;
            await ReadAsync(await clients[0].SendAsync(Put(url + "/draft", platform.Results([("I1", ["1"])]), etag)), HttpStatusCode.OK);
            foreach (var c in clients) await ReadAsync(await c.PostAsync(url + "/sign", null), HttpStatusCode.OK);
            await ReadAsync(await clients[0].SendAsync(Submit(url, "recusal-submit")), HttpStatusCode.OK);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
