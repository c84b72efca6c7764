namespace Supervision.Contracts.Audit;

/// <summary>
/// Chains new audit lines (and anchors finished days) at every silo start and then every minute, one run at a time for
/// the cluster. Keyed <see cref="DefaultKey"/>.
/// </summary>
[Alias("supervision.audit-chain")]
public interface IAuditChainGrain : IGrainWithStringKey
{
    public const string DefaultKey = "audit";

    [Alias("start"), SafeToRetry]
    Task Start();

    /// <summary>Chains what is there now; returns how many lines it chained.</summary>
    [Alias("extend"), ResponseTimeout("00:10:00"), SafeToRetry]
    Task<long> Extend();
}
