using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// The staff workbench in headless Chromium, on the inspection test platform (departments D1–D3, items I1 and I2,
/// inspectors C0000… with accounts insp-C…, schedulers sched-d1…, reviewers rev-d1…). The workflow clock is the real
/// time, so what a browser types as "yesterday" is in the past for the server too.
/// </summary>
public sealed class WorkbenchTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static Task<InspectionPlatform> StartAsync() => InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);

    /// <summary>The confirmations a page asked for, by page: every irreversible step asks, naming what will happen.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, List<string>> Confirmations = new();

    internal static async Task<IPage> SignInAsync(IBrowserContext context, string username)
    {
        var page = await context.NewPageAsync();
        // The person at the keyboard agrees to each confirmation; what they were asked is kept for the test to read.
        var asked = Confirmations.GetOrCreateValue(page);
        page.Dialog += async (_, dialog) =>
        {
            if (dialog.Type != "confirm") return;
            lock (asked) asked.Add(dialog.Message);
            await dialog.AcceptAsync();
        };
        await SignInPage.SignInAsync(page, username, Password);
        return page;
    }

    private static string Yesterday => DateTime.Now.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A drawn and dispatched single-department task made through the API; returns the first inspection and its team's accounts.</summary>
    internal static async Task<(string TaskId, string InspectionId, string[] Team)> DispatchedAsync(InspectionPlatform platform)
    {
        using var scheduler = await platform.As("sched-d1");
        var id = await DrawnTaskAsync(scheduler, joint: false);
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/dispatch", null), HttpStatusCode.OK);
        return await FirstInspectionAsync(platform, id);
    }

    private static async Task<(string TaskId, string InspectionId, string[] Team)> FirstInspectionAsync(InspectionPlatform platform, string taskId)
    {
        await using var connection = await platform.Store.OpenAsync();
        var row = await connection.QueryFirstAsync<(string InspectionId, string Team)>(
            "SELECT inspection_id, team FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId });
        return (taskId, row.InspectionId, row.Team.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => "insp-" + c).ToArray());
    }

    /// <summary>A documentation screenshot: the top of the page, viewport only, so the files stay small.</summary>
    private static async Task ShotAsync(IPage page, string name, string? from = null)
    {
        if (from is null) await page.EvaluateAsync("window.scrollTo(0, 0)");
        else await page.EvalOnSelectorAsync(from, "e => e.scrollIntoView({ block: 'start' })");
        await Screenshots.SaveAsync(page, name, fullPage: false);
    }

    internal static async Task FillItemAsync(IPage page, string item, string code, string? findings, string? place)
    {
        var fieldset = $"fieldset[data-item={item}]";
        await page.CheckAsync($"{fieldset} input[name=code][value=\"{code}\"]");
        if (findings is not null) await page.FillAsync($"{fieldset} textarea[name=findings]", findings);
        await page.FillAsync($"{fieldset} input[name=visitedAt]", Yesterday);
        if (place is not null) await page.FillAsync($"{fieldset} input[name=visitPlace]", place);
    }

    internal static async Task OpenFormAsync(IPage page, string inspectionId)
    {
        await page.GotoAsync($"/app/inspections/{inspectionId}");
        await page.WaitForSelectorAsync("#inspection-form[data-ready=true]");
    }

    /// <summary>
    /// Clicks a control whose action ends with the page reloading itself, and returns once the reloaded page is there: a
    /// mark left on the old page's window is gone (no timer).
    /// </summary>
    private static async Task ClickThenReloadedAsync(IPage page, string selector)
    {
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
    }

    private static async Task ExpectMessageAsync(IPage page, string testId, string text) =>
        await Assertions.Expect(page.Locator($"[data-testid={testId}]")).ToContainTextAsync(text);

    [BrowserFact]
    public async Task A_scheduler_draws_and_dispatches_two_inspectors_record_sign_and_submit_on_phones_a_reviewer_approves_and_publishes()
    {
        // Every long command answers 202 at once here, so the pages follow freeze, draws and dispatch as operations —
        // as they do on a provincial population, where each takes longer than the wait.
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow,
            settings: new Dictionary<string, string?> { ["Supervision:Operations:DefaultWait"] = "00:00:00" });

        // The scheduler: a task with a preview, published, frozen, witnessed, drawn, dispatched.
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d1");
        await page.ClickAsync("nav >> text=抽查任务");
        await Assertions.Expect(page.Locator("[data-testid=scope]")).ToContainTextAsync("D1");
        await page.ClickAsync("[data-testid=new-task]");
        await page.FillAsync("#name", "2026 年食品经营抽查");
        await page.CheckAsync("input[name=items][value=I1]");
        await page.FillAsync("#deadline", DateTime.UtcNow.AddDays(20).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var c in new[] { "A", "B", "C", "D" }) await page.FillAsync($"input[name=count-{c}]", "1");
        // The public randomness the seed will wait for: a future round, named in the plan (draw-spec §3.3).
        await page.FillAsync("#beaconSource", "drand quicknet");
        await page.FillAsync("#beaconRound", "9999999");
        await page.FillAsync("#beaconAt", DateTime.Now.AddHours(2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#preview");
        var preview = page.Locator("[data-testid=preview-table] tbody");
        await Assertions.Expect(preview).ToContainTextAsync("A");
        Assert.Equal(5, await preview.Locator("tr").CountAsync());
        await ShotAsync(page, "workbench-task-preview");
        await page.ClickAsync("#create");
        await page.WaitForURLAsync("**/app/tasks/T*");
        var taskId = page.Url.Split('/')[^1];

        await page.ClickAsync("[data-testid=publish-task]");
        await Assertions.Expect(page.Locator("[data-testid=task-status]")).ToHaveTextAsync("已发布");
        await page.ClickAsync("[data-testid=open-ceremony]");
        await page.ClickAsync("#present-toggle");
        Assert.Contains("present", await page.GetAttributeAsync("body", "class") ?? "");
        // Presentation mode shows the ceremony only: no header and no staff navigation, the toggle still there to leave it.
        await Assertions.Expect(page.Locator("header nav")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#present-toggle")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#present-toggle")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.ClickAsync("[data-testid=freeze]");
        var commitment = await page.Locator("[data-testid=commitment]").InnerTextAsync();
        Assert.Matches("^[0-9a-f]{64}$", commitment.Trim());
        // Two witnesses, each in their own browser, commit: the contribution and its nonce never leave their browser.
        var witnesses = new List<(IBrowserContext Context, IPage Page)>();
        foreach (var (name, dice) in new[] { ("witness-a", "3 1 4 1 5 9"), ("witness-b", "2 7 1 8 2 8") })
        {
            (await platform.Host.UserAsync(name, "witness")).Dispose();
            var context = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
            var w = await SignInAsync(context, name);
            await w.GotoAsync("/app/witness");
            await w.ClickAsync($"a[href='/app/witness/{taskId}']");
            await w.FillAsync("#contribution", dice);
            await w.ClickAsync("[data-testid=commit]");
            await Assertions.Expect(w.Locator("[data-testid=witness-note]")).ToBeVisibleAsync();
            Assert.Equal(dice, await w.InnerTextAsync("#note-value"));
            Assert.Matches("^[0-9a-f]{64}$", await w.InnerTextAsync("#note-nonce"));
            witnesses.Add((context, w));
        }
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=commitment-count]")).ToContainTextAsync("2");
        await page.ClickAsync("[data-testid=close-commitments]");
        await Assertions.Expect(page.Locator("[data-testid=record-beacon]")).ToBeVisibleAsync();
        foreach (var (context, w) in witnesses)
        {
            await w.ReloadAsync();
            await w.ClickAsync("[data-testid=reveal]");
            await Assertions.Expect(w.Locator("[data-testid=revealed]")).ToBeVisibleAsync();
            await context.DisposeAsync();
        }
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=witnesses]")).ToContainTextAsync("3 1 4 1 5 9");
        // The round falls due; its value is recorded once, and the seed is fixed.
        var due = (await ReadAsync(await (await platform.As("sched-d1")).GetAsync($"/api/tasks/{taskId}"), HttpStatusCode.OK))
            .GetProperty("ceremony").GetProperty("record").GetProperty("beacon").GetProperty("expectedAt").GetDateTimeOffset();
        await Ceremonies.LetDueAsync(platform.Host, due, async () =>
        {
            await page.FillAsync("#beacon-value", "8f3a9c");
            await page.ClickAsync("[data-testid=record-beacon]");
            await Assertions.Expect(page.Locator("[data-testid=beacon-value]")).ToHaveTextAsync("8f3a9c");
        });
        await ShotAsync(page, "workbench-ceremony-commitment");
        await page.ClickAsync("[data-testid=draw-entities]");
        await Assertions.Expect(page.Locator("[data-testid=drawn-count]")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("[data-testid=commitment-check] .badge.ok")).ToBeVisibleAsync();
        // Class sizes are confidential: the projector never shows the strata table (draw-spec §11).
        await Assertions.Expect(page.Locator("[data-testid=strata]")).ToBeHiddenAsync();
        Assert.Equal(commitment, await page.Locator("[data-testid=commitment]").InnerTextAsync());
        await page.ClickAsync("[data-testid=draw-inspectors]");
        await Assertions.Expect(page.Locator("[data-testid=inspectors-drawn]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=drawn-list] tbody tr")).ToHaveCountAsync(4);
        await ShotAsync(page, "workbench-ceremony-result", "[data-testid=revealed-secret]");
        // Still in presentation mode after the reloads; Escape leaves it and the navigation comes back.
        await Assertions.Expect(page.Locator("header nav")).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("header nav")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#present-toggle")).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.DoesNotContain("present", await page.GetAttributeAsync("body", "class") ?? "");

        await page.GotoAsync($"/app/tasks/{taskId}");
        await page.ClickAsync("[data-testid=dispatch]");
        await Assertions.Expect(page.Locator("[data-testid=dispatched]")).ToBeVisibleAsync();
        // Each irreversible step asked first, naming what would happen (day-one finding 9).
        var asked = Confirmations.GetOrCreateValue(page);
        foreach (var words in new[] { "发布后任务将向社会公开", "冻结后抽取名单不再改变", "截止后不再接受新的承诺", "公开随机数只能记录一次", "抽取检查对象", "抽取检查组", "派发后各检查组将收到通知" })
            Assert.Contains(asked, m => m.Contains(words, StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("[data-testid=chart-states]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=task-inspections] tbody tr")).ToHaveCountAsync(4);

        // Two inspectors of one team, each on a phone: record with a photo, save, both sign, submit.
        var (_, inspectionId, team) = await FirstInspectionAsync(platform, taskId);
        await using var phone1 = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var lead = await SignInAsync(phone1, team[0]);
        await lead.GotoAsync("/app/my");
        await Assertions.Expect(lead.Locator("[data-testid=my-inspections] li")).Not.ToHaveCountAsync(0);
        // Each card says where and what (day-one finding 10): the address and the items by name.
        Assert.Contains("I1", await lead.InnerTextAsync("[data-testid=my-inspections] li >> nth=0 >> [data-testid=assignment-items]"));
        Assert.True((await lead.InnerTextAsync("[data-testid=my-inspections] li >> nth=0 >> [data-testid=assignment-address]")).Length > "地址: ".Length);
        await ShotAsync(lead, "workbench-my-inspections-phone");
        await OpenFormAsync(lead, inspectionId);
        await FillItemAsync(lead, "I1", "E", "后厨未按规定设置防鼠设施，已当场整改。", "注册地址");
        await lead.SetInputFilesAsync("fieldset[data-item=I1] input[name=evidence]",
            new FilePayload { Name = "kitchen.png", MimeType = "image/png", Buffer = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3] });
        await Assertions.Expect(lead.Locator("fieldset[data-item=I1] .evidence-list li")).ToContainTextAsync("kitchen.png");
        await lead.ClickAsync("[data-testid=save-draft]");
        await ExpectMessageAsync(lead, "form-message", "已保存到服务器");
        await ShotAsync(lead, "workbench-inspection-form-phone");
        await lead.ClickAsync("[data-testid=sign]");
        await ExpectMessageAsync(lead, "form-message", "已签名");

        await using var phone2 = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var mate = await SignInAsync(phone2, team[1]);
        await OpenFormAsync(mate, inspectionId);
        Assert.Equal("后厨未按规定设置防鼠设施，已当场整改。", await mate.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        await mate.ClickAsync("[data-testid=sign]");
        await ExpectMessageAsync(mate, "form-message", "已签名");

        await OpenFormAsync(lead, inspectionId);
        await ClickThenReloadedAsync(lead, "[data-testid=submit]");
        // The receipt outlasts the page's reload: what was done, the version, when and the submit's key (finding 9).
        var receipt = lead.Locator("[data-testid=receipt]");
        await Assertions.Expect(receipt).ToBeVisibleAsync();
        await Assertions.Expect(receipt).ToContainTextAsync("已提交");
        await Assertions.Expect(receipt.Locator("[data-testid=receipt-version]")).ToHaveTextAsync("v1");
        Assert.NotEmpty((await receipt.Locator("[data-testid=receipt-at]").InnerTextAsync()).Trim());
        Assert.NotEmpty((await receipt.Locator("[data-testid=receipt-key]").InnerTextAsync()).Trim());
        await lead.WaitForSelectorAsync("[data-testid=submitted-results]");
        // Shown once: it left the session storage as it was shown; dismissing it takes it off the screen.
        Assert.Null(await lead.EvaluateAsync<string?>($"sessionStorage.getItem('supervision.receipt:{inspectionId}')"));
        await lead.ClickAsync("[data-testid=receipt-dismiss]");
        await Assertions.Expect(receipt).ToBeHiddenAsync();
        Assert.Null(await lead.EvaluateAsync<string?>($"localStorage.getItem('supervision.submit:{inspectionId}')"));

        // The reviewer finds it in the queue, approves, publishes.
        await using var reviewDesk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var reviewer = await SignInAsync(reviewDesk, "rev-d1");
        await reviewer.GotoAsync("/app/review");
        // Template text must not reach the screen (day-one finding 5): "v@r.CurrentVersion", "部门 ,D1,".
        var queue = await reviewer.InnerTextAsync("[data-testid=review-queue]");
        Assert.DoesNotContain("@", queue, StringComparison.Ordinal);
        Assert.DoesNotContain(",D1,", queue, StringComparison.Ordinal);
        Assert.Contains("v1", queue, StringComparison.Ordinal);
        await reviewer.ClickAsync($"[data-testid=review-queue] a[href='/app/inspections/{inspectionId}']");
        Assert.DoesNotContain("@", await reviewer.InnerTextAsync("#submitted-title"), StringComparison.Ordinal);
        await Assertions.Expect(reviewer.Locator("[data-testid=submitted-results]")).ToContainTextAsync("防鼠");
        await ShotAsync(reviewer, "workbench-review");
        await ClickThenReloadedAsync(reviewer, "[data-testid=approve]");
        await Assertions.Expect(reviewer.Locator("[data-testid=inspection-state]")).ToHaveTextAsync("已审核");
        await Assertions.Expect(reviewer.Locator("[data-testid=receipt]")).ToContainTextAsync("已审核通过");
        await ClickThenReloadedAsync(reviewer, "[data-testid=publish-result]");
        await Assertions.Expect(reviewer.Locator("[data-testid=published]")).ToBeVisibleAsync();
        await Assertions.Expect(reviewer.Locator("[data-testid=receipt]")).ToContainTextAsync("已公示");
        Assert.Contains(Confirmations.GetOrCreateValue(reviewer), m => m.Contains("公示后检查结果将向社会公开", StringComparison.Ordinal));

        // The dashboard counts it as completed.
        await page.GotoAsync($"/app/tasks/{taskId}");
        await Assertions.Expect(page.Locator("[data-testid=team-progress]")).ToContainTextAsync("1");
        // The two small charts are tables (issue 16, point 8): a caption, headers, a row per state or team with its number
        // in the page's text, and a bar beside it that screen readers skip; no text smaller than 12 px.
        foreach (var chart in new[] { "chart-states", "chart-teams" })
        {
            var table = page.Locator($"table[data-testid={chart}]");
            Assert.False(string.IsNullOrWhiteSpace(await table.Locator("caption").TextContentAsync()));
            Assert.Equal(2, await table.Locator("thead th[scope=col]").CountAsync());
            Assert.True(await table.Locator("tbody th[scope=row]").CountAsync() > 0);
            Assert.Equal(await table.Locator("tbody tr").CountAsync(), await table.Locator("tbody svg[aria-hidden=true]").CountAsync());
            var sizes = await table.Locator("th, td").EvaluateAllAsync<double[]>("cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))");
            Assert.All(sizes, size => Assert.True(size >= 12, $"{chart}: {size}px"));
        }
        var byState = await page.Locator("table[data-testid=chart-states] tbody td").AllTextContentsAsync();
        Assert.Equal(4, byState.Sum(int.Parse));
        var byTeam = await page.Locator("table[data-testid=chart-teams] tbody td").AllTextContentsAsync();
        Assert.All(byTeam, cell => Assert.Matches(@"^\d+ / \d+$", cell));
        Assert.Contains(byTeam, cell => cell.StartsWith("1 / ", StringComparison.Ordinal));
        await ShotAsync(page, "workbench-task-dashboard", "[data-testid=dashboard]");

        await AssertPublishedAsync(platform, inspectionId);
    }

    /// <summary>The result is public: anyone (a fresh context, no session) finds it on the portal's entity page.</summary>
    private async Task AssertPublishedAsync(InspectionPlatform platform, string inspectionId)
    {
        var creditCode = inspectionId.Split('/')[1];
        await using var visitor = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var portal = await visitor.NewPageAsync();
        var response = await portal.GotoAsync($"/entities/{creditCode}");
        Assert.Equal(200, response!.Status);
        var row = portal.Locator("[data-testid=published-result][data-item=I1]");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-version", "1");
        await ShotAsync(portal, "workbench-published-on-portal");
    }

    [BrowserFact]
    public async Task A_team_mate_saving_first_shows_both_versions_and_keeps_what_was_typed()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var page = await SignInAsync(context, team[0]);
        await OpenFormAsync(page, inspectionId);

        // The team mate saves through the API while this form is open at the old revision.
        using var mate = await platform.As(team[1]);
        var current = await mate.GetAsync($"/api/inspections/{inspectionId}");
        var etag = current.Headers.ETag!.Tag;
        await ReadAsync(await mate.SendAsync(Put($"/api/inspections/{inspectionId}/draft",
            new { items = new[] { new { itemCode = "I1", resultCodes = new[] { "1" }, findings = "同事的记录", evidence = Array.Empty<object>() } } }, etag)), HttpStatusCode.OK);

        await FillItemAsync(page, "I1", "B", "我输入的发现", "经营场所");
        await page.ClickAsync("[data-testid=save-draft]");
        await Assertions.Expect(page.Locator("[data-testid=conflict]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=conflict-theirs]")).ToContainTextAsync("同事的记录");
        await Assertions.Expect(page.Locator("[data-testid=conflict-mine]")).ToContainTextAsync("我输入的发现");
        Assert.Equal("我输入的发现", await page.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        await ExpectMessageAsync(page, "form-message", "412");
        await ShotAsync(page, "workbench-conflict-412");

        // Keeping mine saves it on top of the newer revision.
        await page.ClickAsync("[data-testid=conflict-keep]");
        await ExpectMessageAsync(page, "form-message", "已保存到服务器");
        var saved = await ReadAsync(await mate.GetAsync($"/api/inspections/{inspectionId}"), HttpStatusCode.OK);
        Assert.Equal("我输入的发现", saved.GetProperty("draft")[0].GetProperty("findings").GetString());
    }

    [BrowserFact]
    public async Task A_draft_typed_offline_survives_a_reload_and_a_closed_tab_and_is_cleared_once_saved()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var page = await SignInAsync(context, team[0]);
        await OpenFormAsync(page, inspectionId);

        await Assertions.Expect(page.Locator("[data-testid=retry]")).ToBeHiddenAsync();
        // Typed without a network and never saved: the device keeps it (a save pressed offline is queued and sent by
        // itself once the network returns — PhoneTests).
        await context.SetOfflineAsync(true);
        await FillItemAsync(page, "I1", "A", "断网时输入的整改要求", "仓库");
        await Assertions.Expect(page.Locator("[data-testid=form-status]")).ToContainTextAsync("已保存在本设备");
        await context.SetOfflineAsync(false);

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#inspection-form[data-ready=true]");
        Assert.Equal("断网时输入的整改要求", await page.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        Assert.True(await page.IsCheckedAsync("fieldset[data-item=I1] input[name=code][value=A]"));
        await Assertions.Expect(page.Locator("[data-testid=form-status]")).ToContainTextAsync("已恢复");

        // A closed tab: a new page of the same browser profile finds it too.
        await page.CloseAsync();
        var again = await context.NewPageAsync();
        await OpenFormAsync(again, inspectionId);
        Assert.Equal("仓库", await again.InputValueAsync("fieldset[data-item=I1] input[name=visitPlace]"));

        await again.ClickAsync("[data-testid=save-draft]");
        await ExpectMessageAsync(again, "form-message", "已保存到服务器");
        var keys = await again.EvaluateAsync<string[]>("Object.keys(localStorage).filter(k => k.startsWith('supervision.draft:'))");
        Assert.Empty(keys);
    }

    [BrowserFact]
    public async Task Inspectors_cannot_open_task_pages_and_another_departments_reviewer_sees_nothing_of_ours()
    {
        await using var platform = await StartAsync();
        var (taskId, inspectionId, team) = await DispatchedAsync(platform);

        await using var inspectorContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var inspector = await SignInAsync(inspectorContext, team[0]);
        Assert.Equal(0, await inspector.Locator("nav a[href='/app/tasks']").CountAsync());
        Assert.Equal(1, await inspector.Locator("nav a[href='/app/my']").CountAsync());
        foreach (var path in new[] { "/app/tasks", $"/app/tasks/{taskId}", $"/app/tasks/{taskId}/ceremony", "/app/tasks/new", "/app/review", "/app/entities" })
        {
            await inspector.GotoAsync(path);
            Assert.Contains("/app/denied", inspector.Url);
        }

        await using var otherContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var other = await SignInAsync(otherContext, "rev-d3");
        await other.GotoAsync("/app/tasks");
        await Assertions.Expect(other.Locator("[data-testid=scope]")).ToContainTextAsync("D3");
        Assert.Equal(0, await other.Locator("[data-testid=task-list] tbody tr").CountAsync());
        await other.GotoAsync("/app/review");
        Assert.Equal(0, await other.Locator("[data-testid=review-queue] li").CountAsync());
        await other.GotoAsync($"/app/tasks/{taskId}");
        Assert.Contains("/app/denied", other.Url);
        var response = await other.GotoAsync($"/app/inspections/{inspectionId}");
        Assert.Equal(404, response!.Status);
        await other.GotoAsync("/app/inspectors");
        Assert.Equal(0, await other.Locator("[data-testid=record-list] tbody tr").CountAsync());

        // The same reviewer of D1 does see the task.
        await using var ownContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var own = await SignInAsync(ownContext, "rev-d1");
        await own.GotoAsync("/app/tasks");
        await Assertions.Expect(own.Locator($"[data-testid=task-list] a[href='/app/tasks/{taskId}']")).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task An_import_answered_202_is_followed_on_the_page_through_its_operation_to_its_report()
    {
        // Every long command answers 202 at once here, as a provincial file does after the wait.
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow,
            settings: new Dictionary<string, string?> { ["Supervision:Operations:DefaultWait"] = "00:00:00" });
        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(context, "sched-d1");
        var accepted = new List<int>();
        var followed = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Request.Method == "POST" && r.Url.Contains("/api/imports/inspectors", StringComparison.Ordinal)) accepted.Add(r.Status);
            if (r.Request.Method == "GET" && r.Url.Contains("/api/operations/op-", StringComparison.Ordinal)) followed.Add(r.Url);
        };

        // Inspectors of the scheduler's department and one of another's, which the rule of the route rejects when the operation runs.
        var csv = "certificateNo,name,departmentCode,certificateExpiresOn\nPAGE-D1-1,赵一,D1,2030-01-01\nPAGE-D1-2,孙二,D1,2030-01-01\nPAGE-D2-1,钱三,D2,2030-01-01\n";
        await page.GotoAsync("/app/imports");
        await page.SelectOptionAsync("#kind", "inspectors");
        await page.SetInputFilesAsync("#file", new FilePayload { Name = "team.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await page.ClickAsync("[data-testid=start-import]");
        var counters = page.Locator("[data-testid=import-counters]");
        await Assertions.Expect(counters).ToContainTextAsync("完成", new() { Timeout = 60_000 });
        await Assertions.Expect(counters).ToContainTextAsync("新增 2");
        await Assertions.Expect(counters).ToContainTextAsync("拒绝 1");
        await Assertions.Expect(page.Locator("[data-testid=form-message]")).ToContainTextAsync("导入完成");
        Assert.Equal([202], accepted);
        Assert.NotEmpty(followed);
        Assert.All(followed, url => Assert.Equal(followed[0], url));
        Assert.Equal(await page.EvalOnSelectorAsync<double>("#import-progress", "p => p.max"), await page.EvalOnSelectorAsync<double>("#import-progress", "p => p.value"));
        await Assertions.Expect(page.Locator("[data-testid=error-report]")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=error-report]"));
        Assert.Contains("4,departmentCode,", await File.ReadAllTextAsync(await download.PathAsync()), StringComparison.Ordinal);

        // What the page showed is what was stored: two inspectors of D1, none of D2.
        Assert.Equal(2, await platform.ScalarAsync("SELECT count(*) FROM inspectors WHERE certificate_no LIKE 'PAGE-D1-%'"));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM inspectors WHERE certificate_no = 'PAGE-D2-1'"));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=import-jobs]")).ToContainTextAsync("team.csv");
    }

    [BrowserFact]
    public async Task Directories_are_searched_edited_with_a_412_view_and_bulk_imported_with_progress_and_an_error_report()
    {
        await using var platform = await StartAsync();
        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(context, "sched-d1");

        // Bulk import: 3,000 generated entities and one broken line.
        using var csv = new MemoryStream();
        new Supervision.Core.Registry.SyntheticDirectory(12, 3000, 0).WriteEntitiesCsv(csv);
        var bytes = csv.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes("NOT-A-CODE,,坏行,,52,210782,,,open,,B,\r\n")).ToArray();
        await page.GotoAsync("/app/imports");
        await page.SetInputFilesAsync("#file", new FilePayload { Name = "entities-upload.csv", MimeType = "text/csv", Buffer = bytes });
        await page.ClickAsync("[data-testid=start-import]");
        await Assertions.Expect(page.Locator("[data-testid=import-counters]")).ToContainTextAsync("完成", new() { Timeout = 60_000 });
        Assert.Equal(await page.EvalOnSelectorAsync<double>("#import-progress", "p => p.max"), await page.EvalOnSelectorAsync<double>("#import-progress", "p => p.value"));
        await Assertions.Expect(page.Locator("[data-testid=error-report]")).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=error-report]"));
        var report = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("creditCode", report);
        await ShotAsync(page, "workbench-import");

        // Search and edit an entity; someone else saves first; keep mine.
        await page.GotoAsync("/app/entities?q=" + Uri.EscapeDataString("有限"));
        await Assertions.Expect(page.Locator("[data-testid=scope]")).ToContainTextAsync("D1");
        await page.ClickAsync("[data-testid=record-list] tbody tr >> nth=0 >> a");
        var code = await page.InputValueAsync("#f-creditCode");
        await page.FillAsync("#f-address", "辽宁省沈阳市和平区测试路 1 号");
        using var admin = await platform.Host.AdminAsync();
        var current = await admin.GetAsync($"/api/entities/{code}");
        var entity = await ReadAsync(current, HttpStatusCode.OK);
        using (var change = Put($"/api/entities/{code}", new
        {
            name = entity.GetProperty("name").GetString() + "（更名）",
            industryCode = entity.GetProperty("industryCode").GetString(),
            divisionCode = entity.GetProperty("divisionCode").GetString(),
            status = "open",
        }, current.Headers.ETag!.Tag))
        {
            await ReadAsync(await admin.SendAsync(change), HttpStatusCode.OK);
        }

        await page.ClickAsync("[data-testid=save-record]");
        await Assertions.Expect(page.Locator("[data-testid=conflict]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#conflict-theirs")).ToContainTextAsync("更名");
        Assert.Equal("辽宁省沈阳市和平区测试路 1 号", await page.InputValueAsync("#f-address"));
        await page.ClickAsync("#conflict-keep");
        await ExpectMessageAsync(page, "form-message", "已保存");
        var saved = await ReadAsync(await admin.GetAsync($"/api/entities/{code}"), HttpStatusCode.OK);
        Assert.Equal("辽宁省沈阳市和平区测试路 1 号", saved.GetProperty("address").GetString());

        // Bad input gets a readable message naming the field, not a crash.
        await page.GotoAsync("/app/items/new");
        await page.FillAsync("#f-code", "I9");
        await page.ClickAsync("[data-testid=save-record]");
        await Assertions.Expect(page.Locator("[data-testid=form-message]")).ToContainTextAsync("name");

        // Inspectors: only D1's.
        await page.GotoAsync("/app/inspectors");
        await Assertions.Expect(page.Locator("[data-testid=record-list]")).ToContainTextAsync("C0000");
        Assert.Equal(0, await page.Locator("[data-testid=record-list] >> text=C0100").CountAsync());
    }

    [Fact]
    public async Task The_task_preview_counts_the_population_per_class_and_names_bad_fields()
    {
        await using var platform = await StartAsync();
        using var scheduler = await platform.As("sched-d1");
        var preview = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", new
        {
            leadDepartment = "D1",
            items = new[] { "I1" },
            sampling = new { mode = "stratified", classes = new[] { new { creditClass = "A", count = 2 } } },
        }), HttpStatusCode.OK);
        var classes = preview.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(["A", "B", "C", "D"], classes.Select(c => c.GetProperty("creditClass").GetString()));
        Assert.Equal(2m, classes[0].GetProperty("expectedSample").GetDecimal());
        await using (var connection = await platform.Store.OpenAsync())
        {
            var open = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM market_entities WHERE status = 'open'");
            Assert.Equal(open, preview.GetProperty("population").GetInt64());
        }

        // A joint task (D1 leads, D2 joins, one item each) previews under the same rules.
        var joint = await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", new
        {
            leadDepartment = "D1",
            participatingDepartments = new[] { "D2" },
            items = new[] { "I1", "I2" },
            sampling = new { mode = "pareto", total = 10 },
        }), HttpStatusCode.OK);
        Assert.Equal(10m, joint.GetProperty("expectedSample").GetDecimal(), 1);

        var bad = await ProblemAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", new { leadDepartment = "D1", items = new[] { "I1" }, sampling = new { mode = "lottery" } }),
            HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("sampling.mode", out _));

        using var inspector = await platform.As("insp-C0000");
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsJsonAsync("/api/tasks/preview", new { leadDepartment = "D1" })).StatusCode);
    }

    /// <summary>Submits the inspection's result through the API, as its team would: saved, signed by both, submitted.</summary>
    private static async Task SubmitThroughApiAsync(InspectionPlatform platform, string inspectionId, string[] team, string[] codes)
    {
        using var lead = await platform.As(team[0]);
        using var mate = await platform.As(team[1]);
        var url = $"/api/inspections/{inspectionId}";
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", codes)]), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await lead.SendAsync(Submit(url, "web-queue-" + inspectionId)), HttpStatusCode.OK);
    }

    // Finding 9: the queue had no result summary and no "next"; an approval flashed before a reload.
    [BrowserFact]
    public async Task A_reviewer_reads_the_summaries_in_the_queue_and_goes_from_one_result_to_the_next_with_a_lasting_receipt()
    {
        await using var platform = await StartAsync();
        var (taskId, _, _) = await DispatchedAsync(platform);
        List<(string InspectionId, string Team)> rows;
        await using (var connection = await platform.Store.OpenAsync())
            rows = (await connection.QueryAsync<(string, string)>(
                "SELECT inspection_id, team FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId })).AsList();
        string[] TeamOf(int i) => rows[i].Team.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => "insp-" + c).ToArray();
        var (first, second) = (rows[0].InspectionId, rows[1].InspectionId);
        await SubmitThroughApiAsync(platform, first, TeamOf(0), ["E"]);
        await SubmitThroughApiAsync(platform, second, TeamOf(1), ["1"]);

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var reviewer = await SignInAsync(desk, "rev-d1");
        await reviewer.GotoAsync("/app/review");
        // Each result says what was found, in words, with the entity and the team.
        var one = reviewer.Locator($"[data-testid=review-queue] [data-inspection='{first}']");
        await Assertions.Expect(one.Locator("[data-testid=queue-results]")).ToContainTextAsync("I1");
        await Assertions.Expect(one.Locator("[data-testid=queue-results]")).ToContainTextAsync("E 发现问题经责令已改正");
        await Assertions.Expect(one.Locator("[data-testid=queue-outcome]")).ToHaveTextAsync("发现违法违规问题");
        foreach (var member in TeamOf(0)) await Assertions.Expect(one.Locator("[data-testid=queue-team]")).ToContainTextAsync(member["insp-".Length..]);
        Assert.Contains(first.Split('/')[1], await one.InnerTextAsync());
        var two = reviewer.Locator($"[data-testid=review-queue] [data-inspection='{second}']");
        await Assertions.Expect(two.Locator("[data-testid=queue-results]")).ToContainTextAsync("1 未发现问题");
        await Assertions.Expect(two.Locator("[data-testid=queue-outcome]")).ToHaveTextAsync("未发现违法违规问题");
        await ShotAsync(reviewer, "workbench-review-queue");

        // The first: approved; the receipt outlasts the reload and leads on to the next in the queue.
        await reviewer.ClickAsync($"[data-testid=review-queue] a[href='/app/inspections/{first}']");
        await Assertions.Expect(reviewer.Locator("[data-testid=next-in-queue]")).ToHaveAttributeAsync("href", $"/app/inspections/{second}");
        await ClickThenReloadedAsync(reviewer, "[data-testid=approve]");
        var receipt = reviewer.Locator("[data-testid=receipt]");
        await Assertions.Expect(receipt).ToBeVisibleAsync();
        await Assertions.Expect(receipt).ToContainTextAsync("已审核通过");
        await Assertions.Expect(receipt).ToContainTextAsync("D1");
        await Assertions.Expect(receipt.Locator("[data-testid=receipt-version]")).ToHaveTextAsync("v1");
        await Assertions.Expect(receipt.Locator("[data-testid=receipt-state]")).ToHaveTextAsync("已审核");
        await ShotAsync(reviewer, "workbench-review-receipt");
        await reviewer.ClickAsync("[data-testid=receipt-next]");
        await reviewer.WaitForURLAsync($"**/app/inspections/{second}");

        // The second: returned with a reason; nothing else waits, so the page says so.
        await reviewer.FillAsync("#return-reason", "请补充现场照片。");
        await ClickThenReloadedAsync(reviewer, "[data-testid=return]");
        await Assertions.Expect(receipt).ToContainTextAsync("已退回检查组");
        await Assertions.Expect(receipt).ToContainTextAsync("请补充现场照片。");
        // The approved first one waits to be published: "next" leads there.
        await Assertions.Expect(reviewer.Locator("[data-testid=next-in-queue]")).ToHaveAttributeAsync("href", $"/app/inspections/{first}");
        await reviewer.GotoAsync("/app/review");
        await Assertions.Expect(reviewer.Locator("[data-testid=review-queue] li")).ToHaveCountAsync(0);
        await Assertions.Expect(reviewer.Locator($"[data-testid=publish-queue] [data-inspection='{first}']")).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task A_reviewer_returns_a_result_with_a_reason_and_the_team_sees_it()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        using var lead = await platform.As(team[0]);
        using var mate = await platform.As(team[1]);
        var url = $"/api/inspections/{inspectionId}";
        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", ["1"])]), etag)), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mate.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await lead.SendAsync(Submit(url, "web-return-test")), HttpStatusCode.OK);

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var reviewer = await SignInAsync(desk, "rev-d1");
        await reviewer.GotoAsync($"/app/inspections/{inspectionId}");
        await reviewer.ClickAsync("[data-testid=return]");
        await Assertions.Expect(reviewer.Locator("#review-message")).ToContainTextAsync("reason");
        await reviewer.FillAsync("#return-reason", "缺少现场照片，请补充。");
        await reviewer.ClickAsync("[data-testid=return]");
        await Assertions.Expect(reviewer.Locator("[data-testid=inspection-state]")).ToHaveTextAsync("已退回");

        await using var phone = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var page = await SignInAsync(phone, team[0]);
        await OpenFormAsync(page, inspectionId);
        await Assertions.Expect(page.Locator("[data-testid=last-return]")).ToContainTextAsync("缺少现场照片");
        Assert.False(await page.IsDisabledAsync("[data-testid=save-draft]"));
    }
    [BrowserFact]
    public async Task A_participating_departments_scheduler_accepts_a_joint_task_on_its_page_before_it_can_be_frozen()
    {
        await using var platform = await StartAsync();
        using var lead = await platform.As("sched-d1");
        var created = await ReadAsync(await lead.PostAsJsonAsync("/api/tasks", new
        {
            name = "Joint by consent",
            leadDepartment = "D1",
            participatingDepartments = new[] { "D2" },
            items = new[] { "I1", "I2" },
            sampling = new { mode = "pareto", total = 4 },
            teamSize = 2,
            deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
            beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await lead.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        await ProblemAsync(await lead.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.Conflict);

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d2");
        await page.GotoAsync($"/app/tasks/{id}");
        await Assertions.Expect(page.Locator("[data-testid=participation]")).ToContainTextAsync("D2: 待确认");
        await page.ClickAsync("[data-testid=accept-participation]");
        await Assertions.Expect(page.Locator("[data-testid=participation]")).ToContainTextAsync("D2: 已同意");
        await Assertions.Expect(page.Locator("[data-testid=accept-participation]")).ToHaveCountAsync(1); // may still change its mind before the freeze

        await ReadAsync(await lead.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=accept-participation]")).ToHaveCountAsync(0);
    }
    // Day-one finding 3: a failed team draw left the task stuck with nothing on screen to say why or what to do.
    [BrowserFact]
    public async Task A_failed_team_draw_is_shown_on_the_ceremony_with_the_way_out_and_the_task_is_cancelled_with_a_reason()
    {
        await using var platform = await StartAsync();
        using var lead = await platform.As("sched-d1");
        // Capacity is checked at the freeze; what still stops a team draw depends on the drawn entities: all D1 inspectors
        // but one declared a conflict with every entity, and teams are of two.
        await using (var connection = await platform.Store.OpenAsync())
        {
            var first = await connection.ExecuteScalarAsync<string>("SELECT min(certificate_no) FROM inspectors WHERE department_code = 'D1'");
            await connection.ExecuteAsync(
                "UPDATE inspectors SET conflicts = (SELECT group_concat(credit_code, ',') FROM market_entities) WHERE department_code = 'D1' AND certificate_no <> @first",
                new { first });
        }
        var created = await ReadAsync(await lead.PostAsJsonAsync("/api/tasks", new
        {
            name = "Too many for the inspectors", leadDepartment = "D1", items = new[] { "I1" }, sampling = new { mode = "pareto", total = 5 },
            teamSize = 2, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30), beacon = Ceremonies.Beacon(),
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await ReadAsync(await lead.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        await ReadAsync(await lead.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        await Ceremonies.RunAsync(platform.Host, lead, id, "2 7 1 8");
        await ReadAsync(await lead.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        await ProblemAsync(await lead.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.UnprocessableEntity);

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d1");
        page.Dialog += async (_, dialog) =>
        {
            if (dialog.Type == "prompt") await dialog.AcceptAsync("检查人员不足，改期重新组织");
        };
        await page.GotoAsync($"/app/tasks/{id}/ceremony");
        var failed = page.Locator("[data-testid=operation-failed]");
        await Assertions.Expect(failed).ToContainTextAsync("抽取检查组");
        await Assertions.Expect(failed).ToContainTextAsync("取消本任务");
        await ShotAsync(page, "workbench-ceremony-team-draw-failed", "[data-testid=operation-failed]");
        await page.GotoAsync($"/app/tasks/{id}/ceremony?lang=en");
        await Assertions.Expect(failed).ToContainTextAsync("The team draw did not complete");
        await Assertions.Expect(failed).ToContainTextAsync("Ask on its page to cancel the task with a reason");
        await page.GotoAsync($"/app/tasks/{id}/ceremony?lang=zh");

        // The way out: the scheduler asks for a redraw with a reason and a new beacon round; another person approves.
        await page.ClickAsync("[data-testid=way-out]");
        await page.ClickAsync("[data-testid=request-cancel] summary");
        await page.FillAsync("#cancel-reason", "检查人员不足，补充后重新抽取");
        await page.CheckAsync("#cancel-redraw");
        await page.FillAsync("#redraw-source", "drand quicknet");
        await page.FillAsync("#redraw-round", "7777777");
        await page.FillAsync("#redraw-at", DateTime.Now.AddHours(3).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("[data-testid=submit-cancel-request]");
        await Assertions.Expect(page.Locator("[data-testid=pending-cancel]")).ToContainTextAsync("检查人员不足");
        await Assertions.Expect(page.Locator("[data-testid=task-status]")).ToHaveTextAsync("已抽取主体");
        await Assertions.Expect(page.Locator("[data-testid=approve-cancel]")).ToHaveCountAsync(0);

        (await platform.Host.UserAsync("admin-2", "admin")).Dispose();
        await using var office = await browser.NewContextAsync(platform.Host.BaseAddress);
        var approver = await SignInAsync(office, "admin-2");
        await approver.GotoAsync($"/app/tasks/{id}");
        await approver.ClickAsync("[data-testid=approve-cancel]");
        await Assertions.Expect(approver.Locator("[data-testid=task-status]")).ToHaveTextAsync("已取消");
        Assert.Contains(Confirmations.GetOrCreateValue(approver), m => m.Contains("批准后任务即取消", StringComparison.Ordinal));
        await approver.ClickAsync("[data-testid=replaced-by] a");
        await Assertions.Expect(approver.Locator("[data-testid=replaces]")).ToContainTextAsync(id);
        await Assertions.Expect(approver.Locator("[data-testid=task-status]")).ToHaveTextAsync("草稿");
    }

    // A member who cannot serve after dispatch is replaced from the task page: the scheduler names who leaves and why,
    // the draw's rule names who joins, and the inspection's team changes with the public record.
    [BrowserFact]
    public async Task A_scheduler_replaces_a_team_member_after_dispatch_from_the_task_page()
    {
        await using var platform = await StartAsync();
        var (taskId, inspectionId, team) = await DispatchedAsync(platform);
        var entity = inspectionId[(taskId.Length + 1)..];
        var leaving = team[1]["insp-".Length..];

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d1");
        await page.GotoAsync($"/app/tasks/{taskId}");
        await page.ClickAsync("[data-testid=replace-member] summary");
        await page.SelectOptionAsync("#replace-member", $"{entity}|{leaving}");
        await page.FillAsync("#replace-reason", "事后发现与该主体负责人存在亲属关系，申请回避");
        await ClickThenReloadedAsync(page, "[data-testid=submit-replacement]");
        Assert.Contains(Confirmations.GetOrCreateValue(page), m => m.Contains("更换记录将公开", StringComparison.Ordinal));

        await using (var connection = await platform.Store.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId AND certificate_no = @leaving", new { inspectionId, leaving }));
            Assert.Equal(2, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId", new { inspectionId }));
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM audit_log WHERE action = 'task.replace-inspector' AND subject_key = @taskId", new { taskId }));
        }
        // The leaver is no longer offered for that entity; the public task record lists the step with its reason.
        await Assertions.Expect(page.Locator($"#replace-member option[value='{entity}|{leaving}']")).ToHaveCountAsync(0);
        // In English the form says the same; the newcomer is offered for that entity, by name and certificate.
        await page.GotoAsync($"/app/tasks/{taskId}?lang=en");
        await Assertions.Expect(page.Locator("[data-testid=replace-member] summary")).ToHaveTextAsync("Replace a team member");
        await Assertions.Expect(page.Locator($"#replace-member option[value^='{entity}|']")).ToHaveCountAsync(2);
        await page.GotoAsync($"/app/tasks/{taskId}?lang=zh");
        using var anonymous = platform.Host.Anonymous();
        var record = await ReadAsync(await anonymous.GetAsync($"/api/public/v1/tasks/{taskId}"), HttpStatusCode.OK);
        Assert.Contains(record.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("step").GetString() == "replace-inspector"
            && a.GetProperty("detail").GetString() == "事后发现与该主体负责人存在亲属关系，申请回避");
    }

    /// <summary>Fills the task form's name, deadline and beacon (no item) and presses "create".</summary>
    private static async Task CreateTaskAsync(IPage page, string name, int deadlineInDays)
    {
        await page.FillAsync("#name", name);
        await page.FillAsync("#deadline", DateTime.UtcNow.AddDays(deadlineInDays).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#beaconSource", "drand quicknet");
        await page.FillAsync("#beaconRound", "9999999");
        await page.FillAsync("#beaconAt", DateTime.Now.AddHours(2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#create");
    }

    // Day-one finding 4: a refusal was the API's English text in one box away from the field, and stayed after the fix.
    // Now each reason sits beside its field, in the page's language, is listed above (linked) and goes once the field changes.
    // The words come from each error's code and arguments ("fieldErrors"), not from the English reason: in English too the
    // page says its own sentence ("Choose at least one"), not the server's ("name at least one inspection item").
    [BrowserFact]
    public async Task A_refused_form_says_each_reason_beside_its_field_in_the_pages_language_until_it_is_corrected()
    {
        await using var platform = await StartAsync();
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d1");
        await page.GotoAsync("/app/tasks/new");
        await CreateTaskAsync(page, "字段错误演示", deadlineInDays: -3);

        var itemsNote = page.Locator("#items + .field-error");
        var deadlineNote = page.Locator("#deadline + .field-error");
        await Assertions.Expect(itemsNote).ToHaveTextAsync("请至少选择一项");
        await Assertions.Expect(deadlineNote).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^不能早于 \d{4}-\d{2}-\d{2}$"));
        await Assertions.Expect(page.Locator("#deadline")).ToHaveAttributeAsync("aria-invalid", "true");
        var summary = page.Locator("#form-message");
        await Assertions.Expect(summary).ToContainTextAsync("请更正标出的内容（2 处）");
        await Assertions.Expect(summary.Locator("a")).ToHaveCountAsync(2);
        await Assertions.Expect(summary.Locator("a").First).ToContainTextAsync("请至少选择一项");
        await Assertions.Expect(summary.Locator("a").Nth(1)).ToContainTextAsync("不能早于 ");
        Assert.DoesNotContain("The request is invalid", await summary.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("name at least one", await summary.InnerTextAsync(), StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, "workbench-field-errors");

        // Corrected one by one: each reason goes with its fix; the list goes with the last.
        await page.CheckAsync("input[name=items][value=I1]");
        await Assertions.Expect(itemsNote).ToHaveCountAsync(0);
        await Assertions.Expect(summary).ToContainTextAsync("（1 处）");
        await page.FillAsync("#deadline", DateTime.UtcNow.AddDays(20).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(deadlineNote).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#deadline")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(summary).ToHaveTextAsync("");

        // In English the same refusal reads in English.
        await page.GotoAsync("/app/tasks/new?lang=en");
        await CreateTaskAsync(page, "Field errors", deadlineInDays: 20);
        await Assertions.Expect(itemsNote).ToHaveTextAsync("Choose at least one");
        await Assertions.Expect(summary).ToContainTextAsync("Please correct what is marked (1)");
        await Assertions.Expect(summary.Locator("a")).ToContainTextAsync("Choose at least one");
        // The language cookie keeps English on the next page without ?lang=.
        await page.GotoAsync("/app/tasks/new");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await CreateTaskAsync(page, "Field errors", deadlineInDays: -3);
        await Assertions.Expect(deadlineNote).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Must not be before \d{4}-\d{2}-\d{2}$"));
        Assert.DoesNotContain("must not be in the past", await summary.InnerTextAsync(), StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, "workbench-field-errors-en");
        await page.GotoAsync("/app/tasks/new?lang=zh");

        // The inspection form: a visit in the future is refused beside the item's time, and goes when it is changed.
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var phone = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var lead = await SignInAsync(phone, team[0]);
        await OpenFormAsync(lead, inspectionId);
        await FillItemAsync(lead, "I1", "1", null, "注册地址");
        var visited = lead.Locator("fieldset[data-item=I1] input[name=visitedAt]");
        await visited.FillAsync(DateTime.Now.AddDays(2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await lead.ClickAsync("[data-testid=save-draft]");
        var visitedNote = lead.Locator("fieldset[data-item=I1] input[name=visitedAt] + .field-error");
        await Assertions.Expect(visitedNote).ToHaveTextAsync("不能晚于现在");
        await Assertions.Expect(lead.Locator("[data-testid=form-message]")).ToContainTextAsync("检查时间");
        await lead.Locator("[data-testid=form-message]").ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(lead, "workbench-field-errors-phone", fullPage: false);
        await visited.FillAsync(Yesterday);
        await Assertions.Expect(visitedNote).ToHaveCountAsync(0);

        // The phone in English says the same from the code.
        await lead.GotoAsync($"/app/inspections/{inspectionId}?lang=en");
        await lead.WaitForSelectorAsync("#inspection-form[data-ready=true]");
        await visited.FillAsync(DateTime.Now.AddDays(2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await lead.ClickAsync("[data-testid=save-draft]");
        await Assertions.Expect(visitedNote).ToHaveTextAsync("Must not be in the future");
        await lead.Locator("[data-testid=form-message]").ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(lead, "workbench-field-errors-phone-en", fullPage: false);
        await lead.GotoAsync($"/app/inspections/{inspectionId}?lang=zh");
    }

    // Day-one finding 6: teams were certificate numbers with an unexplained ★, departments and items codes. Staff pages now
    // name departments, items and inspectors and say the lead in words; the public task page names the departments.
    [BrowserFact]
    public async Task Staff_and_public_pages_show_names_and_the_lead_in_words_not_codes()
    {
        await using var platform = await StartAsync();
        var (taskId, inspectionId, team) = await DispatchedAsync(platform);
        var lead = team[0]["insp-".Length..];
        await using (var connection = await platform.Store.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE departments SET name = '大连市市场监督管理局' WHERE code = 'D1'");
            await connection.ExecuteAsync("UPDATE inspection_items SET name = '营业执照公示情况检查' WHERE code = 'I1'");
            await connection.ExecuteAsync("UPDATE inspectors SET name = '王伟' WHERE certificate_no = @lead", new { lead });
        }

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await SignInAsync(desk, "sched-d1");
        await page.GotoAsync($"/app/tasks/{taskId}?lang=zh");
        await Assertions.Expect(page.Locator("[data-testid=task-departments]")).ToHaveTextAsync("大连市市场监督管理局（牵头）");
        await Assertions.Expect(page.Locator("[data-testid=task-items]")).ToHaveTextAsync("营业执照公示情况检查");
        var teamCell = page.Locator("[data-testid=inspection-team]").First;
        await Assertions.Expect(teamCell).ToContainTextAsync("王伟（组长）");
        Assert.DoesNotContain("★", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await ShotAsync(page, "workbench-task-names");

        await page.GotoAsync($"/app/inspections/{inspectionId}");
        await Assertions.Expect(page.Locator("[data-testid=lead-department]")).ToHaveTextAsync("大连市市场监督管理局");
        await Assertions.Expect(page.Locator("[data-testid=team]")).ToContainTextAsync($"王伟（组长） {lead}");
        Assert.DoesNotContain("★", await page.InnerTextAsync("[data-testid=team]"), StringComparison.Ordinal);

        // The ceremony's drawn list names each team, the lead in words.
        await page.GotoAsync($"/app/tasks/{taskId}/ceremony");
        await Assertions.Expect(page.Locator("[data-testid=drawn-team]", new() { HasText = "王伟（组长）" }).First).ToBeVisibleAsync();
        Assert.DoesNotContain(lead, await page.InnerTextAsync("[data-testid=drawn-list]"), StringComparison.Ordinal);

        // The directories name each record's department and say methods and states in words.
        await page.GotoAsync("/app/items");
        var itemRow = page.Locator("[data-testid=record-list] tbody tr", new() { HasText = "营业执照公示情况检查" });
        await Assertions.Expect(itemRow).ToContainTextAsync("大连市市场监督管理局");
        await Assertions.Expect(itemRow).ToContainTextAsync("现场检查");
        await page.GotoAsync("/app/inspectors");
        var inspectorRow = page.Locator("[data-testid=record-list] tbody tr", new() { HasText = "王伟" });
        await Assertions.Expect(inspectorRow).ToContainTextAsync("大连市市场监督管理局");
        await Assertions.Expect(inspectorRow).ToContainTextAsync("在岗");

        await page.GotoAsync($"/app/inspections/{inspectionId}?lang=en");
        await Assertions.Expect(page.Locator("[data-testid=team]")).ToContainTextAsync($"王伟 (lead) {lead}");
        await page.GotoAsync($"/app/tasks/{taskId}");
        await Assertions.Expect(page.Locator("[data-testid=task-departments]")).ToHaveTextAsync("大连市市场监督管理局 (lead)");
        await ShotAsync(page, "workbench-task-names-en");
        await page.GotoAsync($"/app/tasks/{taskId}?lang=zh");

        // On the inspector's phone the team reads the same, in either language.
        await using var phone = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var inspector = await SignInAsync(phone, team[0]);
        await OpenFormAsync(inspector, inspectionId);
        await Assertions.Expect(inspector.Locator("[data-testid=team]")).ToContainTextAsync("王伟（组长）");
        var legend = inspector.Locator("fieldset[data-item=I1] legend");
        await Assertions.Expect(legend).ToContainTextAsync("营业执照公示情况检查");
        await Assertions.Expect(legend).ToContainTextAsync("大连市市场监督管理局 · 现场检查");
        Assert.DoesNotContain("OnSite", await legend.InnerTextAsync(), StringComparison.Ordinal);
        await Screenshots.SaveAsync(inspector, "workbench-inspection-names-phone", fullPage: false);
        await inspector.GotoAsync($"/app/inspections/{inspectionId}?lang=en");
        await Assertions.Expect(inspector.Locator("[data-testid=team]")).ToContainTextAsync("王伟 (lead)");
        await Assertions.Expect(legend).ToContainTextAsync("on site");
        await Screenshots.SaveAsync(inspector, "workbench-inspection-names-phone-en", fullPage: false);

        // The review queue's card names the task's departments too.
        await SubmitThroughApiAsync(platform, inspectionId, team, ["1"]);
        await using var reviewDesk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var reviewer = await SignInAsync(reviewDesk, "rev-d1");
        await reviewer.GotoAsync("/app/review?lang=zh");
        var card = reviewer.Locator($"[data-testid=review-queue] [data-inspection='{inspectionId}']");
        await Assertions.Expect(card).ToContainTextAsync("部门 大连市市场监督管理局");

        // The public reads the departments by name and sees no inspector's name or certificate.
        await using var visitor = await browser.NewContextAsync(platform.Host.BaseAddress);
        var portal = await visitor.NewPageAsync();
        await portal.GotoAsync($"/tasks/{taskId}");
        await Assertions.Expect(portal.Locator("[data-testid=lead-department]")).ToHaveTextAsync("大连市市场监督管理局");
        await portal.GotoAsync("/tasks");
        await Assertions.Expect(portal.Locator("main")).ToContainTextAsync("大连市市场监督管理局");
        var text = await portal.InnerTextAsync("main");
        Assert.DoesNotContain("王伟", text, StringComparison.Ordinal);
        Assert.DoesNotContain(lead, text, StringComparison.Ordinal);
    }

    // Day-one finding 1: with a letter and a digit ticked together the draft saved, but sign and submit stayed disabled —
    // the page kept the codes in tick order and the server in ordinal order, so the draft always looked unsaved.
    [BrowserFact]
    public async Task An_inspector_signs_a_finding_with_a_letter_and_a_digit_code()
    {
        await using var platform = await StartAsync();
        // I1 allows "3" too (a violation found and handled on the spot), listed after the letters as on the real code table.
        await using (var connection = await platform.Store.OpenAsync())
            await connection.ExecuteAsync("UPDATE inspection_items SET result_codes = '1,A,B,E,3,6,F' WHERE code = 'I1'");
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var phone = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var lead = await SignInAsync(phone, team[0]);
        await OpenFormAsync(lead, inspectionId);
        await FillItemAsync(lead, "I1", "A", "未在经营场所公示许可证，另有超范围经营。", "注册地址");
        await lead.CheckAsync("fieldset[data-item=I1] input[name=code][value=\"3\"]");
        await lead.ClickAsync("[data-testid=save-draft]");
        await ExpectMessageAsync(lead, "form-message", "已保存到服务器");
        await Assertions.Expect(lead.Locator("[data-testid=sign]")).ToBeEnabledAsync();
        await lead.ClickAsync("[data-testid=sign]");
        await ExpectMessageAsync(lead, "form-message", "已签名");
        // Reloaded, the saved codes are still not "unsaved".
        await OpenFormAsync(lead, inspectionId);
        await Assertions.Expect(lead.Locator("[data-testid=sign]")).ToBeDisabledAsync(); // signed already
        Assert.Equal("", (await lead.InnerTextAsync("#form-status")).Trim());
    }
}
