using System.Globalization;
using Dapper;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Credit.CreditSql;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// The persistence of external-records imports: which entities are in the directory, and the accepted records of one import
/// with its report, appended in one transaction. The reports are read through <see cref="CreditQueries.ImportAsync"/>.
/// </summary>
public sealed class CreditImportStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    /// <summary>Which of <paramref name="codes"/> are in the entity directory.</summary>
    public async Task<HashSet<string>> KnownEntitiesAsync(IReadOnlyCollection<string> codes, CancellationToken ct = default)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await store.OpenAsync(ct);
        foreach (var chunk in codes.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var p = new DynamicParameters();
            var names = chunk.Select((c, i) => { p.Add("c" + i.ToString(CultureInfo.InvariantCulture), c); return "@c" + i.ToString(CultureInfo.InvariantCulture); });
            foreach (var c in await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT credit_code FROM market_entities WHERE credit_code IN ({string.Join(", ", names)})", p, cancellationToken: ct)))
                known.Add(c);
        }
        return known;
    }

    /// <summary>
    /// Appends the accepted records of one import and its report in one transaction (with one audit line): all of them or
    /// none. A record that repeats the latest stored one for its (authority, reference) (<see cref="ExternalCreditRecord.Repeats"/>)
    /// is counted as unchanged and not appended.
    /// </summary>
    public Task<(int Appended, int Unchanged)> AppendExternalAsync(CreditImportReport report, IReadOnlyList<ExternalCreditRecord> records, Actor actor,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            // An import run again as the same operation (its silo died after this committed) appends nothing twice.
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM credit_imports WHERE import_id = @ImportId", new { report.ImportId }, tx, cancellationToken: ct)) > 0)
                return (0, 0);
            var now = clock.GetUtcNow();
            int appended = 0, unchanged = 0;
            foreach (var r in records)
            {
                var latest = await connection.QueryFirstOrDefaultAsync<ExternalRecordFact>(new CommandDefinition(
                    $"SELECT {ExternalColumns} FROM credit_external_records WHERE authority = @Authority AND reference = @Reference ORDER BY seq DESC LIMIT 1",
                    new { r.Authority, r.Reference }, tx, cancellationToken: ct));
                if (r.Repeats(latest))
                {
                    unchanged++;
                    continue;
                }
                var kind = r.KindCode;
                var severity = r.Severity?.ToString();
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO credit_external_records (authority, reference, entity_credit_code, kind, severity, occurred_on, description, import_id, imported_by, recorded_at)
                    VALUES (@Authority, @Reference, @CreditCode, @kind, @severity, @OccurredOn, @Description, @importId, @by, @now)
                    """,
                    new { r.Authority, r.Reference, r.CreditCode, kind, severity, r.OccurredOn, r.Description, importId = report.ImportId, by = actor.Username, now },
                    tx, cancellationToken: ct));
                // One line per record, on the entity: a hand-made input that moves a credit class is on the entity's record.
                await audit.AppendAsync(connection, tx, actor, "credit.external-record", "entity", r.CreditCode, null,
                    latest is null ? null : new { latest.Kind, latest.Severity, latest.OccurredOn, latest.Description },
                    new { r.Authority, r.Reference, kind, severity, r.OccurredOn, r.Description, importId = report.ImportId });
                appended++;
            }
            var final = report with { Accepted = appended, Unchanged = unchanged, ImportedAt = now, ImportedBy = actor.Username };
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO credit_imports (import_id, file_name, sha256, rows_read, accepted, unchanged, rejected, errors_json, imported_by, imported_at)
                VALUES (@ImportId, @FileName, @Sha256, @RowsRead, @Accepted, @Unchanged, @Rejected, @errors, @ImportedBy, @ImportedAt)
                """,
                new
                {
                    final.ImportId, final.FileName, final.Sha256, final.RowsRead, final.Accepted, final.Unchanged, final.Rejected,
                    errors = AuditLog.Serialize(final.Errors), final.ImportedBy, final.ImportedAt,
                }, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "credit.import-external", "credit-import", report.ImportId, null, null,
                new { final.FileName, final.Sha256, final.RowsRead, final.Accepted, final.Unchanged, final.Rejected });
            return (appended, unchanged);
        }, ct);
}
