using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Registry;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>The API on PostgreSQL (production storage), over real HTTP, across a full restart.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProductionModeTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Directory_writes_and_an_http_import_survive_a_restart_on_postgresql()
    {
        var database = await server.CreateDatabaseAsync("api_restart");
        var code = CreditCode.Complete("91210102MA0PG001");
        string importId;
        await using (var first = await ApiHost.StartAsync(postgresConnectionString: database))
        {
            using var admin = await first.AdminAsync();
            var created = await admin.PostAsJsonAsync("/api/entities", new { creditCode = code, name = "持久化测试有限公司", industryCode = "52", divisionCode = "210102" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            var generator = new SyntheticDirectory(3, 5_000, 0);
            var csv = new MemoryStream();
            generator.WriteEntitiesCsv(csv);
            csv.Position = 0;
            var import = await admin.PostAsync("/api/imports/entities?fileName=pg.csv", new StreamContent(csv));
            Assert.Equal(HttpStatusCode.Created, import.StatusCode);
            var job = await import.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(5_000, job.GetProperty("inserted").GetInt64());
            importId = job.GetProperty("id").GetString()!;
        }

        await using var second = await ApiHost.StartAsync(postgresConnectionString: database);
        using var again = await second.AdminAsync();
        var entity = await again.GetFromJsonAsync<JsonElement>($"/api/entities/{code}");
        Assert.Equal("持久化测试有限公司", entity.GetProperty("name").GetString());
        var finished = await again.GetFromJsonAsync<JsonElement>($"/api/imports/{importId}");
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        var page = await again.GetFromJsonAsync<JsonElement>("/api/entities?division=210000&limit=1000");
        Assert.Equal(1000, page.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await second.Anonymous().GetAsync("/health/ready")).StatusCode);
    }
}

/// <summary>The production shape: silos on PostgreSQL clustering, and an API process that is only a client of them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiAsClusterClientTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Five_wrong_passwords_from_one_address_lock_it_out_of_the_account_on_postgresql_too()
    {
        await using var host = await ApiHost.StartAsync(postgresConnectionString: await server.CreateDatabaseAsync("sign_in_lockout"), settings: IdentityApiTests.LockoutSettings);
        await IdentityApiTests.LockoutScenarioAsync(host);
    }

    [PostgresFact]
    public async Task An_api_that_hosts_no_silo_serves_writes_through_the_cluster()
    {
        var database = await server.CreateDatabaseAsync("api_client_mode");
        await Supervision.Infrastructure.Storage.SchemaMigrator.MigrateAsync(Supervision.Infrastructure.Storage.StorageProvider.PostgreSql, database);
        var serviceId = "client-mode-" + Guid.NewGuid().ToString("N")[..6];
        await using var cluster = await Supervision.IntegrationTests.Storage.StorageTestClusters.StartAsync(
            Supervision.Infrastructure.Storage.StorageProvider.PostgreSql, database, serviceId, silos: 2, realSockets: true);

        await using var api = await ApiHost.StartAsync(postgresConnectionString: database, settings: new Dictionary<string, string?>
        {
            ["Supervision:CoHostSilo"] = "false",
            ["Orleans:ClusterId"] = cluster.Options.ClusterId,
            ["Orleans:ServiceId"] = serviceId,
        });
        using var admin = await api.AdminAsync();
        var code = CreditCode.Complete("91210102MA0CL001");
        var created = await admin.PostAsJsonAsync("/api/entities", new { creditCode = code, name = "集群客户端测试有限公司", industryCode = "52", divisionCode = "210102" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().GetAsync("/health/ready")).StatusCode);

        // The write ran in one of the cluster's silos: the API process has no silo of its own.
        Assert.Null(api.Services.GetService(typeof(Orleans.Runtime.ILocalSiloDetails)));
        var hosts = await cluster.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }
}
