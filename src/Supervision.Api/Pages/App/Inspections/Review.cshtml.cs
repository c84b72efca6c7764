using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>
/// The review queue: submitted results waiting for the user's department, and approved results the lead department has
/// yet to publish, across the tasks the department leads or joins (admins: all tasks).
/// </summary>
public sealed class ReviewModel(DrawStore draws, InspectionStore inspections) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<InspectionRow> Waiting { get; private set; } = [];

    public IReadOnlyList<InspectionRow> ToPublish { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var department = Actor.IsAdmin ? null : Actor.DepartmentCode ?? "-";
        var rows = new List<InspectionRow>();
        string? after = null;
        while (true)
        {
            var tasks = await draws.ListAsync(department, false, "inspectors_drawn", after, 200, ct);
            foreach (var task in tasks) rows.AddRange(await inspections.ListTaskAsync(task.TaskId, ct));
            if (tasks.Count < 200) break;
            after = tasks[^1].TaskId;
        }

        bool Mine(InspectionRow r) => Actor.IsAdmin || r.DepartmentList.Contains(Actor.DepartmentCode ?? "-", StringComparer.Ordinal);
        Waiting = rows.Where(r => Mine(r) && r.State is nameof(InspectionState.Submitted) or nameof(InspectionState.UnderReview)).ToList();
        ToPublish = rows.Where(r => (Actor.IsAdmin || r.LeadDepartment == Actor.DepartmentCode) && r.State == nameof(InspectionState.Approved)).ToList();
        return Page();
    }
}
