using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Abnormal;

/// <summary>
/// A reviewer lists an unreachable entity on /app/abnormal; the public finds it on /abnormal-operations in both languages; the
/// entity applies for removal on its link page and the reviewer approves (Chromium, axe).
/// </summary>
public sealed class AbnormalPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_reviewer_lists_an_overdue_entry_the_public_page_shows_it_in_both_languages_and_the_entity_applies_for_removal_on_its_page()
    {
        await using var platform = await StartAsync();
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
        var insp = await platform.AssignDirectAsync("TAP", entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        using (var reviewer = await platform.As("rev-d1"))
            await ReinspectionTests.RecordAndApproveAsync(platform, reviewer, insp.InspectionId, "6");
        var listBy = DateOnly.Parse((await platform.ScalarTextAsync("SELECT list_by FROM abnormal_entries WHERE source_inspection_id = @id", new { id = insp.InspectionId }))![..10],
            System.Globalization.CultureInfo.InvariantCulture);
        platform.Clock.SetUtcNow(new DateTimeOffset(listBy.AddDays(1).ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));

        // The home page counts the overdue entry; the register's page marks it and lists it on a click.
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "rev-d1");
        await Assertions.Expect(page.Locator("[data-testid=home-abnormal-overdue]")).ToHaveTextAsync("1");
        await page.ClickAsync("nav >> text=经营异常名录");
        var card = page.Locator("[data-testid=abnormal-pending] li");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card.Locator("[data-testid=entry-overdue]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=count-overdue]")).ToHaveTextAsync("1");
        await Axe.AssertAccessibleAsync(page);
        await card.Locator("input[name=decisionReference]").FillAsync("市监异〔2026〕9号");
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await card.Locator("button[type=submit]").ClickAsync();
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(page.Locator("[data-testid=abnormal-pending] li")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=abnormal-listed] [data-testid=listed-state]")).ToContainTextAsync("已列入");

        // The public page, anonymous: the entity, its ground and the decision's number; in English after the switch.
        await using var visitor = await browser.NewContextAsync(platform.Host.BaseAddress);
        var portal = await visitor.NewPageAsync();
        var response = await portal.GotoAsync("/abnormal-operations");
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        var row = portal.Locator("[data-testid=abnormal-public] tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync(entity);
        await Assertions.Expect(row).ToContainTextAsync("通过登记的住所或者经营场所无法联系");
        await Assertions.Expect(row).ToContainTextAsync("市监异〔2026〕9号");
        await Axe.AssertAccessibleAsync(portal);
        await portal.GotoAsync("/language/en?returnUrl=%2Fabnormal-operations");
        await Assertions.Expect(portal.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(portal.Locator("[data-testid=abnormal-public] tbody tr")).ToContainTextAsync("Cannot be reached at the registered address");
        await Axe.AssertAccessibleAsync(portal);
        await portal.SelectOptionAsync("#ground", "annual-report");
        await portal.ClickAsync("[data-testid=abnormal-filters] button[type=submit]");
        await Assertions.Expect(portal.Locator("[data-testid=abnormal-none]")).ToBeVisibleAsync();

        // The entity applies for removal on the page its link opens; the reviewer approves on the register's page.
        string link;
        using (var scheduler = await platform.As("sched-d1"))
            link = new Uri((await ReadAsync(await scheduler.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { days = 7 }), HttpStatusCode.OK))
                .GetProperty("url").GetString()!).PathAndQuery;
        await using var entityContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var own = await entityContext.NewPageAsync();
        await own.GotoAsync(link);
        var mine = own.Locator("[data-testid=own-abnormal] li");
        await Assertions.Expect(mine).ToContainTextAsync("通过登记的住所或者经营场所无法联系");
        await mine.Locator("textarea[name=evidence]").FillAsync("已在登记住所恢复经营，附租赁合同");
        await mine.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(own.Locator("[data-testid=own-abnormal-removal]")).ToContainTextAsync("待审核");

        await page.ReloadAsync();
        var application = page.Locator("[data-testid=abnormal-applications] li");
        await Assertions.Expect(application).ToContainTextAsync("已在登记住所恢复经营，附租赁合同");
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await application.Locator("button[value=approve]").ClickAsync();
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(page.Locator("[data-testid=abnormal-applications] li")).ToHaveCountAsync(0);
        await own.ReloadAsync();
        await Assertions.Expect(own.Locator("[data-testid=own-abnormal-removal]")).ToContainTextAsync("准予移出");
    }
}
