using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Web;

/// <summary>
/// The names a person reads where the records hold codes: departments, inspection items and (staff pages only)
/// inspectors. Each lookup returns a map from code to name; a code without a record keeps its code as its name, so a
/// page never shows an empty cell.
/// </summary>
public sealed class DirectoryNames(IReadOnlyDictionary<string, string> names)
{
    public static readonly DirectoryNames None = new(new Dictionary<string, string>(StringComparer.Ordinal));

    public string this[string code] => names.TryGetValue(code, out var name) && name.Length > 0 ? name : code;

    /// <summary>Departments by code, in one query.</summary>
    public static async Task<DirectoryNames> DepartmentsAsync(DepartmentStore store, IEnumerable<string> codes, CancellationToken ct)
    {
        var departments = await store.GetManyAsync(codes.Distinct(StringComparer.Ordinal).ToList(), ct);
        return new DirectoryNames(departments.ToDictionary(kv => kv.Key, kv => kv.Value.Name, StringComparer.Ordinal));
    }

    public static async Task<DirectoryNames> ItemsAsync(InspectionItemStore store, IEnumerable<string> codes, CancellationToken ct)
    {
        var items = await store.GetManyAsync(codes.Distinct(StringComparer.Ordinal).ToList(), ct);
        return new DirectoryNames(items.ToDictionary(kv => kv.Key, kv => kv.Value.Name, StringComparer.Ordinal));
    }

    /// <summary>Inspectors by certificate number: staff pages only (the public sees no inspector's personal data).</summary>
    public static async Task<DirectoryNames> InspectorsAsync(InspectorStore store, IEnumerable<string> certificates, CancellationToken ct)
    {
        var inspectors = await store.GetManyAsync(certificates.Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList(), ct);
        return new DirectoryNames(inspectors.ToDictionary(kv => kv.Key, kv => kv.Value.Name, StringComparer.Ordinal));
    }

    /// <summary>A team member as a person reads it: "王伟（组长）C-0001" — the name, the lead said in words, the certificate.</summary>
    public string Member(string certificateNo, bool isLead, UiText t) =>
        this[certificateNo] + (isLead ? t["（组长）", " (lead)"] : "") + (this[certificateNo] == certificateNo ? "" : " " + certificateNo);

    /// <summary>A team stored as "C1,C2,…" (its lead first) by its members' names.</summary>
    public string Team(string certificates, UiText t) =>
        string.Join(t["、", ", "], certificates.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((c, i) => this[c] + (i == 0 ? t["（组长）", " (lead)"] : "")));
}
