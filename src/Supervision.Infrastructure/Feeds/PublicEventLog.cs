using System.Data.Common;
using Dapper;
using Supervision.Core.Feeds;

namespace Supervision.Infrastructure.Feeds;

/// <summary>
/// Appends to the public event log (schema 0036) inside the transaction that makes a change public — the one helper
/// every write site calls (task publication and the entity draw in <c>TaskRepository</c>, results and amendments in
/// <c>PublicationWriter</c>, listings in <c>AbnormalStore</c>), so an event exists exactly when its change committed.
/// On PostgreSQL it takes the publications' transaction-level advisory lock (held to commit), so seq order is commit
/// order and a cursor over seq never passes an event that commits later (docs/webhooks.md).
/// </summary>
public static class PublicEventLog
{
    /// <summary>The transaction-level advisory lock that orders publications and public events (any constant unique among the platform's advisory locks).</summary>
    public const long SeqLock = 0x5355_5045_5256_5055; // "SUPERVPU"

    public static async Task AppendAsync(DbConnection connection, DbTransaction tx, IReadOnlyCollection<PublicEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return;
        if (connection is Npgsql.NpgsqlConnection)
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = SeqLock }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO public_events (event_id, kind, entity_credit_code, entity_name, department, division_code, task_id, occurred_at, payload_json)
            VALUES (@EventId, @Kind, @EntityCreditCode, @EntityName, @Department, @DivisionCode, @TaskId, @OccurredAt, @PayloadJson)
            """, events, tx, cancellationToken: ct));
    }

    public static Task AppendAsync(DbConnection connection, DbTransaction tx, PublicEvent e, CancellationToken ct) => AppendAsync(connection, tx, [e], ct);

    /// <summary>The entity's registered name and division as the transaction sees them (null when the entity is unknown).</summary>
    public static Task<(string? Name, string? DivisionCode)> EntityAsync(DbConnection connection, DbTransaction tx, string creditCode, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<(string? Name, string? DivisionCode)>(new CommandDefinition(
            "SELECT name, division_code FROM market_entities WHERE credit_code = @creditCode", new { creditCode }, tx, cancellationToken: ct));
}
