using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Grains.Credit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Credit;

/// <summary>
/// The credit service end to end over HTTP, on the embedded SQLite mode and on PostgreSQL: outcome events move scores and
/// classes, classes reach the directory and the next freeze, the feed is idempotent across restarts, amendments supersede,
/// time decays scores, and the nightly job reclassifies in batches without activating grains.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CreditServiceTests(PostgresServer server)
{
    private static readonly DateOnly Visit = new(2026, 5, 29);

    [Fact]
    public Task Embedded_events_move_scores_and_the_next_freeze_uses_the_new_class() => EventsReachTheFreezeAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_events_move_scores_and_the_next_freeze_uses_the_new_class() =>
        await EventsReachTheFreezeAsync(await server.CreateDatabaseAsync("credit_freeze"));

    [Fact]
    public Task Embedded_nightly_job_decays_scores_in_batches_without_activating_grains_and_follows_new_thresholds() => NightlyAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_nightly_job_decays_scores_in_batches_without_activating_grains_and_follows_new_thresholds() =>
        await NightlyAsync(await server.CreateDatabaseAsync("credit_nightly"));

    private static async Task EventsReachTheFreezeAsync(string? postgres)
    {
        await using var p = await CreditFixtures.StartCreditAsync(postgres);
        using var scheduler = await p.As("sched-d1");
        var entity = (await p.EntitiesAsync("B", 1))[0];
        var before = await CreditFixtures.FrozenTaskAsync(scheduler, "frozen before the events");

        await p.OutcomeAsync(entity, $"T1/{entity}", "I1", 1, ["C"], Visit);
        await p.OutcomeAsync(entity, $"T2/{entity}", "I1", 1, ["B"], Visit);
        var report = await p.RunFeedAsync();
        Assert.Equal(2, report.GetProperty("outcomesRead").GetInt32());
        Assert.Equal(1, report.GetProperty("classChanges").GetInt32());

        // 70 − 25 − 10, decayed over three days with a 730-day half-life: about 35.1, class D.
        Assert.Equal("D", await p.DirectoryClassAsync(entity));
        var view = await p.CreditOfAsync(entity);
        var credit = view.GetProperty("credit");
        Assert.Equal("D", credit.GetProperty("modelClass").GetString());
        Assert.Equal(30, credit.GetProperty("weight").GetDouble());
        var score = credit.GetProperty("score").GetDouble();
        Assert.InRange(score, 34.9, 35.2);
        var contributions = credit.GetProperty("contributions").EnumerateArray().ToList();
        Assert.Equal(2, contributions.Count);
        Assert.Equal(score, 70 + contributions.Sum(c => c.GetProperty("contribution").GetDouble()), 9);
        Assert.Equal(-25, contributions[0].GetProperty("baseImpact").GetDouble());
        Assert.All(contributions, c => Assert.Equal("outcome", c.GetProperty("source").GetString()));

        // The change is auditable: a change row naming the crossed threshold, and an audit line.
        var change = Assert.Single(view.GetProperty("classChanges").EnumerateArray());
        Assert.Equal(("B", "D", "events"), (change.GetProperty("oldClass").GetString(), change.GetProperty("newClass").GetString(), change.GetProperty("cause").GetString()));
        Assert.Contains("fell below C threshold 45", change.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await p.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'credit.class-change' AND subject_key = @entity", new { entity }));

        // The task frozen before keeps the class it froze; a task frozen now draws the entity in stratum D with n_D/N_D.
        var old = (await p.CreditOfAsync(entity, before)).GetProperty("inclusion");
        Assert.Equal("B", old.GetProperty("stratum").GetString());
        var after = await CreditFixtures.FrozenTaskAsync(scheduler, "frozen after the events");
        var inclusion = (await p.CreditOfAsync(entity, after)).GetProperty("inclusion");
        var classD = await p.ScalarAsync("SELECT count(*) FROM market_entities WHERE credit_class = 'D' AND status = 'open'");
        Assert.True(inclusion.GetProperty("inPopulation").GetBoolean());
        Assert.Equal("D", inclusion.GetProperty("stratum").GetString());
        Assert.Equal($"1/{classD}", inclusion.GetProperty("probabilityExact").GetString());
        Assert.Equal(1.0 / classD, inclusion.GetProperty("probability").GetDouble(), 12);
    }

    [Fact]
    public async Task Feed_is_idempotent_across_restarts_and_repeated_steps_and_an_amendment_supersedes_its_version()
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string entity;
            await using (var first = await CreditFixtures.StartCreditAsync(null, directory))
            {
                entity = (await first.EntitiesAsync("B", 1, skip: 3))[0];
                await first.OutcomeAsync(entity, $"TA/{entity}", "I1", 1, ["C", "E"], Visit);
                await first.RunFeedAsync();
                Assert.Equal("D", await first.DirectoryClassAsync(entity));
            }

            await using var second = await CreditFixtures.StartCreditAsync(null, directory, seed: false);
            // The feed's and the nightly job's reminders were registered once, in the reminder table, and survived the restart.
            Assert.Equal(2, await second.ScalarAsync("SELECT count(*) FROM orleans_reminders WHERE reminder_name IN ('poll', 'nightly')"));
            // The checkpoint survived the restart: nothing is read twice.
            Assert.Equal(0, (await second.RunFeedAsync()).GetProperty("outcomesRead").GetInt32());
            // A crash after the entities committed but before the checkpoint moved repeats the step: nothing changes twice.
            await second.ScalarAsync("UPDATE credit_feed_checkpoints SET last_seq = 0");
            Assert.Equal(1, (await second.RunFeedAsync()).GetProperty("outcomesRead").GetInt32());
            Assert.Equal(1, await second.ScalarAsync("SELECT count(*) FROM credit_events WHERE entity_credit_code = @entity", new { entity }));
            Assert.Equal(1, await second.ScalarAsync("SELECT count(*) FROM credit_class_changes WHERE entity_credit_code = @entity", new { entity }));

            // The amendment (version 2) replaces version 1 of the same item: 70 + 4 → class B again.
            await second.OutcomeAsync(entity, $"TA/{entity}", "I1", 2, ["1"], Visit.AddDays(1));
            await second.RunFeedAsync();
            Assert.Equal("B", await second.DirectoryClassAsync(entity));
            // Re-reading both versions in one step keeps the higher one.
            await second.ScalarAsync("UPDATE credit_feed_checkpoints SET last_seq = 0");
            await second.RunFeedAsync();
            var contribution = Assert.Single((await second.CreditOfAsync(entity)).GetProperty("credit").GetProperty("contributions").EnumerateArray());
            Assert.Equal(4, contribution.GetProperty("baseImpact").GetDouble());
            Assert.Equal(2, await second.ScalarAsync("SELECT count(*) FROM credit_class_changes WHERE entity_credit_code = @entity", new { entity }));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    private static async Task NightlyAsync(string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        var batch = new Dictionary<string, string?> { ["Supervision:Credit:NightlyBatchSize"] = "7" };
        try
        {
            string[] entities;
            var later = DefaultNow.AddYears(5);
            await using (var first = await CreditFixtures.StartCreditAsync(postgres, directory, settings: batch))
            {
                entities = await first.EntitiesAsync("B", 20);
                foreach (var e in entities) await first.OutcomeAsync(e, $"TN/{e}", "I1", 1, ["D"], Visit);
                await first.RunFeedAsync();
                Assert.All(entities, e => Assert.Equal("C", first.DirectoryClassAsync(e).GetAwaiter().GetResult()));

                // Five years on, −15 has decayed to about −2.6: score 67.3, class B. The nightly job finds it from the stored
                // summaries alone: 20 rows read in batches of 7, no credit grain activated.
                var metrics = first.Host.Services.GetRequiredService<CreditMetrics>();
                var activations = metrics.ScoreGrainActivations;
                var (rows, batches) = (metrics.NightlyRowsRead, metrics.NightlyBatches);
                first.Clock.SetUtcNow(later);
                var run = await first.RecomputeAsync();
                Assert.Equal((20, 20, 3, 20), (run.GetProperty("entities").GetInt64(), run.GetProperty("rowsRead").GetInt64(),
                    run.GetProperty("batches").GetInt64(), run.GetProperty("changed").GetInt64()));
                Assert.Equal((20, 3), (metrics.NightlyRowsRead - rows, metrics.NightlyBatches - batches));
                Assert.Equal(activations, metrics.ScoreGrainActivations);
                Assert.All(entities, e => Assert.Equal("B", first.DirectoryClassAsync(e).GetAwaiter().GetResult()));
                Assert.Equal(20, await first.ScalarAsync("SELECT count(*) FROM credit_class_changes WHERE cause = 'nightly'"));
                Assert.Equal(20, await first.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'credit.class-change' AND actor = 'admin'"));
                // Nothing left to change: a second run writes nothing.
                Assert.Equal(0, (await first.RecomputeAsync()).GetProperty("changed").GetInt64());
            }

            // New thresholds (B from 65 to 70) take effect without touching the events: the next run moves 67.3 to C.
            var stricter = new Dictionary<string, string?>(batch) { ["Supervision:Credit:Thresholds:B"] = "70" };
            await using var second = await CreditFixtures.StartCreditAsync(postgres, directory, now: later, seed: false, settings: stricter);
            Assert.Equal(20, (await second.RecomputeAsync()).GetProperty("changed").GetInt64());
            Assert.All(entities, e => Assert.Equal("C", second.DirectoryClassAsync(e).GetAwaiter().GetResult()));
            using var admin = await second.Host.AdminAsync();
            var settings = await ReadAsync(await admin.GetAsync("/api/credit/settings"), HttpStatusCode.OK);
            Assert.Equal(70, settings.GetProperty("thresholds").GetProperty("b").GetDouble());
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Follow_ups_and_listings_become_events_missed_corrections_with_time_and_done_ones_with_a_clean_reinspection()
    {
        await using var p = await CreditFixtures.StartCreditAsync();
        var entity = (await p.EntitiesAsync("B", 1, skip: 5))[0];
        var order = $"TF/{entity}/I1/correction-order";
        await p.OutcomeAsync(entity, $"TF/{entity}", "I1", 1, ["A"], new DateOnly(2026, 5, 28));
        await p.ScalarAsync(
            """
            INSERT INTO follow_ups (action_key, kind, entity_credit_code, task_id, inspection_id, item_code, department_code, not_before, due_on, status, source_version, payload_json, updated_at)
            VALUES (@order, 'correction-order', @entity, 'TF', @inspection, 'I1', 'D1', NULL, @due, 'open', 1, '{}', @now)
            """, new { order, entity, inspection = $"TF/{entity}", due = new DateOnly(2026, 6, 19), now = DateTimeOffset.UtcNow });
        await p.RunFeedAsync();
        string[] Kinds(JsonElement v) => [.. v.GetProperty("credit").GetProperty("contributions").EnumerateArray().Select(c => c.GetProperty("kind").GetString()!).Order()];
        Assert.Equal(["InspectionOutcome"], Kinds(await p.CreditOfAsync(entity)));

        // Past the due date with no re-inspection: the feed's time sweep records the missed correction.
        p.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 25, 2, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, (await p.RunFeedAsync()).GetProperty("timeDueEntities").GetInt32());
        Assert.Equal(["CorrectionMissed", "InspectionOutcome"], Kinds(await p.CreditOfAsync(entity)));
        Assert.Equal(0, (await p.RunFeedAsync()).GetProperty("timeDueEntities").GetInt32());

        // A clean re-inspection before the due date arrives late: the correction was done after all. Meanwhile a listing came and went.
        await p.ScalarAsync(
            """
            INSERT INTO abnormal_entries (entry_id, entity_credit_code, ground, source, source_inspection_id, source_version, department_code, found_on, list_by,
                state, listed_on, escalation_due_on, removed_on, removed_basis, created_by, created_at, version)
            VALUES ('ab-th', @entity, 'unreachable', 'finding', @source, 1, 'D1', @verified, @verified, 'removed', @verified, @alert, @removed, @by, 'test', @now, 3)
            """, new { entity, source = $"TH/{entity}", verified = new DateOnly(2026, 6, 2), alert = new DateOnly(2029, 6, 2), removed = new DateOnly(2026, 6, 20), by = $"inspection TG/{entity}", now = DateTimeOffset.UtcNow });
        await p.OutcomeAsync(entity, $"TG/{entity}", "I1", 1, ["1"], new DateOnly(2026, 6, 18));
        await p.RunFeedAsync();
        Assert.Equal(["AbnormalListed", "AbnormalRemoved", "CorrectionDone", "InspectionOutcome", "InspectionOutcome"], Kinds(await p.CreditOfAsync(entity)));

        // Where a re-inspection settled the order (status done / missed), that decision counts.
        await p.ScalarAsync("UPDATE follow_ups SET status = 'missed' WHERE action_key = @order", new { order });
        await p.OutcomeAsync(entity, $"TJ/{entity}", "I2", 1, ["1"], new DateOnly(2026, 6, 22), department: "D2");
        await p.RunFeedAsync();
        Assert.Equal(["AbnormalListed", "AbnormalRemoved", "CorrectionMissed", "InspectionOutcome", "InspectionOutcome", "InspectionOutcome"], Kinds(await p.CreditOfAsync(entity)));
    }
}
