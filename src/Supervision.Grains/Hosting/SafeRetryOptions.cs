using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Supervision.Grains.Hosting;

/// <summary>How <see cref="SafeRetryFilter"/> retries a <c>[SafeToRetry]</c> grain call (configuration: <c>Orleans:Retry</c>).</summary>
public sealed class SafeRetryOptions
{
    /// <summary>Off: every call is sent once.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// No new attempt starts after this much time since the first one, so a caller (an HTTP request) waits at most about
    /// this plus one attempt. Short on purpose: a longer outage answers 503 and the HTTP client retries.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>The pause before the first retry; each further pause doubles, up to <see cref="MaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:30")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal sealed class Validator : IValidateOptions<SafeRetryOptions>
    {
        public ValidateOptionsResult Validate(string? name, SafeRetryOptions options) =>
            options.MaxDelay < options.FirstDelay
                ? ValidateOptionsResult.Fail($"{ClusterTuning.RetrySection}:MaxDelay ({options.MaxDelay}) is shorter than FirstDelay ({options.FirstDelay}).")
                : ValidateOptionsResult.Success;
    }
}
