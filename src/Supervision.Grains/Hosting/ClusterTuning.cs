using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Supervision.Infrastructure.Configuration;

namespace Supervision.Grains.Hosting;

/// <summary>
/// Fail fast, then recover: a dead silo is declared dead within seconds, an ordinary grain call gives up after a few
/// seconds (methods with their own <c>[ResponseTimeout]</c> keep it), and calls marked <c>[SafeToRetry]</c> are sent
/// again within a short budget (<see cref="SafeRetryFilter"/>). Every value has a fast default here and can be changed
/// in configuration — <c>Orleans:Membership</c>, <c>Orleans:Messaging</c>, <c>Orleans:Gateway</c>, <c>Orleans:Retry</c>,
/// keys named as the Orleans options' properties (docs/operations.md, "Failure modes").
/// </summary>
public static class ClusterTuning
{
    public const string MembershipSection = "Orleans:Membership";
    public const string MessagingSection = "Orleans:Messaging";
    public const string GatewaySection = "Orleans:Gateway";
    public const string RetrySection = "Orleans:Retry";

    /// <summary>Orleans' default is 30 s; an ordinary call (one grain, one transaction) needs milliseconds.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often the API (an Orleans client) re-reads the live gateways; Orleans' default is one minute.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Membership for death within seconds: a silo that misses two 2-second probes from another is suspected and voted
    /// dead; two votes are needed, but Orleans caps that at a majority of the live silos, so in a cluster of two the
    /// survivor's vote suffices. Orleans' defaults (10 s probes, 3 misses, 60 s table refresh) take half a minute or more.
    /// </summary>
    public static void FastMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(2);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>The silo's share: membership, the response timeout of calls it makes, retries of grain-to-grain calls.</summary>
    public static ISiloBuilder UseClusterTuning(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<ClusterMembershipOptions>().Configure(FastMembership).BindConfiguration(MembershipSection)
            .Validate(o => o.ProbeTimeout > TimeSpan.Zero && o.NumMissedProbesLimit > 0 && o.NumVotesForDeathDeclaration > 0,
                $"{MembershipSection}: ProbeTimeout, NumMissedProbesLimit and NumVotesForDeathDeclaration must be positive.")
            .ValidateOnStart();
        silo.Services.AddOptions<SiloMessagingOptions>().Configure(o => o.ResponseTimeout = ResponseTimeout).BindConfiguration(MessagingSection)
            .Validate(o => o.ResponseTimeout > TimeSpan.Zero, $"{MessagingSection}:ResponseTimeout must be positive.").ValidateOnStart();
        AddRetries(silo.Services);
        silo.AddOutgoingGrainCallFilter<SafeRetryFilter>();
        // Transient database failures leave grains as a contract exception that crosses to the caller whole.
        silo.AddIncomingGrainCallFilter<TransientBoundaryFilter>();
        return silo;
    }

    /// <summary>The client's share (the API in production): its response timeout, how fast it notices gateways come and go, retries.</summary>
    public static IClientBuilder UseClusterTuning(this IClientBuilder client)
    {
        client.Services.AddOptions<ClientMessagingOptions>().Configure(o => o.ResponseTimeout = ResponseTimeout).BindConfiguration(MessagingSection)
            .Validate(o => o.ResponseTimeout > TimeSpan.Zero, $"{MessagingSection}:ResponseTimeout must be positive.").ValidateOnStart();
        client.Services.AddOptions<GatewayOptions>().Configure(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod).BindConfiguration(GatewaySection)
            .Validate(o => o.GatewayListRefreshPeriod > TimeSpan.Zero, $"{GatewaySection}:GatewayListRefreshPeriod must be positive.").ValidateOnStart();
        AddRetries(client.Services);
        client.AddOutgoingGrainCallFilter<SafeRetryFilter>();
        return client;
    }

    private static void AddRetries(IServiceCollection services)
    {
        services.AddOptions<SafeRetryOptions>().BindConfiguration(RetrySection).ValidateDataAnnotations(RetrySection).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SafeRetryOptions>, SafeRetryOptions.Validator>();
        services.TryAddSingleton(TimeProvider.System);
    }
}
