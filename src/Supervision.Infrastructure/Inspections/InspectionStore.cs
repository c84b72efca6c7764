using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
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
    DateTimeOffset? At = null);

/// <summary>The row was changed by someone else since it was read (another activation): nothing was written.</summary>
public sealed class InspectionRevisionConflictException(string inspectionId, long expected)
    : Exception($"Inspection {inspectionId} is no longer at revision {expected}.");

/// <summary>A list row of the read model.</summary>
public sealed record InspectionRow
{
    public required string InspectionId { get; init; }
    public required string TaskId { get; init; }
    public required string EntityCreditCode { get; init; }
    public string EntityName { get; init; } = "";
    public string DivisionCode { get; init; } = "";
    public required string LeadDepartment { get; init; }
    public required string Departments { get; init; }
    public required string Team { get; init; }
    public required string State { get; init; }
    public DateOnly DueDate { get; init; }
    public long Revision { get; init; }
    public int? CurrentVersion { get; init; }
    public int? PublishedVersion { get; init; }
    public DateOnly? ApprovedOn { get; init; }
    public DateOnly? PublicationDue { get; init; }
    public bool DueWarned { get; init; }
    public bool Overdue { get; init; }
    public bool PublicationOverdue { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> DepartmentList => Departments.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> TeamCertificates => Team.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Filters of "my inspections"; all optional, combined with AND.</summary>
public sealed record MyInspectionFilter(string? TaskId, string? DivisionPrefix, DateOnly? DueOnOrBefore, bool OverdueOnly, DateOnly Today);

public sealed record StateCount(string State, long Count);

public sealed record TeamProgress(string Team, long Total, long Open, long Submitted, long Completed, long Overdue);

/// <summary>A file being stored: its hash, size and type (the bytes stream separately).</summary>
public sealed record EvidenceUpload(string Sha256, long SizeBytes, string MediaType);

public sealed record PublishedOutcomeRow
{
    public required string OutcomeId { get; init; }
    public required string InspectionId { get; init; }
    public required string TaskId { get; init; }
    public required string ItemCode { get; init; }
    public string[] ResultCodes { get; init; } = [];
    public DateOnly InspectedOn { get; init; }
    public DateOnly ApprovedOn { get; init; }
    public required string DepartmentCode { get; init; }
    public int Version { get; init; }
}

public sealed record FollowUpRow
{
    public required string ActionKey { get; init; }
    public required string Kind { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public required string DepartmentCode { get; init; }
    public DateOnly? NotBefore { get; init; }
    public DateOnly DueOn { get; init; }
    public required string Status { get; init; }

    /// <summary>The due date lies in a year without an official holiday notice (set by the reader from the calendar): it may still move.</summary>
    public bool Provisional { get; init; }
}

public sealed record AbnormalListingRow
{
    public required string EntityCreditCode { get; init; }
    public required string SourceInspectionId { get; init; }
    public required string ReasonCode { get; init; }
    public DateOnly VerifiedOn { get; init; }
    public DateOnly ListBy { get; init; }
    public DateOnly SeriousAlertOn { get; init; }
    public int SourceVersion { get; init; }
    public DateOnly? RemovedOn { get; init; }
    public string? RemovedByInspection { get; init; }
}

/// <summary>
/// The inspections' storage: each grain's value (JSON) and the read model in one row, written with the audit line,
/// outcome events, follow-up records and notifications of the change in one transaction, guarded by the revision.
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

    private const string RowColumns =
        """
        inspection_id AS InspectionId, task_id AS TaskId, entity_credit_code AS EntityCreditCode, entity_name AS EntityName,
        division_code AS DivisionCode, lead_department AS LeadDepartment, departments, team, state, due_date AS DueDate, revision,
        current_version AS CurrentVersion, published_version AS PublishedVersion, approved_on AS ApprovedOn, publication_due AS PublicationDue,
        due_warned AS DueWarned, overdue, publication_overdue AS PublicationOverdue, updated_at AS UpdatedAt
        """;

    public SqlStore Sql => store;

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

    /// <summary>The stored values of several inspections in one statement (the review queue's summaries); missing ids are left out.</summary>
    public async Task<IReadOnlyDictionary<string, Inspection>> LoadManyAsync(IReadOnlyList<string> inspectionIds, CancellationToken ct = default)
    {
        if (inspectionIds.Count == 0) return new Dictionary<string, Inspection>(StringComparer.Ordinal);
        await using var connection = await store.OpenAsync(ct);
        var ids = inspectionIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = await connection.QueryAsync<(string Id, string Json)>(new CommandDefinition(
            $"SELECT inspection_id, state_json FROM inspections WHERE inspection_id {In("@ids")}", new { ids }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => FromJson(r.Json), StringComparer.Ordinal);
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
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT min(username) FROM users WHERE inspector_certificate_no = @certificateNo", new { certificateNo }, cancellationToken: ct));
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
    /// Commits one change: the row (only if still at the revision read), the audit line, the outcome events, the follow-ups
    /// they call for (computed inside the transaction against the open abnormal listings) and the notifications.
    /// Throws <see cref="InspectionRevisionConflictException"/> (nothing written) when the row moved on, and whatever
    /// <paramref name="rules"/> throws (e.g. a deadline past the calendar data), also with nothing written.
    /// </summary>
    /// <remarks>
    /// <paramref name="alongside"/>, when given, writes in the same transaction what must be committed with this change or
    /// not at all (a replacement after dispatch: the task's draw record with the team's change).
    /// </remarks>
    public Task CommitAsync(InspectionChange change, FollowUpRules rules, Func<DbConnection, DbTransaction, Task>? alongside = null, CancellationToken ct = default) =>
        alongside is null && IsSingleStatement(change) ? CommitOneStatementAsync(change, ct) : CommitInTransactionAsync(change, rules, alongside, ct);

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
        await using var connection = await store.OpenAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            WITH changed AS ({UpdateRow} RETURNING inspection_id)
            INSERT INTO audit_log ({AuditLog.Columns}) SELECT {AuditLog.Values("audit_")} FROM changed
            """, p, cancellationToken: ct));
        if (inserted == 0) throw new InspectionRevisionConflictException(change.After.InspectionId, change.Before.Inspection.Revision);
    }

    private Task CommitInTransactionAsync(InspectionChange change, FollowUpRules rules, Func<DbConnection, DbTransaction, Task>? alongside, CancellationToken ct) =>
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

            foreach (var outcome in change.Outcomes)
            {
                await AppendOutcomeAsync(connection, tx, outcome, now, ct);
                var actions = await ApplyFollowUpsAsync(connection, tx, rules, outcome, now, ct);
                await register.WriteFindingAsync(connection, tx, outcome, outcome.ResultCodes.Contains(rules.Policy.UnreachableCode), after.LeadDepartment, actions, ct);
            }
            await Publication.PublicationWriter.WriteAsync(connection, tx, change, now, ct);
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
    /// Follow-ups of one approved outcome. The actions of (inspection, item) are replaced by the new set: correction
    /// orders and re-inspections no longer called for are withdrawn, and a listing this inspection caused is removed
    /// when an amendment no longer says "unreachable". Returns the actions, which the abnormal-operations register applies
    /// in the same transaction.
    /// </summary>
    private static async Task<IReadOnlyList<FollowUpAction>> ApplyFollowUpsAsync(DbConnection connection, DbTransaction tx, FollowUpRules rules, InspectionOutcome o, DateTimeOffset now, CancellationToken ct)
    {
        var open = (await connection.QueryAsync<AbnormalListingRow>(new CommandDefinition(
            $"SELECT {ListingColumns} FROM abnormal_listings WHERE entity_credit_code = @e AND removed_on IS NULL",
            new { e = o.EntityCreditCode }, tx, cancellationToken: ct)))
            .Where(l => l.SourceInspectionId != o.InspectionId)
            .Select(l => new AbnormalListing(l.EntityCreditCode, l.ReasonCode, l.VerifiedOn, l.ListBy, l.SourceInspectionId, l.SourceVersion, l.SeriousAlertOn))
            .ToList();
        var actions = rules.For(o, open);
        // Lists, not arrays: string[] has a type handler (comma-joined codes) that would defeat Dapper's IN expansion.
        var keys = actions.Select(a => a.Key).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE follow_ups SET status = 'withdrawn', updated_at = @now WHERE inspection_id = @InspectionId AND item_code = @ItemCode AND status = 'open'"
            + (keys.Count > 0 ? " AND NOT (action_key " + InList(connection, "@keys") + ")" : ""),
            new { now, o.InspectionId, o.ItemCode, keys }, tx, cancellationToken: ct));
        if (!o.ResultCodes.Contains(rules.Policy.UnreachableCode))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE abnormal_listings SET removed_on = @ApprovedOn, removed_by_inspection = @InspectionId, updated_at = @now
                WHERE entity_credit_code = @EntityCreditCode AND source_inspection_id = @InspectionId AND removed_on IS NULL
                """, new { o.ApprovedOn, o.InspectionId, o.EntityCreditCode, now }, tx, cancellationToken: ct));
        }

        await SettleCorrectionAsync(connection, tx, rules, o, now, ct);
        foreach (var action in actions)
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

        return actions;
    }

