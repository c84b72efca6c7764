using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Supervision.Contracts;

/// <summary>
/// Failures that say "not now" rather than "never": the cluster or the database cannot be reached, is restarting, is
/// out of connections or busy. They answer 503 with Retry-After; everything else unexpected is a bug and answers 500.
/// The exception chain is searched, because grain calls and stores wrap what they met. Shared by both sides of the grain
/// boundary — the silos translate what they met (<see cref="ForCaller"/>, the retry filter), the API answers it — so it lives
/// with the contracts, which name what may cross that boundary (<see cref="TransientFailureException"/>; the drivers'
/// exception namespaces in <see cref="ContractSerialization"/>).
/// </summary>
public static class TransientFailures
{
    /// <summary>Seconds a client should wait before retrying.</summary>
    public const int RetryAfterSeconds = 2;

    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsTransient)) return true;
            if (IsTransientOne(e)) return true;
        }

        return false;
    }

    /// <summary>
    /// The failure as it may cross the grain boundary: a transient failure of the database (or the network under it)
    /// becomes a <see cref="TransientFailureException"/>, which arrives whole; anything else is left as it is.
    /// </summary>
    public static Exception ForCaller(Exception exception)
    {
        if (!IsTransient(exception)) return exception;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return new TransientFailureException(nameof(PostgresException), pg.SqlState, pg.Message);
                case SqliteException sqlite:
                    return new TransientFailureException(nameof(SqliteException), sqlite.SqliteErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture), sqlite.Message);
                case DbException or System.Net.Sockets.SocketException or IOException:
                    return new TransientFailureException(e.GetType().Name, null, e.Message);
            }
        }

        return exception;
    }

    private static bool IsTransientOne(Exception e) => e switch
    {
        TransientFailureException => true,
        // The cluster: a silo died or is shutting down, a gateway is gone or busy, a call timed out.
        Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.GatewayTooBusyException => true,
        Orleans.Runtime.Messaging.ConnectionFailedException => true,
        TimeoutException => true,
        // PostgreSQL: connection failures, a restart or shutdown, too many connections, serialization failures; Npgsql
        // classifies them (pool exhaustion included).
        PostgresException pg => pg.IsTransient || IsTransientSqlState(string.IsNullOrEmpty(pg.SqlState) ? StateFromMessage(pg.Message) : pg.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient,
        // SQLite: the database file is locked by another writer for longer than the busy timeout.
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,
        DbException db => db.IsTransient,
        System.Net.Sockets.SocketException => true,
        _ => false,
    };

    /// <summary>SQLSTATEs that mean "not now": connection exceptions (08), shutdown and restart (57P01–57P03), too many connections.</summary>
    private static bool IsTransientSqlState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "53300";

    /// <summary>
    /// A PostgreSQL error that lost its fields on the way (Npgsql's message reads "SQLSTATE: text"). The grain-boundary
    /// translation (<see cref="ForCaller"/>) covers grain calls, but not a grain's activation: an error raised in
    /// OnActivateAsync reaches the caller as it is, without its SqlState (seen in the PostgreSQL restart fault test).
    /// </summary>
    private static string StateFromMessage(string message) => message.Length > 6 && message[5] == ':' ? message[..5] : "";
}
