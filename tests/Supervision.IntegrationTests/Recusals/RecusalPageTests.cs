using Dapper;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;

namespace Supervision.IntegrationTests.Recusals;

/// <summary>The entity files on its own link page; a scheduler accepts on /app/recusals; the entity sees the outcome (Chromium).</summary>
public sealed class RecusalPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task An_entity_files_through_its_link_page_and_a_scheduler_accepts_on_the_recusals_page()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        var (_, inspectionId, _, team, link) = await RecusalTests.DispatchedWithLinkAsync(platform);
        var leaving = team[1];

        // The entity, on the page its link opens (no account): picks the member, the grounds, writes why, sends.
        await using var entityContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var entityPage = await entityContext.NewPageAsync();
        await entityPage.GotoAsync(link);
        await Assertions.Expect(entityPage.Locator("[data-testid=recusal-inspections]")).ToContainTextAsync(leaving);
        await entityPage.SelectOptionAsync("#recusal-target", $"{inspectionId}|{leaving}");
        await entityPage.SelectOptionAsync("#recusal-grounds", "kin");
        await entityPage.FillAsync("#recusal-reason", "该检查人员是我公司负责人的亲属");
        await entityPage.ClickAsync("[data-testid=file-recusal]");
        await Assertions.Expect(entityPage.Locator("[data-testid=recusal-filed]")).ToBeVisibleAsync();
        await Assertions.Expect(entityPage.Locator("[data-testid=own-recusal-state]")).ToContainTextAsync("待决定");

        // The scheduler of the lead department finds it under the navigation link and accepts.
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "sched-d1");
        await page.ClickAsync("nav >> text=回避申请");
        var card = page.Locator("[data-testid=recusal-open] li");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card).ToContainTextAsync("该检查人员是我公司负责人的亲属");
        await Assertions.Expect(card).ToContainTextAsync(leaving);
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await card.Locator("button[data-decision=accept]").ClickAsync();
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
        await Assertions.Expect(page.Locator("[data-testid=recusal-open] li")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=decided-state]")).ToContainTextAsync("已同意");
        var replacement = await page.Locator("[data-testid=decided-replacement]").InnerTextAsync();

        await using (var connection = await platform.Store.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId AND certificate_no = @leaving", new { inspectionId, leaving }));
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM inspection_members WHERE inspection_id = @inspectionId AND certificate_no = @replacement", new { inspectionId, replacement }));
        }

        // The entity reloads its page: accepted, and who took over.
        await entityPage.ReloadAsync();
        await Assertions.Expect(entityPage.Locator("[data-testid=own-recusal-state]")).ToContainTextAsync("已同意");
        await Assertions.Expect(entityPage.Locator("[data-testid=own-recusal-state]")).ToContainTextAsync(replacement);
    }
}
