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
    public static IServiceCollection AddSupervisionSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(isSupported: type => type.Namespace?.StartsWith("Supervision.Core", StringComparison.Ordinal) == true));
}
