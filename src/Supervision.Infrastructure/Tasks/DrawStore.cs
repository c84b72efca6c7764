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
    public long? PopulationCount { get; init; }
    public int? PartitionCount { get; init; }
    public string? ExclusionsJson { get; init; }
    public string? SecretCommitment { get; init; }
    public string EntropyJson { get; init; } = "[]";
    public string? BeaconJson { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> DepartmentList => Departments.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public TaskDefinition Definition => JsonSerializer.Deserialize<TaskDefinition>(DefinitionJson, DrawStore.Json)!;

    public IReadOnlyList<EntropyEntry> Entropy => JsonSerializer.Deserialize<EntropyEntry[]>(EntropyJson, DrawStore.Json)!;

    public BeaconValue? Beacon => BeaconJson is null ? null : JsonSerializer.Deserialize<BeaconValue>(BeaconJson, DrawStore.Json);

    public FreezeSummary? Freeze => ExclusionsJson is null ? null : JsonSerializer.Deserialize<FreezeSummary>(ExclusionsJson, DrawStore.Json);
}

/// <summary>What the freeze fixed besides the snapshot: the burden-cap year and cap, and the members excluded per reason.</summary>
public sealed record FreezeSummary(int DrawYear, int YearlyCap, IReadOnlyList<ExclusionCount> Excluded, DateTimeOffset FrozenAt);

public sealed record DrawRecordRow
{
    public required string TaskId { get; init; }
    public required string Kind { get; init; }
    public required string RecordJson { get; init; }
    public string? PoolJson { get; init; }
    public required string CommittedBy { get; init; }
    public DateTimeOffset CommittedAt { get; init; }
}

/// <summary>Thrown inside a transaction when the task row moved under us: the whole transaction rolls back.</summary>
public sealed class TaskVersionConflictException(string taskId) : Exception($"Task {taskId} changed concurrently.");

