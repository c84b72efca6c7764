using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Security;

/// <summary>
/// Hostile input against every write route: for each JSON write the OpenAPI document describes, malformed JSON, wrong
/// types, oversized strings, control and bidirectional characters, injection strings, out-of-range numbers and dates —
/// generic cases and one set per field of the route's request body; for the CSV imports, files in the wrong encoding,
/// binary files and broken CSV. Every case must be refused with a 4xx problem (never a 5xx, never a success), and the
/// data must be exactly what it was before (every domain table compared).
/// </summary>
public sealed class BadInputCorpusTests
{
    /// <summary>Tables whose rows are the platform's data; a refused request must leave each byte for byte as it was.</summary>
    private static readonly string[] DataTables =
    [
        "departments", "inspection_items", "market_entities", "inspectors", "users", "draw_tasks", "draw_records", "inspections",
        "inspection_members", "evidence_files", "inspection_outcomes", "follow_ups", "abnormal_listings", "abnormal_entries", "credit_external_records",
        "credit_events", "published_results",
    ];

    [Fact]
    public async Task Hostile_input_to_every_write_route_is_refused_with_a_4xx_and_changes_nothing()
    {
        await using var platform = await InspectionPlatform.StartAsync(settings: new Dictionary<string, string?> { ["Supervision:Public:PermitLimit"] = "1000000" });
        var fixture = await SecurityFixture.CreateAsync(platform);
        var before = await FingerprintAsync(platform);

        using var anonymous = platform.Host.Anonymous();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var cases = 0;
        var failures = new List<string>();
        foreach (var (method, path, schema, required) in JsonWrites(document))
        {
            var persona = PersonaFor(path);
            var url = fixture.Fill(path);
            foreach (var (name, body, contentType) in Cases(schema, document, required))
            {
                cases++;
                using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                if (method == "PUT") request.Headers.TryAddWithoutValidation("If-Match", await CurrentETagAsync(fixture.Bearer(persona), url));
                using var response = await fixture.Bearer(persona).SendAsync(request);
                var status = (int)response.StatusCode;
                if (status is < 400 or >= 500 or 401 or 403)
                    failures.Add($"{method} {path} [{name}] as {persona}: {status} {Clip(await response.Content.ReadAsStringAsync())}");
            }
        }

        foreach (var (route, name, body) in CsvCases())
        {
            cases++;
            var persona = route.Contains("credit", StringComparison.Ordinal) ? "credit" : "admin";
            using var response = await fixture.Bearer(persona).PostAsync(route, new ByteArrayContent(body));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            // A CSV upload that is read is a job (201) whose bad rows are all rejected; a file that is not CSV is a 400.
            var refused = status == 400 || (status == 201 && JsonNode.Parse(text) is { } job && IsWhollyRejected(job));
            if (!refused) failures.Add($"POST {route} [{name}]: {status} {Clip(text)}");
        }

        // Evidence uploads (a file body, not JSON), by the team member who may upload: every one refused whole.
        var evidence = fixture.Fill("/api/inspections/{taskId}/{entity}/evidence");
        foreach (var (name, body, mediaType) in EvidenceCases())
        {
            cases++;
            using var request = new HttpRequestMessage(HttpMethod.Post, evidence) { Content = new ByteArrayContent(body) };
            if (mediaType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
            // A client that announces a large body waits for the server's go-ahead; a refusal comes before the bytes.
            request.Headers.ExpectContinue = true;
            using var response = await fixture.Bearer("inspector").SendAsync(request);
            var status = (int)response.StatusCode;
            if (status is < 400 or >= 500 or 401 or 403)
                failures.Add($"POST evidence [{name}]: {status} {Clip(await response.Content.ReadAsStringAsync())}");
        }

        Assert.True(cases >= 300, $"only {cases} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases were not refused:\n" + string.Join("\n", failures));
        var after = await FingerprintAsync(platform);
        foreach (var table in DataTables)
            Assert.True(before[table] == after[table], $"{table} changed although every request was refused");
    }

    private static bool IsWhollyRejected(JsonNode job) =>
        (job["inserted"]?.GetValue<long>() ?? job["accepted"]?.GetValue<int>() ?? 0) == 0 && (job["updated"]?.GetValue<long>() ?? 0) == 0;

    private static string Clip(string s) => s.Length > 300 ? s[..300] + "…" : s;

    /// <summary>Who sends the requests: the one who gets furthest into each route (past its role fence, to its validation).</summary>
    private static string PersonaFor(string path) =>
        path.StartsWith("/api/inspections/", StringComparison.Ordinal)
            ? path.EndsWith("/approve", StringComparison.Ordinal) || path.EndsWith("/return", StringComparison.Ordinal) || path.EndsWith("/amend", StringComparison.Ordinal) ? "reviewer" : "inspector"
            : path.StartsWith("/api/credit/", StringComparison.Ordinal) ? "credit"
            : path.EndsWith("/cancel-requests/decision", StringComparison.Ordinal) ? "admin"
            : path.EndsWith("/ceremony/commitments", StringComparison.Ordinal) || path.EndsWith("/ceremony/reveals", StringComparison.Ordinal) ? "witness"
            : path.StartsWith("/api/tasks", StringComparison.Ordinal) ? "scheduler"
            : "admin";

    private static async Task<string> CurrentETagAsync(HttpClient client, string url)
    {
        var readable = url.EndsWith("/draft", StringComparison.Ordinal) ? url[..^"/draft".Length] : url;
        using var response = await client.GetAsync(readable);
        return response.Headers.ETag?.Tag ?? "\"1\"";
    }

    /// <summary>The JSON writes of the document: (method, path template, request schema).</summary>
    private static IEnumerable<(string Method, string Path, JsonElement Schema, bool Required)> JsonWrites(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name is not ("post" or "put" or "patch")) continue;
                if (!operation.Value.TryGetProperty("requestBody", out var body)
                    || !body.GetProperty("content").TryGetProperty("application/json", out var json)) continue;
                // The sign-in and password routes have their own tests (lockout counts each attempt).
                if (path.Name is "/api/auth/token" or "/api/auth/password") continue;
                yield return (operation.Name.ToUpperInvariant(), path.Name, json.GetProperty("schema"),
                    body.TryGetProperty("required", out var required) && required.GetBoolean());
            }
        }
    }

    private const string Json = "application/json";

    private static IEnumerable<(string Name, byte[] Body, string ContentType)> Cases(JsonElement schema, JsonElement document, bool required)
    {
        static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

        // Malformed and hostile documents.
        // An optional body may be left out (e.g. the access link's days): only a required one must be refused when empty.
        if (required) yield return ("empty body", [], Json);
        yield return ("truncated object", U("{\"name\": \"abc\""), Json);
        yield return ("bare string", U("\"text\""), Json);
        yield return ("bare number", U("42"), Json);
        yield return ("array", U("[1, 2, 3]"), Json);
        if (required) yield return ("null", U("null"), Json);
        yield return ("trailing garbage", U("{} {}"), Json);
        yield return ("comment", U("{ /* x */ }"), Json);
        yield return ("lone surrogate", U("{\"name\": \"\\ud800\"}"), Json);
        yield return ("invalid UTF-8", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'], Json);
        yield return ("UTF-16 document", Encoding.Unicode.GetBytes("{\"name\":\"x\"}"), Json);
        yield return ("deep nesting", U(new string('[', 5000) + new string(']', 5000)), Json);
        yield return ("wrong content type", U("name=x"), "application/x-www-form-urlencoded");
        yield return ("two megabytes", U("{\"name\": \"" + new string('x', 2 * 1024 * 1024) + "\"}"), Json);

        var properties = Properties(schema, document);
        foreach (var (field, type) in properties)
        {
            foreach (var (name, value) in HostileValues(type))
            {
                // A password may be any Unicode text but control characters: bidirectional marks are not hostile there.
                if (field.Contains("assword", StringComparison.Ordinal) && name.StartsWith("bidi", StringComparison.Ordinal)) continue;
                if (field.Contains("assword", StringComparison.Ordinal) && name == "right-to-left override") continue;
                var body = new JsonObject { [field] = value?.DeepClone() };
                yield return ($"{field}: {name}", U(body.ToJsonString()), Json);
            }
        }
    }

    /// <summary>Values no field of that type may accept.</summary>
    private static IEnumerable<(string Name, JsonNode? Value)> HostileValues(string type)
    {
        yield return ("object", new JsonObject { ["$where"] = "1" });
        if (type != "array") yield return ("array", new JsonArray("a", 1));
        if (type == "string")
        {
            yield return ("NUL", "abc\u0000def");
            yield return ("BEL and escape", "abc\u0007\u001b[31m");
            yield return ("right-to-left override", "abc\u202Eexe.gpj");
            yield return ("bidirectional isolate", "\u2067abc\u2069");
            yield return ("200 000 characters", new string('長', 200_000));
            yield return ("SQL injection with control character", "x'; DROP TABLE users; --\u0000");
            yield return ("number", 12345);
            yield return ("boolean", true);
        }
        else if (type is "integer" or "number")
        {
            yield return ("string", "ten");
            yield return ("too large", JsonNode.Parse("1e400"));
            yield return ("beyond 64 bits", JsonNode.Parse("123456789012345678901234567890"));
            yield return ("fraction for an integer", type == "integer" ? 1.5 : "1,5");
        }
        else if (type == "array")
        {
            yield return ("string", "a,b");
            yield return ("array of objects", new JsonArray(new JsonObject { ["x"] = 1 }));
            yield return ("control characters inside", new JsonArray("ok", "bad\u0000"));
            yield return ("100 000 elements", new JsonArray([.. Enumerable.Range(0, 100_000).Select(i => (JsonNode?)JsonValue.Create(i))]));
        }
        else if (type == "boolean")
        {
            yield return ("string", "yes");
            yield return ("number", 2);
        }
        else if (type == "date")
        {
            yield return ("month 13", "2026-13-45");
            yield return ("year 0", "0000-01-01");
            yield return ("not a date", "tomorrow");
            yield return ("SQL", "2026-01-01' OR '1'='1");
        }
    }

    /// <summary>Top-level properties of the request schema and their types ("date" for date strings).</summary>
    private static List<(string Field, string Type)> Properties(JsonElement schema, JsonElement document)
    {
        schema = Resolve(schema, document);
        var list = new List<(string, string)>();
        if (!schema.TryGetProperty("properties", out var properties)) return list;
        foreach (var p in properties.EnumerateObject())
        {
            var s = Resolve(p.Value, document);
            var type = TypeOf(s);
            list.Add((p.Name, type));
        }

        return list;
    }

    private static string TypeOf(JsonElement s)
    {
        if (s.TryGetProperty("format", out var f) && f.GetString() is "date" or "date-time") return "date";
        if (!s.TryGetProperty("type", out var t)) return "object";
        if (t.ValueKind == JsonValueKind.String) return t.GetString()!;
        // ["string", "null"] and the like.
        return t.EnumerateArray().Select(x => x.GetString()!).FirstOrDefault(x => x != "null") ?? "object";
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement document)
    {
        while (schema.TryGetProperty("$ref", out var r))
        {
            var name = r.GetString()!.Split('/')[^1];
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }

    /// <summary>Uploads the evidence route must refuse: no type, a type not allowed, bytes that are not what they claim, empty, too large.</summary>
    private static IEnumerable<(string Name, byte[] Body, string? MediaType)> EvidenceCases()
    {
        var html = Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>");
        yield return ("no content type", [0x89, 0x50, 0x4E, 0x47], null);
        yield return ("HTML", html, "text/html");
        yield return ("SVG with script", Encoding.UTF8.GetBytes("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), "image/svg+xml");
        yield return ("HTML declared as PNG", html, "image/png");
        yield return ("HTML declared as JPEG", html, "image/jpeg");
        yield return ("HTML declared as PDF", html, "application/pdf");
        yield return ("executable declared as MP4", [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00], "video/mp4");
        yield return ("empty PNG", [], "image/png");
        yield return ("a media type with parameters and injection", [0x89, 0x50, 0x4E, 0x47], "image/png; charset=\"'; DROP TABLE evidence_files; --\"");
        yield return ("60 megabytes", [0x25, 0x50, 0x44, 0x46, .. new byte[60 * 1024 * 1024]], "application/pdf");
    }

    /// <summary>Files the CSV imports must refuse whole (every line rejected, or the file refused).</summary>
    private static IEnumerable<(string Route, string Name, byte[] Body)> CsvCases()
    {
        const string entities = "/api/imports/entities";
        const string inspectors = "/api/imports/inspectors";
        const string credit = "/api/credit/external-records";
        var entityHeader = "creditCode,legacyRegNo,name,entityType,industryCode,divisionCode,address,legalRepresentative,status,registeredOn,creditClass,tags\n";
        var inspectorHeader = "certificateNo,name,departmentCode,certificateExpiresOn\n";
        var creditHeader = "creditCode,authority,reference,kind,severity,occurredOn,description\n";
        foreach (var (route, header, row) in new[]
        {
            // Rows that are wrong by content (not a credit code at all, a department or entity that does not exist), each
            // with Chinese text so that a file in another encoding is not accidentally valid UTF-8.
            (entities, entityHeader, "NOT-A-CREDIT-CODE,,名称,91,52,210102,,,open,,,\n"),
            (inspectors, inspectorHeader, "BAD-1,名字,NO-SUCH-DEPT,2030-01-01\n"),
            (credit, creditHeader, "91210102MA0BADX01X,大连市监局,REF-1,penalty,grave,2026-01-01,无证经营\n"),
        })
        {
            yield return (route, "binary", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]);
            yield return (route, "UTF-16 with byte-order mark", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(header + row)]);
            yield return (route, "GB18030", Gb18030(header + row));
            yield return (route, "header only", Encoding.UTF8.GetBytes(header));
            yield return (route, "unterminated quote", Encoding.UTF8.GetBytes(header + "\"" + row));
            yield return (route, "NUL in a field", Encoding.UTF8.GetBytes(header + row.Replace(",", ",\u0000", StringComparison.Ordinal)));
            yield return (route, "a line of one megabyte", Encoding.UTF8.GetBytes(header + new string('x', 1024 * 1024) + "\n"));
            yield return (route, "unknown entities or departments only", Encoding.UTF8.GetBytes(header + row));
        }
    }

    private static byte[] Gb18030(string text)
    {
        try
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding("GB18030").GetBytes(text);
        }
        catch (ArgumentException)
        {
            return Encoding.Latin1.GetBytes(text);
        }
    }

    private static async Task<Dictionary<string, string>> FingerprintAsync(InspectionPlatform platform)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = await platform.Store.OpenAsync();
        foreach (var table in DataTables)
        {
            var rows = (await connection.QueryAsync($"SELECT * FROM {table}")).Select(r => JsonSerializer.Serialize((IDictionary<string, object?>)r))
                .Order(StringComparer.Ordinal);
            result[table] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rows))));
        }

        return result;
    }
}
