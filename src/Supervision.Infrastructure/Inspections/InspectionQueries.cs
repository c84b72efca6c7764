using System.Text.Json;
using Dapper;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Inspections;

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
/// The read side of inspections, for the API, the pages and the grains that read what they do not own: the list rows, the
/// review queue's values, the outcome events, follow-ups and listings, notifications, evidence, the drawn teams and
/// dispatch. Nothing here writes; <see cref="InspectionStore"/> persists what the inspection grain decided.
/// </summary>
public sealed class InspectionQueries(SqlStore store)
{
    private const string RowColumns =
        """
        inspection_id AS InspectionId, task_id AS TaskId, entity_credit_code AS EntityCreditCode, entity_name AS EntityName,
        division_code AS DivisionCode, lead_department AS LeadDepartment, departments, team, state, due_date AS DueDate, revision,
        current_version AS CurrentVersion, published_version AS PublishedVersion, approved_on AS ApprovedOn, publication_due AS PublicationDue,
        due_warned AS DueWarned, overdue, publication_overdue AS PublicationOverdue, updated_at AS UpdatedAt
        """;

    internal const string ListingColumns =
        """
        entity_credit_code AS EntityCreditCode, source_inspection_id AS SourceInspectionId, reason_code AS ReasonCode, verified_on AS VerifiedOn,
        list_by AS ListBy, serious_alert_on AS SeriousAlertOn, source_version AS SourceVersion, removed_on AS RemovedOn, removed_by_inspection AS RemovedByInspection
        """;

    /// <summary>States in which the team still owes a submission (<see cref="InspectionWorkflow.OpenStates"/>), as stored.</summary>
    public static readonly string[] OpenStates = [.. InspectionWorkflow.OpenStates.Select(s => s.ToString())];

    public Task<InspectionRow?> GetRowAsync(string inspectionId, CancellationToken ct = default) =>
        store.QuerySingleOrDefaultAsync<InspectionRow>($"SELECT {RowColumns} FROM inspections WHERE inspection_id = @inspectionId", new { inspectionId }, ct);