/// <summary>
/// SQL for tasks and draws. Every method that writes does so in one transaction together with its audit line;
/// the frozen population is built inside the database (INSERT … SELECT) and streamed out in canonical order.
/// </summary>
public sealed class DrawStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    public const string EntityKind = "entity";
    public const string InspectorKind = "inspector";
    public const string YearlyCapReason = "yearly-cap";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        """
        task_id AS TaskId, name AS Name, lead_department AS LeadDepartment, departments AS Departments, status AS Status,
        version AS Version, definition_json AS DefinitionJson, published_at AS PublishedAt, population_sha256 AS PopulationSha256,
        population_count AS PopulationCount, partition_count AS PartitionCount, exclusions_json AS ExclusionsJson,
        secret_commitment AS SecretCommitment, entropy_json AS EntropyJson, beacon_json AS BeaconJson,
        created_by AS CreatedBy, created_at AS CreatedAt, updated_at AS UpdatedAt
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
                    created_by, created_at, updated_at)
                VALUES (@TaskId, @Name, @LeadDepartment, @Departments, @Status, @Version, @DefinitionJson, @PublishedAt,
                    @PopulationSha256, @PopulationCount, @PartitionCount, @ExclusionsJson, @SecretCommitment, @EntropyJson, @BeaconJson,
                    @CreatedBy, @CreatedAt, @UpdatedAt)
                """, row, tx, cancellationToken: ct));
            await audit.AppendAsync(connection, tx, actor, "task.create", "task", row.TaskId, row.LeadDepartment, null, AuditView(row));
            return true;
        }, ct);
    }

    /// <summary>Moves the row from <paramref name="before"/> to <paramref name="after"/> (version-checked), runs <paramref name="extra"/>, audits; all or nothing.</summary>
    public Task TransitionAsync(TaskRow before, TaskRow after, Actor actor, string action,
        Func<DbConnection, DbTransaction, Task>? extra = null, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            await UpdateRowAsync(connection, tx, before, after, ct);
            if (extra is not null) await extra(connection, tx);
            await audit.AppendAsync(connection, tx, actor, action, "task", after.TaskId, after.LeadDepartment, AuditView(before), AuditView(after));
            return 0;
        }, ct);

    private static async Task UpdateRowAsync(DbConnection connection, DbTransaction tx, TaskRow before, TaskRow after, CancellationToken ct)
    {
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE draw_tasks SET name = @Name, departments = @Departments, status = @Status, version = @Version,
                definition_json = @DefinitionJson, published_at = @PublishedAt, population_sha256 = @PopulationSha256,
                population_count = @PopulationCount, partition_count = @PartitionCount, exclusions_json = @ExclusionsJson,
                secret_commitment = @SecretCommitment, entropy_json = @EntropyJson, beacon_json = @BeaconJson, updated_at = @UpdatedAt
            WHERE task_id = @TaskId AND version = @ExpectedVersion
            """,
            new
            {
                after.TaskId, after.Name, after.Departments, after.Status, after.Version, after.DefinitionJson, after.PublishedAt,
                after.PopulationSha256, after.PopulationCount, after.PartitionCount, after.ExclusionsJson, after.SecretCommitment,
                after.EntropyJson, after.BeaconJson, after.UpdatedAt, ExpectedVersion = before.Version,
            }, tx, cancellationToken: ct));
        if (changed != 1) throw new TaskVersionConflictException(after.TaskId);
    }

    /// <summary>The audit view of a task: never the definition's internals twice, never anything secret (the row holds no secret).</summary>
    private static object AuditView(TaskRow row) => new
    {
        row.TaskId, row.Name, row.Status, row.Version, row.Departments, row.PopulationSha256, row.PopulationCount,
        row.SecretCommitment, row.EntropyJson, row.BeaconJson, row.DefinitionJson,
    };

    /// <summary>
    /// Freezes the population in one transaction: builds draw_population by INSERT … SELECT from market_entities
    /// (ordinal = position in byte order of credit code), marks members over their yearly cap, hashes the canonical
    /// snapshot by streaming it in order, and moves the task to frozen with both hashes. Returns the new row.
    /// </summary>
    public Task<TaskRow> FreezeAsync(TaskRow before, Func<string, long, FreezeSummary, TaskRow> after, int drawYear, int yearlyCap,
        int partitionSize, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var definition = before.Definition;
            var p = new DynamicParameters();
            p.Add("task", before.TaskId);
            p.Add("year", drawYear);
            p.Add("cap", yearlyCap);
            var where = new StringBuilder("e.status = 'open'");
            where.Append(store.IsPostgres
                ? " AND e.credit_code ~ '^[0-9A-Z]{18}$'"
                : " AND length(e.credit_code) = 18 AND e.credit_code NOT GLOB '*[^0-9A-Z]*'");
            where.Append(" AND e.credit_class IN (").Append(InList(p, "c", definition.Filter.CreditClasses)).Append(')');
            if (definition.Filter.DivisionPrefix is { } division)
            {
                p.Add("division", division + "%");
                where.Append(" AND e.division_code LIKE @division");
            }
            if (definition.Filter.IndustryPrefixes.Count > 0)
            {
                where.Append(" AND (").Append(string.Join(" OR ", definition.Filter.IndustryPrefixes.Select((x, i) =>
                {
                    p.Add($"ind{i}", x + "%");
                    return $"e.industry_code LIKE @ind{i}";
                }))).Append(')');
            }
            if (definition.Filter.EntityTypes.Count > 0)
                where.Append(" AND e.entity_type IN (").Append(InList(p, "t", definition.Filter.EntityTypes)).Append(')');
            var weightCase = new StringBuilder("CASE e.credit_class");
            foreach (var (c, i) in definition.Filter.CreditClasses.Select((c, i) => (c, i)))
            {
                p.Add($"w{i}", definition.WeightMicros(c));
                weightCase.Append($" WHEN @c{i} THEN @w{i}");
            }
            weightCase.Append(" END");
            var items = InList(p, "item", definition.Items);
            var order = store.IsPostgres ? "e.credit_code COLLATE \"C\"" : "e.credit_code";

            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM draw_population WHERE task_id = @task", p, tx, cancellationToken: ct));
            var count = await connection.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO draw_population (task_id, ordinal, member_id, stratum, weight_micros, exclusion)
                SELECT @task, row_number() OVER (ORDER BY {order}), e.credit_code, e.credit_class, {weightCase},
                       CASE WHEN capped.member_id IS NULL THEN NULL ELSE '{YearlyCapReason}' END
                FROM market_entities e
                LEFT JOIN (
                    SELECT DISTINCT member_id FROM (
                        SELECT member_id, item_code FROM draw_burden
                        WHERE draw_year = @year AND item_code IN ({items})
                        GROUP BY member_id, item_code HAVING count(*) >= @cap) over_cap
                ) capped ON capped.member_id = e.credit_code
                WHERE {where}
                """, p, tx, commandTimeout: 3600, cancellationToken: ct));

            var excluded = (await connection.QueryAsync<(string Reason, long Count)>(new CommandDefinition(
                "SELECT exclusion, count(*) FROM draw_population WHERE task_id = @task AND exclusion IS NOT NULL GROUP BY exclusion ORDER BY exclusion",
                p, tx, cancellationToken: ct))).Select(x => new ExclusionCount(x.Reason, x.Count)).ToArray();

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var streamed = await StreamSnapshotAsync(connection, tx, before.TaskId, bytes =>
            {
                hash.AppendData(bytes.Span);
                return ValueTask.CompletedTask;
            }, ct);
            if (streamed != count) throw new InvalidOperationException($"snapshot of {before.TaskId}: inserted {count} rows, streamed {streamed}");
            var sha = DrawPrimitives.Hex(hash.GetHashAndReset());
            var summary = new FreezeSummary(drawYear, yearlyCap, excluded, clock.GetUtcNow());
            var next = after(sha, count, summary) with
            {
                PartitionCount = (int)Math.Max(1, (count + partitionSize - 1) / partitionSize),
            };
            await UpdateRowAsync(connection, tx, before, next, ct);
            await audit.AppendAsync(connection, tx, actor, "task.freeze", "task", next.TaskId, next.LeadDepartment, AuditView(before), AuditView(next));
            return next;
        }, ct);

    private static string InList(DynamicParameters p, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++) p.Add($"{prefix}{i}", values[i]);
        return values.Count == 0 ? "NULL" : string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"));
    }

    /// <summary>Streams the canonical snapshot CSV (docs/draw-spec.md §4) of a frozen population to <paramref name="sink"/>; returns the member count.</summary>
    public async Task<long> StreamSnapshotAsync(string taskId, Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await StreamSnapshotAsync(connection, null, taskId, sink, ct);
    }

    private static async Task<long> StreamSnapshotAsync(DbConnection connection, DbTransaction? tx, string taskId,
        Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandTimeout = 3600;
        command.CommandText = "SELECT member_id, stratum, weight_micros FROM draw_population WHERE task_id = @task ORDER BY ordinal";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "task";
        parameter.Value = taskId;
        command.Parameters.Add(parameter);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        var buffer = new byte[1 << 16];
        var used = Encoding.ASCII.GetBytes(PopulationSnapshot.Header + "\n", buffer);
        long count = 0;
        string? previous = null;
        while (await reader.ReadAsync(ct))
        {
            var member = new PopulationMember(reader.GetString(0), reader.GetString(1), reader.GetInt64(2));
            if (member.Problem() is { } problem) throw new InvalidOperationException($"frozen population of {taskId}: {problem}");
            if (previous is not null && string.CompareOrdinal(previous, member.MemberId) >= 0)
                throw new InvalidOperationException($"frozen population of {taskId}: member ids are not in byte order at {member.MemberId}");
            previous = member.MemberId;
            if (buffer.Length - used < 64)
            {
                await sink(buffer.AsMemory(0, used));
                used = 0;
            }
            used += Encoding.ASCII.GetBytes(member.MemberId, buffer.AsSpan(used));
            buffer[used++] = (byte)',';
            used += Encoding.ASCII.GetBytes(member.Stratum, buffer.AsSpan(used));
            buffer[used++] = (byte)',';
            used += Encoding.ASCII.GetBytes(member.WeightText, buffer.AsSpan(used));
            buffer[used++] = (byte)'\n';
            count++;
        }
        if (used > 0) await sink(buffer.AsMemory(0, used));
        return count;
    }

    public async Task<IReadOnlyList<MemberExclusion>> ExclusionsAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string MemberId, string Reason)>(new CommandDefinition(
            "SELECT member_id, exclusion FROM draw_population WHERE task_id = @taskId AND exclusion IS NOT NULL ORDER BY ordinal",
            new { taskId }, cancellationToken: ct));
        return rows.Select(r => new MemberExclusion(r.MemberId, r.Reason)).ToArray();
    }

    /// <summary>One partition of the frozen population: ordinals in (from, to].</summary>
    public async Task<PopulationMember[]> ReadPartitionAsync(string taskId, long fromExclusive, long toInclusive, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 3600;
        command.CommandText =
            "SELECT member_id, stratum, weight_micros FROM draw_population WHERE task_id = @task AND ordinal > @lo AND ordinal <= @hi";
        AddParameter(command, "task", taskId);
        AddParameter(command, "lo", fromExclusive);
        AddParameter(command, "hi", toInclusive);
        var members = new PopulationMember[Math.Max(0, toInclusive - fromExclusive)];
        var n = 0;
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        // Strata repeat: intern them per partition so a million members share four strings.
        var strata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            // Sequential access: columns must be read in order.
            var id = reader.GetString(0);
            var stratum = reader.GetString(1);
            if (!strata.TryGetValue(stratum, out var shared)) strata[stratum] = shared = stratum;
            members[n++] = new PopulationMember(id, shared, reader.GetInt64(2));
        }
        return n == members.Length ? members : members[..n];
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public async Task<DrawRecordRow?> GetRecordAsync(string taskId, string kind, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<DrawRecordRow>(new CommandDefinition(
            """
            SELECT task_id AS TaskId, kind AS Kind, record_json AS RecordJson, pool_json AS PoolJson, committed_by AS CommittedBy, committed_at AS CommittedAt
            FROM draw_records WHERE task_id = @taskId AND kind = @kind
            """, new { taskId, kind }, cancellationToken: ct));
    }

    /// <summary>
    /// Commits the entity draw once: the record (the pack), the drawn entities, the burden ledger and the task's move
    /// to entities_drawn, with the audit line, in one transaction. False when a record exists already (nothing written).
    /// </summary>
    public Task<bool> CommitEntityDrawAsync(TaskRow before, TaskRow after, string packJson, EntityDrawResult result,
        IReadOnlyList<string> items, int drawYear, Actor actor, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (!await InsertRecordAsync(connection, tx, after.TaskId, EntityKind, packJson, null, actor, ct)) return false;
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
            if (!await InsertRecordAsync(connection, tx, after.TaskId, InspectorKind, sectionJson, poolJson, actor, ct)) return false;
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

    private async Task<bool> InsertRecordAsync(DbConnection connection, DbTransaction tx, string taskId, string kind, string recordJson,
        string? poolJson, Actor actor, CancellationToken ct)
    {
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM draw_records WHERE task_id = @taskId AND kind = @kind", new { taskId, kind }, tx, cancellationToken: ct));
        if (exists > 0) return false;
        // The primary key makes a concurrent second commit fail and roll back whole, never write twice.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO draw_records (task_id, kind, record_json, pool_json, committed_by, committed_at)
            VALUES (@taskId, @kind, @recordJson, @poolJson, @by, @at)
            """, new { taskId, kind, recordJson, poolJson, by = actor.Username, at = clock.GetUtcNow() }, tx, cancellationToken: ct));
        return true;
    }

    /// <summary>Many rows in one statement stream: COPY on PostgreSQL, one prepared INSERT on SQLite.</summary>
    private async Task BulkInsertAsync(DbConnection connection, DbTransaction tx, string table, string[] columns, IEnumerable<object?[]> rows, CancellationToken ct)
    {
        if (connection is NpgsqlConnection npgsql)
        {
            await using var writer = await npgsql.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var row in rows)
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
        foreach (var row in rows)
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
    /// The inspector pool for the second draw: the task's departments' inspectors (certificate validity, specialties as
    /// qualifications, open assignments as workload), their declared conflicts with the drawn entities, and each drawn
    /// entity's previous random-inspection team (rotation). Names are left out: the pool is published.
    /// </summary>
    public async Task<InspectorPool> LoadInspectorPoolAsync(string taskId, IReadOnlyList<string> departments, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var p = new DynamicParameters();
        p.Add("task", taskId);
        var deps = InList(p, "d", departments);
        var inspectors = (await connection.QueryAsync<(string CertificateNo, string Department, DateOnly? ExpiresOn, string[] Specialties, string Status, string[] Conflicts)>(
            new CommandDefinition(
                $"""
                SELECT certificate_no, department_code, certificate_expires_on, specialties, status, conflicts
                FROM inspectors WHERE department_code IN ({deps}) ORDER BY certificate_no
                """, p, cancellationToken: ct))).AsList();
        inspectors.Sort((a, b) => string.CompareOrdinal(a.CertificateNo, b.CertificateNo));
        var workload = (await connection.QueryAsync<(string CertificateNo, long Open)>(new CommandDefinition(
            $"""
            SELECT t.certificate_no, count(*) FROM drawn_teams t
            WHERE t.status = 'open' AND t.department_code IN ({deps}) GROUP BY t.certificate_no
            """, p, cancellationToken: ct))).ToDictionary(x => x.CertificateNo, x => (int)x.Open, StringComparer.Ordinal);
        var drawn = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT member_id FROM drawn_entities WHERE task_id = @task", p, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var previousRows = await connection.QueryAsync<(string MemberId, string TaskId, string CertificateNo, DateTimeOffset DrawnAt)>(new CommandDefinition(
            """
            SELECT t.member_id, t.task_id, t.certificate_no, t.drawn_at FROM drawn_teams t
            JOIN drawn_entities d ON d.member_id = t.member_id AND d.task_id = @task
            WHERE t.task_id <> @task
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
        var conflicts = inspectors
            .SelectMany(i => i.Conflicts.Where(drawn.Contains).Select(m => new InspectorConflict(i.CertificateNo, m)))
            .Distinct()
            .OrderBy(c => c.CertificateNo, StringComparer.Ordinal).ThenBy(c => c.MemberId, StringComparer.Ordinal)
            .ToArray();
        var pool = inspectors.Select(i => new Inspector(
            i.CertificateNo, "", i.Department, i.Status == "active", DateOnly.MinValue, i.ExpiresOn ?? DateOnly.MaxValue,
            i.Specialties, workload.GetValueOrDefault(i.CertificateNo))).ToArray();
        return new InspectorPool(pool, conflicts, previous);
    }
}
