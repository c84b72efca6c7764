using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Audit;

/// <summary>
/// Access records: the audit line of a read or a grant that changes no state anyone reads — a confidential download (the
/// full draw pack, a members key), a signed link issued to an entity. They are written where the access happens (an API
/// route), each line in a transaction of its own. State changes never come here: they go through their owning grain or
/// application service, which writes its audit line in the transaction of the change (WritePathTests holds the API to that).
/// </summary>
public sealed class AccessAudit(SqlStore store, AuditLog audit)
{
    public Task RecordAsync(Actor actor, string action, string subjectType, string subjectKey, string? departmentCode, object? details,
        CancellationToken ct) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            await audit.AppendAsync(connection, tx, actor, action, subjectType, subjectKey, departmentCode, null, details);
            return true;
        }, ct);
}
