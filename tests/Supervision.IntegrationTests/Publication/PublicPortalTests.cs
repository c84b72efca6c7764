using Supervision.IntegrationTests.Infrastructure;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Supervision.Api.Publication;
using Supervision.Infrastructure.Publication;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The public read side over one scenario (PortalScenario): what is public, what never is, the open-data API's
/// paging and problem details, bulk downloads and their checksums, and HTTP caching.
/// </summary>
public sealed partial class PublicPortalTests(PortalScenario scenario) : IClassFixture<PortalScenario>
{
    private HttpClient Anonymous() => scenario.Platform.Host.Anonymous();

    [Fact]
    public async Task Published_versions_are_public_with_item_names_and_the_amendment_keeps_the_old_version_as_superseded()
    {
        using var http = Anonymous();
        var entity = await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + PortalScenario.Entity(scenario.Amended)), HttpStatusCode.OK);
        var results = entity.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([2, 1], results.Select(r => r.GetProperty("version").GetInt32()));

        var current = results[0];
        Assert.Equal("amendment", current.GetProperty("kind").GetString());
        Assert.Equal(PortalScenario.AmendmentReason, current.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, current.GetProperty("supersededBy").ValueKind);
        var item = current.GetProperty("items")[0];
        Assert.Equal("I1", item.GetProperty("itemCode").GetString());
        Assert.Equal("1", item.GetProperty("results")[0].GetProperty("code").GetString());
        Assert.Equal("未发现问题", item.GetProperty("results")[0].GetProperty("name").GetString());

        var old = results[1];
        Assert.Equal("initial", old.GetProperty("kind").GetString());
        Assert.Equal(2, old.GetProperty("supersededBy").GetInt32());
        Assert.Equal(current.GetProperty("publishedOn").GetString(), old.GetProperty("supersededOn").GetString());
        Assert.Equal("A", old.GetProperty("items")[0].GetProperty("results")[0].GetProperty("code").GetString());
        Assert.NotEqual(old.GetProperty("publishedOn").GetString(), current.GetProperty("publishedOn").GetString());

        // The follow-up the first version ordered was withdrawn by the amendment, and the public sees that too.
        var followUps = entity.GetProperty("followUps").EnumerateArray().ToArray();
        Assert.NotEmpty(followUps);
        Assert.All(followUps, f => Assert.Equal("withdrawn", f.GetProperty("status").GetString()));

        // The search lists current versions only.
        var search = await ReadAsync(await http.GetAsync("/api/public/v1/results?creditCode=" + PortalScenario.Entity(scenario.Amended)), HttpStatusCode.OK);
        // As people type it: lower case, with spaces, in full-width characters (day-one finding 7).
        var code = PortalScenario.Entity(scenario.Amended);
        var fullWidth = string.Concat(code.Select(c => (char)(c + 0xFEE0)));
        foreach (var typed in new[] { code.ToLowerInvariant(), code[..4] + " " + code[4..10] + " " + code[10..], fullWidth })
        {
            var found = await ReadAsync(await http.GetAsync("/api/public/v1/results?creditCode=" + Uri.EscapeDataString(typed)), HttpStatusCode.OK);
            Assert.Equal(search.GetProperty("items").GetArrayLength(), found.GetProperty("items").GetArrayLength());
            Assert.Equal(code, found.GetProperty("items")[0].GetProperty("entityCreditCode").GetString());
        }

        Assert.Equal(2, Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("version").GetInt32());

        // The public rows are written once: the old version's content is exactly as first published.
        Assert.Equal(2, await scenario.Platform.ScalarAsync("SELECT count(*) FROM published_results WHERE inspection_id = @id", new { id = scenario.Amended }));
        Assert.Equal(1, await scenario.Platform.ScalarAsync(
            "SELECT count(*) FROM published_result_items WHERE publication_id = @p AND result_codes = 'A'", new { p = scenario.Amended + "/v1" }));
    }

    [Fact]
    public async Task The_regime_indicators_count_first_publications_on_time_the_overdue_approval_and_the_joint_share()
    {
        // The scenario (2026): two results first published within their deadline (the amendment is a later version, not
        // counted again), one approved and left unpublished past its deadline, and a task of D1 alone.
        using var sched = await scenario.Platform.As("sched-d1");
        var year = DefaultNow.Year;
        var indicators = await ReadAsync(await sched.GetAsync($"/api/statistics/indicators?year={year}"), HttpStatusCode.OK);
        Assert.Equal((2, 2, 1.0, 1), (indicators.GetProperty("published").GetInt64(), indicators.GetProperty("publishedOnTime").GetInt64(),
            indicators.GetProperty("onTimeRate").GetDouble(), indicators.GetProperty("approvedOverdue").GetInt64()));
        Assert.Equal(0, indicators.GetProperty("jointInspections").GetInt64());
        // Another department leads none of it; a year without publications has no rate rather than 0 % or 100 %.
        using var other = await scenario.Platform.As("sched-d2");
        Assert.Equal(0, (await ReadAsync(await other.GetAsync($"/api/statistics/indicators?year={year}"), HttpStatusCode.OK)).GetProperty("published").GetInt64());
        var empty = await ReadAsync(await sched.GetAsync($"/api/statistics/indicators?year={year - 5}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("onTimeRate").ValueKind);
    }

    [Fact]
    public async Task Unpublished_results_and_drafts_are_not_public()
    {
        using var http = Anonymous();
        foreach (var id in new[] { scenario.Approved, scenario.Draft })
        {
            var entity = await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + PortalScenario.Entity(id)), HttpStatusCode.OK);
            Assert.Empty(entity.GetProperty("results").EnumerateArray());
            var search = await ReadAsync(await http.GetAsync("/api/public/v1/results?creditCode=" + PortalScenario.Entity(id)), HttpStatusCode.OK);
            Assert.Empty(search.GetProperty("items").EnumerateArray());
            var page = await http.GetStringAsync("/entities/" + PortalScenario.Entity(id));
            Assert.Contains("data-testid=\"no-results\"", page);
            Assert.DoesNotContain("data-testid=\"published-result\"", page);
        }
        var task = await ReadAsync(await http.GetAsync($"/api/public/v1/results?task={scenario.TaskId}&limit=50"), HttpStatusCode.OK);
        Assert.Equal(
            new[] { scenario.Amended, scenario.Clean }.Order(StringComparer.Ordinal),
            task.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("inspectionId").GetString()!).Order(StringComparer.Ordinal));
    }

    /// <summary>Every public page and open-data answer, in both languages, searched for what must never be public.</summary>
    [Fact]
    public async Task No_public_page_or_endpoint_shows_certificates_phones_findings_drafts_evidence_or_unpublished_results()
    {
        using var http = Anonymous();
        var entities = new[] { scenario.Amended, scenario.Clean, scenario.Approved, scenario.Draft }.Select(PortalScenario.Entity).ToArray();
        var name = (await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + entities[0]), HttpStatusCode.OK)).GetProperty("name").GetString()!;
        var year = DefaultNow.Year;
        var urls = new List<string>
        {
            "/", "/?name=" + Uri.EscapeDataString(name[..2]), "/?creditCode=" + entities[0], "/?task=" + scenario.TaskId, "/tasks", "/tasks/" + scenario.TaskId,
            "/open-data", "/verify",
            "/api/public/v1/results", "/api/public/v1/results?limit=200&sort=name", "/api/public/v1/results?name=" + Uri.EscapeDataString(name[..2]),
            "/api/public/v1/tasks", "/api/public/v1/tasks/" + scenario.TaskId, $"/api/public/v1/tasks/{scenario.TaskId}/drawn",
            $"/api/public/v1/tasks/{scenario.TaskId}/pack", $"/api/public/v1/tasks/{scenario.TaskId}/members.csv", "/api/public/v1/downloads",
            $"/api/public/v1/downloads/{year}/all.csv", $"/api/public/v1/downloads/{year}/all.json", $"/api/public/v1/downloads/{year}/D1.csv",
            $"/api/public/v1/checksums/{year}/all.csv",
        };
        urls.AddRange(entities.SelectMany(e => new[] { "/entities/" + e, "/api/public/v1/entities/" + e }));
        urls.AddRange(urls.Where(u => !u.StartsWith("/api/", StringComparison.Ordinal)).Select(u => u + (u.Contains('?') ? "&" : "?") + "lang=en").ToList());

        // Credit classes are confidential (draw-spec §11): no member's class, rank, key or probability, and no class size.
        var forbidden = new[]
        {
            PortalScenario.DraftMarker, PortalScenario.UnpublishedMarker, "Findings for", scenario.EvidenceSha256, "door.png", "certificateNo",
            "inclusionProbability", "populationCount", "rankInStratum", "keyApprox", "\"certain\"", "member_id,stratum", "入样概率", "Inclusion probability",
        };
        var certificates = D1Inspectors.Concat(D2Inspectors).ToArray();
        foreach (var url in urls)
        {
            var response = await http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
            foreach (var text in forbidden) Assert.False(body.Contains(text, StringComparison.OrdinalIgnoreCase), $"{url} shows '{text}'");
            foreach (var cert in certificates) Assert.False(Token(cert).IsMatch(body), $"{url} shows the certificate number {cert}");
            Assert.False(MobilePhone().IsMatch(body), $"{url} shows something like a phone number: {MobilePhone().Match(body).Value}");
            // The result the public never saw: code B of the approved, unpublished inspection.
            Assert.DoesNotContain(scenario.Approved + "/v", body);
        }
    }

    /// <summary>A code as people type it (issue 16, finding 7): lower case, spaced, hyphenated, full-width with ideographic spaces.</summary>
    public static IEnumerable<string> AsTyped(string code)
    {
        yield return code.ToLowerInvariant();
        yield return " " + code[..4] + " " + code[4..10] + " " + code[10..] + " ";
        yield return code[..6].ToLowerInvariant() + "-" + code[6..];
        yield return "\u3000" + string.Concat(code.ToLowerInvariant().Select(c => (char)(c + 0xFEE0))).Insert(8, "\u3000") + "\u3000";
    }

    [Fact]
    public async Task A_credit_code_typed_in_lower_case_with_spaces_or_full_width_finds_the_entity_on_every_public_route()
    {
        using var http = Anonymous();
        var code = PortalScenario.Entity(scenario.Clean);
        foreach (var typed in AsTyped(code))
        {
            var escaped = Uri.EscapeDataString(typed);
            var entity = await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + escaped), HttpStatusCode.OK);
            Assert.Equal(code, entity.GetProperty("creditCode").GetString());
            Assert.Single(entity.GetProperty("results").EnumerateArray());

            var page = await http.GetAsync("/entities/" + escaped);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains($"data-testid=\"credit-code\">{code}<", html);
            Assert.Contains("data-testid=\"published-result\"", html);

            var search = await http.GetStringAsync("/?creditCode=" + escaped);
            Assert.Single(RowCodes(search));
            Assert.Equal(code, RowCodes(search)[0]);
            var api = await ReadAsync(await http.GetAsync("/api/public/v1/results?creditCode=" + escaped), HttpStatusCode.OK);
            Assert.Equal(code, Assert.Single(api.GetProperty("items").EnumerateArray()).GetProperty("entityCreditCode").GetString());

            // The entity's own credit page and receipt need the regulator's signed link: a typed code without one is the same 404.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/entities/{escaped}/credit?t=1.abc")).StatusCode);
            await ProblemAsync(await http.GetAsync($"/api/public/v1/entities/{escaped}/receipts/{scenario.TaskId}?t=1.abc"), HttpStatusCode.NotFound);
        }

        // Normalised but still not a code: the existing answers (404, or a field error), never a 500.
        foreach (var bad in new[] { "９１ｉｏ", code + "-Z", "  -  ", "\u3000", code + code })
        {
            var escaped = Uri.EscapeDataString(bad);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/entities/" + escaped)).StatusCode);
            var api = await http.GetAsync("/api/public/v1/entities/" + escaped);
            Assert.True(api.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{bad}: {(int)api.StatusCode}");
            // Nothing left after normalising ("  -  ") is no code at all, as an empty box is: the search is unfiltered.
            if (Supervision.Core.Registry.CreditCode.Normalize(bad).Length == 0) continue;
            var search = await http.GetAsync("/api/public/v1/results?creditCode=" + escaped);
            Assert.True(search.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{bad}: {(int)search.StatusCode}");
            if (search.StatusCode == HttpStatusCode.OK) Assert.Empty((await ReadAsync(search, HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
            var form = await http.GetAsync("/?creditCode=" + escaped);
            Assert.Equal(HttpStatusCode.OK, form.StatusCode);
            Assert.Empty(RowCodes(await form.Content.ReadAsStringAsync()));
        }
    }

    [Fact]
    public async Task A_place_in_words_finds_the_entities_of_that_division_and_not_others_and_the_page_names_it()
    {
        using var http = Anonymous();
        var reference = Supervision.Core.Reference.ReferenceData.Default;
        var published = new Dictionary<string, string>(); // credit code → division code
        foreach (var id in new[] { scenario.Amended, scenario.Clean })
        {
            var e = await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + PortalScenario.Entity(id)), HttpStatusCode.OK);
            published[e.GetProperty("creditCode").GetString()!] = e.GetProperty("divisionCode").GetString()!;
        }

        foreach (var (code, division) in published)
        {
            // The county by its full name in words, and its city by its short name after the province's ("辽宁大连": a short
            // name alone may name places in other provinces too, 朝阳 three of them) and by its English name ("Dalian").
            var county = reference.DivisionFullName(division);
            var city = reference.Division(division[..4] + "00")!;
            foreach (var (place, prefix) in new[] { (county, division), ("辽宁" + city.Name[..^1], city.Code[..4]), (city.English!, city.Code[..4]) })
            {
                var api = await ReadAsync(await http.GetAsync("/api/public/v1/results?place=" + Uri.EscapeDataString(place)), HttpStatusCode.OK);
                var rows = api.GetProperty("items").EnumerateArray().ToList();
                Assert.Contains(rows, r => r.GetProperty("entityCreditCode").GetString() == code);
                Assert.All(rows, r => Assert.StartsWith(prefix, r.GetProperty("divisionCode").GetString()));
                // Not the others: every published entity outside the place is absent.
                Assert.Equal(published.Where(p => p.Value.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Key).Order(StringComparer.Ordinal),
                    rows.Select(r => r.GetProperty("entityCreditCode").GetString()!).Order(StringComparer.Ordinal));
                Assert.Equal(prefix, Assert.Single(api.GetProperty("place").GetProperty("divisions").EnumerateArray()).GetProperty("prefix").GetString());

                var html = await http.GetStringAsync("/?place=" + Uri.EscapeDataString(place));
                Assert.Contains(code, RowCodes(html));
                Assert.Equal(rows.Count, RowCodes(html).Count);
                Assert.Contains($"<strong data-testid=\"place-name\">{reference.DivisionFullName(prefix.PadRight(6, '0'))}</strong>", html);
                Assert.Contains("在 ", html);
            }
        }

        // A listed county where neither entity is: found as a place, with nothing in it.
        var elsewhere = reference.Divisions.First(d => d.Level == 3 && d.Code.StartsWith("21", StringComparison.Ordinal) && !published.ContainsValue(d.Code)
            && reference.ResolvePlace(reference.DivisionFullName(d.Code)).Found);
        var empty = await ReadAsync(await http.GetAsync("/api/public/v1/results?place=" + Uri.EscapeDataString(reference.DivisionFullName(elsewhere.Code))), HttpStatusCode.OK);
        Assert.Empty(empty.GetProperty("items").EnumerateArray());

        // The page in English names the place too.
        var (firstCode, firstDivision) = published.First();
        var english = await http.GetStringAsync("/?lang=en&place=Dalian");
        Assert.Contains("data-testid=\"resolved-place\"", english);
        Assert.Contains("(Dalian, Liaoning)", english);

        // An unknown place: a helpful message and suggestions on the page, a field error in the API — never a 500.
        var unknown = await http.GetAsync("/?lang=zh-CN&place=" + Uri.EscapeDataString("大连市西湖区"));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        var unknownHtml = await unknown.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"unknown-place\"", unknownHtml);
        Assert.Contains("没有找到名为“大连市西湖区”的地区", unknownHtml);
        Assert.Contains("data-testid=\"place-suggestion\">辽宁省大连市</a>", unknownHtml);
        Assert.Empty(RowCodes(unknownHtml));
        Assert.Contains("No place called", await http.GetStringAsync("/?lang=en&place=Atlantis"));
        foreach (var place in new[] { "Atlantis", "大", "%", "_", new string('区', 51) })
        {
            var problem = await ProblemAsync(await http.GetAsync("/api/public/v1/results?place=" + Uri.EscapeDataString(place)), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("place", out _), $"{place}: {problem}");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/?place=" + Uri.EscapeDataString(place))).StatusCode);
        }
        var industry = await ProblemAsync(await http.GetAsync("/api/public/v1/results?industryName=" + Uri.EscapeDataString("太空旅游")), HttpStatusCode.BadRequest);
        Assert.True(industry.GetProperty("errors").TryGetProperty("industryName", out _));
        Assert.Contains("data-testid=\"unknown-industry\"", await http.GetStringAsync("/?industryName=" + Uri.EscapeDataString("太空旅游")));

        // Industry in words: the entity's own industry division by name finds it.
        var clean = await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + firstCode), HttpStatusCode.OK);
        var industryName = clean.GetProperty("industryName").GetString()!;
        var byIndustry = await ReadAsync(await http.GetAsync($"/api/public/v1/results?industryName={Uri.EscapeDataString(industryName)}&place={firstDivision}"), HttpStatusCode.OK);
        Assert.Contains(byIndustry.GetProperty("items").EnumerateArray(), r => r.GetProperty("entityCreditCode").GetString() == firstCode);
        Assert.All(byIndustry.GetProperty("items").EnumerateArray(), r => Assert.Equal(industryName, r.GetProperty("industryName").GetString()));
    }

    /// <summary>The credit codes of a search page's result rows.</summary>
    private static List<string> RowCodes(string html) =>
        ResultRow().Matches(html).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex("<tr data-testid=\"result-row\">\\s*<td[^>]*><a href=\"/entities/([0-9A-Z]{18})\"")]
    private static partial Regex ResultRow();

    private static Regex Token(string value) => new($"(?<![0-9A-Za-z]){Regex.Escape(value)}(?![0-9A-Za-z])");

    [GeneratedRegex("(?<![0-9A-Za-z.])1[3-9][0-9]{9}(?![0-9A-Za-z])")]
    private static partial Regex MobilePhone();

    [Fact]
    public async Task Search_pages_by_key_in_a_stable_order_and_bad_parameters_get_problem_details_naming_the_field()
    {
        using var http = Anonymous();
        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await ReadAsync(await http.GetAsync("/api/public/v1/results?sort=name&limit=1" + (next is null ? "" : "&after=" + next)), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("entityName").GetString()!));
            next = page.GetProperty("next").GetString();
        }
        while (next is not null && seen.Count < 10);
        Assert.Equal(2, seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);

        foreach (var (query, field) in new[]
                 {
                     ("limit=0", "limit"), ("limit=100000", "limit"), ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-06-02&to=2026-06-01", "to"),
                     ("sort=price", "sort"), ("after=%21%21", "after"), ("division=21ab", "division"), ("creditCode=" + new string('9', 40), "creditCode"),
                 })
        {
            var problem = await ProblemAsync(await http.GetAsync("/api/public/v1/results?" + query), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }
        await ProblemAsync(await http.GetAsync("/api/public/v1/results?limit=abc"), HttpStatusCode.BadRequest);
        await ProblemAsync(await http.GetAsync("/api/public/v1/entities/NOSUCHENTITY"), HttpStatusCode.NotFound);
        await ProblemAsync(await http.GetAsync("/api/public/v1/tasks/NO-SUCH-TASK"), HttpStatusCode.NotFound);
        await ProblemAsync(await http.GetAsync("/api/public/v1/downloads/2026/all.xml"), HttpStatusCode.BadRequest);
        await ProblemAsync(await http.GetAsync("/api/public/v1/downloads/1999/all.csv"), HttpStatusCode.BadRequest);
        await ProblemAsync(await http.GetAsync("/api/public/v1/downloads/2031/all.csv"), HttpStatusCode.NotFound);
        // A page with bad input explains it instead of failing.
        var page2 = await http.GetAsync("/?from=not-a-date");
        Assert.Equal(HttpStatusCode.OK, page2.StatusCode);
        Assert.Contains("data-testid=\"search-errors\"", await page2.Content.ReadAsStringAsync());

        // Filters: partial Chinese name, division prefix, department, date range.
        var name = (await ReadAsync(await http.GetAsync("/api/public/v1/entities/" + PortalScenario.Entity(scenario.Clean)), HttpStatusCode.OK)).GetProperty("name").GetString()!;
        var middle = name.Substring(name.Length / 2 - 1, 2);
        var byName = await ReadAsync(await http.GetAsync("/api/public/v1/results?name=" + Uri.EscapeDataString(middle)), HttpStatusCode.OK);
        Assert.Contains(byName.GetProperty("items").EnumerateArray(), r => r.GetProperty("entityName").GetString() == name);
        var none = await ReadAsync(await http.GetAsync("/api/public/v1/results?department=D3"), HttpStatusCode.OK);
        Assert.Empty(none.GetProperty("items").EnumerateArray());
        var clean = (await ReadAsync(await http.GetAsync("/api/public/v1/results?creditCode=" + PortalScenario.Entity(scenario.Clean)), HttpStatusCode.OK)).GetProperty("items")[0];
        var prefix = clean.GetProperty("divisionCode").GetString()![..4];
        var d1 = await ReadAsync(await http.GetAsync($"/api/public/v1/results?department=D1&division={prefix}"), HttpStatusCode.OK);
        Assert.Contains(d1.GetProperty("items").EnumerateArray(), r => r.GetProperty("inspectionId").GetString() == scenario.Clean);
        Assert.All(d1.GetProperty("items").EnumerateArray(), r => Assert.StartsWith(prefix, r.GetProperty("divisionCode").GetString()));
        var future = await ReadAsync(await http.GetAsync("/api/public/v1/results?from=2030-01-01"), HttpStatusCode.OK);
        Assert.Empty(future.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Answers_carry_validators_and_a_client_with_the_current_copy_gets_304()
    {
        using var http = Anonymous();
        foreach (var url in new[] { "/api/public/v1/results", "/api/public/v1/entities/" + PortalScenario.Entity(scenario.Amended), "/api/public/v1/tasks/" + scenario.TaskId,
                     $"/api/public/v1/tasks/{scenario.TaskId}/pack", $"/api/public/v1/downloads/{DefaultNow.Year}/all.csv" })
        {
            var first = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var etag = first.Headers.ETag;
            Assert.NotNull(etag);
            var lastModified = first.Content.Headers.LastModified;
            Assert.NotNull(lastModified);

            using var byTag = new HttpRequestMessage(HttpMethod.Get, url);
            byTag.Headers.IfNoneMatch.Add(etag);
            var notModified = await http.SendAsync(byTag);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

            using var byDate = new HttpRequestMessage(HttpMethod.Get, url);
            byDate.Headers.IfModifiedSince = lastModified;
            Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(byDate)).StatusCode);

            using var stale = new HttpRequestMessage(HttpMethod.Get, url);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(stale)).StatusCode);
            using var older = new HttpRequestMessage(HttpMethod.Get, url);
            older.Headers.IfModifiedSince = lastModified!.Value.AddDays(-30);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(older)).StatusCode);
        }
    }

    [Fact]
    public async Task Bulk_downloads_hold_every_published_item_and_match_their_checksums()
    {
        using var http = Anonymous();
        var year = DefaultNow.Year;
        var csvResponse = await http.GetAsync($"/api/public/v1/downloads/{year}/all.csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        var csv = await csvResponse.Content.ReadAsByteArrayAsync();
        var sha = Convert.ToHexStringLower(SHA256.HashData(csv));
        Assert.Equal(sha, csvResponse.Headers.GetValues("X-Checksum-SHA256").Single());
        Assert.Equal($"\"{sha}\"", csvResponse.Headers.ETag!.Tag);
        Assert.Equal(sha + $"  supervision-results-{year}-all.csv\n", await http.GetStringAsync($"/api/public/v1/checksums/{year}/all.csv"));
        Assert.Equal(csv, await http.GetByteArrayAsync($"/api/public/v1/downloads/{year}/all.csv"));

        var lines = Encoding.UTF8.GetString(csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', BulkExport.Columns), lines[0]);
        // Three published versions of one item each: the amended inspection twice, the clean one once.
        Assert.Equal(3, lines.Length - 1);
        Assert.Contains(lines, l => l.StartsWith(scenario.Amended + "/v1,", StringComparison.Ordinal) && l.Contains(",A,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(scenario.Amended + "/v2,", StringComparison.Ordinal) && l.Contains("amendment", StringComparison.Ordinal));

        var json = await http.GetByteArrayAsync($"/api/public/v1/downloads/{year}/D1.json");
        var rows = JsonDocument.Parse(json).RootElement.EnumerateArray().ToArray();
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal("D1", r.GetProperty("lead_department").GetString()));

        var manifest = await ReadAsync(await http.GetAsync("/api/public/v1/downloads"), HttpStatusCode.OK);
        var listed = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("url").GetString() == $"/api/public/v1/downloads/{year}/all.csv");
        Assert.Equal(sha, listed.GetProperty("sha256").GetString());
        var jsonListed = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("url").GetString() == $"/api/public/v1/downloads/{year}/D1.json");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(json)), jsonListed.GetProperty("sha256").GetString());

        var page = await http.GetStringAsync("/open-data");
        Assert.Contains(sha, page);
        Assert.All(BulkExport.Columns, c => Assert.Contains(">" + c + "<", page));
    }

    [Fact]
    public async Task The_task_record_shows_plan_commitment_ceremony_draw_and_a_pack_that_verifies()
    {
        using var http = Anonymous();
        var task = await ReadAsync(await http.GetAsync("/api/public/v1/tasks/" + scenario.TaskId), HttpStatusCode.OK);
        Assert.Equal(["I1"], task.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()));
        Assert.Equal("stratified", task.GetProperty("sampling").GetProperty("mode").GetString());
        Assert.Matches("^[0-9a-f]{64}$", task.GetProperty("secretCommitment").GetString()!);
        Assert.Matches("^[0-9a-f]{64}$", task.GetProperty("population").GetProperty("sha256").GetString()!);
        // The seed's ceremony (draw-spec §3.3): the witnesses by account, their commitments and reveals, the beacon named and its value.
        var ceremony = task.GetProperty("ceremony");
        Assert.Equal(["witness-a (witness-a)", "witness-b (witness-b)"], ceremony.GetProperty("commitments").EnumerateArray().Select(c => c.GetProperty("witness").GetString()));
        Assert.Equal(2, ceremony.GetProperty("reveals").GetArrayLength());
        Assert.Equal("test beacon", task.GetProperty("namedBeacon").GetProperty("source").GetString());
        Assert.Equal("a1b2c3d4e5f6", ceremony.GetProperty("beaconValue").GetProperty("value").GetString());
        Assert.Empty(task.GetProperty("entropy").EnumerateArray());
        Assert.Equal(5, task.GetProperty("draw").GetProperty("drawnCount").GetInt32());
        var verification = task.GetProperty("verification");
        Assert.Contains("verify-draw", verification.GetProperty("dotnetCommand").GetString());

        var drawn = await ReadAsync(await http.GetAsync($"/api/public/v1/tasks/{scenario.TaskId}/drawn?limit=2"), HttpStatusCode.OK);
        Assert.Equal(2, drawn.GetProperty("items").GetArrayLength());
        // By credit code, with no class, rank or probability (draw-spec §11).
        Assert.All(drawn.GetProperty("items").EnumerateArray(), d => Assert.Equal(["creditCode", "divisionCode", "name"],
            d.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        var codes = drawn.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("creditCode").GetString()!).ToArray();
        Assert.Equal(codes.Order(StringComparer.Ordinal), codes);
        var rest = await ReadAsync(await http.GetAsync($"/api/public/v1/tasks/{scenario.TaskId}/drawn?after={drawn.GetProperty("next").GetString()}"), HttpStatusCode.OK);
        Assert.Equal(3, rest.GetProperty("items").GetArrayLength());

        // The class-free pack and the members file the page links to verify with the platform's own verifier.
        var pack = await http.GetStringAsync(verification.GetProperty("packUrl").GetString());
        var members = await http.GetByteArrayAsync(verification.GetProperty("membersUrl").GetString());
        var report = Supervision.Core.Draw.PublicPackVerifier.Verify(pack, members);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal("supervision-draw-pack/public-1", JsonDocument.Parse(pack).RootElement.GetProperty("format").GetString());
        Assert.False(JsonDocument.Parse(pack).RootElement.TryGetProperty("inspectorDraw", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/public/v1/tasks/{scenario.TaskId}/population.csv")).StatusCode);

        // A draft task is not public: the same 404 as a task that does not exist.
        using var sched = await scenario.Platform.As("sched-d1");
        var draft = await ReadAsync(await sched.PostAsJsonAsync("/api/tasks", new
        {
            name = "未发布的任务", leadDepartment = "D1", items = new[] { "I1" }, sampling = new { mode = "stratified", classes = new[] { new { creditClass = "A", count = 1 } } },
            teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60), beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
        var draftId = draft.GetProperty("id").GetString()!;
        await ProblemAsync(await http.GetAsync("/api/public/v1/tasks/" + draftId), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/tasks/" + draftId)).StatusCode);
        Assert.DoesNotContain(draftId, await http.GetStringAsync("/api/public/v1/tasks"));
    }

    [Fact]
    public async Task The_open_data_api_is_in_the_openapi_document_with_summaries()
    {
        using var http = Anonymous();
        var document = await ReadAsync(await http.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/public/v1/results", "/api/public/v1/entities/{creditCode}", "/api/public/v1/tasks/{id}", "/api/public/v1/downloads",
                     "/api/publication/deadlines" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), path);
            Assert.False(string.IsNullOrEmpty(item.GetProperty("get").GetProperty("summary").GetString()), path);
        }
        // The open data's answers to an anonymous crowd are documented: this address's limit, and a full queue.
        var responses = paths.GetProperty("/api/public/v1/results").GetProperty("get").GetProperty("responses");
        Assert.True(responses.TryGetProperty("429", out _), responses.ToString());
        Assert.True(responses.TryGetProperty("503", out _), responses.ToString());
    }
}
