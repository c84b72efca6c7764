using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Contracts.Abnormal;
using Supervision.Core.Calendar;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Abnormal;

/// <summary>
/// The abnormal-operations register (issue 19) through HTTP, on PostgreSQL and on the embedded SQLite default: a code-6 finding enters a pending entry in the
/// inspection's commit, the deadline in working days becomes an overdue entry with one reminder, listing makes it public and
/// a credit event, removal is applied for through the entity's link and rejected then approved, staff enter other grounds,
/// the sweep escalates after three years under the fake clock, and other departments never see or touch an entry.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AbnormalRegisterTests(PostgresServer server)
{
    private const string Api = "/api/abnormal-operations";
    private const string Public = "/api/public/v1/abnormal-operations";

    private static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<AbnormalSweepRun> SweepAsync(InspectionPlatform platform) =>
        await platform.Grains.GetGrain<IAbnormalSweepGrain>(IAbnormalSweepGrain.DefaultKey).Run();

    [PostgresFact]
    public async Task On_postgres_a_code_6_finding_becomes_an_entry_that_is_listed_overdue_reminded_published_and_removed_on_application()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("abnormal_finding"));
        await FindingScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_a_code_6_finding_becomes_an_entry_that_is_listed_overdue_reminded_published_and_removed_on_application()
    {
        await using var platform = await StartAsync();
        await FindingScenarioAsync(platform);
    }

    [PostgresFact]
    public async Task On_postgres_staff_enter_other_grounds_for_their_own_department_once_and_an_entry_listed_three_years_is_escalated_with_an_alert()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("abnormal_decision"));
        await DecisionScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_staff_enter_other_grounds_for_their_own_department_once_and_an_entry_listed_three_years_is_escalated_with_an_alert()
    {
        await using var platform = await StartAsync();
        await DecisionScenarioAsync(platform);
    }

    private static async Task FindingScenarioAsync(InspectionPlatform platform)
    {
        using var revD1 = await platform.As("rev-d1");
        using var schedD1 = await platform.As("sched-d1");
        using var revD2 = await platform.As("rev-d2");
        using var visitor = platform.Host.Anonymous();
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
        var insp = await platform.AssignDirectAsync("TAB", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        await ReinspectionTests.RecordAndApproveAsync(platform, revD1, insp.InspectionId, "6");

        // One pending entry, entered by the inspection's commit: unreachable, due ten working days after the visit, decided by D1.
        var entry = Assert.Single((await ReadAsync(await revD1.GetAsync(Api), HttpStatusCode.OK)).EnumerateArray());
        var id = entry.GetProperty("id").GetString()!;
        var visited = ChinaTime.DateOf(platform.Clock.GetUtcNow().AddDays(-1));
        var listBy = WorkingCalendar.Default.AddWorkingDays(visited, 10);
        Assert.Equal(("pending", "unreachable", "finding", insp.InspectionId, "D1"), (entry.GetProperty("state").GetString(), entry.GetProperty("ground").GetProperty("code").GetString(),
            entry.GetProperty("source").GetString(), entry.GetProperty("sourceInspectionId").GetString(), entry.GetProperty("departmentCode").GetString()));
        Assert.Equal(Day(listBy), entry.GetProperty("listBy").GetString());
        Assert.Equal("通过登记的住所或者经营场所无法联系", entry.GetProperty("ground").GetProperty("nameZh").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'abnormal.pending' AND subject_key = @id", new { id }));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM credit_events WHERE event_key = @k", new { k = "abnormal:" + insp.InspectionId }));

        // Another department sees nothing and touches nothing; other roles are fenced off; bad input names the field.
        Assert.Empty((await ReadAsync(await revD2.GetAsync(Api), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(await revD2.GetAsync($"{Api}/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.PostAsJsonAsync($"{Api}/{id}/listing", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.GetAsync($"{Api}?department=D1"), HttpStatusCode.Forbidden);
        using (var inspector = await platform.As("insp-C0000"))
            Assert.Equal(HttpStatusCode.Forbidden, (await inspector.GetAsync(Api)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.GetAsync(Api)).StatusCode);
        var badView = await ProblemAsync(await revD1.GetAsync($"{Api}?view=late"), HttpStatusCode.BadRequest);
        Assert.True(badView.GetProperty("errors").TryGetProperty("view", out _));
        Assert.Empty((await ReadAsync(await visitor.GetAsync(Public), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());

        // Past the list-by date: overdue on the list and in the counts, one reminder to the department however often the sweep runs.
        platform.Clock.SetUtcNow(At(listBy.AddDays(1)));
        var overdue = Assert.Single((await ReadAsync(await revD1.GetAsync($"{Api}?view=overdue"), HttpStatusCode.OK)).EnumerateArray());
        Assert.True(overdue.GetProperty("overdue").GetBoolean());
        Assert.Equal(1, (await ReadAsync(await revD1.GetAsync($"{Api}/counts"), HttpStatusCode.OK)).GetProperty("overdue").GetInt64());
        await SweepAsync(platform);
        await SweepAsync(platform);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE recipient = 'department:D1' AND kind = 'abnormal-overdue' AND inspection_id = @id", new { id }));
        var inbox = await ReadAsync(await revD1.GetAsync("/api/my/notifications"), HttpStatusCode.OK);
        Assert.Contains(id, inbox.ToString(), StringComparison.Ordinal);

        // Listed (late, still allowed): public from now, one credit event dated the listing day; a repeat answers the same.
        var listed = await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/listing", new { decisionReference = "市监异〔2026〕7号" }), HttpStatusCode.OK);
        Assert.Equal("listed", listed.GetProperty("state").GetString());
        var listedOn = listed.GetProperty("listedOn").GetString();
        Assert.Equal(Day(listBy.AddDays(1)), listedOn);
        Assert.Equal(Day(listBy.AddDays(1).AddYears(3)), listed.GetProperty("escalationDueOn").GetString());
        var again = await ReadAsync(await schedD1.PostAsJsonAsync($"{Api}/{id}/listing", new { decisionReference = "other" }), HttpStatusCode.OK);
        Assert.Equal(listed.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'abnormal.listed' AND subject_key = @id", new { id }));
        Assert.Equal("AbnormalListed", await platform.ScalarTextAsync("SELECT kind FROM credit_events WHERE event_key = @k", new { k = "abnormal:" + insp.InspectionId }));

        var published = Assert.Single((await ReadAsync(await visitor.GetAsync(Public), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal((entity, "listed", listedOn, "市监异〔2026〕7号"), (published.GetProperty("entityCreditCode").GetString(), published.GetProperty("state").GetString(),
            published.GetProperty("listedOn").GetString(), published.GetProperty("decisionReference").GetString()));
        Assert.Equal(["id", "entityCreditCode", "entityName", "ground", "state", "listedOn", "decisionReference", "removedOn", "departmentCode", "departmentName"],
            published.EnumerateObject().Select(p => p.Name));
        await ProblemAsync(await visitor.GetAsync($"{Public}?ground=late"), HttpStatusCode.BadRequest);
        await ProblemAsync(await visitor.GetAsync($"{Public}?after=yesterday"), HttpStatusCode.BadRequest);

        // The entity applies through its link; without a valid link it is an unknown entity.
        var link = await ReadAsync(await schedD1.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { days = 7 }), HttpStatusCode.OK);
        var path = new Uri(link.GetProperty("url").GetString()!).PathAndQuery;
        var token = path[(path.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        var mine = $"/api/public/v1/entities/{entity}/abnormal-operations";
        await ProblemAsync(await visitor.GetAsync(mine + "?t=garbage"), HttpStatusCode.NotFound);
        await ProblemAsync(await visitor.PostAsJsonAsync($"{mine}/{id}/removal-application?t=garbage", new { evidence = "x" }), HttpStatusCode.NotFound);
        var empty = await ProblemAsync(await visitor.PostAsJsonAsync($"{mine}/{id}/removal-application?t={token}", new { evidence = " " }), HttpStatusCode.BadRequest);
        Assert.True(empty.GetProperty("errors").TryGetProperty("evidence", out _));
        var applied = await ReadAsync(await visitor.PostAsJsonAsync($"{mine}/{id}/removal-application?t={token}", new { evidence = "Lease of the registered address from 1 July" }), HttpStatusCode.OK);
        Assert.Equal("applied", applied.GetProperty("removalState").GetString());
        Assert.Equal(1, (await ReadAsync(await revD1.GetAsync($"{Api}/counts"), HttpStatusCode.OK)).GetProperty("removalApplications").GetInt64());

        // Rejected with a reason the entity reads; then a new application, approved: removed today, a removal credit event.
        var noReason = await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "reject" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "maybe" }), HttpStatusCode.BadRequest);
        await ProblemAsync(await revD2.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "approve" }), HttpStatusCode.NotFound);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "reject", reason = "The lease is not signed." }), HttpStatusCode.OK);
        var told = Assert.Single((await ReadAsync(await visitor.GetAsync($"{mine}?t={token}"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(("rejected", "The lease is not signed."), (told.GetProperty("removalState").GetString(), told.GetProperty("removalDecisionReason").GetString()));
        await ReadAsync(await schedD1.PostAsJsonAsync($"{Api}/{id}/removal-application", new { evidence = "Signed lease seen at the counter" }), HttpStatusCode.OK);
        var removed = await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "approve" }), HttpStatusCode.OK);
        Assert.Equal(("removed", "approved", listedOn), (removed.GetProperty("state").GetString(), removed.GetProperty("removalState").GetString(), removed.GetProperty("removedOn").GetString()));
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/removal-decision", new { decision = "approve" }), HttpStatusCode.OK);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'abnormal.removed' AND subject_key = @id", new { id }));
        Assert.Equal("AbnormalRemoved", await platform.ScalarTextAsync("SELECT kind FROM credit_events WHERE event_key = @k", new { k = "abnormal-removed:" + insp.InspectionId }));

        // The public list keeps the removal with its date; current=true leaves it out.
        var shown = Assert.Single((await ReadAsync(await visitor.GetAsync(Public), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal(("removed", listedOn), (shown.GetProperty("state").GetString(), shown.GetProperty("removedOn").GetString()));
        Assert.Empty((await ReadAsync(await visitor.GetAsync($"{Public}?current=true"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.DoesNotContain("lease", (await (await visitor.GetAsync(Public)).Content.ReadAsStringAsync()), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task DecisionScenarioAsync(InspectionPlatform platform)
    {
        using var schedD1 = await platform.As("sched-d1");
        using var schedD2 = await platform.As("sched-d2");
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code DESC LIMIT 1"))!;
        var today = ChinaTime.DateOf(platform.Clock.GetUtcNow());
        var body = new { entityCreditCode = entity, ground = "annual-report", facts = "2025 annual report not publicized by 30 June 2026", foundOn = Day(today) };

        foreach (var (bad, field) in new (object, string)[]
        {
            (new { entityCreditCode = entity, ground = "late", facts = "x", foundOn = Day(today) }, "ground"),
            (new { entityCreditCode = entity, ground = "publicity", facts = "", foundOn = Day(today) }, "facts"),
            (new { entityCreditCode = entity, ground = "publicity", facts = "x", foundOn = Day(today.AddDays(1)) }, "foundOn"),
            (new { entityCreditCode = "91110000600037341X", ground = "publicity", facts = "x", foundOn = Day(today) }, "entityCreditCode"),
        })
        {
            var problem = await ProblemAsync(await schedD1.PostAsJsonAsync(Api, bad), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {problem}");
        }
        await ProblemAsync(await schedD2.PostAsJsonAsync(Api, new { body.entityCreditCode, body.ground, body.facts, body.foundOn, departmentCode = "D1" }), HttpStatusCode.Forbidden);

        var created = await ReadAsync(await schedD1.PostAsJsonAsync(Api, body), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(("pending", "decision", "D1"), (created.GetProperty("state").GetString(), created.GetProperty("source").GetString(), created.GetProperty("departmentCode").GetString()));
        Assert.Equal(Day(WorkingCalendar.Default.AddWorkingDays(today, 10)), created.GetProperty("listBy").GetString());
        var repeat = await ReadAsync(await schedD1.PostAsJsonAsync(Api, body), HttpStatusCode.OK);
        Assert.Equal(id, repeat.GetProperty("id").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM abnormal_entries WHERE entity_credit_code = @entity", new { entity }));

        var listed = await ReadAsync(await schedD1.PostAsJsonAsync($"{Api}/{id}/listing", new { }), HttpStatusCode.OK);
        var due = DateOnly.Parse(listed.GetProperty("escalationDueOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(today.AddYears(3), due);

        // The day before: nothing. On the day: escalated once, an alert to the department, the credit event; the public list keeps it.
        platform.Clock.SetUtcNow(At(due.AddDays(-1)));
        Assert.Equal(0, (await SweepAsync(platform)).Escalated);
        platform.Clock.SetUtcNow(At(due));
        await SweepAsync(platform);
        await SweepAsync(platform);
        var escalated = await ReadAsync(await schedD1.GetAsync($"{Api}/{id}"), HttpStatusCode.OK);
        Assert.Equal(("escalated", Day(due)), (escalated.GetProperty("state").GetString(), escalated.GetProperty("escalatedOn").GetString()));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE recipient = 'department:D1' AND kind = 'abnormal-escalated' AND inspection_id = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'abnormal.escalated' AND subject_key = @id", new { id }));
        Assert.Equal("SeriousViolationListed", await platform.ScalarTextAsync("SELECT kind FROM credit_events WHERE event_key = @k", new { k = "serious:" + id }));
        Assert.Equal(1, (await ReadAsync(await schedD1.GetAsync($"{Api}/counts"), HttpStatusCode.OK)).GetProperty("escalated").GetInt64());
        using var visitor = platform.Host.Anonymous();
        Assert.Equal("escalated", Assert.Single((await ReadAsync(await visitor.GetAsync($"{Public}?current=true"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray())
            .GetProperty("state").GetString());
    }
}