    /// <summary>The inspections whose team holds <paramref name="certificateNo"/>, keyset-paged by inspection id.</summary>
    public Task<IReadOnlyList<InspectionRow>> ListMineAsync(string certificateNo, MyInspectionFilter filter, string? after, int limit, CancellationToken ct) =>
        store.QueryAsync<InspectionRow>(
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
            }, ct);


    public Task<IReadOnlyList<InspectionRow>> ListTaskAsync(string taskId, CancellationToken ct) =>
        store.QueryAsync<InspectionRow>($"SELECT {RowColumns} FROM inspections WHERE task_id = @taskId ORDER BY inspection_id", new { taskId }, ct);

    /// <summary>The entity's published results of other inspections: the outcomes of each one's published version.</summary>
    public Task<IReadOnlyList<PublishedOutcomeRow>> PublishedResultsAsync(string entityCreditCode, string exceptInspectionId, CancellationToken ct) =>
        store.QueryAsync<PublishedOutcomeRow>(
            """
            SELECT o.outcome_id AS OutcomeId, o.inspection_id AS InspectionId, o.task_id AS TaskId, o.item_code AS ItemCode, o.result_codes AS ResultCodes,
                   o.inspected_on AS InspectedOn, o.approved_on AS ApprovedOn, o.department_code AS DepartmentCode, o.version
            FROM inspection_outcomes o JOIN inspections i ON i.inspection_id = o.inspection_id AND o.version = i.published_version
            WHERE o.entity_credit_code = @entityCreditCode AND o.inspection_id <> @exceptInspectionId
            ORDER BY o.seq DESC
            """, new { entityCreditCode, exceptInspectionId }, ct);

    /// <summary>
    /// Outcome events in feed order. With <paramref name="department"/> only those a department's staff may read: outcomes
    /// of its own items, and of inspections it leads or reviews (null: all, for admins and the credit feed).
    /// </summary>
    public async Task<IReadOnlyList<InspectionOutcome>> OutcomesAsync(string? inspectionId, long afterSeq, int limit, string? department, CancellationToken ct)
    {
        var scope = department is null ? "" :
            """
            AND (o.department_code = @department OR EXISTS (SELECT 1 FROM inspections i WHERE i.inspection_id = o.inspection_id
                 AND (i.lead_department = @department OR i.departments LIKE @departmentPattern)))
            """;
        var payloads = await store.QueryAsync<string>(
            $"""
            SELECT o.payload_json FROM inspection_outcomes o
            WHERE (@inspectionId IS NULL OR o.inspection_id = @inspectionId) AND o.seq > @afterSeq {scope}
            ORDER BY o.seq LIMIT @limit
            """,
            new { inspectionId, afterSeq, limit, department, departmentPattern = "%," + department + ",%" }, ct);
        return payloads.Select(p => JsonSerializer.Deserialize<InspectionOutcome>(p, InspectionStore.Json)!).ToList();
    }

    public Task<IReadOnlyList<FollowUpRow>> FollowUpsAsync(string inspectionId, CancellationToken ct) =>
        store.QueryAsync<FollowUpRow>(
            """
            SELECT action_key AS ActionKey, kind, entity_credit_code AS EntityCreditCode, inspection_id AS InspectionId, item_code AS ItemCode,
                   department_code AS DepartmentCode, not_before AS NotBefore, due_on AS DueOn, status
            FROM follow_ups WHERE inspection_id = @inspectionId ORDER BY action_key
            """, new { inspectionId }, ct);

    public Task<IReadOnlyList<AbnormalListingRow>> ListingsAsync(string entityCreditCode, CancellationToken ct) =>
        store.QueryAsync<AbnormalListingRow>(
            $"SELECT {ListingColumns} FROM abnormal_listings WHERE entity_credit_code = @entityCreditCode ORDER BY verified_on, source_inspection_id",
            new { entityCreditCode }, ct);

    public async Task<IReadOnlyList<NotificationRow>> NotificationsAsync(IReadOnlyList<string> recipients, long? after, int limit, CancellationToken ct)
    {
        if (recipients.Count == 0) return [];
        return await store.QueryAsync<NotificationRow>(
            $"""
            SELECT id, recipient, inspection_id AS InspectionId, kind, message, created_at AS CreatedAt FROM notifications
            WHERE recipient {In("@recipients")} AND (@after IS NULL OR id > @after) ORDER BY id LIMIT @limit
            """, new { recipients = recipients.ToList(), after, limit }, ct);
    }

    /// <summary>The stored values of several inspections in one statement (the review queue's summaries); missing ids are left out.</summary>
    public async Task<IReadOnlyDictionary<string, Inspection>> LoadManyAsync(IReadOnlyList<string> inspectionIds, CancellationToken ct = default)
    {
        if (inspectionIds.Count == 0) return new Dictionary<string, Inspection>(StringComparer.Ordinal);
        await using var connection = await store.OpenAsync(ct);
        var ids = inspectionIds.Distinct(StringComparer.Ordinal).ToList();
        var rows = await connection.QueryAsync<(string Id, string Json)>(new CommandDefinition(
            $"SELECT inspection_id, state_json FROM inspections WHERE inspection_id {In("@ids")}", new { ids }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => InspectionStore.FromJson(r.Json), StringComparer.Ordinal);
    }

    /// <summary>Copies a stored file's bytes to <paramref name="destination"/> as they are read (never whole in memory). False when absent.</summary>
    public async Task<bool> CopyEvidenceAsync(string sha256, Stream destination, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // SQLite streams a blob only when the row id is selected with it.
        command.CommandText = connection is Microsoft.Data.Sqlite.SqliteConnection
            ? "SELECT content, rowid FROM evidence_files WHERE sha256 = @sha256"
            : "SELECT content FROM evidence_files WHERE sha256 = @sha256";
        SqlParameters.Add(command, "sha256", sha256);
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
        return await store.QueryAsync<DrawnMember>(
            $"""
            SELECT t.rank, t.member_id AS MemberId, t.position, t.certificate_no AS CertificateNo, t.department_code AS DepartmentCode, t.is_lead AS IsLead,
                   (SELECT min(u.username) FROM users u WHERE u.inspector_certificate_no = t.certificate_no) AS Username{nameColumns}
            FROM drawn_teams t WHERE t.task_id = @taskId ORDER BY t.rank, t.position
            """, new { taskId }, ct);
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

    public async Task<bool> IsDispatchedAsync(string taskId, CancellationToken ct) =>
        await store.ExecuteScalarAsync<long>("SELECT count(*) FROM inspection_dispatches WHERE task_id = @taskId", new { taskId }, ct) > 0;

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
        return rows.ToDictionary(r => r.Id, r => (r.Address ?? "", (IReadOnlyList<string>)[.. InspectionStore.FromJson(r.Json).Items.Select(item => item.ItemCode)]), StringComparer.Ordinal);
    }

    private string In(string parameter) => store.In(parameter);

    private static string Prefixed(string columns) =>
        string.Join(", ", columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => "i." + c));
}
