using Dapper;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// The writes of publication outside the inspection's commit: a department's publication settings (version-checked, with
/// the audit line) and the checksum of a bulk download once it was generated. Reads are <see cref="PublicationQueries"/>.
/// </summary>
public sealed class PublicationStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    /// <summary>Changes a department's publication settings (version-checked, audited). Null when the department does not exist;
    /// false when the version moved on.</summary>
    public Task<bool?> UpdateSettingsAsync(string department, string publishMode, bool publishTeamNames, long expectedVersion, Actor actor, CancellationToken ct) =>
        store.InTransactionAsync<bool?>(async (connection, tx) =>
        {
            var before = await PublicationQueries.ReadSettingsAsync(connection, tx, department, ct);
            if (before is null) return null;
            if (before.Version != expectedVersion) return false;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE departments SET publish_mode = @publishMode, publish_team_names = @publishTeamNames, version = version + 1, updated_at = @now
                WHERE code = @department AND version = @expectedVersion
                """, new { publishMode, publishTeamNames, now = clock.GetUtcNow(), department, expectedVersion }, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "department.publication", "department", department, department,
                new { before.PublishMode, before.PublishTeamNames, before.Version },
                new { publishMode, publishTeamNames, version = expectedVersion + 1 });
            return true;
        }, ct);

    /// <summary>Records the checksum of a bulk download's bytes (once per partition and last seq).</summary>
    public Task SaveExportInfoAsync(ExportInfo info, CancellationToken ct) =>
        store.ExecuteAsync(
            """
            INSERT INTO published_exports (year, department, format, last_seq, row_count, byte_count, sha256, generated_at)
            VALUES (@Year, @Department, @Format, @LastSeq, @RowCount, @ByteCount, @Sha256, @GeneratedAt)
            ON CONFLICT (year, department, format, last_seq) DO NOTHING
            """, info, ct);

    /// <summary>Stores the checksum of a partition's file generated again after a withdrawal, replacing one for the same last seq.</summary>
    public Task ReplaceExportInfoAsync(ExportInfo info, CancellationToken ct) =>
        store.ExecuteAsync(
            """
            INSERT INTO published_exports (year, department, format, last_seq, row_count, byte_count, sha256, generated_at)
            VALUES (@Year, @Department, @Format, @LastSeq, @RowCount, @ByteCount, @Sha256, @GeneratedAt)
            ON CONFLICT (year, department, format, last_seq) DO UPDATE
            SET row_count = excluded.row_count, byte_count = excluded.byte_count, sha256 = excluded.sha256, generated_at = excluded.generated_at
            """, info, ct);
}
