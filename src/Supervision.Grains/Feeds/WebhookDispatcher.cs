using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Supervision.Contracts.Feeds;
using Supervision.Core.Feeds;
using Supervision.Infrastructure.Feeds;

namespace Supervision.Grains.Feeds;

/// <summary>
/// One tick of webhook delivery, from the database alone (docs/webhooks.md): each active subscription's new events are
/// queued (its cursor moves in the same transaction), then each subscription's oldest pending delivery that is due is
/// posted — signed, with its event id — and the attempt recorded with its answer: success ends the delivery, a failure
/// waits <see cref="WebhookBackoff"/> before the next attempt, the last allowed failure gives it up. Deliveries are
/// at-least-once: a crash after the receiver answered and before the attempt was recorded sends the event again, with
/// the same <c>Supervision-Event-Id</c>.
/// </summary>
public sealed class WebhookDispatcher(WebhookStore store, WebhookSender sender, IOptions<WebhookOptions> options, WebhookClock clock, ILogger<WebhookDispatcher> logger)
{
    public async Task<WebhookRun> RunAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        var queued = 0;
        foreach (var (id, filter, cursor) in await store.ActiveAsync(ct))
            queued += await store.QueueAsync(id, filter, cursor, o.BatchSize, clock.GetUtcNow(), ct);

        var attempted = 0;
        var succeeded = 0;
        // Each round sends the head delivery of every subscription with one due; a success makes the next one due at once.
        while (attempted < o.BatchSize)
        {
            var due = await store.DueAsync(clock.GetUtcNow(), o.BatchSize - attempted, ct);
            if (due.Count == 0) break;
            var outcomes = await Task.WhenAll(due.Select(d => AttemptAsync(d, o, ct)));
            attempted += due.Count;
            succeeded += outcomes.Count(ok => ok);
            if (!outcomes.Any(ok => ok)) break;
        }
        return new WebhookRun(queued, attempted, succeeded);
    }

    private async Task<bool> AttemptAsync(DueDelivery d, WebhookOptions o, CancellationToken ct)
    {
        var attempt = d.Attempts + 1;
        var (status, error) = await sender.SendAsync(d, attempt, ct);
        var ok = error is null && status is >= 200 and < 300;
        var at = clock.GetUtcNow();
        DateTimeOffset? retryAt = ok || attempt >= o.MaxAttempts ? null : at + WebhookBackoff.After(attempt, o.BaseDelay, o.MaxDelay);
        var recorded = await store.RecordAttemptAsync(d.SubscriptionId, d.Event.Seq, attempt, at, status, error ?? (ok ? null : $"HTTP {status}"), ok, retryAt, ct);
        if (!ok && logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Webhook {Subscription}: event {Seq} attempt {Attempt} failed ({Status} {Error}); {Next}",
                d.SubscriptionId, d.Event.Seq, attempt, status, error, retryAt is null ? "given up" : $"next at {retryAt:O}");
        return ok && recorded;
    }
}

/// <summary>
/// Posts one delivery: the JSON body (<see cref="Body"/>), <c>Supervision-Signature</c>, <c>Supervision-Event-Id</c> and
/// <c>Supervision-Event-Kind</c>. Unless private addresses are allowed, the connection is refused when the host resolves
/// to a loopback or private address (checked on the address actually connected to, so a DNS answer cannot lead inside).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient client;
    private readonly WebhookClock clock;

    public WebhookSender(IOptions<WebhookOptions> options, WebhookClock clock)
    {
        this.clock = clock;
        var allowPrivate = options.Value.AllowPrivateAddresses;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
                var usable = addresses.Where(a => allowPrivate || !WebhookUrl.IsPrivate(a)).ToArray();
                if (usable.Length == 0) throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(usable, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        client = new HttpClient(handler) { Timeout = options.Value.Timeout };
    }

    /// <summary>The body of a delivery: the event's id, seq, kind, subject, time, page and public payload.</summary>
    public static byte[] Body(PublicEvent e) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        id = e.EventId,
        seq = e.Seq,
        kind = e.Kind,
        occurredAt = e.OccurredAt,
        entityCreditCode = e.EntityCreditCode,
        department = e.Department,
        divisionCode = e.DivisionCode,
        taskId = e.TaskId,
        path = e.PublicPath,
        data = JsonDocument.Parse(e.PayloadJson).RootElement,
    }, PublicEvent.PayloadJsonOptions);

    /// <summary>The answer's status code, or the error that prevented one.</summary>
    public async Task<(int? Status, string? Error)> SendAsync(DueDelivery d, int attempt, CancellationToken ct)
    {
        var body = Body(d.Event);
        using var request = new HttpRequestMessage(HttpMethod.Post, d.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(d.Secret, clock.GetUtcNow(), body));
        request.Headers.Add(WebhookSignature.EventIdHeader, d.Event.EventId);
        request.Headers.Add(WebhookSignature.EventKindHeader, d.Event.Kind);
        request.Headers.Add("Supervision-Delivery-Attempt", attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.UserAgent.ParseAdd("Supervision-Webhooks/1");
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return ((int)response.StatusCode, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException)
        {
            return (null, e is TaskCanceledException ? "timed out" : e.GetBaseException().Message);
        }
    }

    public void Dispose() => client.Dispose();
}
