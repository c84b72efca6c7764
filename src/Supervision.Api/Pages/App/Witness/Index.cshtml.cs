using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Contracts.Tasks;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Witness;

/// <summary>A witness's list: the published, frozen tasks whose seed ceremony is open (draw-spec §3.3).</summary>
public sealed class IndexModel(TaskQueries draws) : PageModel
{
    public IReadOnlyList<TaskRow> Tasks { get; private set; } = [];

    public string Username { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var actor = User.ToActor();
        if (!WitnessPage.IsWitness(actor)) return Forbid();
        Username = actor.Username;
        Tasks = [.. (await draws.ListAsync(null, publicOnly: true, TaskStates.Frozen, null, 200, ct)).Where(t => t.Ceremony is not null)];
        return Page();
    }
}

public static class WitnessPage
{
    /// <summary>Witness pages are for witness accounts that do not also run tasks (schedulers and admins cannot contribute).</summary>
    public static bool IsWitness(Actor actor) => actor.Has(Roles.Witness) && !actor.IsAdmin && !actor.Has(Roles.Scheduler);
}
