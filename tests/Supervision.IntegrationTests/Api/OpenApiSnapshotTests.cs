using System.Net.Http.Json;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// The OpenAPI document's surface, in detail: every path with its set of methods, and every component schema whole
/// (properties, types, formats, required lists, enums, references), compared with the checked-in snapshot
/// <c>Api/openapi-snapshot.json</c>. Handlers may change how they are written (typed results, service bundles) and
/// operations may gain responses, but a path, a method or a schema that changes shape fails here: clients generated
/// from the document would change. The snapshot is normalized (object members sorted) so that it is stable; when the
/// API changes on purpose, rewrite it with <c>SUPERVISION_UPDATE_OPENAPI_SNAPSHOT=1</c> and review the diff.
/// </summary>
public sealed class OpenApiSnapshotTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private const string SnapshotFile = "tests/Supervision.IntegrationTests/Api/openapi-snapshot.json";
    private const string UpdateVariable = "SUPERVISION_UPDATE_OPENAPI_SNAPSHOT";

    private static readonly JsonSerializerOptions Written = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task The_documents_paths_methods_and_schemas_are_the_snapshots()
    {
        using var client = platform.Host.Anonymous();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var served = Surface(document).ToJsonString(Written).ReplaceLineEndings("\n") + "\n";
        var path = Path.Combine(Repository.Root, SnapshotFile);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served, new UTF8Encoding(false));
            return;
        }

        Assert.True(File.Exists(path), $"{SnapshotFile} is missing: run this test once with {UpdateVariable}=1 and commit the file.");
        var recorded = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
        if (recorded == served) return;

        var before = Leaves(JsonNode.Parse(recorded)!).ToList();
        var after = Leaves(JsonNode.Parse(served)!).ToList();
        var gone = before.Except(after, StringComparer.Ordinal).Select(l => "- " + l);
        var added = after.Except(before, StringComparer.Ordinal).Select(l => "+ " + l);
        var differences = gone.Concat(added).ToList();
        var actual = Path.Combine(Path.GetTempPath(), "openapi-snapshot.served.json");
        await File.WriteAllTextAsync(actual, served, new UTF8Encoding(false));
        Assert.Fail(
            $"/openapi/v1.json's paths or schemas differ from {SnapshotFile} ({differences.Count} line(s); the served surface is in {actual}). "
            + $"If the API changed on purpose, rerun with {UpdateVariable}=1 and commit the file; if not, fix the code:\n"
            + string.Join("\n", differences.Take(80)));
    }

    [Fact]
    public void The_surface_is_normalized_so_member_order_does_not_matter()
    {
        var one = JsonDocument.Parse("""{"paths":{"/b":{"post":{},"get":{},"parameters":[]},"/a":{"get":{}}},"components":{"schemas":{"Z":{"type":"object","properties":{"y":{"type":"string"},"x":{"type":"integer"}}},"A":{"type":"string"}}}}""").RootElement;
        var two = JsonDocument.Parse("""{"components":{"schemas":{"A":{"type":"string"},"Z":{"properties":{"x":{"type":"integer"},"y":{"type":"string"}},"type":"object"}}},"paths":{"/a":{"get":{}},"/b":{"get":{},"post":{}}}}""").RootElement;
        Assert.Equal(Surface(one).ToJsonString(), Surface(two).ToJsonString());
        Assert.Equal("""{"paths":{"/a":["get"],"/b":["get","post"]},"schemas":{"A":{"type":"string"},"Z":{"properties":{"x":{"type":"integer"},"y":{"type":"string"}},"type":"object"}}}""", Surface(one).ToJsonString());
    }

    /// <summary>{ paths: { path: [methods, sorted] }, schemas: { name: schema } }, every object's members sorted by name.</summary>
    private static JsonObject Surface(JsonElement document)
    {
        var paths = new JsonObject();
        foreach (var path in document.GetProperty("paths").EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var methods = path.Value.EnumerateObject().Select(o => o.Name).Where(OpenApiDocumentTests.Methods.Contains).Order(StringComparer.Ordinal);
            paths[path.Name] = new JsonArray([.. methods.Select(m => (JsonNode)JsonValue.Create(m))]);
        }

        var schemas = document.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var s)
            ? Sorted(s)
            : new JsonObject();
        return new JsonObject { ["paths"] = paths, ["schemas"] = schemas };
    }

    private static JsonNode? Sorted(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new JsonObject(element.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Name, Sorted(p.Value)))),
        JsonValueKind.Array => new JsonArray([.. element.EnumerateArray().Select(Sorted)]),
        _ => JsonNode.Parse(element.GetRawText()),
    };

    /// <summary>Each value with its JSON pointer, so that a difference reads as the member that changed.</summary>
    private static IEnumerable<string> Leaves(JsonNode node, string pointer = "")
    {
        switch (node)
        {
            case JsonObject o when o.Count > 0:
                foreach (var (name, child) in o)
                {
                    foreach (var leaf in child is null ? [$"{pointer}/{name} = null"] : Leaves(child, $"{pointer}/{name}")) yield return leaf;
                }

                break;
            case JsonArray a when a.Count > 0:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var leaf in a[i] is null ? [$"{pointer}/{i} = null"] : Leaves(a[i]!, $"{pointer}/{i}")) yield return leaf;
                }

                break;
            default:
                yield return $"{pointer} = {node.ToJsonString()}";
                break;
        }
    }
}
