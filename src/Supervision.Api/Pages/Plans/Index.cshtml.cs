using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Plans;
using Supervision.Core.Calendar;
using Supervision.Core.Plans;
using Supervision.Infrastructure.Plans;

namespace Supervision.Api.Pages.Plans;

/// <summary>/plans: the annual plans in force as published, by year and department (GET /api/public/v1/plans).</summary>
public sealed class IndexModel(PlanQueries queries, WorkflowClock clock) : PageModel
{
    public const int PageSize = 100;

    public IReadOnlyList<int> Years { get; private set; } = [];

    public int? Year { get; private set; }

    public IReadOnlyList<PublicPlanView> Plans { get; private set; } = [];

    public string? Next { get; private set; }

    public async Task OnGetAsync(int? year, string? after, CancellationToken ct)
    {
        Years = await queries.PublishedYearsAsync(ct);
        // This year's plans unless the visitor chose a year (or there are none yet: the latest year that has some).
        Year = year ?? (Years.Contains(clock.Today.Year) ? clock.Today.Year : Years.Count > 0 ? Years[0] : null);
        if (Year is null) return;
        var cursor = PlanIds.Parse(after) is var (d, y) ? (y, d) : ((int, string)?)null;
        var rows = await queries.PublishedAsync(Year, null, cursor, PageSize, ct);
        Plans = [.. rows.Select(PlanApi.PublicView)];
        Next = rows.Count == PageSize ? rows[^1].PlanId : null;
    }
}
