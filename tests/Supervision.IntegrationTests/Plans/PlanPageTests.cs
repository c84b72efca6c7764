using System.Net;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Plans;

/// <summary>
/// D1's scheduler drafts the annual plan on /app/plans and edits its lines (a refusal shown beside its field), D1's
/// administrator approves and publishes it on the same page, and the public finds it on /plans in both languages (Chromium, axe).
/// </summary>
public sealed class PlanPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_scheduler_drafts_the_plan_its_administrator_approves_and_publishes_it_and_the_public_page_shows_it_in_both_languages()
    {
        await using var platform = await StartAsync(now: DateTimeOffset.UtcNow);
        (await platform.Host.UserAsync("d1-admin", "department-admin", "D1")).Dispose();
        var year = Core.Calendar.ChinaTime.DateOf(platform.Clock.GetUtcNow()).Year;

        // The scheduler drafts this year's plan from the list and adds a line.
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "sched-d1");
        await page.ClickAsync("nav >> text=年度抽查计划");
        await Assertions.Expect(page.Locator("[data-testid=plans-none]")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page);
        await page.SelectOptionAsync("#plan-year", year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("[data-testid=plan-create]");
        await page.WaitForURLAsync($"**/app/plans/D1/{year}");
        await Assertions.Expect(page.Locator("[data-testid=plan-state]")).ToHaveTextAsync("草稿");
        await page.ClickAsync("[data-testid=plan-add-line]");
        var line = page.Locator("[data-testid=editor-line]").Last;
        await line.Locator("input[name=items]").FillAsync("I1");
        foreach (var (c, ratio) in new[] { ("A", "1"), ("B", "3"), ("C", "10"), ("D", "30") })
            await line.Locator($"tr[data-class={c}] input[name=ratio]").FillAsync(ratio);
        await line.Locator("select[name=frequency]").SelectOptionAsync("half-yearly");
        await line.Locator("input[name=batches]").FillAsync("2");
        await line.Locator("input[name=month][value='4']").CheckAsync();
        await Axe.AssertAccessibleAsync(page);

        // Two batches need two months: the refusal stands beside the months.
        await page.ClickAsync("[data-testid=plan-save]");
        await Assertions.Expect(page.Locator("[data-field='error:lines[0].months']")).ToContainTextAsync("与已有内容不一致");
        await Assertions.Expect(page.Locator("#form-message")).ToContainTextAsync("各批次实施月份");
        await line.Locator("input[name=month][value='9']").CheckAsync();
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await page.ClickAsync("[data-testid=plan-save]");
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(page.Locator("[data-testid=editor-line]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=editor-line] .line-no")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=plan-approve]")).ToHaveCountAsync(0);

        // D1's administrator approves, then publishes (after the confirmation) on the plan's page.
        await using var office = await browser.NewContextAsync(platform.Host.BaseAddress);
        var head = await WorkbenchTests.SignInAsync(office, "d1-admin");
        await head.ClickAsync("nav >> text=年度抽查计划");
        await head.ClickAsync($"[data-testid='plan-D1/{year}'] a");
        await Assertions.Expect(head.Locator("[data-testid=plan-lines] [data-testid=line-1]")).ToContainTextAsync("随机抽查");
        await Axe.AssertAccessibleAsync(head);
        await head.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await head.ClickAsync("[data-testid=plan-approve]");
        await head.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(head.Locator("[data-testid=plan-state]")).ToHaveTextAsync("已审批，待公布");
        await Assertions.Expect(head.Locator("[data-testid=plan-approved-by]")).ToContainTextAsync("d1-admin");
        await head.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await head.ClickAsync("[data-testid=plan-publish]");
        await head.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(head.Locator("[data-testid=plan-state]")).ToHaveTextAsync("已公布");
        await Assertions.Expect(head.Locator("[data-testid=plan-history] li")).ToHaveCountAsync(1);

        // The scheduler now sees the published plan with the way to revise it, and opens the task form for its line.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=plan-revise]")).ToBeVisibleAsync();
        await Axe.AssertAccessibleAsync(page);
        await page.ClickAsync("[data-testid=progress-1] [data-testid=progress-new-task]");
        await Assertions.Expect(page.Locator("[data-testid=task-plan]")).ToContainTextAsync($"D1/{year}");
        await Assertions.Expect(page.Locator("#planLine")).ToHaveValueAsync("1");

        // The public: the plan in the list and on its page, with its revision; in English after the switch.
        await using var visitor = await browser.NewContextAsync(platform.Host.BaseAddress);
        var portal = await visitor.NewPageAsync();
        Assert.Equal((int)HttpStatusCode.OK, (await portal.GotoAsync("/"))!.Status);
        await portal.ClickAsync("nav >> text=年度计划");
        var row = portal.Locator($"[data-testid='public-plan-D1/{year}']");
        await Assertions.Expect(row).ToContainTextAsync("第1版");
        await Axe.AssertAccessibleAsync(portal);
        await row.Locator("a").ClickAsync();
        await Assertions.Expect(portal.Locator("[data-testid=public-plan-revision]")).ToHaveTextAsync("第1版");
        var lines = portal.Locator("[data-testid=public-revision-1] [data-testid=line-1]").First;
        await Assertions.Expect(lines).ToContainTextAsync("随机抽查");
        await Assertions.Expect(lines).ToContainTextAsync("A 1%");
        await Assertions.Expect(portal.Locator("[data-testid=public-plan-history] li")).ToHaveCountAsync(1);
        await Axe.AssertAccessibleAsync(portal);
        await portal.GotoAsync($"/language/en?returnUrl=%2Fplans%2FD1%2F{year}");
        await Assertions.Expect(portal.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(portal.Locator("[data-testid=public-plan-revision]")).ToHaveTextAsync("revision 1");
        await Assertions.Expect(portal.Locator("[data-testid=public-revision-1] [data-testid=line-1]").First).ToContainTextAsync("random inspection");
        await Axe.AssertAccessibleAsync(portal);
    }
}
