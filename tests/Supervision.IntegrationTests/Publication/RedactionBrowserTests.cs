using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The redaction control of the workbench's inspection page (reached from the review queue): a reviewer of the lead
/// department names a field, a reason category and a note; an empty note is named beside its field; the mark is listed;
/// the published entity page shows "withheld" with the category and never the reason's text.
/// </summary>
public sealed class RedactionBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_reviewer_withholds_the_amendment_reason_on_the_review_page_and_the_public_page_shows_only_its_category()
    {
        const string secret = "SECRET-REASON-配方细节";
        await using var platform = await StartAsync();
        var steps = new PublicationSteps(platform);
        using var sched = await platform.As("sched-d1");
        using var reviewer = await platform.As("rev-d1");
        var task = await DrawnTaskAsync(sched, joint: false);
        var id = (await ReadAsync(await sched.PostAsync($"/api/tasks/{task}/dispatch", null), HttpStatusCode.OK))
            .GetProperty("inspectionIds")[0].GetString()!;
        await steps.CompleteAsync(id, ["A"]);
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{id}/publish", null), HttpStatusCode.OK);
        await steps.AmendAsync(id, ["1"], secret);
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/inspections/{id}/review/approve", new { }), HttpStatusCode.OK);

        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await SignInPage.SignInAsync(page, "rev-d1", InspectionPlatform.Password);
        await page.GotoAsync($"/app/inspections/{id}");
        var control = page.Locator("[data-testid=redaction]");
        await Assertions.Expect(control).ToBeVisibleAsync();

        // No note: the problem names the field beside it, nothing is marked.
        await page.SelectOptionAsync("#redaction-field", "reason");
        await page.SelectOptionAsync("#redaction-category", "commercial-secret");
        await page.ClickAsync("[data-testid=redact]");
        await Assertions.Expect(page.Locator("#redaction-note[aria-invalid=true]")).ToBeVisibleAsync();

        await page.FillAsync("#redaction-note", "配方属于商业秘密");
        await page.ClickAsync("[data-testid=redact]");
        var marks = page.Locator("[data-testid=withheld-fields] li[data-field=reason]");
        await Assertions.Expect(marks).ToHaveAttributeAsync("data-category", "commercial-secret");

        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{id}/publish", null), HttpStatusCode.OK);
        await page.GotoAsync($"/entities/{PortalScenario.Entity(id)}");
        var withheld = page.Locator("[data-testid=withheld][data-field=reason]");
        await Assertions.Expect(withheld).ToContainTextAsync("商业秘密");
        Assert.DoesNotContain("SECRET-REASON", await page.ContentAsync(), StringComparison.Ordinal);
    }
}
