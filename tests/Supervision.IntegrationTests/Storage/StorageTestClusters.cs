using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;
using Supervision.Contracts;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>
/// Orleans test clusters wired to the project's storage configuration. The classic
/// <see cref="TestCluster"/> is used because 10.4.2 keeps InProcessTestCluster's
/// UseTestClusterMembership switch internal, and the PostgreSQL tests need the real ADO.NET
/// membership table instead of the harness's in-memory one.
/// </summary>
internal static class StorageTestClusters
{
    private const string ProviderKey = "SupervisionTest:Provider";
    private const string ConnectionStringKey = "SupervisionTest:ConnectionString";

    /// <summary>
    /// Starts a cluster whose silos use <see cref="SiloStorageConfiguration.UseSupervisionStorage"/>.
    /// SQLite keeps the harness's membership (the embedded mode runs one silo with localhost
    /// clustering); PostgreSQL uses the ADO.NET membership table for silos and client alike.
    /// </summary>
    public static async Task<TestCluster> StartAsync(
        StorageProvider provider, string connectionString, string serviceId, short silos = 1, bool realSockets = false,
        Action<TestClusterBuilder>? customize = null)
    {
        var builder = new TestClusterBuilder(silos);
        customize?.Invoke(builder);

        // The harness connects its own silos and client in memory; a separate process-like client (the API in
        // production mode) needs the gateways on real loopback sockets.
        if (realSockets)
        {
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        }

        // Storage rows are keyed by ServiceId: a "restarted" cluster must reuse it.
        builder.Options.ServiceId = serviceId;
        builder.Options.UseTestClusterMembership = provider == StorageProvider.Sqlite;
        builder.Properties[ProviderKey] = provider.ToString();
        builder.Properties[ConnectionStringKey] = connectionString;
        builder.AddSiloBuilderConfigurator<SiloStorage>();
        builder.AddClientBuilderConfigurator<ClientClustering>();

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Retries a call while the cluster reacts to a stopped silo.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> call, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static (StorageProvider Provider, string ConnectionString) Read(IConfiguration configuration) =>
        (Enum.Parse<StorageProvider>(configuration[ProviderKey]!), configuration[ConnectionStringKey]!);

    private sealed class SiloStorage : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var (provider, connectionString) = Read(siloBuilder.Configuration);
            siloBuilder.UseSupervisionStorage(provider, connectionString);
            // The project's own grains need the stores, audit log and reference data.
            siloBuilder.Services.AddSupervisionServices(new PlatformSettings(
                provider, connectionString, Path.GetTempPath(), "test", "test", 0, 0, ApplySchemaOnStart: false, ReferenceDataDirectory: null));
            // The project's grains (loaded from the referenced assemblies) pass core records as JSON;
            // without this the silo's serializer validation refuses to start.
            siloBuilder.Services.AddSupervisionSerialization();
            // Notice a stopped silo quickly instead of after the one-minute production default.
            siloBuilder.Configure<ClusterMembershipOptions>(o => o.TableRefreshTimeout = TimeSpan.FromSeconds(2));
            // Reminder tests use second-scale periods (the default floor is one minute) and must
            // not wait minutes for the service to re-read the table.
            siloBuilder.Configure<ReminderOptions>(o =>
            {
                o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(5);
            });
        }
    }

    private sealed class ClientClustering : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            var (provider, connectionString) = Read(configuration);
            clientBuilder.Services.AddSupervisionSerialization();
            if (provider == StorageProvider.PostgreSql)
            {
                clientBuilder.UseAdoNetClustering(o =>
                {
                    o.Invariant = SiloStorageConfiguration.PostgreSqlInvariant;
                    o.ConnectionString = connectionString;
                });
            }
        }
    }
}

/// <summary>Declares a killed silo dead within seconds rather than the production minute.</summary>
public sealed class QuickDeathDeclaration : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder) =>
        siloBuilder.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
        });
}
