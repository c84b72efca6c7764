using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Plans;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Plans;

namespace Supervision.Api.Pages.App.Plans;

/// <summary>
/// The plans filed with the user's department: the published plans of the departments directly under it (read-only; each
/// opens at its revision in force). Admins, who have no department, see every department's (or choose one: ?department=…).
/// </summary>
public sealed class FiledModel(PlanQueries queries) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public string? Department { get; private set; }

    public IReadOnlyList<PlanSummary> Plans { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? department, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!PlanText.MayOpen(Actor)) return Forbid();
        Department = Actor.IsAdmin ? department : Actor.DepartmentCode;
        Plans = Department is null && !Actor.IsAdmin ? [] : await queries.FiledWithAsync(Department, null, ct);
        return Page();
    }
}
