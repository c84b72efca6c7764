using Dapper;
using Orleans.TestingHost;
using Supervision.Contracts.Registry;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Storage;

namespace Supervision.IntegrationTests.Registry;

/// <summary>The entity and inspector grains on an Orleans test cluster (embedded storage).</summary>
public sealed class DirectoryGrainTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
    private TestCluster _cluster = null!;

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "supervision.db")}";

    private static readonly Actor Admin = new("grain-admin", [Roles.Admin], null, null);
    private static readonly Actor SchedulerA = new("grain-scheduler-a", [Roles.Scheduler], "GA", null);
    private static readonly Actor ReviewerA = new("grain-reviewer-a", [Roles.Reviewer], "GA", null);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await SchemaMigrator.MigrateAsync(StorageProvider.Sqlite, ConnectionString);
        await using var store = SqlStore.Create(StorageProvider.Sqlite, ConnectionString);
        await using var connection = await store.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO departments (code, name, version, created_at, updated_at) VALUES ('GA', 'A', 1, '2026-01-01', '2026-01-01'), ('GB', 'B', 1, '2026-01-01', '2026-01-01')");
        _cluster = await StorageTestClusters.StartAsync(StorageProvider.Sqlite, ConnectionString, "grains-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        ApiHost.TryDelete(_directory);
    }

    private static InspectorRecord Inspector(string number, string department) => new()
    {
        CertificateNo = number,
        Name = "检查员" + number,
        DepartmentCode = department,
        CertificateExpiresOn = new DateOnly(2031, 6, 30),
        Specialties = ["GA-001"],
    };

    [Fact]
    public async Task A_scheduler_keeps_only_their_own_departments_inspectors()
    {
        var own = _cluster.GrainFactory.GetGrain<IInspectorGrain>("G-A-1");
        var created = await own.Save(Inspector("G-A-1", "GA"), null, SchedulerA);
        Assert.Equal(DirectoryWriteStatus.Created, created.Status);

        var foreign = await _cluster.GrainFactory.GetGrain<IInspectorGrain>("G-B-1").Save(Inspector("G-B-1", "GB"), null, SchedulerA);
        Assert.Equal(DirectoryWriteStatus.Forbidden, foreign.Status);

        // Moving one's own inspector into another department is also refused.
        var moved = await own.Save(Inspector("G-A-1", "GB"), created.Version, SchedulerA);
        Assert.Equal(DirectoryWriteStatus.Forbidden, moved.Status);

        var byReviewer = await _cluster.GrainFactory.GetGrain<IInspectorGrain>("G-A-2").Save(Inspector("G-A-2", "GA"), null, ReviewerA);
        Assert.Equal(DirectoryWriteStatus.Forbidden, byReviewer.Status);
    }

    [Fact]
    public async Task An_entity_update_against_a_stale_version_is_refused_and_changes_nothing()
    {
        var code = CreditCode.Complete("91210102MA0GR001");
        var grain = _cluster.GrainFactory.GetGrain<IMarketEntityGrain>(code);
        var record = new MarketEntityRecord { CreditCode = code, Name = "粒度测试有限公司", EntityType = "91", IndustryCode = "52", DivisionCode = "210102" };
        var created = await grain.Save(record, null, Admin);
        Assert.Equal((DirectoryWriteStatus.Created, 1L), (created.Status, created.Version));

        var first = await grain.Save(record with { Name = "粒度测试二有限公司" }, 1, Admin);
        Assert.Equal((DirectoryWriteStatus.Updated, 2L), (first.Status, first.Version));
        var stale = await grain.Save(record with { Name = "不该写入的名字" }, 1, Admin);
        Assert.Equal((DirectoryWriteStatus.VersionMismatch, 2L), (stale.Status, stale.Version));

        var again = await grain.Save(record, null, Admin);
        Assert.Equal(DirectoryWriteStatus.AlreadyExists, again.Status);

        await using var store = SqlStore.Create(StorageProvider.Sqlite, ConnectionString);
        await using var connection = await store.OpenAsync();
        Assert.Equal("粒度测试二有限公司", await connection.ExecuteScalarAsync<string>("SELECT name FROM market_entities WHERE credit_code = @code", new { code }));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE subject_key = @code", new { code }));
    }

    [Fact]
    public async Task Entities_entered_by_hand_are_checked_strictly_and_inspectors_cannot_write_them()
    {
        var grain = _cluster.GrainFactory.GetGrain<IMarketEntityGrain>("91350203M0001QAY9B");
        var record = new MarketEntityRecord { CreditCode = "91350203M0001QAY9B", Name = "校验失败公司", EntityType = "91", IndustryCode = "52", DivisionCode = "350203" };
        var result = await grain.Save(record, null, Admin);
        Assert.Equal(DirectoryWriteStatus.Invalid, result.Status);
        Assert.Contains(result.Errors, e => e.Field == "creditCode");

        var inspector = new Actor("grain-inspector", [Roles.Inspector], "GA", "G-A-1");
        Assert.Equal(DirectoryWriteStatus.Forbidden, (await grain.Save(record, null, inspector)).Status);
    }
}
