using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Publication;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The public read model on PostgreSQL: publication through the workflow, then the searches the portal runs and the
/// plans PostgreSQL picks for them (index use, never timing; the timing is benchmarks/public-search.sh).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PublicSearchPostgresTests(PostgresServer server)
{
    [PostgresFact]
    public async Task Searches_by_credit_code_and_by_part_of_a_Chinese_name_use_their_indexes()
    {
        var connectionString = await server.CreateDatabaseAsync("public_search");
        await using var platform = await StartAsync(connectionString);
        var steps = new PublicationSteps(platform);
        using var reviewer = await platform.As("rev-d1");
        using var anonymous = platform.Host.Anonymous();
        string entity;
        await using (var connection = await platform.Store.OpenAsync())
            entity = await connection.QueryFirstAsync<string>("SELECT credit_code FROM market_entities ORDER BY credit_code");
        await platform.AssignDirectAsync("TPG", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 30));
        await steps.CompleteAsync($"TPG/{entity}", ["A"]);
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/TPG/{entity}/publish", null), HttpStatusCode.OK);

        var name = (await ReadAsync(await anonymous.GetAsync("/api/public/v1/entities/" + entity), HttpStatusCode.OK)).GetProperty("name").GetString()!;
        var part = name.Substring(name.Length / 2 - 1, 2);
        var found = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?name=" + Uri.EscapeDataString(part)), HttpStatusCode.OK);
        Assert.Equal(entity, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("entityCreditCode").GetString());
        var one = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?name=" + Uri.EscapeDataString(name[..1])), HttpStatusCode.OK);
        Assert.Single(one.GetProperty("items").EnumerateArray());

        // Enough rows for the planner to prefer the indexes.
        await PublishedSeed.SeedAsync(connectionString, 1, 50_000);
        var store = platform.Host.Services.GetRequiredService<PublicationStore>();
        async Task<string> PlanAsync(ResultQuery query)
        {
            var (sql, parameters) = store.SearchCommand(query);
            await using var connection = await platform.Store.OpenAsync();
            return string.Join('\n', await connection.QueryAsync<string>("EXPLAIN " + sql, parameters));
        }

        var byCode = await PlanAsync(new ResultQuery { CreditCode = PublishedSeed.CreditCode(4242) });
        Assert.Contains("published_results_entity", byCode);
        Assert.DoesNotContain("Seq Scan", byCode);
        var byName = await PlanAsync(new ResultQuery { Name = PublishedSeed.Brand(4242) + "超" });
        Assert.Contains("published_results_name_bigrams", byName);
        Assert.DoesNotContain("Seq Scan", byName);

        var search = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?limit=200&name=" + Uri.EscapeDataString(PublishedSeed.Brand(4242))), HttpStatusCode.OK);
        var items = search.GetProperty("items").EnumerateArray().ToArray();
        Assert.NotEmpty(items);
        Assert.All(items, r => Assert.Contains(PublishedSeed.Brand(4242), r.GetProperty("entityName").GetString()));
        var expected = await platform.ScalarAsync("SELECT count(*) FROM published_results WHERE entity_name LIKE @p", new { p = "%" + PublishedSeed.Brand(4242) + "%" });
        Assert.Equal(Math.Min(200, expected), items.Length);
    }
}
