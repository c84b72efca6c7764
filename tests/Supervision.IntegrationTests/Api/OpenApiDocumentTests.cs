using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Api.Hosting;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Security;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// The OpenAPI document as served by the real platform (issue 17): its operations and schemas are the recorded ones, and
/// every operation is complete for client generators and linters — a unique operationId, a summary, a 2xx answer, a
/// problem-details 4xx and 503, and the security it really needs, judged against the anonymous column of
/// docs/authorization.md (401 there: a bearer token is required; anything else: the route is open, so the document must
/// not demand one). Each failure names the operation.
/// </summary>
public sealed class OpenApiDocumentTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    /// <summary>Operations ("GET /path") and component schemas ("schema Name") the document had before issue 17 completed it.</summary>
    private const string RecordedSurface = "tests/Supervision.IntegrationTests/Api/openapi-paths.txt";

    /// <summary>The members of a path item that are operations.</summary>
    internal static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    [Fact]
    public async Task The_documents_operations_and_schemas_are_the_recorded_ones()
    {
        var document = await DocumentAsync();
        var served = Operations(document).Select(o => o.Name)
            .Concat(document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => "schema " + s.Name))
            .ToHashSet(StringComparer.Ordinal);
        var recorded = File.ReadLines(Path.Combine(Repository.Root, RecordedSurface))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);

        var added = served.Except(recorded).Order(StringComparer.Ordinal).ToList();
        var gone = recorded.Except(served).Order(StringComparer.Ordinal).ToList();
        Assert.True(added.Count == 0 && gone.Count == 0,
            $"the document's surface differs from {RecordedSurface} (change the file when the API changes on purpose):\n"
            + string.Join("\n", added.Select(a => "+ " + a).Concat(gone.Select(g => "- " + g))));
    }

    [Fact]
    public async Task The_routes_that_start_long_operations_declare_the_202_to_follow_beside_their_own_answer()
    {
        var document = await DocumentAsync();
        var byName = Operations(document).ToDictionary(o => o.Name, o => o.Operation, StringComparer.Ordinal);
        string[] longOperations =
        [
            "POST /api/tasks/{id}/freeze", "POST /api/tasks/{id}/draw/entities", "POST /api/tasks/{id}/draw/inspectors", "POST /api/tasks/{id}/dispatch",
            "POST /api/imports/entities", "POST /api/imports/inspectors", "POST /api/credit/external-records",
        ];
        foreach (var name in longOperations)
        {
            var responses = byName[name].GetProperty("responses");
            Assert.True(responses.TryGetProperty("202", out var accepted), $"{name}: no 202");
            Assert.Contains("/api/operations/{id}", accepted.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.True(accepted.GetProperty("headers").TryGetProperty("Location", out _), $"{name}: the 202 names no Location");
            Assert.Contains(responses.EnumerateObject(), r => r.Name is "200" or "201");
        }
        // The recomputation always answers 202 (its run is the resource), so it declares no 200.
        var recompute = byName["POST /api/credit/recompute"].GetProperty("responses");
        Assert.True(recompute.TryGetProperty("202", out _));
        Assert.False(recompute.TryGetProperty("200", out _));
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_its_answers_and_its_security()
    {
        var document = await DocumentAsync();
        var anonymous = AuthorizationMatrixTests.ReadMatrix().ToDictionary(r => r.Key, r => r.Value[0], StringComparer.Ordinal);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var failures = new List<string>();

        foreach (var server in document.GetProperty("servers").EnumerateArray())
        {
            var url = server.GetProperty("url").GetString() ?? "";
            if (url.EndsWith('/')) failures.Add($"server {url}: ends with '/'");
        }

        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, operation) in Operations(document))
        {
            var id = Text(operation, "operationId");
            if (id is null) failures.Add($"{name}: no operationId");
            else if (!ids.TryAdd(id, name)) failures.Add($"{name}: operationId '{id}' is also {ids[id]}'s");
            if (Text(operation, "summary") is null) failures.Add($"{name}: no summary (WithSummary)");

            var responses = operation.TryGetProperty("responses", out var r) ? r.EnumerateObject().ToList() : [];
            if (!responses.Any(x => x.Name.StartsWith('2'))) failures.Add($"{name}: no 2xx response");
            if (!responses.Any(x => x.Name.StartsWith('4') && IsProblem(x.Value, schemas))) failures.Add($"{name}: no problem-details 4xx response");
            if (!responses.Any(x => x.Name == "503" && IsProblem(x.Value, schemas))) failures.Add($"{name}: no problem-details 503 response");

            if (!operation.TryGetProperty("security", out var security))
            {
                failures.Add($"{name}: no security (an open route says so with an empty list)");
                continue;
            }

            var requirements = security.EnumerateArray().ToList();
            foreach (var scheme in requirements.SelectMany(q => q.EnumerateObject()).Where(s => !schemes.TryGetProperty(s.Name, out _)))
            {
                failures.Add($"{name}: security names an undefined scheme '{scheme.Name}'");
            }

            // A requirement list demands a token unless it is empty or offers the empty requirement ({}) as one choice.
            var demandsToken = requirements.Count > 0 && requirements.All(q => q.EnumerateObject().Any());
            if (!anonymous.TryGetValue(name, out var cell))
            {
                failures.Add($"{name}: no row in docs/authorization.md");
                continue;
            }

            var needsToken = cell == "401";
            if (needsToken && !demandsToken) failures.Add($"{name}: anonymous callers get 401, but the document does not require the Bearer token");
            if (!needsToken && demandsToken) failures.Add($"{name}: open to anonymous callers ({cell}), but the document requires a token");
            if (needsToken && !responses.Any(x => x.Name == "401")) failures.Add($"{name}: requires a token but declares no 401");
            if (needsToken && !responses.Any(x => x.Name == "403")) failures.Add($"{name}: requires a token but declares no 403");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} problem(s) in /openapi/v1.json:\n" + string.Join("\n", failures));
    }

    [Theory]
    [InlineData("GET", "/api/tasks/{id}/draw/pack", "getTasksDrawPack")]
    [InlineData("GET", "/api/tasks/{id}", "getTasksById")]
    [InlineData("GET", "/api/tasks/", "getTasks")]
    [InlineData("POST", "/api/tasks/{id}/cancel-requests/decision", "postTasksCancelRequestsDecision")]
    [InlineData("GET", "/api/imports/{id}/errors.csv", "getImportsErrorsCsv")]
    [InlineData("GET", "/api/inspections/{taskId}/{entity}", "getInspectionsByTaskIdAndEntity")]
    [InlineData("GET", "/api/public/v1/downloads/{year:int}/{department}.{format}", "getPublicV1DownloadsByYearAndDepartmentAndFormat")]
    [InlineData("GET", "/api/statistics/charts/{name}.svg", "getStatisticsChartsSvg")]
    [InlineData("GET", "/reference/{documentName?}", "getReferenceByDocumentName")]
    public void Operation_ids_are_the_method_and_the_routes_words(string method, string route, string expected) =>
        Assert.Equal(expected, OpenApiCompleteness.OperationIdFor(method, route));

    private async Task<JsonElement> DocumentAsync()
    {
        using var client = platform.Host.Anonymous();
        return await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
    }

    private static IEnumerable<(string Name, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where Methods.Contains(operation.Name)
        select ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>Problem details: application/problem+json whose schema refers to a schema the document defines.</summary>
    private static bool IsProblem(JsonElement response, JsonElement schemas) =>
        response.TryGetProperty("content", out var content)
        && content.TryGetProperty("application/problem+json", out var media)
        && media.TryGetProperty("schema", out var schema)
        && schema.TryGetProperty("$ref", out var reference)
        && reference.GetString() is { } target
        && target.StartsWith("#/components/schemas/", StringComparison.Ordinal)
        && schemas.TryGetProperty(target["#/components/schemas/".Length..], out _);
}
