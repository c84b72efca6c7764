using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Grains.Tasks;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Operations;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Draw;

/// <summary>The operation store's housekeeping and the draw secret's seal, without a cluster.</summary>
public sealed class OperationStoreTests
{
    [Fact]
    public async Task Ended_operations_past_their_retention_are_purged_and_running_ones_never()
    {
        var directory = Directory.CreateTempSubdirectory("operations-");
        try
        {
            var connectionString = $"Data Source={Path.Combine(directory.FullName, "ops.db")}";
            await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, connectionString);
            await using var store = SqlStore.Create(StorageProvider.Sqlite, connectionString);
            var operations = new OperationStore(store, new AuditLog(store, TimeProvider.System), TimeProvider.System);
            var actor = new Actor("sched", [Roles.Scheduler], "D1", null);
            var now = DateTimeOffset.UtcNow;
            foreach (var (id, kind) in new[] { ("op-old", OperationKinds.Freeze), ("op-recent", OperationKinds.DrawEntities), ("op-running", OperationKinds.Dispatch) })
                await operations.AcceptAsync(OperationWorkflow.Accept(id, kind, "T1", "D1", "sched", now), actor);
            foreach (var (id, completed) in new[] { ("op-old", now.AddDays(-100)), ("op-recent", now.AddDays(-1)) })
            {
                var o = (await operations.GetAsync(id))!;
                var claimed = OperationWorkflow.Claim(o, "silo", now, TimeSpan.FromSeconds(6)).Operation;
                Assert.True(await operations.WriteAsync(claimed, o.Version));
                Assert.True(await operations.WriteAsync(OperationWorkflow.Succeed(claimed, "silo", "{}", completed).Operation, claimed.Version));
            }

            Assert.Equal(1, await operations.PurgeAsync(now.AddDays(-90)));
            Assert.Null(await operations.GetAsync("op-old"));
            Assert.NotNull(await operations.GetAsync("op-recent"));
            Assert.Equal(OperationStates.Running, (await operations.GetAsync("op-running"))!.State);
            await using var connection = await store.OpenAsync();
            Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'operation.accepted'"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_sealed_secret_opens_only_with_its_key_and_for_its_task()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var protector = new DrawSecretProtector(key);
        var sealedSecret = protector.Seal(secret, "T1");
        Assert.Equal(secret, protector.Open(sealedSecret, "T1"));
        Assert.True(sealedSecret.AsSpan().IndexOf(secret) < 0);
        Assert.Null(protector.Open(sealedSecret, "T2"));
        Assert.Null(new DrawSecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).Open(sealedSecret, "T1"));
        Assert.Null(new DrawSecretProtector((byte[]?)null).Open(sealedSecret, "T1"));
        Assert.False(new DrawSecretProtector((byte[]?)null).Enabled);
        Assert.NotEqual(sealedSecret, protector.Seal(secret, "T1")); // a fresh nonce each time
    }
}
