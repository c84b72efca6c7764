namespace Supervision.Contracts;

/// <summary>
/// A grain met a transient failure of the infrastructure it depends on (the database was unreachable, restarting, out of
/// connections): "not now" rather than "never". Silos throw this in place of the driver's exception at the grain
/// boundary, because a driver's exception does not cross it whole — a PostgreSQL error arrives without its SQLSTATE, and
/// the caller could no longer tell a restart from a constraint violation. Callers answer it with 503 and Retry-After.
/// </summary>
[GenerateSerializer, Alias("supervision.transient-failure")]
public sealed class TransientFailureException : Exception
{
    public TransientFailureException()
    {
    }

    public TransientFailureException(string message)
        : base(message)
    {
    }

    public TransientFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TransientFailureException(string failure, string? code, string message)
        : base(message)
    {
        Failure = failure;
        Code = code;
    }

    /// <summary>The type of the exception that was met, e.g. <c>PostgresException</c>.</summary>
    [Id(0)]
    public string? Failure { get; init; }

    /// <summary>Its error code where it has one (a PostgreSQL SQLSTATE, a SQLite result code).</summary>
    [Id(1)]
    public string? Code { get; init; }
}
