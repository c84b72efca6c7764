using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Feeds;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Feeds;

/// <summary>
/// A data user reads its subscription and the delivery log on /app/webhooks (Chromium, axe): a listing made public is
/// delivered after one failed attempt, and the log shows both attempts; another data user sees no subscription of it.
/// </summary>
public sealed class WebhookPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_data_user_reads_its_subscription_and_its_delivery_log_on_the_workbench()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        await using var platform = await StartAsync(settings: new Dictionary<string, string?>
        {
            ["Supervision:Webhooks:AllowPrivateAddresses"] = "true",
            ["Supervision:Webhooks:BaseDelay"] = "01:00:00",
            ["Supervision:Webhooks:PollInterval"] = "00:00:00.050",
        }, services: (s, clock) => s.AddSingleton(new WebhookClock(clock)));
        using (var dataUser = await platform.Host.UserAsync("data-newsroom", Roles.DataUser))
            await ReadAsync(await dataUser.PostAsJsonAsync("/api/webhooks", new { url = receiver.BaseUrl + "/all", filter = "all" }), HttpStatusCode.Created);
        (await platform.Host.UserAsync("data-institute", Roles.DataUser)).Dispose();

        using (var sched = await platform.As("sched-d1"))
        {
            var entity = (await platform.ScalarTextAsync("SELECT credit_code FROM market_entities ORDER BY credit_code LIMIT 1"))!;
            var today = ChinaTime.DateOf(platform.Clock.GetUtcNow()).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var entry = await ReadAsync(await sched.PostAsJsonAsync("/api/abnormal-operations", new { entityCreditCode = entity, ground = "annual-report", facts = "x", foundOn = today }),
                HttpStatusCode.Created);
            await ReadAsync(await sched.PostAsJsonAsync($"/api/abnormal-operations/{entry.GetProperty("id").GetString()}/listing", new { }), HttpStatusCode.OK);
        }
        await platform.WaitForCountAsync("SELECT count(*) FROM webhook_attempts");
        platform.Clock.Advance(TimeSpan.FromHours(1));
        await platform.WaitForCountAsync("SELECT count(*) FROM webhook_attempts WHERE succeeded = @yes");

        await using var desk = await browser.NewContextAsync(platform.Host.BaseAddress);
        var page = await WorkbenchTests.SignInAsync(desk, "data-newsroom");
        await page.GotoAsync("/app/webhooks");
        var row = page.Locator("[data-testid=webhooks] tbody tr");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync(receiver.BaseUrl + "/all");
        await Assertions.Expect(row.Locator("[data-testid=webhook-succeeded]")).ToHaveTextAsync("1");
        await Axe.AssertAccessibleAsync(page);
        await row.Locator("a").ClickAsync();
        var attempts = page.Locator("[data-testid=delivery-log] [data-testid=attempt]");
        await Assertions.Expect(attempts).ToHaveCountAsync(2);
        await Assertions.Expect(attempts.Nth(0)).ToHaveAttributeAsync("data-succeeded", "true");
        await Assertions.Expect(attempts.Nth(0)).ToContainTextAsync("200");
        await Assertions.Expect(attempts.Nth(1)).ToHaveAttributeAsync("data-succeeded", "false");
        await Assertions.Expect(attempts.Nth(1)).ToContainTextAsync("500");
        await Assertions.Expect(attempts.Nth(0)).ToContainTextAsync("abnormal-listed");
        await Axe.AssertAccessibleAsync(page);

        await using var other = await browser.NewContextAsync(platform.Host.BaseAddress);
        var otherPage = await WorkbenchTests.SignInAsync(other, "data-institute");
        await otherPage.GotoAsync("/app/webhooks");
        await Assertions.Expect(otherPage.Locator("[data-testid=no-webhooks]")).ToBeVisibleAsync();
    }
}
