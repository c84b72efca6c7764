using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Contracts.Objections;
using Supervision.Core.Calendar;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Objections;

/// <summary>
/// The entity's right of reply and objection (issue 19) through HTTP, on PostgreSQL and on the embedded SQLite default: a
/// statement published beside the result, an objection with a file upheld and corrected through the amendment path (the
/// amended version published and linked), another rejected with its published reason, bad input refused naming the field,
/// a late submission refused under the fake clock, another department kept out, reminders, audit lines and the indicator.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ObjectionTests(PostgresServer server)
{
    /// <summary>Small limits so that a "too large" file is a few kilobytes.</summary>
    private static readonly Dictionary<string, string?> Settings = new() { ["Supervision:Objections:MaxAttachmentBytes"] = "4096" };

    internal static readonly byte[] Pdf = [.. "%PDF-1.4\n% objection evidence\n"u8, .. new byte[200]];

    [PostgresFact]
    public async Task On_postgres_statements_and_objections_are_published_beside_the_result_upheld_through_an_amendment_or_rejected_with_a_reason()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("objections"), settings: Settings);
        await ScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_statements_and_objections_are_published_beside_the_result_upheld_through_an_amendment_or_rejected_with_a_reason()
    {
        await using var platform = await StartAsync(settings: Settings);
        await ScenarioAsync(platform);
    }

    /// <summary>A result of D1's item I1 (code A) published as version 1, and a link for its entity: (inspection id, entity, link path with ?t=).</summary>
    internal static async Task<(string InspectionId, string Entity, string Link)> PublishedWithLinkAsync(InspectionPlatform platform, string taskId = "TOB")
    {
        using var revD1 = await platform.As("rev-d1");
        using var schedD1 = await platform.As("sched-d1");
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
        var insp = await platform.AssignDirectAsync(taskId, entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        await ReinspectionTests.RecordAndApproveAsync(platform, revD1, insp.InspectionId, "A");
        await ReadAsync(await revD1.PostAsync($"/api/inspections/{insp.InspectionId}/publish", null), HttpStatusCode.OK);
        var link = await ReadAsync(await schedD1.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { days = 90 }), HttpStatusCode.OK);
        return (insp.InspectionId, entity, new Uri(link.GetProperty("url").GetString()!).PathAndQuery);
    }

    internal static MultipartFormDataContent Form(string? resultId, string? kind, string? reason, params (string Name, string Type, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        if (resultId is not null) form.Add(new StringContent(resultId), "resultId");
        if (kind is not null) form.Add(new StringContent(kind), "kind");
        if (reason is not null) form.Add(new StringContent(reason), "reason");
        foreach (var (name, type, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(part, "attachments", name);
        }

        return form;
    }

    private static async Task ScenarioAsync(InspectionPlatform platform)
    {
        var (inspectionId, entity, link) = await PublishedWithLinkAsync(platform);
        var t = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        var api = $"/api/public/v1/entities/{entity}/objections?t={t}";
        var v1 = inspectionId + "/v1";
        using var visitor = platform.Host.Anonymous();
        using var revD1 = await platform.As("rev-d1");
        using var schedD1 = await platform.As("sched-d1");
        using var revD2 = await platform.As("rev-d2");
        using var lead = await platform.As("insp-C0000");

        // The link lists the published result and the last day it takes a submission (15 working days after publication).
        var view = await ReadAsync(await visitor.GetAsync(api), HttpStatusCode.OK);
        var own = Assert.Single(view.GetProperty("results").EnumerateArray());
        var publishedOn = ChinaTime.DateOf(platform.Clock.GetUtcNow());
        var closes = WorkingCalendar.Default.AddWorkingDays(publishedOn, 15);
        Assert.Equal((v1, closes.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), true), (own.GetProperty("resultId").GetString(), own.GetProperty("closesOn").GetString(), own.GetProperty("open").GetBoolean()));

        // Without a valid link: the 404 of an unknown entity, nothing stored.
        await ProblemAsync(await visitor.PostAsJsonAsync($"/api/public/v1/entities/{entity}/objections?t=garbage", new { resultId = v1, kind = "statement", reason = "x" }), HttpStatusCode.NotFound);

        // Bad input: each refusal names its field; nothing is stored.
        var noReason = await ProblemAsync(await visitor.PostAsJsonAsync(api, new { resultId = v1, kind = "objection" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        var tooLarge = await ProblemAsync(await visitor.PostAsync(api, Form(v1, "objection", "wrong", ("big.pdf", "application/pdf", [.. Pdf, .. new byte[5000]]))), HttpStatusCode.BadRequest);
        Assert.True(tooLarge.GetProperty("errors").TryGetProperty("attachments[0]", out _));
        var notPdf = await ProblemAsync(await visitor.PostAsync(api, Form(v1, "objection", "wrong", ("page.pdf", "application/pdf", "<html>hi</html>"u8.ToArray()))), HttpStatusCode.BadRequest);
        Assert.True(notPdf.GetProperty("errors").TryGetProperty("attachments[0]", out _));
        var html = await ProblemAsync(await visitor.PostAsync(api, Form(v1, "objection", "wrong", ("page.html", "text/html", "<html>hi</html>"u8.ToArray()))), HttpStatusCode.BadRequest);
        Assert.True(html.GetProperty("errors").TryGetProperty("attachments[0]", out _));
        var other = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities WHERE credit_code <> @entity ORDER BY credit_code LIMIT 1", new { entity }))!;
        var otherInspection = await platform.AssignDirectAsync("TOB", other, "C0002", "C0003", ["I1"], new DateOnly(2026, 7, 1));
        foreach (var foreign in new[] { otherInspection.InspectionId + "/v1", $"TOB/{entity}/v7", "nonsense" })
        {
            var refused = await ProblemAsync(await visitor.PostAsJsonAsync(api, new { resultId = foreign, kind = "objection", reason = "not ours" }), HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("resultId", out _), foreign);
        }
        var badKind = await ProblemAsync(await visitor.PostAsJsonAsync(api, new { resultId = v1, kind = "complaint", reason = "x" }), HttpStatusCode.BadRequest);
        Assert.True(badKind.GetProperty("errors").TryGetProperty("kind", out _));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM objections"));

        // A statement: published beside the result at once, on the public page and in the public JSON; one audit line.
        const string Statement = "本店已于检查次日完成整改，欢迎监督。";
        var publishedAt = platform.Clock.GetUtcNow();
        platform.Clock.Advance(TimeSpan.FromHours(1));
        var statement = await ReadAsync(await visitor.PostAsJsonAsync(api, new { resultId = v1, kind = "statement", reason = Statement }), HttpStatusCode.Created);
        Assert.Equal("published", statement.GetProperty("state").GetString());
        var publicEntity = await ReadAsync(await visitor.GetAsync($"/api/public/v1/entities/{entity}"), HttpStatusCode.OK);
        // A client's copy from the publication, before the statement, is not current: the record's Last-Modified moved with it.
        using (var since = new HttpRequestMessage(HttpMethod.Get, $"/api/public/v1/entities/{entity}"))
        {
            since.Headers.IfModifiedSince = publishedAt;
            Assert.Equal(HttpStatusCode.OK, (await visitor.SendAsync(since)).StatusCode);
        }
        var reply = Assert.Single(Assert.Single(publicEntity.GetProperty("results").EnumerateArray()).GetProperty("replies").EnumerateArray());
        Assert.Equal(("statement", Statement, publishedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), (reply.GetProperty("kind").GetString(), reply.GetProperty("statement").GetString(), reply.GetProperty("submittedOn").GetString()));
        Assert.Equal(["id", "kind", "resultVersion", "statement", "submittedOn", "outcome", "decidedOn", "decisionReason", "amendedVersion", "amendedOn"],
            reply.EnumerateObject().Select(p => p.Name));
        Assert.Contains(Statement, await visitor.GetStringAsync($"/entities/{entity}"), StringComparison.Ordinal);
        var search = await ReadAsync(await visitor.GetAsync($"/api/public/v1/results?creditCode={entity}"), HttpStatusCode.OK);
        Assert.Equal(Statement, search.GetProperty("items")[0].GetProperty("replies")[0].GetProperty("statement").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'objection.statement' AND subject_key = @id", new { id = statement.GetProperty("id").GetString() }));

        // An objection with a file; the same content again is the same objection (200), stored once.
        const string Grounds = "检查当日本店因装修停业，检查记录中的经营情况有误。";
        var objection = await ReadAsync(await visitor.PostAsync(api, Form(v1, "objection", Grounds, ("停业通知.pdf", "application/pdf", Pdf))), HttpStatusCode.Created);
        var id = objection.GetProperty("id").GetString()!;
        Assert.Equal("submitted", objection.GetProperty("state").GetString());
        Assert.Equal("停业通知.pdf", objection.GetProperty("attachments")[0].GetProperty("fileName").GetString());
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Pdf));
        Assert.Equal(sha, objection.GetProperty("attachments")[0].GetProperty("sha256").GetString());
        var repeat = await ReadAsync(await visitor.PostAsync(api, Form(v1, "objection", Grounds, ("停业通知.pdf", "application/pdf", Pdf))), HttpStatusCode.OK);
        Assert.Equal(id, repeat.GetProperty("id").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM objections WHERE kind = 'objection'"));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'objection.submitted' AND subject_key = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM evidence_files WHERE sha256 = @sha", new { sha }));
        // A second, different objection waits while this one is open.
        await ProblemAsync(await visitor.PostAsJsonAsync(api, new { resultId = v1, kind = "objection", reason = "another" }), HttpStatusCode.Conflict);
        // Open objections are not public; the statement is.
        publicEntity = await ReadAsync(await visitor.GetAsync($"/api/public/v1/entities/{entity}"), HttpStatusCode.OK);
        Assert.Single(publicEntity.GetProperty("results")[0].GetProperty("replies").EnumerateArray());

        // The department that published it sees it and its file; another department sees nothing and decides nothing; an inspector is no decider.
        var open = Assert.Single((await ReadAsync(await revD1.GetAsync("/api/objections"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal((id, Grounds), (open.GetProperty("id").GetString(), open.GetProperty("reason").GetString()));
        Assert.Equal(Pdf, await revD1.GetByteArrayAsync($"/api/objections/{id}/attachments/{sha}"));
        Assert.Empty((await ReadAsync(await revD2.GetAsync("/api/objections?state=all"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(await revD2.GetAsync($"/api/objections/{id}/attachments/{sha}"), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "reject", reason = "no" }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await lead.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "uphold" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.GetAsync("/api/objections")).StatusCode);
        var badDecision = await ProblemAsync(await revD1.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "maybe" }), HttpStatusCode.BadRequest);
        Assert.True(badDecision.GetProperty("errors").TryGetProperty("decision", out _));

        // Upheld: the team is told, amends through the amendment path, the amendment is approved and published; the objection is
        // linked to version 2, and the outcome is shown beside both versions.
        var upheld = await ReadAsync(await schedD1.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "uphold" }), HttpStatusCode.OK);
        Assert.Equal(("upheld", true), (upheld.GetProperty("state").GetString(), upheld.GetProperty("awaitsAmendment").GetBoolean()));
        await ReadAsync(await revD1.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "uphold" }), HttpStatusCode.OK);
        await ProblemAsync(await revD1.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "reject", reason = "late change" }), HttpStatusCode.Conflict);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'objection.upheld' AND subject_key = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE recipient = 'inspector:C0000' AND kind = 'objection-upheld'"));
        var url = "/api/inspections/" + inspectionId;
        var corrected = platform.Results([("I1", ["F"])]);
        await ReadAsync(await lead.PostAsJsonAsync(url + "/amend", new { items = ((dynamic)corrected).items, reason = $"异议 {id} 成立：检查当日停业" }), HttpStatusCode.OK);
        Assert.Null(await platform.ScalarTextAsync("SELECT CAST(amended_version AS text) FROM objections WHERE objection_id = @id", new { id }));
        await ReadAsync(await revD1.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        await ReadAsync(await revD1.PostAsync(url + "/publish", null), HttpStatusCode.OK);
        Assert.Equal(2, await platform.ScalarAsync("SELECT amended_version FROM objections WHERE objection_id = @id", new { id }));
        publicEntity = await ReadAsync(await visitor.GetAsync($"/api/public/v1/entities/{entity}"), HttpStatusCode.OK);
        var byVersion = publicEntity.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("version").GetInt32());
        var onV2 = Assert.Single(byVersion[2].GetProperty("replies").EnumerateArray());
        Assert.Equal(("objection", "upheld", 2, 1), (onV2.GetProperty("kind").GetString(), onV2.GetProperty("outcome").GetString(),
            onV2.GetProperty("amendedVersion").GetInt32(), onV2.GetProperty("resultVersion").GetInt32()));
        Assert.Equal(JsonValueKind.Null, onV2.GetProperty("statement").ValueKind);
        Assert.Equal(["statement", "objection"], byVersion[1].GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal(["F"], byVersion[2].GetProperty("items")[0].GetProperty("results").EnumerateArray().Select(c => c.GetProperty("code").GetString()));
        Assert.DoesNotContain(Grounds, publicEntity.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("sched-d1", publicEntity.GetRawText(), StringComparison.Ordinal);
        var page = await visitor.GetStringAsync($"/entities/{entity}");
        Assert.Contains("异议成立", page, StringComparison.Ordinal);
        Assert.Contains("reply-amended", page, StringComparison.Ordinal);

        // An objection to the corrected version, overdue and reminded once, then rejected: the reason is required and published.
        var second = await ReadAsync(await visitor.PostAsJsonAsync(api, new { resultId = inspectionId + "/v2", kind = "objection", reason = "停业并非因装修，而是因疫情。" }), HttpStatusCode.Created);
        var secondId = second.GetProperty("id").GetString()!;
        var due = DateOnly.Parse(second.GetProperty("dueOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        platform.Clock.SetUtcNow(new DateTimeOffset(due.AddDays(1).ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));
        var grain = platform.Grains.GetGrain<IObjectionGrain>(inspectionId);
        Assert.True(await grain.RemindDecision(secondId, due.AddDays(1)));
        Assert.False(await grain.RemindDecision(secondId, due.AddDays(2)));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE recipient = 'department:D1' AND kind = 'objection-overdue'"));
        Assert.True((await ReadAsync(await revD1.GetAsync("/api/objections"), HttpStatusCode.OK))[0].GetProperty("overdue").GetBoolean());
        var noRejectReason = await ProblemAsync(await revD1.PostAsJsonAsync($"/api/objections/{secondId}/decision", new { decision = "reject" }), HttpStatusCode.BadRequest);
        Assert.True(noRejectReason.GetProperty("errors").TryGetProperty("reason", out _));
        const string Why = "经核实，检查当日该店正常营业，有现场照片为证。";
        var rejected = await ReadAsync(await revD1.PostAsJsonAsync($"/api/objections/{secondId}/decision", new { decision = "reject", reason = Why }), HttpStatusCode.OK);
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'objection.rejected' AND subject_key = @secondId", new { secondId }));
        publicEntity = await ReadAsync(await visitor.GetAsync($"/api/public/v1/entities/{entity}"), HttpStatusCode.OK);
        var v2Replies = publicEntity.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("version").GetInt32() == 2).GetProperty("replies").EnumerateArray().ToList();
        var outcome = v2Replies.Single(r => r.GetProperty("id").GetString() == secondId);
        Assert.Equal(("rejected", Why, ChinaTime.DateOf(platform.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("decisionReason").GetString(), outcome.GetProperty("decidedOn").GetString()));
        Assert.Contains(Why, await visitor.GetStringAsync($"/entities/{entity}"), StringComparison.Ordinal);
        // Each public change is in the event log and the entity's feed, in order: the statement, then each decision (never the objection's text).
        using (var connection = await platform.Store.OpenAsync())
        {
            var events = (await Dapper.SqlMapper.QueryAsync<(string Kind, string Payload)>(connection,
                "SELECT kind, payload_json FROM public_events WHERE entity_credit_code = @entity AND kind IN ('statement-published', 'objection-decided') ORDER BY seq",
                new { entity })).ToList();
            Assert.Equal(["statement-published", "objection-decided", "objection-decided"], events.Select(e => e.Kind));
            var payloads = events.Select(e => JsonDocument.Parse(e.Payload).RootElement).ToList();
            Assert.Equal(Statement, payloads[0].GetProperty("statement").GetString());
            Assert.Equal("upheld", payloads[1].GetProperty("outcome").GetString());
            Assert.Equal(("rejected", Why), (payloads[2].GetProperty("outcome").GetString(), payloads[2].GetProperty("decisionReason").GetString()));
            Assert.All(payloads.Skip(1), p => Assert.False(p.TryGetProperty("statement", out _), "an objection's own text is never public"));
        }
        var feed = await visitor.GetStringAsync($"/api/public/v1/feeds/entities/{entity}.atom");
        Assert.Contains("主体陈述公示", feed, StringComparison.Ordinal);
        Assert.Contains("主体异议处理结果公示", feed, StringComparison.Ordinal);
        var mine = await ReadAsync(await visitor.GetAsync(api), HttpStatusCode.OK);
        Assert.Equal(["published", "rejected", "upheld"], mine.GetProperty("submissions").EnumerateArray().Select(s => s.GetProperty("state").GetString()).Order(StringComparer.Ordinal));

        // The indicator: two objections decided this year by D1, one upheld; none for D2.
        var year = ChinaTime.DateOf(platform.Clock.GetUtcNow()).Year;
        var indicators = await ReadAsync(await revD1.GetAsync($"/api/statistics/indicators?year={year}"), HttpStatusCode.OK);
        Assert.Equal((2, 1, 0.5), (indicators.GetProperty("objectionsDecided").GetInt64(), indicators.GetProperty("objectionsUpheld").GetInt64(),
            indicators.GetProperty("objectionsUpheldShare").GetDouble()));
        var d2 = await ReadAsync(await revD2.GetAsync($"/api/statistics/indicators?year={year}"), HttpStatusCode.OK);
        Assert.Equal(0, d2.GetProperty("objectionsDecided").GetInt64());
        // The same figures are open data, for anyone: the whole platform or one department; bad input is named.
        var openFigures = await ReadAsync(await visitor.GetAsync($"/api/public/v1/indicators?year={year}&department=D1"), HttpStatusCode.OK);
        Assert.Equal(indicators.ToString(), openFigures.ToString());
        Assert.Equal(2, (await ReadAsync(await visitor.GetAsync($"/api/public/v1/indicators?year={year}"), HttpStatusCode.OK)).GetProperty("objectionsDecided").GetInt64());
        Assert.Equal(0, (await ReadAsync(await visitor.GetAsync($"/api/public/v1/indicators?year={year}&department=D2"), HttpStatusCode.OK)).GetProperty("objectionsDecided").GetInt64());
        await ProblemAsync(await visitor.GetAsync($"/api/public/v1/indicators?year={year}&department=NOPE"), HttpStatusCode.NotFound);
        var badYear = await ProblemAsync(await visitor.GetAsync("/api/public/v1/indicators?year=1999"), HttpStatusCode.BadRequest);
        Assert.True(badYear.GetProperty("errors").TryGetProperty("year", out _));

        // After the period (15 working days after the publication of version 2): refused, naming the result.
        platform.Clock.SetUtcNow(platform.Clock.GetUtcNow().AddDays(40));
        var late = await ProblemAsync(await visitor.PostAsJsonAsync(api, new { resultId = inspectionId + "/v2", kind = "statement", reason = "迟到的陈述" }), HttpStatusCode.BadRequest);
        Assert.True(late.GetProperty("errors").TryGetProperty("resultId", out _));
        Assert.False((await ReadAsync(await visitor.GetAsync(api), HttpStatusCode.OK)).GetProperty("results")[0].GetProperty("open").GetBoolean());
    }
}
