using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Core.Draw;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Witness;

/// <summary>
/// One task's seed ceremony for a witness: commit (the contribution and its nonce stay in the witness's browser until
/// the reveal), then reveal. The page shows the ceremony as recorded; the forms call the task API.
/// </summary>
public sealed class TaskModel(TaskQueries draws) : PageModel
{
    public TaskRow Task { get; private set; } = null!;

    public Ceremony Ceremony { get; private set; } = null!;

    public string Username { get; private set; } = "";

    public WitnessCommitment? Mine => Ceremony.Commitments.FirstOrDefault(c => c.Witness.EndsWith($" ({Username})", StringComparison.Ordinal));

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        var actor = User.ToActor();
        if (!WitnessPage.IsWitness(actor)) return Forbid();
        var task = await draws.GetAsync(id, ct);
        if (task is null || task.PublishedAt is null || task.Ceremony is null) return NotFound();
        Task = task;
        Ceremony = task.Ceremony;
        Username = actor.Username;
        return Page();
    }
}
