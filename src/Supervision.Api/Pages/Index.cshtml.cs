using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;
using Supervision.Core.Registry;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Api.Pages;

/// <summary>The portal's search: the same query and the same answer as GET /api/public/v1/results.</summary>
public sealed class IndexModel(PublicQueries queries, ReferenceData reference) : PageModel
{
    /// <summary>The fields under "advanced" (codes); the box opens when one of them is filled.</summary>
    public static readonly string[] AdvancedFields = ["division", "industry", "department", "task"];

    public PublicQueries Queries => queries;

    public ReferenceData Reference => reference;

    public PublicPage<PublicResult>? Results { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>What the place and industry in words resolved to.</summary>
    public SearchWords Words { get; private set; } = SearchWords.None;

    /// <summary>The place typed when it named no division, with the divisions to suggest instead; null otherwise.</summary>
    public PlaceMatch? UnknownPlace { get; private set; }

    /// <summary>The industry typed when it named none; null otherwise.</summary>
    public string? UnknownIndustry { get; private set; }

    public bool Searched { get; private set; }

    public async Task OnGetAsync(string? name, string? creditCode, string? place, string? industryName, string? division, string? industry,
        string? department, string? task, string? from, string? to, string? sort, string? after, CancellationToken ct)
    {
        var (query, errors, words) = PublicQueries.Parse(reference, name, creditCode, place, industryName, division, industry, department, task, from, to, sort, after, null);
        // A place or industry in words that names nothing is explained on its own, in the reader's language, with suggestions.
        if (errors.Any(e => e.Field == "place")) UnknownPlace = reference.ResolvePlace(place);
        if (errors.Any(e => e.Field == "industryName")) UnknownIndustry = industryName!.Trim();
        Errors = errors.Where(e => e.Field is not ("place" or "industryName")).ToList();
        Words = words;
        if (query is null) return;
        Searched = Request.Query.Count > 0;
        Results = await queries.SearchAsync(query, ct);
    }

    public string Value(string key) => Request.Query[key].ToString();

    public bool AdvancedOpen => AdvancedFields.Any(f => Value(f).Length > 0);

    /// <summary>This search with one parameter changed (and the page position dropped unless it is the one changed).</summary>
    public string With(string key, string? value)
    {
        var pairs = Request.Query.Where(q => q.Key != key && q.Key != "after" && q.Key != "lang" && q.Value.ToString().Length > 0)
            .Select(q => (q.Key, q.Value.ToString())).ToList();
        if (!string.IsNullOrEmpty(value)) pairs.Add((key, value));
        return "/?" + string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
    }
}
