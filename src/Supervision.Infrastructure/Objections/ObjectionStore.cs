using System.Data.Common;
using Dapper;
using Supervision.Core.Feeds;
using Supervision.Infrastructure.Feeds;
using Supervision.Core.Identity;
using Supervision.Core.Objections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Objections;

/// <summary>A file of a submission with its bytes, as the grain hands it to the store.</summary>
public sealed record AttachmentContent(ObjectionAttachment File, byte[] Content);

/// <summary>
/// Persists what <see cref="ObjectionWorkflow"/> decided (schema 0035): each submission (with its files, stored as evidence
/// files under their SHA-256) and each decision is written with its audit line (<c>objection.submitted</c>,
/// <c>objection.statement</c>, <c>objection.upheld</c>, <c>objection.rejected</c>) and its notifications in one
/// transaction, a decision only over the version it was decided from. The link of an upheld objection to its amended
/// version is written by the publication itself (<c>PublicationWriter</c>).
/// </summary>
public sealed class ObjectionStore(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock)
{
    internal const string Columns =
        """
        objection_id AS Id, kind AS Kind, inspection_id AS InspectionId, result_version AS ResultVersion, entity_credit_code AS EntityCreditCode,
        lead_department AS LeadDepartment, reason AS Reason, state AS State, submitted_at AS SubmittedAt, due_on AS DueOn, decided_by AS DecidedBy,
        decided_at AS DecidedAt, decision_reason AS DecisionReason, amended_version AS AmendedVersion, amended_on AS AmendedOn, version AS Version
        """;

    /// <summary>The actor an entity sends as: it has no account, so the audit log names it by its credit code.</summary>
    public static Actor EntityActor(string creditCode) => new($"entity:{creditCode}", [], null, null);

    /// <summary>The published result "{inspectionId}/v{version}" as the publication record has it, or null.</summary>
    public async Task<ObjectionTarget?> TargetAsync(string publicationId, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<TargetRow>(
            """
            SELECT inspection_id AS InspectionId, version AS Version, entity_credit_code AS EntityCreditCode, lead_department AS LeadDepartment,
                   published_on AS PublishedOn, superseded_by AS SupersededBy
            FROM published_results WHERE publication_id = @publicationId
            """, new { publicationId }, ct);
        return row is null ? null : new ObjectionTarget(row.InspectionId, row.Version, row.EntityCreditCode, row.LeadDepartment, row.PublishedOn, row.SupersededBy);
    }

