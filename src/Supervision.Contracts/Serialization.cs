using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Supervision.Contracts;

public static class ContractSerialization
{
    /// <summary>
    /// The pure core's records (directory records, field errors, the actor) cross grain calls as JSON: the core
    /// stays free of Orleans code generation, and JSON tolerates added fields across versions. Silos and clients
    /// must both call this.
    /// </summary>
    public static IServiceCollection AddSupervisionSerialization(this IServiceCollection services)
    {
        // Database errors may travel from a silo to a client as the cause of a failed call; without this their
        // exception types are not serializable and the caller would see a codec error instead of the cause.
        services.Configure<ExceptionSerializationOptions>(o =>
        {
            o.SupportedNamespacePrefixes.Add("Npgsql");
            o.SupportedNamespacePrefixes.Add("Microsoft.Data.Sqlite");
            o.SupportedNamespacePrefixes.Add("Supervision");
        });
        return services.AddSerializer(s => s.AddJsonSerializer(isSupported: type => type.Namespace?.StartsWith("Supervision.Core", StringComparison.Ordinal) == true));
    }
}
