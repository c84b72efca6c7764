using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Supervision.Contracts.Publication;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// Retention, redaction and the listing indicators (issue 19) through HTTP, on the embedded SQLite default and on PostgreSQL.
/// Retention: two results published the same day, one of an individual business (a natural person) and one of a company;
/// under the fake clock the daily expiry job withdraws the first after two years and the second after five — from the public
/// entity page, search (by credit code and by name), the open-data JSON and the bulk files, whose checksums are generated
/// again and match the new bytes — while the staff still read both; a removed abnormal listing leaves the public list the
/// same way. Redaction: a reviewer withholds the amendment's reason and the team's names before publication; no public
/// answer or bulk file carries them, each carries the category. Indicators: the list's listings, removals and escalations.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RetentionTests(PostgresServer server)
{
    private const string OpenData = "/api/public/v1";

    private static readonly DateTimeOffset Published = InspectionPlatform.DefaultNow; // 2026-06-01, 10:00 Beijing

    private static DateTimeOffset At(int year, int month, int day) => new(year, month, day, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Embedded_a_natural_persons_result_leaves_every_public_surface_after_two_years_and_a_companys_after_five()
    {
        await using var platform = await StartAsync(settings: Unthrottled);
        await RetentionScenarioAsync(platform);
    }

    [PostgresFact]
    public async Task On_postgres_a_natural_persons_result_leaves_every_public_surface_after_two_years_and_a_companys_after_five()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("retention_expiry"), settings: Unthrottled);
        await RetentionScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_withheld_fields_never_reach_a_public_answer_or_bulk_file_and_their_category_does()
    {
        await using var platform = await StartAsync(settings: Unthrottled);
        await RedactionScenarioAsync(platform);
    }

    [PostgresFact]
    public async Task On_postgres_withheld_fields_never_reach_a_public_answer_or_bulk_file_and_their_category_does()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("retention_redaction"), settings: Unthrottled);
        await RedactionScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_the_indicators_count_the_lists_listings_removals_and_escalations_per_year_and_department()
    {
        await using var platform = await StartAsync(settings: Unthrottled);
        await IndicatorScenarioAsync(platform);
    }

    [PostgresFact]
    public async Task On_postgres_the_indicators_count_the_lists_listings_removals_and_escalations_per_year_and_department()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("retention_indicators"), settings: Unthrottled);
        await IndicatorScenarioAsync(platform);
    }

    private static Dictionary<string, string?> Unthrottled => new() { ["Supervision:Public:PermitLimit"] = "100000" };

    private static Task<RetentionRun> ExpireAsync(InspectionPlatform platform) =>
        platform.Grains.GetGrain<IRetentionGrain>(IRetentionGrain.DefaultKey).Run();

    private static async Task RetentionScenarioAsync(InspectionPlatform platform)
    {
        var steps = new PublicationSteps(platform);
        using var sched = await platform.As("sched-d1");
        using var reviewer = await platform.As("rev-d1");
        var task = await DrawnTaskAsync(sched, joint: false);
        var ids = (await ReadAsync(await sched.PostAsync($"/api/tasks/{task}/dispatch", null), HttpStatusCode.OK))
            .GetProperty("inspectionIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var (person, company) = (ids[0], ids[1]);
        var (personCode, companyCode) = (PortalScenario.Entity(person), PortalScenario.Entity(company));
        // The directory records the entity type (the credit code's first two characters); 92 is an individual business.
        await using (var connection = await platform.Store.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE market_entities SET entity_type = '92' WHERE credit_code = @personCode", new { personCode });
            await connection.ExecuteAsync("UPDATE market_entities SET entity_type = '91' WHERE credit_code = @companyCode", new { companyCode });
        }
        var personName = await platform.ScalarTextAsync("SELECT name FROM market_entities WHERE credit_code = @personCode", new { personCode });

        foreach (var id in new[] { person, company })
        {
            await steps.CompleteAsync(id, ["1"]);
            await ReadAsync(await reviewer.PostAsync($"/api/inspections/{id}/publish", null), HttpStatusCode.OK);
        }

        // Removed abnormal listings of the same two entities, removed the day of the publications.
        await using (var connection = await platform.Store.OpenAsync())
        {
            foreach (var (entry, code) in new[] { ("ab-retention-person", personCode), ("ab-retention-company", companyCode) })
                await InsertEntryAsync(connection, entry, code, "D1", listedOn: new DateOnly(2025, 6, 1), removedOn: new DateOnly(2026, 6, 1), escalatedOn: null);
        }

        using var anonymous = platform.Host.Anonymous();
        // The bulk file is requested before anything expires, so its checksum is stored and must be replaced.
        var before = await anonymous.GetByteArrayAsync($"{OpenData}/downloads/2026/all.csv");
        Assert.Contains(person, Text(before));
        var storedBefore = await platform.ScalarTextAsync("SELECT sha256 FROM published_exports WHERE year = 2026 AND department = '' AND format = 'csv'");
        Assert.Equal(Sha256(before), storedBefore);

        // The day before the natural person's two years end: nothing leaves.
        platform.Clock.SetUtcNow(At(2028, 5, 31));
        await ExpireAsync(platform);
        await AssertPublicAsync(anonymous, person, personCode, personName!, isPublic: true);
        await AssertPublicAsync(anonymous, company, companyCode, null, isPublic: true);
        Assert.Equal(2, (await PublicListAsync(anonymous)).Count(e => e.StartsWith("ab-retention-", StringComparison.Ordinal)));

        // Two years to the day: the natural person's result and listing are withdrawn; the company's, as old, stay.
        platform.Clock.SetUtcNow(At(2028, 6, 1));
        var run = await ExpireAsync(platform);
        Assert.Equal(new DateOnly(2028, 6, 1), run.Today);
        await AssertPublicAsync(anonymous, person, personCode, personName!, isPublic: false);
        await AssertPublicAsync(anonymous, company, companyCode, null, isPublic: true);
        var listed = await PublicListAsync(anonymous);
        Assert.DoesNotContain("ab-retention-person", listed);
        Assert.Contains("ab-retention-company", listed);

        // The bulk files were generated again by the job: their stored checksums are of the new bytes, which hold the
        // company's result and not the natural person's.
        foreach (var (department, format) in new[] { ("all", "csv"), ("all", "json"), ("D1", "csv"), ("D1", "json") })
        {
            var stored = await platform.ScalarTextAsync(
                "SELECT sha256 FROM published_exports WHERE year = 2026 AND department = @department AND format = @format",
                new { department = department == "all" ? "" : department, format });
            Assert.NotNull(stored);
            var bytes = await anonymous.GetByteArrayAsync($"{OpenData}/downloads/2026/{department}.{format}");
            Assert.Equal(Sha256(bytes), stored);
            var line = await anonymous.GetStringAsync($"{OpenData}/checksums/2026/{department}.{format}");
            Assert.StartsWith(Sha256(bytes) + "  ", line, StringComparison.Ordinal);
            Assert.DoesNotContain(person, Text(bytes));
            Assert.Contains(company, Text(bytes));
        }
        Assert.NotEqual(storedBefore, await platform.ScalarTextAsync("SELECT sha256 FROM published_exports WHERE year = 2026 AND department = '' AND format = 'csv'"));
        var manifest = await ReadAsync(await anonymous.GetAsync($"{OpenData}/downloads"), HttpStatusCode.OK);
        var allCsv = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("department").GetString() == "all" && f.GetProperty("format").GetString() == "csv");
        Assert.Equal(Sha256(await anonymous.GetByteArrayAsync($"{OpenData}/downloads/2026/all.csv")), allCsv.GetProperty("sha256").GetString());

        // The staff still read the withdrawn result; the record says what left and when; one audit line per run with counts.
        var staffView = await ReadAsync(await reviewer.GetAsync($"/api/inspections/{person}"), HttpStatusCode.OK);
        Assert.Equal("Published", staffView.GetProperty("state").GetString());
        Assert.Equal(2, int.Parse((await platform.ScalarTextAsync(
            "SELECT count(*) FROM published_results WHERE inspection_id = @person OR inspection_id = @company", new { person, company }))!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("natural-person", await platform.ScalarTextAsync(
            "SELECT subject_kind FROM public_withdrawals WHERE record_kind = 'result' AND record_id = @person", new { person }));
        Assert.Equal("2028-06-01", await platform.ScalarTextAsync(
            "SELECT CAST(expired_on AS text) FROM public_withdrawals WHERE record_kind = 'abnormal-listing' AND record_id = 'ab-retention-person'"));
        var audit = await platform.ScalarTextAsync(
            "SELECT after_json FROM audit_log WHERE action = 'publication.retention' AND subject_key = '2028-06-01'");
        Assert.NotNull(audit);
        using (var counts = JsonDocument.Parse(audit))
        {
            Assert.Equal(1, counts.RootElement.GetProperty("resultsWithdrawn").GetInt32());
            Assert.Equal(1, counts.RootElement.GetProperty("listingsWithdrawn").GetInt32());
        }

        // Idempotent: the same day again withdraws nothing and writes no second audit line.
        var again = await ExpireAsync(platform);
        Assert.False(again.Ran);
        Assert.Equal("1", await platform.ScalarTextAsync("SELECT count(*) FROM audit_log WHERE action = 'publication.retention' AND subject_key = '2028-06-01'"));

        // Five years on, the company's result and listing leave as well.
        platform.Clock.SetUtcNow(At(2031, 6, 1));
        await ExpireAsync(platform);
        await AssertPublicAsync(anonymous, company, companyCode, null, isPublic: false);
        Assert.DoesNotContain("ab-retention-company", await PublicListAsync(anonymous));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"{OpenData}/downloads/2026/all.csv")).StatusCode);
    }

    /// <summary>Every public surface of a result: the entity's page and JSON, search by credit code (and name), and the JSON search.</summary>
    private static async Task AssertPublicAsync(HttpClient anonymous, string inspectionId, string code, string? name, bool isPublic)
    {
        var entity = await anonymous.GetAsync($"{OpenData}/entities/{code}");
        var entityText = await entity.Content.ReadAsStringAsync();
        Assert.Equal(isPublic, entityText.Contains(inspectionId, StringComparison.Ordinal));
        var page = await anonymous.GetStringAsync($"/entities/{code}");
        Assert.Equal(isPublic, page.Contains("data-testid=\"publication\"", StringComparison.Ordinal));
        var byCode = await ReadAsync(await anonymous.GetAsync($"{OpenData}/results?creditCode={code}"), HttpStatusCode.OK);
        Assert.Equal(isPublic, byCode.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("inspectionId").GetString() == inspectionId));
        var html = await anonymous.GetStringAsync($"/?creditCode={code}");
        Assert.Equal(isPublic, html.Contains($"href=\"/entities/{code}\"", StringComparison.Ordinal));
        if (name is not null)
        {
            var byName = await ReadAsync(await anonymous.GetAsync($"{OpenData}/results?name={Uri.EscapeDataString(name)}"), HttpStatusCode.OK);
            Assert.Equal(isPublic, byName.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("inspectionId").GetString() == inspectionId));
        }
    }

    private static async Task<List<string>> PublicListAsync(HttpClient anonymous)
    {
        var list = await ReadAsync(await anonymous.GetAsync($"{OpenData}/abnormal-operations?limit=100"), HttpStatusCode.OK);
        var items = list.ValueKind == JsonValueKind.Array ? list : list.GetProperty("items");
        return items.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
    }

    private static async Task RedactionScenarioAsync(InspectionPlatform platform)
    {
        const string secret = "SECRET-REASON-含商业秘密的配方";
        var steps = new PublicationSteps(platform);
        using var sched = await platform.As("sched-d1");
        using var reviewer = await platform.As("rev-d1");
        var task = await DrawnTaskAsync(sched, joint: false);
        var ids = (await ReadAsync(await sched.PostAsync($"/api/tasks/{task}/dispatch", null), HttpStatusCode.OK))
            .GetProperty("inspectionIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var id = ids[0];
        var code = PortalScenario.Entity(id);
        var url = "/api/inspections/" + id;
        // The department publishes its teams' names: withholding them must still keep them out.
        var names = new List<string>();
        await using (var connection = await platform.Store.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE departments SET publish_team_names = @yes WHERE code = 'D1'", new { yes = true });
            var n = 0;
            foreach (var cert in D1Inspectors)
            {
                var name = "隐名检查员" + "甲乙丙丁戊己庚辛"[n++];
                names.Add(name);
                await connection.ExecuteAsync("UPDATE inspectors SET name = @name WHERE certificate_no = @cert", new { name, cert });
            }
        }

        await steps.CompleteAsync(id, ["A"]);
        await ReadAsync(await reviewer.PostAsync(url + "/publish", null), HttpStatusCode.OK);
        await steps.AmendAsync(id, ["1"], secret);
        await ReadAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);

        // Bad input: named fields, never a 500; unauthorized callers refused.
        var unknown = await ProblemAsync(await reviewer.PostAsJsonAsync(url + "/redactions", new { field = "findings", category = "commercial-secret", note = "n" }), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("field", out _));
        var noCategory = await ProblemAsync(await reviewer.PostAsJsonAsync(url + "/redactions", new { field = "reason", note = "n" }), HttpStatusCode.BadRequest);
        Assert.True(noCategory.GetProperty("errors").TryGetProperty("category", out _));
        var noNote = await ProblemAsync(await reviewer.PostAsJsonAsync(url + "/redactions", new { field = "reason", category = "state-secret" }), HttpStatusCode.BadRequest);
        Assert.True(noNote.GetProperty("errors").TryGetProperty("note", out _));
        var (lead, _) = await steps.TeamAsync(id);
        using (var member = await platform.As("insp-" + lead))
            await ProblemAsync(await member.PostAsJsonAsync(url + "/redactions", new { field = "reason", category = "commercial-secret", note = "n" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await sched.PostAsJsonAsync(url + "/redactions", new { field = "reason", category = "commercial-secret", note = "n" }), HttpStatusCode.Forbidden);
        using (var other = await platform.As("rev-d2"))
            await ProblemAsync(await other.PostAsJsonAsync(url + "/redactions", new { field = "reason", category = "commercial-secret", note = "n" }), HttpStatusCode.NotFound);

        await ReadAsync(await reviewer.PostAsJsonAsync(url + "/redactions",
            new { field = "reason", category = "commercial-secret", note = "配方属于商业秘密 (the recipe is a trade secret)" }), HttpStatusCode.OK);
        var marked = await ReadAsync(await reviewer.PostAsJsonAsync(url + "/redactions",
            new { field = "teamNames", category = "personal-data", note = "检查人员要求不公开姓名" }), HttpStatusCode.OK);
        Assert.Equal(2, marked.GetProperty("withheld").GetArrayLength());
        await ReadAsync(await reviewer.PostAsync(url + "/publish", null), HttpStatusCode.OK);

        // Published again after the redaction: the initial version may name the team (published before any mark), the
        // amended one neither the reason nor the names; each withheld field shows its category.
        using var anonymous = platform.Host.Anonymous();
        var entityJson = await (await anonymous.GetAsync($"{OpenData}/entities/{code}")).Content.ReadAsStringAsync();
        var search = await (await anonymous.GetAsync($"{OpenData}/results?creditCode={code}")).Content.ReadAsStringAsync();
        var page = await anonymous.GetStringAsync($"/entities/{code}");
        var files = new List<string>();
        foreach (var (department, format) in new[] { ("all", "csv"), ("all", "json"), ("D1", "csv"), ("D1", "json") })
            files.Add(Text(await anonymous.GetByteArrayAsync($"{OpenData}/downloads/2026/{department}.{format}")));
        foreach (var answer in new[] { entityJson, search, page }.Concat(files))
            Assert.DoesNotContain("SECRET-REASON", answer, StringComparison.Ordinal);
        Assert.Contains("commercial-secret", entityJson, StringComparison.Ordinal);
        Assert.Contains("personal-data", entityJson, StringComparison.Ordinal);
        Assert.Contains("commercial-secret", search, StringComparison.Ordinal);
        Assert.Contains("data-category=\"commercial-secret\"", page, StringComparison.Ordinal);
        Assert.All(files, f => Assert.Contains("commercial-secret", f, StringComparison.Ordinal));

        using (var doc = JsonDocument.Parse(search))
        {
            var current = doc.RootElement.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("inspectionId").GetString() == id);
            Assert.Equal(2, current.GetProperty("version").GetInt32());
            Assert.Equal(JsonValueKind.Null, current.GetProperty("reason").ValueKind);
            Assert.Equal(JsonValueKind.Null, current.GetProperty("teamNames").ValueKind);
            var withheld = current.GetProperty("withheld").EnumerateArray()
                .ToDictionary(w => w.GetProperty("field").GetString()!, w => w.GetProperty("category").GetString()!);
            Assert.Equal("commercial-secret", withheld["reason"]);
            Assert.Equal("personal-data", withheld["teamNames"]);
        }

        // The staff keep the full text.
        var history = await (await reviewer.GetAsync(url + "/history")).Content.ReadAsStringAsync();
        Assert.Contains(secret, history, StringComparison.Ordinal);
        Assert.NotNull(await platform.ScalarTextAsync("SELECT after_json FROM audit_log WHERE action = 'inspection.redact' AND subject_key = @id", new { id }));

        // Once published, the step is closed until the next amendment.
        await ProblemAsync(await reviewer.PostAsJsonAsync(url + "/redactions", new { field = "reason", category = "state-secret", note = "late" }), HttpStatusCode.Conflict);
    }

    private static async Task IndicatorScenarioAsync(InspectionPlatform platform)
    {
        await using (var connection = await platform.Store.OpenAsync())
        {
            // D1: two listed in 2026 (one of them removed in 2026), one listed in 2023 and escalated in 2026; D2: one listed in 2026.
            await InsertEntryAsync(connection, "ab-ind-1", "91210000000000001X", "D1", new DateOnly(2026, 2, 1), removedOn: new DateOnly(2026, 4, 1), escalatedOn: null);
            await InsertEntryAsync(connection, "ab-ind-2", "91210000000000002X", "D1", new DateOnly(2026, 3, 1), removedOn: null, escalatedOn: null);
            await InsertEntryAsync(connection, "ab-ind-3", "91210000000000003X", "D1", new DateOnly(2023, 3, 1), removedOn: null, escalatedOn: new DateOnly(2026, 3, 1));
            await InsertEntryAsync(connection, "ab-ind-4", "91210000000000004X", "D2", new DateOnly(2026, 5, 1), removedOn: null, escalatedOn: null);
        }

        using var reviewer = await platform.As("rev-d1");
        var d1 = await ReadAsync(await reviewer.GetAsync("/api/statistics/indicators?year=2026&department=D1"), HttpStatusCode.OK);
        var listings = d1.GetProperty("listings");
        Assert.Equal(2, listings.GetProperty("listed").GetInt64());
        Assert.Equal(1, listings.GetProperty("removed").GetInt64());
        Assert.Equal(1, listings.GetProperty("escalated").GetInt64());
        var d1In2023 = await ReadAsync(await reviewer.GetAsync("/api/statistics/indicators?year=2023&department=D1"), HttpStatusCode.OK);
        Assert.Equal(1, d1In2023.GetProperty("listings").GetProperty("listed").GetInt64());
        Assert.Equal(0, d1In2023.GetProperty("listings").GetProperty("escalated").GetInt64());

        using var session = await platform.Host.CookieSessionAsync("rev-d1", InspectionPlatform.Password);
        var page = await session.GetStringAsync("/app/statistics?year=2026");
        Assert.Contains("data-testid=\"listings-listed\">2<", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"listings-removed\">1<", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"listings-escalated\">1<", page, StringComparison.Ordinal);
    }

    private static Task InsertEntryAsync(System.Data.Common.DbConnection connection, string entry, string code, string department, DateOnly listedOn,
        DateOnly? removedOn, DateOnly? escalatedOn) =>
        connection.ExecuteAsync(
            """
            INSERT INTO abnormal_entries (entry_id, entity_credit_code, ground, source, department_code, found_on, list_by, state, listed_on, listed_by,
                escalation_due_on, escalated_on, removed_on, removed_basis, created_by, created_at, version)
            VALUES (@entry, @code, 'unreachable', 'decision', @department, @listedOn, @listedOn, @state, @listedOn, 'rev-d1',
                @due, @escalatedOn, @removedOn, @basis, 'rev-d1', @now, 1)
            """,
            new
            {
                entry, code, department, listedOn, removedOn, escalatedOn, due = listedOn.AddYears(3), now = Published,
                state = removedOn is not null ? "removed" : escalatedOn is not null ? "escalated" : "listed", basis = removedOn is null ? null : "application",
            });

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
