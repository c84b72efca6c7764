using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Security;

/// <summary>The data the requests point at, and one bearer client and one cookie session per persona.</summary>
internal sealed class SecurityFixture
{
    private readonly Dictionary<string, HttpClient> _bearer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HttpClient> _cookie = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string User, string Password)> _accounts = new(StringComparer.Ordinal);

    public static async Task<SecurityFixture> CreateAsync(InspectionPlatform platform)
    {
        var f = new SecurityFixture();
        var host = platform.Host;
        using var admin = await host.AdminAsync();
        using var lead = await platform.As("sched-d1");
        using var participant = await platform.As("sched-d2");
        // Accounts made by an admin replace their one-time password first (UserAsync does).
        (await host.UserAsync("registry-1", "registry")).Dispose();
        (await host.UserAsync("credit-1", "credit")).Dispose();
        (await host.UserAsync("d1-admin", "department-admin", "D1")).Dispose();
        (await host.UserAsync("witness-1", "witness")).Dispose();
        (await host.UserAsync("auditor-1", "auditor")).Dispose();
        (await host.UserAsync("matrix-target", "reviewer", "D1")).Dispose();
        // A scheduler of D1 whose account an admin just made: until the one-time password is replaced, nothing but that.
        await ReadAsync(await admin.PostAsJsonAsync("/api/users", new
        {
            username = "first-sign-in", displayName = "first-sign-in", password = "one-time-password-1", roles = new[] { "scheduler" }, departmentCode = "D1",
        }), HttpStatusCode.Created);

        // A joint task D1 leads and D2 joins, drawn and dispatched; one of its inspections and a member of its team.
        var taskId = await DrawnTaskAsync(lead, joint: true, participant: participant);
        var dispatched = await lead.PostAsync($"/api/tasks/{taskId}/dispatch", null);
        var dispatchOperation = dispatched.Headers.GetValues("Operation-Location").Single().Split('/')[^1];
        await ReadAsync(dispatched, HttpStatusCode.OK);
        await using var connection = await platform.Store.OpenAsync();
        var (inspectionId, member) = await connection.QueryFirstAsync<(string, string)>(
            "SELECT m.inspection_id, m.username FROM inspection_members m JOIN inspections i ON i.inspection_id = m.inspection_id WHERE i.task_id = @taskId ORDER BY m.inspection_id, m.is_lead DESC",
            new { taskId });
        var importJob = await ReadAsync(await lead.PostAsync("/api/imports/inspectors",
            new StringContent("certificateNo,name,departmentCode,certificateExpiresOn\nMX-1,矩阵,D1,2030-01-01\n")), HttpStatusCode.Created);
        using var registryClient = await host.SignInAsync("registry-1", Password);
        // An open recusal request on that inspection, filed through the entity's link, for the decision route.
        var entity = inspectionId[(inspectionId.IndexOf('/') + 1)..];
        var link = await ReadAsync(await lead.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { }), HttpStatusCode.OK);
        var linkPath = new Uri(link.GetProperty("url").GetString()!).PathAndQuery;
        var certificate = await connection.QueryFirstAsync<string>(
            "SELECT certificate_no FROM inspection_members WHERE inspection_id = @inspectionId ORDER BY certificate_no", new { inspectionId });
        using var visitor = host.Anonymous();
        var recusal = await ReadAsync(await visitor.PostAsJsonAsync($"/api/public/v1/entities/{entity}/recusals{linkPath[linkPath.IndexOf('?')..]}",
            new { inspectionId, certificateNo = certificate, reason = "matrix" }), HttpStatusCode.Created);
        // A pending abnormal-operations entry D1 decides, for the register's routes.
        var abnormal = await ReadAsync(await lead.PostAsJsonAsync("/api/abnormal-operations",
            new { entityCreditCode = entity, ground = "annual-report", facts = "matrix", foundOn = Core.Calendar.ChinaTime.DateOf(platform.Clock.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }),
            HttpStatusCode.Created);

        // D1's annual plan for the workflow clock's year, drafted, approved by D1's administrator and published, for the plan routes.
        var planYear = Core.Calendar.ChinaTime.DateOf(platform.Clock.GetUtcNow()).Year;
        using (var d1Admin = await host.SignInAsync("d1-admin", Password))
        {
            await ReadAsync(await lead.PostAsJsonAsync("/api/plans", new { year = planYear, lines = new[] { Plans.PlanTests.Line() } }), HttpStatusCode.Created);
            await ReadAsync(await d1Admin.PostAsync($"/api/plans/D1/{planYear}/approval", null), HttpStatusCode.OK);
            await ReadAsync(await d1Admin.PostAsync($"/api/plans/D1/{planYear}/publication", null), HttpStatusCode.OK);
        }

        f._values["{year}@plans"] = planYear.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // An open follow-up case of D1 on that inspection, for the case routes (written through the repository: the fixture's inspections are not approved).
        var today = Core.Calendar.ChinaTime.DateOf(platform.Clock.GetUtcNow());
        var followUp = Core.Cases.CaseWorkflow.Open(new Core.Cases.CaseFinding(entity, taskId, inspectionId, "I1", ["B"], today, "D1", 1), null, "matrix",
            Core.Identity.Actor.System("matrix"), Core.Cases.CasePolicy.Default, Core.Inspections.FollowUpPolicy.Default, Core.Calendar.WorkingCalendar.Default,
            platform.Clock.GetUtcNow()).Case!;
        await host.Services.GetRequiredService<global::Supervision.Infrastructure.Cases.CaseRepository>().InsertAsync(followUp, Core.Identity.Actor.System("matrix"));

        // An open objection to version 1 of that inspection's result (D1 published it), for the objection routes (written through the
        // store: the fixture's inspections are not published).
        var objectionAt = platform.Clock.GetUtcNow();
        await host.Services.GetRequiredService<global::Supervision.Infrastructure.Objections.ObjectionStore>().InsertAsync(
            new Core.Objections.Objection("ob-matrix", Core.Objections.ObjectionKinds.Objection, inspectionId, 1, entity, "D1", "matrix", [],
                Core.Objections.ObjectionStates.Submitted, objectionAt, today.AddDays(14), null, null, null, null, null, 1), [], []);
        f._values["{id}@objections"] = "ob-matrix";

        f._values["{id}@tasks"] = taskId;
        f._values["{id}@operations"] = dispatchOperation;
        f._values["{taskId}/{entity}"] = inspectionId;
        f._values["{taskId}"] = taskId;
        f._values["{id}@imports"] = importJob.GetProperty("id").GetString()!;
        f._values["{username}"] = "matrix-target";
        f._values["{creditCode}"] = inspectionId[(inspectionId.IndexOf('/') + 1)..];
        f._values["{certificateNo}"] = "C0007";
        f._values["{code}@departments"] = "D1";
        f._values["{code}@items"] = "I1";
        f._values["{table}"] = "divisions";
        f._values["{name}"] = "coverage";
        f._values["{lang}"] = "en";
        f._values["{file}"] = "draw-spec.md";
        f._values["{documentName}"] = "v1";
        f._values["{documentName?}"] = "v1";
        f._values["{sha256}"] = new string('0', 64);
        f._values["{year}"] = DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture);
        f._values["{department}"] = "D1";
        f._values["{division}"] = "21";
        f._values["{format}"] = "csv";
        f._values["{id}@credit-imports"] = "0000000000000000";
        f._values["{id}@runs"] = "0";
        f._values["{id}@recusals"] = recusal.GetProperty("id").GetString()!;
        f._values["{id}@abnormal"] = abnormal.GetProperty("id").GetString()!;
        f._values["{id}@cases"] = followUp.Id;

        var users = new Dictionary<string, string?>
        {
            ["anonymous"] = null, ["inspector"] = member, ["scheduler"] = "sched-d1", ["scheduler, participating"] = "sched-d2",
            ["scheduler, other"] = "sched-d3", ["reviewer"] = "rev-d1", ["reviewer, other"] = "rev-d3", ["registry"] = "registry-1", ["credit"] = "credit-1",
            ["department admin"] = "d1-admin", ["witness"] = "witness-1", ["auditor"] = "auditor-1", ["first sign-in"] = "first-sign-in", ["admin"] = "admin",
        };
        foreach (var (persona, user) in users)
        {
            var password = user == "admin" ? ApiHost.AdminPassword : user == "first-sign-in" ? "one-time-password-1" : Password;
            if (user is not null) f._accounts[persona] = (user, password);
            f._bearer[persona] = user is null ? host.Anonymous() : await host.SignInAsync(user, password);
            f._cookie[persona] = user is null ? host.CookieClient() : await host.CookieSessionAsync(user, password);
        }

        return f;
    }

    /// <summary>Sends the persona's request for the route; returns the status (redirects: 302001 to the sign-in page, 302002 to the refusal page).</summary>
    public async Task<int> SendAsync(string route, string persona)
    {
        var space = route.IndexOf(' ', StringComparison.Ordinal);
        var method = route[..space];
        var path = Fill(route[(space + 1)..]);
        if (method == "PAGE")
        {
            using var response = await _cookie[persona].GetAsync(path);
            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                var location = response.Headers.Location?.ToString() ?? "";
                return location.Contains("/app/login", StringComparison.Ordinal) ? 302001
                    : location.Contains("/app/denied", StringComparison.Ordinal) ? 302002
                    : location.Contains("/app/password", StringComparison.Ordinal) ? 302003 : 302;
            }

            return (int)response.StatusCode;
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            // Writes whose fence is a department's stand behind validation and the If-Match precondition: they get a
            // valid body and a stale version, so that an allowed caller stops at 409/412 and a refused one at the fence.
            request.Content = new StringContent(Probes.TryGetValue(route, out var body) ? body() : "{}", Encoding.UTF8, "application/json");
            if (method == "PUT") request.Headers.TryAddWithoutValidation("If-Match", "\"0\"");
        }

        using var answer = await _bearer[persona].SendAsync(request);
        return (int)answer.StatusCode;
    }

    private static readonly Dictionary<string, Func<string>> Probes = new(StringComparer.Ordinal)
    {
        ["PUT /api/inspectors/{certificateNo}"] = () => Json(new { certificateNo = "C0007", name = "矩阵", departmentCode = "D1", certificateExpiresOn = "2030-01-01", specialties = new[] { "I1" } }),
        ["PUT /api/tasks/{id}"] = () => Json(new
        {
            name = "Matrix", leadDepartment = "D1", participatingDepartments = new[] { "D2" }, items = new[] { "I1", "I2" },
            sampling = new { mode = "pareto", total = 4 }, teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
            beacon = Ceremonies.Beacon(),
        }),
        ["POST /api/plans"] = () => Json(new { departmentCode = "D1", year = Core.Calendar.ChinaTime.DateOf(InspectionPlatform.DefaultNow).Year }),
        ["PUT /api/items/{code}"] = () => Json(new { code = "I1", name = "I1", departmentCode = "D1", legalBasis = "test", method = "on-site", resultCodes = new[] { "1", "A" } }),
        ["POST /api/tasks/{id}/participation"] = () => Json(new { decision = "accept" }),
        ["POST /api/tasks/{id}/cancel"] = () => Json(new { reason = "matrix" }),
        ["POST /api/tasks/{id}/entropy"] = () => Json(new { witness = "matrix", value = "1 2 3" }),
        ["POST /api/tasks/{id}/beacon"] = () => Json(new { source = "matrix", value = "ab" }),
        ["POST /api/tasks/{id}/cancel-requests"] = () => Json(new { reason = "matrix" }),
        ["POST /api/tasks/{id}/cancel-requests/decision"] = () => Json(new { decision = "approve" }),
        ["POST /api/tasks/{id}/teams/replacements"] = () => Json(new { memberId = "91330100MA0000000X", certificateNo = "C0001", reason = "matrix" }),
        ["POST /api/tasks/{id}/ceremony/commitments"] = () => Json(new { commitment = new string('a', 64) }),
        ["POST /api/tasks/{id}/ceremony/reveals"] = () => Json(new { value = "1 2 3", nonce = new string('b', 64) }),
    };

    private static string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    public HttpClient Bearer(string persona) => _bearer[persona];

    /// <summary>The persona's account and password (for signing in through the page); none for the anonymous public.</summary>
    public (string User, string Password) Account(string persona) => _accounts[persona];

    public string Fill(string pattern)
    {
        var context = pattern.StartsWith("/api/imports", StringComparison.Ordinal) ? "@imports"
            : pattern.StartsWith("/api/operations", StringComparison.Ordinal) ? "@operations"
            : pattern.StartsWith("/api/credit/imports", StringComparison.Ordinal) ? "@credit-imports"
            : pattern.StartsWith("/api/credit/recompute/runs", StringComparison.Ordinal) ? "@runs"
            : pattern.StartsWith("/api/recusals", StringComparison.Ordinal) ? "@recusals"
            : pattern.StartsWith("/api/objections", StringComparison.Ordinal) ? "@objections"
            : pattern.Contains("/abnormal-operations", StringComparison.Ordinal) ? "@abnormal"
            : pattern.Contains("/plans", StringComparison.Ordinal) ? "@plans"
            : pattern.StartsWith("/api/cases", StringComparison.Ordinal) ? "@cases"
            : pattern.Contains("/items", StringComparison.Ordinal) ? "@items"
            : pattern.Contains("/departments/", StringComparison.Ordinal) ? "@departments"
            : "@tasks";
        if (pattern.Contains("{taskId}/{entity}", StringComparison.Ordinal)) pattern = pattern.Replace("{taskId}/{entity}", _values["{taskId}/{entity}"], StringComparison.Ordinal);
        pattern = AuthorizationMatrixTests.FixedValue().Replace(pattern, "${value}");
        pattern = pattern.Replace("{kind}", "entities", StringComparison.Ordinal).Replace("{mode}", "edit", StringComparison.Ordinal);
        pattern = pattern.Replace("{key?}", _values["{creditCode}"], StringComparison.Ordinal);
        return Regex.Replace(pattern, @"\{[^}]+\}", m =>
            _values.TryGetValue(m.Value + context, out var v) || _values.TryGetValue(m.Value, out v) ? v : throw new InvalidOperationException($"no value for {m.Value} in {pattern}"));
    }
}
