namespace Supervision.Contracts.Feeds;

/// <summary>What one tick of the webhook dispatcher did: events queued as deliveries, attempts made, of which succeeded.</summary>
[GenerateSerializer, Immutable, Alias("supervision.webhook-run")]
public sealed record WebhookRun(
    [property: Id(0)] int Queued,
    [property: Id(1)] int Attempted,
    [property: Id(2)] int Succeeded);

/// <summary>
/// Sends the public event log to webhook subscriptions (docs/webhooks.md). One per cluster, keyed <see cref="DefaultKey"/>;
/// works from the database only (each subscription's cursor over the event seq, the pending deliveries with their next
/// attempt), so a restart or a move to another silo loses nothing: it is started at every silo start and kept alive by
/// a reminder, and ticks on a grain timer every <c>Supervision:Webhooks:PollInterval</c>.
/// </summary>
[Alias("supervision.webhook-dispatcher")]
public interface IWebhookDispatcherGrain : IGrainWithStringKey
{
    public const string DefaultKey = "webhooks";

    /// <summary>Registers the keep-alive reminder and starts the polling timer (silo start; idempotent).</summary>
    [Alias("start"), SafeToRetry]
    Task Start();

    /// <summary>Runs one tick now: queue new events, attempt what is due.</summary>
    [Alias("run")]
    Task<WebhookRun> Run();
}
