using System.Data.Common;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Audit;

/// <summary>
/// The read-check-write-audit sequence every versioned record shares: load the current row inside the
/// transaction, refuse if the caller's version is stale, write with <c>WHERE version = previous</c> (so a
/// concurrent writer also loses cleanly), and append the audit line in the same transaction.
/// </summary>
public sealed class VersionedWriter(SqlStore store, AuditLog audit)
{
    public SqlStore Store => store;

    public Task<WriteResult<T>> UpdateAsync<T>(
        string subjectType,
        string key,
        long? expectedVersion,
        Actor actor,
        Func<DbConnection, DbTransaction, Task<T?>> load,
        Func<T, long> versionOf,
        Func<T, string?> departmentOf,
        Func<T, T> apply,
        Func<DbConnection, DbTransaction, T, long, Task<int>> write,
        CancellationToken ct,
        Func<T, object>? auditView = null)
        where T : class =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var before = await load(connection, tx);
            if (before is null)
            {
                return new WriteResult<T>(WriteOutcome.NotFound, null);
            }

            if (expectedVersion is { } expected && expected != versionOf(before))
            {
                return new WriteResult<T>(WriteOutcome.VersionMismatch, before);
            }

            var after = apply(before);
            if (await write(connection, tx, after, versionOf(before)) == 0)
            {
                return new WriteResult<T>(WriteOutcome.VersionMismatch, before);
            }

            // auditView keeps secrets (a password hash) out of the log.
            await audit.AppendAsync(connection, tx, actor, subjectType + ".updated", subjectType, key, departmentOf(after),
                auditView is null ? before : auditView(before), auditView is null ? after : auditView(after));
            return new WriteResult<T>(WriteOutcome.Updated, after);
        }, ct);

    public Task<WriteResult<T>> CreateAsync<T>(
        string subjectType,
        string key,
        Actor actor,
        T record,
        Func<T, string?> departmentOf,
        Func<DbConnection, DbTransaction, T, Task<int>> insert,
        CancellationToken ct)
        where T : class =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            if (await insert(connection, tx, record) == 0)
            {
                return new WriteResult<T>(WriteOutcome.AlreadyExists, null);
            }

            await audit.AppendAsync(connection, tx, actor, subjectType + ".created", subjectType, key, departmentOf(record), null, record);
            return new WriteResult<T>(WriteOutcome.Created, record);
        }, ct);
}
