using System.Data.Common;
using System.Text.Json;
using Dapper;
using Supervision.Core.Draw;
using Supervision.Core.Feeds;
using Supervision.Infrastructure.Feeds;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Notifications;
using Supervision.Infrastructure.Storage;
using static Supervision.Infrastructure.Tasks.DrawRecordRow;
using static Supervision.Infrastructure.Tasks.TaskSql;

namespace Supervision.Infrastructure.Tasks;

/// <summary>
/// The write side of tasks and draws: each method persists, in one transaction with its audit line, what the task's
/// grain and Core decided — the new task, a transition (version-checked), a cancellation, the two draw commits (once
/// each) and a replacement. The freeze, which writes the snapshot too, is <see cref="DrawSnapshotStore.FreezeAsync"/>.
/// </summary>
public sealed class TaskRepository(SqlStore store, AuditLog audit, INotifier notifier, TimeProvider clock)
{
    public TimeProvider Clock => clock;

    /// <summary>The committed row the grain acts on (re-read at the start of every command); the pages read it through <see cref="TaskQueries"/>.</summary>
    public async Task<TaskRow?> GetAsync(string taskId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskRow>(
            new CommandDefinition($"SELECT {TaskQueries.Columns} FROM draw_tasks WHERE task_id = @taskId", new { taskId }, cancellationToken: ct));
    }

    /// <summary>
    /// Records that the matching reminder <paramref name="reminder"/> was sent, with its audit line and the schedulers'
    /// notifications, in one transaction — only while the task still waits for its inspectors and that reminder was not
    /// sent before (a repeat or a race writes nothing and answers false). The task's version is not moved: a reminder is
    /// not a transition.
    /// </summary>
    public Task<bool> RemindMatchingAsync(TaskRow task, string reminder, object detail, IReadOnlyList<Notification> notifications, CancellationToken ct = default) =>
        audit.ExecuteAuditedAsync(
            """
            UPDATE draw_tasks SET matching_reminded = @reminder
            WHERE task_id = @TaskId AND status = 'entities_drawn' AND (matching_reminded IS NULL OR matching_reminded <> @reminder)
            """, new { reminder, task.TaskId }, Actor.System("matching-deadline"), "task.matching-reminder", "task", task.TaskId, task.LeadDepartment,
            null, new { reminder, detail }, ct, (connection, tx) => notifier.NotifyAsync(connection, tx, notifications, clock.GetUtcNow(), ct));

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

    internal static async Task UpdateRowAsync(DbConnection connection, DbTransaction tx, TaskRow before, TaskRow after, CancellationToken ct)
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
        if (before.PublishedAt is null && after.PublishedAt is { } publishedAt)
        {
            // Public from now (docs/public-portal.md, "Tasks"): the plan, never the classes it samples.
            var definition = after.Definition;
            await PublicEventLog.AppendAsync(connection, tx, PublicEvent.Of(PublicEventKinds.TaskPublished, null, null, after.LeadDepartment,
                definition.Filter.DivisionPrefix, after.TaskId, publishedAt,
                new
                {
                    after.TaskId, after.Name, after.LeadDepartment, departments = after.Departments.Split(',', StringSplitOptions.RemoveEmptyEntries),
                    definition.Items, definition.Filter.DivisionPrefix, definition.Filter.IndustryPrefixes, definition.Deadline,
                }), ct);
        }
    }

    /// <summary>
    /// The drawn list of a published task as public events, one per drawn entity by credit code (the public order: a rank
    /// would tell classes apart), inside the draw's commit.
    /// </summary>
    private async Task AppendDrawnAsync(DbConnection connection, DbTransaction tx, TaskRow task, CancellationToken ct)
    {
        if (task.PublishedAt is null) return;
        var drawn = await connection.QueryAsync<(string Code, string? Name, string? Division)>(new CommandDefinition(
            """
            SELECT d.member_id, e.name, e.division_code FROM drawn_entities d LEFT JOIN market_entities e ON e.credit_code = d.member_id
            WHERE d.task_id = @TaskId ORDER BY d.member_id
            """, new { task.TaskId }, tx, cancellationToken: ct));
        var at = clock.GetUtcNow();
        await PublicEventLog.AppendAsync(connection, tx, [.. drawn.Select(d => PublicEvent.Of(PublicEventKinds.Drawn, d.Code, d.Name, task.LeadDepartment, d.Division,
            task.TaskId, at, new { task.TaskId, taskName = task.Name, entityCreditCode = d.Code, entityName = d.Name, divisionCode = d.Division }))], ct);
    }

    /// <summary>The audit view of a task: never the definition's internals twice, never anything secret (the row holds no secret).</summary>
    internal static object AuditView(TaskRow row) => new
    {
        row.TaskId, row.Name, row.Status, row.Version, row.Departments, row.PopulationSha256, row.InspectorsSha256, row.PopulationCount,
        row.SecretCommitment, row.EntropyJson, row.BeaconJson, row.CeremonyJson, row.DefinitionJson, row.ParticipationJson,
        row.CancelRequestJson, row.Replaces, row.ReplacedBy,
    };

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
            await AppendDrawnAsync(connection, tx, after, ct);
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
}
