using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Notifications;

namespace Supervision.Infrastructure.Inspections;

/// <summary>Deadline marks kept beside the core's value, as columns of the inspections row.</summary>
public sealed record InspectionMarks(bool DueWarned, bool Overdue, DateOnly? ApprovedOn, DateOnly? PublicationDue, bool PublicationOverdue,
    bool PublicationWarned = false)
{
    public static readonly InspectionMarks None = new(false, false, null, null, false);
}

/// <summary>An inspection as stored: the core value, its marks, and the list fields of the read model.</summary>
public sealed record StoredInspection(Inspection Inspection, InspectionMarks Marks, string EntityName, string DivisionCode);

/// <summary>One change to commit: the value before (its revision guards the write) and after, and what it causes;
/// <see cref="At"/> is the workflow's time of the change (publication dates are Beijing dates of it).</summary>
public sealed record InspectionChange(
    StoredInspection Before,
    Inspection After,
    InspectionMarks Marks,
    Actor Actor,
    string Action,
    object? AuditDetail,
    IReadOnlyList<InspectionOutcome> Outcomes,
    IReadOnlyList<Notification> Notifications,
    DateTimeOffset? At = null,
    FollowUpPlan? FollowUps = null);

/// <summary>The row was changed by someone else since it was read (another activation): nothing was written.</summary>
public sealed class InspectionRevisionConflictException(string inspectionId, long expected)
    : Exception($"Inspection {inspectionId} is no longer at revision {expected}.");

/// <summary>
/// The entity's open listings are no longer those the change's follow-ups were decided against (another inspection of the
/// entity committed in between): nothing was written, and the grain decides again.
/// </summary>
public sealed class FollowUpBasisChangedException(string inspectionId)
    : Exception($"The open abnormal listings of inspection {inspectionId}'s entity changed while its follow-ups were decided.");

/// <summary>What the follow-up rules decide over (<see cref="FollowUpRules.Decide"/>): the entity's open listings caused by other
/// inspections, and for a re-inspection the source inspection of each item it re-inspects.</summary>
public sealed record FollowUpFacts(IReadOnlyList<AbnormalListing> OpenListings, IReadOnlyDictionary<string, string> ReinspectedFrom);

/// <summary>A file being stored: its hash, size and type (the bytes stream separately).</summary>
public sealed record EvidenceUpload(string Sha256, long SizeBytes, string MediaType);

