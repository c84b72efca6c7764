using System.Text.Json;
using Dapper;
using Supervision.Core.Draw;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Tasks.DrawRecordRow;

namespace Supervision.Infrastructure.Tasks;

/// <summary>
/// The read side of tasks and draws: the task rows, their committed draw records, seals and replacements, for the API,
/// the pages, the public portal and the grains that read a task they do not own. Nothing here writes.
/// </summary>
public sealed class TaskQueries(SqlStore store)
{
    /// <summary>The draw_tasks columns under <see cref="TaskRow"/>'s names (the repository's load reads them too).</summary>
    internal const string Columns =
        """
        task_id AS TaskId, name AS Name, lead_department AS LeadDepartment, departments AS Departments, status AS Status,
        version AS Version, definition_json AS DefinitionJson, published_at AS PublishedAt, population_sha256 AS PopulationSha256,
        inspectors_sha256 AS InspectorsSha256, population_count AS PopulationCount, partition_count AS PartitionCount, exclusions_json AS ExclusionsJson,
        secret_commitment AS SecretCommitment, entropy_json AS EntropyJson, beacon_json AS BeaconJson, ceremony_json AS CeremonyJson,
        cancel_request_json AS CancelRequestJson, replaces AS Replaces, replaced_by AS ReplacedBy, dispatch_started_at AS DispatchStartedAt,
        participation_json AS ParticipationJson, matching_reminded AS MatchingReminded, created_by AS CreatedBy, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    /// <summary>The task's row, or null when there is no such task.</summary>
    public async Task<TaskRow?> GetAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskRow>(
            new CommandDefinition($"SELECT {Columns} FROM draw_tasks WHERE task_id = @taskId", new { taskId }, cancellationToken: ct));
    }

    /// <summary>Keyset page by task id. <paramref name="department"/>: tasks that department leads or joins; <paramref name="publicOnly"/>: published ones only.</summary>
    public async Task<IReadOnlyList<TaskRow>> ListAsync(string? department, bool publicOnly, string? status, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<TaskRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM draw_tasks
            WHERE (@department IS NULL OR ',' || departments || ',' LIKE @departmentPattern)
              AND (@publicOnly = 0 OR published_at IS NOT NULL)
              AND (@status IS NULL OR status = @status)
              AND (@after IS NULL OR task_id > @after)
            ORDER BY task_id LIMIT @limit
            """,
            new { department, departmentPattern = "%," + department + ",%", publicOnly = publicOnly ? 1 : 0, status, after, limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// The tasks waiting for their inspectors — entities drawn, no team draw yet — oldest list first, with when the list
    /// arrived and the last matching reminder sent; <paramref name="department"/>: those it leads or joins. The due dates are
    /// Core's (<see cref="Core.Tasks.MatchingDeadline"/>), computed by the reader with the calendar in force.
    /// </summary>
    public async Task<IReadOnlyList<AwaitingMatchingRow>> AwaitingMatchingAsync(string? department, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<AwaitingMatchingRow>(new CommandDefinition(
            """
            SELECT t.task_id AS TaskId, t.name AS Name, t.lead_department AS LeadDepartment, t.departments AS Departments,
                   r.committed_at AS ListArrivedAt, t.matching_reminded AS MatchingReminded
            FROM draw_tasks t JOIN draw_records r ON r.task_id = t.task_id AND r.kind = @entityKind
            WHERE t.status = 'entities_drawn' AND (@department IS NULL OR ',' || t.departments || ',' LIKE @departmentPattern)
            ORDER BY r.committed_at, t.task_id
            """, new { department, departmentPattern = "%," + department + ",%", entityKind = EntityKind }, cancellationToken: ct))).AsList();
    }

