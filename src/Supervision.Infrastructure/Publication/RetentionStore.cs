using System.Globalization;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>One bulk-file partition a withdrawal touched: a year of publications, one lead department or every one ('').</summary>
public sealed record ExportPartition(int Year, string Department)
{
    public override string ToString() => Year.ToString(CultureInfo.InvariantCulture) + "/" + Department;

    public static ExportPartition Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return new ExportPartition(int.Parse(text[..slash], CultureInfo.InvariantCulture), text[(slash + 1)..]);
    }
}

/// <summary>A daily run of the expiry job as stored: its counts, the partitions it touched, and whether their files were generated again.</summary>
public sealed record RetentionRunRow
{
    public DateOnly RunOn { get; init; }
    public DateTimeOffset RanAt { get; init; }
    public long ResultsWithdrawn { get; init; }
    public long VersionsWithdrawn { get; init; }
    public long ListingsWithdrawn { get; init; }
    public string Partitions { get; init; } = "";
    public DateTimeOffset? FilesRegeneratedAt { get; init; }
    public long? FilesRegenerated { get; init; }

    public IReadOnlyList<ExportPartition> PartitionList =>
        Partitions.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(ExportPartition.Parse).ToList();
}

/// <summary>A withdrawn record as the staff see it (what, whose, under which rule, when).</summary>
public sealed record PublicWithdrawalRow
{
    public required string RecordKind { get; init; }
    public required string RecordId { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string SubjectKind { get; init; }
    public DateOnly PublicFrom { get; init; }
    public DateOnly ExpiredOn { get; init; }
    public long Years { get; init; }
    public DateTimeOffset WithdrawnAt { get; init; }
    public DateOnly RunOn { get; init; }
}

/// <summary>
/// The expiry job's reads and its one write (docs/retention.md): the candidates past the shortest period, and a run that
/// withdraws what <see cref="Retention.Expired"/> decided — every public version of each expired result marked withdrawn,
/// each expired listing recorded, the touched partitions' stored checksums forgotten, the run's row and one audit line with
/// the counts — in one transaction, once per Beijing day. The files are generated again afterwards
/// (<see cref="BulkExport.RegenerateAsync"/>) and the run marked done, so a crash in between is resumed by the next tick.
/// </summary>
public sealed class RetentionStore(SqlStore store, AuditLog audit)
{
    public const string AuditAction = "publication.retention";

    /// <summary>Results with a public version whose first publication is on or before <paramref name="upTo"/>, with the entity's type.</summary>
    public async Task<IReadOnlyList<RetentionCandidate>> ResultCandidatesAsync(DateOnly upTo, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<CandidateRow>(
            """
            SELECT r.inspection_id AS RecordId, r.entity_credit_code AS EntityCreditCode, min(m.entity_type) AS EntityType, min(r.published_on) AS PublicFrom
            FROM published_results r
            LEFT JOIN market_entities m ON m.credit_code = r.entity_credit_code
            GROUP BY r.inspection_id, r.entity_credit_code
            HAVING min(r.published_on) <= @upTo AND sum(CASE WHEN r.withdrawn_at IS NULL THEN 1 ELSE 0 END) > 0
            ORDER BY r.inspection_id
            """, new { upTo }, ct);
        return rows.Select(r => new RetentionCandidate(PublicRecordKinds.Result, r.RecordId, r.EntityCreditCode, r.EntityType, r.PublicFrom)).ToList();
    }

