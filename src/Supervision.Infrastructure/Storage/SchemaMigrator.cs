// TEMPORARY: replaced by the storage work on branch wip/storage.
using Dapper;
namespace Supervision.Infrastructure.Storage;

public static class SchemaMigrator
{
    public static async Task MigrateAsync(StorageProvider provider, string connectionString, CancellationToken ct)
    {
        await using var store = SqlStore.Create(provider, connectionString);
        await using var c = await store.OpenAsync(ct);
        await c.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)");
        var folder = provider == StorageProvider.PostgreSql ? ".postgres." : ".sqlite.";
        var asm = typeof(SchemaMigrator).Assembly;
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.Contains(folder, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = name[(name.IndexOf(folder, StringComparison.Ordinal) + folder.Length)..];
            var version = int.Parse(file[..4], System.Globalization.CultureInfo.InvariantCulture);
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }) > 0) continue;
            using var reader = new StreamReader(asm.GetManifestResourceStream(name)!);
            await using var tx = await c.BeginTransactionAsync(ct);
            await c.ExecuteAsync(await reader.ReadToEndAsync(ct), transaction: tx);
            await c.ExecuteAsync("INSERT INTO schema_migrations (version, name) VALUES (@version, @file)", new { version, file }, tx);
            await tx.CommitAsync(ct);
        }
    }
}
