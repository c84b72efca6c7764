using Supervision.Core.Feeds;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Feeds;

/// <summary>One attempt of the delivery log, with the event it carried and where its delivery stands.</summary>
public sealed class WebhookAttemptRow
{
    public long EventSeq { get; init; }
    public string EventId { get; init; } = "";
    public string EventKind { get; init; } = "";
    public int Attempt { get; init; }
    public DateTimeOffset AttemptedAt { get; init; }
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public bool Succeeded { get; init; }
    public string DeliveryState { get; init; } = "";
}

/// <summary>A delivery's totals: pending, succeeded and failed deliveries of a subscription.</summary>
public sealed record WebhookDeliveryCounts(long Pending, long Succeeded, long Failed);

/// <summary>Reads of webhook subscriptions and their delivery logs for the API and the workbench page (never the secret).</summary>
public sealed class WebhookQueries(SqlStore store)
{
    private const string Columns =
        "subscription_id AS Id, owner AS Owner, url AS Url, filter_kind AS FilterKind, filter_value AS FilterValue, state AS State, cursor_seq AS CursorSeq, " +
        "created_by AS CreatedBy, created_at AS CreatedAt, disabled_at AS DisabledAt, version AS Version";

    /// <summary>The subscriptions of <paramref name="owner"/>, or every one when null (admins), newest first.</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(string? owner, CancellationToken ct = default) =>
        [.. (await store.QueryAsync<Row>(
            $"SELECT {Columns} FROM webhook_subscriptions WHERE (@owner IS NULL OR owner = @owner) ORDER BY created_at DESC, subscription_id LIMIT 500",
            new { owner }, ct)).Select(r => r.ToSubscription())];

    public async Task<WebhookSubscription?> GetAsync(string id, CancellationToken ct = default) =>
        (await store.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM webhook_subscriptions WHERE subscription_id = @id", new { id }, ct))?.ToSubscription();

    /// <summary>The delivery log: attempts newest first (event, then attempt), before <paramref name="beforeSeq"/> when given.</summary>
    public Task<IReadOnlyList<WebhookAttemptRow>> AttemptsAsync(string id, long? beforeSeq, int limit, CancellationToken ct = default) =>
        store.QueryAsync<WebhookAttemptRow>(
            $"""
            SELECT a.event_seq AS EventSeq, e.event_id AS EventId, e.kind AS EventKind, a.attempt AS Attempt, a.attempted_at AS AttemptedAt,
                a.status_code AS StatusCode, a.error AS Error, a.succeeded AS Succeeded, d.state AS DeliveryState
            FROM webhook_attempts a
            JOIN webhook_deliveries d ON d.subscription_id = a.subscription_id AND d.event_seq = a.event_seq
            JOIN public_events e ON e.seq = a.event_seq
            WHERE a.subscription_id = @id AND a.event_seq < @before
            ORDER BY a.event_seq DESC, a.attempt DESC LIMIT {limit}
            """, new { id, before = beforeSeq ?? long.MaxValue }, ct);

    public async Task<WebhookDeliveryCounts> CountsAsync(string id, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<(string State, long Count)>(
            "SELECT state, count(*) FROM webhook_deliveries WHERE subscription_id = @id GROUP BY state", new { id }, ct);
        long Of(string s) => rows.Where(r => r.State == s).Sum(r => r.Count);
        return new WebhookDeliveryCounts(Of("pending"), Of("succeeded"), Of("failed"));
    }

    private sealed class Row
    {
        public string Id { get; init; } = "";
        public string Owner { get; init; } = "";
        public string Url { get; init; } = "";
        public string FilterKind { get; init; } = "";
        public string? FilterValue { get; init; }
        public string State { get; init; } = "";
        public long CursorSeq { get; init; }
        public string CreatedBy { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? DisabledAt { get; init; }
        public long Version { get; init; }

        public WebhookSubscription ToSubscription() =>
            new(Id, Owner, Url, new EventFilter(FilterKind, FilterValue), State, CursorSeq, CreatedBy, CreatedAt, DisabledAt, Version);
    }
}

/// <summary>
/// The write path of webhook subscriptions (an aggregate without a grain): the service validates with Core's rules,
/// authorizes (<see cref="WebhookAccess"/>) and calls <see cref="WebhookStore"/>. Implemented in Grains/Feeds.
/// </summary>
public interface IWebhookService
{
    /// <summary>Creates a subscription for <paramref name="owner"/> (the caller when null); the answer carries the secret, shown this once.</summary>
    Task<WebhookCreateResult> CreateAsync(string? owner, string? url, string? filter, string? value, Actor actor, CancellationToken ct = default);

    /// <summary>Disables a subscription the caller manages; null when there is none it may see.</summary>
    Task<WebhookSubscription?> DisableAsync(string id, Actor actor, CancellationToken ct = default);
}

/// <summary>What creating a subscription answered: the subscription and its secret, or the refusal (field errors, or forbidden with a reason).</summary>
public sealed record WebhookCreateResult(WebhookSubscription? Subscription, string? Secret, IReadOnlyList<Core.Validation.FieldError> Errors, string? Forbidden);
