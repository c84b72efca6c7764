using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Supervision.Grains.Credit;
using Supervision.Infrastructure.Configuration;
using Supervision.Infrastructure.Credit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Credit;

/// <summary>
/// The credit and statistics routes: the external-records import with its error report, who may see and do what, and the
/// design-based statistics and charts over a real committed draw.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CreditApiTests
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    [Fact]
    public async Task External_records_are_imported_with_line_field_and_reason_for_bad_lines_and_move_the_score()
    {
        await using var p = await CreditFixtures.StartCreditAsync();
        var entity = (await p.EntitiesAsync("B", 1, skip: 7))[0];
        var file =
            "creditCode,authority,reference,kind,severity,occurredOn,description\n" +
            $"{entity},Dalian AMR,DL-2026-17,penalty,grave,2026-04-01,unlicensed food production\n" +
            "91210782MAQRK04DXB,Dalian AMR,DL-2026-18,penalty,minor,2026-04-01,\n" +
            $"{entity},Dalian AMR,DL-2026-19,penalty,huge,2026-04-01,\n" +
            $"{entity},,DL-2026-20,penalty,minor,2099-04-01,\n";
        // External records move classes, and classes weight the draw: only credit officers (and admins) record them.
        using var scheduler = await p.Host.UserAsync("credit-1", "credit");
        using var notAllowed = await p.As("sched-d1");
        await ProblemAsync(await notAllowed.PostAsync("/api/credit/external-records?fileName=penalties.csv", Csv(file)), HttpStatusCode.Forbidden);
        var report = await ReadAsync(await scheduler.PostAsync("/api/credit/external-records?fileName=penalties.csv", Csv(file)), HttpStatusCode.Created);
        // Each record is on the entity's audit record, by whom and from which import.
        Assert.Equal(1, await p.ScalarAsync($"SELECT count(*) FROM audit_log WHERE action = 'credit.external-record' AND subject_key = '{entity}' AND actor = 'credit-1'"));
        Assert.Equal((4, 1, 0, 3), (report.GetProperty("rowsRead").GetInt32(), report.GetProperty("accepted").GetInt32(),
            report.GetProperty("unchanged").GetInt32(), report.GetProperty("rejected").GetInt32()));
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(3L, "creditCode"), (4L, "severity"), (5L, "authority"), (5L, "occurredOn")], errors);

        await p.RunFeedAsync();
        // 70 − 35 decayed over two months of a three-year half-life: about 36, class D.
        var credit = (await p.CreditOfAsync(entity)).GetProperty("credit");
        Assert.Equal("D", credit.GetProperty("modelClass").GetString());
        var penalty = Assert.Single(credit.GetProperty("contributions").EnumerateArray());
        Assert.Equal(("ExternalPenalty", "Grave", "Dalian AMR DL-2026-17"),
            (penalty.GetProperty("kind").GetString(), penalty.GetProperty("severity").GetString(), penalty.GetProperty("reference").GetString()));

        // The same file again changes nothing; a corrected severity supersedes the record.
        var again = await ReadAsync(await scheduler.PostAsync("/api/credit/external-records", Csv(file)), HttpStatusCode.Created);
        Assert.Equal((0, 1), (again.GetProperty("accepted").GetInt32(), again.GetProperty("unchanged").GetInt32()));
        await ReadAsync(await scheduler.PostAsync("/api/credit/external-records",
            Csv($"creditCode,authority,reference,kind,severity,occurredOn\n{entity},Dalian AMR,DL-2026-17,penalty,minor,2026-04-01\n")), HttpStatusCode.Created);
        await p.RunFeedAsync();
        // 70 − 8: class C, and still only the one (corrected) record counts.
        var corrected = (await p.CreditOfAsync(entity)).GetProperty("credit");
        Assert.Equal("C", corrected.GetProperty("modelClass").GetString());
        Assert.Equal(-8, Assert.Single(corrected.GetProperty("contributions").EnumerateArray()).GetProperty("baseImpact").GetDouble());
        Assert.Equal(2, await p.ScalarAsync("SELECT count(*) FROM credit_external_records WHERE reference = 'DL-2026-17'"));

        // A file that is not such a CSV is refused whole, naming the file; the stored report can be read back.
        var problem = await ProblemAsync(await scheduler.PostAsync("/api/credit/external-records", Csv("name,city\nx,y\n")), HttpStatusCode.BadRequest);
        Assert.Contains("authority", problem.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        var id = report.GetProperty("importId").GetString();
        await ReadAsync(await scheduler.GetAsync($"/api/credit/imports/{id}"), HttpStatusCode.OK);
        Assert.Equal(3, await p.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'credit.import-external'"));
    }

    [Fact]
    public async Task Credit_and_statistics_are_for_staff_of_the_right_department_only()
    {
        await using var p = await CreditFixtures.StartCreditAsync();
        var entity = (await p.EntitiesAsync("B", 1))[0];
        using var scheduler = await p.As("sched-d1");
        var task = await CreditFixtures.FrozenTaskAsync(scheduler, "access");
        using var anonymous = p.Host.Anonymous();
        using var inspector = await p.As("insp-C0000");
        using var otherScheduler = await p.As("sched-d2");
        using var reviewer = await p.As("rev-d1");

        foreach (var url in new[] { $"/api/credit/entities/{entity}", "/api/statistics/noncompliance", "/api/statistics/charts/coverage.svg", "/api/credit/class-changes" })
        {
            await ProblemAsync(await anonymous.GetAsync(url), HttpStatusCode.Unauthorized);
            await ProblemAsync(await inspector.GetAsync(url), HttpStatusCode.Forbidden);
        }
        await ProblemAsync(await anonymous.PostAsync("/api/credit/external-records", Csv("x")), HttpStatusCode.Unauthorized);
        await ProblemAsync(await reviewer.PostAsync("/api/credit/external-records", Csv("x")), HttpStatusCode.Forbidden);
        await ProblemAsync(await scheduler.PostAsync("/api/credit/recompute", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await scheduler.PostAsync("/api/credit/feed/run", null), HttpStatusCode.Forbidden);

        // Another department's scheduler reads the entity's credit but not its probability in D1's task, nor D1's statistics.
        await ReadAsync(await otherScheduler.GetAsync($"/api/credit/entities/{entity}"), HttpStatusCode.OK);
        await ProblemAsync(await otherScheduler.GetAsync($"/api/credit/entities/{entity}?task={task}"), HttpStatusCode.Forbidden);
        await ProblemAsync(await otherScheduler.GetAsync("/api/statistics/noncompliance?department=D1"), HttpStatusCode.Forbidden);
        await ProblemAsync(await otherScheduler.GetAsync("/api/statistics/charts/coverage.svg?department=D1"), HttpStatusCode.Forbidden);
        await ReadAsync(await reviewer.GetAsync($"/api/credit/entities/{entity}?task={task}"), HttpStatusCode.OK);

        // Bad input names the field; unknown things are 404.
        var bad = await ProblemAsync(await scheduler.GetAsync("/api/statistics/noncompliance?by=colour"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("by", out _));
        bad = await ProblemAsync(await scheduler.GetAsync("/api/statistics/coverage?year=1900"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("year", out _));
        bad = await ProblemAsync(await scheduler.GetAsync($"/api/credit/entities/{entity}?at=yesterday"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("at", out _));
        bad = await ProblemAsync(await scheduler.GetAsync("/api/credit/entities/not-a-code"), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("creditCode", out _));
        await ProblemAsync(await scheduler.GetAsync("/api/credit/entities/91000000000000000X"), HttpStatusCode.NotFound);
        await ProblemAsync(await scheduler.GetAsync($"/api/credit/entities/{entity}?task=nope"), HttpStatusCode.NotFound);
        await ProblemAsync(await scheduler.GetAsync("/api/statistics/charts/pie.svg"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Statistics_and_charts_come_from_the_committed_draw_and_its_outcomes()
    {
        await using var p = await CreditFixtures.StartCreditAsync();
        using var scheduler = await p.As("sched-d1");
        var task = await DrawnTaskAsync(scheduler, joint: false, drawInspectors: false);
        string[] drawn;
        await using (var connection = await p.Store.OpenAsync())
            drawn = (await connection.QueryAsync<string>("SELECT member_id FROM drawn_entities WHERE task_id = @task ORDER BY rank", new { task })).ToArray();
        Assert.Equal(5, drawn.Length);
        for (var i = 0; i < drawn.Length; i++)
            await p.OutcomeAsync(drawn[i], $"{task}/{drawn[i]}", "I1", 1, i % 2 == 0 ? ["B"] : ["1"], new DateOnly(2026, 5, 29), task);

        var byClass = await ReadAsync(await scheduler.GetAsync("/api/statistics/noncompliance?by=class"), HttpStatusCode.OK);
        Assert.Equal((1, 5, 5, 0), (byClass.GetProperty("tasks").GetInt32(), byClass.GetProperty("drawn").GetInt32(),
            byClass.GetProperty("inspected").GetInt32(), byClass.GetProperty("pending").GetInt32()));
        Assert.Equal("StratifiedSrs", byClass.GetProperty("design").GetString());
        var overall = byClass.GetProperty("overall").GetProperty("estimate");
        Assert.InRange(overall.GetProperty("estimate").GetDouble(), 0, 1);
        Assert.InRange(overall.GetProperty("wilson").GetProperty("lower").GetDouble(), 0, overall.GetProperty("estimate").GetDouble());
        Assert.Equal(["A", "B", "C", "D"], byClass.GetProperty("domains").EnumerateArray().Select(d => d.GetProperty("domain").GetString()));
        var byDepartment = await ReadAsync(await scheduler.GetAsync("/api/statistics/noncompliance?by=department"), HttpStatusCode.OK);
        Assert.Equal("D1", Assert.Single(byDepartment.GetProperty("domains").EnumerateArray()).GetProperty("domain").GetString());

        var coverage = await ReadAsync(await scheduler.GetAsync("/api/statistics/coverage?year=2026"), HttpStatusCode.OK);
        Assert.Equal(5, coverage.GetProperty("burden").GetProperty("visits").GetInt64());
        Assert.Equal(5, coverage.GetProperty("byMonth")[4].GetProperty("entitiesVisited").GetInt64());
        var discovery = await ReadAsync(await scheduler.GetAsync("/api/statistics/discovery"), HttpStatusCode.OK);
        Assert.Equal(3, discovery.GetProperty("byClass").EnumerateArray().Sum(r => r.GetProperty("problemsFound").GetInt64()));
        Assert.NotEqual(JsonValueKind.Null, discovery.GetProperty("calibration").ValueKind);

        // Another department sees none of D1's tasks.
        using var other = await p.As("sched-d2");
        Assert.Equal(0, (await ReadAsync(await other.GetAsync("/api/statistics/noncompliance"), HttpStatusCode.OK)).GetProperty("tasks").GetInt32());

        foreach (var chart in new[] { "noncompliance-by-class", "discovery-by-class", "class-distribution", "coverage" })
        {
            var response = await scheduler.GetAsync($"/api/statistics/charts/{chart}.svg?year=2026");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
            var svg = XDocument.Parse(await response.Content.ReadAsStringAsync());
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.False(string.IsNullOrWhiteSpace(svg.Root!.Element(ns + "title")?.Value));
            Assert.False(string.IsNullOrWhiteSpace(svg.Root.Element(ns + "desc")?.Value));
            // lang=zh: the same chart with Chinese words.
            var chinese = XDocument.Parse(await (await scheduler.GetAsync($"/api/statistics/charts/{chart}.svg?year=2026&lang=zh")).Content.ReadAsStringAsync());
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", chinese.Root!.Element(ns + "title")!.Value);
        }
        // The coverage axis: 5 of the directory's open entities, ticks that are not all "0%".
        var coverageSvg = XDocument.Parse(await (await scheduler.GetAsync("/api/statistics/charts/coverage.svg?year=2026")).Content.ReadAsStringAsync());
        var ticks = coverageSvg.Root!.Descendants("{http://www.w3.org/2000/svg}text").Where(t => t.Attribute("text-anchor")?.Value == "end").Select(t => t.Value).ToList();
        Assert.Equal(5, ticks.Distinct().Count());
    }

    [Fact]
    public void Settings_are_bound_from_configuration_and_every_problem_is_named_by_its_key()
    {
        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Supervision:Credit:Thresholds:A"] = "90",
            ["Supervision:Credit:HalfLifeDays:ExternalPenalty"] = "1460",
            ["Supervision:Credit:ResultCodeImpacts:6"] = "-30",
            ["Supervision:Credit:NightlyAt"] = "03:30",
            ["Supervision:Credit:NightlyBatchSize"] = "10000",
        }).Build();
        var settings = Credit(good);
        Assert.Equal((90, 1460, -30), (settings.Model.Thresholds.A, settings.Model.HalfLifeDays(Core.Credit.CreditEventKind.ExternalPenalty),
            settings.Model.ResultCodeImpacts["6"]));
        Assert.Equal((new TimeOnly(3, 30), 10000), (settings.NightlyAt, settings.NightlyBatchSize));
        Assert.NotEqual(new CreditModel(settings).Fingerprint, new CreditModel(new CreditSettings()).Fingerprint);
        Assert.Equal(new CreditModel(new CreditSettings { Model = Core.Credit.CreditModelOptions.Default with { Thresholds = new(95, 80, 60) } }).Fingerprint,
            new CreditModel(new CreditSettings()).Fingerprint);

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Supervision:Credit:Thresholds:A"] = "50",
            ["Supervision:Credit:Weights:C"] = "0",
            ["Supervision:Credit:HalfLifeDays:Gossip"] = "10",
            ["Supervision:Credit:NightlyAt"] = "25:00",
        }).Build();
        var invalid = Assert.Throws<OptionsValidationException>(() => Credit(bad));
        Assert.Superset(new HashSet<string>
        {
            "Supervision:Credit:Thresholds:A", "Supervision:Credit:Weights:C", "Supervision:Credit:HalfLifeDays:Gossip", "Supervision:Credit:NightlyAt",
        }, invalid.Failures.Select(f => f[..f.IndexOf(": ", StringComparison.Ordinal)]).ToHashSet());

        // Not a number at all: the binding stops at it, naming the key.
        var notANumber = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Supervision:Credit:Baseline"] = "high" }).Build();
        Assert.Contains("Supervision:Credit:Baseline", Assert.Throws<InvalidOperationException>(() => Credit(notANumber)).Message, StringComparison.Ordinal);

        static CreditSettings Credit(IConfiguration configuration)
        {
            using var options = StartupOptions.Provider(configuration, s => s.AddCreditOptions());
            return options.GetRequiredService<CreditSettings>();
        }
    }

    [Fact]
    public void Feed_waits_for_a_fresh_gap_in_seq_and_skips_an_old_one()
    {
        var now = DateTimeOffset.UtcNow;
        // 11 missing: a transaction that took 11 may still commit, so stop before 12 — unless 12 is older than the grace.
        Assert.Equal(1, CreditFeedGrain.Contiguous([(10, now), (12, now), (13, now)], 9, now));
        Assert.Equal(3, CreditFeedGrain.Contiguous([(10, now), (12, now - TimeSpan.FromMinutes(5)), (13, now)], 9, now));
        Assert.Equal(0, CreditFeedGrain.Contiguous([(11, now)], 9, now));
        Assert.Equal(2, CreditFeedGrain.Contiguous([(10, now), (11, now)], 9, now));
    }
}
