using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Web;
using Supervision.Core.Feeds;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Feeds;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Feeds;

/// <summary>What the feed routes need, bundled.</summary>
public sealed record FeedServices(FeedQueries Queries, DepartmentStore Departments, PublicBaseUrl BaseUrl);

/// <summary>
/// Atom feeds of the public event log (docs/public-portal.md, "Feeds"): the whole portal, one entity, one department,
/// one area (a division code prefix). Newest first, <c>limit</c> entries a page, <c>before</c> (a seq, given in the
/// <c>rel="next"</c> link) for the next; cached and validated like every public answer; anonymous and rate-limited.
/// </summary>
public static class FeedApi
{
    public const string Prefix = "/api/public/v1/feeds";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var feeds = app.MapGroup(Prefix).WithTags("Open data v1").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        feeds.MapGet("/all.atom", All)
            .WithSummary("Atom feed of every public change (tasks published, drawn lists, results, amendments, abnormal-operations listings), newest first; before = the next page's cursor (rel=\"next\"), limit, lang=en.");
        feeds.MapGet("/entities/{creditCode}.atom", Entity)
            .WithSummary("Atom feed of one entity's public changes: drawn for inspection, results and amendments published, abnormal-operations listing and removal.");
        feeds.MapGet("/departments/{code}.atom", Department)
            .WithSummary("Atom feed of the public changes a department leads or decides: its tasks published, their drawn lists, its results and amendments, its listings.");
        feeds.MapGet("/areas/{division}.atom", Area)
            .WithSummary("Atom feed of the public changes in an area: events whose entity's division (or whose task's population) is within the division code prefix (2, 4 or 6 digits).");
        return app;
    }

    /// <summary>The feed's path for a filter (what pages link to with rel="alternate").</summary>
    public static string PathOf(EventFilter filter) => filter.Kind switch
    {
        EventFilter.Entity => $"{Prefix}/entities/{Uri.EscapeDataString(filter.Value!)}.atom",
        EventFilter.Department => $"{Prefix}/departments/{Uri.EscapeDataString(filter.Value!)}.atom",
        EventFilter.Area => $"{Prefix}/areas/{filter.Value}.atom",
        _ => $"{Prefix}/all.atom",
    };

    private static Task<Results<CachedAtom, ValidationProblem, ProblemHttpResult>> All([AsParameters] FeedServices s, string? before, int? limit, string? lang,
        CancellationToken ct) =>
        PageAsync(s, EventFilter.Everything, "/", ("公示动态：全部", "Public changes: everything"), before, limit, lang, ct);

    private static async Task<Results<CachedAtom, ValidationProblem, ProblemHttpResult>> Entity(string creditCode, [AsParameters] FeedServices s, string? before,
        int? limit, string? lang, CancellationToken ct)
    {
        var (filter, error) = EventFilter.Parse(EventFilter.Entity, creditCode, valueField: "creditCode");
        if (filter is null) return Problems.Validation(error!);
        return await PageAsync(s, filter, "/entities/" + Uri.EscapeDataString(filter.Value!), ($"公示动态：企业 {filter.Value}", $"Public changes: entity {filter.Value}"),
            before, limit, lang, ct);
    }

    private static async Task<Results<CachedAtom, ValidationProblem, ProblemHttpResult>> Department(string code, [AsParameters] FeedServices s, string? before,
        int? limit, string? lang, CancellationToken ct)
    {
        var (filter, error) = EventFilter.Parse(EventFilter.Department, code, valueField: "code");
        if (filter is null) return Problems.Validation(error!);
        var department = await s.Departments.GetAsync(filter.Value!, ct);
        if (department is null) return Problems.NotFound("department", code);
        return await PageAsync(s, filter, "/?department=" + Uri.EscapeDataString(department.Code),
            ($"公示动态：{department.Name}（{department.Code}）", $"Public changes: {department.Name} ({department.Code})"), before, limit, lang, ct);
    }

    private static async Task<Results<CachedAtom, ValidationProblem, ProblemHttpResult>> Area(string division, [AsParameters] FeedServices s, string? before,
        int? limit, string? lang, CancellationToken ct)
    {
        var (filter, error) = EventFilter.Parse(EventFilter.Area, division, valueField: "division");
        if (filter is null) return Problems.Validation(error!);
        return await PageAsync(s, filter, "/?division=" + filter.Value, ($"公示动态：区划 {filter.Value}", $"Public changes: division {filter.Value}"),
            before, limit, lang, ct);
    }

    private static async Task<Results<CachedAtom, ValidationProblem, ProblemHttpResult>> PageAsync(FeedServices s, EventFilter filter, string pagePath,
        (string Zh, string En) title, string? before, int? limit, string? lang, CancellationToken ct)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) return Problems.Validation(FieldError.OutOfRange("limit", 1, MaxLimit, take));
        long? cursor = null;
        if (before is not null)
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 1)
                return Problems.Validation(FieldError.Format("before", FieldFormats.Cursor, "must be the cursor of a rel=\"next\" link", before));
            cursor = seq;
        }
        var english = string.Equals(lang, "en", StringComparison.OrdinalIgnoreCase);
        var events = await s.Queries.NewestAsync(filter, cursor, take + 1, ct);
        var page = events.Take(take).ToList();
        var baseUrl = s.BaseUrl.Value;
        var path = PathOf(filter);
        string Query(long? b) => "?" + string.Join('&', new[]
        {
            b is { } v ? "before=" + v.ToString(CultureInfo.InvariantCulture) : null,
            limit is null ? null : "limit=" + take.ToString(CultureInfo.InvariantCulture),
            english ? "lang=en" : null,
        }.Where(p => p is not null));
        var self = baseUrl + path + Query(cursor).TrimEnd('?');
        var next = events.Count > take ? baseUrl + path + Query(page[^1].Seq) : null;
        var alternate = baseUrl + pagePath + (english ? (pagePath.Contains('?', StringComparison.Ordinal) ? "&lang=en" : "?lang=en") : "");
        return new CachedAtom(new AtomPage(baseUrl + path, english ? title.En : title.Zh, self, alternate, next, page, baseUrl, english));
    }
}
