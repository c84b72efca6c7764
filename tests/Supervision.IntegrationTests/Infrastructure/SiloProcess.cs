using System.Globalization;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// A production silo (<c>dotnet Supervision.Silo.dll</c>) on PostgreSQL, binding and advertising 127.0.0.1 on free ports,
/// in the given cluster; for fault tests that kill it as an operator's bad day would (<see cref="KillAsync"/>: SIGKILL).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly DotnetProcess _process;

    private SiloProcess(DotnetProcess process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int ProcessId => _process.ProcessId;

    public string Output => _process.Output;

    /// <summary>Starts a silo of <paramref name="clusterId"/> and waits until its host has started (the silo joined the cluster).</summary>
    public static async Task<SiloProcess> StartAsync(string postgresConnectionString, string clusterId, IDictionary<string, string>? settings = null)
    {
        var siloPort = ApiHost.FreePort();
        var gatewayPort = ApiHost.FreePort();
        var configuration = new Dictionary<string, string>
        {
            ["ConnectionStrings:Supervision"] = postgresConnectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:AdvertisedAddress"] = "127.0.0.1",
            ["Orleans:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            // The one line the start is recognised by.
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) configuration[key] = value;

        var process = DotnetProcess.Start("Supervision.Silo", [], configuration);
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        try
        {
            var started = process.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
            while (!started.IsCompleted)
            {
                if (process.HasExited) throw new InvalidOperationException($"the silo exited with {process.ExitCode}:\n{process.Output}");
                await Task.WhenAny(started, Task.Delay(250));
            }

            await started;
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>kill -9: the silo leaves no word; the cluster has to notice.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
