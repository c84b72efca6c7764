using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Core.Calendar;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Tasks;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// The matching deadline (docs/draw-service.md): once a task's entity list is drawn, its inspectors are to be drawn within
/// two working days. The deadline keeper's ticks remind the lead department once when it is due soon and once when it is
/// overdue; the schedulers' home page lists the task with its due date and mark; the task page says how it ended. The
/// workflow clock is a fake one the test moves; the keeper ticks every two seconds.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MatchingDeadlineTests(PostgresServer server)
{
    [Fact]
    public Task Embedded_a_task_waiting_for_its_inspectors_is_reminded_once_due_soon_and_once_overdue_and_shown_until_matched() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_a_task_waiting_for_its_inspectors_is_reminded_once_due_soon_and_once_overdue_and_shown_until_matched() =>
        await RunAsync(await server.CreateDatabaseAsync("matching_deadline"));

    private static async Task RunAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres, settings: new Dictionary<string, string?> { ["Supervision:Inspections:CatchUpPeriod"] = "00:00:02" });
        using var scheduler = await platform.As("sched-d1");
        var taskId = await DrawnTaskAsync(scheduler, joint: false, drawInspectors: false);
        var (arrivedAt, matchedAt) = await platform.Host.Services.GetRequiredService<TaskQueries>().MatchingTimesAsync(taskId);
        Assert.Null(matchedAt);
        var arrived = ChinaTime.DateOf(arrivedAt!.Value);
        var rules = new MatchingDeadline(WorkingCalendar.Default, MatchingPolicy.Default);
        var due = rules.Due(arrived)!.Value;
        Assert.Equal(2, WorkingCalendar.Default.WorkingDaysBetween(arrived, due));
        var soon = Enumerable.Range(0, 30).Select(arrived.AddDays).First(d => rules.On(arrived, null, d).State == MatchingState.DueSoon);
        var late = Enumerable.Range(1, 30).Select(due.AddDays).First(d => WorkingCalendar.Default.IsWorkingDay(d));
        var version = await platform.ScalarAsync("SELECT version FROM draw_tasks WHERE task_id = @taskId", new { taskId });
        const string Sent = "SELECT count(*) FROM notifications WHERE inspection_id = @taskId AND recipient = 'department:D1' AND kind = @kind";
        using var home = await platform.Host.CookieSessionAsync("sched-d1", Password);

        // Due soon: one reminder, and the home page lists the task with its due date.
        platform.Clock.SetUtcNow(MorningOf(soon));
        await platform.WaitForCountAsync(Sent, 1, new { taskId, kind = "matching-due-soon" });
        var page = await home.GetStringAsync("/app");
        Assert.Contains($"data-task=\"{taskId}\" data-state=\"DueSoon\"", page, StringComparison.Ordinal);
        Assert.Contains(due.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), page, StringComparison.Ordinal);

        // Overdue on the first working day after the due date: one more reminder, the due-soon one not again.
        platform.Clock.SetUtcNow(MorningOf(late));
        await platform.WaitForCountAsync(Sent, 1, new { taskId, kind = "matching-overdue" });
        await platform.WaitForCountAsync("SELECT count(*) FROM audit_log WHERE action = 'task.matching-reminder' AND subject_key = @taskId", 2, new { taskId });
        Assert.Equal(1, await platform.ScalarAsync(Sent, new { taskId, kind = "matching-due-soon" }));
        Assert.Equal("overdue", await platform.ScalarTextAsync("SELECT matching_reminded FROM draw_tasks WHERE task_id = @taskId", new { taskId }));
        Assert.Equal(version, await platform.ScalarAsync("SELECT version FROM draw_tasks WHERE task_id = @taskId", new { taskId }));
        Assert.Contains($"data-task=\"{taskId}\" data-state=\"Overdue\"", await home.GetStringAsync("/app"), StringComparison.Ordinal);
        Assert.Contains("data-testid=\"matching\" data-state=\"Overdue\"", await home.GetStringAsync($"/app/tasks/{taskId}"), StringComparison.Ordinal);
        // Another department's scheduler neither sees it on their home page nor was told.
        using var otherHome = await platform.Host.CookieSessionAsync("sched-d2", Password);
        Assert.DoesNotContain(taskId, await otherHome.GetStringAsync("/app"), StringComparison.Ordinal);
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE inspection_id = @taskId AND recipient <> 'department:D1'", new { taskId }));

        // Matched: gone from the home page; the task page says when and how it ended (the draw commits on the platform's own clock).
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{taskId}/draw/inspectors", null), HttpStatusCode.OK);
        (_, matchedAt) = await platform.Host.Services.GetRequiredService<TaskQueries>().MatchingTimesAsync(taskId);
        var expected = rules.On(arrived, ChinaTime.DateOf(matchedAt!.Value), late).State;
        Assert.DoesNotContain($"data-task=\"{taskId}\"", await home.GetStringAsync("/app"), StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"matching\" data-state=\"{expected}\"", await home.GetStringAsync($"/app/tasks/{taskId}"), StringComparison.Ordinal);
    }

    /// <summary>10:00 in Beijing on <paramref name="day"/>.</summary>
    private static DateTimeOffset MorningOf(DateOnly day) => new(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
}
