using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry.Import;

namespace Supervision.Api.Pages.App.Registry;

/// <summary>Bulk import: the upload goes to POST /api/imports/{kind}; the page lists the user's jobs (admins: all), like GET /api/imports.</summary>
public sealed class ImportsModel(ImportQueries imports) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<ImportJob> Jobs { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.CanSchedule(Actor)) return Forbid();
        Jobs = await imports.ListAsync(Actor.IsAdmin ? null : Actor.Username, null, 20, ct);
        return Page();
    }
}
