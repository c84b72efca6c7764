using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Statistics;
using Supervision.Api.Web;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Credit;

namespace Supervision.Api.Pages.App.Statistics;

/// <summary>
/// The regulator's charts for the user's department (admins: any or all): each drawn in the browser by Apache ECharts
/// (wwwroot/js/statistics.js) from figures the server writes into the page, beside a data table with the same figures,
/// which is all a reader without scripts gets.
/// </summary>
public sealed class IndexModel(TimeProvider clock, Supervision.Infrastructure.Storage.SqlStore sql, CreditStatisticsStore store, UiText text) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public int? Year { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Department { get; set; }

    public Actor Actor { get; private set; } = null!;

    /// <summary>On-time publication and the joint-inspection share for the year and scope shown.</summary>
    public Supervision.Core.Statistics.RegimeIndicators Regime { get; private set; } = null!;

    /// <summary>The four charts with their tables, in the page's language.</summary>
    public IReadOnlyList<ChartView> Charts { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        Year = Year is >= 2000 and <= 2100 ? Year : ChinaTime.DateOf(clock.GetUtcNow()).Year;
        // Non-admins always see their own department, whatever the address says.
        Department = Actor.IsAdmin ? (string.IsNullOrWhiteSpace(Department) ? null : Department.Trim()) : null;
        var year = Year!.Value;
        Regime = await Supervision.Infrastructure.Publication.RegimeIndicatorsQuery.ReadAsync(sql, year,
            CreditStatisticsStore.YearStart(year), CreditStatisticsStore.YearStart(year + 1),
            ChinaTime.DateOf(clock.GetUtcNow()), Actor.IsAdmin ? Department : Actor.DepartmentCode ?? "", ct);
        Charts = await StatisticsCharts.BuildAsync(year, Department, HttpContext, store, clock, text, ct) ?? [];
        return Page();
    }
}
