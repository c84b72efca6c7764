using Dapper;
using Supervision.Core.Objections;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Objections;

/// <summary>A submission as the lists show it: with the entity's and the task's names.</summary>
public sealed record ObjectionListItem(Objection Objection, string EntityName, string TaskName, DateOnly? ResultPublishedOn);

/// <summary>A current published result of the entity that may take a statement or objection, as its link page offers it.</summary>
public sealed record OwnResultRow
{
    public string PublicationId { get; init; } = "";
    public string InspectionId { get; init; } = "";
    public int Version { get; init; }
    public string TaskName { get; init; } = "";
    public DateOnly PublishedOn { get; init; }
}

/// <summary>What the public reads of a submission beside its result: never the files, the decider or the text of an objection.</summary>
public sealed record PublicReplyRow
{
    public string Id { get; init; } = "";
    public string Kind { get; init; } = "";
    public string InspectionId { get; init; } = "";
    public int ResultVersion { get; init; }
    public string Reason { get; init; } = "";
    public string State { get; init; } = "";
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecisionReason { get; init; }
    public int? AmendedVersion { get; init; }
    public DateOnly? AmendedOn { get; init; }
}

/// <summary>
/// The read side of statements and objections (the entity's link page, the department's workbench, the public record),
/// apart from <see cref="ObjectionStore"/>, which persists what the workflow decided.
/// </summary>
public sealed class ObjectionQueries(SqlStore store, ObjectionStore objections)
{
    public const int MaxRows = 200;

    private const string ListSelect =
        $"""
        SELECT o.objection_id AS Id, o.kind AS Kind, o.inspection_id AS InspectionId, o.result_version AS ResultVersion, o.entity_credit_code AS EntityCreditCode,
               o.lead_department AS LeadDepartment, o.reason AS Reason, o.state AS State, o.submitted_at AS SubmittedAt, o.due_on AS DueOn,
               o.decided_by AS DecidedBy, o.decided_at AS DecidedAt, o.decision_reason AS DecisionReason, o.amended_version AS AmendedVersion,
               o.amended_on AS AmendedOn, o.version AS Version,
               COALESCE(p.entity_name, '') AS EntityName, COALESCE(p.task_name, '') AS TaskName, p.published_on AS ResultPublishedOn
        FROM objections o
        LEFT JOIN published_results p ON p.inspection_id = o.inspection_id AND p.version = o.result_version
        """;

    public async Task<ObjectionListItem?> GetAsync(string id, CancellationToken ct = default) =>
        (await ReadAsync($"{ListSelect} WHERE o.objection_id = @id", new { id }, ct)).SingleOrDefault();

    /// <summary>The entity's own submissions, newest first.</summary>
    public Task<IReadOnlyList<ObjectionListItem>> ForEntityAsync(string creditCode, CancellationToken ct = default) =>
        ReadAsync($"{ListSelect} WHERE o.entity_credit_code = @creditCode ORDER BY o.submitted_at DESC, o.objection_id LIMIT {MaxRows}", new { creditCode }, ct);

    /// <summary>
    /// Submissions about results <paramref name="department"/> published (every department's for null: an admin): open
    /// objections first by due date, then the rest newest first.
    /// </summary>
    public Task<IReadOnlyList<ObjectionListItem>> ForDepartmentAsync(string? department, bool openOnly, CancellationToken ct = default)
    {
        var where = (department is null ? "1 = 1" : "o.lead_department = @department") + (openOnly ? " AND o.state = 'submitted'" : "");
        return ReadAsync(
            $"""
            {ListSelect} WHERE {where}
            ORDER BY CASE WHEN o.state = 'submitted' THEN 0 ELSE 1 END, CASE WHEN o.state = 'submitted' THEN o.due_on END, o.submitted_at DESC, o.objection_id
            LIMIT {MaxRows}
            """, new { department }, ct);
    }

    /// <summary>The entity's current (not superseded) published results, newest first: what a statement or objection may be about.</summary>
    public Task<IReadOnlyList<OwnResultRow>> OwnResultsAsync(string creditCode, CancellationToken ct = default) =>
        store.QueryAsync<OwnResultRow>(
            $"""
            SELECT publication_id AS PublicationId, inspection_id AS InspectionId, version AS Version, task_name AS TaskName, published_on AS PublishedOn
            FROM published_results WHERE entity_credit_code = @creditCode AND superseded_by IS NULL
            ORDER BY seq DESC LIMIT {MaxRows}
            """, new { creditCode }, ct);

