using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Plans;
using Supervision.Infrastructure.Plans;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.Plans;

/// <summary>/plans/{department}/{year}: a published plan — the revision in force and every revision before it, each with its date and reason.</summary>
public sealed class DetailModel(PlanQueries queries, InspectionItemStore items, DepartmentStore departments) : PageModel
{
    public PublicPlanHistoryView Plan { get; private set; } = null!;

    /// <summary>The revisions, newest (in force) first, each with its lines' table.</summary>
    public IReadOnlyList<(PublicPlanRevisionView Revision, PlanLinesModel Lines)> Revisions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string department, int year, CancellationToken ct)
    {
        if (await PlanApi.HistoryAsync(department, year, queries, ct) is not { } plan) return NotFound();
        Plan = plan;
        var (itemNames, departmentNames) = await PlanText.NamesAsync(plan.Revisions.SelectMany(r => r.Lines), department, items, departments, ct);
        Revisions = [.. plan.Revisions.Reverse().Select(r => (r, new PlanLinesModel(r.Lines, itemNames, departmentNames, $"public-revision-{r.Revision}")))];
        return Page();
    }
}
