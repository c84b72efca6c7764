using System.Net;
using System.Net.Http.Json;
using Supervision.Core.Calendar;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Recusals;

/// <summary>
/// A recusal request has a day by which the lead department decides (Supervision:Recusals:DecisionWorkingDays). The deadline
/// keeper's ticks remind the department on that day and once more when it has passed, each once, and stop once it is
/// decided. The workflow clock is a fake one the test moves; the keeper ticks every two seconds.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecusalReminderTests(PostgresServer server)
{
    [Fact]
    public Task Embedded_an_open_request_is_reminded_on_its_due_date_and_when_overdue_once_each() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_an_open_request_is_reminded_on_its_due_date_and_when_overdue_once_each() =>
        await RunAsync(await server.CreateDatabaseAsync("recusal_reminders"));

    private static async Task RunAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres, now: DateTimeOffset.UtcNow,
            settings: new Dictionary<string, string?> { ["Supervision:Inspections:CatchUpPeriod"] = "00:00:02" });
        var (_, inspectionId, entity, team, link) = await RecusalTests.DispatchedWithLinkAsync(platform);
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        using var visitor = platform.Host.Anonymous();
        var filed = await ReadAsync(await visitor.PostAsJsonAsync($"/api/public/v1/entities/{entity}/recusals?t={token}",
            new { inspectionId, certificateNo = team[1], grounds = "interest", reason = "a business partner of ours" }), HttpStatusCode.Created);
        var requestId = filed.GetProperty("id").GetString()!;
        var dueOn = DateOnly.Parse(filed.GetProperty("dueOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var version = await platform.ScalarAsync("SELECT version FROM recusal_requests WHERE request_id = @requestId", new { requestId });
        const string Sent = "SELECT count(*) FROM notifications WHERE inspection_id = @inspectionId AND recipient = 'department:D1' AND kind = @kind";

        platform.Clock.SetUtcNow(MorningOf(dueOn));
        await platform.WaitForCountAsync(Sent, 1, new { inspectionId, kind = "recusal-due-today" });
        var nextWorkingDay = Enumerable.Range(1, 30).Select(dueOn.AddDays).First(WorkingCalendar.Default.IsWorkingDay);
        platform.Clock.SetUtcNow(MorningOf(nextWorkingDay));
        await platform.WaitForCountAsync(Sent, 1, new { inspectionId, kind = "recusal-overdue" });
        await platform.WaitForCountAsync("SELECT count(*) FROM audit_log WHERE action = 'recusal.reminder' AND subject_key = @requestId", 2, new { requestId });
        Assert.Equal(1, await platform.ScalarAsync(Sent, new { inspectionId, kind = "recusal-due-today" }));
        Assert.Equal(version, await platform.ScalarAsync("SELECT version FROM recusal_requests WHERE request_id = @requestId", new { requestId }));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM notifications WHERE inspection_id = @inspectionId AND kind LIKE 'recusal-%' AND recipient <> 'department:D1'", new { inspectionId }));

        // Decided late, it is reminded no more and leaves the keeper's list.
        using var scheduler = await platform.As("sched-d1");
        await ReadAsync(await scheduler.PostAsJsonAsync($"/api/recusals/{requestId}/decision", new { decision = "reject", reason = "no shared interest found" }), HttpStatusCode.OK);
        var store = (Supervision.Infrastructure.Recusals.RecusalStore)platform.Host.Services.GetService(typeof(Supervision.Infrastructure.Recusals.RecusalStore))!;
        Assert.DoesNotContain(await store.OpenDueAsync(nextWorkingDay.AddDays(10)), d => d.Id == requestId);
    }

    /// <summary>10:00 in Beijing on <paramref name="day"/>.</summary>
    private static DateTimeOffset MorningOf(DateOnly day) => new(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
}
