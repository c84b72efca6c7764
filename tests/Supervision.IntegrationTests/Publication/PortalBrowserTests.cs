using Microsoft.Playwright;
using Supervision.Core.Draw;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Publication;

/// <summary>The public portal in headless Chromium: search, an entity, a task, the pack download; phone, English, keyboard.</summary>
public sealed class PortalBrowserTests(BrowserFixture browser, PortalScenario scenario) : IClassFixture<BrowserFixture>, IClassFixture<PortalScenario>
{
    [BrowserFact]
    public async Task A_visitor_searches_by_part_of_a_name_opens_the_entity_and_sees_each_published_version()
    {
        await using var context = await browser.NewContextAsync(scenario.Platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        var code = PortalScenario.Entity(scenario.Amended);
        await page.GotoAsync("/entities/" + code);
        var name = await page.InnerTextAsync("h1");

        await page.GotoAsync("/");
        await page.FillAsync("#name", name.Substring(name.Length / 2 - 1, 2));
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=result-row]");
        Assert.Contains(name, await page.InnerTextAsync("[data-testid=results]"));
        await Screenshots.SaveAsync(page, "portal-search");

        await page.ClickAsync($"a[href='/entities/{code}']");
        await page.WaitForURLAsync("**/entities/" + code);
        Assert.Equal(2, await page.Locator("[data-testid=published-result]").CountAsync());
        Assert.Equal(1, await page.Locator("[data-testid=superseded]").CountAsync());
        Assert.Contains(PortalScenario.AmendmentReason, await page.InnerTextAsync("[data-testid=amendment-reason]"));
        Assert.Contains("未发现问题", await page.InnerTextAsync("[data-testid=published-result][data-version='2']"));
        await Screenshots.SaveAsync(page, "portal-entity");

        // English on request, with the same records — and still English after the next click (day-one finding 7: the
        // choice was forgotten after one click).
        await page.GotoAsync($"/entities/{code}?lang=en");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        Assert.Contains("no problem found", await page.InnerTextAsync("[data-testid=published-result][data-version='2']"));
        await page.GotoAsync("/tasks");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        await page.GotoAsync("/?lang=zh-CN");
        await page.GotoAsync("/tasks");
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
    }

    [BrowserFact]
    public async Task A_visitor_types_a_full_width_lower_case_code_and_then_a_place_name_and_finds_the_entity()
    {
        await using var context = await browser.NewContextAsync(scenario.Platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        var code = PortalScenario.Entity(scenario.Clean);
        // As a Chinese input method types it: full-width, lower case, an ideographic space in the middle.
        var typed = string.Concat(code.ToLowerInvariant().Select(c => (char)(c + 0xFEE0))).Insert(6, "\u3000");
        await page.GotoAsync("/");
        await page.FillAsync("#creditCode", typed);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=result-row]");
        Assert.Equal(1, await page.Locator("[data-testid=result-row]").CountAsync());
        Assert.Contains(code, await page.InnerTextAsync("[data-testid=results]"));
        Assert.Equal(typed, await page.InputValueAsync("#creditCode"));
        var division = (await page.InnerTextAsync("[data-testid=result-row] td:nth-child(2)")).Trim();

        // The entity page opens from the typed code too.
        await page.GotoAsync("/entities/" + Uri.EscapeDataString(typed));
        Assert.Equal(code, (await page.InnerTextAsync("[data-testid=credit-code]")).Trim());

        // Then by place in words: the county's name as the results show it, no codes anywhere in the form.
        await page.GotoAsync("/");
        Assert.False(await page.IsVisibleAsync("#division"), "division codes are an advanced option, folded away");
        await page.FillAsync("#place", division);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=resolved-place]");
        Assert.Equal(division, (await page.InnerTextAsync("[data-testid=place-name]")).Trim());
        Assert.StartsWith("在 " + division + " 找到", (await page.InnerTextAsync("[data-testid=resolved-place]")).Trim());
        Assert.Contains(code, await page.InnerTextAsync("[data-testid=results]"));
        foreach (var cell in await page.Locator("[data-testid=result-row] td:nth-child(2)").AllInnerTextsAsync())
            Assert.Equal(division, cell.Trim());
        await Screenshots.SaveAsync(page, "portal-search-place");

