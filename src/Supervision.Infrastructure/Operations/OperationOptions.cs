using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Supervision.Infrastructure.Operations;

/// <summary>Tunables of long operations (configuration section "Supervision:Operations").</summary>
public sealed class OperationOptions
{
    public const string Section = "Supervision:Operations";

    /// <summary>The longest a route waits for an operation's outcome before answering 202 (<see cref="DefaultWait"/> and <c>Prefer: wait</c>).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>How long a claim on an operation lasts without renewal; a silo that dies is replaced after at most this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often every silo looks for operations nobody holds a live lease on.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait before an attempt that met an error is tried again (doubled each time, at most 8 times this).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a route waits for its operation's outcome before answering 202, unless the client asks otherwise
    /// (<c>Prefer</c>); at most 10 s. 0 answers every long command with 202 at once.
    /// </summary>
    public TimeSpan DefaultWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an ended operation stays readable (GET /api/operations/{id}) before the sweeper deletes it.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    internal sealed class Validator : IValidateOptions<OperationOptions>
    {
        public ValidateOptionsResult Validate(string? name, OperationOptions options)
        {
            var problems = new List<string>();
            foreach (var (key, value) in new[] { ("Lease", options.Lease), ("SweepInterval", options.SweepInterval), ("RetryDelay", options.RetryDelay), ("Retention", options.Retention) })
                if (value <= TimeSpan.Zero) problems.Add($"{Section}:{key} must be a positive time span, got {value}.");
            if (options.DefaultWait < TimeSpan.Zero || options.DefaultWait > MaxWait)
                problems.Add($"{Section}:DefaultWait must be from 00:00:00 (always answer 202) to {MaxWait:c}, got {options.DefaultWait}.");
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

public static class OperationOptionsRegistration
{
    /// <summary>The "Supervision:Operations" settings group, bound from configuration and checked at start (silos and the API read it).</summary>
    public static IServiceCollection AddOperationOptions(this IServiceCollection services)
    {
        services.AddOptions<OperationOptions>().BindConfiguration(OperationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperationOptions>, OperationOptions.Validator>();
        return services;
    }
}
