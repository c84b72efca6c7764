using Supervision.IntegrationTests.Infrastructure;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Credit;

/// <summary>Helpers of the credit tests on top of <see cref="InspectionPlatform"/>: outcome rows, the feed, runs, entity views.</summary>
internal static class CreditFixtures
{
    /// <summary>
    /// The inspection platform with the credit feed's reminder slowed to an hour, so that only the test's own feed passes run
    /// (a reminder tick between two steps of a test would take their work).
    /// </summary>
    public static Task<InspectionPlatform> StartCreditAsync(string? postgres = null, string? dataDirectory = null, DateTimeOffset? now = null, bool seed = true,
        IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Supervision:Credit:FeedPeriod"] = "01:00:00" };
        return InspectionPlatform.StartAsync(postgres, dataDirectory, now, seed, settings: all);
    }

    /// <summary>Appends an outcome event as the inspection service does on approval (contract supervision.inspection-outcome v1).</summary>
    public static async Task OutcomeAsync(this InspectionPlatform p, string entity, string inspection, string item, int version, string[] codes, DateOnly inspectedOn,
        string? taskId = null, string department = "D1")
    {
        var task = taskId ?? inspection.Split('/')[0];
        var outcomeId = $"{inspection}/v{version}/{item}";
        await using var connection = await p.Store.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO inspection_outcomes (outcome_id, schema_version, entity_credit_code, task_id, inspection_id, item_code, result_codes,
                inspected_on, approved_on, department_code, version, kind, supersedes_version, payload_json, recorded_at)
            VALUES (@outcomeId, 1, @entity, @task, @inspection, @item, @codes, @inspectedOn, @approvedOn, @department, @version, @kind, @supersedes, '{}', @now)
            """,
            new
            {
                outcomeId, entity, task, inspection, item, codes = string.Join(',', codes.Order(StringComparer.Ordinal)), inspectedOn,
                approvedOn = inspectedOn.AddDays(1), department, version, kind = version == 1 ? "Initial" : "Amendment",
                supersedes = version == 1 ? (int?)null : version - 1, now = DateTimeOffset.UtcNow,
            });
    }

    public static async Task<string[]> EntitiesAsync(this InspectionPlatform p, string creditClass, int count, int skip = 0)
    {
        await using var connection = await p.Store.OpenAsync();
        return (await connection.QueryAsync<string>(
            "SELECT credit_code FROM market_entities WHERE credit_class = @creditClass AND status = 'open' ORDER BY credit_code LIMIT @count OFFSET @skip",
            new { creditClass, count, skip })).ToArray();
    }

    public static async Task<string> DirectoryClassAsync(this InspectionPlatform p, string entity)
    {
        await using var connection = await p.Store.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT credit_class FROM market_entities WHERE credit_code = @entity", new { entity }) ?? "";
    }

    public static async Task<JsonElement> RunFeedAsync(this InspectionPlatform p)
    {
        using var admin = await p.Host.AdminAsync();
        return await ReadAsync(await admin.PostAsync("/api/credit/feed/run", null), HttpStatusCode.OK);
    }

    /// <summary>Starts a recomputation by HTTP (202) and waits for its run to finish; returns the run.</summary>
    public static async Task<JsonElement> RecomputeAsync(this InspectionPlatform p)
    {
        using var admin = await p.Host.AdminAsync();
        var started = await ReadAsync(await admin.PostAsync("/api/credit/recompute", null), HttpStatusCode.Accepted);
        var id = started.GetProperty("runId").GetString()!;
        for (var i = 0; i < 600; i++)
        {
            var run = await ReadAsync(await admin.GetAsync($"/api/credit/recompute/runs/{id}"), HttpStatusCode.OK);
            if (run.GetProperty("status").GetString() != "running")
            {
                Assert.Equal("completed", run.GetProperty("status").GetString());
                return run;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"recomputation {id} did not finish");
    }

    public static async Task<JsonElement> CreditOfAsync(this InspectionPlatform p, string entity, string? task = null, string user = "sched-d1")
    {
        using var client = await p.As(user);
        return await ReadAsync(await client.GetAsync($"/api/credit/entities/{entity}" + (task is null ? "" : $"?task={task}")), HttpStatusCode.OK);
    }

    /// <summary>Creates, publishes and freezes a stratified task of D1 over every class (no draw yet); returns its id.</summary>
    public static Task<string> FrozenTaskAsync(HttpClient scheduler, string name) =>
        Draw.DrawPlatform.FreezeAsync(scheduler, Draw.DrawPlatform.Draft(name: name, counts: (1, 1, 1, 1)));
}
