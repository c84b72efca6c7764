using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary><c>Orleans:AdvertisedAddress</c> binds and advertises a production silo on the address given (loopback in tests).</summary>
public sealed class AdvertisedAddressTests
{
    [Fact]
    public void A_production_silo_binds_and_advertises_the_configured_address()
    {
        var settings = Settings(new() { ["Orleans:AdvertisedAddress"] = "127.0.0.1" });
        Assert.Equal(IPAddress.Loopback, settings.AdvertisedAddress);
        var endpoints = Endpoints(settings);
        Assert.Equal(IPAddress.Loopback, endpoints.AdvertisedIPAddress);
        // No separate listening endpoint: Orleans listens on the advertised address itself, not on every address.
        Assert.True(endpoints.SiloListeningEndpoint is null || endpoints.SiloListeningEndpoint.Address.Equals(IPAddress.Loopback));
        Assert.True(endpoints.GatewayListeningEndpoint is null || endpoints.GatewayListeningEndpoint.Address.Equals(IPAddress.Loopback));

        // Unset: every address is listened on, the host's own advertised (as before).
        var any = Endpoints(Settings([]));
        Assert.Equal(IPAddress.Any, any.SiloListeningEndpoint?.Address);

        var bad = Assert.Throws<OptionsValidationException>(() => Settings(new() { ["Orleans:AdvertisedAddress"] = "localhost:1" }));
        Assert.Contains("Orleans:AdvertisedAddress", bad.Message, StringComparison.Ordinal);
    }

    private static PlatformSettings Settings(Dictionary<string, string?> values)
    {
        values["ConnectionStrings:Supervision"] = "Host=127.0.0.1;Database=unused";
        return PlatformSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    private static EndpointOptions Endpoints(PlatformSettings settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.ConfigureSupervision(settings, applyMigrations: false));
        using var host = builder.Build(); // built, never started: only the options are read
        return host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
    }
}
