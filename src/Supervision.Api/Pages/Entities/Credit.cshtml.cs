using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Credit;
using Supervision.Core.Directory;
using Supervision.Infrastructure.Credit;

namespace Supervision.Api.Pages.Entities;

/// <summary>
/// The entity's own credit page, opened only through a valid link the regulator issued (<see cref="EntityAccessLinks"/>);
/// without one it does not exist (404), so it reveals nothing about anyone's class.
/// </summary>
public sealed class CreditModel(EntityAccessLinks links, CreditStore credit, Supervision.Infrastructure.Tasks.TaskQueries draws, TimeProvider clock) : PageModel
{
    /// <summary>How many recent draws the page offers receipts for.</summary>
    public const int RecentDraws = 20;

    public OwnCreditView? View { get; private set; }

    /// <summary>The link's token, for the receipt links (the same token opens them).</summary>
    public string Token { get; private set; } = "";

    /// <summary>Recent published draws this entity can check its fate in (draw-spec §11.4).</summary>
    public IReadOnlyList<(string TaskId, string Name, DateTimeOffset CommittedAt)> Draws { get; private set; } = [];

    public DateTimeOffset ExpiresAt { get; private set; }

    public async Task<IActionResult> OnGetAsync(string creditCode, string? t, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var code = CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        View = await credit.OwnViewAsync(code, clock.GetUtcNow(), ct);
        if (View is null) return NotFound();
        ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(t!.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture));
        Token = t;
        Draws = await draws.RecentSealedDrawsAsync(RecentDraws, ct);
        return Page();
    }
}
