using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Plans;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Infrastructure.Plans;

namespace Supervision.Api.Pages.App.Plans;

/// <summary>
/// The annual plans of the user's department (admins: all), newest year first, with the form that drafts this year's or
/// next year's plan (schedulers), and the way to the plans filed with the department. Every change is a call to the API.
/// </summary>
public sealed class IndexModel(PlanQueries queries, WorkflowClock clock) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<PlanSummary> Plans { get; private set; } = [];

    /// <summary>The years a plan may be drafted for now that the department has none for.</summary>
    public IReadOnlyList<int> OpenYears { get; private set; } = [];

    public bool CanDraft => Actor.DepartmentCode is not null && PlanWorkflow.MayDraft(Actor.DepartmentCode, Actor);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!PlanText.MayOpen(Actor)) return Forbid();
        Plans = await queries.ListAsync(Actor.IsAdmin ? null : Actor.DepartmentCode ?? "", null, ct);
        var (first, last) = PlanWorkflow.Years(clock.Today);
        OpenYears = [.. Enumerable.Range(first, last - first + 1).Where(y => Plans.All(p => p.Year != y || p.DepartmentCode != Actor.DepartmentCode))];
        return Page();
    }
}
