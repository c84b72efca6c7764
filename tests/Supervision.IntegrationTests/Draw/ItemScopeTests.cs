using System.Net;
using System.Net.Http.Json;
using Dapper;
using Supervision.Core.Reference;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// An item's object scope (entity types, industries) limits the population: a food item is never drawn against a mine
/// (issue 18: the freeze ignored the scope). Counted against an independent SQL count of the directory.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ItemScopeTests(PostgresServer server)
{
    [PostgresFact]
    public async Task The_preview_the_freeze_and_the_draw_keep_to_the_entities_every_item_applies_to()
    {
        await using var platform = await StartAsync(server, "draw_item_scope");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");

        // The commonest (entity type, industry division) of the synthetic directory, and the section of that division.
        (string Type, string Division) common;
        await using (var connection = await platform.Store.OpenAsync())
        {
            common = await connection.QuerySingleAsync<(string, string)>(
                """
                SELECT entity_type, substr(industry_code, 1, 2) FROM market_entities WHERE status = 'open'
                GROUP BY entity_type, substr(industry_code, 1, 2) ORDER BY count(*) DESC, 1, 2 LIMIT 1
                """);
        }
        var section = ReferenceData.Default.IndustryDivisionOf(common.Division)!.Section;
        var divisions = ReferenceData.Default.IndustryDivisions.Where(d => d.Section == section).Select(d => d.Code).Order(StringComparer.Ordinal).ToArray();
        var inScope = await platform.ScalarAsync(
            "SELECT count(*) FROM market_entities WHERE status = 'open' AND entity_type = @type AND substr(industry_code, 1, 2) = ANY(string_to_array(@divisions, ','))",
            new { type = common.Type, divisions = string.Join(',', divisions) });
        var all = await platform.ScalarAsync("SELECT count(*) FROM market_entities WHERE status = 'open'");
        Assert.InRange(inScope, 13, all - 1);

        // I1 applies to that entity type in that section (given as its letter, as the item list writes it).
        var put = new HttpRequestMessage(HttpMethod.Put, "/api/items/I1")
        {
            Content = JsonContent.Create(new
            {
                code = "I1", name = "Food safety", departmentCode = "D1", legalBasis = "test", method = "on_site",
                entityTypes = new[] { common.Type }, industries = new[] { section }, resultCodes = new[] { "1", "A" },
            }),
        };
        put.Headers.IfMatch.ParseAdd("\"1\"");
        await ReadAsync(await scheduler.SendAsync(put), HttpStatusCode.OK);

        var preview = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", Draft()), HttpStatusCode.OK);
        Assert.Equal(inScope, preview.GetProperty("population").GetInt64());
        var scope = Assert.Single(preview.GetProperty("scope").EnumerateArray());
        Assert.Equal("I1", scope.GetProperty("item").GetString());
        Assert.Equal([common.Type], scope.GetProperty("entityTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(divisions, scope.GetProperty("industryPrefixes").EnumerateArray().Select(e => e.GetString()));

        // The freeze commits exactly those entities, and says why on the task.
        var id = await FrozenTaskAsync(scheduler, Draft());
        var task = await ReadAsync(await scheduler.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK);
        Assert.Equal(inScope, task.GetProperty("population").GetProperty("memberCount").GetInt64());
        Assert.Equal("I1", Assert.Single(task.GetProperty("population").GetProperty("scope").EnumerateArray()).GetProperty("item").GetString());
        var snapshot = await scheduler.GetStringAsync($"/api/tasks/{id}/draw/population.csv");
        var members = snapshot.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l[..18]).ToArray();
        Assert.Equal(inScope, members.Length);
        Assert.Equal(0, await platform.ScalarAsync(
            "SELECT count(*) FROM market_entities WHERE credit_code = ANY(string_to_array(@members, ',')) AND (entity_type <> @type OR NOT substr(industry_code, 1, 2) = ANY(string_to_array(@divisions, ',')))",
            new { members = string.Join(',', members), type = common.Type, divisions = string.Join(',', divisions) }));

        // Every drawn entity is one the item applies to.
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        Assert.True(await platform.ScalarAsync("SELECT count(*) FROM drawn_entities WHERE task_id = @id", new { id }) > 0);
        Assert.Equal(0, await platform.ScalarAsync(
            """
            SELECT count(*) FROM drawn_entities d JOIN market_entities e ON e.credit_code = d.member_id
            WHERE d.task_id = @id AND (e.entity_type <> @type OR NOT substr(e.industry_code, 1, 2) = ANY(string_to_array(@divisions, ',')))
            """, new { id, type = common.Type, divisions = string.Join(',', divisions) }));

        // The public task page names the scope in words.
        using var anonymous = platform.Host.Anonymous();
        var page = await anonymous.GetStringAsync($"/tasks/{id}?lang=en");
        Assert.Contains("Item applies to", page);
        Assert.Contains(ReferenceData.Default.EntityType(common.Type)!.English, page);
        Assert.Contains(ReferenceData.Default.IndustryDivisionOf(common.Division)!.Name, page);
    }
}
