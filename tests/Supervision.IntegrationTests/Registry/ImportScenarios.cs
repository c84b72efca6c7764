using System.CommandLine;
using System.Text;
using Dapper;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Registry;

/// <summary>Bulk-import behaviour, run against each storage provider by the test classes below.</summary>
public static class ImportScenarios
{
    private static readonly Actor Importer = new("importer", [Roles.Admin], null, null);

    public static async Task<SqlStore> FreshStoreAsync(StorageProvider provider, string connectionString)
    {
        await SchemaMigrator.MigrateAsync(provider, connectionString);
        return SqlStore.Create(provider, connectionString);
    }

    private static DirectoryImporter ImporterFor(SqlStore store, long bulkThreshold = DirectoryImporter.DefaultBulkThreshold) =>
        new(store, new AuditLog(store, TimeProvider.System), ReferenceData.Default, TimeProvider.System, bulkThreshold);

    public static async Task A_large_first_load_rebuilds_the_indexes_and_keeps_every_row(SqlStore store)
    {
        var file = new StringBuilder(Header);
        for (var i = 0; i < 300; i++)
        {
            file.Append(Code(6000 + i)).Append(",批量公司").Append(i).Append(",52,21010").Append(2 + (i % 3)).Append(",,,\n");
        }

        var indexesBefore = await IndexNamesAsync(store);
        var job = await ImporterFor(store, bulkThreshold: 100).ImportEntitiesAsync(Csv(file.ToString()), "bulk.csv", Importer);
        Assert.Equal(("completed", 300L), (job.Status, job.Inserted));
        Assert.Equal(indexesBefore, await IndexNamesAsync(store));
        await using var connection = await store.OpenAsync();
        Assert.Equal(100, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM market_entities WHERE division_code = '210103' AND credit_code LIKE '91210102MA006%'"));
        var again = await ImporterFor(store, bulkThreshold: 100).ImportEntitiesAsync(Csv(file.ToString()), "bulk.csv", Importer);
        Assert.Equal(300L, again.Unchanged);
    }

    private static async Task<List<string>> IndexNamesAsync(SqlStore store)
    {
        await using var connection = await store.OpenAsync();
        var sql = store.IsPostgres
            ? "SELECT indexname FROM pg_indexes WHERE tablename = 'market_entities' ORDER BY indexname"
            : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'market_entities' ORDER BY name";
        return (await connection.QueryAsync<string>(sql)).AsList();
    }

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string Code(int i) => CreditCode.Complete($"91210102MA0{i:D5}");

    private const string Header = "creditCode,name,industryCode,divisionCode,address,legalRepresentative,creditClass\n";

    public static async Task Reimporting_the_same_file_changes_nothing(SqlStore store)
    {
        var file = new StringBuilder(Header);
        for (var i = 0; i < 500; i++)
        {
            file.Append(Code(i)).Append(",\"沈阳市第").Append(i).Append("号商贸有限公司\",52,210102,\"和平区, 南京北街").Append(i).Append("号\",张三,C\n");
        }

        var importer = ImporterFor(store);
        var first = await importer.ImportEntitiesAsync(Csv(file.ToString()), "e.csv", Importer);
        Assert.Equal(("completed", 500L, 0L, 0L), (first.Status, first.Inserted, first.Updated, first.Unchanged));
        var versionsBefore = await VersionsAsync(store);

        var second = await importer.ImportEntitiesAsync(Csv(file.ToString()), "e.csv", Importer);
        Assert.Equal(("completed", 0L, 0L, 500L), (second.Status, second.Inserted, second.Updated, second.Unchanged));
        Assert.Equal(versionsBefore, await VersionsAsync(store));
        Assert.Equal(first.Sha256, second.Sha256);

        // One changed row: exactly one update, one version bump, the rest untouched.
        var changed = file.ToString().Replace("沈阳市第7号商贸有限公司", "沈阳市第7号商贸集团有限公司", StringComparison.Ordinal);
        var third = await importer.ImportEntitiesAsync(Csv(changed), "e.csv", Importer);
        Assert.Equal((0L, 1L, 499L), (third.Inserted, third.Updated, third.Unchanged));
        await using var connection = await store.OpenAsync();
        Assert.Equal("沈阳市第7号商贸集团有限公司", await connection.ExecuteScalarAsync<string>("SELECT name FROM market_entities WHERE credit_code = @c", new { c = Code(7) }));
        Assert.Equal("和平区, 南京北街7号", await connection.ExecuteScalarAsync<string>("SELECT address FROM market_entities WHERE credit_code = @c", new { c = Code(7) }));
    }

    public static async Task Bad_rows_are_reported_by_line_and_the_rest_is_imported(SqlStore store)
    {
        var file = Header
            + $"{Code(1001)},好公司一,52,210102,,,\n"                       // line 2: good
            + $"{Code(1002)},,52,210102,,,\n"                               // line 3: no name
            + $"{Code(1003)},好公司三,52,999999,,,\n"                       // line 4: unknown division
            + "91350100M000100Y44,校验位错误公司,52,210102,,,\n"            // line 5: wrong check character: kept, flagged
            + $"{Code(1005)},\"多行\n地址公司\",52,210102,,,\n"               // lines 6-7: quoted newline (names may not contain it)
            + $"{Code(1006)},好公司六,52,210102,,,\n";                      // line 8: good
        var importer = ImporterFor(store);
        var job = await importer.ImportEntitiesAsync(Csv(file), "bad.csv", Importer);
        Assert.Equal("completed", job.Status);
        Assert.Equal(6, job.RowsRead);
        Assert.Equal(3, job.Rejected);
        Assert.Equal(1, job.Flagged);
        Assert.Equal(3, job.Inserted);
        var errors = await importer.ErrorsAsync(job.Id, null, 100);
        Assert.Contains(errors, e => e.Line == 3 && e.Field == "name");
        Assert.Contains(errors, e => e.Line == 4 && e.Field == "divisionCode");
        Assert.Contains(errors, e => e.Line == 6);
        await using var connection = await store.OpenAsync();
        Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT checksum_review FROM market_entities WHERE credit_code = '91350100M000100Y44'"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM market_entities WHERE credit_code IN (@a, @b)", new { a = Code(1001), b = Code(1006) }));
    }

    public static async Task A_truncated_file_or_a_file_that_is_not_csv_changes_nothing(SqlStore store)
    {
        var importer = ImporterFor(store);
        var before = await CountAsync(store);

        var truncated = Header + $"{Code(2001)},完整的公司,52,210102,,,\n{Code(2002)},\"未结束的引号公司,52,210102,,,";
        var job = await importer.ImportEntitiesAsync(Csv(truncated), "cut.csv", Importer);
        Assert.Equal("failed", job.Status);
        Assert.Contains("Nothing was imported", job.Error, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(store));

        var binary = new MemoryStream([0x50, 0x4B, 0x03, 0x04, 0xFF, 0xFE, 0x00, 0x01, 0x02]);
        var notCsv = await importer.ImportEntitiesAsync(binary, "archive.zip", Importer);
        Assert.Equal("failed", notCsv.Status);
        Assert.False(string.IsNullOrWhiteSpace(notCsv.Error));

        var wrongHeader = await importer.ImportEntitiesAsync(Csv("id,title\n1,x\n"), "other.csv", Importer);
        Assert.Equal("failed", wrongHeader.Status);
        Assert.Contains("creditCode", wrongHeader.Error, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(store));
    }

    public static async Task A_key_repeated_in_one_file_takes_the_later_line_and_reports_the_earlier(SqlStore store)
    {
        var file = Header + $"{Code(3001)},先出现的名字,52,210102,,,\n{Code(3002)},另一家,52,210102,,,\n{Code(3001)},后出现的名字,52,210102,,,\n";
        var importer = ImporterFor(store);
        var job = await importer.ImportEntitiesAsync(Csv(file), "dup.csv", Importer);
        Assert.Equal(("completed", 2L), (job.Status, job.Inserted));
        await using var connection = await store.OpenAsync();
        Assert.Equal("后出现的名字", await connection.ExecuteScalarAsync<string>("SELECT name FROM market_entities WHERE credit_code = @c", new { c = Code(3001) }));
        var errors = await importer.ErrorsAsync(job.Id, null, 10);
        Assert.Contains(errors, e => e.Line == 2 && e.Reason.Contains("line 4", StringComparison.Ordinal));
    }

    public static async Task A_file_without_credit_classes_keeps_the_classes_already_held(SqlStore store)
    {
        var importer = ImporterFor(store);
        await importer.ImportEntitiesAsync(Csv(Header + $"{Code(4001)},分级公司,52,210102,,,D\n"), "a.csv", Importer);
        var job = await importer.ImportEntitiesAsync(Csv(Header + $"{Code(4001)},分级公司改名,52,210102,,,\n{Code(4002)},新公司,52,210102,,,\n"), "b.csv", Importer);
        Assert.Equal((1L, 1L), (job.Inserted, job.Updated));
        await using var connection = await store.OpenAsync();
        Assert.Equal("D", await connection.ExecuteScalarAsync<string>("SELECT credit_class FROM market_entities WHERE credit_code = @c", new { c = Code(4001) }));
        Assert.Equal("B", await connection.ExecuteScalarAsync<string>("SELECT credit_class FROM market_entities WHERE credit_code = @c", new { c = Code(4002) }));
    }

    public static async Task Every_import_is_one_audit_line_naming_the_file_hash(SqlStore store)
    {
        var importer = ImporterFor(store);
        var job = await importer.ImportEntitiesAsync(Csv(Header + $"{Code(5001)},审计公司,52,210102,,,\n"), "audit.csv", Importer);
        var entries = await new AuditLog(store, TimeProvider.System).ListAsync("import", job.Id, null, null, null, 10, CancellationToken.None);
        var entry = Assert.Single(entries);
        Assert.Equal("importer", entry.Actor);
        Assert.Contains(job.Sha256!, entry.AfterJson, StringComparison.Ordinal);
    }

    public static async Task Every_changed_record_has_its_own_audit_line_with_before_and_after(SqlStore store)
    {
        var importer = ImporterFor(store);
        await importer.ImportEntitiesAsync(Csv(Header + $"{Code(5101)},行审计公司,52,210102,旧地址,,\n{Code(5102)},不变公司,52,210102,,,\n"), "a.csv", Importer);
        await importer.ImportEntitiesAsync(Csv(Header + $"{Code(5101)},行审计公司,52,210102,新地址,,\n{Code(5102)},不变公司,52,210102,,,\n"), "b.csv", Importer);
        var log = new AuditLog(store, TimeProvider.System);
        var first = await log.ListAsync("entity", Code(5101), null, null, null, 10, CancellationToken.None);
        Assert.Equal(["entity.updated", "entity.created"], first.Select(e => e.Action));
        Assert.Contains("旧地址", first[0].BeforeJson, StringComparison.Ordinal);
        Assert.Contains("新地址", first[0].AfterJson, StringComparison.Ordinal);
        Assert.Null(first[1].BeforeJson);
        Assert.Contains("\"creditCode\"", first[1].AfterJson, StringComparison.Ordinal);
        // The unchanged record has its created line only.
        Assert.Equal(["entity.created"], (await log.ListAsync("entity", Code(5102), null, null, null, 10, CancellationToken.None)).Select(e => e.Action));
    }

    public static async Task The_command_line_import_reports_and_applies_a_generated_directory(StorageProvider provider, string connectionString, string dataDirectory)
    {
        var folder = Directory.CreateTempSubdirectory("supervision-cli-");
        try
        {
            var generator = new SyntheticDirectory(7, 2_000, 50);
            var path = Path.Combine(folder.FullName, "entities.csv");
            await using (var file = File.Create(path))
            {
                generator.WriteEntitiesCsv(file);
            }

            var root = new RootCommand { Supervision.Cli.ImportCommand.Create() };
            string[] storage = provider == StorageProvider.PostgreSql ? ["--postgres", connectionString] : ["--data", dataDirectory];
            Assert.Equal(0, await root.Parse(["import", "entities", path, .. storage]).InvokeAsync());
            Assert.Equal(0, await root.Parse(["import", "entities", path, .. storage]).InvokeAsync());
            await using var store = SqlStore.Create(provider, connectionString);
            await using var connection = await store.OpenAsync();
            var jobs = (await connection.QueryAsync<(long Inserted, long Unchanged)>("SELECT inserted, unchanged FROM import_jobs WHERE kind = 'entities' ORDER BY id")).AsList();
            Assert.Equal((2_000L, 0L), jobs[^2]);
            Assert.Equal((0L, 2_000L), jobs[^1]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<long> CountAsync(SqlStore store)
    {
        await using var connection = await store.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM market_entities");
    }

    private static async Task<List<(string, long)>> VersionsAsync(SqlStore store)
    {
        await using var connection = await store.OpenAsync();
        return (await connection.QueryAsync<(string, long)>("SELECT credit_code, version FROM market_entities ORDER BY credit_code")).AsList();
    }
}

/// <summary>The audit log refuses to be rewritten, whoever asks: the database itself enforces append-only.</summary>
public static class AuditScenarios
{
    public static async Task The_audit_log_refuses_updates_and_deletes(SqlStore store)
    {
        await using (var connection = await store.OpenAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await new AuditLog(store, TimeProvider.System).AppendAsync(connection, tx, Actor.System("test"), "test.written", "test", "k1", null, null, new { a = 1 });
            await tx.CommitAsync();
        }

        foreach (var statement in new[] { "UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log" })
        {
            await using var connection = await store.OpenAsync();
            var error = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(statement));
            Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        }

        await using var check = await store.OpenAsync();
        Assert.Equal("system:test", await check.ExecuteScalarAsync<string>("SELECT actor FROM audit_log WHERE subject_key = 'k1'"));
    }
}
