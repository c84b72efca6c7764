using System.Data.Common;
using Dapper;
using Supervision.Core.Feeds;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Feeds;

/// <summary>A delivery due now: the subscription's target and secret, its attempts so far and the event.</summary>
public sealed record DueDelivery(string SubscriptionId, string Url, string Secret, int Attempts, PublicEvent Event);

/// <summary>
/// The write side of webhooks (schema 0036): subscriptions created and disabled with their audit lines (never the
/// secret), and the dispatcher's two writes — queuing the events a subscription's cursor passed, and recording one
/// attempt with what it changes about its delivery — each in one transaction. Reads for the API are <see cref="WebhookQueries"/>.
/// </summary>
public sealed class WebhookStore(SqlStore store, AuditLog audit, FeedQueries feeds)
{
    /// <summary>Records a new subscription whose cursor starts at the newest event (it receives what happens from now on).</summary>
    public Task<WebhookSubscription> CreateAsync(string id, string owner, string url, EventFilter filter, string secret, Actor actor, DateTimeOffset now,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var cursor = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT max(seq) FROM public_events", transaction: tx, cancellationToken: ct)) ?? 0;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO webhook_subscriptions (subscription_id, owner, url, filter_kind, filter_value, secret, state, cursor_seq, created_by, created_at, version)
                VALUES (@id, @owner, @url, @kind, @value, @secret, 'active', @cursor, @by, @now, 1)
                """, new { id, owner, url, kind = filter.Kind, value = filter.Value, secret, cursor, by = actor.Username, now }, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "webhook.create", "webhook-subscription", id, null, null,
                new { owner, url, filter = filter.Kind, filter.Value, cursor });
            return new WebhookSubscription(id, owner, url, filter, WebhookSubscription.Active, cursor, actor.Username, now, null, 1);
        }, ct);

    /// <summary>Disables an active subscription (nothing more is queued or sent); false when it was not active.</summary>
    public Task<bool> DisableAsync(string id, Actor actor, DateTimeOffset now, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            "UPDATE webhook_subscriptions SET state = 'disabled', disabled_at = @now, version = version + 1 WHERE subscription_id = @id AND state = 'active'",
            new { id, now }, actor, "webhook.disable", "webhook-subscription", id, null, null, new { state = WebhookSubscription.Disabled }, ct);

    /// <summary>The active subscriptions with their filters and cursors (the dispatcher's first read of a tick).</summary>
    public async Task<IReadOnlyList<(string Id, EventFilter Filter, long Cursor)>> ActiveAsync(CancellationToken ct = default) =>
        [.. (await store.QueryAsync<(string Id, string Kind, string? Value, long Cursor)>(
            "SELECT subscription_id, filter_kind, filter_value, cursor_seq FROM webhook_subscriptions WHERE state = 'active' ORDER BY subscription_id", null, ct))
            .Select(r => (r.Id, new EventFilter(r.Kind, r.Value), r.Cursor))];

    /// <summary>
    /// Queues, as pending deliveries due at <paramref name="now"/>, the events of the subscription's filter after its cursor
    /// (up to <paramref name="limit"/>), and moves the cursor past the last event read — only from the cursor it was read
    /// at, so two dispatchers never queue twice. Answers how many events were read.
    /// </summary>
    public async Task<int> QueueAsync(string subscriptionId, EventFilter filter, long cursor, int limit, DateTimeOffset now, CancellationToken ct = default)
    {
        var last = await feeds.LastSeqAsync(ct);
        if (last <= cursor) return 0;
        var events = await feeds.AfterAsync(filter, cursor, limit, ct);
        // With fewer than a batch matching, every event up to "last" was looked at: the cursor moves there.
        var to = events.Count == limit ? events[^1].Seq : last;
        return await store.InTransactionAsync(async (connection, tx) =>
        {
            var moved = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE webhook_subscriptions SET cursor_seq = @to WHERE subscription_id = @subscriptionId AND cursor_seq = @cursor AND state = 'active'",
                new { to, subscriptionId, cursor }, tx, cancellationToken: ct));
            if (moved != 1) return 0;
            foreach (var e in events.Where(e => e.Seq <= to))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO webhook_deliveries (subscription_id, event_seq, state, attempts, next_attempt_at)
                    VALUES (@subscriptionId, @Seq, 'pending', 0, @now) ON CONFLICT DO NOTHING
                    """, new { subscriptionId, e.Seq, now }, tx, cancellationToken: ct));
            }
            return events.Count;
        }, ct);
    }

    /// <summary>
    /// The deliveries due at <paramref name="now"/>: of each active subscription only its oldest pending delivery (so a
    /// subscription receives its events in order), up to <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> DueAsync(DateTimeOffset now, int limit, CancellationToken ct = default) =>
        [.. (await store.QueryAsync<DueRow>(
            $"""
            SELECT d.subscription_id AS SubscriptionId, s.url AS Url, s.secret AS Secret, d.attempts AS Attempts,
                e.seq AS Seq, e.event_id AS EventId, e.kind AS Kind, e.entity_credit_code AS EntityCreditCode, e.entity_name AS EntityName,
                e.department AS Department, e.division_code AS DivisionCode, e.task_id AS TaskId, e.occurred_at AS OccurredAt, e.payload_json AS PayloadJson
            FROM webhook_deliveries d
            JOIN webhook_subscriptions s ON s.subscription_id = d.subscription_id AND s.state = 'active'
            JOIN public_events e ON e.seq = d.event_seq
            WHERE d.state = 'pending' AND d.next_attempt_at <= @now
              AND d.event_seq = (SELECT min(p.event_seq) FROM webhook_deliveries p WHERE p.subscription_id = d.subscription_id AND p.state = 'pending')
            ORDER BY d.next_attempt_at, d.subscription_id LIMIT {limit}
            """, new { now }, ct)).Select(r => new DueDelivery(r.SubscriptionId, r.Url, r.Secret, r.Attempts,
                new PublicEvent(r.Seq, r.EventId, r.Kind, r.EntityCreditCode, r.EntityName, r.Department, r.DivisionCode, r.TaskId, r.OccurredAt, r.PayloadJson)))];

    /// <summary>
    /// Records attempt number <paramref name="attempt"/> and what it means for its delivery, in one transaction, only over
    /// the delivery as it was read (pending, <c>attempt − 1</c> attempts): succeeded (the one recorded success), failed
    /// for good (<paramref name="retryAt"/> null) or due again at <paramref name="retryAt"/>. False (nothing written) when
    /// another writer recorded it first.
    /// </summary>
    public Task<bool> RecordAttemptAsync(string subscriptionId, long eventSeq, int attempt, DateTimeOffset at, int? statusCode, string? error, bool succeeded,
        DateTimeOffset? retryAt, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var state = succeeded ? "succeeded" : retryAt is null ? "failed" : "pending";
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE webhook_deliveries SET state = @state, attempts = @attempt, next_attempt_at = @next, delivered_at = @delivered
                WHERE subscription_id = @subscriptionId AND event_seq = @eventSeq AND state = 'pending' AND attempts = @previous
                """,
                new { state, attempt, next = retryAt ?? at, delivered = succeeded ? at : (DateTimeOffset?)null, subscriptionId, eventSeq, previous = attempt - 1 },
                tx, cancellationToken: ct));
            if (changed != 1) return false;
            await InsertAttemptAsync(connection, tx, subscriptionId, eventSeq, attempt, at, statusCode, error, succeeded, ct);
            return true;
        }, ct);

    private static Task InsertAttemptAsync(DbConnection connection, DbTransaction tx, string subscriptionId, long eventSeq, int attempt, DateTimeOffset at,
        int? statusCode, string? error, bool succeeded, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO webhook_attempts (subscription_id, event_seq, attempt, attempted_at, status_code, error, succeeded)
            VALUES (@subscriptionId, @eventSeq, @attempt, @at, @statusCode, @error, @succeeded)
            """, new { subscriptionId, eventSeq, attempt, at, statusCode, error = error is { Length: > 500 } ? error[..500] : error, succeeded }, tx, cancellationToken: ct));

    private sealed class DueRow
    {
        public string SubscriptionId { get; init; } = "";
        public string Url { get; init; } = "";
        public string Secret { get; init; } = "";
        public int Attempts { get; init; }
        public long Seq { get; init; }
        public string EventId { get; init; } = "";
        public string Kind { get; init; } = "";
        public string? EntityCreditCode { get; init; }
        public string? EntityName { get; init; }
        public string Department { get; init; } = "";
        public string? DivisionCode { get; init; }
        public string? TaskId { get; init; }
        public DateTimeOffset OccurredAt { get; init; }
        public string PayloadJson { get; init; } = "";
    }
}
