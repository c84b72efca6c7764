using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Core.Calendar;
using Supervision.Core.Cases;
using Supervision.Infrastructure.Cases;
using Supervision.Infrastructure.Credit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Cases;

/// <summary>
/// Follow-up cases (issue 19) through HTTP on PostgreSQL and on the embedded SQLite default: a violation found by an approved
/// inspection is opened as a case by the item's department, filed and concluded with a penalty; another one is referred to
/// another department and answered; other departments are refused; bad input names the field; the concluded outcomes come
/// out in commit order for the credit feed; an overdue step is reminded once on the deadline keeper's ticks.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FollowUpCaseTests(PostgresServer server)
{
    private const string Api = "/api/cases";

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [PostgresFact]
    public async Task On_postgres_a_finding_is_filed_and_concluded_with_a_penalty_and_a_referral_is_answered()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("cases_flow"));
        await ScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_a_finding_is_filed_and_concluded_with_a_penalty_and_a_referral_is_answered()
    {
        await using var platform = await StartAsync();
        await ScenarioAsync(platform);
    }

    [PostgresFact]
    public async Task On_postgres_an_overdue_decision_is_reminded_once_on_the_deadline_keepers_ticks() =>
        await ReminderAsync(await server.CreateDatabaseAsync("cases_reminder"));

    [Fact]
    public Task Embedded_an_overdue_decision_is_reminded_once_on_the_deadline_keepers_ticks() => ReminderAsync(null);

    /// <summary>An approved inspection of <paramref name="entity"/> whose item I1 (owned by D1) found <paramref name="code"/>.</summary>
    internal static async Task<string> FindingAsync(InspectionPlatform platform, HttpClient reviewer, string task, string entity, string code)
    {
        var insp = await platform.AssignDirectAsync(task, entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        await ReinspectionTests.RecordAndApproveAsync(platform, reviewer, insp.InspectionId, code);
        return insp.InspectionId;
    }

    private static async Task ScenarioAsync(InspectionPlatform platform)
    {
        using var revD1 = await platform.As("rev-d1");
        using var schedD1 = await platform.As("sched-d1");
        using var revD2 = await platform.As("rev-d2");
        using var visitor = platform.Host.Anonymous();
        List<string> codes;
        await using (var connection = await platform.Store.OpenAsync())
            codes = [.. await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 3")];
        var first = await FindingAsync(platform, revD1, "TCS1", codes[0], "B");
        var clean = await FindingAsync(platform, revD1, "TCS2", codes[1], "1");

        // The violation is offered to D1 as a finding without a case; the clean result is not; D2 sees none of D1's.
        var findings = await ReadAsync(await revD1.GetAsync($"{Api}/findings"), HttpStatusCode.OK);
        var offered = Assert.Single(findings.EnumerateArray());
        Assert.Equal((first, "I1", "B"), (offered.GetProperty("inspectionId").GetString(), offered.GetProperty("itemCode").GetString(),
            offered.GetProperty("resultCodes")[0].GetString()));
        Assert.Empty((await ReadAsync(await revD2.GetAsync($"{Api}/findings"), HttpStatusCode.OK)).EnumerateArray());

        // Bad input names the field; a clean result has nothing to follow; another department is refused; an unknown inspection is 404.
        var missing = await ProblemAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId = first }), HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("itemCode", out _), missing.ToString());
        var notViolation = await ProblemAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId = clean, itemCode = "I1" }), HttpStatusCode.BadRequest);
        Assert.True(notViolation.GetProperty("errors").TryGetProperty("itemCode", out _), notViolation.ToString());
        await ProblemAsync(await revD2.PostAsJsonAsync(Api, new { inspectionId = first, itemCode = "I1" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId = "T0/none", itemCode = "I1" }), HttpStatusCode.NotFound);
        using (var inspector = await platform.As("insp-C0000"))
            Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsJsonAsync(Api, new { inspectionId = first, itemCode = "I1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.GetAsync(Api)).StatusCode);

        // Opened: due to be decided 15 working days after the approval; a repeat answers the same case.
        var opened = await ReadAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId = first, itemCode = "I1", facts = "unlicensed sale of prepackaged food" }),
            HttpStatusCode.Created);
        var id = opened.GetProperty("id").GetString()!;
        var approvedOn = DateOnly.Parse(opened.GetProperty("foundOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(("open", "D1", Day(WorkingCalendar.Default.AddWorkingDays(approvedOn, 15))),
            (opened.GetProperty("state").GetString(), opened.GetProperty("departmentCode").GetString(), opened.GetProperty("dueOn").GetString()));
        var again = await ReadAsync(await schedD1.PostAsJsonAsync(Api, new { inspectionId = first, itemCode = "I1" }), HttpStatusCode.OK);
        Assert.Equal((id, 1L), (again.GetProperty("id").GetString(), again.GetProperty("version").GetInt64()));
        Assert.Empty((await ReadAsync(await revD1.GetAsync($"{Api}/findings"), HttpStatusCode.OK)).EnumerateArray());

        // Another department neither sees nor touches it.
        await ProblemAsync(await revD2.GetAsync($"{Api}/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.PostAsJsonAsync($"{Api}/{id}/filing", new { caseNumber = "x", legalGround = "y" }), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.GetAsync($"{Api}?department=D1"), HttpStatusCode.Forbidden);
        Assert.Empty((await ReadAsync(await revD2.GetAsync(Api), HttpStatusCode.OK)).EnumerateArray());

        // Filed (立案): a bad filing names its fields; the case is then due to be concluded 90 working days on.
        var badFiling = await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/filing", new { caseNumber = " ", handlerDepartment = "D9" }), HttpStatusCode.BadRequest);
        Assert.True(badFiling.GetProperty("errors").TryGetProperty("handlerDepartment", out _), badFiling.ToString());
        var noNumber = await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/filing", new { legalGround = "《食品安全法》第一百二十二条" }), HttpStatusCode.BadRequest);
        Assert.True(noNumber.GetProperty("errors").TryGetProperty("caseNumber", out _), noNumber.ToString());
        var filed = await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/filing",
            new { caseNumber = "市监立〔2026〕31号", legalGround = "《食品安全法》第一百二十二条", handlerDepartment = "D1" }), HttpStatusCode.OK);
        var today = ChinaTime.DateOf(platform.Clock.GetUtcNow());
        Assert.Equal(("filed", Day(today), Day(WorkingCalendar.Default.AddWorkingDays(today, 90))),
            (filed.GetProperty("state").GetString(), filed.GetProperty("filedOn").GetString(), filed.GetProperty("dueOn").GetString()));
        await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/referral", new { kind = "judicial", to = "某区人民检察院", reason = "x" }), HttpStatusCode.Conflict);

        // Concluded with a penalty: the amount and the decision number are required.
        var noAmount = await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "penalty", decisionNumber = "市监罚〔2026〕8号" }),
            HttpStatusCode.BadRequest);
        Assert.True(noAmount.GetProperty("errors").TryGetProperty("penaltyAmount", out _), noAmount.ToString());
        var wrongOutcome = await ProblemAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "referral-accepted" }), HttpStatusCode.BadRequest);
        Assert.True(wrongOutcome.GetProperty("errors").TryGetProperty("outcome", out _), wrongOutcome.ToString());
        var concluded = await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/conclusion",
            new { outcome = "penalty", penaltyAmount = 5000.50m, decisionNumber = "市监罚〔2026〕8号" }), HttpStatusCode.OK);
        Assert.Equal(("concluded", "penalty", 5000.50m, "市监罚〔2026〕8号"), (concluded.GetProperty("state").GetString(), concluded.GetProperty("outcome").GetString(),
            concluded.GetProperty("penaltyAmount").GetDecimal(), concluded.GetProperty("decisionNumber").GetString()));
        Assert.Equal(JsonValueKind.Null, concluded.GetProperty("dueOn").ValueKind);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "penalty", penaltyAmount = 5000.50m, decisionNumber = "市监罚〔2026〕8号" }),
            HttpStatusCode.OK);
        foreach (var action in new[] { "case.open", "case.filed", "case.concluded" })
            Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = @action AND subject_key = @id", new { action, id }));

        // A referral to another department of the platform, through to its answer.
        var second = await FindingAsync(platform, revD1, "TCS3", codes[2], "A");
        var referId = (await ReadAsync(await schedD1.PostAsJsonAsync(Api, new { inspectionId = second, itemCode = "I1" }), HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var badKind = await ProblemAsync(await schedD1.PostAsJsonAsync($"{Api}/{referId}/referral", new { kind = "court", to = "x", reason = "y" }), HttpStatusCode.BadRequest);
        Assert.True(badKind.GetProperty("errors").TryGetProperty("kind", out _), badKind.ToString());
        var unknownDepartment = await ProblemAsync(await schedD1.PostAsJsonAsync($"{Api}/{referId}/referral", new { kind = "department", to = "D9", reason = "y" }),
            HttpStatusCode.BadRequest);
        Assert.True(unknownDepartment.GetProperty("errors").TryGetProperty("to", out _), unknownDepartment.ToString());
        var referred = await ReadAsync(await schedD1.PostAsJsonAsync($"{Api}/{referId}/referral",
            new { kind = "department", to = "D2", reason = "the violation falls under D2's competence" }), HttpStatusCode.OK);
        Assert.Equal(("referred", "department", "D2", Day(WorkingCalendar.Default.AddWorkingDays(today, 30))), (referred.GetProperty("state").GetString(),
            referred.GetProperty("referralKind").GetString(), referred.GetProperty("referredTo").GetString(), referred.GetProperty("dueOn").GetString()));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE recipient = 'department:D2' AND kind = 'case-referred' AND inspection_id = @referId",
            new { referId }));
        var noReason = await ProblemAsync(await schedD1.PostAsJsonAsync($"{Api}/{referId}/conclusion", new { outcome = "referral-returned" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _), noReason.ToString());
        var answered = await ReadAsync(await schedD1.PostAsJsonAsync($"{Api}/{referId}/conclusion",
            new { outcome = "referral-accepted", decisionNumber = "D2受〔2026〕4号" }), HttpStatusCode.OK);
        Assert.Equal(("concluded", "referral-accepted"), (answered.GetProperty("state").GetString(), answered.GetProperty("outcome").GetString()));

        // The ledger and its counts; the concluded outcomes in commit order for the credit feed.
        var counts = await ReadAsync(await revD1.GetAsync($"{Api}/counts"), HttpStatusCode.OK);
        Assert.Equal((0L, 2L, 0L), (counts.GetProperty("open").GetInt64(), counts.GetProperty("concluded").GetInt64(), counts.GetProperty("overdue").GetInt64()));
        Assert.Equal(2, (await ReadAsync(await revD1.GetAsync($"{Api}?view=concluded"), HttpStatusCode.OK)).GetArrayLength());
        await ProblemAsync(await revD1.GetAsync($"{Api}?view=late"), HttpStatusCode.BadRequest);
        var feed = await platform.Host.Services.GetRequiredService<CreditFeedStore>().CasesAfterAsync(0, 10);
        Assert.Equal([(id, CaseOutcomes.Penalty, (decimal?)5000.50m, (string?)null), (referId, CaseOutcomes.ReferralAccepted, null, ReferralKinds.Department)],
            feed.Select(o => (o.CaseId, o.Outcome, o.PenaltyAmount, o.ReferralKind)));
        Assert.Empty(await platform.Host.Services.GetRequiredService<CreditFeedStore>().CasesAfterAsync(feed[^1].Seq, 10));
    }

    private static async Task ReminderAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres, now: DateTimeOffset.UtcNow,
            settings: new Dictionary<string, string?> { ["Supervision:Inspections:CatchUpPeriod"] = "00:00:02", ["Supervision:Cases:DecideWorkingDays"] = "5" });
        using var revD1 = await platform.As("rev-d1");
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
        var inspectionId = await FindingAsync(platform, revD1, "TCR", entity, "B");
        var opened = await ReadAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId, itemCode = "I1" }), HttpStatusCode.Created);
        var id = opened.GetProperty("id").GetString()!;
        var dueOn = DateOnly.Parse(opened.GetProperty("dueOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var foundOn = DateOnly.Parse(opened.GetProperty("foundOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WorkingCalendar.Default.AddWorkingDays(foundOn, 5), dueOn);
        const string Sent = "SELECT count(*) FROM notifications WHERE inspection_id = @id AND recipient = 'department:D1' AND kind = 'case-overdue'";

        // On its due date nothing; the day after, one reminder however many ticks pass; the version does not move.
        platform.Clock.SetUtcNow(MorningOf(dueOn));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(0, await platform.ScalarAsync(Sent, new { id }));
        platform.Clock.SetUtcNow(MorningOf(dueOn.AddDays(1)));
        await platform.WaitForCountAsync(Sent, 1, new { id });
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await platform.ScalarAsync(Sent, new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.overdue' AND subject_key = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT version FROM follow_up_cases WHERE case_id = @id", new { id }));
        var overdue = Assert.Single((await ReadAsync(await revD1.GetAsync($"{Api}?view=overdue"), HttpStatusCode.OK)).EnumerateArray());
        Assert.True(overdue.GetProperty("overdue").GetBoolean());

        // Filed late, the next step has its own deadline and is not overdue.
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/filing", new { caseNumber = "市监立〔2026〕40号", legalGround = "《广告法》第五十五条" }), HttpStatusCode.OK);
        Assert.Empty(await platform.Host.Services.GetRequiredService<CaseRepository>().OverdueAsync(dueOn.AddDays(1), 10));
    }

    /// <summary>10:00 in Beijing on <paramref name="day"/>.</summary>
    private static DateTimeOffset MorningOf(DateOnly day) => new(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
}
