using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Web;

/// <summary>The regulator's statistics page shows the statistics API's charts; inspectors cannot open it.</summary>
public sealed class StatisticsPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_reviewer_sees_the_charts_of_the_department_and_an_inspector_is_refused()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using (var scheduler = await platform.As("sched-d1"))
        {
            // A committed draw, so the estimates have something to stand on.
            await InspectionPlatform.DrawnTaskAsync(scheduler, joint: false);
        }

        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/app/login");
        await page.FillAsync("#username", "rev-d1");
        await page.FillAsync("#password", InspectionPlatform.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/app");
        await page.ClickAsync("nav >> text=统计分析");
        await page.WaitForURLAsync("**/app/statistics");
        foreach (var chart in new[] { "noncompliance-by-class", "discovery-by-class", "coverage", "class-distribution" })
        {
            var image = page.Locator($"[data-testid=chart-{chart}]");
            await image.ScrollIntoViewIfNeededAsync();
            await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=chart-{chart}]').complete");
            Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0, chart + " did not render");
            Assert.False(string.IsNullOrEmpty(await image.GetAttributeAsync("alt")));
        }
        Assert.Contains("D1", await page.InnerTextAsync("[data-testid=scope]"));
        // The regime indicators: nothing published yet, so no rate rather than 0 % or 100 %.
        Assert.Contains("按期公示率", await page.InnerTextAsync("[data-testid=regime-indicators]"));
        Assert.Contains("无数据 (0 / 0)", await page.InnerTextAsync("[data-testid=on-time-rate]"));
        await Screenshots.SaveAsync(page, "workbench-statistics", fullPage: false);

        await using var inspectorContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var inspector = await inspectorContext.NewPageAsync();
        await inspector.GotoAsync("/app/login");
        await inspector.FillAsync("#username", "insp-C0000");
        await inspector.FillAsync("#password", InspectionPlatform.Password);
        await inspector.ClickAsync("button[type=submit]");
        await inspector.WaitForURLAsync("**/app");
        await inspector.GotoAsync("/app/statistics");
        Assert.Contains("/app/denied", inspector.Url);
    }
}
