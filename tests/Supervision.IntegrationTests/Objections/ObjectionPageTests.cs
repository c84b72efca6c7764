using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;

namespace Supervision.IntegrationTests.Objections;

/// <summary>
/// The entity objects on the page its signed link opens, with a file; a reviewer of the publishing department rejects it on
/// /app/objections; the public entity page shows the outcome and its reason beside the result (Chromium, axe).
/// </summary>
public sealed class ObjectionPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task An_entity_objects_with_a_file_on_its_link_page_the_department_rejects_it_on_the_workbench_and_the_public_page_shows_the_outcome()
    {
        await using var platform = await InspectionPlatform.StartAsync();
        var (inspectionId, entity, link) = await ObjectionTests.PublishedWithLinkAsync(platform, "TOP");

        // The entity: from its credit page to the objection page, a bad submission first (no reason), then the objection with a PDF.
        await using var entityContext = await browser.NewContextAsync(platform.Host.BaseAddress);
        var own = await entityContext.NewPageAsync();
        await own.GotoAsync(link);
        await own.ClickAsync("[data-testid=objections-link]");
        await Assertions.Expect(own.Locator("h1")).ToContainTextAsync("陈述与异议");
        await Assertions.Expect(own.Locator("[data-testid=own-results]")).ToContainTextAsync("可于");
        await Axe.AssertAccessibleAsync(own);
        await own.SelectOptionAsync("#objection-result", inspectionId + "/v1");
        await own.CheckAsync("#kind-objection");
        await own.FillAsync("#objection-reason", "检查当日本店因装修停业，记录有误。");
        await own.SetInputFilesAsync("#objection-files", new FilePayload { Name = "停业通知.pdf", MimeType = "application/pdf", Buffer = ObjectionTests.Pdf });
        await own.ClickAsync("[data-testid=send-objection]");
        await Assertions.Expect(own.Locator("[data-testid=objection-sent]")).ToBeVisibleAsync();
        var row = own.Locator("[data-testid=own-objections] tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("[data-testid=own-objection-state]")).ToContainTextAsync("待决定");
        await Assertions.Expect(row.Locator("[data-testid=own-objection-files]")).ToHaveTextAsync("停业通知.pdf");
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM objection_attachments a JOIN objections o ON o.objection_id = a.objection_id WHERE o.inspection_id = @inspectionId",
            new { inspectionId }));

        // The reviewer of the publishing department finds it under the navigation link, with the file, and rejects it with a reason.
        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "rev-d1");
        await page.ClickAsync("nav >> text=陈述与异议");
        var card = page.Locator("[data-testid=objection-open] li");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card.Locator("[data-testid=objection-reason]")).ToHaveTextAsync("检查当日本店因装修停业，记录有误。");
        await Assertions.Expect(card.Locator("[data-testid=objection-attachment]")).ToHaveTextAsync("停业通知.pdf");
        await Axe.AssertAccessibleAsync(page);
        // Rejecting without a reason is refused, naming the field; the objection stays open.
        await card.Locator("button[value=reject]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=objection-errors]")).ToContainTextAsync("reason");
        await page.Locator("[data-testid=objection-open] li textarea[name=reason]").FillAsync("经核实，检查当日该店正常营业，有现场照片为证。");
        await page.Locator("[data-testid=objection-open] li button[value=reject]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=objection-open] li")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=objection-decided] [data-testid=decided-state]")).ToContainTextAsync("异议不成立");

        // The public entity page: the outcome and its reason beside the result, in both languages.
        await using var visitor = await browser.NewContextAsync(platform.Host.BaseAddress);
        var portal = await visitor.NewPageAsync();
        await portal.GotoAsync($"/entities/{entity}");
        var reply = portal.Locator("[data-testid=publication] [data-testid=reply]");
        await Assertions.Expect(reply).ToHaveCountAsync(1);
        await Assertions.Expect(reply.Locator("[data-testid=reply-outcome]")).ToHaveTextAsync("异议不成立");
        await Assertions.Expect(reply.Locator("[data-testid=reply-reason]")).ToHaveTextAsync("经核实，检查当日该店正常营业，有现场照片为证。");
        await Axe.AssertAccessibleAsync(portal);
        await portal.GotoAsync($"/language/en?returnUrl=%2Fentities%2F{entity}");
        await Assertions.Expect(portal.Locator("[data-testid=reply-outcome]")).ToHaveTextAsync("rejected");

        // The entity reloads its page: rejected, with the department's reason.
        await own.ReloadAsync();
        await Assertions.Expect(own.Locator("[data-testid=own-objection-state]")).ToContainTextAsync("异议不成立");
        await Assertions.Expect(own.Locator("[data-testid=own-objection-decision]")).ToHaveTextAsync("经核实，检查当日该店正常营业，有现场照片为证。");
    }
}