    /// <summary>
    /// What is public of the submissions about these inspections' results: statements, and objections once decided (with
    /// the outcome, its reason and the amended version). Oldest first.
    /// </summary>
    public async Task<IReadOnlyList<PublicReplyRow>> PublicForAsync(IReadOnlyCollection<string> inspectionIds, CancellationToken ct = default)
    {
        if (inspectionIds.Count == 0) return [];
        await using var connection = await store.OpenAsync(ct);
        var postgres = connection is Npgsql.NpgsqlConnection;
        // SQLite takes the list as one JSON array parameter.
        var inList = postgres ? "= ANY(@ids)" : "IN (SELECT value FROM json_each(@ids))";
        return (await connection.QueryAsync<PublicReplyRow>(new CommandDefinition(
            $"""
            SELECT objection_id AS Id, kind AS Kind, inspection_id AS InspectionId, result_version AS ResultVersion, reason AS Reason, state AS State,
                   submitted_at AS SubmittedAt, decided_at AS DecidedAt, decision_reason AS DecisionReason, amended_version AS AmendedVersion, amended_on AS AmendedOn
            FROM objections WHERE inspection_id {inList} AND state IN ('published', 'upheld', 'rejected')
            ORDER BY submitted_at, objection_id
            """, new { ids = postgres ? (object)inspectionIds.Distinct(StringComparer.Ordinal).ToArray() : System.Text.Json.JsonSerializer.Serialize(inspectionIds.Distinct(StringComparer.Ordinal)) }, cancellationToken: ct))).AsList();
    }

    /// <summary>When the public record of the entity's statements and objections last changed (a statement sent, an objection decided), or null.</summary>
    public async Task<DateTimeOffset?> LatestPublicChangeAsync(string creditCode, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<PublicReplyRow>(
            """
            SELECT objection_id AS Id, state AS State, submitted_at AS SubmittedAt, decided_at AS DecidedAt FROM objections
            WHERE entity_credit_code = @creditCode AND state IN ('published', 'upheld', 'rejected')
            """, new { creditCode }, ct);
        return rows.Count == 0 ? null : rows.Max(r => r.State == ObjectionStates.Published ? r.SubmittedAt : r.DecidedAt ?? r.SubmittedAt);
    }

    /// <summary>The bytes of a file attached to <paramref name="objectionId"/>, with its type and name; null when it is not attached to it.</summary>
    public async Task<(ObjectionAttachment File, byte[] Content)?> AttachmentAsync(string objectionId, string sha256, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<ContentRow>(
            """
            SELECT a.sha256 AS Sha256, a.file_name AS FileName, a.media_type AS MediaType, a.size_bytes AS SizeBytes, f.content AS Content
            FROM objection_attachments a JOIN evidence_files f ON f.sha256 = a.sha256
            WHERE a.objection_id = @objectionId AND a.sha256 = @sha256
            """, new { objectionId, sha256 }, ct);
        return row is null ? null : (new ObjectionAttachment(row.Sha256, row.SizeBytes, row.MediaType, row.FileName), row.Content);
    }

    private async Task<IReadOnlyList<ObjectionListItem>> ReadAsync(string sql, object args, CancellationToken ct)
    {
        var rows = await store.QueryAsync<ListRow>(sql, args, ct);
        var files = await objections.AttachmentsAsync([.. rows.Select(r => r.Id)], ct);
        return [.. rows.Select(r => new ObjectionListItem(r.ToObjection(files), r.EntityName, r.TaskName, r.ResultPublishedOn))];
    }

    private sealed class ContentRow
    {
        public string Sha256 { get; init; } = "";
        public string FileName { get; init; } = "";
        public string MediaType { get; init; } = "";
        public long SizeBytes { get; init; }
        public byte[] Content { get; init; } = [];
    }

    private sealed class ListRow : ObjectionStore.Row
    {
        public string EntityName { get; init; } = "";
        public string TaskName { get; init; } = "";
        public DateOnly? ResultPublishedOn { get; init; }
    }
}
