using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Security;
using Xunit.Abstractions;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// axe-core (Deque.AxeCore.Playwright; the script ships in the package) on every page of the platform: each <c>PAGE</c>
/// row of docs/authorization.md is opened by a persona who may see it, in Chinese and in English, the inspector's pages
/// also on a 390×844 phone, and any violation of impact serious or critical fails the test, listed with its rule,
/// impact, target selectors and page. A <c>PAGE</c> row without a visit here fails it too, so a new page is checked
/// from the day it is added to the matrix.
/// </summary>
public sealed partial class AccessibilityTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const string MatrixFile = "docs/authorization.md";

    /// <summary>
    /// One page to check. <paramref name="Route"/> is the matrix row (its parameters filled by <see cref="SecurityFixture.Fill"/>
    /// unless <paramref name="Path"/> is given, whose "{…}" names are those of <see cref="ScenarioAsync"/>);
    /// <paramref name="Ready"/> is a selector the page's script sets when it has rendered; <paramref name="Lands"/> the path a
    /// redirecting row ends on; <paramref name="Act"/> brings the page to a state worth checking too (an error summary, a
    /// preview, a verification's result) and waits on the page until it is there.
    /// </summary>
    private sealed record Visit(string Route, string Persona, string? Path = null, string? Ready = null, int Status = 200, bool Phone = false, string? Lands = null,
        Func<IPage, Task>? Act = null);

    private const string Verifier = "[data-browser-verifier][data-ready=true]";
    private const string InspectionForm = "#inspection-form[data-ready=true]";
    private const string Charts = "[data-testid=charts][data-ready=true]"; // the statistics page's ECharts, drawn

    private static readonly Visit[] Visits =
    [
        // The public portal, anonymous.
        new("PAGE /", "anonymous"),
        new("PAGE /", "anonymous", Path: "/?name=%E4%B8%8D%E5%AD%98%E5%9C%A8&from=not-a-date"),
        new("PAGE /entities/{creditCode}", "anonymous"),
        new("PAGE /entities/{creditCode}", "anonymous", Path: "/entities/{published-entity}"),
        new("PAGE /entities/{creditCode}/credit", "anonymous", Path: "{credit}"),
        new("PAGE /entities/{creditCode}/objections", "anonymous", Path: "{objections}"),
        new("PAGE /entities/{creditCode}/objections", "anonymous", Path: "{objections}", Phone: true),
        new("PAGE /open-data", "anonymous"),
        new("PAGE /abnormal-operations", "anonymous"),
        new("PAGE /plans", "anonymous"),
        new("PAGE /plans/{department}/{year}", "anonymous"),
        new("PAGE /tasks", "anonymous"),
        new("PAGE /tasks/{taskId}", "anonymous", Ready: Verifier),
        new("PAGE /tasks/{taskId}", "anonymous", Path: "/tasks/{published-task}", Ready: Verifier, Act: async page =>
        {
            await page.ClickAsync("[data-testid=verify-task]");
            await page.WaitForSelectorAsync("[data-testid=verify-verdict]", new() { Timeout = 60_000 });
        }),
        new("PAGE /verify", "anonymous", Ready: Verifier),
        new("PAGE /app/login", "anonymous"),

        // The inspector: home, assignments and the result form, on a desk and on a phone.
        new("PAGE /app", "inspector"),
        new("PAGE /app", "inspector", Phone: true),
        new("PAGE /app/my", "inspector"),
        new("PAGE /app/my", "inspector", Phone: true),
        new("PAGE /app/inspections/{taskId}/{entity}", "inspector", Ready: InspectionForm),
        new("PAGE /app/inspections/{taskId}/{entity}", "inspector", Ready: InspectionForm, Phone: true),
        new("PAGE /app/password", "inspector"),
        new("PAGE /app/password", "inspector", Phone: true),
        new("PAGE /app/password", "inspector", Act: async page =>
        {
            await page.ClickAsync("[data-testid=set-password]");
            await page.WaitForSelectorAsync("[data-testid=error-summary]");
        }),
        new("PAGE /app/denied", "inspector", Status: 403),
        new("PAGE /app/logout", "inspector", Lands: "/app"),

        // A scheduler of the lead department: tasks, ceremony, registry, imports, statistics.
        new("PAGE /app", "scheduler"),
        new("PAGE /app/tasks", "scheduler"),
        new("PAGE /app/tasks/new", "scheduler"),
        new("PAGE /app/tasks/new", "scheduler", Act: async page =>
        {
            await page.CheckAsync("input[name=items][value=I1]");
            foreach (var c in new[] { "A", "B", "C", "D" }) await page.FillAsync($"input[name=count-{c}]", "1");
            await page.ClickAsync("#preview");
            await page.WaitForSelectorAsync("[data-testid=preview-table] tbody tr");
        }),
        new("PAGE /app/tasks/new", "scheduler", Act: async page =>
        {
            // A refusal marks its fields: the reasons beside them and the linked list above must be accessible too.
            await page.ClickAsync("#preview");
            await page.WaitForSelectorAsync(".field-error");
        }),
        new("PAGE /app/tasks/{id}", "scheduler"),
        new("PAGE /app/tasks/{id}/ceremony", "scheduler"),
        new("PAGE /app/tasks/{id}/ceremony", "scheduler", Path: "/app/tasks/{open}/ceremony"),
        new("PAGE /app/{kind=entities}", "scheduler"),
        new("PAGE /app/{kind=inspectors}", "scheduler"),
        new("PAGE /app/{kind=items}", "scheduler"),
        new("PAGE /app/{kind=departments}", "scheduler"),
        new("PAGE /app/{kind=entities}/{mode=edit}/{key?}", "scheduler"),
        new("PAGE /app/{kind=entities}/{mode=new}/{key?}", "scheduler", Path: "/app/entities/new"),
        new("PAGE /app/{kind=inspectors}/{mode=edit}/{key?=C0007}", "scheduler"),
        new("PAGE /app/{kind=items}/{mode=edit}/{key?=I1}", "scheduler"),
        new("PAGE /app/{kind=departments}/{mode=edit}/{key?=D1}", "scheduler"),
        new("PAGE /app/imports", "scheduler"),
        new("PAGE /app/statistics", "scheduler", Ready: Charts),
        new("PAGE /app/recusals", "scheduler", Ready: "[data-testid=recusal-open] li"),
        new("PAGE /app/recusals", "scheduler", Phone: true),
        new("PAGE /app/abnormal", "scheduler", Ready: "[data-testid=abnormal-pending] li"),
        new("PAGE /app/abnormal", "scheduler", Phone: true),
        new("PAGE /app/webhooks", "admin"),
        new("PAGE /app/plans", "scheduler"),
        new("PAGE /app/plans/filed", "scheduler"),
        new("PAGE /app/plans/{department}/{year}", "scheduler"),
        new("PAGE /app/plans/{department}/{year}", "scheduler", Act: async page =>
        {
            // The editor: the published plan is revised (once; the second language finds the revision under way) and a line added.
            if (await page.Locator("[data-testid=plan-revise]").CountAsync() > 0)
            {
                await page.FillAsync("#reason", "axe");
                await page.ClickAsync("[data-testid=plan-revise]");
                await page.WaitForSelectorAsync("#plan-editor");
            }

            await page.ClickAsync("[data-testid=plan-add-line]");
            await page.WaitForSelectorAsync("[data-testid=editor-line] >> nth=1");
        }),
        new("PAGE /app/plans/{department}/{year}", "department admin"),
        new("PAGE /app/cases", "scheduler", Ready: "[data-testid=case-open] li"),
        new("PAGE /app/cases", "scheduler", Phone: true),
        new("PAGE /app/objections", "scheduler"),
        new("PAGE /app/objections", "scheduler", Phone: true),

        // A reviewer: the review queue and an inspection's page as a reviewer sees it.
        new("PAGE /app/review", "reviewer", Ready: "[data-testid=review-queue] li"),
        new("PAGE /app/inspections/{taskId}/{entity}", "reviewer"),
        new("PAGE /app/inspections/{taskId}/{entity}", "reviewer", Path: "/app/inspections/{submitted}"),
        new("PAGE /app/inspections/{taskId}/{entity}", "reviewer", Path: "/app/inspections/{published}"),

        // A witness: the open ceremonies, one still open for commitments, one already drawn.
        new("PAGE /app/witness", "witness", Ready: "[data-testid=ceremonies] li"),
        new("PAGE /app/witness/{id}", "witness", Path: "/app/witness/{open}"),
        new("PAGE /app/witness/{id}", "witness"),

        // An admin (every department) and an account that must first replace its one-time password.
        new("PAGE /app", "admin"),
        new("PAGE /app/statistics", "admin", Ready: Charts),
        new("PAGE /app/{kind=inspectors}", "admin"),
        new("PAGE /app/password", "first sign-in"),

        // Last, once every persona has signed in: a refused sign-in (two failures in all, far from any lockout).
        new("PAGE /app/login", "anonymous", Act: async page =>
        {
            await page.FillAsync("#username", "nobody");
            await page.FillAsync("#password", "not-the-password");
            await page.ClickAsync("button[type=submit]");
            await page.WaitForSelectorAsync("[data-testid=login-error]");
        }),
    ];

    /// <summary>Impacts that fail the test; moderate and minor findings are written to the test output only.</summary>
    private static readonly HashSet<string> Failing = new(StringComparer.Ordinal) { "serious", "critical" };

    [BrowserFact]
    public async Task Every_page_has_no_serious_or_critical_axe_violation_in_either_language_on_a_desk_or_a_phone()
    {
        // Every page row of the matrix is visited, and every visit names a row.
        var rows = PageRows();
        var visited = Visits.Select(v => v.Route).ToHashSet(StringComparer.Ordinal);
        var missing = rows.Except(visited).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"pages in {MatrixFile} that {nameof(AccessibilityTests)} does not visit: {string.Join(", ", missing)}");
        var stale = visited.Except(rows).Order(StringComparer.Ordinal).ToList();
        Assert.True(stale.Count == 0, $"visits naming no PAGE row of {MatrixFile}: {string.Join(", ", stale)}");

        await using var platform = await StartAsync(now: DateTimeOffset.UtcNow, settings: new Dictionary<string, string?> { ["Supervision:Public:PermitLimit"] = "1000000" });
        // The published task is drawn before the security fixture adds its own accounts and records.
        var names = await ScenarioAsync(platform);
        var fixture = await SecurityFixture.CreateAsync(platform);
        names["{credit}"] = await CreditLinkAsync(fixture);
        // The entity's statements and objections page, through the same kind of link, for the entity with a published result.
        names["{objections}"] = (await CreditLinkAsync(fixture, names["{published-entity}"])).Replace("/credit?", "/objections?", StringComparison.Ordinal);

        var contexts = new Dictionary<(string Persona, bool Phone), IPage>();
        var failures = new List<string>();
        var summary = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var runs = 0;
        try
        {
            foreach (var lang in new[] { "zh", "en" })
            {
                foreach (var visit in Visits)
                {
                    var key = (visit.Persona, visit.Phone);
                    if (!contexts.TryGetValue(key, out var page))
                        contexts[key] = page = await OpenAsync(platform, fixture, visit.Persona, visit.Phone);

                    var path = visit.Path is null ? fixture.Fill(visit.Route["PAGE ".Length..]) : Regex.Replace(visit.Path, @"\{[a-z-]+\}", m => names[m.Value]);
                    var url = path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=" + lang;
                    var where = $"{path} as {visit.Persona}, {lang}, {(visit.Phone ? "phone 390×844" : "desktop")}";

                    var response = await page.GotoAsync(url);
                    Assert.True(response is not null && response.Status == visit.Status, $"{where}: HTTP {response?.Status}, expected {visit.Status}");
                    var landed = new Uri(page.Url).AbsolutePath;
                    var expectedPath = visit.Lands ?? new Uri(new Uri("http://x"), path).AbsolutePath;
                    Assert.True(landed == expectedPath, $"{where}: landed on {page.Url}");
                    Assert.Equal(lang == "en" ? "en" : "zh-CN", await page.GetAttributeAsync("html", "lang"));
                    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    if (visit.Ready is not null) await page.WaitForSelectorAsync(visit.Ready, new() { State = WaitForSelectorState.Attached });
                    if (visit.Act is not null)
                    {
                        await visit.Act(page);
                        where += ", after acting";
                    }

                    var result = await page.RunAxe();
                    runs++;
                    output.WriteLine($"{where}: {result.Passes.Length} rules passed, {result.Violations.Length} violated");
                    foreach (var incomplete in result.Incomplete)
                    {
                        foreach (var node in incomplete.Nodes)
                            output.WriteLine($"  for a person to review: {incomplete.Id} {node.Target} — {string.Join("; ", node.Any.Select(c => c.Message))}");
                    }
                    foreach (var violation in result.Violations)
                    {
                        var impact = violation.Impact ?? "unknown";
                        var entry = $"{violation.Id} ({impact})";
                        summary[entry] = summary.GetValueOrDefault(entry) + violation.Nodes.Length;
                        foreach (var node in violation.Nodes)
                        {
                            var line = $"{where}: {violation.Id} [{impact}] {node.Target} — {violation.Help}";
                            if (Failing.Contains(impact)) failures.Add(line);
                            else output.WriteLine("not failing: " + line);
                        }
                    }
                }
            }
            // The check can fail: an input without a label planted in a page is reported as critical.
            var planted = contexts[("anonymous", false)];
            await planted.GotoAsync("/");
            await planted.EvaluateAsync("() => { const i = document.createElement('input'); i.id = 'planted'; document.querySelector('main').append(i); }");
            var caught = await planted.RunAxe();
            Assert.Contains(caught.Violations, v => v.Id == "label" && v.Impact == "critical" && v.Nodes.Any(n => n.Target.ToString().Contains("#planted", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var page in contexts.Values) await page.Context.CloseAsync();
        }

        output.WriteLine($"{runs} axe runs over {Visits.Length} visits in two languages; nodes per rule:");
        foreach (var (rule, count) in summary) output.WriteLine($"  {rule}: {count}");
        Assert.True(failures.Count == 0, $"{failures.Count} serious or critical axe violations:\n" + string.Join("\n", failures));
    }

    /// <summary>A context of its own per persona and viewport, signed in through the sign-in page (the anonymous public is not).</summary>
    private async Task<IPage> OpenAsync(InspectionPlatform platform, SecurityFixture fixture, string persona, bool phone)
    {
        var context = await browser.NewContextAsync(platform.Host.BaseAddress, phone);
        var page = await context.NewPageAsync();
        if (persona == "anonymous") return page;
        var (user, password) = fixture.Account(persona);
        await SignInPage.SignInAsync(page, user, password, landsOn: null);
        return page;
    }

    /// <summary>
    /// What the security fixture lacks, by the names visits use in their paths: {open}, a frozen task whose witness
    /// commitments are still open (the witness's commit form, the scheduler's close); a single-department task of D1 with one result {published} (its entity
    /// {published-entity}, its task {published-task}) and one {submitted} and waiting for review.
    /// </summary>
    private static async Task<Dictionary<string, string>> ScenarioAsync(InspectionPlatform platform)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["{open}"] = await OpenCeremonyAsync(platform) };
        using var scheduler = await platform.As("sched-d1");
        var taskId = await DrawnTaskAsync(scheduler, joint: false);
        var dispatched = await ReadAsync(await scheduler.PostAsync($"/api/tasks/{taskId}/dispatch", null), HttpStatusCode.OK);
        var ids = dispatched.GetProperty("inspectionIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var steps = new Publication.PublicationSteps(platform);
        using var reviewer = await platform.As("rev-d1");
        await steps.CompleteAsync(ids[0], ["A"]);
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{ids[0]}/publish", null), HttpStatusCode.OK);
        await SubmitAsync(platform, steps, ids[1]);
        names["{published}"] = ids[0];
        names["{published-entity}"] = ids[0].Split('/')[1];
        names["{published-task}"] = taskId;
        names["{submitted}"] = ids[1];
        return names;
    }

    private static async Task SubmitAsync(InspectionPlatform platform, Publication.PublicationSteps steps, string inspectionId)
    {
        var (lead, mate) = await steps.TeamAsync(inspectionId);
        await steps.SaveDraftAsync(inspectionId, ["B"], "门店货架上有过期食品");
        using var leadClient = await platform.As("insp-" + lead);
        using var mateClient = await platform.As("insp-" + mate);
        var url = "/api/inspections/" + inspectionId;
        await ReadAsync(await leadClient.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mateClient.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await leadClient.SendAsync(Submit(url, Guid.NewGuid().ToString("N"))), HttpStatusCode.OK);
    }

    /// <summary>A published, frozen task of D1 whose witness commitments are still open.</summary>
    private static async Task<string> OpenCeremonyAsync(InspectionPlatform platform)
    {
        using var scheduler = await platform.As("sched-d1");
        var created = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "无障碍检查任务",
            leadDepartment = "D1",
            participatingDepartments = Array.Empty<string>(),
            items = new[] { "I1" },
            sampling = new { mode = "stratified", classes = new object[] { new { creditClass = "A", count = 1 }, new { creditClass = "B", count = 1 } } },
            teamSize = 2,
            deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(60),
            beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        return id;
    }

    /// <summary>{credit}: an entity's own credit page, through a link the regulator issued.</summary>
    private static async Task<string> CreditLinkAsync(SecurityFixture fixture, string? creditCode = null)
    {
        var code = creditCode ?? fixture.Fill("{creditCode}");
        var issued = await ReadAsync(await fixture.Bearer("admin").PostAsJsonAsync($"/api/credit/entities/{code}/access-link", new { days = 7 }), HttpStatusCode.OK);
        return new Uri(issued.GetProperty("url").GetString()!).PathAndQuery;
    }

    private static HashSet<string> PageRows()
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(System.IO.Path.Combine(Repository.Root, MatrixFile)))
        {
            var m = PageRow().Match(line);
            if (m.Success) rows.Add(m.Groups["route"].Value);
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    [GeneratedRegex(@"^\| `(?<route>PAGE [^`]+)` \|")]
    private static partial Regex PageRow();
}
