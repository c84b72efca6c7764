using Supervision.Core.Draw;
using System.Text.Json;
using Supervision.IntegrationTests.Infrastructure;
using System.Net;
using System.Net.Http.Json;
using Supervision.IntegrationTests.Draw;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Security;

/// <summary>The draw ceremony's witnesses contribute under their own accounts; a supervising auditor reads everything and changes nothing.</summary>
public sealed class WitnessAndAuditorTests
{
    [Fact]
    public async Task A_witness_commits_and_reveals_once_under_their_own_account_and_can_do_nothing_else()
    {
        await using var platform = await StartAsync();
        using var scheduler = await platform.As("sched-d1");
        using var witness = await platform.Host.UserAsync("journalist-li", "witness");
        using var insider = await platform.Host.UserAsync("clerk-d1", "witness", "D1");
        var draft = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetString()!;
        var mine = Ceremonies.Contribution(id, "4 4 1 9");

        // An unpublished task does not exist for a witness; a published one takes commitments only once frozen.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.NotFound);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.Conflict);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);

        // Schedulers (and admins) run the task and cannot contribute; a scheduler cannot type a witness's entropy either.
        await ProblemAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.Forbidden);
        using (var admin = await platform.Host.AdminAsync())
            await ProblemAsync(await admin.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.Forbidden);
        await ProblemAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { witness = "Deputy Wang", value = "1 2 3" }), HttpStatusCode.Conflict);

        // The name is the account's, not typed; one commitment per witness; a malformed one is refused.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = "not hex" }), HttpStatusCode.BadRequest);
        var task = await ReadAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.OK);
        var entry = Assert.Single(task.GetProperty("ceremony").GetProperty("record").GetProperty("commitments").EnumerateArray());
        Assert.Equal(("journalist-li (journalist-li)", mine.Commitment), (entry.GetProperty("witness").GetString(), entry.GetProperty("commitment").GetString()));
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = Ceremonies.Contribution(id, "6 6 6").Commitment }), HttpStatusCode.BadRequest);
        // A witness cannot post for another: copying another's commitment is refused, and nothing names another account.
        await ProblemAsync(await insider.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = mine.Commitment }), HttpStatusCode.BadRequest);

        // Nothing is revealed before the close, and the close needs two witnesses, one from outside D1.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = mine.Value, nonce = mine.Nonce }), HttpStatusCode.Conflict);
        Assert.Contains("1 of the 2", (await ProblemAsync(await scheduler.PostAsync($"/api/tasks/{id}/ceremony/close", null), HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        var theirs = Ceremonies.Contribution(id, "2 7 1 8");
        await ReadAsync(await insider.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = theirs.Commitment }), HttpStatusCode.OK);
        await ProblemAsync(await witness.PostAsync($"/api/tasks/{id}/ceremony/close", null), HttpStatusCode.Forbidden);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/ceremony/close", null), HttpStatusCode.OK);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = Ceremonies.Contribution(id, "late").Commitment }), HttpStatusCode.Conflict);

        // A reveal must open the witness's own commitment, once.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = "4 4 1 8", nonce = mine.Nonce }), HttpStatusCode.BadRequest);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = theirs.Value, nonce = theirs.Nonce }), HttpStatusCode.BadRequest);
        await ReadAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = mine.Value, nonce = mine.Nonce }), HttpStatusCode.OK);
        // The same reveal again (an answer lost) is answered as the first time and records nothing more.
        var again = await ReadAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = mine.Value, nonce = mine.Nonce }), HttpStatusCode.OK);
        Assert.Single(again.GetProperty("ceremony").GetProperty("record").GetProperty("reveals").EnumerateArray());
        Assert.Equal(1, await platform.ScalarAsync($"SELECT count(*) FROM audit_log WHERE action = 'task.ceremony-reveal' AND subject_key = '{id}'"));

        // The beacon value not before its round is due; then the draw runs, with the insider's commitment unopened.
        await ProblemAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.Conflict);
        Assert.Contains("cannot be known before", (await ProblemAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/beacon", new { value = "ab" }), HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await Ceremonies.RecordBeaconAsync(platform.Host, scheduler, id);
        await ProblemAsync(await insider.PostAsJsonAsync($"/api/tasks/{id}/ceremony/reveals", new { value = theirs.Value, nonce = theirs.Nonce }), HttpStatusCode.Conflict);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        using var anonymous = platform.Host.Anonymous();
        var pack = await anonymous.GetStringAsync($"/api/public/v1/tasks/{id}/pack");
        var members = await anonymous.GetByteArrayAsync($"/api/public/v1/tasks/{id}/members.csv");
        Assert.True(PublicPackVerifier.Verify(pack, members).Passed);
        Assert.Single(JsonDocument.Parse(pack).RootElement.GetProperty("ceremony").GetProperty("reveals").EnumerateArray());

        // Nothing else: no draw, no beacon, no task of its own, no staff reads.
        await ProblemAsync(await witness.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/beacon", new { source = "x", value = "y" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.GetAsync("/api/audit"), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.GetAsync("/api/entities"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Commitments_cannot_close_once_the_named_beacon_round_is_due_nor_a_task_freeze_with_a_round_already_due()
    {
        await using var platform = await StartAsync();
        using var scheduler = await platform.As("sched-d1");
        var draft = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetString()!;
        var due = draft.GetProperty("definition").GetProperty("beacon").GetProperty("expectedAt").GetDateTimeOffset();
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        // Planned with a round in the past: refused, naming the field.
        var past = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "x", leadDepartment = "D1", items = new[] { "I1" }, teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
            beacon = new { source = "s", round = "r", expectedAt = DateTimeOffset.UtcNow.AddMinutes(-1) },
        }), HttpStatusCode.BadRequest);
        Assert.True(past.GetProperty("errors").TryGetProperty("beacon.expectedAt", out _));
        // The round fell due before the freeze: the freeze is refused and nothing is frozen.
        await Ceremonies.LetDueAsync(platform.Host, due, async () =>
            Assert.Contains("was due", (await ProblemAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.Conflict)).GetProperty("detail").GetString()));
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        foreach (var name in new[] { "w-1", "w-2" })
        {
            using var w = await platform.Host.UserAsync(name, "witness");
            await ReadAsync(await w.PostAsJsonAsync($"/api/tasks/{id}/ceremony/commitments", new { commitment = Ceremonies.Contribution(id, name).Commitment }), HttpStatusCode.OK);
        }
        // Closing once the round is due would let a late committer know it: refused, and the task can only be cancelled.
        await Ceremonies.LetDueAsync(platform.Host, due, async () =>
            Assert.Contains("was due", (await ProblemAsync(await scheduler.PostAsync($"/api/tasks/{id}/ceremony/close", null), HttpStatusCode.Conflict)).GetProperty("detail").GetString()));
        Assert.Equal("committing", (await ReadAsync(await scheduler.GetAsync($"/api/tasks/{id}"), HttpStatusCode.OK)).GetProperty("ceremony").GetProperty("phase").GetString());
        // One person alone cannot end a task whose draw has begun: the lead's scheduler asks, another administrator approves.
        Assert.Contains("cancel-requests", (await ProblemAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel", new { reason = "x" }), HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await ReadAsync(await scheduler.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests", new { reason = "the beacon round fell due before the commitments closed" }), HttpStatusCode.OK);
        using var approver = await platform.Host.AdminAsync();
        var cancelled = await ReadAsync(await approver.PostAsJsonAsync($"/api/tasks/{id}/cancel-requests/decision", new { decision = "approve" }), HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        using var anonymous = platform.Host.Anonymous();
        var attempts = (await ReadAsync(await anonymous.GetAsync($"/api/public/v1/tasks/{id}"), HttpStatusCode.OK)).GetProperty("attempts");
        Assert.Contains(attempts.EnumerateArray(), a => a.GetProperty("step").GetString() == "cancel" && a.GetProperty("detail").GetString()!.Contains("fell due", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_auditor_reads_every_department_and_every_audit_line_changes_nothing_and_each_pack_read_is_audited()
    {
        await using var platform = await StartAsync();
        using var scheduler = await platform.As("sched-d1");
        using var auditor = await platform.Host.UserAsync("auditor-1", "auditor");
        var taskId = await DrawnTaskAsync(scheduler, joint: false);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        var draft = (await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Created)).GetProperty("id").GetString()!;

        // Every department's tasks, drafts included; every audit line.
        var listed = await ReadAsync(await auditor.GetAsync("/api/tasks"), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == draft);
        await ReadAsync(await auditor.GetAsync($"/api/tasks/{draft}"), HttpStatusCode.OK);
        var audit = await ReadAsync(await auditor.GetAsync("/api/audit?limit=200"), HttpStatusCode.OK);
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), l => l.GetProperty("departmentCode").GetString() == "D1");

        // An inspection of the task: read, but no command.
        var inspection = await platform.ScalarTextAsync("SELECT inspection_id FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId });
        await ReadAsync(await auditor.GetAsync($"/api/inspections/{inspection}"), HttpStatusCode.OK);
        Assert.Contains((await auditor.PostAsJsonAsync($"/api/inspections/{inspection}/review/approve", new { })).StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        await ProblemAsync(await auditor.PostAsync($"/api/tasks/{draft}/publish", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await auditor.PostAsJsonAsync("/api/tasks/preview", new { leadDepartment = "D1" }), HttpStatusCode.Forbidden);

        // Each pack the auditor downloads is on the record.
        await ReadAsync(await auditor.GetAsync($"/api/tasks/{taskId}/draw/pack"), HttpStatusCode.OK);
        Assert.Equal(1, await platform.ScalarAsync($"SELECT count(*) FROM audit_log WHERE action = 'draw.pack-read' AND actor = 'auditor-1' AND subject_key = '{taskId}'"));
    }
}
