using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;
using static Supervision.IntegrationTests.Web.WorkbenchTests;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// The inspector's phone (issue 16, finding 10): the home page lists the assignments, the form fits a 360 px screen
/// with 44 px touch targets, and the form reopens and keeps working without a network — what is saved offline is
/// queued and sent when the network returns, and a conflict is shown, never dropped.
/// </summary>
public sealed class PhoneTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static Task<InspectionPlatform> StartAsync() => InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);

    private Task<IBrowserContext> PhoneAsync(InspectionPlatform platform, int width, int height) =>
        browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.Host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
        });

    private static async Task<JsonElement> ServerViewAsync(InspectionPlatform platform, string user, string inspectionId)
    {
        using var client = await platform.As(user);
        return await ReadAsync(await client.GetAsync($"/api/inspections/{inspectionId}"), HttpStatusCode.OK);
    }

    private static string? Findings(JsonElement view) =>
        view.GetProperty("draft").EnumerateArray().Where(r => r.GetProperty("itemCode").GetString() == "I1")
            .Select(r => r.TryGetProperty("findings", out var f) ? f.GetString() : null).FirstOrDefault();

    /// <summary>Every URL in the page's origin's Cache Storage.</summary>
    private static Task<string[]> CachedUrlsAsync(IPage page) => page.EvaluateAsync<string[]>(
        """
        async () => {
          const out = [];
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) out.push(request.url);
          }
          return out;
        }
        """);

    /// <summary>How wide the document is against the viewport, and every visible control of the form smaller than 44×44
    /// CSS px. A checkbox is hit through its label (the label is the target), every other control by its own box.</summary>
    private const string MeasureScript =
        """
        () => {
          const viewport = document.documentElement.clientWidth;
          const scrollWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
          const small = [];
          let checked = 0;
          const controls = document.querySelectorAll(
            "#inspection-form input, #inspection-form button, #inspection-form select, #inspection-form textarea, #inspection-form a");
          for (const el of controls) {
            const own = el.getBoundingClientRect();
            if (own.width === 0 || own.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
            const label = el.closest("label");
            const box = (el.type === "checkbox" || el.type === "radio") && label ? label.getBoundingClientRect() : own;
            checked++;
            if (box.width < 44 || box.height < 44)
              small.push(el.tagName + "[" + (el.name || el.id || el.type || el.textContent.trim()) + "] " + Math.round(box.width) + "×" + Math.round(box.height));
          }
          return { viewport, scrollWidth, checked, small };
        }
        """;

    private sealed class Measure
    {
        public int Viewport { get; set; }

        public int ScrollWidth { get; set; }

        public int Checked { get; set; }

        public string[] Small { get; set; } = [];
    }

    [BrowserFact]
    public async Task Phone_home_lists_each_assignment_with_entity_address_items_by_name_due_date_and_state()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using (var connection = await platform.Store.OpenAsync())
            await connection.ExecuteAsync("UPDATE inspection_items SET name = '食品经营场所卫生检查' WHERE code = 'I1'");
        var creditCode = inspectionId.Split('/')[1];
        string name, address;
        await using (var connection = await platform.Store.OpenAsync())
            (name, address) = await connection.QueryFirstAsync<(string, string)>("SELECT name, address FROM market_entities WHERE credit_code = @creditCode", new { creditCode });
        Assert.False(string.IsNullOrWhiteSpace(address));
        var due = (await ServerViewAsync(platform, team[0], inspectionId)).GetProperty("dueDate").GetString();

        await using var context = await PhoneAsync(platform, 360, 740);
        var page = await SignInAsync(context, team[0]);  // lands on /app, the home page

        var card = page.Locator($"[data-testid=home-assignments] [data-testid=assignment][data-inspection='{inspectionId}']");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card.Locator("[data-testid=assignment-entity]")).ToHaveTextAsync(name);
        await Assertions.Expect(card.Locator("[data-testid=assignment-address]")).ToHaveTextAsync(address);
        await Assertions.Expect(card.Locator("[data-testid=assignment-items]")).ToHaveTextAsync("食品经营场所卫生检查");
        await Assertions.Expect(card.Locator("[data-testid=assignment-due]")).ToContainTextAsync(due!);
        await Assertions.Expect(card.Locator("[data-testid=inspection-state]")).ToHaveTextAsync("已派发");
        var measure = await page.EvaluateAsync<Measure>(MeasureScript);
        Assert.True(measure.ScrollWidth <= measure.Viewport, $"home is {measure.ScrollWidth} px wide on a {measure.Viewport} px screen");
        await Screenshots.SaveAsync(page, "phone-home", fullPage: false);

        // In English the state is in words too, and the card opens the form.
        await page.GotoAsync("/language/en?returnUrl=%2Fapp");
        await Assertions.Expect(card.Locator("[data-testid=inspection-state]")).ToHaveTextAsync("Assigned");
        await Assertions.Expect(page.Locator("[data-testid=home-assignments] h2")).ToHaveTextAsync("Inspections to do");
        await card.Locator("[data-testid=assignment-entity]").ClickAsync();
        await page.WaitForSelectorAsync("#inspection-form[data-ready=true]");
    }

    [BrowserFact]
    public async Task The_form_fits_360_and_390_px_screens_and_every_touch_target_is_at_least_44_px()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        foreach (var (width, height) in new[] { (360, 740), (390, 844) })
        {
            await using var context = await PhoneAsync(platform, width, height);
            var page = await SignInAsync(context, team[0]);
            await OpenFormAsync(page, inspectionId);
            await FillItemAsync(page, "I1", "E", $"后厨未按规定设置防鼠设施，已当场整改（{width}）。", "注册地址");
            // One photo (the second screen finds it saved by the first).
            if (await page.Locator("fieldset[data-item=I1] .evidence-list li").CountAsync() == 0)
                await page.SetInputFilesAsync("fieldset[data-item=I1] input[name=evidence]",
                new FilePayload { Name = "kitchen-photo-with-a-rather-long-file-name-taken-on-site.png", MimeType = "image/png", Buffer = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3] });
            await Assertions.Expect(page.Locator("fieldset[data-item=I1] .evidence-list li button")).ToBeVisibleAsync();
            await page.ClickAsync("[data-testid=save-draft]");
            await Assertions.Expect(page.Locator("[data-testid=form-message]")).ToContainTextAsync("已保存到服务器");

            var measure = await page.EvaluateAsync<Measure>(MeasureScript);
            Assert.Equal(width, measure.Viewport);
            Assert.True(measure.ScrollWidth <= measure.Viewport, $"the form is {measure.ScrollWidth} px wide on a {width} px screen");
            Assert.True(measure.Checked >= 10, $"only {measure.Checked} controls measured");
            Assert.True(measure.Small.Length == 0, $"{width} px: touch targets under 44×44: {string.Join(", ", measure.Small)}");
            await Screenshots.SaveAsync(page, $"phone-form-{width}", fullPage: false);
        }
    }

    [BrowserFact]
    public async Task Offline_the_form_reopens_from_the_device_and_a_save_is_queued_then_sent_when_the_network_returns()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var context = await PhoneAsync(platform, 390, 844);
        var page = await SignInAsync(context, team[0]);
        await OpenFormAsync(page, inspectionId);
        await page.WaitForSelectorAsync("body[data-offline=ready]");

        // Kept: the form page, its script and stylesheet. Never an API answer.
        var cached = await CachedUrlsAsync(page);
        Assert.Contains(cached, u => u.EndsWith($"/app/inspections/{inspectionId}", StringComparison.Ordinal));
        Assert.Contains(cached, u => u.EndsWith("/js/workbench.js", StringComparison.Ordinal));
        Assert.Contains(cached, u => u.EndsWith("/css/site.css", StringComparison.Ordinal));
        Assert.DoesNotContain(cached, u => u.Contains("/api/", StringComparison.Ordinal));

        await context.SetOfflineAsync(true);
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#inspection-form[data-ready=true]");
        await Assertions.Expect(page.Locator("[data-testid=form-message]")).ToContainTextAsync("离线");
        await FillItemAsync(page, "I1", "B", "断网后重新打开页面输入的情况", "仓库");
        Assert.Equal("断网后重新打开页面输入的情况", await page.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        await page.ClickAsync("[data-testid=save-draft]");
        var sync = page.Locator("[data-testid=sync-state]");
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "queued");
        await Assertions.Expect(sync).ToContainTextAsync("已保存在本设备，联网后将自动发送");
        Assert.Null(Findings(await ServerViewAsync(platform, team[1], inspectionId)));

        // Still offline, a reload keeps both the typing and the queued send.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#inspection-form[data-ready=true]");
        Assert.Equal("断网后重新打开页面输入的情况", await page.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "queued");

        // The network returns: the page sends by itself (no click) and says so.
        await context.SetOfflineAsync(false);
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "sent", new() { Timeout = 20_000 });
        await Assertions.Expect(sync).ToContainTextAsync("已发送到服务器");
        var saved = await ServerViewAsync(platform, team[1], inspectionId);
        Assert.Equal("断网后重新打开页面输入的情况", Findings(saved));
        Assert.Equal(0, await page.EvaluateAsync<int>("Object.keys(localStorage).filter(k => /^supervision\\.(draft|outbox):/.test(k)).length"));

        // Signing out empties the caches and the copies on this device: no page of the inspector's is left (the sign-in
        // page may fetch the shared stylesheet and icon again, which hold nobody's data).
        await page.ClickAsync("form[action='/app/logout'] button");
        await page.WaitForURLAsync("**/app/login**");
        var left = await CachedUrlsAsync(page);
        Assert.DoesNotContain(left, u => u.Contains("/app", StringComparison.Ordinal) || u.Contains("/api/", StringComparison.Ordinal) || u.EndsWith("/js/workbench.js", StringComparison.Ordinal));
        Assert.Equal(0, await page.EvaluateAsync<int>("Object.keys(localStorage).filter(k => k.startsWith('supervision.')).length"));
    }

    [BrowserFact]
    public async Task A_queued_save_whose_record_changed_meanwhile_shows_the_conflict_and_a_lost_answer_is_not_sent_twice()
    {
        await using var platform = await StartAsync();
        var (_, inspectionId, team) = await DispatchedAsync(platform);
        await using var context = await PhoneAsync(platform, 390, 844);
        var page = await SignInAsync(context, team[0]);
        await OpenFormAsync(page, inspectionId);

        // A lost answer: the server applies the save, the phone never hears back. The send is queued; the retry's
        // If-Match is stale (412), the server holds exactly this content, so it counts as sent — nothing is saved twice.
        var revisionBefore = (await ServerViewAsync(platform, team[1], inspectionId)).GetProperty("revision").GetInt64();
        var lost = 0;
        await page.RouteAsync("**/draft", async route =>
        {
            if (Interlocked.Increment(ref lost) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            }
            else await route.ContinueAsync();
        });
        await FillItemAsync(page, "I1", "A", "第一次发送的内容", "门店");
        await page.ClickAsync("[data-testid=save-draft]");
        var sync = page.Locator("[data-testid=sync-state]");
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "queued");
        Assert.Equal("第一次发送的内容", Findings(await ServerViewAsync(platform, team[1], inspectionId)));
        await page.ClickAsync("[data-testid=retry]");
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "sent");
        await Assertions.Expect(page.Locator("[data-testid=conflict]")).ToBeHiddenAsync();
        var afterRetry = await ServerViewAsync(platform, team[1], inspectionId);
        Assert.Equal(revisionBefore + 1, afterRetry.GetProperty("revision").GetInt64());
        await page.UnrouteAllAsync();

        // Offline, the inspector changes it again; meanwhile the team mate saves a different text. Back online, the
        // queued save is refused (412) and both versions are shown; the team mate's text stays on the server.
        await context.SetOfflineAsync(true);
        await page.FillAsync("fieldset[data-item=I1] textarea[name=findings]", "离线时改写的内容");
        await page.ClickAsync("[data-testid=save-draft]");
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "queued");
        using (var mate = await platform.As(team[1]))
        {
            var current = await mate.GetAsync($"/api/inspections/{inspectionId}");
            await ReadAsync(await mate.SendAsync(Put($"/api/inspections/{inspectionId}/draft",
                new { items = new[] { new { itemCode = "I1", resultCodes = new[] { "1" }, findings = "同事在此期间保存的内容", evidence = Array.Empty<object>() } } },
                current.Headers.ETag!.Tag)), HttpStatusCode.OK);
        }

        await context.SetOfflineAsync(false);
        await Assertions.Expect(sync).ToHaveAttributeAsync("data-state", "conflict", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=conflict]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=conflict-theirs]")).ToContainTextAsync("同事在此期间保存的内容");
        await Assertions.Expect(page.Locator("[data-testid=conflict-mine]")).ToContainTextAsync("离线时改写的内容");
        Assert.Equal("离线时改写的内容", await page.InputValueAsync("fieldset[data-item=I1] textarea[name=findings]"));
        Assert.Equal("同事在此期间保存的内容", Findings(await ServerViewAsync(platform, team[1], inspectionId)));
        Assert.Null(await page.EvaluateAsync<string?>($"localStorage.getItem('supervision.outbox:{inspectionId}')"));
    }
}
