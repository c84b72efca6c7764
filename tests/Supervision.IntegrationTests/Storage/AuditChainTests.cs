using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Time.Testing;
using Supervision.Infrastructure.Audit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Storage;

/// <summary>
/// The tamper-evident audit log: every line chained by hash in id order, each day's head published; the chain is
/// verified, and a changed line, a deleted line and a whole rewritten chain (anchors included) are each detected —
/// the last by the anchors the public saved before.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditChainTests(PostgresServer server)
{
    [Fact]
    public Task Embedded_audit_chain_detects_changed_deleted_and_rewritten_lines() => RunAsync(null);

    [PostgresFact]
    public async Task PostgreSQL_audit_chain_detects_changed_deleted_and_rewritten_lines() => await RunAsync(await server.CreateDatabaseAsync("audit_chain"));

    private static async Task RunAsync(string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using var platform = await InspectionPlatform.StartAsync(postgres, directory);
            using var admin = await platform.Host.AdminAsync();
            for (var i = 0; i < 5; i++)
                await InspectionPlatform.ReadAsync(await admin.PostAsJsonAsync("/api/departments", new { code = $"AC{i}", name = $"审计链{i}" }), HttpStatusCode.Created);

            // The chainer as it runs tomorrow: every line of today chained, today anchored.
            var tomorrow = new AuditChainStore(platform.Store, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1)));
            if (postgres is not null)
            {
                // A long transaction (an import writing its row audit lines early) holds a lower id while later lines commit:
                // the chain waits for it instead of passing the gap, and chains it once it commits.
                await using var longTransaction = new Npgsql.NpgsqlConnection(postgres);
                await longTransaction.OpenAsync();
                await using var held = await longTransaction.BeginTransactionAsync();
                await longTransaction.ExecuteAsync(
                    "INSERT INTO audit_log (at, actor, action, subject_type, subject_key) VALUES (now(), 'importer', 'entity.updated', 'entity', 'held')", transaction: held);
                await InspectionPlatform.ReadAsync(await admin.PostAsJsonAsync("/api/departments", new { code = "AC9", name = "审计链后" }), HttpStatusCode.Created);
                await tomorrow.ExtendAsync();
                Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM audit_chain c JOIN audit_log l ON l.id = c.id WHERE l.after_json LIKE '%AC9%'"));
                await held.CommitAsync(); // chained by the next run, below
            }

            await tomorrow.ExtendAsync();
            var intact = await tomorrow.VerifyAsync();
            Assert.True(intact.Intact, intact.Problem);
            var lines = await platform.ScalarAsync("SELECT count(*) FROM audit_log");
            Assert.True(lines >= 5);
            Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM audit_log l WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.id = l.id)"));
            Assert.Equal(lines, intact.Lines);

            // The public's copy of the anchors, and the command-line check.
            using var anonymous = platform.Host.Anonymous();
            var anchorsJson = await anonymous.GetStringAsync("/api/public/v1/audit-anchors");
            var anchorsFile = Path.Combine(directory, "anchors.json");
            await File.WriteAllTextAsync(anchorsFile, anchorsJson);
            Assert.Contains(intact.Head, anchorsJson, StringComparison.Ordinal);
            Assert.Contains(intact.Head, await anonymous.GetStringAsync("/open-data"), StringComparison.Ordinal); // and on the portal
            string[] storage = postgres is null ? ["--data", directory] : ["--postgres", postgres];
            Assert.Equal(0, await Cli(["verify-audit", "--anchors", anchorsFile, .. storage]));

            // The append-only triggers stop an ordinary rewrite; someone who disables them is still caught.
            await using var connection = await platform.Store.OpenAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("UPDATE audit_log SET actor = 'someone else'"));
            await DisableTriggersAsync(connection, postgres is not null);
            var target = await connection.ExecuteScalarAsync<long>("SELECT id FROM audit_log WHERE after_json LIKE '%AC2%' ORDER BY id LIMIT 1");
            await connection.ExecuteAsync("UPDATE audit_log SET actor = 'someone else' WHERE id = @target", new { target });
            var changed = await tomorrow.VerifyAsync();
            Assert.Equal(target, changed.BrokenAt);
            Assert.Equal(1, await Cli(["verify-audit", .. storage]));

            // Deleted instead: the line after it breaks.
            await connection.ExecuteAsync("DELETE FROM audit_log WHERE id = @target", new { target });
            var deleted = await tomorrow.VerifyAsync();
            Assert.NotNull(deleted.BrokenAt);
            Assert.True(deleted.BrokenAt > target);

            // The whole chain and its anchors rebuilt over the shortened log: consistent with itself, but not with the
            // anchors the public saved.
            await connection.ExecuteAsync("DELETE FROM audit_chain");
            await connection.ExecuteAsync("DELETE FROM audit_anchors");
            await tomorrow.ExtendAsync();
            Assert.True((await tomorrow.VerifyAsync()).Intact);
            Assert.Equal(1, await Cli(["verify-audit", "--anchors", anchorsFile, .. storage]));
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }

    private static Task<int> Cli(string[] args) => new RootCommand { Supervision.Cli.VerifyAuditCommand.Create() }.Parse(args).InvokeAsync();

    private static async Task DisableTriggersAsync(System.Data.Common.DbConnection connection, bool postgres)
    {
        if (postgres)
        {
            foreach (var table in new[] { "audit_log", "audit_chain", "audit_anchors" })
                await connection.ExecuteAsync($"ALTER TABLE {table} DISABLE TRIGGER USER");
            return;
        }

        foreach (var trigger in new[] { "audit_log_no_update", "audit_log_no_delete", "audit_chain_no_update", "audit_chain_no_delete", "audit_anchors_no_update", "audit_anchors_no_delete" })
            await connection.ExecuteAsync($"DROP TRIGGER {trigger}");
    }
}
