using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Tasks;

/// <summary>A row of the draw_tasks read model: the task's public face and its current state.</summary>
public sealed record TaskRow
{
    public required string TaskId { get; init; }
    public required string Name { get; init; }
    public required string LeadDepartment { get; init; }
    public required string Departments { get; init; }
    public required string Status { get; init; }
    public long Version { get; init; }
    public required string DefinitionJson { get; init; }
    public DateTimeOffset? PublishedAt { get; init; }
    public string? PopulationSha256 { get; init; }

    /// <summary>The SHA-256 of the inspectors list frozen with the population (schema 0022); null for tasks frozen before.</summary>
    public string? InspectorsSha256 { get; init; }
    public long? PopulationCount { get; init; }
    public int? PartitionCount { get; init; }
    public string? ExclusionsJson { get; init; }
    public string? SecretCommitment { get; init; }
    public string EntropyJson { get; init; } = "[]";

    /// <summary>The witnessed seed ceremony (schema 0024, draw-spec §3.3), from the freeze on; null for a v1 seed.</summary>
    public string? CeremonyJson { get; init; }

    public Ceremony? Ceremony => CeremonyJson is null ? null : JsonSerializer.Deserialize<Ceremony>(CeremonyJson, DrawStore.Json);

    /// <summary>
    /// Schema 0025: a cancellation after the draw began, waiting for approval (<see cref="CancelRequest"/>) or decided
    /// (<see cref="CancelDecision"/>, the last one); null when none was asked.
    /// </summary>
    public string? CancelRequestJson { get; init; }

    /// <summary>The pending cancellation request, if one waits for approval.</summary>
    public CancelRequest? PendingCancel => CancelRequestJson is { } json && !IsDecided(json)
        ? JsonSerializer.Deserialize<CancelRequest>(json, DrawStore.Json) : null;

    /// <summary>The last decided cancellation request, if any.</summary>
    public CancelDecision? CancelDecision => CancelRequestJson is { } json && IsDecided(json)
        ? JsonSerializer.Deserialize<CancelDecision>(json, DrawStore.Json) : null;

    private static bool IsDecided(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("decision", out _);
    }

    /// <summary>The cancelled task this one redraws, and the task that redraws this one (schema 0025).</summary>
    public string? Replaces { get; init; }

    public string? ReplacedBy { get; init; }
    public string? BeaconJson { get; init; }

    /// <summary>When dispatch began (schema 0028): from then on the teams dispatch reads are fixed, and a replacement changes an inspection.</summary>
    public DateTimeOffset? DispatchStartedAt { get; init; }
    public string ParticipationJson { get; init; } = "{}";
    public required string CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> DepartmentList => Departments.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public TaskDefinition Definition => JsonSerializer.Deserialize<TaskDefinition>(DefinitionJson, DrawStore.Json)!;

    public IReadOnlyList<EntropyEntry> Entropy => JsonSerializer.Deserialize<EntropyEntry[]>(EntropyJson, DrawStore.Json)!;

    public BeaconValue? Beacon => BeaconJson is null ? null : JsonSerializer.Deserialize<BeaconValue>(BeaconJson, DrawStore.Json);

    /// <summary>The participating departments' answers (joint tasks by consent).</summary>
    public IReadOnlyDictionary<string, ParticipationDecision> Participation =>
        JsonSerializer.Deserialize<Dictionary<string, ParticipationDecision>>(ParticipationJson, DrawStore.Json)!;

    public FreezeSummary? Freeze => ExclusionsJson is null ? null : JsonSerializer.Deserialize<FreezeSummary>(ExclusionsJson, DrawStore.Json);
}

/// <summary>A freeze refused after its census (e.g. a sample the inspectors cannot staff): nothing was committed.</summary>
public sealed class FreezeRefusedException(string reason) : Exception(reason);

/// <summary>
/// What a freeze fixed besides the snapshot; <see cref="ExclusionsSha256"/> commits to the excluded members (draw-spec §9.3),
/// <see cref="MembersSha256"/> to the class-free members file (§11.1); <see cref="Scope"/> is the items' object scope the
/// population was limited to (the restricting items only; empty when every item applies to every entity). Each is null
/// for freezes older than it.
/// </summary>
public sealed record FreezeSummary(int DrawYear, int YearlyCap, IReadOnlyList<ExclusionCount> Excluded, DateTimeOffset FrozenAt, string? ExclusionsSha256 = null,
    string? MembersSha256 = null, IReadOnlyList<ItemScope>? Scope = null);

public sealed record DrawRecordRow
{
    public required string TaskId { get; init; }
    public required string Kind { get; init; }

    /// <summary>The record as text; '' when it is stored compressed in <see cref="RecordGzip"/> (0012).</summary>
    public required string RecordJson { get; init; }

    /// <summary>The record's UTF-8 JSON as one gzip member (entity packs since 0012), else null.</summary>
    public byte[]? RecordGzip { get; init; }

    /// <summary>The record's JSON text as UTF-8 bytes, whichever way it is stored.</summary>
    public byte[] RecordUtf8() => RecordGzip is { } gz ? DrawStore.Gunzip(gz) : Encoding.UTF8.GetBytes(RecordJson);

    /// <summary>The record's JSON text, whichever way it is stored.</summary>
    public string RecordText() => RecordGzip is null ? RecordJson : Encoding.UTF8.GetString(RecordUtf8());

    public string? PoolJson { get; init; }
    public required string CommittedBy { get; init; }
    public DateTimeOffset CommittedAt { get; init; }
}

/// <summary>Thrown inside a transaction when the task row moved under us: the whole transaction rolls back.</summary>
public sealed class TaskVersionConflictException(string taskId) : Exception($"Task {taskId} changed concurrently.");