/// <summary>
/// The write side of inspections: each grain's value (JSON) and the read model in one row, written with the audit line,
/// outcome events, the follow-ups the grain decided and notifications of the change in one transaction, guarded by the
/// revision; the grain's own loads; evidence and dispatch records. Lists and views are <see cref="InspectionQueries"/>.
/// </summary>
public sealed class InspectionStore(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock, Abnormal.AbnormalStore register)
{
    /// <summary>
    /// The JSON of <c>state_json</c>: the core's <see cref="Inspection"/> with enum names. Derived read-only properties
    /// (<see cref="Inspection.CurrentVersion"/>, <see cref="Inspection.ReviewingDepartments"/>) are left out: they would
    /// store the latest version twice and are recomputed on reading.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(Inspection)) return;
                    foreach (var derived in info.Properties.Where(p => p.Set is null).ToList()) info.Properties.Remove(derived);
                },
            },
        },
    };

    public static string ToJson(Inspection inspection) => JsonSerializer.Serialize(inspection, Json);

    public static Inspection FromJson(string json) =>
        JsonSerializer.Deserialize<Inspection>(json, Json) ?? throw new InvalidOperationException("stored inspection is null");

    public async Task<StoredInspection?> LoadAsync(string inspectionId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<(string Json, string EntityName, string DivisionCode, bool DueWarned, bool Overdue,
            DateOnly? ApprovedOn, DateOnly? PublicationDue, bool PublicationOverdue, bool PublicationWarned)>(new CommandDefinition(
            """
            SELECT state_json, entity_name, division_code, due_warned, overdue, approved_on, publication_due, publication_overdue, publication_warned
            FROM inspections WHERE inspection_id = @inspectionId
            """, new { inspectionId }, cancellationToken: ct));
        return row.Json is null
            ? null
            : new StoredInspection(FromJson(row.Json), new InspectionMarks(row.DueWarned, row.Overdue, row.ApprovedOn, row.PublicationDue, row.PublicationOverdue, row.PublicationWarned),
                row.EntityName, row.DivisionCode);
    }

    /// <summary>The team as the lists read it (<c>inspections.team</c>, lead first, and one <c>inspection_members</c> row per member), rewritten after a change of team.</summary>
    private static async Task WriteTeamAsync(DbConnection connection, DbTransaction tx, Inspection insp, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition("UPDATE inspections SET team = @team WHERE inspection_id = @InspectionId",
            new { team = TeamColumn(insp), insp.InspectionId }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM inspection_members WHERE inspection_id = @InspectionId",
            new { insp.InspectionId }, tx, cancellationToken: ct));
        await InsertMembersAsync(connection, tx, insp, ct);
    }

    private static async Task InsertMembersAsync(DbConnection connection, DbTransaction tx, Inspection insp, CancellationToken ct)
    {
        foreach (var m in insp.Team)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO inspection_members (certificate_no, inspection_id, username, is_lead) VALUES (@CertificateNo, @id, @Username, @IsLead)",
                new { m.CertificateNo, id = insp.InspectionId, m.Username, m.IsLead }, tx, cancellationToken: ct));
        }
    }

    private static string TeamColumn(Inspection insp) => Wrap(insp.Team.OrderByDescending(m => m.IsLead).Select(m => m.CertificateNo));

    /// <summary>The account that holds <paramref name="certificateNo"/> (the first by name when several do), or null when none does.</summary>
    public async Task<string?> AccountOfCertificateAsync(string certificateNo, CancellationToken ct = default)
    {
        return await store.ExecuteScalarAsync<string?>(
            "SELECT min(username) FROM users WHERE inspector_certificate_no = @certificateNo", new { certificateNo }, ct);
    }

    /// <summary>Inserts a new inspection with its team rows, audit line and notifications. False (nothing written) when it exists.</summary>
    public Task<bool> CreateAsync(StoredInspection created, Actor actor, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var insp = created.Inspection;
            var now = clock.GetUtcNow();
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO inspections (inspection_id, task_id, entity_credit_code, entity_name, division_code, lead_department, departments, team,
                    state, due_date, revision, state_json, created_at, updated_at)
                VALUES (@InspectionId, @TaskId, @EntityCreditCode, @entityName, @divisionCode, @LeadDepartment, @departments, @team,
                    @state, @DueDate, @Revision, @json, @now, @now)
                ON CONFLICT (inspection_id) DO NOTHING
                """,
                new
                {
                    insp.InspectionId, insp.TaskId, insp.EntityCreditCode, entityName = created.EntityName, divisionCode = created.DivisionCode,
                    insp.LeadDepartment, departments = Wrap(insp.ReviewingDepartments), team = TeamColumn(insp),
                    state = insp.State.ToString(), insp.DueDate, insp.Revision, json = ToJson(insp), now,
                }, tx, cancellationToken: ct));
            if (inserted == 0) return false;
            await InsertMembersAsync(connection, tx, insp, ct);
            await audit.AppendAsync(connection, tx, actor, "inspection.assign", "inspection", insp.InspectionId, insp.LeadDepartment, null,
                new { insp.State, insp.Revision, insp.DueDate, team = insp.Team.Select(m => m.CertificateNo), items = insp.Items.Select(i => i.ItemCode) });
            await notifier.NotifyAsync(connection, tx, notifications, now, ct);
            return true;
        }, ct);

    /// <summary>
    /// What the follow-up rules decide over for an outcome of <paramref name="inspectionId"/> (read before the commit; the
    /// commit checks the listings again).
    /// </summary>
    public async Task<FollowUpFacts> FollowUpFactsAsync(string entityCreditCode, string inspectionId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var open = await OpenListingsAsync(connection, null, entityCreditCode, inspectionId, ct);
        var sources = await connection.QueryAsync<(string ItemCode, string Source)>(new CommandDefinition(
            "SELECT item_code, source_inspection_id FROM reinspections WHERE inspection_id = @inspectionId", new { inspectionId }, cancellationToken: ct));
        return new FollowUpFacts(open, sources.ToDictionary(r => r.ItemCode, r => r.Source, StringComparer.Ordinal));
    }

    /// <summary>The entity's listings not yet removed, other than those <paramref name="inspectionId"/> caused.</summary>
    private static async Task<IReadOnlyList<AbnormalListing>> OpenListingsAsync(DbConnection connection, DbTransaction? tx, string entity, string inspectionId,
        CancellationToken ct) =>
        (await connection.QueryAsync<AbnormalListingRow>(new CommandDefinition(
            $"SELECT {InspectionQueries.ListingColumns} FROM abnormal_listings WHERE entity_credit_code = @entity AND removed_on IS NULL",
            new { entity }, tx, cancellationToken: ct)))
            .Where(l => l.SourceInspectionId != inspectionId)
            .Select(l => new AbnormalListing(l.EntityCreditCode, l.ReasonCode, l.VerifiedOn, l.ListBy, l.SourceInspectionId, l.SourceVersion, l.SeriousAlertOn))
            .ToList();

    /// <summary>
    /// Commits one change: the row (only if still at the revision read), the audit line, the outcome events with the
    /// follow-ups the grain decided for them (<see cref="InspectionChange.FollowUps"/>, one decision per outcome), the
    /// abnormal-operations register's part of them, the public record when the published version moved, and the
    /// notifications. Throws <see cref="InspectionRevisionConflictException"/> (nothing written) when the row moved on, and
    /// <see cref="FollowUpBasisChangedException"/> (nothing written) when the entity's open listings are no longer those the
    /// follow-ups were decided against.
    /// </summary>
    /// <remarks>
    /// <paramref name="alongside"/>, when given, writes in the same transaction what must be committed with this change or
    /// not at all (a replacement after dispatch: the task's draw record with the team's change).
    /// </remarks>
    public Task CommitAsync(InspectionChange change, Func<DbConnection, DbTransaction, Task>? alongside = null, CancellationToken ct = default)
    {
        var plan = change.FollowUps ?? FollowUpPlan.None;
        if (!plan.Decisions.Select(d => d.Outcome).SequenceEqual(change.Outcomes))
            throw new ArgumentException("every outcome of a change needs its follow-up decision, in order", nameof(change));
        return alongside is null && IsSingleStatement(change) ? CommitOneStatementAsync(change, ct) : CommitInTransactionAsync(change, plan, alongside, ct);
    }

    /// <summary>
    /// On PostgreSQL a change that causes no outcome events and no notifications (save draft, sign, submit — the
    /// frequent ones) is written by one statement: the revision-guarded UPDATE and the audit line that inserts only if
    /// the UPDATE matched. One statement is one (implicit) transaction and one round trip instead of BEGIN, UPDATE,
    /// INSERT and COMMIT; it returns after the commit, so the answer still follows durability. A change that publishes
    /// writes the public tables too, so it always takes the transaction.
    /// </summary>
    public bool IsSingleStatement(InspectionChange change) =>
        store.IsPostgres && change.Outcomes.Count == 0 && change.Notifications.Count == 0
        && change.After.PublishedVersion == change.Before.Inspection.PublishedVersion && !TeamChanged(change);

    private static bool TeamChanged(InspectionChange change) => !change.After.Team.SequenceEqual(change.Before.Inspection.Team);

    private const string UpdateRow =
        """
        UPDATE inspections SET state = @state, due_date = @DueDate, revision = @Revision, state_json = @json,
            current_version = @currentVersion, published_version = @PublishedVersion, approved_on = @ApprovedOn,
            publication_due = @PublicationDue, due_warned = @DueWarned, overdue = @Overdue, publication_overdue = @PublicationOverdue,
            publication_warned = @PublicationWarned, updated_at = @now
        WHERE inspection_id = @InspectionId AND revision = @expected
        """;

    private static DynamicParameters RowParameters(InspectionChange change, DateTimeOffset now)
    {
        var after = change.After;
        var marks = change.Marks;
        return new DynamicParameters(new
        {
            state = after.State.ToString(), after.DueDate, after.Revision, json = ToJson(after), currentVersion = after.CurrentVersion?.Number,
            after.PublishedVersion, marks.ApprovedOn, marks.PublicationDue, marks.DueWarned, marks.Overdue, marks.PublicationOverdue, marks.PublicationWarned, now,
            after.InspectionId, expected = change.Before.Inspection.Revision,
        });
    }

    private void AddAuditLine(DynamicParameters p, InspectionChange change)
    {
        var after = change.After;
        var before = change.Before.Inspection;
        audit.AddValues(p, "audit_", change.Actor, change.Action, "inspection", after.InspectionId, after.LeadDepartment,
            new { state = before.State, before.Revision }, new { state = after.State, after.Revision, detail = change.AuditDetail });
    }

    private async Task CommitOneStatementAsync(InspectionChange change, CancellationToken ct)
    {
        var p = RowParameters(change, clock.GetUtcNow());
        AddAuditLine(p, change);
        var inserted = await store.ExecuteAsync(
            $"""
            WITH changed AS ({UpdateRow} RETURNING inspection_id)
            INSERT INTO audit_log ({AuditLog.Columns}) SELECT {AuditLog.Values("audit_")} FROM changed
            """, p, ct);
        if (inserted == 0) throw new InspectionRevisionConflictException(change.After.InspectionId, change.Before.Inspection.Revision);
    }

    private Task CommitInTransactionAsync(InspectionChange change, FollowUpPlan plan, Func<DbConnection, DbTransaction, Task>? alongside, CancellationToken ct) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var after = change.After;
            var before = change.Before.Inspection;
            var now = clock.GetUtcNow();
            var p = RowParameters(change, now);
            AddAuditLine(p, change);
            // The audit line travels in the same round trip as the UPDATE; a refused UPDATE rolls both back.
            var updated = await connection.ExecuteAsync(new CommandDefinition(
                $"{UpdateRow};\nINSERT INTO audit_log ({AuditLog.Columns}) VALUES ({AuditLog.Values("audit_")})", p, tx, cancellationToken: ct));
            if (updated != 2) throw new InspectionRevisionConflictException(after.InspectionId, before.Revision);
            if (TeamChanged(change)) await WriteTeamAsync(connection, tx, after, ct);
            if (alongside is not null) await alongside(connection, tx);

            if (plan.Decisions.Count > 0
                && !plan.StillHolds(await OpenListingsAsync(connection, tx, after.EntityCreditCode, after.InspectionId, ct)))
                throw new FollowUpBasisChangedException(after.InspectionId);
            foreach (var decision in plan.Decisions)
            {
                await AppendOutcomeAsync(connection, tx, decision.Outcome, now, ct);
                await WriteFollowUpsAsync(connection, tx, decision, now, ct);
                await register.WriteFindingAsync(connection, tx, decision.Outcome, decision.Unreachable, after.LeadDepartment, decision.Actions, ct);
            }
            if (PublicResults.NewlyPublished(before, after) is { } version)
                await Publication.PublicationWriter.WriteAsync(connection, tx,
                    new PublicationBasis(after, version, change.At ?? now, change.Before.EntityName, change.Before.DivisionCode, change.Marks.ApprovedOn,
                        change.Marks.PublicationDue), ct);
            await notifier.NotifyAsync(connection, tx, change.Notifications, now, ct);
            return true;
        }, ct);

    private static async Task AppendOutcomeAsync(DbConnection connection, DbTransaction tx, InspectionOutcome o, DateTimeOffset now, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO inspection_outcomes (outcome_id, schema_version, entity_credit_code, task_id, inspection_id, item_code, result_codes,
                inspected_on, approved_on, department_code, version, kind, supersedes_version, payload_json, recorded_at)
            VALUES (@OutcomeId, @SchemaVersion, @EntityCreditCode, @TaskId, @InspectionId, @ItemCode, @codes,
                @InspectedOn, @ApprovedOn, @DepartmentCode, @Version, @kind, @SupersedesVersion, @payload, @now)
            ON CONFLICT (outcome_id) DO NOTHING
            """,
            new
            {
                o.OutcomeId, o.SchemaVersion, o.EntityCreditCode, o.TaskId, o.InspectionId, o.ItemCode, codes = string.Join(',', o.ResultCodes),
                o.InspectedOn, o.ApprovedOn, o.DepartmentCode, o.Version, kind = o.Kind.ToString(), o.SupersedesVersion,
                payload = JsonSerializer.Serialize(o, Json), now,
            }, tx, cancellationToken: ct));

    /// <summary>
    /// Writes the follow-ups the grain decided for one approved outcome. The actions of (inspection, item) are replaced by
    /// the decided set: open correction orders and re-inspections no longer among them are withdrawn, and a listing this
    /// inspection caused is removed when the (amended) result no longer says "unreachable". A re-inspection's result
    /// settles the correction order it checked (an amendment of the re-inspection settles it again) and the re-inspection
    /// itself is done. The abnormal-operations register applies the same actions afterwards, in the same transaction.
    /// </summary>
    private static async Task WriteFollowUpsAsync(DbConnection connection, DbTransaction tx, FollowUpDecision decision, DateTimeOffset now, CancellationToken ct)
    {
        var o = decision.Outcome;
        // Lists, not arrays: string[] has a type handler (comma-joined codes) that would defeat Dapper's IN expansion.
        var keys = decision.Keys.ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE follow_ups SET status = 'withdrawn', updated_at = @now WHERE inspection_id = @InspectionId AND item_code = @ItemCode AND status = 'open'"
            + (keys.Count > 0 ? " AND NOT (action_key " + InList(connection, "@keys") + ")" : ""),
            new { now, o.InspectionId, o.ItemCode, keys }, tx, cancellationToken: ct));
        if (decision.RetractsOwnListing)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE abnormal_listings SET removed_on = @ApprovedOn, removed_by_inspection = @InspectionId, updated_at = @now
                WHERE entity_credit_code = @EntityCreditCode AND source_inspection_id = @InspectionId AND removed_on IS NULL
                """, new { o.ApprovedOn, o.InspectionId, o.EntityCreditCode, now }, tx, cancellationToken: ct));
        }

        if (decision.Settlement is { } settled)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE follow_ups SET status = @Status, updated_at = @now WHERE action_key = @CorrectionKey AND status IN ('open', 'done', 'missed')",
                new { settled.Status, now, settled.CorrectionKey }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE follow_ups SET status = 'done', updated_at = @now WHERE action_key = @ReinspectionKey AND status = 'open'",
                new { now, settled.ReinspectionKey }, tx, cancellationToken: ct));
        }

        foreach (var action in decision.Actions)
        {
            switch (action)
            {
                case CorrectionOrder c:
                    await UpsertFollowUpAsync(connection, tx, c.Key, "correction-order", c.EntityCreditCode, c.TaskId, c.InspectionId, c.ItemCode,
                        c.DepartmentCode, null, c.DueOn, o.Version, c, now, ct);
                    break;
                case Reinspection r:
                    await UpsertFollowUpAsync(connection, tx, r.Key, "reinspection", r.EntityCreditCode, r.TaskId, r.InspectionId, r.ItemCode,
                        r.DepartmentCode, r.NotBefore, r.DueBy, o.Version, new { r.Key, r.EntityCreditCode, r.TaskId, r.InspectionId, r.ItemCode, r.DepartmentCode, r.NotBefore, r.DueBy, r.Reason }, now, ct);
                    break;
                case ListAbnormal l:
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO abnormal_listings (entity_credit_code, source_inspection_id, reason_code, verified_on, list_by, serious_alert_on, source_version, updated_at)
                        VALUES (@EntityCreditCode, @SourceInspectionId, @ReasonCode, @VerifiedOn, @ListBy, @SeriousViolationAlertOn, @SourceVersion, @now)
                        ON CONFLICT (entity_credit_code, source_inspection_id) DO UPDATE SET removed_on = NULL, removed_by_inspection = NULL,
                            verified_on = excluded.verified_on, list_by = excluded.list_by, serious_alert_on = excluded.serious_alert_on,
                            source_version = excluded.source_version, updated_at = excluded.updated_at
                        """,
                        new
                        {
                            l.Listing.EntityCreditCode, l.Listing.SourceInspectionId, l.Listing.ReasonCode, l.Listing.VerifiedOn, l.Listing.ListBy,
                            l.Listing.SeriousViolationAlertOn, l.Listing.SourceVersion, now,
                        }, tx, cancellationToken: ct));
                    break;
                case RemoveAbnormalListing rm:
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        UPDATE abnormal_listings SET removed_on = @RemovedOn, removed_by_inspection = @ByInspectionId, updated_at = @now
                        WHERE entity_credit_code = @e AND source_inspection_id = @s AND removed_on IS NULL
                        """, new { rm.RemovedOn, rm.ByInspectionId, now, e = rm.Listing.EntityCreditCode, s = rm.Listing.SourceInspectionId }, tx, cancellationToken: ct));
                    break;
            }
        }
    }

    private static Task UpsertFollowUpAsync(DbConnection connection, DbTransaction tx, string key, string kind, string entity, string taskId, string inspectionId,
        string itemCode, string department, DateOnly? notBefore, DateOnly dueOn, int version, object payload, DateTimeOffset now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO follow_ups (action_key, kind, entity_credit_code, task_id, inspection_id, item_code, department_code, not_before, due_on, status, source_version, payload_json, updated_at)
            VALUES (@key, @kind, @entity, @taskId, @inspectionId, @itemCode, @department, @notBefore, @dueOn, 'open', @version, @payload, @now)
            ON CONFLICT (action_key) DO UPDATE SET not_before = excluded.not_before, due_on = excluded.due_on, status = 'open',
                source_version = excluded.source_version, payload_json = excluded.payload_json, updated_at = excluded.updated_at
            """,
            new { key, kind, entity, taskId, inspectionId, itemCode, department, notBefore, dueOn, version, payload = JsonSerializer.Serialize(payload, Json), now },
            tx, cancellationToken: ct));

    // ---- evidence ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Stores a file under its hash, streaming <paramref name="content"/> (positioned at its start, <c>SizeBytes</c> long)
    /// into the row without holding it in memory: PostgreSQL reads the stream as the bytea parameter; SQLite reserves a
    /// zero blob and writes into it. The same content uploaded again is stored once. The file is linked to
    /// <paramref name="inspectionId"/> (evidence_links) in the same transaction: only a linked inspection reaches it.
    /// Returns true when the link is new — whether the bytes were new is not told, so that an upload cannot probe for
    /// other inspections' files.
    /// </summary>
    public Task<bool> SaveEvidenceAsync(EvidenceUpload file, Stream content, string inspectionId, Actor actor, CancellationToken ct) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var at = clock.GetUtcNow();
            bool inserted;
            if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
            {
                var rowId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    """
                    INSERT INTO evidence_files (sha256, size_bytes, media_type, content, uploaded_by, uploaded_at)
                    VALUES (@Sha256, @SizeBytes, @MediaType, zeroblob(@SizeBytes), @by, @at) ON CONFLICT (sha256) DO NOTHING RETURNING rowid
                    """, new { file.Sha256, file.SizeBytes, file.MediaType, by = actor.Username, at }, tx, cancellationToken: ct));
                inserted = rowId is not null;
                if (inserted)
                {
                    await using var blob = new Microsoft.Data.Sqlite.SqliteBlob(sqlite, "evidence_files", "content", rowId!.Value);
                    await content.CopyToAsync(blob, ct);
                }
            }
            else
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO evidence_files (sha256, size_bytes, media_type, content, uploaded_by, uploaded_at)
                    VALUES (@sha256, @size, @media, @content, @by, @at) ON CONFLICT (sha256) DO NOTHING
                    """;
                command.Parameters.Add(new Npgsql.NpgsqlParameter("sha256", file.Sha256));
                command.Parameters.Add(new Npgsql.NpgsqlParameter("size", file.SizeBytes));
                command.Parameters.Add(new Npgsql.NpgsqlParameter("media", file.MediaType));
                command.Parameters.Add(new Npgsql.NpgsqlParameter("content", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = content, Size = checked((int)file.SizeBytes) });
                command.Parameters.Add(new Npgsql.NpgsqlParameter("by", actor.Username));
                command.Parameters.Add(new Npgsql.NpgsqlParameter("at", at));
                inserted = await command.ExecuteNonQueryAsync(ct) > 0;
            }

            var linked = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO evidence_links (inspection_id, sha256, uploaded_by, uploaded_at)
                VALUES (@inspectionId, @Sha256, @by, @at) ON CONFLICT (inspection_id, sha256) DO NOTHING
                """, new { inspectionId, file.Sha256, by = actor.Username, at }, tx, cancellationToken: ct)) > 0;
            await audit.AppendAsync(connection, tx, actor, "inspection.evidence", "inspection", inspectionId, null, null,
                new { file.Sha256, file.SizeBytes, file.MediaType, stored = inserted, linked });
            return linked;
        }, ct);

    /// <summary>Records that every inspection of the task exists (with the audit line); false when it was recorded before.</summary>
    public Task<bool> RecordDispatchAsync(string taskId, string leadDepartment, int count, Actor actor, CancellationToken ct) =>
        audit.ExecuteAuditedAsync(
            """
            INSERT INTO inspection_dispatches (task_id, dispatched_by, dispatched_at, inspections) VALUES (@taskId, @by, @at, @count)
            ON CONFLICT (task_id) DO NOTHING
            """, new { taskId, by = actor.Username, at = clock.GetUtcNow(), count }, actor, "task.dispatch", "task", taskId, leadDepartment, null,
            new { inspections = count }, ct);

    private static string InList(DbConnection connection, string parameter) =>
        connection is Npgsql.NpgsqlConnection ? $"= ANY({parameter})" : $"IN {parameter}";

    private static string Wrap(IEnumerable<string> codes) => "," + string.Join(',', codes) + ",";
}
