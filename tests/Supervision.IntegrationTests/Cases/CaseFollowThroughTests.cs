using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Contracts.Credit;
using Supervision.Core.Cases;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Cases;

/// <summary>
/// Follow-up cases carried through (issue 19, "Follow-up cases"), on PostgreSQL and on the embedded SQLite default: the
/// department a case was referred to sees it in its ledger and records its answer, a third department cannot; a penalty
/// reaches the credit feed and the entity's explanation names the case, a no-penalty conclusion adds nothing; an approved
/// amendment that removes the violation withdraws the case, one that keeps it leaves the case open.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CaseFollowThroughTests(PostgresServer server)
{
    private const string Api = "/api/cases";

    [PostgresFact]
    public async Task On_postgres_the_receiving_department_answers_a_referral() => await ReferralAsync(await server.CreateDatabaseAsync("cases_received"));

    [Fact]
    public Task Embedded_the_receiving_department_answers_a_referral() => ReferralAsync(null);

    [PostgresFact]
    public async Task On_postgres_a_penalty_reaches_the_credit_feed_and_a_no_penalty_does_not() => await CreditAsync(await server.CreateDatabaseAsync("cases_credit"));

    [Fact]
    public Task Embedded_a_penalty_reaches_the_credit_feed_and_a_no_penalty_does_not() => CreditAsync(null);

    [PostgresFact]
    public async Task On_postgres_an_amendment_withdraws_the_case_of_a_violation_it_removes_and_keeps_one_it_keeps() =>
        await AmendmentAsync(await server.CreateDatabaseAsync("cases_amended"));

    [Fact]
    public Task Embedded_an_amendment_withdraws_the_case_of_a_violation_it_removes_and_keeps_one_it_keeps() => AmendmentAsync(null);

    private static async Task<string[]> EntitiesAsync(Inspections.InspectionPlatform platform, int count)
    {
        await using var connection = await platform.Store.OpenAsync();
        return [.. await Dapper.SqlMapper.QueryAsync<string>(connection, $"SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT {count}")];
    }

    /// <summary>A case opened by D1 on a violation found at its item I1 of a new approved inspection of <paramref name="entity"/>.</summary>
    private static async Task<(string CaseId, string InspectionId)> OpenedAsync(Inspections.InspectionPlatform platform, HttpClient revD1, string task, string entity,
        string code = "B")
    {
        var inspectionId = await FollowUpCaseTests.FindingAsync(platform, revD1, task, entity, code);
        var opened = await ReadAsync(await revD1.PostAsJsonAsync(Api, new { inspectionId, itemCode = "I1" }), HttpStatusCode.Created);
        return (opened.GetProperty("id").GetString()!, inspectionId);
    }

    private static async Task ReferralAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        using var revD1 = await platform.As("rev-d1");
        using var revD2 = await platform.As("rev-d2");
        using var schedD2 = await platform.As("sched-d2");
        using var revD3 = await platform.As("rev-d3");
        var entities = await EntitiesAsync(platform, 2);
        var (id, _) = await OpenedAsync(platform, revD1, "TRF1", entities[0]);

        // Before the referral D2 has nothing to see; then the case is in its received view and counts, and nowhere in D3's.
        await ProblemAsync(await revD2.GetAsync($"{Api}/{id}"), HttpStatusCode.NotFound);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/referral", new { kind = "department", to = "D2", reason = "a licensing matter: D2's competence" }),
            HttpStatusCode.OK);
        var received = Assert.Single((await ReadAsync(await revD2.GetAsync($"{Api}?view=received"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal((id, "D1", "referred"), (received.GetProperty("id").GetString(), received.GetProperty("departmentCode").GetString(),
            received.GetProperty("state").GetString()));
        Assert.Equal(1, (await ReadAsync(await revD2.GetAsync($"{Api}/counts"), HttpStatusCode.OK)).GetProperty("received").GetInt64());
        Assert.Empty((await ReadAsync(await revD2.GetAsync(Api), HttpStatusCode.OK)).EnumerateArray());
        Assert.Empty((await ReadAsync(await revD1.GetAsync($"{Api}?view=received"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Empty((await ReadAsync(await revD3.GetAsync($"{Api}?view=received"), HttpStatusCode.OK)).EnumerateArray());
        await ReadAsync(await revD2.GetAsync($"{Api}/{id}"), HttpStatusCode.OK);

        // A third department neither sees nor answers it; the receiver answers and does nothing else.
        await ProblemAsync(await revD3.GetAsync($"{Api}/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await revD3.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "referral-accepted" }), HttpStatusCode.NotFound);
        using (var inspectorD2 = await platform.As("insp-C0100"))
            Assert.Equal(HttpStatusCode.Forbidden, (await inspectorD2.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "referral-accepted" })).StatusCode);
        await ProblemAsync(await revD2.PostAsJsonAsync($"{Api}/{id}/withdrawal", new { reason = "not ours" }), HttpStatusCode.Forbidden);
        var noReason = await ProblemAsync(await schedD2.PostAsJsonAsync($"{Api}/{id}/conclusion", new { outcome = "referral-returned" }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _), noReason.ToString());
        var answered = await ReadAsync(await schedD2.PostAsJsonAsync($"{Api}/{id}/conclusion",
            new { outcome = "referral-returned", reason = "the licence was issued by the province: refer it there" }), HttpStatusCode.OK);
        Assert.Equal(("concluded", "referral-returned", "sched-d2"), (answered.GetProperty("state").GetString(), answered.GetProperty("outcome").GetString(),
            answered.GetProperty("closedBy").GetString()));

        // The owner sees the answer and was told; the received view is empty again; the audit line names the receiver.
        var seen = await ReadAsync(await revD1.GetAsync($"{Api}/{id}"), HttpStatusCode.OK);
        Assert.Equal(("referral-returned", "the licence was issued by the province: refer it there"), (seen.GetProperty("outcome").GetString(),
            seen.GetProperty("reason").GetString()));
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM notifications WHERE recipient = 'department:D1' AND kind = 'case-referral-answered' AND inspection_id = @id", new { id }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.concluded' AND subject_key = @id AND actor = 'sched-d2'", new { id }));
        Assert.Empty((await ReadAsync(await revD2.GetAsync($"{Api}?view=received"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(0, (await ReadAsync(await revD2.GetAsync($"{Api}/counts"), HttpStatusCode.OK)).GetProperty("received").GetInt64());

        // The workbench page of the receiver lists a pending referral with its answer form.
        var (other, _) = await OpenedAsync(platform, revD1, "TRF2", entities[1]);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{other}/referral", new { kind = "department", to = "D2", reason = "also D2's" }), HttpStatusCode.OK);
        using var pageD2 = await platform.Host.CookieSessionAsync("rev-d2", Password);
        using var pageD3 = await platform.Host.CookieSessionAsync("rev-d3", Password);
        Assert.Contains($"data-testid=\"answer-{other}\"", await pageD2.GetStringAsync("/app/cases"));
        Assert.DoesNotContain(other, await pageD3.GetStringAsync("/app/cases"));
    }

    private static async Task CreditAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        using var revD1 = await platform.As("rev-d1");
        var entities = await EntitiesAsync(platform, 2);
        var feed = platform.Grains.GetGrain<ICreditFeedGrain>(ICreditFeedGrain.DefaultKey);

        // Two findings, each a case; the feed takes in the inspection outcomes first.
        var (penalised, _) = await OpenedAsync(platform, revD1, "TCC1", entities[0]);
        var (spared, _) = await OpenedAsync(platform, revD1, "TCC2", entities[1]);
        await feed.RunOnce();
        var before = await CreditAsync(revD1, entities[0]);
        var spareBefore = await CreditAsync(revD1, entities[1]);
        Assert.DoesNotContain(Contributions(before), c => c.GetProperty("source").GetString() == "case");

        foreach (var id in new[] { penalised, spared })
            await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{id}/filing", new { caseNumber = "市监立〔2026〕5" + id[^2..], legalGround = "《广告法》第五十五条" }),
                HttpStatusCode.OK);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{penalised}/conclusion", new { outcome = "penalty", penaltyAmount = 20000m, decisionNumber = "市监罚〔2026〕21号" }),
            HttpStatusCode.OK);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{spared}/conclusion", new { outcome = "no-penalty", reason = "first offence, corrected at once" }),
            HttpStatusCode.OK);
        var report = await feed.RunOnce();
        Assert.True(report.CasesRead >= 2, $"cases read: {report.CasesRead}");
        Assert.True(report.CaseCheckpoint > 0);

        // The penalty: a serious penalty (20 000 yuan) in the explanation, naming the case and the decision; the score fell by it.
        var after = await CreditAsync(revD1, entities[0]);
        var penalty = Assert.Single(Contributions(after), c => c.GetProperty("source").GetString() == "case");
        Assert.Equal(("ExternalPenalty", "Serious", -20.0), (penalty.GetProperty("kind").GetString(), penalty.GetProperty("severity").GetString(),
            penalty.GetProperty("baseImpact").GetDouble()));
        Assert.Contains(penalised, penalty.GetProperty("reference").GetString());
        Assert.Contains("市监罚〔2026〕21号", penalty.GetProperty("reference").GetString());
        Assert.True(after.GetProperty("score").GetDouble() < before.GetProperty("score").GetDouble() - 19,
            $"{before.GetProperty("score").GetDouble()} → {after.GetProperty("score").GetDouble()}");

        // The no-penalty conclusion added nothing: the same contributions as before.
        var spareAfter = await CreditAsync(revD1, entities[1]);
        Assert.Equal(Keys(spareBefore), Keys(spareAfter));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM credit_events WHERE event_key = @key", new { key = "case:" + spared }));

        // Idempotent and durable: from the start again nothing changes (one event per case, the same score).
        await platform.ScalarAsync("UPDATE credit_feed_checkpoints SET last_seq = 0 WHERE stream = 'case-outcomes'");
        await feed.RunOnce();
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM credit_events WHERE event_key = @key", new { key = "case:" + penalised }));
        Assert.Single(Contributions(await CreditAsync(revD1, entities[0])), c => c.GetProperty("source").GetString() == "case");
    }

    private static async Task<JsonElement> CreditAsync(HttpClient staff, string entity) =>
        (await ReadAsync(await staff.GetAsync($"/api/credit/entities/{entity}"), HttpStatusCode.OK)).GetProperty("credit");

    private static IEnumerable<JsonElement> Contributions(JsonElement credit) => credit.GetProperty("contributions").EnumerateArray();

    private static List<string> Keys(JsonElement credit) => [.. Contributions(credit).Select(c => c.GetProperty("eventKey").GetString()!).Order()];

    private static async Task AmendmentAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        using var revD1 = await platform.As("rev-d1");
        var entities = await EntitiesAsync(platform, 2);
        var (removed, removedInspection) = await OpenedAsync(platform, revD1, "TAM1", entities[0]);
        var (kept, keptInspection) = await OpenedAsync(platform, revD1, "TAM2", entities[1]);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{removed}/referral", new { kind = "department", to = "D2", reason = "D2's competence" }), HttpStatusCode.OK);
        await ReadAsync(await revD1.PostAsJsonAsync($"{Api}/{kept}/filing", new { caseNumber = "市监立〔2026〕77号", legalGround = "《广告法》第五十五条" }),
            HttpStatusCode.OK);

        // The first amendment says there was no problem after all: once approved, the referred case is withdrawn by the system.
        await AmendAsync(platform, revD1, removedInspection, "1", "the goods were licensed: the licence was shown afterwards");
        var withdrawn = await ReadAsync(await revD1.GetAsync($"{Api}/{removed}"), HttpStatusCode.OK);
        Assert.Equal(("withdrawn", CaseWorkflow.AmendmentActor.Username, 2), (withdrawn.GetProperty("state").GetString(), withdrawn.GetProperty("closedBy").GetString(),
            withdrawn.GetProperty("findingVersion").GetInt32()));
        Assert.Contains("amendment version 2", withdrawn.GetProperty("reason").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.withdrawn' AND subject_key = @removed AND actor = @actor",
            new { removed, actor = CaseWorkflow.AmendmentActor.Username }));
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM notifications WHERE recipient = 'department:D2' AND kind = 'case-withdrawn' AND inspection_id = @removed", new { removed }));

        // The second amendment keeps a violation (corrected on order): the filed case stays, resting on the new version.
        await AmendAsync(platform, revD1, keptInspection, "E", "the owner corrected it on the spot");
        var stays = await ReadAsync(await revD1.GetAsync($"{Api}/{kept}"), HttpStatusCode.OK);
        Assert.Equal(("filed", 2, "E"), (stays.GetProperty("state").GetString(), stays.GetProperty("findingVersion").GetInt32(),
            stays.GetProperty("resultCodes")[0].GetString()));
        Assert.Equal(JsonValueKind.Null, stays.GetProperty("reason").ValueKind);

        // Taken in once: the deadline keeper's pass (what catches up after a crash) finds nothing left to do.
        var run = await platform.Grains.GetGrain<Contracts.Cases.ICaseReminderGrain>(Contracts.Cases.ICaseReminderGrain.DefaultKey).Run();
        Assert.Equal(0, run.Amended);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.withdrawn' AND subject_key = @removed", new { removed }));

        // A case that missed its amendment (as after a crash between the inspection's commit and the call) is caught up by the pass, once.
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.finding-amended' AND subject_key = @kept", new { kept }));
        await platform.ScalarAsync("UPDATE follow_up_cases SET finding_version = 1 WHERE case_id = @kept", new { kept });
        run = await platform.Grains.GetGrain<Contracts.Cases.ICaseReminderGrain>(Contracts.Cases.ICaseReminderGrain.DefaultKey).Run();
        Assert.Equal(1, run.Amended);
        Assert.Equal(2, (await ReadAsync(await revD1.GetAsync($"{Api}/{kept}"), HttpStatusCode.OK)).GetProperty("findingVersion").GetInt32());
        Assert.Equal(2, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'case.finding-amended' AND subject_key = @kept", new { kept }));
    }

    /// <summary>The lead inspector amends item I1 of <paramref name="inspectionId"/> to <paramref name="code"/>, and D1's reviewer approves it.</summary>
    private static async Task AmendAsync(Inspections.InspectionPlatform platform, HttpClient revD1, string inspectionId, string code, string reason)
    {
        var url = "/api/inspections/" + inspectionId;
        using var lead = await platform.As("insp-C0000");
        var items = ((dynamic)platform.Results([("I1", [code])])).items;
        await ReadAsync(await lead.PostAsJsonAsync(url + "/amend", new { items, reason }), HttpStatusCode.OK);
        var approved = await ReadAsync(await revD1.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("state").GetString());
    }
}
