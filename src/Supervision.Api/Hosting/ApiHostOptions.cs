using Microsoft.Extensions.Options;
using Supervision.Api.Web;
using Supervision.Infrastructure.Configuration;

namespace Supervision.Api.Hosting;

/// <summary>How an API process is hosted (configuration section "Supervision"; docs/operations.md, "Configuration").</summary>
public sealed class ApiHostOptions
{
    public const string Section = "Supervision";

    /// <summary>Production: make this API instance a silo as well as a front end (embedded mode always is one).</summary>
    public bool CoHostSilo { get; set; }

    /// <summary>
    /// The absolute http or https address people reach the platform at (links sent out, Secure cookies); unset, the
    /// address the process listens on stands in (<see cref="Web.PublicBaseUrl"/>).
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary><see cref="PublicBaseUrl"/> as a URI; null when unset (checked at start by the validator).</summary>
    public Uri? PublicBaseUri => Web.PublicBaseUrl.Parse(PublicBaseUrl, out _);

    internal sealed class Validator : IValidateOptions<ApiHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, ApiHostOptions options)
        {
            Web.PublicBaseUrl.Parse(options.PublicBaseUrl, out var problem);
            return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
        }
    }
}

/// <summary>
/// The synthetic demo directory (configuration section "Supervision:Demo"): on by default in embedded mode, it fills an
/// empty database at start (<see cref="DemoData"/>, <see cref="DemoAccounts"/>).
/// </summary>
public sealed class DemoOptions
{
    public const string Section = "Supervision:Demo";

    /// <summary>Unset: on in embedded mode, off in production.</summary>
    public bool? Enabled { get; set; }

    [System.ComponentModel.DataAnnotations.Range(0, Core.Registry.SyntheticDirectory.MaxEntities)]
    public long Entities { get; set; } = 5_000;

    [System.ComponentModel.DataAnnotations.Range(0, 1_000_000)]
    public int Inspectors { get; set; } = 300;

    public ulong Seed { get; set; } = 20250101UL;

    /// <summary>Whether the demo runs on this installation.</summary>
    public bool EnabledFor(Infrastructure.Storage.PlatformSettings platform) => Enabled ?? platform.IsEmbedded;
}

/// <summary>The working-day calendar's readiness check (configuration section "Supervision:Calendar").</summary>
public sealed class CalendarOptions
{
    public const string Section = "Supervision:Calendar";

    /// <summary>Readiness turns Degraded this many days before the calendar's official notices end.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 366)]
    public int WarnDays { get; set; } = 60;
}

public static class ApiHostOptionsRegistration
{
    /// <summary>The API process's own settings groups, bound from configuration and checked at start.</summary>
    public static IServiceCollection AddApiHostOptions(this IServiceCollection services)
    {
        services.AddOptions<ApiHostOptions>().BindConfiguration(ApiHostOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiHostOptions>, ApiHostOptions.Validator>();
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations(DemoOptions.Section).ValidateOnStart();
        services.AddOptions<CalendarOptions>().BindConfiguration(CalendarOptions.Section).ValidateDataAnnotations(CalendarOptions.Section).ValidateOnStart();
        return services;
    }
}
