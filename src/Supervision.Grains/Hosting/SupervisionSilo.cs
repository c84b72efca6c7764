using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Supervision.Contracts;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Hosting;

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
    string? ReferenceDataDirectory)
{
    public bool IsEmbedded => Provider == StorageProvider.Sqlite;

    /// <summary>
    /// A PostgreSQL connection string under <c>ConnectionStrings:Supervision</c> selects production mode;
    /// without one the platform runs on a SQLite file in <c>Supervision:DataDirectory</c> (default <c>./data</c>).
    /// </summary>
    public static PlatformSettings From(IConfiguration configuration)
    {
        var postgres = configuration.GetConnectionString("Supervision");
        var dataDirectory = Path.GetFullPath(configuration["Supervision:DataDirectory"] is { Length: > 0 } d ? d : "data");
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
            string.IsNullOrWhiteSpace(configuration["Supervision:ReferenceDataDirectory"]) ? null : configuration["Supervision:ReferenceDataDirectory"]);
    }
}

public static class SupervisionSilo
{
    /// <summary>Configures a silo for either mode: localhost clustering on SQLite, ADO.NET clustering on PostgreSQL.</summary>
    public static ISiloBuilder ConfigureSupervision(this ISiloBuilder silo, PlatformSettings settings, bool applyMigrations = true)
    {
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.IsEmbedded)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
        }
        else
        {
            silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        }

        silo.UseSupervisionStorage(settings.Provider, settings.ConnectionString, applyMigrations && settings.ApplySchemaOnStart);
        silo.Services.AddSupervisionServices(settings);
        silo.Services.AddSupervisionSerialization();
        return silo;
    }

    /// <summary>The services grains and endpoints share: the SQL store, audit log, accounts, clock.</summary>
    public static IServiceCollection AddSupervisionServices(this IServiceCollection services, PlatformSettings settings)
    {
        if (services.Any(d => d.ServiceType == typeof(SqlStore)))
        {
            return services;
        }

        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => Core.Reference.ReferenceData.Load(settings.ReferenceDataDirectory));
        services.AddSingleton(_ => SqlStore.Create(settings.Provider, settings.ConnectionString));
        services.AddSingleton<Infrastructure.Audit.AuditLog>();
        services.AddSingleton<Infrastructure.Identity.UserStore>();
        services.AddSingleton<VersionedWriter>();
        services.AddSingleton<Infrastructure.Directory.DepartmentStore>();
        services.AddSingleton<Infrastructure.Directory.InspectionItemStore>();
        services.AddSingleton<Infrastructure.Directory.MarketEntityStore>();
        services.AddSingleton<Infrastructure.Directory.InspectorStore>();
        services.AddSingleton<Infrastructure.Directory.Import.DirectoryImporter>();
        return services;
    }
}
