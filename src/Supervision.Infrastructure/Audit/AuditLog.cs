using System.Data.Common;
using System.Text.Json;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Audit;

/// <summary>One line of the audit log: who did what to which record, and the record before and after.</summary>
public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public required string Action { get; init; }
    public required string SubjectType { get; init; }
    public required string SubjectKey { get; init; }
    public string? DepartmentCode { get; init; }
    public string? BeforeJson { get; init; }
    public string? AfterJson { get; init; }
}

/// <summary>
/// The append-only audit log. Writers append inside the same transaction as the change they describe,
/// so a change without its audit line (or the reverse) cannot be committed.
/// </summary>
public sealed class AuditLog(SqlStore store, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, Json);

    /// <summary>Reads back what <see cref="Serialize"/> wrote, with the same options.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Json);

    public Task AppendAsync(
        DbConnection connection,
        DbTransaction transaction,
        Actor actor,
        string action,
        string subjectType,
        string subjectKey,
        string? departmentCode,
        object? before,
        object? after) =>
        connection.ExecuteAsync(
            """
            INSERT INTO audit_log (at, actor, action, subject_type, subject_key, department_code, before_json, after_json)
            VALUES (@at, @actor, @action, @subjectType, @subjectKey, @departmentCode, @before, @after)
            """,
            new
            {
                at = clock.GetUtcNow(),
                actor = actor.Username,
                action,
                subjectType,
                subjectKey,
                departmentCode,
                before = Serialize(before),
                after = Serialize(after),
            },
            transaction);

    /// <summary>
    /// One statement and, when it changed a row, its audit line (and what <paramref name="alongside"/> writes) in one
    /// transaction: the write that happens once (an insert that does nothing on conflict, an update guarded by its state).
    /// False, with nothing written, when the statement changed no row.
    /// </summary>
    public Task<bool> ExecuteAuditedAsync(string sql, object? parameters, Actor actor, string action, string subjectType, string subjectKey,
        string? departmentCode, object? before, object? after, CancellationToken ct, Func<DbConnection, DbTransaction, Task>? alongside = null) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (await connection.ExecuteAsync(new CommandDefinition(sql, parameters, tx, cancellationToken: ct)) == 0) return false;
            await AppendAsync(connection, tx, actor, action, subjectType, subjectKey, departmentCode, before, after);
            if (alongside is not null) await alongside(connection, tx);
            return true;
        }, ct);

    /// <summary>
    /// The columns of <c>audit_log</c> in the order <see cref="Values"/> names them, for writers that append the line in
    /// the same SQL statement as the change it describes (one round trip instead of two).
    /// </summary>
    public const string Columns = "at, actor, action, subject_type, subject_key, department_code, before_json, after_json";

    /// <summary>
    /// The parameters of one audit line, exactly as <see cref="AppendAsync"/> writes them, named with
    /// <paramref name="prefix"/> (<c>@{prefix}at</c>, <c>@{prefix}actor</c>, …) so they can sit beside a statement's own.
    /// </summary>
    public void AddValues(Dapper.DynamicParameters into, string prefix, Actor actor, string action, string subjectType, string subjectKey,
        string? departmentCode, object? before, object? after)
    {
        into.Add(prefix + "at", clock.GetUtcNow());
        into.Add(prefix + "actor", actor.Username);
        into.Add(prefix + "action", action);
        into.Add(prefix + "subject_type", subjectType);
        into.Add(prefix + "subject_key", subjectKey);
        into.Add(prefix + "department_code", departmentCode);
        into.Add(prefix + "before_json", Serialize(before));
        into.Add(prefix + "after_json", Serialize(after));
    }

    /// <summary>The placeholders matching <see cref="AddValues"/> with the same <paramref name="prefix"/>, in <see cref="Columns"/> order.</summary>
    public static string Values(string prefix) =>
        string.Join(", ", Columns.Split(", ").Select(c => "@" + prefix + c));

    /// <summary>Newest first, keyset-paged by id (<paramref name="before"/> is the last id of the previous page).</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(
        string? subjectType, string? subjectKey, string? actor, string? departmentCode, long? before, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<AuditEntry>(new CommandDefinition(
            """
            SELECT id, at, actor, action, subject_type AS SubjectType, subject_key AS SubjectKey,
                   department_code AS DepartmentCode, before_json AS BeforeJson, after_json AS AfterJson
            FROM audit_log
            WHERE (@subjectType IS NULL OR subject_type = @subjectType)
              AND (@subjectKey IS NULL OR subject_key = @subjectKey)
              AND (@actor IS NULL OR actor = @actor)
              AND (@departmentCode IS NULL OR department_code = @departmentCode)
              AND (@before IS NULL OR id < @before)
            ORDER BY id DESC
            LIMIT @limit
            """,
            new { subjectType, subjectKey, actor, departmentCode, before, limit },
            cancellationToken: ct));
        return rows.AsList();
    }
}
