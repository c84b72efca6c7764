using System.Net;
using System.Net.Http.Json;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Security;

/// <summary>A department's administrator manages its own department's accounts and inspectors, and nothing else.</summary>
public sealed class DepartmentAdminTests
{
    [Fact]
    public async Task A_department_administrator_manages_its_departments_accounts_and_inspectors_only()
    {
        await using var platform = await StartAsync();
        using var deptAdmin = await platform.Host.UserAsync("d1-admin", "department-admin", "D1");

        // Accounts of its department with the department's roles: created (one-time password), listed, reset.
        await ReadAsync(await deptAdmin.PostAsJsonAsync("/api/users", new
        {
            username = "d1-new-reviewer", displayName = "新审核员", roles = new[] { "reviewer" }, departmentCode = "D1",
        }), HttpStatusCode.Created);
        // Paged two at a time, the listing still reaches every account it manages (a page may hold one it does not).
        var paged = new List<string?>();
        for (string? next = null; ;)
        {
            var page = await ReadAsync(await deptAdmin.GetAsync("/api/users?limit=2" + (next is null ? "" : "&after=" + next)), HttpStatusCode.OK);
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("username").GetString()));
            if (page.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.Null) break;
            next = page.GetProperty("next").GetString();
        }

        var listed = await ReadAsync(await deptAdmin.GetAsync("/api/users"), HttpStatusCode.OK);
        var names = listed.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("username").GetString()).ToList();
        Assert.Contains("d1-new-reviewer", names);
        Assert.Contains("sched-d1", names);
        Assert.DoesNotContain("sched-d2", names);
        Assert.DoesNotContain("d1-admin", names); // another administrator's account is not its to manage
        Assert.Equal(names.Order(StringComparer.Ordinal), paged.Order(StringComparer.Ordinal));
        await ReadAsync(await deptAdmin.PostAsJsonAsync("/api/users/rev-d1/password", new { newPassword = "a-new-one-time-pass" }), HttpStatusCode.NoContent);

        // Not another department's, not a platform role, not the admin's.
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d2-x", displayName = "x", roles = new[] { "scheduler" }, departmentCode = "D2" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-boss", displayName = "x", roles = new[] { "admin" }, departmentCode = "D1" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-reg", displayName = "x", roles = new[] { "registry" }, departmentCode = "D1" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.GetAsync("/api/users?department=D2"), HttpStatusCode.Forbidden);
        // An account acts as the inspector whose certificate it holds: only its own department's inspectors, and no single
        // sign-on identity (review: D1's admin could otherwise make an account acting as D2's C0100).
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-fake", displayName = "x", roles = new[] { "inspector" }, departmentCode = "D1", inspectorCertificateNo = "C0100" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-none", displayName = "x", roles = new[] { "inspector" }, departmentCode = "D1", inspectorCertificateNo = "NO-SUCH" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-sso", displayName = "x", roles = new[] { "scheduler" }, departmentCode = "D1", externalSubject = "admin-subject" }), HttpStatusCode.Forbidden);
        await ReadAsync(await deptAdmin.PostAsJsonAsync("/api/users", new { username = "d1-insp", displayName = "x", roles = new[] { "inspector" }, departmentCode = "D1", inspectorCertificateNo = "C0007" }), HttpStatusCode.Created);
        await ProblemAsync(await deptAdmin.GetAsync("/api/users/sched-d2"), HttpStatusCode.NotFound);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users/admin/password", new { newPassword = "a-new-one-time-pass" }), HttpStatusCode.NotFound);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/users/sched-d2/password", new { newPassword = "a-new-one-time-pass" }), HttpStatusCode.NotFound);

        // Promoting one of its schedulers to admin, or moving them to D2, is refused; renaming is not.
        var scheduler = await deptAdmin.GetAsync("/api/users/sched-d1");
        var etag = scheduler.Headers.ETag!.Tag;
        foreach (var (roles, department, expected) in new[] { (new[] { "admin" }, "D1", HttpStatusCode.Forbidden), (new[] { "scheduler" }, "D2", HttpStatusCode.Forbidden), (new[] { "scheduler" }, "D1", HttpStatusCode.OK) })
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, "/api/users/sched-d1") { Content = JsonContent.Create(new { displayName = "调度员", roles, departmentCode = department }) };
            put.Headers.TryAddWithoutValidation("If-Match", etag);
            await ReadAsync(await deptAdmin.SendAsync(put), expected);
        }

        // Its department's inspectors, one by one and by import; not another department's.
        await ReadAsync(await deptAdmin.PostAsJsonAsync("/api/inspectors", new { certificateNo = "C0900", name = "新检查员", departmentCode = "D1", certificateExpiresOn = "2030-01-01" }), HttpStatusCode.Created);
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/inspectors", new { certificateNo = "C0901", name = "别人", departmentCode = "D2", certificateExpiresOn = "2030-01-01" }), HttpStatusCode.Forbidden);
        var job = await ReadAsync(await deptAdmin.PostAsync("/api/imports/inspectors",
            new StringContent("certificateNo,name,departmentCode,certificateExpiresOn\nC0902,导入,D1,2030-01-01\nC0100,抢人,D1,2030-01-01\n")), HttpStatusCode.Created);
        Assert.Equal((1L, 1L), (job.GetProperty("inserted").GetInt64(), job.GetProperty("rejected").GetInt64())); // C0100 is D2's

        // It runs no task and imports no entities.
        await ProblemAsync(await deptAdmin.PostAsJsonAsync("/api/tasks/preview", new { leadDepartment = "D1" }), HttpStatusCode.Forbidden);
        await ProblemAsync(await deptAdmin.PostAsync("/api/imports/entities", new StringContent("creditCode\n")), HttpStatusCode.Forbidden);
    }
}