/// <summary>
/// SQL for tasks and draws. Every method that writes does so in one transaction together with its audit line;
/// the frozen population is kept as chunks of its canonical snapshot (docs/draw-service.md).
/// </summary>
public sealed class DrawStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    public const string EntityKind = "entity";
    public const string InspectorKind = "inspector";

    /// <summary>The replacements of team members after the inspector draw (draw-spec §8.1), the whole list, rewritten with each one.</summary>
    public const string ReplacementsKind = "replacements";

    /// <summary>The class-free seals of the entity draw with their openings (draw-spec §11.2): not public; opened one entity at a time.</summary>
    public const string SealsKind = "seals";

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
    public const string YearlyCapReason = "yearly-cap";

    /// <summary>The department's published yearly cap on inspections per entity (across all its items) is reached.</summary>
    public const string DepartmentCapReason = "department-yearly-cap";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        """
        task_id AS TaskId, name AS Name, lead_department AS LeadDepartment, departments AS Departments, status AS Status,
        version AS Version, definition_json AS DefinitionJson, published_at AS PublishedAt, population_sha256 AS PopulationSha256,
        inspectors_sha256 AS InspectorsSha256, population_count AS PopulationCount, partition_count AS PartitionCount, exclusions_json AS ExclusionsJson,
        secret_commitment AS SecretCommitment, entropy_json AS EntropyJson, beacon_json AS BeaconJson, ceremony_json AS CeremonyJson,
        cancel_request_json AS CancelRequestJson, replaces AS Replaces, replaced_by AS ReplacedBy, dispatch_started_at AS DispatchStartedAt,
        participation_json AS ParticipationJson, created_by AS CreatedBy, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public SqlStore Store => store;

    public TimeProvider Clock => clock;

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

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

    public async Task<bool> InsertAsync(TaskRow row, Actor actor, CancellationToken ct = default)
    {
        return await store.InTransactionAsync(async (connection, tx) =>
        {
            var exists = await connection.ExecuteScalarAsync<long>(
                new CommandDefinition("SELECT count(*) FROM draw_tasks WHERE task_id = @TaskId", row, tx, cancellationToken: ct));
            if (exists > 0) return false;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO draw_tasks (task_id, name, lead_department, departments, status, version, definition_json, published_at,
                    population_sha256, population_count, partition_count, exclusions_json, secret_commitment, entropy_json, beacon_json,
                    replaces, created_by, created_at, updated_at)
                VALUES (@TaskId, @Name, @LeadDepartment, @Departments, @Status, @Version, @DefinitionJson, @PublishedAt,
                    @PopulationSha256, @PopulationCount, @PartitionCount, @ExclusionsJson, @SecretCommitment, @EntropyJson, @BeaconJson,
                    @Replaces, @CreatedBy, @CreatedAt, @UpdatedAt)
                """, row, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "task.create", "task", row.TaskId, row.LeadDepartment, null, AuditView(row));
            return true;
        }, ct);
    }

    /// <summary>Moves the row from <paramref name="before"/> to <paramref name="after"/> (version-checked), runs <paramref name="extra"/>, audits; all or nothing.</summary>
    /// <remarks><paramref name="reason"/>, when given (a cancellation's), is kept with the audit line's after view.</remarks>
    public Task TransitionAsync(TaskRow before, TaskRow after, Actor actor, string action,
        Func<DbConnection, DbTransaction, Task>? extra = null, string? reason = null, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            await UpdateRowAsync(connection, tx, before, after, ct);
            if (extra is not null) await extra(connection, tx);
            await audit.AppendAsync(connection, tx, actor, action, "task", after.TaskId, after.LeadDepartment, AuditView(before),
                reason is null ? AuditView(after) : new { task = AuditView(after), reason });
            return 0;
        }, ct);

    /// <summary>
    /// Cancels a task whose entity draw is committed (its teams could not be staffed): the draw stays on the record and
    /// public, and its entities no longer count against the yearly caps (their burden rows are released).
    /// </summary>
    public Task CancelDrawnAsync(TaskRow before, TaskRow after, Actor actor, string reason, CancellationToken ct = default) =>
        TransitionAsync(before, after, actor, "task.cancel", (connection, tx) =>
            connection.ExecuteAsync(new CommandDefinition("DELETE FROM draw_burden WHERE task_id = @TaskId", new { after.TaskId }, tx, cancellationToken: ct)),
            reason, ct);

    private static async Task UpdateRowAsync(DbConnection connection, DbTransaction tx, TaskRow before, TaskRow after, CancellationToken ct)
    {
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE draw_tasks SET name = @Name, departments = @Departments, status = @Status, version = @Version,
                definition_json = @DefinitionJson, published_at = @PublishedAt, population_sha256 = @PopulationSha256,
                inspectors_sha256 = @InspectorsSha256, population_count = @PopulationCount, partition_count = @PartitionCount, exclusions_json = @ExclusionsJson,
                secret_commitment = @SecretCommitment, entropy_json = @EntropyJson, beacon_json = @BeaconJson, ceremony_json = @CeremonyJson,
                cancel_request_json = @CancelRequestJson, replaced_by = @ReplacedBy, dispatch_started_at = @DispatchStartedAt,
                participation_json = @ParticipationJson, updated_at = @UpdatedAt
            WHERE task_id = @TaskId AND version = @ExpectedVersion
            """,
            new
            {
                after.TaskId, after.Name, after.Departments, after.Status, after.Version, after.DefinitionJson, after.PublishedAt,
                after.PopulationSha256, after.InspectorsSha256, after.PopulationCount, after.PartitionCount, after.ExclusionsJson, after.SecretCommitment,
                after.EntropyJson, after.BeaconJson, after.CeremonyJson, after.CancelRequestJson, after.ReplacedBy, after.DispatchStartedAt, after.ParticipationJson, after.UpdatedAt,
                ExpectedVersion = before.Version,
            }, tx, cancellationToken: ct));
        if (changed != 1) throw new TaskVersionConflictException(after.TaskId);
    }

    /// <summary>The audit view of a task: never the definition's internals twice, never anything secret (the row holds no secret).</summary>
    private static object AuditView(TaskRow row) => new
    {
        row.TaskId, row.Name, row.Status, row.Version, row.Departments, row.PopulationSha256, row.InspectorsSha256, row.PopulationCount,
        row.SecretCommitment, row.EntropyJson, row.BeaconJson, row.CeremonyJson, row.DefinitionJson, row.ParticipationJson,
        row.CancelRequestJson, row.Replaces, row.ReplacedBy,
    };

    /// <summary>Members per snapshot chunk (the last chunk of a task may be shorter).</summary>
    public const int ChunkSize = 65_536;

    /// <summary>
    /// Freezes the population in one transaction: reads the matching entities once (unordered; PostgreSQL streams them
    /// by binary COPY), sorts them by member id in byte order, writes the canonical snapshot as chunks while hashing it
    /// incrementally and computing the entity draw's census, stores the exclusions (members over their yearly cap) and
    /// the census, and moves the task to frozen with the hash. Returns the new row.
    /// </summary>
    /// <remarks><paramref name="phases"/>, when given, receives the cumulative time at the end of each phase (for the logs).</remarks>
    /// <remarks>
    /// <paramref name="membersKey"/> (draw-spec §11.1) turns each chunk into its lines of the class-free members file too,
    /// in the same parallel pass, hashed in order: the summary's <see cref="FreezeSummary.MembersSha256"/>.
    /// </remarks>
    /// <remarks>
    /// <paramref name="refuse"/>, when given, sees the draw's plan from the census (so the exact sample size) before
    /// anything is committed; a reason it returns rolls the freeze back as a <see cref="FreezeRefusedException"/>.
    /// </remarks>
    public Task<TaskRow> FreezeAsync(TaskRow before, Func<string, long, FreezeSummary, TaskRow> after, int drawYear, int yearlyCap,
        int partitionSize, Actor actor, byte[] membersKey, IReadOnlyList<ItemScope> scopes, List<(string Phase, TimeSpan At)>? phases = null, Func<EntityDrawPlan, string?>? refuse = null,
        CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            void Mark(string phase) => phases?.Add((phase, watch.Elapsed));
            var definition = before.Definition;
            var classes = definition.Filter.CreditClasses;
            var p = new DynamicParameters();
            p.Add("task", before.TaskId);
            p.Add("year", drawYear);
            p.Add("cap", yearlyCap);
            var items = InList(p, "item", definition.Items);
            var overCap = new HashSet<UInt128>();
            foreach (var member in await connection.QueryAsync<string>(new CommandDefinition(
                $"""
                SELECT DISTINCT member_id FROM (
                    SELECT member_id, item_code FROM draw_burden
                    WHERE draw_year = @year AND item_code IN ({items})
                    GROUP BY member_id, item_code HAVING count(*) >= @cap) over_cap
                """, p, tx, cancellationToken: ct)))
            {
                if (SnapshotChunks.TryEncode(member, out var code)) overCap.Add(code);
            }

            // A department's yearly cap (departments.yearly_cap) counts this year's draws of an entity for any of
            // that department's items; an entity at the cap of any of the task's departments is excluded.
            var departmentsList = InList(p, "dept", definition.Departments);
            var overDepartmentCap = new HashSet<UInt128>();
            foreach (var member in await connection.QueryAsync<string>(new CommandDefinition(
                $"""
                SELECT DISTINCT member_id FROM (
                    SELECT b.member_id, d.code FROM draw_burden b
                    JOIN inspection_items i ON i.code = b.item_code
                    JOIN departments d ON d.code = i.department_code
                    WHERE b.draw_year = @year AND d.code IN ({departmentsList}) AND d.yearly_cap IS NOT NULL
                    GROUP BY b.member_id, d.code, d.yearly_cap HAVING count(DISTINCT b.task_id) >= d.yearly_cap) over_department_cap
                """, p, tx, cancellationToken: ct)))
            {
                if (SnapshotChunks.TryEncode(member, out var code) && !overCap.Contains(code)) overDepartmentCap.Add(code);
            }

            Mark("caps");
            var collected = new CollectedPopulation(classes);
            var restricting = ItemScopes.Restricting(scopes);
            if (connection is NpgsqlConnection npgsql) await ReadPopulationCopyAsync(npgsql, definition, restricting, collected, ct);
            else await ReadPopulationSqliteAsync(connection, tx, definition, restricting, collected, ct);
            Mark("read");
            var (ids, classOf) = collected.Sorted();
            Mark("sort");

            var exclusions = new List<MemberExclusion>();
            for (var i = 0; i < ids.Length; i++)
            {
                if (overCap.Count > 0 && overCap.Contains(ids[i])) exclusions.Add(new MemberExclusion(SnapshotChunks.DecodeToString(ids[i]), YearlyCapReason));
                else if (overDepartmentCap.Count > 0 && overDepartmentCap.Contains(ids[i])) exclusions.Add(new MemberExclusion(SnapshotChunks.DecodeToString(ids[i]), DepartmentCapReason));
            }
            // The census needs the strata, mode and exclusions only; the seed (unknown before the ceremony) plays no part.
            var censusSetup = new EntityDrawSetup(new byte[32], before.TaskId, DrawPrimitives.AlgorithmVersion, definition.ToDrawParameters(exclusions));
            var weights = classes.Select(definition.WeightMicros).ToArray();
            var chunkCount = Math.Max(1, (ids.Length + ChunkSize - 1) / ChunkSize);
            var chunks = new byte[chunkCount][];
            var memberLines = new byte[chunkCount][];
            var censuses = new DrawCensus[chunkCount];
            foreach (var table in new[] { "draw_snapshot_chunks", "draw_exclusions", "draw_censuses" })
                await connection.ExecuteAsync(new CommandDefinition($"DELETE FROM {table} WHERE task_id = @task", p, tx, cancellationToken: ct));

            // Chunks (lines + census) are built in parallel in the background while this loop hashes and writes them
            // in order as each one is ready, so the database ingests chunk c while the cores build the next ones.
            var ready = Enumerable.Range(0, chunkCount).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var builder = Task.Run(() =>
            {
                try
                {
                    Parallel.For(0, chunkCount, c =>
                    {
                        var from = c * ChunkSize;
                        var length = Math.Min(ChunkSize, ids.Length - from);
                        chunks[c] = SnapshotChunks.Build(c, ids.AsSpan(from, length), classOf.AsSpan(from, length), classes, weights, []);
                        censuses[c] = EntityDraw.Census(censusSetup, chunks[c], c == 0);
                        memberLines[c] = ConfidentialDraw.MembersLines(chunks[c], c == 0, membersKey);
                        ready[c].TrySetResult();
                    });
                }
                catch (Exception e)
                {
                    foreach (var r in ready) r.TrySetException(e);
                    throw;
                }
            }, ct);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var membersHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            async IAsyncEnumerable<object?[]> ChunkRows()
            {
                for (var c = 0; c < chunkCount; c++)
                {
                    await ready[c].Task;
                    hash.AppendData(chunks[c]);
                    membersHash.AppendData(memberLines[c]);
                    memberLines[c] = [];
                    yield return
                    [
                        before.TaskId, c, ids.Length == 0 ? "" : SnapshotChunks.DecodeToString(ids[c * ChunkSize]),
                        Math.Min(ChunkSize, ids.Length - c * ChunkSize), chunks[c],
                    ];
                }
            }
            await BulkInsertAsync(connection, tx, "draw_snapshot_chunks", ["task_id", "chunk_no", "first_member", "member_count", "data"], ChunkRows(), ct);
            await builder;
            var sha = DrawPrimitives.Hex(hash.GetHashAndReset());
            var census = EntityDraw.MergeCensus(censusSetup, censuses);
            Mark("chunks+census+hash+write");
            if (refuse?.Invoke(EntityDraw.Plan(censusSetup, census)) is { } refusal) throw new FreezeRefusedException(refusal);
            await BulkInsertAsync(connection, tx, "draw_exclusions", ["task_id", "member_id", "reason"],
                exclusions.Select(e => new object?[] { before.TaskId, e.MemberId, e.Reason }), ct);
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO draw_censuses (task_id, census_json) VALUES (@task, @json)",
                new { task = before.TaskId, json = ToJson(DrawExchange.Export(census)) }, tx, cancellationToken: ct));

            var excluded = census.ExcludedByReason.Select(x => new ExclusionCount(x.Key, x.Value)).ToArray();
            var summary = new FreezeSummary(drawYear, yearlyCap, excluded, clock.GetUtcNow(), PopulationReference.ExclusionsHash(exclusions),
                DrawPrimitives.Hex(membersHash.GetHashAndReset()), restricting);
            var chunksPerCall = Math.Max(1, partitionSize / ChunkSize);
            var next = after(sha, ids.Length, summary) with
            {
                PartitionCount = Math.Max(1, (chunkCount + chunksPerCall - 1) / chunksPerCall),
            };
            await UpdateRowAsync(connection, tx, before, next, ct);
            await audit.AppendAsync(connection, tx, actor, "task.freeze", "task", next.TaskId, next.LeadDepartment, AuditView(before), AuditView(next));
            Mark("rest");
            return next;
        }, ct);

    /// <summary>
    /// The filter of the freeze (docs/draw-service.md), with values as parameters (SQLite) or quoted literals (COPY takes no
    /// parameters): open entities of the task's classes, division, industries and types, to which every one of the task's
    /// items applies (<paramref name="scopes"/>: each restricting item's entity types and industry prefixes).
    /// </summary>
    internal static string PopulationWhere(TaskDefinition definition, IReadOnlyList<ItemScope> scopes, Func<string, string> value)
    {
        var filter = definition.Filter;
        var where = new StringBuilder("e.status = 'open'");
        where.Append(" AND e.credit_class IN (").Append(string.Join(", ", filter.CreditClasses.Select(value))).Append(')');
        if (filter.DivisionPrefix is { } division) where.Append(" AND e.division_code LIKE ").Append(value(division + "%"));
        if (filter.IndustryPrefixes.Count > 0)
            where.Append(" AND (").Append(string.Join(" OR ", filter.IndustryPrefixes.Select(x => "e.industry_code LIKE " + value(x + "%")))).Append(')');
        if (filter.EntityTypes.Count > 0)
            where.Append(" AND e.entity_type IN (").Append(string.Join(", ", filter.EntityTypes.Select(value))).Append(')');
        foreach (var scope in scopes)
        {
            if (scope.EntityTypes.Count > 0)
                where.Append(" AND e.entity_type IN (").Append(string.Join(", ", scope.EntityTypes.Select(value))).Append(')');
            if (scope.IndustryPrefixes.Count > 0)
                where.Append(" AND (").Append(string.Join(" OR ", scope.IndustryPrefixes.Select(x => "e.industry_code LIKE " + value(x + "%")))).Append(')');
        }
        return where.ToString();
    }

    /// <summary>A PostgreSQL string literal under standard_conforming_strings (set on for the transaction): quotes doubled, nothing else special.</summary>
    private static string Literal(string text) => text.Contains('\0', StringComparison.Ordinal)
        ? throw new ArgumentException("a filter value contains NUL", nameof(text))
        : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Streams (credit code, class) of the matching entities by binary COPY and parses the wire format directly.</summary>
    private static async Task ReadPopulationCopyAsync(NpgsqlConnection connection, TaskDefinition definition, IReadOnlyList<ItemScope> scopes, CollectedPopulation into, CancellationToken ct)
    {
        await using (var set = new NpgsqlCommand("SET LOCAL standard_conforming_strings = on", connection)) await set.ExecuteNonQueryAsync(ct);
        var sql = $"COPY (SELECT e.credit_code, e.credit_class FROM market_entities e WHERE {PopulationWhere(definition, scopes, Literal)}) TO STDOUT (FORMAT BINARY)";
        await using var stream = await connection.BeginRawBinaryCopyAsync(sql, ct);
        var buffer = new byte[1 << 20];
        int filled = 0, at = 0;
        var headerDone = false;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            filled += read;
            if (!headerDone)
            {
                if (filled < 19) { if (read == 0) throw new InvalidOperationException("COPY ended before its header"); continue; }
                var extension = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(15));
                at = 19 + extension;
                headerDone = true;
            }
            var done = into.AddCopyTuples(buffer.AsSpan(0, filled), ref at);
            if (done) return;
            if (read == 0) throw new InvalidOperationException("COPY ended without its trailer");
            // Keep the unparsed tail at the front of the buffer; grow it for a tuple larger than the buffer.
            var tail = filled - at;
            if (tail == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            buffer.AsSpan(at, tail).CopyTo(buffer);
            filled = tail;
            at = 0;
        }
    }

    private static async Task ReadPopulationSqliteAsync(DbConnection connection, DbTransaction tx, TaskDefinition definition, IReadOnlyList<ItemScope> scopes, CollectedPopulation into, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandTimeout = 3600;
        var n = 0;
        var where = PopulationWhere(definition, scopes, v =>
        {
            var name = "@f" + (n++).ToString(CultureInfo.InvariantCulture);
            AddParameter(command, name, v);
            return name;
        });
        command.CommandText = $"SELECT e.credit_code, e.credit_class FROM market_entities e WHERE {where}";
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
            into.Add(Encoding.UTF8.GetBytes(reader.GetString(0)), Encoding.UTF8.GetBytes(reader.GetString(1)));
    }

    /// <summary>(id code, class index) pairs as read; members whose id is not 18 × [0-9A-Z] are not part of any population.</summary>
    private sealed class CollectedPopulation(IReadOnlyList<string> classes)
    {
        private readonly byte[][] _classes = classes.Select(c => Encoding.UTF8.GetBytes(c)).ToArray();
        private UInt128[] _ids = new UInt128[1 << 16];
        private byte[] _classOf = new byte[1 << 16];
        private int _count;

        public void Add(ReadOnlySpan<byte> id, ReadOnlySpan<byte> creditClass)
        {
            if (!SnapshotChunks.TryEncode(id, out var code)) return;
            var c = 0;
            while (c < _classes.Length && !creditClass.SequenceEqual(_classes[c])) c++;
            if (c == _classes.Length) throw new InvalidOperationException($"the population query returned class '{Encoding.UTF8.GetString(creditClass)}' outside the filter");
            if (_count == _ids.Length)
            {
                Array.Resize(ref _ids, _count * 2);
                Array.Resize(ref _classOf, _count * 2);
            }
            _ids[_count] = code;
            _classOf[_count++] = (byte)c;
        }

        /// <summary>Parses complete COPY BINARY tuples of two text fields from <paramref name="at"/>; true at the trailer.</summary>
        public bool AddCopyTuples(ReadOnlySpan<byte> data, ref int at)
        {
            while (true)
            {
                if (data.Length - at < 2) return false;
                var fields = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(data[at..]);
                if (fields == -1) return true;
                if (fields != 2) throw new InvalidOperationException($"COPY tuple with {fields} fields");
                var p = at + 2;
                if (data.Length - p < 4) return false;
                var idLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[p..]);
                if (idLength < 0 || data.Length - p - 4 < idLength + 4) return false;
                var id = data.Slice(p + 4, idLength);
                p += 4 + idLength;
                var classLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[p..]);
                if (classLength < 0 || data.Length - p - 4 < classLength) return false;
                Add(id, data.Slice(p + 4, classLength));
                at = p + 4 + classLength;
            }
        }

        public (UInt128[] Ids, byte[] ClassOf) Sorted()
        {
            var n = _count;
            var ids = _ids[..n];
            var classOf = _classOf[..n];
            if (n < 1 << 16 || Environment.ProcessorCount < 2) Array.Sort(ids, classOf);
            else
            {
                // Both halves sorted at once on two cores, then one linear merge.
                var half = n / 2;
                Parallel.Invoke(() => Array.Sort(ids, classOf, 0, half), () => Array.Sort(ids, classOf, half, n - half));
                var mergedIds = new UInt128[n];
                var mergedClass = new byte[n];
                int a = 0, b = half, o = 0;
                while (a < half && b < n)
                {
                    if (ids[a] <= ids[b]) { mergedIds[o] = ids[a]; mergedClass[o++] = classOf[a++]; }
                    else { mergedIds[o] = ids[b]; mergedClass[o++] = classOf[b++]; }
                }
                for (; a < half; a++, o++) { mergedIds[o] = ids[a]; mergedClass[o] = classOf[a]; }
                for (; b < n; b++, o++) { mergedIds[o] = ids[b]; mergedClass[o] = classOf[b]; }
                ids = mergedIds;
                classOf = mergedClass;
            }
            for (var i = 1; i < ids.Length; i++)
            {
                if (ids[i] == ids[i - 1]) throw new InvalidOperationException($"member {SnapshotChunks.DecodeToString(ids[i])} appears twice in the population");
            }
            return (ids, classOf);
        }
    }

    private static string InList(DynamicParameters p, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++) p.Add($"{prefix}{i}", values[i]);
        return values.Count == 0 ? "NULL" : string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"));
    }

    /// <summary>
    /// Streams the canonical snapshot CSV (docs/draw-spec.md §4) of a frozen population to <paramref name="sink"/>: the
    /// concatenation of its chunks in order. Returns the number of bytes written.
    /// </summary>
    public async Task<long> StreamSnapshotAsync(string taskId, Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        // One chunk per statement, on a connection given back before the chunk goes to the sink: a client that stops
        // reading holds one chunk of memory, never a pooled connection.
        long bytes = 0;
        for (var after = -1; ; )
        {
            byte[] data;
            await using (var connection = await store.OpenAsync(ct))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT chunk_no, data FROM draw_snapshot_chunks WHERE task_id = @task AND chunk_no > @after ORDER BY chunk_no LIMIT 1";
                AddParameter(command, "task", taskId);
                AddParameter(command, "after", after);
                await using var reader = await command.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) return bytes;
                after = reader.GetInt32(0);
                data = (byte[])reader.GetValue(1);
            }
            await sink(data);
            bytes += data.Length;
        }
    }

    /// <summary>The members excluded at freeze, in member id order (the order of the pack's parameters).</summary>
    public async Task<IReadOnlyList<MemberExclusion>> ExclusionsAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = (await connection.QueryAsync<(string MemberId, string Reason)>(new CommandDefinition(
            "SELECT member_id, reason FROM draw_exclusions WHERE task_id = @taskId", new { taskId }, cancellationToken: ct))).AsList();
        rows.Sort((a, b) => string.CompareOrdinal(a.MemberId, b.MemberId));
        return rows.Select(r => new MemberExclusion(r.MemberId, r.Reason)).ToArray();
    }

    /// <summary>
    /// Chunks [<paramref name="firstChunk"/>, <paramref name="firstChunk"/> + <paramref name="count"/>) of a frozen snapshot,
    /// strictly parsed into members (strata equal to <paramref name="strata"/> share those strings).
    /// </summary>
    public async Task<PopulationMember[]> ReadChunksAsync(string taskId, int firstChunk, int count, IReadOnlyList<string> strata, CancellationToken ct = default)
    {
        var chunks = new List<(int ChunkNo, int Members, byte[] Data)>(count);
        await using (var connection = await store.OpenAsync(ct))
        {
            await using var command = connection.CreateCommand();
            command.CommandTimeout = 3600;
            command.CommandText =
                "SELECT chunk_no, member_count, data FROM draw_snapshot_chunks WHERE task_id = @task AND chunk_no >= @lo AND chunk_no < @hi ORDER BY chunk_no";
            AddParameter(command, "task", taskId);
            AddParameter(command, "lo", firstChunk);
            AddParameter(command, "hi", firstChunk + count);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct))
                chunks.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), (byte[])reader.GetValue(2)));
        }
        if (chunks.Count != count || chunks.Select((c, i) => c.ChunkNo != firstChunk + i).Any(x => x))
            throw new InvalidOperationException($"snapshot of {taskId}: expected chunks {firstChunk}..{firstChunk + count - 1}, found {chunks.Count}");
        var members = new PopulationMember[chunks.Sum(c => c.Members)];
        var offsets = new int[chunks.Count];
        for (var i = 1; i < chunks.Count; i++) offsets[i] = offsets[i - 1] + chunks[i - 1].Members;
        Parallel.For(0, chunks.Count, i =>
        {
            var (chunkNo, expected, data) = chunks[i];
            var n = SnapshotChunks.Parse(data, chunkNo == 0, strata, members.AsSpan(offsets[i], expected));
            if (n != expected) throw new InvalidOperationException($"snapshot of {taskId}: chunk {chunkNo} holds {n} members, recorded {expected}");
        });
        return members;
    }

    /// <summary>The census computed at freeze (columns of <see cref="DrawExchange"/>).</summary>
    public async Task<CensusColumns> CensusAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var json = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT census_json FROM draw_censuses WHERE task_id = @taskId", new { taskId }, cancellationToken: ct))
            ?? throw new InvalidOperationException($"task {taskId} has no census: it was frozen before snapshot chunks existed (0006) and must be frozen again");
        return JsonSerializer.Deserialize<CensusColumns>(json, Json)!;
    }

    public async Task<int> ChunkCountAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM draw_snapshot_chunks WHERE task_id = @taskId", new { taskId }, cancellationToken: ct));
    }

    /// <summary>
    /// Chunks [<paramref name="firstChunk"/>, <paramref name="firstChunk"/> + <paramref name="count"/>) of a frozen snapshot
    /// as stored, in order, each checked to hold its recorded number of lines (the scan reads them strictly).
    /// </summary>
    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>> ReadChunkBytesAsync(string taskId, int firstChunk, int count, CancellationToken ct = default)
    {
        var chunks = new List<ReadOnlyMemory<byte>>(count);
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 3600;
        command.CommandText =
            "SELECT chunk_no, member_count, data FROM draw_snapshot_chunks WHERE task_id = @task AND chunk_no >= @lo AND chunk_no < @hi ORDER BY chunk_no";
        AddParameter(command, "task", taskId);
        AddParameter(command, "lo", firstChunk);
        AddParameter(command, "hi", firstChunk + count);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            var chunkNo = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
            var expected = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
            var data = (byte[])reader.GetValue(2);
            if (chunkNo != firstChunk + chunks.Count)
                throw new InvalidOperationException($"snapshot of {taskId}: expected chunk {firstChunk + chunks.Count}, found {chunkNo}");
            var lines = data.AsSpan().Count((byte)'\n') - (chunkNo == 0 ? 1 : 0);
            if (lines != expected) throw new InvalidOperationException($"snapshot of {taskId}: chunk {chunkNo} holds {lines} members, recorded {expected}");
            chunks.Add(data);
        }
        if (chunks.Count != count)
            throw new InvalidOperationException($"snapshot of {taskId}: expected chunks {firstChunk}..{firstChunk + count - 1}, found {chunks.Count}");
        return chunks;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

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

    /// <summary>
    /// Commits the entity draw once: the record (the pack), the drawn entities, the burden ledger and the task's move
    /// to entities_drawn, with the audit line, in one transaction. False when a record exists already (nothing written).
    /// </summary>
    /// <remarks><paramref name="sealsJson"/>: the seals with their openings (draw-spec §11.2), a record of kind <see cref="SealsKind"/>.</remarks>
    public Task<bool> CommitEntityDrawAsync(TaskRow before, TaskRow after, byte[] packGzip, string summaryJson, string? sealsJson, EntityDrawResult result,
        IReadOnlyList<string> items, int drawYear, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (!await InsertRecordAsync(connection, tx, after.TaskId, EntityKind, "", packGzip, null, summaryJson, actor, ct)) return false;
            if (sealsJson is not null) await InsertRecordAsync(connection, tx, after.TaskId, SealsKind, sealsJson, null, null, null, actor, ct);
            await BulkInsertAsync(connection, tx, "drawn_entities", ["task_id", "rank", "member_id", "stratum", "draw_key", "probability"],
                result.Drawn.Select(d => new object?[] { after.TaskId, d.Rank, d.MemberId, d.Stratum, d.Key, d.InclusionProbability }), ct);
            await BulkInsertAsync(connection, tx, "draw_burden", ["member_id", "item_code", "draw_year", "task_id"],
                result.Drawn.SelectMany(d => items.Select(i => new object?[] { d.MemberId, i, drawYear, after.TaskId })), ct);
            await UpdateRowAsync(connection, tx, before, after, ct);
            await audit.AppendAsync(connection, tx, actor, "task.draw-entities", "task", after.TaskId, after.LeadDepartment, AuditView(before),
                new { after.Status, after.Version, drawn = result.Drawn.Count, strata = result.Strata, exclusions = result.Exclusions });
            return true;
        }, ct);

    /// <summary>Commits the inspector draw once: record + pool file, the teams, the task's move, the audit line.</summary>
    public Task<bool> CommitInspectorDrawAsync(TaskRow before, TaskRow after, string sectionJson, string poolJson, IReadOnlyList<EntityTeam> teams,
        Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (!await InsertRecordAsync(connection, tx, after.TaskId, InspectorKind, sectionJson, null, poolJson, null, actor, ct)) return false;
            var now = clock.GetUtcNow();
            await BulkInsertAsync(connection, tx, "drawn_teams",
                ["task_id", "rank", "member_id", "position", "certificate_no", "department_code", "is_lead", "status", "drawn_at"],
                teams.SelectMany(t => t.Members.Select(m => new object?[]
                {
                    after.TaskId, t.Rank, t.MemberId, m.Position, m.CertificateNo, m.Department, m.Lead, "open", now,
                })), ct);
            await UpdateRowAsync(connection, tx, before, after, ct);
            await audit.AppendAsync(connection, tx, actor, "task.draw-inspectors", "task", after.TaskId, after.LeadDepartment, AuditView(before),
                new { after.Status, after.Version, teams = teams.Count });
            return true;
        }, ct);

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

    /// <summary>
    /// Commits one replacement before dispatch (draw-spec §8.1) in one transaction (<see cref="WriteReplacementAsync"/>).
    /// False (nothing written) when an inspection of the task exists: those teams change through their inspections.
    /// </summary>
    public Task<bool> CommitReplacementAsync(TaskRow before, TaskRow after, IReadOnlyList<InspectorReplacement> all, int rank, TeamMember member,
        InspectorReplacement replacement, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var dispatched = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM inspections WHERE task_id = @TaskId", new { after.TaskId }, tx, cancellationToken: ct));
            if (dispatched > 0) return false;
            await WriteReplacementAsync(connection, tx, before, after, all, rank, member, replacement, actor, ct);
            return true;
        }, ct);

    /// <summary>
    /// The task's side of one replacement, inside the caller's transaction: the whole list of replacements rewritten (a
    /// record of kind <see cref="ReplacementsKind"/>), the drawn team's row changed to the new member, the task's version
    /// moved (checked: <see cref="TaskVersionConflictException"/>) and an audit line with the reason. After dispatch the
    /// inspection's change of team commits in the same transaction.
    /// </summary>
    public async Task WriteReplacementAsync(DbConnection connection, DbTransaction tx, TaskRow before, TaskRow after, IReadOnlyList<InspectorReplacement> all,
        int rank, TeamMember member, InspectorReplacement replacement, Actor actor, CancellationToken ct = default)
    {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM draw_records WHERE task_id = @TaskId AND kind = @kind", new { after.TaskId, kind = ReplacementsKind }, tx, cancellationToken: ct));
            await InsertRecordAsync(connection, tx, after.TaskId, ReplacementsKind, JsonSerializer.Serialize(all, DrawPacks.JsonOptions), null, null, null, actor, ct);
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE drawn_teams SET certificate_no = @Replacement, department_code = @Department
                WHERE task_id = @TaskId AND rank = @rank AND position = @Position AND certificate_no = @Replaced
                """, new { replacement.Replacement, member.Department, after.TaskId, rank, member.Position, replacement.Replaced }, tx, cancellationToken: ct));
            if (changed != 1) throw new InvalidOperationException($"task {after.TaskId}: no drawn team row of rank {rank} position {member.Position} holds {replacement.Replaced}");
            await UpdateRowAsync(connection, tx, before, after, ct);
            await audit.AppendAsync(connection, tx, actor, "task.replace-inspector", "task", after.TaskId, after.LeadDepartment, AuditView(before),
                new
                {
                    after.Status, after.Version, memberId = replacement.MemberId, replaced = replacement.Replaced, replacement = replacement.Replacement,
                    reason = replacement.Reason, position = member.Position, lead = member.Lead, replacements = all.Count,
                    afterDispatch = after.DispatchStartedAt is not null,
                });
    }

    private async Task<bool> InsertRecordAsync(DbConnection connection, DbTransaction tx, string taskId, string kind, string recordJson,
        byte[]? recordGzip, string? poolJson, string? summaryJson, Actor actor, CancellationToken ct)
    {
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM draw_records WHERE task_id = @taskId AND kind = @kind", new { taskId, kind }, tx, cancellationToken: ct));
        if (exists > 0) return false;
        // The primary key makes a concurrent second commit fail and roll back whole, never write twice.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO draw_records (task_id, kind, record_json, record_gzip, pool_json, summary_json, committed_by, committed_at)
            VALUES (@taskId, @kind, @recordJson, @recordGzip, @poolJson, @summaryJson, @by, @at)
            """, new { taskId, kind, recordJson, recordGzip, poolJson, summaryJson, by = actor.Username, at = clock.GetUtcNow() }, tx, cancellationToken: ct));
        return true;
    }

    /// <summary>
    /// <paramref name="utf8"/> as one gzip member at the fastest level: a pack compresses several-fold in a fraction of
    /// the time PostgreSQL's pglz took inside the commit, and is served as it is to clients that accept gzip.
    /// </summary>
    public static byte[] Gzip(ReadOnlySpan<byte> utf8)
    {
        using var output = new MemoryStream(utf8.Length / 3 + 64);
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(utf8);
        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] gzip)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gzip), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream(gzip.Length * 4);
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Many rows in one statement stream: COPY on PostgreSQL, one prepared INSERT on SQLite.</summary>
    private Task BulkInsertAsync(DbConnection connection, DbTransaction tx, string table, string[] columns, IEnumerable<object?[]> rows, CancellationToken ct) =>
        BulkInsertAsync(connection, tx, table, columns, rows.ToAsyncEnumerable(), ct);

    private async Task BulkInsertAsync(DbConnection connection, DbTransaction tx, string table, string[] columns, IAsyncEnumerable<object?[]> rows, CancellationToken ct)
    {
        if (connection is NpgsqlConnection npgsql)
        {
            await using var writer = await npgsql.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", ct);
            await foreach (var row in rows.WithCancellation(ct))
            {
                await writer.StartRowAsync(ct);
                foreach (var value in row)
                {
                    switch (value)
                    {
                        case string s: await writer.WriteAsync(s, NpgsqlTypes.NpgsqlDbType.Text, ct); break;
                        case int i: await writer.WriteAsync(i, NpgsqlTypes.NpgsqlDbType.Integer, ct); break;
                        case long l: await writer.WriteAsync(l, NpgsqlTypes.NpgsqlDbType.Bigint, ct); break;
                        case bool b: await writer.WriteAsync(b, NpgsqlTypes.NpgsqlDbType.Boolean, ct); break;
                        case DateTimeOffset d: await writer.WriteAsync(d.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz, ct); break;
                        case byte[] bytes: await writer.WriteAsync(bytes, NpgsqlTypes.NpgsqlDbType.Bytea, ct); break;
                        case null: await writer.WriteNullAsync(ct); break;
                        default: throw new ArgumentException($"cannot COPY a {value.GetType()}", nameof(rows));
                    }
                }
            }
            await writer.CompleteAsync(ct);
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i.ToString(CultureInfo.InvariantCulture)))})";
        var parameters = columns.Select((_, i) =>
        {
            var p = command.CreateParameter();
            p.ParameterName = "p" + i.ToString(CultureInfo.InvariantCulture);
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        await foreach (var row in rows.WithCancellation(ct))
        {
            for (var i = 0; i < row.Length; i++)
            {
                parameters[i].Value = row[i] switch
                {
                    null => DBNull.Value,
                    bool b => b ? 1 : 0,
                    DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                    var v => v,
                };
            }
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// The inspectors of <paramref name="departments"/> as the draw sees them, in certificate order: validity, specialties
    /// as qualifications, open drawn assignments as workload (names left out: pools are published), with each one's
    /// declared conflicts (credit codes). Shared by task draws and re-inspection draws so both apply the same rules.
    /// </summary>
    public static async Task<IReadOnlyList<(Inspector Inspector, string[] Conflicts)>> LoadDepartmentInspectorsAsync(
        System.Data.Common.DbConnection connection, IReadOnlyList<string> departments, CancellationToken ct)
    {
        var p = new DynamicParameters();
        var deps = InList(p, "d", departments);
        var rows = (await connection.QueryAsync<(string CertificateNo, string Department, DateOnly? ExpiresOn, string[] Specialties, string Status, string[] Conflicts)>(
            new CommandDefinition(
                $"""
                SELECT certificate_no, department_code, certificate_expires_on, specialties, status, conflicts
                FROM inspectors WHERE department_code IN ({deps}) ORDER BY certificate_no
                """, p, cancellationToken: ct))).AsList();
        rows.Sort((a, b) => string.CompareOrdinal(a.CertificateNo, b.CertificateNo));
        // Workload = teams whose work is still to do: drawn for a task not cancelled, and either not dispatched yet or
        // dispatched to an inspection the team has not submitted (Assigned, Draft, Signed, Returned). Counting every
        // row ever drawn (as before) kept an inspector out of every draw for good after WorkloadCap teams in a lifetime.
        var busy = InList(p, "busy", Inspections.InspectionStore.OpenStates);
        var workload = (await connection.QueryAsync<(string CertificateNo, long Open)>(new CommandDefinition(
            $"""
            SELECT t.certificate_no, count(*) FROM drawn_teams t
            JOIN draw_tasks k ON k.task_id = t.task_id AND k.status <> 'cancelled'
            LEFT JOIN inspections i ON i.inspection_id = t.task_id || '/' || t.member_id
            WHERE t.status = 'open' AND t.department_code IN ({deps}) AND (i.inspection_id IS NULL OR i.state IN ({busy}))
            GROUP BY t.certificate_no
            """, p, cancellationToken: ct))).ToDictionary(x => x.CertificateNo, x => (int)x.Open, StringComparer.Ordinal);
        return rows.Select(i => (new Inspector(
            i.CertificateNo, "", i.Department, i.Status == "active", DateOnly.MinValue, i.ExpiresOn ?? DateOnly.MaxValue,
            i.Specialties, workload.GetValueOrDefault(i.CertificateNo)), i.Conflicts)).ToList();
    }

    /// <summary>
    /// Freezes the inspector side of the task (schema 0022) as it stands now: its departments' inspectors (status,
    /// certificate validity, specialties as qualifications, open assignments as workload) and every conflict they declared.
    /// Written before the freeze commits and replaced by a retried freeze; answers the SHA-256 of the inspectors list,
    /// which the freeze publishes.
    /// </summary>
    public async Task<(string Sha256, IReadOnlyList<Inspector> Inspectors)> SaveInspectorSnapshotAsync(string taskId, IReadOnlyList<string> departments, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var loaded = await LoadDepartmentInspectorsAsync(connection, departments, ct);
        var inspectorsJson = JsonSerializer.SerializeToUtf8Bytes(loaded.Select(i => i.Inspector).ToArray(), DrawPacks.JsonOptions);
        var conflicts = loaded.SelectMany(i => i.Conflicts.Select(m => new InspectorConflict(i.Inspector.CertificateNo, m))).Distinct()
            .OrderBy(c => c.CertificateNo, StringComparer.Ordinal).ThenBy(c => c.MemberId, StringComparer.Ordinal).ToArray();
        var sha = InspectorDrawSection.InspectorsSha256(loaded.Select(i => i.Inspector).ToArray());
        var row = new { taskId, inspectors = Encoding.UTF8.GetString(inspectorsJson), conflicts = JsonSerializer.Serialize(conflicts, DrawPacks.JsonOptions), sha, at };
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO task_inspector_snapshots (task_id, inspectors_json, conflicts_json, inspectors_sha256, frozen_at)
            VALUES (@taskId, @inspectors, @conflicts, @sha, @at)
            ON CONFLICT (task_id) DO UPDATE SET inspectors_json = excluded.inspectors_json, conflicts_json = excluded.conflicts_json,
                inspectors_sha256 = excluded.inspectors_sha256, frozen_at = excluded.frozen_at
            """, row, cancellationToken: ct));
        return (sha, [.. loaded.Select(i => i.Inspector)]);
    }

    /// <summary>
    /// The inspector pool for the second draw, published with it: the inspectors frozen with the task (or, for a task
    /// frozen before schema 0022, the live directory), their conflicts with the drawn entities, and each drawn entity's
    /// previous random-inspection team (rotation) among teams drawn before the freeze. Names are left out.
    /// </summary>
    public async Task<InspectorPool> LoadInspectorPoolAsync(string taskId, IReadOnlyList<string> departments, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var p = new DynamicParameters();
        p.Add("task", taskId);
        var snapshot = await connection.QueryFirstOrDefaultAsync<(string Inspectors, string Conflicts, DateTimeOffset FrozenAt)?>(new CommandDefinition(
            "SELECT inspectors_json, conflicts_json, frozen_at FROM task_inspector_snapshots WHERE task_id = @task", p, cancellationToken: ct));
        IReadOnlyList<Inspector> pool;
        IEnumerable<InspectorConflict> declared;
        if (snapshot is { } frozen)
        {
            pool = JsonSerializer.Deserialize<Inspector[]>(frozen.Inspectors, DrawPacks.JsonOptions)!;
            declared = JsonSerializer.Deserialize<InspectorConflict[]>(frozen.Conflicts, DrawPacks.JsonOptions)!;
        }
        else
        {
            var live = await LoadDepartmentInspectorsAsync(connection, departments, ct);
            pool = [.. live.Select(i => i.Inspector)];
            declared = live.SelectMany(i => i.Conflicts.Select(m => new InspectorConflict(i.Inspector.CertificateNo, m)));
        }

        if (snapshot is { } at) p.Add("before", at.FrozenAt);
        var drawn = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT member_id FROM drawn_entities WHERE task_id = @task", p, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var previousRows = await connection.QueryAsync<(string MemberId, string TaskId, string CertificateNo, DateTimeOffset DrawnAt)>(new CommandDefinition(
            $"""
            SELECT t.member_id, t.task_id, t.certificate_no, t.drawn_at FROM drawn_teams t
            JOIN drawn_entities d ON d.member_id = t.member_id AND d.task_id = @task
            WHERE t.task_id <> @task {(snapshot is null ? "" : "AND t.drawn_at <= @before")}
            """, p, cancellationToken: ct));
        var previous = previousRows
            .GroupBy(r => r.MemberId, StringComparer.Ordinal)
            .Select(g =>
            {
                var last = g.OrderByDescending(r => r.DrawnAt).ThenByDescending(r => r.TaskId, StringComparer.Ordinal).First().TaskId;
                return new PreviousInspection(g.Key, g.Where(r => r.TaskId == last).Select(r => r.CertificateNo).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
            })
            .OrderBy(x => x.MemberId, StringComparer.Ordinal)
            .ToArray();
        var conflicts = declared
            .Where(c => drawn.Contains(c.MemberId))
            .Distinct()
            .OrderBy(c => c.CertificateNo, StringComparer.Ordinal).ThenBy(c => c.MemberId, StringComparer.Ordinal)
            .ToArray();
        return new InspectorPool(pool, conflicts, previous);
    }
}
