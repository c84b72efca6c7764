using System.Net;
using System.Net.Http.Json;
using Supervision.Core.Calendar;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Objections;

/// <summary>
/// An objection has a day by which the publishing department decides it (Supervision:Objections:DecisionWorkingDays). The
/// deadline keeper's ticks remind the department on that day and once more when it has passed, each once, and stop once
/// it is decided. The workflow clock is a fake one the test moves; the keeper ticks every two seconds.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ObjectionReminderTests(PostgresServer server)
{
    [Fact]
    public Task Embedded_an_open_objection_is_reminded_on_its_due_date_and_when_overdue_once_each() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_an_open_objection_is_reminded_on_its_due_date_and_when_overdue_once_each() =>
        await RunAsync(await server.CreateDatabaseAsync("objection_reminders"));

    private static async Task RunAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres, settings: new Dictionary<string, string?> { ["Supervision:Inspections:CatchUpPeriod"] = "00:00:02" });
        var (inspectionId, entity, link) = await ObjectionTests.PublishedWithLinkAsync(platform, "TOR");
        var token = link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..];
        using var visitor = platform.Host.Anonymous();
        var sent = await ReadAsync(await visitor.PostAsJsonAsync($"/api/public/v1/entities/{entity}/objections?t={token}",
            new { resultId = inspectionId + "/v1", kind = "objection", reason = "the visit date is wrong" }), HttpStatusCode.Created);
        var id = sent.GetProperty("id").GetString()!;
        var dueOn = DateOnly.Parse(sent.GetProperty("dueOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WorkingCalendar.Default.AddWorkingDays(ChinaTime.DateOf(platform.Clock.GetUtcNow()), 10), dueOn);
        const string Sent = "SELECT count(*) FROM notifications WHERE inspection_id = @inspectionId AND recipient = 'department:D1' AND kind = @kind";

        platform.Clock.SetUtcNow(MorningOf(dueOn));
        await platform.WaitForCountAsync(Sent, 1, new { inspectionId, kind = "objection-due-today" });
        var nextWorkingDay = Enumerable.Range(1, 30).Select(dueOn.AddDays).First(WorkingCalendar.Default.IsWorkingDay);
        platform.Clock.SetUtcNow(MorningOf(nextWorkingDay));
        await platform.WaitForCountAsync(Sent, 1, new { inspectionId, kind = "objection-overdue" });
        await platform.WaitForCountAsync("SELECT count(*) FROM audit_log WHERE action = 'objection.reminder' AND subject_key = @id", 2, new { id });
        Assert.Equal(1, await platform.ScalarAsync(Sent, new { inspectionId, kind = "objection-due-today" }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT version FROM objections WHERE objection_id = @id", new { id }));

        // Decided late, it is reminded no more and leaves the keeper's list.
        using var reviewer = await platform.As("rev-d1");
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/objections/{id}/decision", new { decision = "reject", reason = "the record is right" }), HttpStatusCode.OK);
        var store = (Supervision.Infrastructure.Objections.ObjectionStore)platform.Host.Services.GetService(typeof(Supervision.Infrastructure.Objections.ObjectionStore))!;
        Assert.DoesNotContain(await store.OpenDueAsync(nextWorkingDay.AddDays(10)), d => d.Id == id);
    }

    /// <summary>10:00 in Beijing on <paramref name="day"/>.</summary>
    private static DateTimeOffset MorningOf(DateOnly day) => new(day.ToDateTime(new TimeOnly(2, 0)), TimeSpan.Zero);
}
