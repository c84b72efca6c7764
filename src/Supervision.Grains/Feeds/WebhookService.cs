using Supervision.Core.Feeds;
using Supervision.Core.Identity;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Feeds;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Registry;

namespace Supervision.Grains.Feeds;

/// <summary>
/// Webhook subscriptions' write path (<see cref="IWebhookService"/>): validate with Core's rules (URL, filter), authorize
/// (<see cref="WebhookAccess"/>: a data user for itself, an admin for a data user), then one audited write.
/// </summary>
public sealed class WebhookService(WebhookStore store, WebhookQueries queries, UserStore users, DepartmentStore departments,
    Microsoft.Extensions.Options.IOptions<WebhookOptions> options, TimeProvider clock) : IWebhookService
{
    public async Task<WebhookCreateResult> CreateAsync(string? owner, string? url, string? filter, string? value, Actor actor, CancellationToken ct = default)
    {
        owner = string.IsNullOrWhiteSpace(owner) ? actor.Username : owner;
        if (!WebhookAccess.MayCreateFor(actor, owner))
            return new(null, null, [], "Only a registered data user subscribes for itself, and a platform admin for a data user.");
        var errors = new List<FieldError>();
        if (WebhookUrl.Check(url, options.Value.AllowPrivateAddresses) is { } bad) errors.Add(bad);
        var (parsed, filterError) = EventFilter.Parse(filter, value);
        if (filterError is not null) errors.Add(filterError);
        if (parsed is { Kind: EventFilter.Department } && await departments.GetAsync(parsed.Value!, ct) is null)
            errors.Add(FieldError.NotFound("value", parsed.Value, $"there is no department '{parsed.Value}'"));
        var account = await users.FindAsync(owner, ct);
        if (account is null || !account.RoleList.Contains(Roles.DataUser, StringComparer.Ordinal))
            errors.Add(FieldError.NotAllowed("owner", "must be the account of a registered data user (role data-user)", owner));
        if (errors.Count > 0) return new(null, null, errors, null);
        var secret = WebhookSignature.NewSecret();
        var created = await store.CreateAsync(Guid.NewGuid().ToString("N"), owner, url!, parsed!, secret, actor, clock.GetUtcNow(), ct);
        return new(created, secret, [], null);
    }

    public async Task<WebhookSubscription?> DisableAsync(string id, Actor actor, CancellationToken ct = default)
    {
        var found = await queries.GetAsync(id, ct);
        if (found is null || !WebhookAccess.MayManage(actor, found.Owner)) return null;
        await store.DisableAsync(id, actor, clock.GetUtcNow(), ct);
        return await queries.GetAsync(id, ct);
    }
}
