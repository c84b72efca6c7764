using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Supervision.Infrastructure.Configuration;

namespace Supervision.Infrastructure.Storage;

/// <summary>Where the platform keeps its data (configuration section "Supervision"; docs/operations.md, "Configuration").</summary>
public sealed class PlatformOptions
{
    public const string Section = "Supervision";

    /// <summary>Embedded mode: the folder of <c>supervision.db</c> and the local token key; empty: <see cref="PlatformSettings.DefaultDataDirectory"/>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Apply pending schema scripts when a process starts.</summary>
    public bool ApplySchemaOnStart { get; set; } = true;

    /// <summary>A folder whose JSON files replace the shipped reference tables; empty: the shipped ones.</summary>
    public string? ReferenceDataDirectory { get; set; }

    internal sealed class Validator : IValidateOptions<PlatformOptions>
    {
        public ValidateOptionsResult Validate(string? name, PlatformOptions options) =>
            !string.IsNullOrWhiteSpace(options.ReferenceDataDirectory) && !Directory.Exists(options.ReferenceDataDirectory)
                ? ValidateOptionsResult.Fail($"{Section}:ReferenceDataDirectory '{options.ReferenceDataDirectory}' is not a folder: give the folder holding the replacement reference tables, or leave it empty for the shipped ones.")
                : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// The connection strings (configuration section "ConnectionStrings"): <c>ConnectionStrings:Supervision</c>, a PostgreSQL
/// connection string, selects production mode; empty means the embedded SQLite file.
/// </summary>
public sealed class ConnectionStringOptions
{
    public const string Section = "ConnectionStrings";

    public string? Supervision { get; set; }
}

/// <summary>The cluster's identity and a silo's endpoints (configuration section "Orleans").</summary>
public sealed class ClusterHostOptions
{
    public const string Section = "Orleans";

    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "supervision";

    /// <summary>Keep it stable forever: grain state and reminders are keyed by it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = "supervision";

    [Range(0, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(0, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The address a silo binds and tells the cluster (e.g. 127.0.0.1 for processes that must stay on loopback); unset, a
    /// silo listens on every address and advertises the host's own.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The silo process: use Orleans' Kubernetes hosting (pod identity, dead-silo cleanup).</summary>
    public bool Kubernetes { get; set; }

    /// <summary><see cref="AdvertisedAddress"/> parsed; null when unset.</summary>
    public System.Net.IPAddress? AdvertisedIPAddress =>
        string.IsNullOrWhiteSpace(AdvertisedAddress) ? null : System.Net.IPAddress.TryParse(AdvertisedAddress.Trim(), out var address) ? address : null;

    internal sealed class Validator : IValidateOptions<ClusterHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, ClusterHostOptions options) =>
            !string.IsNullOrWhiteSpace(options.AdvertisedAddress) && options.AdvertisedIPAddress is null
                ? ValidateOptionsResult.Fail($"{Section}:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address (IPv4 or IPv6, such as 127.0.0.1).")
                : ValidateOptionsResult.Success;
    }
}

public static class PlatformOptionsRegistration
{
    /// <summary>The storage and cluster settings every process reads: bound from configuration and checked at start.</summary>
    public static IServiceCollection AddPlatformOptions(this IServiceCollection services)
    {
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.Section).ValidateOnStart();
        services.AddOptions<ConnectionStringOptions>().BindConfiguration(ConnectionStringOptions.Section);
        services.AddOptions<ClusterHostOptions>().BindConfiguration(ClusterHostOptions.Section).ValidateDataAnnotations(ClusterHostOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PlatformOptions>, PlatformOptions.Validator>();
        services.AddSingleton<IValidateOptions<ClusterHostOptions>, ClusterHostOptions.Validator>();
        return services;
    }
}