    /// <summary>
    /// When the outcome is a re-inspection's, it settles the correction order it checked: <c>done</c> when the item no
    /// longer calls for correction and the entity was reached, <c>missed</c> otherwise (an amendment of the re-inspection
    /// settles it again). The re-inspection follow-up itself is then done.
    /// </summary>
    private static async Task SettleCorrectionAsync(DbConnection connection, DbTransaction tx, FollowUpRules rules, InspectionOutcome o, DateTimeOffset now, CancellationToken ct)
    {
        var source = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT source_inspection_id FROM reinspections WHERE inspection_id = @InspectionId AND item_code = @ItemCode",
            new { o.InspectionId, o.ItemCode }, tx, cancellationToken: ct));
        if (source is null) return;
        var settled = !rules.NeedsCorrection(o.ResultCodes) && !o.ResultCodes.Contains(rules.Policy.UnreachableCode) ? "done" : "missed";
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE follow_ups SET status = @settled, updated_at = @now WHERE action_key = @correction AND status IN ('open', 'done', 'missed')",
            new { settled, now, correction = $"{source}/{o.ItemCode}/correction" }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE follow_ups SET status = 'done', updated_at = @now WHERE action_key = @reinspection AND status = 'open'",
            new { now, reinspection = $"{source}/{o.ItemCode}/reinspection" }, tx, cancellationToken: ct));
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

    private const string ListingColumns =
        """
        entity_credit_code AS EntityCreditCode, source_inspection_id AS SourceInspectionId, reason_code AS ReasonCode, verified_on AS VerifiedOn,
        list_by AS ListBy, serious_alert_on AS SeriousAlertOn, source_version AS SourceVersion, removed_on AS RemovedOn, removed_by_inspection AS RemovedByInspection
        """;

    // ---- reads -------------------------------------------------------------------------------------------------

    public async Task<InspectionRow?> GetRowAsync(string inspectionId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<InspectionRow>(new CommandDefinition(
            $"SELECT {RowColumns} FROM inspections WHERE inspection_id = @inspectionId", new { inspectionId }, cancellationToken: ct));
    }

    /// <summary>The inspections whose team holds <paramref name="certificateNo"/>, keyset-paged by inspection id.</summary>
    public async Task<IReadOnlyList<InspectionRow>> ListMineAsync(string certificateNo, MyInspectionFilter filter, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<InspectionRow>(new CommandDefinition(
            $"""
            SELECT {Prefixed(RowColumns)} FROM inspection_members m JOIN inspections i ON i.inspection_id = m.inspection_id
            WHERE m.certificate_no = @certificateNo
              AND (@taskId IS NULL OR i.task_id = @taskId)
              AND (@division IS NULL OR i.division_code LIKE @division)
              {(filter.DueOnOrBefore is null ? "" : "AND i.due_date <= @dueBy AND i.state " + In("@open"))}
              AND (@overdueOnly = 0 OR ((i.overdue = @yes OR i.due_date < @today) AND i.state {In("@open")}))
              AND (@after IS NULL OR i.inspection_id > @after)
            ORDER BY i.inspection_id LIMIT @limit
            """,
            new
            {
                certificateNo, taskId = filter.TaskId, division = filter.DivisionPrefix is null ? null : filter.DivisionPrefix + "%",
                dueBy = filter.DueOnOrBefore, open = OpenStates.ToList(), overdueOnly = filter.OverdueOnly ? 1 : 0, yes = true, today = filter.Today, after, limit,
            }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>States in which the team still owes a submission.</summary>
    public static readonly string[] OpenStates =
        [nameof(InspectionState.Assigned), nameof(InspectionState.Draft), nameof(InspectionState.Signed), nameof(InspectionState.Returned)];

    public async Task<IReadOnlyList<InspectionRow>> ListTaskAsync(string taskId, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<InspectionRow>(new CommandDefinition(
            $"SELECT {RowColumns} FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId }, cancellationToken: ct))).AsList();
    }

    /// <summary>The entity's published results of other inspections: the outcomes of each one's published version.</summary>
    public async Task<IReadOnlyList<PublishedOutcomeRow>> PublishedResultsAsync(string entityCreditCode, string exceptInspectionId, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PublishedOutcomeRow>(new CommandDefinition(
            """
            SELECT o.outcome_id AS OutcomeId, o.inspection_id AS InspectionId, o.task_id AS TaskId, o.item_code AS ItemCode, o.result_codes AS ResultCodes,
                   o.inspected_on AS InspectedOn, o.approved_on AS ApprovedOn, o.department_code AS DepartmentCode, o.version
            FROM inspection_outcomes o JOIN inspections i ON i.inspection_id = o.inspection_id AND o.version = i.published_version
            WHERE o.entity_credit_code = @entityCreditCode AND o.inspection_id <> @exceptInspectionId
            ORDER BY o.seq DESC
            """, new { entityCreditCode, exceptInspectionId }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Outcome events in feed order. With <paramref name="department"/> only those a department's staff may read: outcomes
    /// of its own items, and of inspections it leads or reviews (null: all, for admins and the credit feed).
    /// </summary>
    public async Task<IReadOnlyList<InspectionOutcome>> OutcomesAsync(string? inspectionId, long afterSeq, int limit, string? department, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var scope = department is null ? "" :
            """
            AND (o.department_code = @department OR EXISTS (SELECT 1 FROM inspections i WHERE i.inspection_id = o.inspection_id
                 AND (i.lead_department = @department OR i.departments LIKE @departmentPattern)))
            """;
        var payloads = await connection.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT o.payload_json FROM inspection_outcomes o
            WHERE (@inspectionId IS NULL OR o.inspection_id = @inspectionId) AND o.seq > @afterSeq {scope}
            ORDER BY o.seq LIMIT @limit
            """,
            new { inspectionId, afterSeq, limit, department, departmentPattern = "%," + department + ",%" }, cancellationToken: ct));
        return payloads.Select(p => JsonSerializer.Deserialize<InspectionOutcome>(p, Json)!).ToList();
    }

    public async Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(string inspectionId, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<FollowUpRow>(new CommandDefinition(
            """
            SELECT action_key AS ActionKey, kind, entity_credit_code AS EntityCreditCode, inspection_id AS InspectionId, item_code AS ItemCode,
                   department_code AS DepartmentCode, not_before AS NotBefore, due_on AS DueOn, status
            FROM follow_ups WHERE inspection_id = @inspectionId ORDER BY action_key
            """, new { inspectionId }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<AbnormalListingRow>> ListingsAsync(string entityCreditCode, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<AbnormalListingRow>(new CommandDefinition(
            $"SELECT {ListingColumns} FROM abnormal_listings WHERE entity_credit_code = @entityCreditCode ORDER BY verified_on, source_inspection_id",
            new { entityCreditCode }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<NotificationRow>> NotificationsAsync(IReadOnlyList<string> recipients, long? after, int limit, CancellationToken ct)
    {
        if (recipients.Count == 0) return [];
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<NotificationRow>(new CommandDefinition(
            $"""
            SELECT id, recipient, inspection_id AS InspectionId, kind, message, created_at AS CreatedAt FROM notifications
            WHERE recipient {In("@recipients")} AND (@after IS NULL OR id > @after) ORDER BY id LIMIT @limit
            """, new { recipients = recipients.ToList(), after, limit }, cancellationToken: ct))).AsList();
    }

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

    /// <summary>Copies a stored file's bytes to <paramref name="destination"/> as they are read (never whole in memory). False when absent.</summary>
    public async Task<bool> CopyEvidenceAsync(string sha256, Stream destination, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // SQLite streams a blob only when the row id is selected with it.
        command.CommandText = connection is Microsoft.Data.Sqlite.SqliteConnection
            ? "SELECT content, rowid FROM evidence_files WHERE sha256 = @sha256"
            : "SELECT content FROM evidence_files WHERE sha256 = @sha256";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "sha256";
        parameter.Value = sha256;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess | System.Data.CommandBehavior.SingleRow, ct);
        if (!await reader.ReadAsync(ct)) return false;
        await using var stream = reader.GetStream(0);
        await stream.CopyToAsync(destination, ct);
        return true;
    }

    /// <summary>Size and media type of the files among <paramref name="hashes"/> that were uploaded to <paramref name="inspectionId"/>; others are absent.</summary>
    public async Task<IReadOnlyDictionary<string, (long Size, string MediaType)>> EvidenceInfoAsync(string inspectionId, IReadOnlyCollection<string> hashes,
        CancellationToken ct)
    {
        if (hashes.Count == 0) return new Dictionary<string, (long, string)>();
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Sha256, long SizeBytes, string MediaType)>(new CommandDefinition(
            $"""
            SELECT f.sha256, f.size_bytes, f.media_type FROM evidence_links l JOIN evidence_files f ON f.sha256 = l.sha256
            WHERE l.inspection_id = @inspectionId AND l.sha256 {In("@list")}
            """, new { inspectionId, list = hashes.ToList() }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Sha256, r => (r.SizeBytes, r.MediaType), StringComparer.Ordinal);
    }

    // ---- dispatch ----------------------------------------------------------------------------------------------

    public sealed record DrawnMember
    {
        public int Rank { get; init; }
        public required string MemberId { get; init; }
        public int Position { get; init; }
        public required string CertificateNo { get; init; }
        public required string DepartmentCode { get; init; }
        public bool IsLead { get; init; }
        public string? Username { get; init; }

        /// <summary>The inspector's name in the directory (pages show names, not only certificates).</summary>
        public string? InspectorName { get; init; }

        public string? EntityName { get; init; }
    }

    public sealed record EntitySummary
    {
        public required string CreditCode { get; init; }
        public required string Name { get; init; }
        public required string DivisionCode { get; init; }
    }

    /// <summary>
    /// The committed inspector draw of a task: each drawn entity's team, with the account holding each certificate. With
    /// <paramref name="names"/> (a page that shows people) also the inspector's and the entity's names; dispatch, which
    /// reads every team of a provincial draw, does without those two lookups per member.
    /// </summary>
    public async Task<IReadOnlyList<DrawnMember>> DrawnTeamsAsync(string taskId, CancellationToken ct, bool names = false)
    {
        var nameColumns = names
            ? """
              ,
                     (SELECT n.name FROM inspectors n WHERE n.certificate_no = t.certificate_no) AS InspectorName,
                     (SELECT e.name FROM market_entities e WHERE e.credit_code = t.member_id) AS EntityName
              """
            : "";
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<DrawnMember>(new CommandDefinition(
            $"""
            SELECT t.rank, t.member_id AS MemberId, t.position, t.certificate_no AS CertificateNo, t.department_code AS DepartmentCode, t.is_lead AS IsLead,
                   (SELECT min(u.username) FROM users u WHERE u.inspector_certificate_no = t.certificate_no) AS Username{nameColumns}
            FROM drawn_teams t WHERE t.task_id = @taskId ORDER BY t.rank, t.position
            """, new { taskId }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyDictionary<string, EntitySummary>> EntitiesAsync(IReadOnlyCollection<string> creditCodes, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var result = new Dictionary<string, EntitySummary>(StringComparer.Ordinal);
        foreach (var chunk in creditCodes.Chunk(500))
        {
            foreach (var e in await connection.QueryAsync<EntitySummary>(new CommandDefinition(
                $"SELECT credit_code AS CreditCode, name, division_code AS DivisionCode FROM market_entities WHERE credit_code {In("@codes")}", new { codes = chunk.ToList() }, cancellationToken: ct)))
            {
                result[e.CreditCode] = e;
            }
        }
        return result;
    }

    public async Task<bool> IsDispatchedAsync(string taskId, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM inspection_dispatches WHERE task_id = @taskId", new { taskId }, cancellationToken: ct)) > 0;
    }

    /// <summary>Records that every inspection of the task exists (with the audit line); false when it was recorded before.</summary>
    public Task<bool> RecordDispatchAsync(string taskId, string leadDepartment, int count, Actor actor, CancellationToken ct) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO inspection_dispatches (task_id, dispatched_by, dispatched_at, inspections) VALUES (@taskId, @by, @at, @count)
                ON CONFLICT (task_id) DO NOTHING
                """, new { taskId, by = actor.Username, at = clock.GetUtcNow(), count }, tx, cancellationToken: ct));
            if (inserted > 0)
            {
                await audit.AppendAsync(connection, tx, actor, "task.dispatch", "task", taskId, leadDepartment, null, new { inspections = count });
            }
            return inserted > 0;
        }, ct);

    /// <summary>For a page of assignment cards, in one statement: each inspection's entity address and item codes.</summary>
    public async Task<IReadOnlyDictionary<string, (string Address, IReadOnlyList<string> Items)>> CardDetailsAsync(
        IReadOnlyList<string> inspectionIds, CancellationToken ct = default)
    {
        if (inspectionIds.Count == 0) return new Dictionary<string, (string, IReadOnlyList<string>)>();
        await using var connection = await store.OpenAsync(ct);
        var ids = inspectionIds.ToList();
        var rows = await connection.QueryAsync<(string Id, string? Address, string Json)>(new CommandDefinition(
            $"""
            SELECT i.inspection_id, e.address, i.state_json FROM inspections i
            LEFT JOIN market_entities e ON e.credit_code = i.entity_credit_code
            WHERE i.inspection_id {In("@ids")}
            """, new { ids }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => (r.Address ?? "", (IReadOnlyList<string>)[.. FromJson(r.Json).Items.Select(item => item.ItemCode)]), StringComparer.Ordinal);
    }

    private string In(string parameter) => store.In(parameter);

    private static string InList(DbConnection connection, string parameter) =>
        connection is Npgsql.NpgsqlConnection ? $"= ANY({parameter})" : $"IN {parameter}";

    private static string Wrap(IEnumerable<string> codes) => "," + string.Join(',', codes) + ",";

    private static string Prefixed(string columns) =>
        string.Join(", ", columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => "i." + c));
}
