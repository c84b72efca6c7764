using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.App.Tasks;

/// <summary>The task form: the browser posts the draft to POST /api/tasks (and /api/tasks/preview for the preview).</summary>
public sealed class NewModel(InspectionItemStore items, DepartmentStore departments) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<InspectionItem> Items { get; private set; } = [];

    public IReadOnlyList<Department> Departments { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.CanSchedule(Actor)) return Forbid();
        Items = await items.ListAsync(null, null, true, null, 500, ct);
        Departments = await departments.ListAsync(null, null, null, 500, ct);
        return Page();
    }
}
