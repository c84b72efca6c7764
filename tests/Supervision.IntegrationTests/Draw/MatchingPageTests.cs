using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Supervision.Core.Calendar;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Tasks;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using Supervision.IntegrationTests.Web;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// The matching deadline as a scheduler meets it on a phone (docs/web.md): the home page's "inspectors to match" card of a
/// task whose inspectors are overdue, with its due date and mark, leads to the task page's matching line; both say the
/// same in English. The HTTP side (reminders, who sees it) is <see cref="MatchingDeadlineTests"/>.
/// </summary>
public sealed class MatchingPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task A_scheduler_on_a_phone_follows_an_overdue_matching_from_the_home_page_to_the_task_in_both_languages()
    {
        await using var platform = await StartAsync(now: DateTimeOffset.UtcNow);
        using var scheduler = await platform.As("sched-d1");
        var taskId = await DrawnTaskAsync(scheduler, joint: false, drawInspectors: false);
        var (arrivedAt, _) = await platform.Host.Services.GetRequiredService<TaskQueries>().MatchingTimesAsync(taskId);
        var rules = new MatchingDeadline(WorkingCalendar.Default, MatchingPolicy.Default);
        var arrived = ChinaTime.DateOf(arrivedAt!.Value);
        var due = rules.Due(arrived)!.Value;
        var late = Enumerable.Range(1, 30).Select(due.AddDays).First(WorkingCalendar.Default.IsWorkingDay);
        platform.Clock.SetUtcNow(new DateTimeOffset(late.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero));
        var dueText = due.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        await using var context = await browser.NewContextAsync(platform.Host.BaseAddress, phone: true);
        var page = await context.NewPageAsync();
        await SignInPage.SignInAsync(page, "sched-d1", Password);
        var card = page.Locator($"[data-testid=matching-task][data-task='{taskId}']");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-state", "Overdue");
        await Assertions.Expect(card).ToContainTextAsync(dueText);
        await Assertions.Expect(card).ToContainTextAsync("已逾期");
        Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"), "the home page is wider than the phone");
        await Screenshots.SaveAsync(page, "workbench-home-matching-phone");

        await card.Locator("a").ClickAsync();
        await page.WaitForURLAsync($"**/app/tasks/{taskId}");
        var line = page.Locator("[data-testid=matching]");
        await Assertions.Expect(line).ToHaveAttributeAsync("data-state", "Overdue");
        await Assertions.Expect(line).ToContainTextAsync(dueText);
        await Assertions.Expect(line).ToContainTextAsync("已逾期");

        await page.GotoAsync("/app?lang=en");
        await Assertions.Expect(card).ToContainTextAsync("overdue");
        await Assertions.Expect(page.Locator("#matching-title")).ToHaveTextAsync("Inspectors to match");
        await page.GotoAsync($"/app/tasks/{taskId}");
        await Assertions.Expect(line).ToContainTextAsync("overdue");

        // Matched: the card goes, the task page says how it ended (the draw commits on the platform's own clock, not the test's).
        await DrawPlatform.ReadAsync(await scheduler.PostAsync($"/api/tasks/{taskId}/draw/inspectors", null), System.Net.HttpStatusCode.OK);
        var (_, matchedAt) = await platform.Host.Services.GetRequiredService<TaskQueries>().MatchingTimesAsync(taskId);
        var ended = rules.On(arrived, ChinaTime.DateOf(matchedAt!.Value), late).State;
        await page.ReloadAsync();
        await Assertions.Expect(line).ToHaveAttributeAsync("data-state", ended.ToString());
        await Assertions.Expect(line).ToContainTextAsync(ended == MatchingState.MetLate ? "matched late" : "matched on time");
        await page.GotoAsync("/app");
        await Assertions.Expect(card).ToHaveCountAsync(0);
    }
}
