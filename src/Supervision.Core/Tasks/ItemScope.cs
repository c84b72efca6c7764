using System.Text.Json.Serialization;
using Supervision.Core.Reference;

namespace Supervision.Core.Tasks;

/// <summary>
/// The object scope of one inspection item as the freeze applies it (docs/draw-service.md, "The population"): the entity
/// types it applies to (empty = all) and the industry-code prefixes (empty = all), with a section letter of the item list
/// written out as the two-digit divisions of that section, because entities carry numeric GB/T 4754 codes.
/// </summary>
public sealed record ItemScope(
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("entityTypes")] IReadOnlyList<string> EntityTypes,
    [property: JsonPropertyName("industryPrefixes")] IReadOnlyList<string> IndustryPrefixes)
{
    /// <summary>True when the item applies to every entity (it restricts nothing).</summary>
    [JsonIgnore]
    public bool IsUnrestricted => EntityTypes.Count == 0 && IndustryPrefixes.Count == 0;

    /// <summary>Whether the item applies to an entity of <paramref name="entityType"/> in <paramref name="industryCode"/>.</summary>
    public bool Applies(string entityType, string industryCode) =>
        (EntityTypes.Count == 0 || EntityTypes.Contains(entityType, StringComparer.Ordinal))
        && (IndustryPrefixes.Count == 0 || IndustryPrefixes.Any(p => industryCode.StartsWith(p, StringComparison.Ordinal)));
}

public static class ItemScopes
{
    /// <summary>
    /// An item's scope from its record: entity types as listed; industries as listed, except that a section letter
    /// becomes every division of that section. Both lists are distinct and in ordinal order, so the same item list gives
    /// the same scope (it is recorded with the freeze).
    /// </summary>
    public static ItemScope Of(string item, IEnumerable<string> entityTypes, IEnumerable<string> industries, ReferenceData reference)
    {
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var code in industries.Select(i => i.Trim()).Where(i => i.Length > 0))
        {
            if (code.Length == 1 && reference.IndustrySection(code) is not null)
            {
                foreach (var division in reference.IndustryDivisions.Where(d => d.Section == code)) prefixes.Add(division.Code);
            }
            else
            {
                prefixes.Add(code);
            }
        }

        // A prefix covered by a shorter one adds nothing ("13" covers "131").
        var minimal = prefixes.Where(p => !prefixes.Any(q => q.Length < p.Length && p.StartsWith(q, StringComparison.Ordinal))).ToArray();
        var types = entityTypes.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new ItemScope(item, types, minimal);
    }

    /// <summary>
    /// Whether a task's items apply to an entity: every item of a task is inspected at every drawn entity, so an entity is
    /// in a task's population only when each item's scope includes it.
    /// </summary>
    public static bool AllApply(IReadOnlyList<ItemScope> scopes, string entityType, string industryCode) =>
        scopes.All(s => s.Applies(entityType, industryCode));

    /// <summary>The scopes that restrict anything, in item order (unrestricted items add no condition).</summary>
    public static IReadOnlyList<ItemScope> Restricting(IReadOnlyList<ItemScope> scopes) => [.. scopes.Where(s => !s.IsUnrestricted)];
}