    /// <summary>Removed abnormal-operations entries removed on or before <paramref name="upTo"/> and not yet withdrawn.</summary>
    public async Task<IReadOnlyList<RetentionCandidate>> ListingCandidatesAsync(DateOnly upTo, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<CandidateRow>(
            """
            SELECT a.entry_id AS RecordId, a.entity_credit_code AS EntityCreditCode, m.entity_type AS EntityType, a.removed_on AS PublicFrom
            FROM abnormal_entries a
            LEFT JOIN market_entities m ON m.credit_code = a.entity_credit_code
            WHERE a.state = 'removed' AND a.listed_on IS NOT NULL AND a.removed_on IS NOT NULL AND a.removed_on <= @upTo
              AND NOT EXISTS (SELECT 1 FROM public_withdrawals w WHERE w.record_kind = 'abnormal-listing' AND w.record_id = a.entry_id)
            ORDER BY a.entry_id
            """, new { upTo }, ct);
        return rows.Select(r => new RetentionCandidate(PublicRecordKinds.AbnormalListing, r.RecordId, r.EntityCreditCode, r.EntityType, r.PublicFrom)).ToList();
    }

    public Task<RetentionRunRow?> RunAsync(DateOnly runOn, CancellationToken ct = default) =>
        store.QuerySingleOrDefaultAsync<RetentionRunRow>($"SELECT {RunColumns} FROM retention_runs WHERE run_on = @runOn", new { runOn }, ct);

    /// <summary>Runs whose files were not generated again yet (a crash after the withdrawal), oldest first.</summary>
    public Task<IReadOnlyList<RetentionRunRow>> UnfinishedRunsAsync(CancellationToken ct = default) =>
        store.QueryAsync<RetentionRunRow>($"SELECT {RunColumns} FROM retention_runs WHERE files_regenerated_at IS NULL ORDER BY run_on", null, ct);

    public Task<IReadOnlyList<PublicWithdrawalRow>> WithdrawalsAsync(string? entityCreditCode, CancellationToken ct = default) =>
        store.QueryAsync<PublicWithdrawalRow>(
            """
            SELECT record_kind AS RecordKind, record_id AS RecordId, entity_credit_code AS EntityCreditCode, subject_kind AS SubjectKind,
                   public_from AS PublicFrom, expired_on AS ExpiredOn, years AS Years, withdrawn_at AS WithdrawnAt, run_on AS RunOn
            FROM public_withdrawals WHERE (@entity IS NULL OR entity_credit_code = @entity)
            ORDER BY withdrawn_at DESC, record_kind, record_id
            """, new { entity = entityCreditCode }, ct);

    private const string RunColumns =
        """
        run_on AS RunOn, ran_at AS RanAt, results_withdrawn AS ResultsWithdrawn, versions_withdrawn AS VersionsWithdrawn,
        listings_withdrawn AS ListingsWithdrawn, partitions AS Partitions, files_regenerated_at AS FilesRegeneratedAt, files_regenerated AS FilesRegenerated
        """;

    /// <summary>
    /// Withdraws <paramref name="withdrawals"/> and records the run of <paramref name="runOn"/> with its audit line, in one
    /// transaction; null (nothing written) when that day's run is already recorded. A record withdrawn meanwhile is skipped.
    /// </summary>
    public Task<RetentionRunRow?> WithdrawAsync(DateOnly runOn, IReadOnlyList<RetentionWithdrawal> withdrawals, RetentionPolicy policy, Actor actor,
        DateTimeOffset now, CancellationToken ct = default) =>
        store.InTransactionAsync<RetentionRunRow?>(async (connection, tx) =>
        {
            // The run's row first: a second run of the same day (another silo, a retried tick) conflicts here and writes nothing.
            var claimed = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO retention_runs (run_on, ran_at, results_withdrawn, versions_withdrawn, listings_withdrawn, partitions)
                VALUES (@runOn, @now, 0, 0, 0, '') ON CONFLICT (run_on) DO NOTHING
                """, new { runOn, now }, tx, cancellationToken: ct));
            if (claimed == 0) return null;

            int results = 0, versions = 0, listings = 0;
            var partitions = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var w in withdrawals)
            {
                var recorded = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO public_withdrawals (record_kind, record_id, entity_credit_code, subject_kind, public_from, expired_on, years, withdrawn_at, run_on)
                    VALUES (@RecordKind, @RecordId, @EntityCreditCode, @SubjectKind, @PublicFrom, @ExpiredOn, @years, @now, @runOn)
                    ON CONFLICT (record_kind, record_id) DO NOTHING
                    """, new { w.RecordKind, w.RecordId, w.EntityCreditCode, w.SubjectKind, w.PublicFrom, w.ExpiredOn,
                        years = policy.YearsFor(w.RecordKind, w.SubjectKind), now, runOn }, tx, cancellationToken: ct));
                if (w.RecordKind == PublicRecordKinds.AbnormalListing)
                {
                    listings += recorded;
                    continue;
                }

