using System.ComponentModel.DataAnnotations;

namespace Supervision.Infrastructure.Feeds;

/// <summary>Webhook deliveries (configuration "Supervision:Webhooks"; docs/webhooks.md and docs/operations.md).</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Supervision:Webhooks";

    /// <summary>Attempts per delivery before it is given up (marked failed in the log); the first one included.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; each later one doubles it, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the dispatcher looks for new events and due retries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one attempt may take (connect, send, answer) before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events queued per subscription and deliveries attempted per tick of the dispatcher.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Whether targets may be loopback or private addresses (tests and closed networks); off, both the URL and the address it resolves to are checked.</summary>
    public bool AllowPrivateAddresses { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseDelay < TimeSpan.FromMilliseconds(1) || BaseDelay > TimeSpan.FromDays(1))
            yield return new ValidationResult("must be between 1 ms and 1 day", [nameof(BaseDelay)]);
        if (MaxDelay < BaseDelay || MaxDelay > TimeSpan.FromDays(7))
            yield return new ValidationResult("must be at least BaseDelay and at most 7 days", [nameof(MaxDelay)]);
        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromHours(1))
            yield return new ValidationResult("must be between 1 ms and 1 hour", [nameof(PollInterval)]);
        if (Timeout < TimeSpan.FromMilliseconds(100) || Timeout > TimeSpan.FromMinutes(5))
            yield return new ValidationResult("must be between 100 ms and 5 minutes", [nameof(Timeout)]);
    }
}

/// <summary>
/// The clock of webhook deliveries (when an attempt is due, the signature's timestamp); the system clock unless a host
/// (a test) gives it one of its own, to step past a backoff instead of waiting for it.
/// </summary>
public sealed class WebhookClock(TimeProvider time)
{
    public DateTimeOffset GetUtcNow() => time.GetUtcNow();
}
