using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Feeds;
using Supervision.Api.Identity;
using Supervision.Core.Feeds;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Feeds;

namespace Supervision.Api.Pages.App.Webhooks;

/// <summary>
/// A data user's webhook subscriptions (admins: every one) with their delivery counts, and the delivery log of the one
/// chosen (?id=): every attempt with its time, answer and error. Read-only: subscriptions are made through the API
/// (docs/webhooks.md), whose answer carries the secret once.
/// </summary>
public sealed class IndexModel(WebhookQueries queries) : PageModel
{
    public IReadOnlyList<WebhookView> Subscriptions { get; private set; } = [];

    public WebhookView? Selected { get; private set; }

    public WebhookLogPage? Log { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? id, CancellationToken ct)
    {
        var actor = User.ToActor();
        if (!actor.IsAdmin && !actor.Has(Roles.DataUser)) return Forbid();
        var views = new List<WebhookView>();
        foreach (var s in await queries.ListAsync(actor.IsAdmin ? null : actor.Username, ct)) views.Add(WebhookView.Of(s, await queries.CountsAsync(s.Id, ct)));
        Subscriptions = views;
        if (id is not null)
        {
            Selected = views.FirstOrDefault(v => v.Id == id && WebhookAccess.MayManage(actor, v.Owner));
            if (Selected is null) return NotFound();
            Log = await WebhookApi.LogAsync(queries, id, null, 200, ct);
        }
        return Page();
    }
}