    /// <summary>When the task's entity list arrived and its inspectors were matched (each null until its draw committed).</summary>
    public async Task<(DateTimeOffset? ListArrivedAt, DateTimeOffset? MatchedAt)> MatchingTimesAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(string Kind, DateTimeOffset CommittedAt)>(new CommandDefinition(
            "SELECT kind, committed_at FROM draw_records WHERE task_id = @taskId AND kind IN (@entityKind, @inspectorKind)",
            new { taskId, entityKind = EntityKind, inspectorKind = InspectorKind }, cancellationToken: ct))).AsList();
        DateTimeOffset? At(string kind) => rows.Where(r => r.Kind == kind).Select(r => (DateTimeOffset?)r.CommittedAt).FirstOrDefault();
        return (At(EntityKind), At(InspectorKind));
    }

    /// <summary>The newest published tasks whose entity draw is sealed (draw-spec §11), for an entity's list of receipts.</summary>
    public async Task<IReadOnlyList<(string TaskId, string Name, DateTimeOffset CommittedAt)>> RecentSealedDrawsAsync(int limit, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<(string TaskId, string Name, DateTimeOffset CommittedAt)>(new CommandDefinition(
            """
            SELECT t.task_id, t.name, r.committed_at FROM draw_records r JOIN draw_tasks t ON t.task_id = r.task_id
            WHERE r.kind = @kind AND t.published_at IS NOT NULL ORDER BY r.committed_at DESC, t.task_id LIMIT @limit
            """, new { kind = SealsKind, limit }, cancellationToken: ct))).AsList();
    }

    /// <summary>The seals of a committed entity draw, or null (no draw yet, or a task frozen before members were committed).</summary>
    public async Task<IReadOnlyList<SealOpening>?> SealsAsync(string taskId, CancellationToken ct = default) =>
        await GetRecordAsync(taskId, SealsKind, ct) is { } record
            ? JsonSerializer.Deserialize<SealOpening[]>(record.RecordText(), DrawPacks.JsonOptions)
            : null;

    /// <summary>Whether a draw of <paramref name="kind"/> is committed (without reading the record itself).</summary>
    public async Task<bool> RecordExistsAsync(string taskId, string kind, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM draw_records WHERE task_id = @taskId AND kind = @kind", new { taskId, kind }, cancellationToken: ct)) > 0;
    }

    /// <summary>
    /// The committed entity draw in short, and when it was committed; null before the draw. Reads the small summary
    /// written with the record, and only for records older than summaries the (possibly tens of megabytes) pack.
    /// </summary>
    public async Task<(EntityDrawSummary Summary, DateTimeOffset CommittedAt)?> EntityDrawSummaryAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var found = await connection.QuerySingleOrDefaultAsync<SummaryRow>(new CommandDefinition(
            "SELECT summary_json AS SummaryJson, committed_at AS CommittedAt FROM draw_records WHERE task_id = @taskId AND kind = @kind",
            new { taskId, kind = EntityKind }, cancellationToken: ct));
        if (found is null) return null;
        if (found.SummaryJson is { } json) return (JsonSerializer.Deserialize<EntityDrawSummary>(json, DrawPacks.JsonOptions)!, found.CommittedAt);
        var record = await GetRecordAsync(taskId, EntityKind, ct);
        return (EntityDrawSummary.Of(JsonSerializer.Deserialize<DrawPack>(record!.RecordUtf8(), DrawPacks.JsonOptions)!), found.CommittedAt);
    }

    private sealed record SummaryRow
    {
        public string? SummaryJson { get; init; }
        public DateTimeOffset CommittedAt { get; init; }
    }

    public async Task<DrawRecordRow?> GetRecordAsync(string taskId, string kind, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<DrawRecordRow>(new CommandDefinition(
            """
            SELECT task_id AS TaskId, kind AS Kind, record_json AS RecordJson, record_gzip AS RecordGzip, pool_json AS PoolJson,
                   committed_by AS CommittedBy, committed_at AS CommittedAt
            FROM draw_records WHERE task_id = @taskId AND kind = @kind
            """, new { taskId, kind }, cancellationToken: ct));
    }

    /// <summary>The replacements recorded for the task, in order (draw-spec §8.1); empty when none.</summary>
    public async Task<IReadOnlyList<InspectorReplacement>> ReplacementsAsync(string taskId, CancellationToken ct = default) =>
        await GetRecordAsync(taskId, ReplacementsKind, ct) is { } record
            ? JsonSerializer.Deserialize<InspectorReplacement[]>(record.RecordText(), DrawPacks.JsonOptions)!
            : [];

    /// <summary>Whether the task has been dispatched: any of its inspections exists.</summary>
    public async Task<bool> IsDispatchedAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM inspections WHERE task_id = @taskId", new { taskId }, cancellationToken: ct)) > 0;
    }
}

/// <summary>A task waiting for its inspectors (<see cref="TaskQueries.AwaitingMatchingAsync"/>).</summary>
public sealed record AwaitingMatchingRow
{
    public required string TaskId { get; init; }
    public required string Name { get; init; }
    public required string LeadDepartment { get; init; }
    public required string Departments { get; init; }
    public DateTimeOffset ListArrivedAt { get; init; }
    public string? MatchingReminded { get; init; }
}