                var touched = await connection.QueryAsync<TouchedRow>(new CommandDefinition(
                    "SELECT published_on AS PublishedOn, lead_department AS LeadDepartment FROM published_results WHERE inspection_id = @RecordId AND withdrawn_at IS NULL",
                    new { w.RecordId }, tx, cancellationToken: ct));
                var marked = await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE published_results SET withdrawn_at = @now WHERE inspection_id = @RecordId AND withdrawn_at IS NULL",
                    new { w.RecordId, now }, tx, cancellationToken: ct));
                if (marked == 0) continue;
                results++;
                versions += marked;
                foreach (var t in touched)
                {
                    partitions.Add(new ExportPartition(t.PublishedOn.Year, t.LeadDepartment).ToString());
                    partitions.Add(new ExportPartition(t.PublishedOn.Year, "").ToString());
                }
            }

            // The touched partitions' files change: every checksum stored for them is forgotten (a later last seq may equal an
            // earlier one's now), and the job generates each file again after the commit.
            foreach (var p in partitions.Select(ExportPartition.Parse))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM published_exports WHERE year = @Year AND department = @Department", p, tx, cancellationToken: ct));
            }

            var text = string.Join(';', partitions);
            var done = partitions.Count == 0 ? now : (DateTimeOffset?)null;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE retention_runs SET results_withdrawn = @results, versions_withdrawn = @versions, listings_withdrawn = @listings, partitions = @text,
                    files_regenerated_at = @done, files_regenerated = @files
                WHERE run_on = @runOn
                """, new { results, versions, listings, text, done, files = partitions.Count == 0 ? 0 : (int?)null, runOn }, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, AuditAction, "retention-run", runOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, null,
                new
                {
                    resultsWithdrawn = results, versionsWithdrawn = versions, listingsWithdrawn = listings, partitions = partitions.ToList(),
                    policy = new
                    {
                        results = new { policy.Results.LegalPersonYears, policy.Results.NaturalPersonYears },
                        abnormalListings = new { policy.AbnormalListings.LegalPersonYears, policy.AbnormalListings.NaturalPersonYears },
                    },
                });
            return new RetentionRunRow
            {
                RunOn = runOn, RanAt = now, ResultsWithdrawn = results, VersionsWithdrawn = versions, ListingsWithdrawn = listings, Partitions = text,
                FilesRegeneratedAt = done, FilesRegenerated = partitions.Count == 0 ? 0 : null,
            };
        }, ct);

    /// <summary>Marks a run's files generated again (once).</summary>
    public Task MarkFilesRegeneratedAsync(DateOnly runOn, int files, DateTimeOffset now, CancellationToken ct = default) =>
        store.ExecuteAsync(
            "UPDATE retention_runs SET files_regenerated_at = @now, files_regenerated = @files WHERE run_on = @runOn AND files_regenerated_at IS NULL",
            new { runOn, files, now }, ct);

    private sealed class TouchedRow
    {
        public DateOnly PublishedOn { get; set; }
        public string LeadDepartment { get; set; } = "";
    }

    /// <summary>Dapper maps SQLite's text dates through the store's handlers only onto settable properties.</summary>
    private sealed class CandidateRow
    {
        public string RecordId { get; set; } = "";
        public string EntityCreditCode { get; set; } = "";
        public string? EntityType { get; set; }
        public DateOnly PublicFrom { get; set; }
    }
}
