using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Playwright;
using Supervision.Core.Calendar;
using Supervision.IntegrationTests.Credit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// The regulator's statistics page; inspectors cannot open it. Usability test, issue 16, point 8: the coverage axis read
/// 0 % at every tick, titles and axes were English in the Chinese UI, text rendered near 9 px, there was no data table,
/// and the alternative text repeated the caption. Each chart is now drawn by ECharts in the page's language beside a
/// table holding the JSON routes' figures, and is named by a sentence saying what it shows.
/// </summary>
public sealed class StatisticsPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Charts = ["noncompliance-by-class", "discovery-by-class", "coverage", "class-distribution"];

    private sealed record Words(string Lang, string ClassAxis, string NonCompliantAxis, string DiscoveryAxis, string CoverageAxis, string Interval,
        string HighestFormat, string NoResults);

    private static readonly Words Chinese = new("zh", "信用等级", "估计违规比例", "问题发现率", "覆盖率", "95% 区间", "{0} 类估计违规比例最高", "无数据 (0 / 0)");

    private static readonly Words English = new("en", "Credit class", "Estimated non-compliant share", "Discovery rate", "Coverage", "95% interval",
        "Class {0} has the highest estimated non-compliant share", "no data (0 / 0)");

    [BrowserFact]
    public async Task A_reviewer_sees_the_charts_in_the_page_language_with_tables_of_the_same_figures_and_an_inspector_is_refused()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var scheduler = await platform.As("sched-d1");
        // A committed draw and an approved outcome for each drawn entity (a problem in every other one), so every chart has figures.
        var task = await DrawnTaskAsync(scheduler, joint: false, drawInspectors: false);
        string[] drawn;
        Dictionary<string, long> classes;
        await using (var connection = await platform.Store.OpenAsync())
        {
            drawn = (await connection.QueryAsync<string>("SELECT member_id FROM drawn_entities WHERE task_id = @task ORDER BY rank", new { task })).ToArray();
            classes = (await connection.QueryAsync<(string Class, long Count)>(
                "SELECT credit_class, count(*) FROM market_entities WHERE status = 'open' GROUP BY credit_class")).ToDictionary(r => r.Class, r => r.Count);
        }
        var today = ChinaTime.DateOf(DateTimeOffset.UtcNow);
        for (var i = 0; i < drawn.Length; i++)
            await platform.OutcomeAsync(drawn[i], $"{task}/{drawn[i]}", "I1", 1, i % 2 == 0 ? ["B"] : ["1"], today, task);

        using var reviewer = await platform.As("rev-d1");
        var noncompliance = await ReadAsync(await reviewer.GetAsync("/api/statistics/noncompliance"), HttpStatusCode.OK);
        var discovery = await ReadAsync(await reviewer.GetAsync("/api/statistics/discovery"), HttpStatusCode.OK);
        var coverage = await ReadAsync(await reviewer.GetAsync("/api/statistics/coverage"), HttpStatusCode.OK);
        Assert.Equal(drawn.Length, noncompliance.GetProperty("inspected").GetInt32());

        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add(message.Text);
        };
        page.PageError += (_, error) => violations.Add("script error: " + error);
        await SignInPage.SignInAsync(page, "rev-d1", InspectionPlatform.Password);
        await page.ClickAsync("nav >> text=统计分析");
        await page.WaitForURLAsync("**/app/statistics");
        await CheckAsync(page, Chinese, noncompliance, discovery, coverage, classes);
        Assert.Contains("D1", await page.InnerTextAsync("[data-testid=scope]"));
        // The regime indicators: nothing published yet, so no rate rather than 0 % or 100 %.
        Assert.Contains("按期公示率", await page.InnerTextAsync("[data-testid=regime-indicators]"));
        Assert.Contains(Chinese.NoResults, await page.InnerTextAsync("[data-testid=on-time-rate]"));
        // Objections upheld: none decided yet, so no share either.
        Assert.Contains(Chinese.NoResults, await page.InnerTextAsync("[data-testid=objections-upheld]"));

        // The tooltip says the row's figures in the page's language (plain text: nothing the policy refuses).
        var bars = page.Locator("[data-testid=chart-noncompliance-by-class]");
        await bars.ScrollIntoViewIfNeededAsync();
        await bars.HoverAsync();
        await Assertions.Expect(bars.GetByText(Chinese.Interval + "：").First).ToBeVisibleAsync();
        await page.Locator("h1").HoverAsync();
        await Assertions.Expect(bars.GetByText(Chinese.Interval + "：").First).ToBeHiddenAsync();
        await Screenshots.SaveAsync(page, "workbench-statistics");

        await page.GotoAsync("/app/statistics?lang=en");
        await CheckAsync(page, English, noncompliance, discovery, coverage, classes);
        Assert.Contains(English.NoResults, await page.InnerTextAsync("[data-testid=on-time-rate]"));
        await page.Locator("[data-testid=charts]").ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(page, "workbench-statistics-en", fullPage: false);
        Assert.Empty(violations);

        // Without scripts the tables are all there is, and they hold the figures.
        await using var noScript = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.Host.BaseAddress.ToString(), JavaScriptEnabled = false, Locale = "zh-CN", StorageState = await context.StorageStateAsync(),
        });
        var plain = await noScript.NewPageAsync();
        await plain.GotoAsync("/app/statistics");
        foreach (var chart in Charts)
        {
            Assert.True(await plain.Locator($"[data-testid=table-{chart}] tbody tr").CountAsync() > 0, chart);
            Assert.False(await plain.Locator($"[data-testid=chart-{chart}]").IsVisibleAsync(), chart + ": an empty chart box without scripts");
        }

        await using var inspectorContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var inspector = await inspectorContext.NewPageAsync();
        await SignInPage.SignInAsync(inspector, "insp-C0000", InspectionPlatform.Password);
        await inspector.GotoAsync("/app/statistics");
        Assert.Contains("/app/denied", inspector.Url);
    }

    private static async Task CheckAsync(IPage page, Words words, JsonElement noncompliance, JsonElement discovery, JsonElement coverage,
        Dictionary<string, long> classes)
    {
        await page.WaitForSelectorAsync("[data-testid=charts][data-ready=true]", new() { State = WaitForSelectorState.Attached });
        Assert.Equal(words.Lang == "en" ? "en" : "zh-CN", await page.GetAttributeAsync("html", "lang"));
        foreach (var chart in Charts)
        {
            var container = page.Locator($"[data-testid=chart-{chart}]");
            await Assertions.Expect(container).ToBeVisibleAsync();
            // Drawn by ECharts' SVG renderer inside the container.
            Assert.Equal(1, await container.Locator("svg").CountAsync());
            Assert.Equal("img", await container.GetAttributeAsync("role"));
            var label = await container.GetAttributeAsync("aria-label") ?? "";
            var caption = await page.TextContentAsync($"[data-testid=table-{chart}] caption") ?? "";
            var title = await page.InnerTextAsync($"[data-testid=chart-title-{chart}]");
            // The caption names the table (the chart's title, partly for screen readers only: the heading shows it on screen).
            Assert.EndsWith(title.Trim(), caption.Trim());
            Assert.NotEqual(caption.Trim(), label.Trim());
            Assert.NotEqual(title.Trim(), label.Trim());
            Assert.Matches(@"\d", label);
            Assert.Equal(words.Lang == "zh", Regex.IsMatch(label, @"\p{IsCJKUnifiedIdeographs}"));
            Assert.Equal(words.Lang == "zh", Regex.IsMatch(title, @"\p{IsCJKUnifiedIdeographs}"));
            // Every piece of chart text at 12 px or more.
            var sizes = await container.Locator("svg text").EvaluateAllAsync<double[]>("ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize))");
            Assert.NotEmpty(sizes);
            Assert.All(sizes, s => Assert.True(s >= 12, $"{chart}: text at {s}px"));
        }

        // Axis names and the legend in the page's language.
        async Task<string[]> TextsAsync(string chart) =>
            (await page.Locator($"[data-testid=chart-{chart}] svg text").AllTextContentsAsync()).Select(t => t.Trim()).ToArray();
        var nonCompliantTexts = await TextsAsync("noncompliance-by-class");
        Assert.Contains(words.ClassAxis, nonCompliantTexts);
        Assert.Contains(words.NonCompliantAxis, nonCompliantTexts);
        Assert.Contains(words.Interval, nonCompliantTexts);
        Assert.Contains(words.DiscoveryAxis, await TextsAsync("discovery-by-class"));

        // The coverage axis reads percentages, and not 0 % at every tick.
        var coverageTexts = await TextsAsync("coverage");
        Assert.Contains(words.CoverageAxis, coverageTexts);
        var ticks = coverageTexts.Where(t => Regex.IsMatch(t, @"^[\d.]+%$")).ToList();
        Assert.True(ticks.Count >= 3, string.Join(" | ", coverageTexts));
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        Assert.Contains(ticks, t => t != "0%");

        // Each table holds the JSON routes' figures: shares to the 0.1 percentage point they are written in, counts exactly.
        var domains = noncompliance.GetProperty("domains").EnumerateArray().ToList();
        var rows = await RowsAsync(page, "noncompliance-by-class");
        Assert.Equal(domains.Count, rows.Count);
        for (var i = 0; i < domains.Count; i++)
        {
            var d = domains[i];
            var e = d.GetProperty("estimate");
            Assert.Contains(d.GetProperty("domain").GetString()!, rows[i][0]);
            AssertShare(e.GetProperty("estimate").GetDouble(), rows[i][1]);
            var interval = rows[i][2].Split('–');
            AssertShare(e.GetProperty("wilson").GetProperty("lower").GetDouble(), interval[0]);
            AssertShare(e.GetProperty("wilson").GetProperty("upper").GetDouble(), interval[1]);
            Assert.Equal(d.GetProperty("inspected").GetInt32().ToString(CultureInfo.InvariantCulture), rows[i][3]);
            Assert.Equal(d.GetProperty("nonCompliant").GetInt32().ToString(CultureInfo.InvariantCulture), rows[i][4]);
        }
        // The chart's name says which class stands out, by the JSON's figures.
        var highest = domains.OrderByDescending(d => d.GetProperty("estimate").GetProperty("estimate").GetDouble())
            .ThenBy(d => d.GetProperty("domain").GetString(), StringComparer.Ordinal).First().GetProperty("domain").GetString();
        Assert.StartsWith(string.Format(CultureInfo.InvariantCulture, words.HighestFormat, highest),
            await page.GetAttributeAsync("[data-testid=chart-noncompliance-by-class]", "aria-label"));

        var rates = discovery.GetProperty("byClass").EnumerateArray().ToList();
        rows = await RowsAsync(page, "discovery-by-class");
        Assert.Equal(rates.Count, rows.Count);
        for (var i = 0; i < rates.Count; i++)
        {
            Assert.Contains(rates[i].GetProperty("group").GetString()!, rows[i][0]);
            AssertShare(rates[i].GetProperty("rate").GetDouble(), rows[i][1]);
            Assert.Equal(rates[i].GetProperty("inspected").GetInt64().ToString(CultureInfo.InvariantCulture), rows[i][3]);
            Assert.Equal(rates[i].GetProperty("problemsFound").GetInt64().ToString(CultureInfo.InvariantCulture), rows[i][4]);
        }

        var months = coverage.GetProperty("byMonth").EnumerateArray().ToList();
        rows = await RowsAsync(page, "coverage");
        Assert.Equal(12, rows.Count);
        for (var i = 0; i < months.Count; i++)
        {
            Assert.Equal(months[i].GetProperty("entitiesVisited").GetInt64().ToString("#,0", CultureInfo.InvariantCulture), rows[i][1]);
            AssertShare(months[i].GetProperty("coverage").GetDouble(), rows[i][2]);
        }
        Assert.Contains(rows, r => r[2] != "0%");

        rows = await RowsAsync(page, "class-distribution");
        Assert.Equal(4, rows.Count);
        // The directory's open entities per class (this chart has no JSON twin).
        Assert.Equal(new[] { "A", "B", "C", "D" }.Select(c => classes.GetValueOrDefault(c)), rows.Select(r => long.Parse(r[1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture)));
    }

    private static async Task<List<string[]>> RowsAsync(IPage page, string chart) =>
        (await page.Locator($"[data-testid=table-{chart}] tbody tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))")).ToList();

    private static void AssertShare(double expected, string shown)
    {
        var value = double.Parse(shown.Trim().TrimEnd('%'), CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(value - expected * 100) <= 0.05 + 1e-9, $"shown {shown}, the API says {expected}");
    }
}
