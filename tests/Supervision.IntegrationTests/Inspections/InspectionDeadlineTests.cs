using System.Net;
using System.Net.Http.Json;
using Dapper;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// Deadline reminders: registered by dispatch, stored with the reminders of the cluster (SQLite: the project's reminder
/// table; PostgreSQL: Orleans' ADO.NET reminders), so a restart does not lose them. The workflow clock is a fake one the
/// test moves across the restart; the reminder period is two seconds.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InspectionDeadlineTests(PostgresServer server)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    [Fact]
    public Task Embedded_reminders_warn_then_mark_overdue_inspections_and_publications_after_a_restart() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_reminders_mark_overdue_inspections_and_publications_after_a_restart() =>
        await RunAsync(await server.CreateDatabaseAsync("insp_deadlines"));

    private static async Task RunAsync(string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await StartAsync(postgres, directory, reminderPeriod: Period))
            {
                await first.AssignDirectAsync("TD", "OPEN", "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 10));
                var url = await first.SubmittedAsync("TD", "DONE", ["1"], new DateOnly(2026, 6, 10));
                using var reviewer = await first.As("rev-d1");
                var approved = await ReadAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
                // Approved Monday 1 June 2026; 20 working days later (Dragon Boat Festival, 19 June, is a holiday).
                Assert.Equal("2026-06-30", approved.GetProperty("deadlines").GetProperty("publicationDue").GetString());

                // Three working days before the due date the team is warned, once.
                first.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 5, 2, 0, 0, TimeSpan.Zero));
                await first.WaitForCountAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TD/OPEN' AND due_warned = @yes");
                Assert.Equal(2, await first.ScalarAsync("SELECT count(*) FROM notifications WHERE kind = 'due-soon' AND inspection_id = 'TD/OPEN'"));
                Assert.Equal(0, await first.ScalarAsync("SELECT count(*) FROM inspections WHERE overdue = @yes OR publication_overdue = @yes", new { yes = true }));
            }

            // Restart on the same database, two months later: nothing calls the grains; only their reminders do.
            await using var second = await StartAsync(postgres, directory, now: new DateTimeOffset(2026, 8, 3, 2, 0, 0, TimeSpan.Zero), seed: false, reminderPeriod: Period);
            await second.WaitForCountAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TD/OPEN' AND overdue = @yes");
            await second.WaitForCountAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TD/DONE' AND publication_overdue = @yes");
            Assert.Equal(0, await second.ScalarAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TD/DONE' AND overdue = @yes", new { yes = true }));
            Assert.Equal(1, await second.ScalarAsync("SELECT count(*) FROM notifications WHERE kind = 'publication-overdue' AND recipient = 'department:D1'"));
            Assert.Equal(1, await second.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.deadline' AND subject_key = 'TD/OPEN' AND after_json LIKE '%\"overdue\":true%'"));

            using var scheduler = await second.As("sched-d1");
            using var lead2 = await second.As("insp-C0000");
            var overdue = await ReadAsync(await lead2.GetAsync("/api/my/inspections?overdue=true"), HttpStatusCode.OK);
            Assert.Equal(["TD/OPEN"], overdue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    /// <summary>
    /// A platform stopped for three hours (by its workflow clock) while warnings fell due: on restart the deadline keeper
    /// catches them up at once, although each inspection's own reminder has an hour's period and the next real tick is up
    /// to an hour away.
    /// </summary>
    [Fact]
    public Task Embedded_warnings_missed_while_stopped_are_caught_up_within_a_minute_of_restarting() => CatchUpAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_warnings_missed_while_stopped_are_caught_up_within_a_minute_of_restarting() =>
        await CatchUpAsync(await server.CreateDatabaseAsync("insp_catch_up"));

    private static async Task CatchUpAsync(string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            // Friday 5 June 2026, 23:00 in Beijing: nothing is due yet.
            var friday = new DateTimeOffset(2026, 6, 5, 15, 0, 0, TimeSpan.Zero);
            await using (var first = await StartAsync(postgres, directory, now: friday))
            {
                await first.AssignDirectAsync("TC", "SOON", "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 10)); // due Wednesday
                await first.AssignDirectAsync("TC", "LATE", "C0002", "C0003", ["I1"], new DateOnly(2026, 6, 5));  // due today
                await first.AssignDirectAsync("TC", "LATER", "C0004", "C0005", ["I1"], new DateOnly(2026, 7, 31));
                Assert.Equal(0, await first.ScalarAsync("SELECT count(*) FROM inspections WHERE due_warned = @yes OR overdue = @yes", new { yes = true }));
            }

            // Three hours later, Saturday 02:00 in Beijing: SOON is three working days away (Mon, Tue, Wed), LATE is overdue.
            await using var second = await StartAsync(postgres, directory, now: friday.AddHours(3), seed: false);
            await second.WaitForCountAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TC/SOON' AND due_warned = @yes", within: TimeSpan.FromSeconds(60));
            await second.WaitForCountAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TC/LATE' AND overdue = @yes", within: TimeSpan.FromSeconds(60));
            Assert.Equal(2, await second.ScalarAsync("SELECT count(*) FROM notifications WHERE kind = 'due-soon' AND inspection_id = 'TC/SOON'"));
            Assert.Equal(0, await second.ScalarAsync("SELECT count(*) FROM inspections WHERE inspection_id = 'TC/LATER' AND (due_warned = @yes OR overdue = @yes)", new { yes = true }));

            // Nothing is warned twice.
            var again = await second.Grains.GetGrain<Supervision.Contracts.Inspections.IDeadlineKeeperGrain>(Supervision.Contracts.Inspections.IDeadlineKeeperGrain.DefaultKey).CatchUp();
            Assert.Equal(0, again.Due);
            Assert.Equal(2, await second.ScalarAsync("SELECT count(*) FROM notifications WHERE kind = 'due-soon' AND inspection_id = 'TC/SOON'"));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }
}
