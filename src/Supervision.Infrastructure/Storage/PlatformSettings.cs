using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Supervision.Infrastructure.Storage;

/// <summary>Where and how a silo runs: read from the "Supervision" and "Orleans" configuration sections.</summary>
public sealed record PlatformSettings(
    StorageProvider Provider,
    string ConnectionString,
    string DataDirectory,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort,
    bool ApplySchemaOnStart,
    string? ReferenceDataDirectory,
    System.Net.IPAddress? AdvertisedAddress = null)
{
    public bool IsEmbedded => Provider == StorageProvider.Sqlite;

    /// <summary>The per-user data directory (~/.local/share/supervision on Linux), the same for the API and the CLI.</summary>
    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "supervision");

    /// <summary>
    /// A PostgreSQL connection string under <c>ConnectionStrings:Supervision</c> selects production mode;
    /// without one the platform runs on a SQLite file in <c>Supervision:DataDirectory</c> (default: <see cref="DefaultDataDirectory"/>).
    /// Read through the options registration (<see cref="PlatformOptionsRegistration.AddPlatformOptions"/>): a bad value
    /// throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming its key.
    /// </summary>
    public static PlatformSettings From(IConfiguration configuration)
    {
        using var options = Configuration.StartupOptions.Provider(configuration, s => s.AddPlatformOptions());
        return From(
            options.GetRequiredService<IOptions<PlatformOptions>>().Value,
            options.GetRequiredService<IOptions<ConnectionStringOptions>>().Value,
            options.GetRequiredService<IOptions<ClusterHostOptions>>().Value);
    }

    public static PlatformSettings From(PlatformOptions platform, ConnectionStringOptions connectionStrings, ClusterHostOptions cluster)
    {
        var postgres = connectionStrings.Supervision;
        var dataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(platform.DataDirectory) ? DefaultDataDirectory : platform.DataDirectory);
        var provider = string.IsNullOrWhiteSpace(postgres) ? StorageProvider.Sqlite : StorageProvider.PostgreSql;
        var connectionString = provider == StorageProvider.PostgreSql
            ? postgres!
            : $"Data Source={Path.Combine(dataDirectory, "supervision.db")}";
        return new PlatformSettings(
            provider,
            connectionString,
            dataDirectory,
            cluster.ClusterId,
            cluster.ServiceId,
            cluster.SiloPort,
            cluster.GatewayPort,
            platform.ApplySchemaOnStart,
            string.IsNullOrWhiteSpace(platform.ReferenceDataDirectory) ? null : platform.ReferenceDataDirectory,
            cluster.AdvertisedIPAddress);
    }
}
