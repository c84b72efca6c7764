using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;
using Supervision.Core.Directory;

namespace Supervision.Api.Pages;

/// <summary>The portal's search: the same query and the same answer as GET /api/public/v1/results.</summary>
public sealed class IndexModel(PublicQueries queries) : PageModel
{
    public PublicQueries Queries => queries;

    public PublicPage<PublicResult>? Results { get; private set; }

    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    public bool Searched { get; private set; }

    public async Task OnGetAsync(string? name, string? creditCode, string? division, string? industry, string? department, string? task,
        string? from, string? to, string? sort, string? after, CancellationToken ct)
    {
        var (query, errors) = PublicQueries.Parse(name, creditCode, division, industry, department, task, from, to, sort, after, null);
        Errors = errors;
        if (query is null) return;
        Searched = Request.Query.Count > 0;
        Results = await queries.SearchAsync(query, ct);
    }

    public string Value(string key) => Request.Query[key].ToString();

    /// <summary>This search with one parameter changed (and the page position dropped unless it is the one changed).</summary>
    public string With(string key, string? value)
    {
        var pairs = Request.Query.Where(q => q.Key != key && q.Key != "after" && q.Key != "lang" && q.Value.ToString().Length > 0)
            .Select(q => (q.Key, q.Value.ToString())).ToList();
        if (!string.IsNullOrEmpty(value)) pairs.Add((key, value));
        return "/?" + string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
    }
}
