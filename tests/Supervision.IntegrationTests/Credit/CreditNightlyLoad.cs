using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Grains.Credit;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Credit;

/// <summary>
/// The nightly recomputation over N scored entities on PostgreSQL, as production runs it (<see cref="CreditNightlyJob.RunAsync"/>:
/// keyset batches from credit_scores, the kernel, changed classes written back with change rows and audit lines). The
/// population is made in SQL: N directory rows and N score rows whose stored class is the class 30 days before the run, so
/// the run finds a month of decay to apply.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CreditNightlyLoad(PostgresServer server, ITestOutputHelper output)
{
    [BenchmarkFact("SUPERVISION_CREDIT_LOAD", "benchmarks/credit-nightly.sh")]
    public async Task Nightly_recomputation_over_a_large_population()
    {
        var n = long.Parse(Environment.GetEnvironmentVariable("SUPERVISION_CREDIT_LOAD")!, CultureInfo.InvariantCulture);
        var cs = await server.CreateDatabaseAsync("credit_load");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, cs, CancellationToken.None);
        var store = SqlStore.Create(StorageProvider.PostgreSql, cs);
        var model = new CreditModel(new CreditSettings());
        var at = new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);
        var setup = Stopwatch.StartNew();
        await using (var connection = await store.OpenAsync())
        {
            // Codes: '91' + 16 digits (the credit code's shape; the check characters play no part here).
            await connection.ExecuteAsync(
                """
                INSERT INTO market_entities (credit_code, name, entity_type, industry_code, division_code, status, credit_class, updated_at)
                SELECT '91' || lpad(i::text, 16, '0'), 'E' || i, '91', '52', '210100', 'open', 'B', now() FROM generate_series(1, @n) i
                """, new { n }, commandTimeout: 3600);
            // Summaries: reference instants over the last five years; half the entities with one or two decayed event sums.
            await connection.ExecuteAsync(
                """
                INSERT INTO credit_scores (entity_credit_code, score, credit_class, weight, as_of_days, bucket0, bucket1, bucket2, bucket3, event_count, layout, computed_at, revision)
                SELECT code, s, CASE WHEN s >= 85 THEN 'A' WHEN s >= 65 THEN 'B' WHEN s >= 45 THEN 'C' ELSE 'D' END, 1, asof, b0, b1, b2, 0, 2, @layout, now(), 1
                FROM (
                    SELECT code, asof, b0, b1, b2,
                           70 + b0 * power(2, -(@before - asof) / 365.0) + b1 * power(2, -(@before - asof) / 730.0) + b2 * power(2, -(@before - asof) / 1095.0) AS s
                    FROM (
                        SELECT '91' || lpad(i::text, 16, '0') AS code, @before - random() * 1800 AS asof,
                               CASE WHEN random() < 0.3 THEN 6 ELSE 0 END AS b0,
                               CASE WHEN random() < 0.5 THEN -40 * random() ELSE 4 * random() END AS b1,
                               CASE WHEN random() < 0.2 THEN -35 * random() ELSE 0 END AS b2
                        FROM generate_series(1, @n) i) raw) scored
                """, new { n, layout = model.Fingerprint, before = CreditSummary.ToDays(at.AddDays(-30)) }, commandTimeout: 3600);
            await connection.ExecuteAsync("ANALYZE market_entities; ANALYZE credit_scores", commandTimeout: 3600);
        }
        output.WriteLine($"setup: {n:N0} directory rows and score rows in {setup.Elapsed.TotalSeconds:F1} s");

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(at);
        var metrics = new CreditMetrics();
        var credit = new CreditNightlyStore(store, new AuditLog(store, clock), model, clock);
        var job = new CreditNightlyJob(credit, model, metrics, NullLogger<CreditNightlyJob>.Instance);
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
        var timer = Stopwatch.StartNew();
        var totals = await job.RunAsync("load", at, Actor.System("load"));
        var elapsed = timer.Elapsed;
        var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nightly: {totals.Entities:N0} entities, {totals.RowsRead:N0} rows read in {totals.Batches} batches, {totals.Changed:N0} classes changed, {totals.Stale} stale, in {elapsed.TotalSeconds:F1} s ({totals.Entities / elapsed.TotalSeconds:N0} entities/s); classes {string.Join('/', totals.CountByClass)}; load {string.Join(' ', load)} → {string.Join(' ', loadAfter)}"));
        Assert.Equal(n, totals.RowsRead);
        Assert.Equal(metrics.NightlyRowsRead, totals.RowsRead);
        Assert.Equal(0, metrics.ScoreGrainActivations);
        await using (var connection = await store.OpenAsync())
            Assert.Equal(totals.Changed, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM credit_class_changes"));
        await store.DisposeAsync();
    }
}
