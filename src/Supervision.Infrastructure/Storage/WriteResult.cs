namespace Supervision.Infrastructure.Storage;

public enum WriteOutcome
{
    Created,
    Updated,
    Unchanged,
    NotFound,
    AlreadyExists,
    VersionMismatch,
}

/// <summary>The outcome of a versioned write and the record as it now stands (or as it stood, when refused).</summary>
public sealed record WriteResult<T>(WriteOutcome Outcome, T? Record)
    where T : class;

/// <summary>A record with an optimistic-concurrency version (served as its ETag).</summary>
public interface IVersioned
{
    long Version { get; }
}
