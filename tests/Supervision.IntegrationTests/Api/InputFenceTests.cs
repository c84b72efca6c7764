using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>Security review, issue 13: inputs that answered 500 (finding 7) or were stored as they came (finding 9).</summary>
public sealed class InputFenceTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    private static object Task(object? creditClasses, string name = "Fence task") => new
    {
        name,
        leadDepartment = "D1",
        items = new[] { "I1" },
        filter = new { creditClasses },
        deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
    };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("")]
    [InlineData(null)]
    public async Task An_unknown_credit_class_in_the_filter_is_a_400_naming_the_field_not_a_500(string? creditClass)
    {
        using var scheduler = await Host.UserAsync("fence-scheduler", "scheduler", "D1");
        foreach (var route in new[] { "/api/tasks", "/api/tasks/preview" })
        {
            var problem = await ProblemAsync(await scheduler.PostAsJsonAsync(route, Task(new[] { creditClass })), HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty("filter.creditClasses", out var reasons), $"{route}: {problem}");
            Assert.Contains("not a credit class", reasons[0].GetString());
        }

        // A known class next to the unknown one is still refused, in both sampling modes.
        var pareto = new
        {
            name = "Fence task", leadDepartment = "D1", items = new[] { "I1" }, filter = new { creditClasses = new[] { "A", creditClass } },
            sampling = new { mode = "pareto", total = 3 }, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
        };
        await ProblemAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", pareto), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/%09/x")]
    [InlineData("/%0D%0ALocation:%20http://evil")]
    [InlineData("/%00")]
    [InlineData("//evil.example/")]
    [InlineData("/%5Cevil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/a%E2%80%AEb")]
    public async Task The_language_switch_sends_a_bad_return_url_home_instead_of_failing(string returnUrl)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress };
        var response = await client.GetAsync("/language/en?returnUrl=" + returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".supervision.lang=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_language_switch_keeps_a_local_return_url_and_percent_encodes_non_ascii()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress };
        var encoded = await client.GetAsync("/language/en?returnUrl=" + Uri.EscapeDataString("/?name=超市&sort=name"));
        Assert.Equal("/?name=%E8%B6%85%E5%B8%82&sort=name", encoded.Headers.Location!.OriginalString);

        // The review's case: a return URL whose decoded text is raw non-ASCII could not stand in a Location header (500).
        var path = await client.GetAsync("/language/zh?returnUrl=%2Fentities%2F%E8%B6%85%E5%B8%82");
        Assert.Equal(HttpStatusCode.Redirect, path.StatusCode);
        Assert.Equal("/entities/%E8%B6%85%E5%B8%82", path.Headers.Location!.OriginalString);
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var reasons), $"no error for '{field}': {problem}");
        return reasons[0].GetString()!;
    }

    [Theory]
    [InlineData("abc\u202Eexe.gpj", "U+202E")] // shows as "abcgpj.exe"
    [InlineData("NUL\0inside", "U+0000")]
    [InlineData("bell\a", "U+0007")]
    [InlineData("two\nlines", "U+000A")]
    [InlineData("isolate\u2067x\u2069", "U+2067")]
    public async Task Names_with_control_or_bidirectional_characters_are_refused_on_every_write_naming_the_field(string name, string named)
    {
        using var admin = await Host.AdminAsync();
        using var scheduler = await Host.UserAsync("fence-scheduler", "scheduler", "D1");
        Assert.Contains(named, await ErrorAsync(await scheduler.PostAsJsonAsync("/api/tasks", Task(null, name)), "name"));
        Assert.Contains(named, await ErrorAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", Task(null, name)), "name"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsJsonAsync("/api/departments", new { code = "FENCE-D", name }), "name"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsJsonAsync("/api/entities", new
        {
            creditCode = "91350100M000100Y43", name, industryCode = "5121", divisionCode = "210102", status = "open",
        }), "name"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsJsonAsync("/api/inspectors", new
        {
            certificateNo = "FENCE-0001", name, departmentCode = "D1", certificateExpiresOn = "2030-01-01",
        }), "name"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsJsonAsync("/api/users", new
        {
            username = "fence-user", displayName = name, password = "a-long-test-password", roles = new[] { "reviewer" }, departmentCode = "D1",
        }), "displayName"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsJsonAsync("/api/items", new
        {
            code = "FENCE-I", name, departmentCode = "D1", legalBasis = "law", method = "written", resultCodes = new[] { "1" },
        }), "name"));
        Assert.Contains(named, await ErrorAsync(await admin.PostAsync("/api/imports/entities?fileName=" + Uri.EscapeDataString(name), new StringContent("")), "fileName"));
    }

    private static byte[] EntitiesCsv(params string[] rows) =>
        Encoding.UTF8.GetBytes("creditCode,name,industryCode,divisionCode,address,status\r\n" + string.Concat(rows.Select(r => r + "\r\n")));

    [Fact]
    public async Task An_import_refuses_such_text_per_row_and_a_file_in_another_encoding_whole_naming_the_file_and_the_encoding()
    {
        using var admin = await Host.AdminAsync();
        var csv = EntitiesCsv(
            "91350100M000100Y43,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",5121,210102,\"两行\n地址\",open",
            "91110000600037341L,abc\u202Eexe.gpj,5121,210102,,open",
            "91110108MA01KWXP5R,好名字,5121,210102,\"bell\a\",open");
        var report = await InspectionsReadAsync(await admin.PostAsync("/api/imports/entities?fileName=fence.csv", new ByteArrayContent(csv)), HttpStatusCode.Created);
        var id = report.GetProperty("id").GetString()!;
        var errors = (await admin.GetFromJsonAsync<JsonElement>($"/api/imports/{id}/errors")).EnumerateArray()
            .Select(e => (Line: e.GetProperty("line").GetInt64(), Field: e.GetProperty("field").GetString())).ToList();
        // Line 2's quoted address holds a line feed (allowed in an address), so the next rows start on lines 4 and 5.
        Assert.Contains((4L, "name"), errors);
        Assert.Contains((5L, "address"), errors);
        Assert.DoesNotContain(errors, e => e.Line == 2); // '=' is printable text: stored, and neutralised in CSV downloads
        var errorsCsv = await admin.GetStringAsync($"/api/imports/{id}/errors.csv");
        Assert.StartsWith("line,field,reason\r\n4,name,", errorsCsv);

        // UTF-16 (the review's case), UTF-32 and BOM-less UTF-16: refused whole, naming the file and the encoding; UTF-8 with a BOM is accepted.
        foreach (var (bytes, encoding) in new[]
        {
            ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(csv))], "UTF-16 (little-endian"),
            ([.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Encoding.UTF8.GetString(csv))], "UTF-16 (big-endian"),
            ([.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(Encoding.UTF8.GetString(csv))], "UTF-32"),
            (Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(csv)), "without a byte-order mark"),
        })
        {
            var reason = await ErrorAsync(await admin.PostAsync("/api/imports/entities?fileName=fence-wide.csv", new ByteArrayContent(bytes)), "file");
            Assert.Contains("fence-wide.csv", reason);
            Assert.Contains(encoding, reason);
            var credit = await ErrorAsync(await admin.PostAsync("/api/credit/external-records?fileName=records-wide.csv", new ByteArrayContent(bytes)), "file");
            Assert.Contains("records-wide.csv", credit);
            Assert.Contains(encoding, credit);
        }

        var bom = await InspectionsReadAsync(await admin.PostAsync("/api/imports/entities?fileName=fence-bom.csv",
            new ByteArrayContent([.. Encoding.UTF8.GetPreamble(), .. EntitiesCsv("91350100M000100Y43,带BOM的名字,5121,210102,,open")])), HttpStatusCode.Created);
        Assert.Equal(0, bom.GetProperty("rejected").GetInt64());
    }

    private static async Task<JsonElement> InspectionsReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Csv_downloads_put_a_quote_before_cells_a_spreadsheet_would_take_for_a_formula()
    {
        const string evil = "=HYPERLINK(\"http://evil.example\",\"点我\")";
        var store = Host.Services.GetRequiredService<SqlStore>();
        await using (var connection = await store.OpenAsync())
        {
            var day = new DateOnly(2026, 5, 4);
            await connection.ExecuteAsync(
                """
                INSERT INTO published_results (publication_id, inspection_id, version, kind, reason, task_id, task_name, entity_credit_code, entity_name,
                    division_code, industry_code, lead_department, departments, inspected_on, approved_on, published_on, published_at)
                VALUES ('TCSV/91350100M000100Y43/v1', 'TCSV/91350100M000100Y43', 1, 'initial', NULL, 'TCSV', '+1+1', '91350100M000100Y43', @evil,
                    '210102', '5121', 'D1', ',D1,', @day, @day, @day, @at)
                """, new { evil, day, at = new DateTimeOffset(2026, 5, 4, 2, 0, 0, TimeSpan.Zero) });
            await connection.ExecuteAsync(
                """
                INSERT INTO published_result_items (publication_id, item_code, item_name, department_code, result_codes, inspected_on)
                VALUES ('TCSV/91350100M000100Y43/v1', 'I1', '@SUM(1)', 'D1', '1', @day)
                """, new { day });
        }

        using var anonymous = Host.Anonymous();
        var csv = await anonymous.GetStringAsync("/api/public/v1/downloads/2026/all.csv");
        var row = csv.Split("\r\n")[1];
        Assert.Contains(",'+1+1,", row);
        Assert.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点我\"\")\",", row);
        Assert.Contains(",'@SUM(1),", row);
        Assert.DoesNotContain(",=", row);
        var checksum = await anonymous.GetStringAsync("/api/public/v1/checksums/2026/all.csv");
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv))), checksum);
        var json = await anonymous.GetFromJsonAsync<JsonElement>("/api/public/v1/downloads/2026/all.json");
        Assert.Equal(evil, json[0].GetProperty("entity_name").GetString()); // JSON carries the text as it is
    }
}
