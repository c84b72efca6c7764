using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Cases;

/// <summary>
/// A reviewer follows an inspection's violation from its page to /app/cases, opens a case from the finding, files it and
/// concludes it with a penalty; the ledger reads the same in English (Chromium, axe).
/// </summary>
public sealed class CasePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_reviewer_opens_files_and_concludes_a_case_from_the_ledger_page_in_both_languages()
    {
        await using var platform = await StartAsync();
        var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
        string inspectionId;
        using (var reviewer = await platform.As("rev-d1"))
            inspectionId = await FollowUpCaseTests.FindingAsync(platform, reviewer, "TCP", entity, "B");

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "rev-d1");
        await page.GotoAsync("/app/inspections/" + inspectionId);
        await page.ClickAsync("[data-testid=follow-up-cases]");
        var finding = page.Locator("[data-testid=case-findings] li");
        await Assertions.Expect(finding).ToHaveCountAsync(1);
        await Assertions.Expect(finding).ToContainTextAsync(inspectionId);
        await Axe.AssertAccessibleAsync(page);

        await finding.Locator("textarea[name=facts]").FillAsync("无证销售预包装食品");
        await SubmitAndReloadAsync(page, finding.Locator("button[type=submit]"));
        var open = page.Locator("[data-testid=case-open] li");
        await Assertions.Expect(open).ToHaveCountAsync(1);
        await Assertions.Expect(open).ToHaveAttributeAsync("data-state", "open");
        await Assertions.Expect(page.Locator("[data-testid=count-open]")).ToHaveTextAsync("1");
        await Axe.AssertAccessibleAsync(page);

        // A refusal is shown on the page and changes nothing; then the case is filed.
        var filing = open.Locator("form[data-testid^=file-]");
        await filing.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#case-message")).ToContainTextAsync("caseNumber");
        await filing.Locator("input[name=caseNumber]").FillAsync("市监立〔2026〕77号");
        await filing.Locator("textarea[name=legalGround]").FillAsync("《食品安全法》第一百二十二条");
        await SubmitAndReloadAsync(page, filing.Locator("button[type=submit]"));
        await Assertions.Expect(open).ToHaveAttributeAsync("data-state", "filed");
        await Assertions.Expect(open).ToContainTextAsync("市监立〔2026〕77号");

        var conclusion = open.Locator("form[data-testid^=conclude-]");
        await conclusion.Locator("select[name=outcome]").SelectOptionAsync("penalty");
        await conclusion.Locator("input[name=penaltyAmount]").FillAsync("5000");
        await conclusion.Locator("input[name=decisionNumber]").FillAsync("市监罚〔2026〕12号");
        await SubmitAndReloadAsync(page, conclusion.Locator("button[type=submit]"));
        await Assertions.Expect(page.Locator("[data-testid=case-open] li")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=case-ended] [data-testid=ended-outcome]")).ToContainTextAsync("作出行政处罚 5000.00 元 市监罚〔2026〕12号");
        await Assertions.Expect(page.Locator("[data-testid=count-concluded]")).ToHaveTextAsync("1");

        await page.GotoAsync("/language/en?returnUrl=%2Fapp%2Fcases");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Follow-up case ledger");
        await Assertions.Expect(page.Locator("[data-testid=case-ended] [data-testid=ended-outcome]")).ToContainTextAsync("penalty 5000.00 yuan");
        await Axe.AssertAccessibleAsync(page);
    }

    private static async Task SubmitAndReloadAsync(IPage page, ILocator button)
    {
        await page.EvaluateAsync("() => { window.supervisionBeforeReload = true; }");
        await button.ClickAsync();
        await page.WaitForFunctionAsync("() => window.supervisionBeforeReload === undefined && document.readyState === 'complete'");
    }
}
