using System.Text.Json.Nodes;

namespace Supervision.Core.Tests.Draw;

/// <summary>Changes a pack (or any JSON document) the way a forger would, for the verifiers' tampering tests.</summary>
internal static class PackJson
{
    public static string Tamper(string json, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(json)!;
        change(node);
        return node.ToJsonString();
    }
}
