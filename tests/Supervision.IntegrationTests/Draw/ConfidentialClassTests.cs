using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Supervision.Core.Draw;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// Draw integrity II, finding 5: credit classes are confidential, yet the public population.csv listed every member's
/// class and the pack's probabilities (such as 15/726) gave the class sizes. Every anonymous route, page and download
/// of a drawn task — stratified and risk-weighted — is walked here, and none may reveal a member's class, rank, key,
/// weight or probability, or a class size.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConfidentialClassTests(PostgresServer server)
{
    [PostgresTheory]
    [InlineData("stratified")]
    [InlineData("pareto")]
    public async Task No_anonymous_route_page_or_download_reveals_a_members_credit_class(string mode)
    {
        await using var platform = await StartAsync(server, "confidential_" + mode);
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        using var auditor = await platform.Host.UserAsync("auditor-1", "auditor");
        using var anonymous = platform.Host.Anonymous();
        object draft = mode == "stratified"
            ? Draft()
            : new
            {
                name = "Risk-weighted checks", leadDepartment = "D1", items = new[] { "I1" }, sampling = new { mode = "pareto", total = 12 },
                teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60), beacon = Ceremonies.Beacon(),
            };
        var id = await FrozenTaskAsync(scheduler, draft);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);

        // What must stay secret, read from the auditor's full pack: each drawn member's class, and each class's n/N.
        var full = JsonDocument.Parse(await auditor.GetStringAsync($"/api/tasks/{id}/draw/pack")).RootElement;
        var result = full.GetProperty("entityDraw").GetProperty("result");
        Assert.Equal(mode, result.GetProperty("mode").GetString());
        var drawn = result.GetProperty("drawn").EnumerateArray().Select(d => d.GetProperty("memberId").GetString()!).ToArray();
        Assert.NotEmpty(drawn);
        var secrets = new List<Regex>();
        foreach (var s in result.GetProperty("strata").EnumerateArray())
        {
            var n = s.GetProperty("drawnCount").GetInt32();
            var big = s.GetProperty("populationCount").GetInt64();
            if (big > 0) secrets.Add(new Regex($"(?<![0-9]){n}/{big}(?![0-9])"));
        }
        foreach (var d in result.GetProperty("drawn").EnumerateArray())
        {
            // The recorded probability and (Pareto) the key of each drawn member.
            secrets.Add(new Regex(Regex.Escape(d.GetProperty("inclusionProbability").GetString()!)));
            if (d.GetProperty("key").GetString() is { Length: > 3 } key) secrets.Add(new Regex(Regex.Escape(key)));
        }

        var pages = new List<string>
        {
            "/", "/tasks", $"/tasks/{id}", $"/tasks/{id}?lang=en", "/verify", "/open-data",
            "/api/tasks", $"/api/tasks/{id}", $"/api/tasks/{id}/draw/pack", $"/api/tasks/{id}/draw/inspectors.json",
            "/api/public/v1/tasks", $"/api/public/v1/tasks/{id}", $"/api/public/v1/tasks/{id}/drawn?limit=1000",
            $"/api/public/v1/tasks/{id}/pack", $"/api/public/v1/tasks/{id}/members.csv",
        };
        pages.AddRange(drawn.SelectMany(e => new[] { $"/entities/{e}", $"/api/public/v1/entities/{e}", $"/?creditCode={e}" }));
        var fields = new Regex("\"(stratum|weight|key|keyApprox|inclusionProbability|inclusionProbabilityApprox|rankInStratum|certain|populationCount|creditClass)\"\\s*:");
        foreach (var url in pages)
        {
            var response = await anonymous.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
            // The task's published plan names the classes' rules (sampling.classes, the pack's parameters.strata): allowed.
            var scrubbed = Regex.Replace(body, "\"(classes|strata)\"\\s*:\\s*\\[[^\\]]*\\]", "\"rules\": []");
            Assert.False(fields.IsMatch(scrubbed), $"{url} carries a per-member or per-class field: {fields.Match(scrubbed).Value}");
            foreach (var secret in secrets) Assert.False(secret.IsMatch(body), $"{url} shows '{secret}', which reveals a class or a class size");
            Assert.DoesNotContain("member_id,stratum", body, StringComparison.Ordinal);
            Assert.DoesNotContain("入样概率", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Inclusion probability", body, StringComparison.Ordinal);
        }

        // The members file: ids and commitments only.
        var members = await anonymous.GetStringAsync($"/api/public/v1/tasks/{id}/members.csv");
        Assert.All(members.Split('\n').Skip(1).Where(l => l.Length > 0), l => Assert.Matches("^[0-9A-Z]{18},[0-9a-f]{64}$", l));

        // What names classes is not public at all.
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync($"/api/tasks/{id}/draw/population.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/public/v1/tasks/{id}/population.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/tasks/{id}/draw/members-key")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/public/v1/entities/{drawn[0]}/receipts/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/public/v1/entities/{drawn[0]}/receipts/{id}?t=1.AAAA")).StatusCode);

        // And everything the public has still verifies.
        var publicPack = await anonymous.GetStringAsync($"/api/public/v1/tasks/{id}/pack");
        var report = PublicPackVerifier.Verify(publicPack, System.Text.Encoding.UTF8.GetBytes(members));
        Assert.True(report.Passed, report.ToString());
    }

    [PostgresFact]
    public async Task A_task_cannot_leave_a_credit_class_out_of_its_population()
    {
        await using var platform = await StartAsync(server, "confidential_filter");
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        var response = await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "Only the risky ones", leadDepartment = "D1", items = new[] { "I1" }, filter = new { creditClasses = new[] { "C", "D" } },
            teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60),
        });
        var problem = await ReadAsync(response, HttpStatusCode.BadRequest);
        var reason = problem.GetProperty("errors").GetProperty("filter.creditClasses")[0].GetString()!;
        Assert.Contains("no class is exempt", reason, StringComparison.Ordinal);
        Assert.Contains("missing: A, B", reason, StringComparison.Ordinal);
        // Listing every class, or none, is accepted.
        await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "Everyone", leadDepartment = "D1", items = new[] { "I1" }, filter = new { creditClasses = new[] { "A", "B", "C", "D" } },
            teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60), beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
    }
}
