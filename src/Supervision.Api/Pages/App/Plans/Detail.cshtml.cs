using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Plans;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Plans;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.App.Plans;

/// <summary>
/// One plan: its state and people, the lines (an editor while the caller may edit them), the steps the caller may take
/// (approve, publish, revise with a reason), planned against done per line, and every published revision with its date and
/// reason. The level above reads the revision in force only. Every change is a call to the API with the plan's ETag.
/// </summary>
public sealed class DetailModel(PlanQueries queries, InspectionItemStore items, DepartmentStore departments, WorkflowClock clock, ReferenceData reference)
    : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public PlanView View { get; private set; } = null!;

    public PlanProgressView Progress { get; private set; } = null!;

    public PlanLinesModel Lines { get; private set; } = null!;

    /// <summary>The published revisions, newest first, each with its lines' table.</summary>
    public IReadOnlyList<(PlanRevision Revision, PlanLinesModel Lines)> History { get; private set; } = [];

    /// <summary>The department's items in use, shown beside the editor (a joint line may also name its joint departments' items).</summary>
    public IReadOnlyList<InspectionItem> DepartmentItems { get; private set; } = [];

    public IReadOnlyList<string> CreditClasses { get; private set; } = [];

    public bool CanEdit => View.AllowedActions.Contains("edit");

    /// <summary>The department's schedulers (and admins) create tasks under the lines of the plan in force.</summary>
    public bool CanCreateTasks => View.Access == "department" && View.Published.Count > 0 && PlanWorkflow.MayDraft(View.DepartmentCode, Actor);

    public async Task<IActionResult> OnGetAsync(string department, int year, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!PlanText.MayOpen(Actor)) return Forbid();
        if (await PlanApi.ReadableAsync(department, year, Actor, queries, ct) is not { } page) return NotFound();
        View = PlanApi.View(page, Actor, clock.Today);
        Progress = PlanApi.ProgressView(page.Plan, await queries.ProgressAsync(page.Plan.Id, ct));
        var (itemNames, departmentNames) = await PlanText.NamesAsync(View.Lines.Concat(View.Published.SelectMany(r => r.Lines)), department, items, departments, ct);
        Lines = new PlanLinesModel(View.Lines, itemNames, departmentNames, "plan-lines");
        History = [.. View.Published.Reverse().Select(r => (r, new PlanLinesModel(r.Lines, itemNames, departmentNames, $"revision-{r.Revision}-lines")))];
        CreditClasses = [.. reference.CreditClasses.Select(c => c.Code)];
        if (CanEdit) DepartmentItems = await items.ListAsync(department, null, true, null, 200, ct);
        Response.Headers.ETag = Supervision.Api.Common.ETags.Format(View.Version);
        return Page();
    }
}