    /// <summary>Records a new submission with its files; false when one with the same id, or a conflicting open objection or statement, is there.</summary>
    public Task<bool> InsertAsync(Objection o, IReadOnlyList<AttachmentContent> files, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            INSERT INTO objections (objection_id, kind, inspection_id, result_version, entity_credit_code, lead_department, reason, state, submitted_at,
                                    due_on, decided_by, decided_at, decision_reason, amended_version, amended_on, version)
            VALUES (@Id, @Kind, @InspectionId, @ResultVersion, @EntityCreditCode, @LeadDepartment, @Reason, @State, @SubmittedAt,
                    @DueOn, @DecidedBy, @DecidedAt, @DecisionReason, @AmendedVersion, @AmendedOn, @Version)
            ON CONFLICT DO NOTHING
            """, new
            {
                o.Id, o.Kind, o.InspectionId, o.ResultVersion, o.EntityCreditCode, o.LeadDepartment, o.Reason, o.State, o.SubmittedAt, o.DueOn, o.DecidedBy,
                o.DecidedAt, o.DecisionReason, o.AmendedVersion, o.AmendedOn, o.Version,
            }, EntityActor(o.EntityCreditCode), o.Kind == ObjectionKinds.Statement ? "objection.statement" : "objection.submitted", "objection", o.Id,
            o.LeadDepartment, null,
            new { o.Kind, result = o.PublicationId, o.Reason, o.DueOn, attachments = o.Attachments.Select(a => new { a.Sha256, a.SizeBytes, a.MediaType, a.FileName }) },
            ct, async (connection, tx) =>
            {
                var at = clock.GetUtcNow();
                for (var i = 0; i < files.Count; i++)
                {
                    var f = files[i].File;
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO evidence_files (sha256, size_bytes, media_type, content, uploaded_by, uploaded_at)
                        VALUES (@Sha256, @SizeBytes, @MediaType, @content, @by, @at) ON CONFLICT (sha256) DO NOTHING
                        """, new { f.Sha256, f.SizeBytes, f.MediaType, content = files[i].Content, by = "entity:" + o.EntityCreditCode, at }, tx, cancellationToken: ct));
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO objection_attachments (objection_id, position, sha256, file_name, media_type, size_bytes)
                        VALUES (@id, @position, @Sha256, @FileName, @MediaType, @SizeBytes)
                        """, new { id = o.Id, position = i, f.Sha256, f.FileName, f.MediaType, f.SizeBytes }, tx, cancellationToken: ct));
                }

                await notifier.NotifyAsync(connection, tx, notifications, at, ct);
                // A statement is public at once (docs/objections.md); an objection only once decided.
                if (o.Kind == ObjectionKinds.Statement) await AppendPublicEventAsync(connection, tx, o, PublicEventKinds.StatementPublished, at, ct);
            });

    /// <summary>Writes a decision over the stored version <c>version - 1</c>, with its notifications; false when the objection changed since it was read.</summary>
    public Task<bool> DecideAsync(Objection decided, Actor actor, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            UPDATE objections SET state = @State, decided_by = @DecidedBy, decided_at = @DecidedAt, decision_reason = @DecisionReason, version = @Version
            WHERE objection_id = @Id AND version = @previous
            """, new { decided.State, decided.DecidedBy, decided.DecidedAt, decided.DecisionReason, decided.Version, decided.Id, previous = decided.Version - 1 },
            actor, "objection." + decided.State, "objection", decided.Id, decided.LeadDepartment, new { state = ObjectionStates.Submitted },
            new { decided.State, result = decided.PublicationId, decided.DecisionReason }, ct,
            async (connection, tx) =>
            {
                var at = clock.GetUtcNow();
                await notifier.NotifyAsync(connection, tx, notifications, at, ct);
                await AppendPublicEventAsync(connection, tx, decided, PublicEventKinds.ObjectionDecided, at, ct);
            });

    /// <summary>
    /// The public event of a statement published or an objection decided (docs/webhooks.md), in the transaction that made it
    /// public: what the entity page shows beside the result — never the objection's own text, its files or who decided.
    /// </summary>
    private static async Task AppendPublicEventAsync(DbConnection connection, DbTransaction tx, Objection o, string kind, DateTimeOffset at, CancellationToken ct)
    {
        var (name, division) = await PublicEventLog.EntityAsync(connection, tx, o.EntityCreditCode, ct);
        var statement = o.Kind == ObjectionKinds.Statement;
        await PublicEventLog.AppendAsync(connection, tx, PublicEvent.Of(kind, o.EntityCreditCode, name, o.LeadDepartment, division,
            o.InspectionId[..o.InspectionId.IndexOf('/', StringComparison.Ordinal)], at,
            new
            {
                o.Id, o.Kind, inspectionId = o.InspectionId, o.ResultVersion, entityCreditCode = o.EntityCreditCode, entityName = name,
                statement = statement ? o.Reason : null,
                submittedOn = Core.Calendar.ChinaTime.DateOf(o.SubmittedAt),
                outcome = statement ? null : o.State,
                decidedOn = o.DecidedAt is { } d ? Core.Calendar.ChinaTime.DateOf(d) : (DateOnly?)null,
                decisionReason = statement ? null : o.DecisionReason,
            }), ct);
    }

    /// <summary>
    /// Records that <paramref name="reminder"/> was sent for an open objection, with its audit line and notification; false
    /// when it was decided meanwhile or that reminder was already sent. A reminder is not a decision: the version stays.
    /// </summary>
    public Task<bool> RemindAsync(Objection objection, string reminder, DateOnly today, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            UPDATE objections SET reminded = @reminder
            WHERE objection_id = @Id AND state = 'submitted' AND (reminded IS NULL OR reminded <> @reminder)
            """, new { reminder, objection.Id }, Actor.System("objection-deadline"), "objection.reminder", "objection", objection.Id, objection.LeadDepartment, null,
            new { reminder, objection.DueOn, today }, ct, (connection, tx) => notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct));

    /// <summary>Open objections due on or before <paramref name="today"/> not yet reminded as overdue: what the deadline keeper looks at on each tick.</summary>
    public async Task<IReadOnlyList<OpenDue>> OpenDueAsync(DateOnly today, CancellationToken ct = default) =>
        (await store.QueryAsync<OpenDue>(
            """
            SELECT objection_id AS Id, inspection_id AS InspectionId, due_on AS DueOn, reminded AS Reminded FROM objections
            WHERE state = 'submitted' AND due_on <= @today AND (reminded IS NULL OR reminded <> 'overdue')
            ORDER BY due_on, objection_id
            """, new { today }, ct)).AsList();

    public sealed record OpenDue
    {
        public string Id { get; init; } = "";
        public string InspectionId { get; init; } = "";
        public DateOnly DueOn { get; init; }
        public string? Reminded { get; init; }
    }

    /// <summary>The last reminder sent for an objection (null before the first).</summary>
    public Task<string?> RemindedAsync(string id, CancellationToken ct = default) =>
        store.ExecuteScalarAsync<string?>("SELECT reminded FROM objections WHERE objection_id = @id", new { id }, ct);

    public async Task<Objection?> GetAsync(string id, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM objections WHERE objection_id = @id", new { id }, ct);
        return row is null ? null : row.ToObjection(await AttachmentsAsync([id], ct));
    }

    /// <summary>Every submission about one inspection's results (what the one-open and one-statement rules and the repeat look at).</summary>
    public async Task<IReadOnlyList<Objection>> ForInspectionAsync(string inspectionId, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<Row>($"SELECT {Columns} FROM objections WHERE inspection_id = @inspectionId", new { inspectionId }, ct);
        var files = await AttachmentsAsync([.. rows.Select(r => r.Id)], ct);
        return [.. rows.Select(r => r.ToObjection(files))];
    }

    internal async Task<ILookup<string, ObjectionAttachment>> AttachmentsAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return Array.Empty<AttachmentRow>().ToLookup(a => a.ObjectionId, a => a.ToAttachment());
        await using var connection = await store.OpenAsync(ct);
        var postgres = connection is Npgsql.NpgsqlConnection;
        // SQLite takes the list as one JSON array parameter.
        var inList = postgres ? "= ANY(@ids)" : "IN (SELECT value FROM json_each(@ids))";
        var rows = await connection.QueryAsync<AttachmentRow>(new CommandDefinition(
            $"""
            SELECT objection_id AS ObjectionId, position AS Position, sha256 AS Sha256, file_name AS FileName, media_type AS MediaType, size_bytes AS SizeBytes
            FROM objection_attachments WHERE objection_id {inList} ORDER BY objection_id, position
            """, new { ids = postgres ? (object)ids.ToArray() : System.Text.Json.JsonSerializer.Serialize(ids) }, cancellationToken: ct));
        return rows.ToLookup(a => a.ObjectionId, a => a.ToAttachment(), StringComparer.Ordinal);
    }

    private sealed record TargetRow
    {
        public string InspectionId { get; init; } = "";
        public int Version { get; init; }
        public string EntityCreditCode { get; init; } = "";
        public string LeadDepartment { get; init; } = "";
        public DateOnly PublishedOn { get; init; }
        public int? SupersededBy { get; init; }
    }

    internal sealed class AttachmentRow
    {
        public string ObjectionId { get; init; } = "";
        public int Position { get; init; }
        public string Sha256 { get; init; } = "";
        public string FileName { get; init; } = "";
        public string MediaType { get; init; } = "";
        public long SizeBytes { get; init; }

        public ObjectionAttachment ToAttachment() => new(Sha256, SizeBytes, MediaType, FileName);
    }

    /// <summary>A stored row as Dapper reads it (timestamps and dates through the store's type handlers).</summary>
    internal class Row
    {
        public string Id { get; init; } = "";
        public string Kind { get; init; } = "";
        public string InspectionId { get; init; } = "";
        public int ResultVersion { get; init; }
        public string EntityCreditCode { get; init; } = "";
        public string LeadDepartment { get; init; } = "";
        public string Reason { get; init; } = "";
        public string State { get; init; } = "";
        public DateTimeOffset SubmittedAt { get; init; }
        public DateOnly? DueOn { get; init; }
        public string? DecidedBy { get; init; }
        public DateTimeOffset? DecidedAt { get; init; }
        public string? DecisionReason { get; init; }
        public int? AmendedVersion { get; init; }
        public DateOnly? AmendedOn { get; init; }
        public long Version { get; init; }

        public Objection ToObjection(ILookup<string, ObjectionAttachment> files) => new(Id, Kind, InspectionId, ResultVersion, EntityCreditCode, LeadDepartment,
            Reason, [.. files[Id]], State, SubmittedAt, DueOn, DecidedBy, DecidedAt, DecisionReason, AmendedVersion, AmendedOn, Version);
    }
}
