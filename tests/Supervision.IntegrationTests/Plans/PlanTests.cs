using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Plans;

/// <summary>
/// The annual plan through HTTP, on PostgreSQL and on the embedded SQLite default: D1's scheduler drafts it, its drafter is
/// refused approval and another person approves, D1's administrator publishes it; another department's scheduler is refused;
/// tasks are created under its lines and the planned-against-done counts reconcile with the tables; the level above (D1's
/// parent, D3) reads it as filed; it is revised with a reason and published again, the public pages and open data showing
/// only published revisions, each with its date.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PlanTests(PostgresServer server)
{
    private const string Api = "/api/plans";
    private const string Public = "/api/public/v1/plans";

    [PostgresFact]
    public async Task On_postgres_a_plan_is_drafted_approved_by_a_second_person_published_carried_out_filed_upward_and_revised_with_its_history_public()
    {
        await using var platform = await StartAsync(postgres: await server.CreateDatabaseAsync("plans"), now: DateTimeOffset.UtcNow);
        await ScenarioAsync(platform);
    }

    [Fact]
    public async Task Embedded_a_plan_is_drafted_approved_by_a_second_person_published_carried_out_filed_upward_and_revised_with_its_history_public()
    {
        await using var platform = await StartAsync(now: DateTimeOffset.UtcNow);
        await ScenarioAsync(platform);
    }

    /// <summary>A line of I1 for every class by ratio in two batches, or (joint) D1's I1 and D2's I2 with D2 as key supervision of class D.</summary>
    internal static object Line(bool joint = false, int? no = null, int[]? months = null) => joint
        ? new { no, items = new[] { "I1", "I2" }, drawType = "key", classes = new[] { new { creditClass = "D", count = 5 } }, frequency = "once", batches = 1, months = months ?? [10], jointDepartments = new[] { "D2" }, note = "与D2联合检查" }
        : new
        {
            no, items = new[] { "I1" }, drawType = "random", frequency = "half-yearly", batches = 2, months = months ?? [4, 9], note = (string?)null,
            classes = new object[] { new { creditClass = "A", ratio = 1 }, new { creditClass = "B", ratio = 3 }, new { creditClass = "C", ratio = 10 }, new { creditClass = "D", count = 20 } },
        };

    private static HttpRequestMessage Send(HttpMethod method, string url, object? body, string? etag = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (etag is not null) request.Headers.IfMatch.ParseAdd(etag);
        return request;
    }

    private static async Task ScenarioAsync(InspectionPlatform platform)
    {
        // The plan's year is the year of the tasks' deadline (two months on): this year's or the next's.
        var deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60);
        var year = deadline.Year;
        var id = $"D1/{year}";
        var url = $"{Api}/{id}";
        await platform.ScalarAsync("UPDATE departments SET parent_code = 'D3' WHERE code = 'D1'");
        using var schedD1 = await platform.As("sched-d1");
        using var schedD2 = await platform.As("sched-d2");
        using var schedD3 = await platform.As("sched-d3");
        using var revD3 = await platform.As("rev-d3");
        using var revD2 = await platform.As("rev-d2");
        using var d1Admin = await platform.Host.UserAsync("d1-admin", "department-admin", "D1");
        using var admin = await platform.Host.AdminAsync();
        using var visitor = platform.Host.Anonymous();

        // Bad lines are named field by field; another department's scheduler may not draft D1's plan.
        var bad = await ProblemAsync(await schedD1.PostAsJsonAsync(Api, new { year, lines = new object[] { new { items = new[] { "I2" }, drawType = "random", frequency = "yearly", batches = 1, months = new[] { 13 } } } }),
            HttpStatusCode.BadRequest);
        var fields = bad.GetProperty("fieldErrors").EnumerateArray().Select(e => (e.GetProperty("field").GetString(), e.GetProperty("code").GetString())).ToList();
        Assert.Contains(("lines[0].items[0]", "not-allowed"), fields);
        Assert.Contains(("lines[0].months[0]", "out-of-range"), fields);
        Assert.Contains(("lines[0].classes", "too-few"), fields);
        await ProblemAsync(await schedD2.PostAsJsonAsync(Api, new { departmentCode = "D1", year, lines = Array.Empty<object>() }), HttpStatusCode.Forbidden);
        await ProblemAsync(await schedD1.PostAsJsonAsync(Api, new { year = year + 2 }), HttpStatusCode.BadRequest);

        // Drafted by D1's scheduler: revision 1, a draft nobody outside D1 sees.
        var created = await schedD1.PostAsJsonAsync(Api, new { year, lines = new[] { Line(), Line(joint: true) } });
        var draft = await ReadAsync(created, HttpStatusCode.Created);
        Assert.Equal(url, created.Headers.Location!.ToString());
        Assert.Equal(("draft", 1, "department"), (draft.GetProperty("state").GetString(), draft.GetProperty("revision").GetInt32(), draft.GetProperty("access").GetString()));
        Assert.Equal([1, 2], draft.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("no").GetInt32()));
        Assert.Equal(["edit"], draft.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        await ProblemAsync(await schedD1.PostAsJsonAsync(Api, new { year }), HttpStatusCode.Conflict);
        await ProblemAsync(await schedD2.GetAsync(url), HttpStatusCode.NotFound);
        await ProblemAsync(await revD3.GetAsync(url), HttpStatusCode.NotFound);
        Assert.Empty((await ReadAsync(await revD3.GetAsync($"{Api}/filed"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(await schedD2.SendAsync(Send(HttpMethod.Put, url, new { lines = Array.Empty<object>() }, "\"1\"")), HttpStatusCode.NotFound);
        await ProblemAsync(await revD2.GetAsync($"{Api}?department=D1"), HttpStatusCode.Forbidden);
        Assert.Single((await ReadAsync(await admin.GetAsync($"{Api}?department=D1"), HttpStatusCode.OK)).EnumerateArray());
        await ProblemAsync(await schedD1.PostAsJsonAsync($"{url}/revisions", new { reason = "too early" }), HttpStatusCode.Conflict);
        Assert.Empty((await ReadAsync(await visitor.GetAsync(Public), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        await ProblemAsync(await visitor.GetAsync($"{Public}/{id}"), HttpStatusCode.NotFound);

        // Four eyes: the scheduler cannot approve; an admin who edits the draft becomes its drafter and cannot approve it either; D1's administrator does.
        await ProblemAsync(await schedD1.PostAsync($"{url}/approval", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await admin.SendAsync(Send(HttpMethod.Put, url, new { lines = new[] { Line(no: 1), Line(joint: true, no: 2) } })), (HttpStatusCode)428);
        await ProblemAsync(await admin.SendAsync(Send(HttpMethod.Put, url, new { lines = new[] { Line(no: 1) } }, "\"7\"")), HttpStatusCode.PreconditionFailed);
        var edited = await admin.SendAsync(Send(HttpMethod.Put, url, new { lines = new[] { Line(no: 1, months: [3, 9]), Line(joint: true, no: 2) } }, "\"1\""));
        Assert.Equal("admin", (await ReadAsync(edited, HttpStatusCode.OK)).GetProperty("draftedBy").GetString());
        Assert.Equal("\"2\"", edited.Headers.ETag!.Tag);
        var own = await ProblemAsync(await admin.PostAsync($"{url}/approval", null), HttpStatusCode.Forbidden);
        Assert.Contains("second person", own.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ProblemAsync(await d1Admin.PostAsync($"{url}/publication", null), HttpStatusCode.Conflict);
        await ProblemAsync(await d1Admin.SendAsync(Send(HttpMethod.Post, $"{url}/approval", null, "\"1\"")), HttpStatusCode.PreconditionFailed);
        var approved = await ReadAsync(await d1Admin.PostAsync($"{url}/approval", null), HttpStatusCode.OK);
        Assert.Equal(("approved", "d1-admin"), (approved.GetProperty("state").GetString(), approved.GetProperty("approvedBy").GetString()));
        Assert.Equal(["publish"], approved.GetProperty("allowedActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("approved", (await ReadAsync(await d1Admin.PostAsync($"{url}/approval", null), HttpStatusCode.OK)).GetProperty("state").GetString());

        // Published: in force and public, filed with D3; a task cannot belong to it before (tested below) and can now.
        var published = await ReadAsync(await d1Admin.PostAsync($"{url}/publication", null), HttpStatusCode.OK);
        var first = Assert.Single(published.GetProperty("published").EnumerateArray());
        var today = Core.Calendar.ChinaTime.DateOf(platform.Clock.GetUtcNow()).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal((1, today, "admin", "d1-admin", "d1-admin"), (first.GetProperty("revision").GetInt32(), first.GetProperty("publishedOn").GetString(),
            first.GetProperty("draftedBy").GetString(), first.GetProperty("approvedBy").GetString(), first.GetProperty("publishedBy").GetString()));
        var filed = Assert.Single((await ReadAsync(await revD3.GetAsync($"{Api}/filed"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal((id, 1L), (filed.GetProperty("id").GetString(), filed.GetProperty("publishedRevisions").GetInt64()));
        var upper = await ReadAsync(await revD3.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal(("filed", "published"), (upper.GetProperty("access").GetString(), upper.GetProperty("state").GetString()));
        Assert.Empty(upper.GetProperty("allowedActions").EnumerateArray());
        await ProblemAsync(await schedD3.PostAsJsonAsync($"{url}/revisions", new { reason = "not ours" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await revD2.GetAsync(url), HttpStatusCode.NotFound);
        Assert.Empty((await ReadAsync(await revD2.GetAsync($"{Api}/filed"), HttpStatusCode.OK)).EnumerateArray());

        // Tasks under its lines: a task's plan must be its lead department's, for its deadline's year, naming a line in force.
        var badLine = await ProblemAsync(await schedD1.PostAsJsonAsync("/api/tasks", TaskDraft(new { planId = id, line = 9 }, deadline)), HttpStatusCode.BadRequest);
        Assert.Equal("not-found", badLine.GetProperty("fieldErrors").EnumerateArray().Single(e => e.GetProperty("field").GetString() == "plan.line").GetProperty("code").GetString());
        var otherYear = await ProblemAsync(await schedD1.PostAsJsonAsync("/api/tasks", TaskDraft(new { planId = id, line = 1 }, new DateOnly(year + 1, 1, 15))), HttpStatusCode.BadRequest);
        Assert.Contains("mismatch", otherYear.GetProperty("fieldErrors").EnumerateArray().Select(e => e.GetProperty("code").GetString()));
        var noPlan = await ProblemAsync(await schedD2.PostAsJsonAsync("/api/tasks", TaskDraft(new { planId = $"D2/{year}", line = 1 }, deadline, lead: "D2")), HttpStatusCode.BadRequest);
        Assert.Equal("plan.planId", noPlan.GetProperty("fieldErrors")[0].GetProperty("field").GetString());

        var random = await DrawnTaskAsync(schedD1, joint: false, plan: new { planId = id, line = 1 }, deadline: deadline);
        var joint = await DrawnTaskAsync(schedD1, joint: true, participant: schedD2, plan: new { planId = id, line = 2 }, deadline: deadline);
        Assert.Equal(id, (await ReadAsync(await schedD1.GetAsync($"/api/tasks/{random}"), HttpStatusCode.OK)).GetProperty("definition").GetProperty("plan").GetProperty("planId").GetString());
        // The public task record names the plan line it carries out and its page links to the public plan.
        var publicPlan = (await ReadAsync(await visitor.GetAsync($"/api/public/v1/tasks/{random}"), HttpStatusCode.OK)).GetProperty("plan");
        Assert.Equal((id, 1), (publicPlan.GetProperty("planId").GetString(), publicPlan.GetProperty("line").GetInt32()));
        Assert.Contains($"href=\"/plans/{id}\"", await visitor.GetStringAsync($"/tasks/{random}"), StringComparison.Ordinal);
        var inspections = (await ReadAsync(await schedD1.PostAsync($"/api/tasks/{random}/dispatch", null), HttpStatusCode.OK)).GetProperty("inspectionIds")
            .EnumerateArray().Select(i => i.GetString()!).ToList();
        var jointInspections = (await ReadAsync(await schedD1.PostAsync($"/api/tasks/{joint}/dispatch", null), HttpStatusCode.OK)).GetProperty("inspectionIds")
            .EnumerateArray().Select(i => i.GetString()!).ToList();
        using (var revD1 = await platform.As("rev-d1"))
        {
            await ReinspectionTests.RecordAndApproveAsync(platform, revD1, inspections[0], "1");
            await ReinspectionTests.RecordAndApproveAsync(platform, revD1, inspections[1], "1");
            // One joint inspection completed: approved by both departments' reviewers.
            await ReinspectionTests.RecordAndApproveAsync(platform, jointInspections[0], [("I1", ["1"]), ("I2", ["1"])], revD1, revD2);
        }

        // A cancelled task under the plan does not count.
        var cancelled = await ReadAsync(await schedD1.PostAsJsonAsync("/api/tasks", TaskDraft(new { planId = id, line = 1 }, deadline)), HttpStatusCode.Created);
        await ReadAsync(await schedD1.PostAsJsonAsync($"/api/tasks/{cancelled.GetProperty("id").GetString()}/cancel", new { reason = "merged into the first batch" }), HttpStatusCode.OK);

        // Planned against done reconciles with the tables.
        var progress = await ReadAsync(await schedD1.GetAsync($"{url}/progress"), HttpStatusCode.OK);
        var lines = progress.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal([1, 2], lines.Select(l => l.GetProperty("line").GetInt32()));
        foreach (var (line, task) in new[] { (lines[0], random), (lines[1], joint) })
        {
            Assert.Equal(1, line.GetProperty("tasks").GetInt64());
            Assert.Equal(await platform.ScalarAsync("SELECT count(*) FROM drawn_entities WHERE task_id = @task", new { task }), line.GetProperty("entitiesDrawn").GetInt64());
            Assert.Equal(await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE task_id = @task", new { task }), line.GetProperty("inspections").GetInt64());
            Assert.Equal(await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE task_id = @task AND state IN ('Approved', 'Published')", new { task }),
                line.GetProperty("completed").GetInt64());
        }

        Assert.Equal((5, 2, 0), (lines[0].GetProperty("entitiesDrawn").GetInt64(), lines[0].GetProperty("completed").GetInt64(), lines[0].GetProperty("jointTasks").GetInt64()));
        Assert.Equal((1, true, 5), (lines[1].GetProperty("jointTasks").GetInt64(), lines[1].GetProperty("joint").GetBoolean(), lines[1].GetProperty("plannedEntities").GetInt32()));
        // Three completed inspections, one of them joint: a joint share of one third.
        Assert.Equal((1L, 1L), (lines[1].GetProperty("completed").GetInt64(), lines[1].GetProperty("jointCompleted").GetInt64()));
        Assert.Equal((2, 10, 3), (progress.GetProperty("tasks").GetInt64(), progress.GetProperty("entitiesDrawn").GetInt64(), progress.GetProperty("completed").GetInt64()));
        Assert.Equal(1.0 / 3, progress.GetProperty("jointShare").GetDouble(), 6);
        Assert.Equal(3, progress.GetProperty("plannedBatches").GetInt32());
        Assert.Equal(2, (await ReadAsync(await revD3.GetAsync($"{url}/progress"), HttpStatusCode.OK)).GetProperty("tasks").GetInt64());

        // Revised with a reason: a new draft; until it is published the public sees revision 1 only.
        await ProblemAsync(await schedD1.PostAsJsonAsync($"{url}/revisions", new { reason = " " }), HttpStatusCode.BadRequest);
        var revising = await ReadAsync(await schedD1.PostAsJsonAsync($"{url}/revisions", new { reason = "第二批次改为十一月，增加食品专项" }), HttpStatusCode.OK);
        Assert.Equal((2, "draft"), (revising.GetProperty("revision").GetInt32(), revising.GetProperty("state").GetString()));
        var etag = (await schedD1.GetAsync(url)).Headers.ETag!.Tag;
        var newLine = new
        {
            items = new[] { "I1" }, drawType = "random", frequency = "once", batches = 1, months = new[] { 11 },
            classes = new object[] { new { creditClass = "A", count = 1 }, new { creditClass = "B", count = 2 }, new { creditClass = "C", count = 2 }, new { creditClass = "D", count = 2 } },
        };
        var revised = await ReadAsync(await schedD1.SendAsync(Send(HttpMethod.Put, url, new { lines = new object[] { Line(no: 1, months: [4, 11]), newLine } }, etag)), HttpStatusCode.OK);
        Assert.Equal([1, 3], revised.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("no").GetInt32()));
        var history = await ReadAsync(await visitor.GetAsync($"{Public}/{id}"), HttpStatusCode.OK);
        Assert.Single(history.GetProperty("revisions").EnumerateArray());
        Assert.Equal(1, Assert.Single((await ReadAsync(await visitor.GetAsync(Public), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()).GetProperty("revision").GetInt32());
        await ReadAsync(await d1Admin.PostAsync($"{url}/approval", null), HttpStatusCode.OK);
        await ReadAsync(await d1Admin.PostAsync($"{url}/publication", null), HttpStatusCode.OK);

        // Both revisions public, with their dates and the reason; the dropped line keeps its tasks in the counts, and no new task may name it.
        history = await ReadAsync(await visitor.GetAsync($"{Public}/{id}"), HttpStatusCode.OK);
        var revisions = history.GetProperty("revisions").EnumerateArray().ToList();
        Assert.Equal([1, 2], revisions.Select(r => r.GetProperty("revision").GetInt32()));
        Assert.Equal([null, "第二批次改为十一月，增加食品专项"], revisions.Select(r => r.GetProperty("reason").GetString()));
        Assert.All(revisions, r => Assert.Equal(today, r.GetProperty("publishedOn").GetString()));
        Assert.Equal([1, 2], revisions[0].GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("no").GetInt32()));
        var inForce = Assert.Single((await ReadAsync(await visitor.GetAsync($"{Public}?year={year}"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal((2, 2L), (inForce.GetProperty("revision").GetInt32(), inForce.GetProperty("revisions").GetInt64()));
        Assert.DoesNotContain("draftedBy", inForce.ToString(), StringComparison.Ordinal);
        var dropped = (await ReadAsync(await schedD1.GetAsync($"{url}/progress"), HttpStatusCode.OK)).GetProperty("lines").EnumerateArray()
            .Single(l => l.GetProperty("line").GetInt32() == 2);
        Assert.False(dropped.GetProperty("inForce").GetBoolean());
        Assert.Equal(1, dropped.GetProperty("tasks").GetInt64());
        await ProblemAsync(await schedD1.PostAsJsonAsync("/api/tasks", TaskDraft(new { planId = id, line = 2 }, deadline)), HttpStatusCode.BadRequest);

        // A task under line 1 redrawn with approval: the redraw carries out the same line; the cancelled task and what it drew leave the counts.
        var stuck = await DrawnTaskAsync(schedD1, joint: false, drawInspectors: false, plan: new { planId = id, line = 1 }, deadline: deadline);
        var redrawBeacon = new { source = "drand quicknet", round = "424242", expectedAt = DateTimeOffset.UtcNow.AddHours(3) };
        await ReadAsync(await schedD1.PostAsJsonAsync($"/api/tasks/{stuck}/cancel-requests",
            new { reason = "the team cannot travel this month", redraw = true, beacon = redrawBeacon }), HttpStatusCode.OK);
        var successor = (await ReadAsync(await admin.PostAsJsonAsync($"/api/tasks/{stuck}/cancel-requests/decision", new { decision = "approve" }), HttpStatusCode.OK))
            .GetProperty("replacedBy").GetString();
        var redrawPlan = (await ReadAsync(await schedD1.GetAsync($"/api/tasks/{successor}"), HttpStatusCode.OK)).GetProperty("definition").GetProperty("plan");
        Assert.Equal((id, 1), (redrawPlan.GetProperty("planId").GetString(), redrawPlan.GetProperty("line").GetInt32()));
        var lineOne = (await ReadAsync(await schedD1.GetAsync($"{url}/progress"), HttpStatusCode.OK)).GetProperty("lines").EnumerateArray()
            .Single(l => l.GetProperty("line").GetInt32() == 1);
        Assert.Equal((2L, 5L), (lineOne.GetProperty("tasks").GetInt64(), lineOne.GetProperty("entitiesDrawn").GetInt64()));

        // Open data: every published revision's lines as CSV rows, the superseded ones marked; nothing of a draft.
        var csv = await visitor.GetAsync($"{Public}.csv?year={year}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("plan_id,department_code,department_name,year,revision,published_on,current,reason,line,draw_type,items,classes", rows[0], StringComparison.Ordinal);
        Assert.Equal(4, rows.Length - 1);
        Assert.Equal(2, rows.Count(r => r.StartsWith($"{id},D1,D1,{year},1,", StringComparison.Ordinal) && r.Contains(",false,", StringComparison.Ordinal)));
        Assert.Contains(rows, r => r.StartsWith($"{id},D1,D1,{year},2,", StringComparison.Ordinal) && r.Contains(",true,第二批次改为十一月", StringComparison.Ordinal)
            && r.Contains("A:1%;B:3%;C:10%;D:20", StringComparison.Ordinal));
        var etagCsv = csv.Headers.ETag!.Tag;
        var again = new HttpRequestMessage(HttpMethod.Get, $"{Public}.csv?year={year}");
        again.Headers.IfNoneMatch.ParseAdd(etagCsv);
        Assert.Equal(HttpStatusCode.NotModified, (await visitor.SendAsync(again)).StatusCode);

        // Every step is in the audit log, in the transaction that made it.
        Assert.Equal(["plan.approved", "plan.approved", "plan.created", "plan.edited", "plan.edited", "plan.published", "plan.published", "plan.revised"],
            (await AuditActionsAsync(platform, id)).Order(StringComparer.Ordinal));
    }

    private static async Task<IReadOnlyList<string>> AuditActionsAsync(InspectionPlatform platform, string id)
    {
        await using var connection = await platform.Store.OpenAsync();
        return [.. await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT action FROM audit_log WHERE subject_type = 'plan' AND subject_key = @id", new { id })];
    }

    /// <summary>A task of I1 under <paramref name="plan"/> (not drawn), as the tests send it.</summary>
    internal static object TaskDraft(object plan, DateOnly deadline, string lead = "D1") => new
    {
        name = "Planned task",
        leadDepartment = lead,
        items = new[] { lead == "D1" ? "I1" : "I2" },
        sampling = new { mode = "pareto", total = 3 },
        teamSize = 2,
        deadline,
        beacon = Ceremonies.Beacon(),
        plan,
    };
}
