using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Feeds;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Feeds;

namespace Supervision.Api.Feeds;

/// <summary>A new subscription: where to post (http/https), what to follow (filter = entity, department, area or all, with its value), and for admins the data user it is for.</summary>
public sealed record WebhookBody(string? Url, string? Filter, string? Value, string? Owner);

/// <summary>A subscription as its owner and admins read it; never the secret.</summary>
public sealed record WebhookView(string Id, string Owner, string Url, string Filter, string? Value, string State, long CursorSeq, DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt, long Pending, long Succeeded, long Failed)
{
    public static WebhookView Of(WebhookSubscription s, WebhookDeliveryCounts c) =>
        new(s.Id, s.Owner, s.Url, s.Filter.Kind, s.Filter.Value, s.State, s.CursorSeq, s.CreatedAt, s.DisabledAt, c.Pending, c.Succeeded, c.Failed);
}

/// <summary>The answer to a creation: the subscription and its signing secret — shown this once, never again.</summary>
public sealed record WebhookCreated(WebhookView Subscription, string Secret);

/// <summary>One attempt of the delivery log.</summary>
public sealed record WebhookAttemptView(long EventSeq, string EventId, string EventKind, int Attempt, DateTimeOffset AttemptedAt, int? StatusCode, string? Error,
    bool Succeeded, string DeliveryState);

/// <summary>A page of the delivery log, newest event first; next = the cursor for before.</summary>
public sealed record WebhookLogPage(IReadOnlyList<WebhookAttemptView> Items, string? Next);

/// <summary>What the webhook routes need, bundled.</summary>
public sealed record WebhookServices(IWebhookService Service, WebhookQueries Queries);

/// <summary>
/// Webhook subscriptions of registered data users (docs/webhooks.md): a data user manages its own, a platform admin
/// any (and creates them for a data user); the delivery log of each. Everyone else: 403; another owner's subscription: 404.
/// </summary>
public static class WebhookApi
{
    public static IEndpointRouteBuilder MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.WebhookOwners);
        hooks.MapGet("/", List).WithSummary("The caller's webhook subscriptions (admins: all, or owner=…), newest first, with their delivery counts.");
        hooks.MapPost("/", Create)
            .WithSummary("Subscribe {url, filter: entity|department|area|all, value, owner? (admins: the data user it is for)}: 201 with the signing secret, shown this once. Events from now on are delivered, signed (Supervision-Signature), in order, at least once.");
        hooks.MapGet("/{id}", Get).WithSummary("One subscription with its delivery counts (pending, succeeded, failed).");
        hooks.MapDelete("/{id}", Disable).WithSummary("Disable a subscription: nothing more is queued or sent; its log stays readable.");
        hooks.MapGet("/{id}/deliveries", Deliveries)
            .WithSummary("The delivery log: every attempt (event, attempt number, time, status code, error, success), newest event first; before = next, limit.");
        return app;
    }

    private static async Task<Results<Ok<List<WebhookView>>, ValidationProblem>> List(HttpContext http, [AsParameters] WebhookServices s, string? owner, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var scope = actor.IsAdmin ? owner : actor.Username;
        var views = new List<WebhookView>();
        foreach (var sub in await s.Queries.ListAsync(scope, ct)) views.Add(WebhookView.Of(sub, await s.Queries.CountsAsync(sub.Id, ct)));
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Created<WebhookCreated>, ValidationProblem, ProblemHttpResult>> Create(HttpContext http, WebhookBody? body,
        [AsParameters] WebhookServices s, CancellationToken ct)
    {
        if (body is null) return Problems.Validation(FieldError.Required("url", "a JSON body {url, filter, value} is required"));
        var result = await s.Service.CreateAsync(body.Owner, body.Url, body.Filter, body.Value, http.User.ToActor(), ct);
        if (result.Forbidden is { } why) return Problems.Forbidden(why);
        if (result.Errors.Count > 0) return Problems.Validation(result.Errors);
        var view = WebhookView.Of(result.Subscription!, new WebhookDeliveryCounts(0, 0, 0));
        return TypedResults.Created($"/api/webhooks/{view.Id}", new WebhookCreated(view, result.Secret!));
    }

    private static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] WebhookServices s, CancellationToken ct)
    {
        var found = await VisibleAsync(id, http, s, ct);
        return found is null ? Problems.NotFound("webhook subscription", id) : TypedResults.Ok(WebhookView.Of(found, await s.Queries.CountsAsync(id, ct)));
    }

    private static async Task<Results<Ok<WebhookView>, ProblemHttpResult>> Disable(string id, HttpContext http, [AsParameters] WebhookServices s, CancellationToken ct)
    {
        var disabled = await s.Service.DisableAsync(id, http.User.ToActor(), ct);
        return disabled is null ? Problems.NotFound("webhook subscription", id) : TypedResults.Ok(WebhookView.Of(disabled, await s.Queries.CountsAsync(id, ct)));
    }

    private static async Task<Results<Ok<WebhookLogPage>, ValidationProblem, ProblemHttpResult>> Deliveries(string id, HttpContext http, [AsParameters] WebhookServices s,
        string? before, int? limit, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        long? cursor = null;
        if (before is not null)
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                return Problems.Validation(FieldError.Format("before", FieldFormats.Cursor, "must be the next cursor of an earlier page", before));
            cursor = seq;
        }
        if (await VisibleAsync(id, http, s, ct) is null) return Problems.NotFound("webhook subscription", id);
        var rows = await LogAsync(s.Queries, id, cursor, take, ct);
        return TypedResults.Ok(rows);
    }

    /// <summary>A page of the log that ends on an event's last attempt, so that before = that event's seq continues exactly.</summary>
    public static async Task<WebhookLogPage> LogAsync(WebhookQueries queries, string id, long? before, int take, CancellationToken ct)
    {
        var rows = await queries.AttemptsAsync(id, before, take + 1, ct);
        var page = rows.Take(take).ToList();
        string? next = null;
        if (rows.Count > take)
        {
            // Keep whole events: drop the trailing event that may continue on the next page.
            var lastSeq = page[^1].EventSeq;
            if (page.Any(r => r.EventSeq != lastSeq)) page.RemoveAll(r => r.EventSeq == lastSeq);
            next = page[^1].EventSeq.ToString(CultureInfo.InvariantCulture);
        }
        return new WebhookLogPage([.. page.Select(r => new WebhookAttemptView(r.EventSeq, r.EventId, r.EventKind, r.Attempt, r.AttemptedAt, r.StatusCode, r.Error,
            r.Succeeded, r.DeliveryState))], next);
    }

    private static async Task<WebhookSubscription?> VisibleAsync(string id, HttpContext http, WebhookServices s, CancellationToken ct)
    {
        var found = await s.Queries.GetAsync(id, ct);
        return found is not null && WebhookAccess.MayManage(http.User.ToActor(), found.Owner) ? found : null;
    }
}
