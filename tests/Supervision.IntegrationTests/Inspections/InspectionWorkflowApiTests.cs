using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Supervision.Core.Inspections;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Inspections;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>The whole workflow through real HTTP on the embedded (SQLite) platform, with the role checks at each step.</summary>
[Collection(PostgresCollection.Name)]
public sealed class InspectionWorkflowApiTests(PostgresServer server)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public Task Draw_dispatch_record_sign_submit_review_approve_publish_amend_with_role_checks_at_each_step() => WholePathAsync(null);

    [PostgresFact]
    public async Task The_whole_path_on_PostgreSQL() => await WholePathAsync(await server.CreateDatabaseAsync("insp_path"));

    private static async Task WholePathAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        using var schedD1 = await platform.As("sched-d1");
        using var schedD2 = await platform.As("sched-d2");
        using var schedD3 = await platform.As("sched-d3");
        using var revD1 = await platform.As("rev-d1");
        using var revD2 = await platform.As("rev-d2");
        using var revD3 = await platform.As("rev-d3");
        using var anonymous = platform.Host.Anonymous();
        var undrawn = await DrawnTaskAsync(schedD1, joint: false, drawInspectors: false);
        var notYet = await ProblemAsync(await schedD1.PostAsync($"/api/tasks/{undrawn}/dispatch", null), HttpStatusCode.Conflict);
        Assert.Contains("inspector draw", notYet.GetProperty("detail").GetString());
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspections"));
        var taskId = await DrawnTaskAsync(schedD1, joint: true, participant: schedD2);

        // Dispatch: the public, another department's scheduler and an inspector are refused; the lead's scheduler dispatches once.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/tasks/{taskId}/dispatch", null)).StatusCode);
        await ProblemAsync(await schedD2.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await schedD1.PostAsync("/api/tasks/NO-SUCH-TASK/dispatch", null), HttpStatusCode.NotFound);
        var dispatched = await ReadAsync(await schedD1.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        var count = dispatched.GetProperty("created").GetInt32();
        Assert.Equal(5, count);
        var again = await ReadAsync(await schedD1.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(count, again.GetProperty("existing").GetInt32());
        Assert.Equal(count, await platform.ScalarAsync("SELECT count(*) FROM inspections WHERE task_id = @taskId", new { taskId }));
        Assert.Equal(count, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.assign'"));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'task.dispatch'"));

        // The teams are the drawn teams.
        var id = dispatched.GetProperty("inspectionIds")[0].GetString()!;
        var url = "/api/inspections/" + id;
        var (rank, entity) = (0L, id.Split('/')[1]);
        rank = await platform.ScalarAsync("SELECT rank FROM drawn_entities WHERE task_id = @taskId AND member_id = @entity", new { taskId, entity });
        using (var connection = await platform.Store.OpenAsync())
        {
            var drawn = (await Dapper.SqlMapper.QueryAsync<string>(connection,
                "SELECT certificate_no FROM drawn_teams WHERE task_id = @taskId AND rank = @rank ORDER BY position", new { taskId, rank })).ToArray();
            Assert.Equal(2, drawn.Length);
        }

        var staffView = await ReadAsync(await revD1.GetAsync(url), HttpStatusCode.OK);
        var team = staffView.GetProperty("team").EnumerateArray().ToArray();
        var leadCert = team.Single(m => m.GetProperty("isLead").GetBoolean()).GetProperty("certificateNo").GetString()!;
        var mateCert = team.Single(m => !m.GetProperty("isLead").GetBoolean()).GetProperty("certificateNo").GetString()!;
        var outsider = D1Inspectors.Concat(D2Inspectors).First(c => c != leadCert && c != mateCert);
        using var lead = await platform.As("insp-" + leadCert);
        using var mate = await platform.As("insp-" + mateCert);
        using var other = await platform.As("insp-" + outsider);

        // Who sees it: the team, reviewers of its departments (D1 and D2); not another inspector, another department or the public.
        var view = await ReadAsync(await lead.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal("Assigned", view.GetProperty("state").GetString());
        Assert.Equal(entity, view.GetProperty("entity").GetProperty("creditCode").GetString());
        Assert.False(view.GetProperty("entity").TryGetProperty("creditClass", out _));
        Assert.Equal(["I1", "I2"], view.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemCode").GetString()));
        Assert.Contains("6", view.GetProperty("items")[0].GetProperty("allowedResultCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Empty(view.GetProperty("previousResults").EnumerateArray());
        await ReadAsync(await revD2.GetAsync(url), HttpStatusCode.OK);
        await ProblemAsync(await other.GetAsync(url), HttpStatusCode.NotFound);
        await ProblemAsync(await revD3.GetAsync(url), HttpStatusCode.NotFound);
        await ProblemAsync(await schedD3.GetAsync(url), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);

        // My inspections: only one's own; the inbox says "assigned".
        var mine = await ReadAsync(await lead.GetAsync($"/api/my/inspections?task={taskId}"), HttpStatusCode.OK);
        Assert.Contains(id, mine.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var theirs = await ReadAsync(await other.GetAsync("/api/my/inspections"), HttpStatusCode.OK);
        Assert.DoesNotContain(id, theirs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        await ProblemAsync(await revD1.GetAsync("/api/my/inspections"), HttpStatusCode.Forbidden);
        await ProblemAsync(await lead.GetAsync("/api/my/inspections?division=abc"), HttpStatusCode.BadRequest);
        Assert.Empty((await ReadAsync(await lead.GetAsync("/api/my/inspections?overdue=true"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        var inbox = await ReadAsync(await lead.GetAsync("/api/my/notifications"), HttpStatusCode.OK);
        Assert.Contains(inbox.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "assigned" && n.GetProperty("inspectionId").GetString() == id);

        // Evidence: type-checked, hashed, stored once; only the team uploads.
        var pngContent = new ByteArrayContent(Png);
        pngContent.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var evidence = await ReadAsync(await lead.PostAsync(url + "/evidence?fileName=door.png", pngContent), HttpStatusCode.Created);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Png)), evidence.GetProperty("sha256").GetString());
        var text = new ByteArrayContent("hello"u8.ToArray());
        text.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var badType = await ProblemAsync(await lead.PostAsync(url + "/evidence", text), HttpStatusCode.BadRequest);
        Assert.True(badType.GetProperty("errors").TryGetProperty("Content-Type", out _));
        var again2 = new ByteArrayContent(Png);
        again2.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await ProblemAsync(await revD1.PostAsync(url + "/evidence", again2), HttpStatusCode.Forbidden);
        var downloaded = await lead.GetAsync($"{url}/evidence/{evidence.GetProperty("sha256").GetString()}");
        Assert.Equal(HttpStatusCode.NotFound, downloaded.StatusCode); // not yet referenced by the results

        // Draft: If-Match required; field errors name the path; the second writer with a stale ETag gets 412.
        var evidenceRef = new { sha256 = evidence.GetProperty("sha256").GetString(), sizeBytes = Png.Length, mediaType = "image/png", fileName = "door.png" };
        var results = platform.Results([("I1", ["A"]), ("I2", ["1"])], evidenceRef);
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        var noMatch = new HttpRequestMessage(HttpMethod.Put, url + "/draft") { Content = JsonContent.Create(results) };
        await ProblemAsync(await lead.SendAsync(noMatch), HttpStatusCode.PreconditionRequired);
        var invalid = await ProblemAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", ["1", "A"])]), etag)), HttpStatusCode.BadRequest);
        Assert.Contains(invalid.GetProperty("errors").EnumerateObject(), e => e.Name.StartsWith("items[0].resultCodes", StringComparison.Ordinal));
        var unknownEvidence = await ProblemAsync(await lead.SendAsync(Put(url + "/draft",
            platform.Results([("I1", ["A"])], new { sha256 = new string('a', 64), sizeBytes = 10, mediaType = "image/png" }), etag)), HttpStatusCode.BadRequest);
        Assert.True(unknownEvidence.GetProperty("errors").TryGetProperty("items[0].evidence[0].sha256", out _));
        await ProblemAsync(await other.SendAsync(Put(url + "/draft", results, etag)), HttpStatusCode.NotFound);

        var saved = await lead.SendAsync(Put(url + "/draft", results, etag));
        await ReadAsync(saved, HttpStatusCode.OK);
        var stale = await ProblemAsync(await mate.SendAsync(Put(url + "/draft", platform.Results([("I1", ["B"]), ("I2", ["1"])]), etag)), HttpStatusCode.PreconditionFailed);
        Assert.Contains("If-Match", stale.GetProperty("detail").GetString());
        etag = saved.Headers.ETag!.Tag;
        Assert.Equal(HttpStatusCode.OK, (await lead.GetAsync($"{url}/evidence/{evidenceRef.sha256}")).StatusCode);

        // Sign: both members; submit before that is an illegal transition; a reviewer cannot sign.
        await ProblemAsync(await revD1.PostAsync(url + "/sign", null), HttpStatusCode.Forbidden);
        var signed1 = await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        Assert.Equal("Draft", signed1.GetProperty("state").GetString());
        var early = await ProblemAsync(await lead.SendAsync(Submit(url, "submit-1")), HttpStatusCode.Conflict);
        Assert.Equal("Draft", early.GetProperty("currentState").GetString());
        var signed2 = await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        Assert.Equal("Signed", signed2.GetProperty("state").GetString());

        // Submit: Idempotency-Key required; a retry returns the same receipt and creates no second version.
        var noKey = await ProblemAsync(await lead.PostAsync(url + "/submit", null), HttpStatusCode.BadRequest);
        Assert.True(noKey.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        await ProblemAsync(await other.SendAsync(Submit(url, "submit-1")), HttpStatusCode.NotFound);
        var receipt = await ReadAsync(await lead.SendAsync(Submit(url, "submit-1")), HttpStatusCode.OK);
        var retry = await ReadAsync(await mate.SendAsync(Submit(url, "submit-1")), HttpStatusCode.OK);
        Assert.Equal(receipt.GetProperty("receipt").GetRawText(), retry.GetProperty("receipt").GetRawText());
        Assert.Equal(1, receipt.GetProperty("receipt").GetProperty("version").GetInt32());
        Assert.Equal("Submitted", retry.GetProperty("inspection").GetProperty("state").GetString());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.submit' AND subject_key = @id", new { id }));

        // Review: another department's reviewer does not see it; an inspector is no reviewer; each owning department approves its items.
        await ProblemAsync(await revD3.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(await lead.PostAsJsonAsync(url + "/review/approve", new { departmentCode = "D1" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await revD2.PostAsJsonAsync(url + "/review/approve", new { departmentCode = "D1" }), HttpStatusCode.Forbidden);
        var half = await ReadAsync(await revD1.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        Assert.Equal("UnderReview", half.GetProperty("state").GetString());
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspection_outcomes WHERE inspection_id = @id", new { id }));
        var approved = await ReadAsync(await revD2.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("state").GetString());
        Assert.NotNull(approved.GetProperty("deadlines").GetProperty("publicationDue").GetString());

        // Outcomes (the contract the credit side consumes) and follow-ups, committed with the approval.
        var outcomes = await ReadAsync(await revD1.GetAsync($"/api/inspection-outcomes?inspection={Uri.EscapeDataString(id)}"), HttpStatusCode.OK);
        var byItem = outcomes.EnumerateArray().ToDictionary(o => o.GetProperty("itemCode").GetString()!);
        Assert.Equal(2, byItem.Count);
        // A department with no part in the task reads none of its result codes (security review, finding 4), by
        // inspection or from the whole feed; the reviewing department D2 reads them.
        Assert.Empty((await ReadAsync(await revD3.GetAsync($"/api/inspection-outcomes?inspection={Uri.EscapeDataString(id)}"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Empty((await ReadAsync(await revD3.GetAsync("/api/inspection-outcomes"), HttpStatusCode.OK)).EnumerateArray());
        Assert.Equal(2, (await ReadAsync(await revD2.GetAsync($"/api/inspection-outcomes?inspection={Uri.EscapeDataString(id)}"), HttpStatusCode.OK)).GetArrayLength());
        Assert.Equal($"{id}/v1/I1", byItem["I1"].GetProperty("outcomeId").GetString());
        Assert.Equal(["A"], byItem["I1"].GetProperty("resultCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("D2", byItem["I2"].GetProperty("departmentCode").GetString());
        Assert.Equal("Initial", byItem["I1"].GetProperty("kind").GetString());
        var history = await ReadAsync(await lead.GetAsync(url + "/history"), HttpStatusCode.OK);
        var followUps = history.GetProperty("followUps").EnumerateArray().ToArray();
        Assert.Equal(["correction-order", "reinspection"], followUps.Select(f => f.GetProperty("kind").GetString()).Order());
        Assert.All(followUps, f => Assert.Equal("open", f.GetProperty("status").GetString()));

        // Publish: the lead department only.
        await ProblemAsync(await revD2.PostAsync(url + "/publish", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await lead.PostAsync(url + "/publish", null), HttpStatusCode.Forbidden);
        var published = await ReadAsync(await revD1.PostAsync(url + "/publish", null), HttpStatusCode.OK);
        Assert.Equal("Published", published.GetProperty("state").GetString());
        Assert.Equal(1, published.GetProperty("publishedVersion").GetInt32());

        // Amend: reason required; a new version, the old one kept; the re-approval supersedes v1 and withdraws the correction order.
        var corrected = platform.Results([("I1", ["E"]), ("I2", ["1"])]);
        var noReason = await ProblemAsync(await lead.PostAsJsonAsync(url + "/amend", new { items = ((dynamic)corrected).items }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        await ProblemAsync(await other.PostAsJsonAsync(url + "/amend", new { items = ((dynamic)corrected).items, reason = "x" }), HttpStatusCode.NotFound);
        var amended = await ReadAsync(await mate.PostAsJsonAsync(url + "/amend", new { items = ((dynamic)corrected).items, reason = "the owner corrected on the spot" }), HttpStatusCode.OK);
        Assert.Equal("Submitted", amended.GetProperty("state").GetString());
        Assert.Equal(1, amended.GetProperty("publishedVersion").GetInt32());
        await ReadAsync(await revD2.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        await ReadAsync(await revD1.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
        history = await ReadAsync(await lead.GetAsync(url + "/history"), HttpStatusCode.OK);
        var versions = history.GetProperty("versions").EnumerateArray().ToArray();
        Assert.Equal(2, versions.Length);
        Assert.Equal("Submission", versions[0].GetProperty("kind").GetString());
        Assert.Equal(["A"], versions[0].GetProperty("results")[0].GetProperty("resultCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("Amendment", versions[1].GetProperty("kind").GetString());
        Assert.Equal("the owner corrected on the spot", versions[1].GetProperty("reason").GetString());
        Assert.All(history.GetProperty("followUps").EnumerateArray(), f => Assert.Equal("withdrawn", f.GetProperty("status").GetString()));
        var v2 = (await ReadAsync(await revD1.GetAsync($"/api/inspection-outcomes?inspection={Uri.EscapeDataString(id)}"), HttpStatusCode.OK))
            .EnumerateArray().Where(o => o.GetProperty("version").GetInt32() == 2).ToArray();
        Assert.Equal(2, v2.Length);
        Assert.All(v2, o => Assert.Equal("Amendment", o.GetProperty("kind").GetString()));
        Assert.All(v2, o => Assert.Equal(1, o.GetProperty("supersedesVersion").GetInt32()));

        // Progress for the schedulers of the task's departments.
        var progress = await ReadAsync(await schedD1.GetAsync($"/api/tasks/{taskId}/progress"), HttpStatusCode.OK);
        Assert.Equal(count, progress.GetProperty("total").GetInt32());
        Assert.Equal(1, progress.GetProperty("byState").GetProperty("Approved").GetInt32());
        Assert.Equal(count - 1, progress.GetProperty("byState").GetProperty("Assigned").GetInt32());
        Assert.Equal(count, progress.GetProperty("teams").EnumerateArray().Sum(t => t.GetProperty("total").GetInt32()));
        await ReadAsync(await schedD2.GetAsync($"/api/tasks/{taskId}/progress"), HttpStatusCode.OK);
        await ProblemAsync(await schedD3.GetAsync($"/api/tasks/{taskId}/progress"), HttpStatusCode.Forbidden);
        await ProblemAsync(await lead.GetAsync($"/api/tasks/{taskId}/progress"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_return_goes_back_to_the_team_which_edits_signs_and_resubmits()
    {
        await using var platform = await StartAsync();
        await platform.AssignDirectAsync("TR", "E1", "C0000", "C0001", ["I1", "I2"], new DateOnly(2026, 12, 1));
        using var lead = await platform.As("insp-C0000");
        using var mate = await platform.As("insp-C0001");
        using var revD2 = await platform.As("rev-d2");
        const string url = "/api/inspections/TR/E1";
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", ["1"]), ("I2", ["1"])]), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await lead.SendAsync(Submit(url, "k1")), HttpStatusCode.OK);

        var noReason = await ProblemAsync(await revD2.PostAsJsonAsync(url + "/review/return", new { reason = " " }), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        var returned = await ReadAsync(await revD2.PostAsJsonAsync(url + "/review/return", new { reason = "I2 needs the written reply attached" }), HttpStatusCode.OK);
        Assert.Equal("Returned", returned.GetProperty("state").GetString());
        Assert.Equal("I2 needs the written reply attached", returned.GetProperty("lastReturn").GetProperty("reason").GetString());
        var inbox = await ReadAsync(await mate.GetAsync("/api/my/notifications"), HttpStatusCode.OK);
        Assert.Contains(inbox.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "returned");

        await ProblemAsync(await lead.SendAsync(Submit(url, "k2")), HttpStatusCode.Conflict);
        etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await mate.SendAsync(Put(url + "/draft", platform.Results([("I1", ["1"]), ("I2", ["F"])]), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        var resubmitted = await ReadAsync(await lead.SendAsync(Submit(url, "k2")), HttpStatusCode.OK);
        Assert.Equal(2, resubmitted.GetProperty("receipt").GetProperty("version").GetInt32());
        var history = await ReadAsync(await lead.GetAsync(url + "/history"), HttpStatusCode.OK);
        Assert.Equal(["Submission", "Resubmission"], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Unreachable_lists_the_entity_and_a_later_clean_inspection_removes_the_listing()
    {
        await using var platform = await StartAsync();
        using var revD1 = await platform.As("rev-d1");
        using var lead = await platform.As("insp-C0000");
        using var mate = await platform.As("insp-C0001");

        async Task CompleteAsync(string taskId, string code)
        {
            var url = $"/api/inspections/{taskId}/ENT6";
            var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
            await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", [code])]), etag)), HttpStatusCode.OK);
            await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
            await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
            await ReadAsync(await lead.SendAsync(Submit(url, "k")), HttpStatusCode.OK);
            await ReadAsync(await revD1.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
            await ReadAsync(await revD1.PostAsync(url + "/publish", null), HttpStatusCode.OK);
        }

        await platform.AssignDirectAsync("T-FIRST", "ENT6", "C0000", "C0001", ["I1"], new DateOnly(2026, 12, 1));
        await CompleteAsync("T-FIRST", "6");
        var listings = await platform.Host.Services.GetRequiredService<InspectionQueries>().ListingsAsync("ENT6", default);
        var listing = Assert.Single(listings);
        Assert.Equal("6", listing.ReasonCode);
        Assert.Null(listing.RemovedOn);
        Assert.Equal(new DateOnly(2026, 5, 31), listing.VerifiedOn); // the visit, Beijing date
        Assert.True(listing.ListBy > listing.VerifiedOn);

        platform.Clock.Advance(TimeSpan.FromDays(30));
        await platform.AssignDirectAsync("T-LATER", "ENT6", "C0000", "C0001", ["I1"], new DateOnly(2026, 12, 1));
        var later = await ReadAsync(await lead.GetAsync("/api/inspections/T-LATER/ENT6"), HttpStatusCode.OK);
        var previous = later.GetProperty("previousResults").EnumerateArray().ToArray();
        Assert.Equal("T-FIRST/ENT6", Assert.Single(previous).GetProperty("inspectionId").GetString());
        await CompleteAsync("T-LATER", "1");
        listing = Assert.Single(await platform.Host.Services.GetRequiredService<InspectionQueries>().ListingsAsync("ENT6", default));
        Assert.Equal("T-LATER/ENT6", listing.RemovedByInspection);
        Assert.NotNull(listing.RemovedOn);
    }

    [Fact]
    public void The_inspection_value_round_trips_through_the_stored_json()
    {
        var w = InspectionWorkflow.Default;
        var insp = InspectionWorkflow.Assign("T/E", "T", "E", "D1",
            [new TeamMember("a", "C1", true), new TeamMember("b", "C2", false)],
            [new InspectionItem("I1", "D1", InspectionMethod.OnSite, ["1", "A"]), new InspectionItem("I2", "D2", InspectionMethod.Written, ["1"])], new DateOnly(2026, 7, 1));
        var now = new DateTimeOffset(2026, 6, 1, 2, 0, 0, TimeSpan.Zero);
        var actorA = new Supervision.Core.Identity.Actor("a", ["inspector"], "D1", "C1");
        var actorB = actorA with { Username = "b", InspectorCertificateNo = "C2" };
        var results = new List<ItemResult>
        {
            new("I1", ["A"], "found", now.AddHours(-2), "shop", [EvidenceRef.For([1, 2, 3], "image/png", "x.png")]),
            new("I2", ["1"], null, now.AddHours(-1), null, []),
        };
        insp = w.SaveDraft(insp, actorA, results, now).Inspection;
        insp = w.Sign(insp, actorA, now).Inspection;
        insp = w.Sign(insp, actorB, now).Inspection;
        insp = w.Submit(insp, actorA, "key", now).Inspection;
        insp = w.StartReview(insp, actorA with { Roles = ["reviewer"] }, now).Inspection;
        insp = w.Approve(insp, new("r", ["reviewer"], "D1", null), "D1", now).Inspection;

        var json = InspectionStore.ToJson(insp);
        var back = InspectionStore.FromJson(json);
        Assert.Equal(json, InspectionStore.ToJson(back));
        Assert.Equal(insp.Revision, back.Revision);
        Assert.Equal(insp.State, back.State);
        Assert.Equal(InspectionWorkflow.ContentHash(insp.Draft), InspectionWorkflow.ContentHash(back.Draft));
        Assert.Equal(insp.SubmitReceipts["key"], back.SubmitReceipts["key"]);
        Assert.Equal(insp.Approvals["D1"], back.Approvals["D1"]);
        // The restored value behaves the same: a retried submit is recognised, the second approval completes it.
        Assert.Equal(1, w.Submit(back, actorA, "key", now).Receipt!.Version);
        var done = w.Approve(back, new("r2", ["reviewer"], "D2", null), "D2", now);
        Assert.Equal(InspectionState.Approved, done.Inspection.State);
        Assert.Equal(2, done.Outcomes.Count);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("UnderReview", doc.RootElement.GetProperty("state").GetString());
        Assert.False(doc.RootElement.TryGetProperty("currentVersion", out _)); // derived, not stored twice
        Assert.Equal(insp.CurrentVersion!.Number, back.CurrentVersion!.Number);
    }
}