        // A place that is not one: the page explains and suggests, in the page's language.
        await page.FillAsync("#place", "大连市西湖区");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=unknown-place]");
        Assert.Contains("辽宁省大连市", await page.InnerTextAsync("[data-testid=unknown-place]"));
        await page.ClickAsync("[data-testid=place-suggestion]:has-text('辽宁省大连市')");
        await page.WaitForSelectorAsync("[data-testid=resolved-place]");
        Assert.Equal("辽宁省大连市", (await page.InnerTextAsync("[data-testid=place-name]")).Trim());
    }

    [BrowserFact]
    public async Task A_visitor_opens_the_task_downloads_the_pack_and_it_verifies()
    {
        await using var context = await browser.NewContextAsync(scenario.Platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/tasks");
        await page.ClickAsync($"a[href='/tasks/{scenario.TaskId}']");
        await page.WaitForURLAsync("**/tasks/" + scenario.TaskId);
        Assert.Matches("^[0-9a-f]{64}$", (await page.InnerTextAsync("[data-testid=commitment]")).Trim());
        Assert.Matches("^[0-9a-f]{64}$", (await page.InnerTextAsync("[data-testid=population-hash]")).Trim());
        Assert.Matches("^[0-9a-f]{64}$", (await page.InnerTextAsync("[data-testid=members-hash]")).Trim());
        // No member's class, rank or probability on the page (credit classes are confidential).
        Assert.DoesNotContain("Inclusion probability", await page.InnerTextAsync("main"));
        Assert.DoesNotContain("入样概率", await page.InnerTextAsync("main"));
        Assert.Contains("witness-a (witness-a)", await page.InnerTextAsync("[data-testid=ceremony]"));
        Assert.Contains("test beacon", await page.InnerTextAsync("[data-testid=named-beacon]"));
        // Internal values do not reach the public (day-one finding 6): the state and the sampling mode in words.
        Assert.DoesNotMatch("^[a-z_]+$", (await page.InnerTextAsync("[data-testid=task-status]")).Trim());
        Assert.DoesNotMatch("stratified|pareto", await page.InnerTextAsync("[data-testid=sampling]"));
        Assert.Equal(5, await page.Locator("[data-testid=drawn-entity]").CountAsync());
        Assert.Contains("dotnet run --project src/Supervision.Cli -- verify-draw", await page.InnerTextAsync("[data-testid=verify-command-dotnet]"));
        Assert.Contains("python3 tools/verify_draw.py", await page.InnerTextAsync("[data-testid=verify-command-python]"));
        await Screenshots.SaveAsync(page, "portal-task");

        var folder = Directory.CreateTempSubdirectory("portal-pack");
        try
        {
            var pack = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=pack-download]"));
            var packFile = Path.Combine(folder.FullName, pack.SuggestedFilename);
            await pack.SaveAsAsync(packFile);
            var members = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=members-download]"));
            var membersFile = Path.Combine(folder.FullName, members.SuggestedFilename);
            await members.SaveAsAsync(membersFile);
            Assert.Equal($"{scenario.TaskId}-public-pack.json", pack.SuggestedFilename);
            Assert.Equal($"{scenario.TaskId}-members.csv", members.SuggestedFilename);
            var report = PublicPackVerifier.Verify(await File.ReadAllTextAsync(packFile), await File.ReadAllBytesAsync(membersFile));
            Assert.True(report.Passed, report.ToString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [BrowserFact]
    public async Task The_portal_fits_a_phone_and_works_from_the_keyboard_with_labelled_fields()
    {
        await using var context = await browser.NewContextAsync(scenario.Platform.Host.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        foreach (var (url, shot) in new[] { ("/", "portal-search-phone"), ("/entities/" + PortalScenario.Entity(scenario.Amended), "portal-entity-phone"), ("/tasks/" + scenario.TaskId, "portal-task-phone") })
        {
            await page.GotoAsync(url);
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{url} scrolls sideways on a phone");
            var unlabelled = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('input:not([type=hidden]), select')].filter(e => !(e.id && document.querySelector(`label[for='${e.id}']`))).map(e => e.name)");
            Assert.Empty(unlabelled);
            await Screenshots.SaveAsync(page, shot);
        }

        // Keyboard: the first Tab reaches the skip link; typing a name and Enter searches.
        await page.GotoAsync("/");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip", await page.EvaluateAsync<string>("() => document.activeElement.className"));
        await page.FocusAsync("#creditCode");
        await page.Keyboard.TypeAsync(PortalScenario.Entity(scenario.Clean));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("[data-testid=result-row]");
        Assert.Equal(1, await page.Locator("[data-testid=result-row]").CountAsync());
    }
}
