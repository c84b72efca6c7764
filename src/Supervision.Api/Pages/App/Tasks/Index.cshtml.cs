using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Tasks;

/// <summary>The tasks the user's department leads or joins (all for admins): the same rule as GET /api/tasks.</summary>
public sealed class IndexModel(TaskQueries draws) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public IReadOnlyList<TaskRow> Rows { get; private set; } = [];

    public Actor Actor { get; private set; } = null!;

    public const int PageSize = 50;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var status = string.IsNullOrWhiteSpace(Status) ? null : Status;
        Rows = await draws.ListAsync(Actor.IsAdmin ? null : Actor.DepartmentCode ?? "-", false, status, After, PageSize, ct);
        return Page();
    }
}
