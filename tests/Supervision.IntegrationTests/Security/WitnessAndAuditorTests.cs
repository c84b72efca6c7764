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
    public async Task A_witness_contributes_once_under_the_name_of_their_account_and_nothing_else()
    {
        await using var platform = await StartAsync();
        using var scheduler = await platform.As("sched-d1");
        using var witness = await platform.Host.UserAsync("journalist-li", "witness");
        var draft = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Created);
        var id = draft.GetProperty("id").GetString()!;

        // An unpublished task does not exist for a witness; a published one takes entropy only once frozen.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { value = "1 2 3" }), HttpStatusCode.NotFound);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { value = "1 2 3" }), HttpStatusCode.Conflict);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);

        // The name is the account's, not typed; one contribution per witness.
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { witness = "Deputy Wang", value = "1 2 3" }), HttpStatusCode.BadRequest);
        var task = await ReadAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { value = "4 4 1 9" }), HttpStatusCode.OK);
        var entry = Assert.Single(task.GetProperty("entropy").EnumerateArray());
        Assert.Equal(("journalist-li (journalist-li)", "4 4 1 9"), (entry.GetProperty("witness").GetString(), entry.GetProperty("value").GetString()));
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/entropy", new { value = "6 6 6" }), HttpStatusCode.BadRequest);

        // Nothing else: no draw, no beacon, no task of its own, no staff reads.
        await ProblemAsync(await witness.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.PostAsJsonAsync($"/api/tasks/{id}/beacon", new { source = "x", value = "y" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.PostAsJsonAsync("/api/tasks", DrawPlatform.Draft()), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.GetAsync("/api/audit"), HttpStatusCode.Forbidden);
        await ProblemAsync(await witness.GetAsync("/api/entities"), HttpStatusCode.Forbidden);
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
