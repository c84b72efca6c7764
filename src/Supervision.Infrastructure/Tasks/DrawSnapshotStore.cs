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
using static Supervision.Infrastructure.Tasks.TaskSql;

namespace Supervision.Infrastructure.Tasks;

/// <summary>
/// A task's frozen inputs: the freeze (the population read once, sorted, written as chunks of its canonical snapshot with
/// its hash, census and cap exclusions, and the task's move to frozen, in one transaction), the frozen inspector side, and
/// the reads of both for the draws and their verification downloads (docs/draw-service.md).
/// </summary>
public sealed class DrawSnapshotStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    /// <summary>The tables a retried freeze empties for the task before writing its snapshot again.</summary>
    private static readonly string[] SnapshotTables = ["draw_snapshot_chunks", "draw_exclusions", "draw_censuses"];

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
            if (connection is NpgsqlConnection npgsql) await PopulationReader.ReadPopulationCopyAsync(npgsql, definition, restricting, collected, ct);
            else await PopulationReader.ReadPopulationSqliteAsync(connection, tx, definition, restricting, collected, ct);
            Mark("read");
            var (ids, classOf) = collected.Sorted();
            Mark("sort");

            var exclusions = FreezeRules.CapExclusions(ids, overCap, overDepartmentCap);
            var censusSetup = FreezeRules.CensusSetup(before.TaskId, definition, exclusions);
            var weights = classes.Select(definition.WeightMicros).ToArray();
            var chunkCount = FreezeRules.ChunkCount(ids.Length);
            var chunks = new byte[chunkCount][];
            var memberLines = new byte[chunkCount][];
            var censuses = new DrawCensus[chunkCount];
            foreach (var table in SnapshotTables)
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
                        var from = c * FreezeRules.ChunkSize;
                        var length = Math.Min(FreezeRules.ChunkSize, ids.Length - from);
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
                        before.TaskId, c, ids.Length == 0 ? "" : SnapshotChunks.DecodeToString(ids[c * FreezeRules.ChunkSize]),
                        Math.Min(FreezeRules.ChunkSize, ids.Length - c * FreezeRules.ChunkSize), chunks[c],
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
                new { task = before.TaskId, json = TaskRow.ToJson(DrawExchange.Export(census)) }, tx, cancellationToken: ct));

            var excluded = FreezeRules.ExcludedCounts(census);
            var summary = new FreezeSummary(drawYear, yearlyCap, excluded, clock.GetUtcNow(), PopulationReference.ExclusionsHash(exclusions),
                DrawPrimitives.Hex(membersHash.GetHashAndReset()), restricting);
            var next = after(sha, ids.Length, summary) with
            {
                PartitionCount = FreezeRules.PartitionCount(chunkCount, partitionSize),
            };
            await TaskRepository.UpdateRowAsync(connection, tx, before, next, ct);
            await audit.AppendAsync(connection, tx, actor, "task.freeze", "task", next.TaskId, next.LeadDepartment, TaskRepository.AuditView(before), TaskRepository.AuditView(next));
            Mark("rest");
            return next;
        }, ct);

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
                SqlParameters.Add(command, "task", taskId);
                SqlParameters.Add(command, "after", after);
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
        var chunks = await ReadChunkRowsAsync(taskId, firstChunk, count, ct);
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
        return JsonSerializer.Deserialize<CensusColumns>(json, TaskRow.Json)!;
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
        foreach (var (chunkNo, expected, data) in await ReadChunkRowsAsync(taskId, firstChunk, count, ct))
        {
            var lines = data.AsSpan().Count((byte)'\n') - (chunkNo == 0 ? 1 : 0);
            if (lines != expected) throw new InvalidOperationException($"snapshot of {taskId}: chunk {chunkNo} holds {lines} members, recorded {expected}");
            chunks.Add(data);
        }
        return chunks;
    }

    /// <summary>Chunk rows [first, first + count) of a snapshot as stored, checked to be exactly those, in order.</summary>
    private async Task<List<(int ChunkNo, int Members, byte[] Data)>> ReadChunkRowsAsync(string taskId, int firstChunk, int count, CancellationToken ct)
    {
        var chunks = new List<(int ChunkNo, int Members, byte[] Data)>(count);
        await using (var connection = await store.OpenAsync(ct))
        {
            await using var command = connection.CreateCommand();
            command.CommandTimeout = 3600;
            command.CommandText =
                "SELECT chunk_no, member_count, data FROM draw_snapshot_chunks WHERE task_id = @task AND chunk_no >= @lo AND chunk_no < @hi ORDER BY chunk_no";
            SqlParameters.Add(command, "task", taskId);
            SqlParameters.Add(command, "lo", firstChunk);
            SqlParameters.Add(command, "hi", firstChunk + count);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct))
                chunks.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), (byte[])reader.GetValue(2)));
        }
        if (chunks.Count != count || chunks.Select((c, i) => c.ChunkNo != firstChunk + i).Any(x => x))
            throw new InvalidOperationException($"snapshot of {taskId}: expected chunks {firstChunk}..{firstChunk + count - 1}, found {chunks.Count}");
        return chunks;
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
        var busy = InList(p, "busy", Inspections.InspectionQueries.OpenStates);
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
