using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// The platform keeps working across the end of the official holiday notices (the shipped ones end on 2026-12-31):
/// deadlines reaching into 2027 are computed from the statutory rules and marked provisional; when the 2027 notice is
/// added as a file and the platform restarts, every open deadline is computed again and each move is audited.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ProvisionalCalendarTests(PostgresServer server)
{
    // Tuesday 15 December 2026, 10:00 in Beijing.
    private static readonly DateTimeOffset Mid = new(2026, 12, 15, 2, 0, 0, TimeSpan.Zero);

    // A made-up 2027 notice for the test, unlike the statutory year in one place: Monday 4 January is a day off too.
    private const string Notice2027 = """
        { "year": 2027,
          "holidays": [ { "name": "元旦", "from": "2027-01-01", "to": "2027-01-04" } ],
          "workingDays": [] }
        """;

    [Fact]
    public Task Embedded_deadlines_past_the_notices_are_provisional_then_recomputed_when_the_notice_is_added() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_deadlines_past_the_notices_are_provisional_then_recomputed_when_the_notice_is_added() =>
        await RunAsync(await server.CreateDatabaseAsync("provisional_calendar"));

    private static async Task RunAsync(string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        var reference = Path.Combine(directory, "reference");
        Directory.CreateDirectory(reference);
        var settings = new Dictionary<string, string?> { ["Supervision:ReferenceDataDirectory"] = reference };
        try
        {
            await using (var first = await StartAsync(postgres, directory, now: Mid, settings: settings))
            {
                // A violation found and approved on 15 December: the correction order, the re-inspection and the
                // publication deadline all fall in January 2027. This answered 422 while the calendar stopped in 2026.
                var approved = await ApproveAsync(first, "E1", "A");
                var deadlines = approved.GetProperty("deadlines");
                Assert.Equal("2027-01-13", deadlines.GetProperty("publicationDue").GetString());
                Assert.True(deadlines.GetProperty("publicationDueProvisional").GetBoolean());

                using var reviewer = await first.As("rev-d1");
                var followUps = await ReadAsync(await reviewer.GetAsync("/api/follow-ups?entity=E1"), HttpStatusCode.OK);
                Assert.Equal(
                    [("correction-order", null, "2027-01-06", true), ("reinspection", "2027-01-07", "2027-01-20", true)],
                    FollowUps(followUps));

                // Unreachable on Wednesday 23 December (the visit is the day before the approval): listed by 7 January.
                first.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 24, 2, 0, 0, TimeSpan.Zero));
                await ApproveAsync(first, "E2", "6");
                var listings = await ReadAsync(await reviewer.GetAsync("/api/abnormal-listings?entity=E2"), HttpStatusCode.OK);
                var listing = Assert.Single(listings.EnumerateArray());
                Assert.Equal("2027-01-07", listing.GetProperty("listBy").GetString());
                Assert.True(listing.GetProperty("listByProvisional").GetBoolean());

                // Nothing to move yet: the start-up run found the same dates.
                Assert.Equal(0, await first.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'deadline.recomputed'"));

            }

            // The notice arrives; the platform restarts with it (January 2027 by the clock).
            await File.WriteAllTextAsync(Path.Combine(reference, "calendar-cn-2027.json"), Notice2027);
            await using var second = await StartAsync(postgres, directory, now: new DateTimeOffset(2027, 1, 5, 2, 0, 0, TimeSpan.Zero), seed: false, settings: settings);
            // Five moves: E1's correction order and re-inspection, E2's listing, and both publication deadlines.
            await second.WaitForCountAsync("SELECT count(*) FROM audit_log WHERE action = 'deadline.recomputed'", 5);

            using var reviewer2 = await second.As("rev-d1");
            var moved = await ReadAsync(await reviewer2.GetAsync("/api/follow-ups?entity=E1"), HttpStatusCode.OK);
            Assert.Equal([("correction-order", null, "2027-01-07", false), ("reinspection", "2027-01-08", "2027-01-21", false)], FollowUps(moved));
            var listing2 = Assert.Single((await ReadAsync(await reviewer2.GetAsync("/api/abnormal-listings?entity=E2"), HttpStatusCode.OK)).EnumerateArray());
            Assert.Equal("2027-01-08", listing2.GetProperty("listBy").GetString());
            Assert.False(listing2.GetProperty("listByProvisional").GetBoolean());
            var e1 = await ReadAsync(await reviewer2.GetAsync("/api/inspections/TC/E1"), HttpStatusCode.OK);
            Assert.Equal("2027-01-14", e1.GetProperty("deadlines").GetProperty("publicationDue").GetString());
            Assert.False(e1.GetProperty("deadlines").GetProperty("publicationDueProvisional").GetBoolean());

            // Each move is one audit line with the dates before and after and the calendar that moved them.
            await using (var connection = await second.Store.OpenAsync())
            {
                var lines = (await connection.QueryAsync<(string SubjectType, string SubjectKey, string Before, string After)>(
                    "SELECT subject_type, subject_key, before_json, after_json FROM audit_log WHERE action = 'deadline.recomputed' ORDER BY subject_key")).ToList();
                Assert.Equal(["follow-up", "follow-up", "abnormal-listing", "inspection", "inspection"],
                    lines.Select(l => l.SubjectType).OrderBy(t => t == "inspection" ? 2 : t == "abnormal-listing" ? 1 : 0));
                var correction = lines.Single(l => l.SubjectKey == "TC/E1/I1/correction");
                Assert.Contains("\"dueOn\":\"2027-01-06\"", correction.Before, StringComparison.Ordinal);
                Assert.Contains("\"dueOn\":\"2027-01-07\"", correction.After, StringComparison.Ordinal);
                Assert.Contains("calendar-cn-2027.json", correction.After, StringComparison.Ordinal);
                var publication = lines.Single(l => l.SubjectKey == "TC/E1");
                Assert.Contains("2027-01-13", publication.After, StringComparison.Ordinal);
                Assert.Contains("2027-01-14", publication.After, StringComparison.Ordinal);
            }

            // A second run with the same calendar moves nothing.
            var again = await second.Grains.GetGrain<IDeadlineKeeperGrain>(IDeadlineKeeperGrain.DefaultKey).Recompute(Actor.System("test"));
            Assert.Equal((0, 0, 0), (again.FollowUpsMoved, again.ListingsMoved, again.PublicationsMoved));
            Assert.Equal(5, await second.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'deadline.recomputed'"));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    /// <summary>Records, signs, submits and approves a one-item result with <paramref name="code"/>; returns the approval.</summary>
    private static async Task<JsonElement> ApproveAsync(InspectionPlatform platform, string entity, string code)
    {
        var url = await platform.SubmittedAsync("TC", entity, [code], new DateOnly(2027, 3, 1));
        using var reviewer = await platform.As("rev-d1");
        return await ReadAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
    }

    private static List<(string?, string?, string?, bool)> FollowUps(JsonElement rows) =>
        [.. rows.EnumerateArray()
            .Select(r => (r.GetProperty("kind").GetString(), r.GetProperty("notBefore").GetString(), r.GetProperty("dueOn").GetString(), r.GetProperty("provisional").GetBoolean()))
            .OrderBy(r => r.Item1, StringComparer.Ordinal)];
}
