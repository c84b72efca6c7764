using System.Net;
using System.Net.Http.Json;
using Dapper;
using Supervision.Contracts.Inspections;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// The workload cap counts the teams whose work is still to do. Every drawn team used to count for ever, so after
/// WorkloadCap teams in a lifetime an inspector was never drawn again (regime review: "workload balancing is broken").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkloadTests(PostgresServer server)
{
    [Fact]
    public Task Embedded_an_inspector_whose_team_submitted_is_drawn_again() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_an_inspector_whose_team_submitted_is_drawn_again() => await RunAsync(await server.CreateDatabaseAsync("workload"));

    private static async Task RunAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        using var scheduler = await platform.As("sched-d1");

        // D1 has eight inspectors; with teams of two and a cap of one open team each, four entities take all of them. A
        // second task cannot be frozen then: its teams could not be staffed (the inspector side is frozen with it).
        var first = await DrawnAsync(scheduler);
        var second = await PublishedAsync(scheduler);
        var refused = await ProblemAsync(await scheduler.PostAsync($"/api/tasks/{second}/freeze", null), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("at workload cap", refused.GetProperty("detail").GetString());

        // The first task's teams do their work and submit it: they are free again, and the second task's teams can be drawn.
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{first}/dispatch", null), HttpStatusCode.OK);
        platform.Clock.Advance(TimeSpan.FromHours(3)); // the workflow's clock: the visits happen after the dispatch
        await using (var connection = await platform.Store.OpenAsync())
        {
            var inspections = (await connection.QueryAsync<(string Id, string Team)>("SELECT inspection_id, team FROM inspections WHERE task_id = @first", new { first })).ToList();
            Assert.Equal(4, inspections.Count);
            foreach (var (id, team) in inspections)
            {
                var members = team.Split(',', StringSplitOptions.RemoveEmptyEntries);
                var stored = await platform.Grains.GetGrain<IInspectionGrain>(id).Get(InspectorActor(members[0]));
                await SignThroughGrainAsync(platform.Grains, stored.Inspection!, platform.Clock.GetUtcNow().AddHours(-1), members[0], members[1]);
                Assert.True((await platform.Grains.GetGrain<IInspectionGrain>(id).Submit("k-" + id, InspectorActor(members[0]))).Succeeded);
            }
        }

        await DrawAsync(scheduler, second);
    }

    /// <summary>A task of four entities, teams of two, at most one open team per inspector, drawn (entities, then teams).</summary>
    private static async Task<string> DrawnAsync(HttpClient scheduler)
    {
        var id = await PublishedAsync(scheduler);
        await DrawAsync(scheduler, id);
        return id;
    }

    private static async Task DrawAsync(HttpClient scheduler, string id)
    {
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        await Ceremonies.RunAsync(scheduler, id, "2 7 1 8");
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);
    }

    private static async Task<string> PublishedAsync(HttpClient scheduler)
    {
        var created = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "Workload", leadDepartment = "D1", items = new[] { "I1" }, sampling = new { mode = "pareto", total = 4 },
            teamSize = 2, workloadCap = 1, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30), beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        return id;
    }
}
