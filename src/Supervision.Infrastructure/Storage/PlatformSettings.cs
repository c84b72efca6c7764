using Microsoft.Extensions.Configuration;

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
    /// </summary>
    public static PlatformSettings From(IConfiguration configuration)
    {
        var postgres = configuration.GetConnectionString("Supervision");
        var dataDirectory = Path.GetFullPath(configuration["Supervision:DataDirectory"] is { Length: > 0 } d ? d : DefaultDataDirectory);
        var provider = string.IsNullOrWhiteSpace(postgres) ? StorageProvider.Sqlite : StorageProvider.PostgreSql;
        var connectionString = provider == StorageProvider.PostgreSql
            ? postgres!
            : $"Data Source={Path.Combine(dataDirectory, "supervision.db")}";
        return new PlatformSettings(
            provider,
            connectionString,
            dataDirectory,
            configuration["Orleans:ClusterId"] ?? "supervision",
            configuration["Orleans:ServiceId"] ?? "supervision",
            int.TryParse(configuration["Orleans:SiloPort"], out var siloPort) ? siloPort : 11111,
            int.TryParse(configuration["Orleans:GatewayPort"], out var gatewayPort) ? gatewayPort : 30000,
            !string.Equals(configuration["Supervision:ApplySchemaOnStart"], "false", StringComparison.OrdinalIgnoreCase),
            string.IsNullOrWhiteSpace(configuration["Supervision:ReferenceDataDirectory"]) ? null : configuration["Supervision:ReferenceDataDirectory"],
            Advertised(configuration["Orleans:AdvertisedAddress"]));
    }

    /// <summary>
    /// <c>Orleans:AdvertisedAddress</c>: the address a silo binds and tells the cluster (e.g. 127.0.0.1 for processes that
    /// must stay on loopback); unset, a silo listens on every address and advertises the host's own.
    /// </summary>
    private static System.Net.IPAddress? Advertised(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : System.Net.IPAddress.TryParse(value.Trim(), out var address) ? address
        : throw new InvalidOperationException($"Orleans:AdvertisedAddress '{value}' is not an IP address (IPv4 or IPv6, such as 127.0.0.1).");
}
