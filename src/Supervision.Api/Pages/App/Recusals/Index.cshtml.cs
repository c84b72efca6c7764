using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Recusals;
using Supervision.Api.Web;
using Supervision.Core.Identity;

namespace Supervision.Api.Pages.App.Recusals;

/// <summary>
/// Recusal requests of the inspections the user's department leads (admins: all), open ones first by deadline, with the
/// decision form: accept (the draw's rule replaces the inspector) or reject with a reason the entity reads.
/// </summary>
public sealed class IndexModel(RecusalServices services) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<RecusalView> Open { get; private set; } = [];

    public IReadOnlyList<RecusalView> Decided { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.CanSchedule(Actor)) return Forbid();
        var all = (await services.Queries.ForDepartmentAsync(Actor.IsAdmin ? null : Actor.DepartmentCode ?? "", openOnly: false, ct))
            .Select(i => RecusalApi.View(i, services)).ToList();
        Open = [.. all.Where(r => r.State == Core.Recusals.RecusalStates.Requested)];
        Decided = [.. all.Where(r => r.State != Core.Recusals.RecusalStates.Requested)];
        return Page();
    }
}
