using Supervision.Core.Validation;

namespace Supervision.Infrastructure.Storage;

/// <summary>What became of a change asked of an application service (the write path of an aggregate without a grain).</summary>
public enum ChangeStatus
{
    Created,
    Updated,

    /// <summary>The fields at fault are in <see cref="ChangeResult{T}.Errors"/>.</summary>
    Invalid,

    /// <summary>The caller's role or department does not allow it; <see cref="ChangeResult{T}.Detail"/> says why.</summary>
    Forbidden,
    NotFound,

    /// <summary>The key is taken; <see cref="ChangeResult{T}.Detail"/> says by what.</summary>
    AlreadyExists,

    /// <summary>The record changed since the caller read it; <see cref="ChangeResult{T}.Version"/> is the current version.</summary>
    VersionMismatch,
}

/// <summary>
/// A change's outcome: on success the record as it now stands and its version (the ETag); otherwise why not. The same
/// statuses as a directory grain's <c>DirectoryWriteResult</c>, so that every write path is answered alike.
/// </summary>
public sealed record ChangeResult<T>(ChangeStatus Status, T? Record = null, IReadOnlyList<FieldError>? Errors = null, string? Detail = null, long Version = 0)
    where T : class
{
    public bool Succeeded => Status is ChangeStatus.Created or ChangeStatus.Updated;

    public IReadOnlyList<FieldError> FieldErrors => Errors ?? [];
}

public static class ChangeResult
{
    public static ChangeResult<T> Invalid<T>(IReadOnlyList<FieldError> errors)
        where T : class => new(ChangeStatus.Invalid, Errors: errors);

    public static ChangeResult<T> Forbidden<T>(string detail)
        where T : class => new(ChangeStatus.Forbidden, Detail: detail);

    public static ChangeResult<T> NotFound<T>()
        where T : class => new(ChangeStatus.NotFound);

    /// <summary>A versioned write's outcome, the record shown as <paramref name="view"/>; <paramref name="taken"/> says what a taken key is.</summary>
    public static ChangeResult<TView> From<TRecord, TView>(WriteResult<TRecord> write, Func<TRecord, TView> view, string? taken = null)
        where TRecord : class, IVersioned
        where TView : class => write.Outcome switch
    {
        WriteOutcome.Created => new(ChangeStatus.Created, view(write.Record!), Version: write.Record!.Version),
        WriteOutcome.Updated or WriteOutcome.Unchanged => new(ChangeStatus.Updated, view(write.Record!), Version: write.Record!.Version),
        WriteOutcome.NotFound => new(ChangeStatus.NotFound),
        WriteOutcome.AlreadyExists => new(ChangeStatus.AlreadyExists, Detail: taken),
        WriteOutcome.VersionMismatch => new(ChangeStatus.VersionMismatch, Version: write.Record!.Version),
        _ => throw new InvalidOperationException($"unexpected outcome {write.Outcome}"),
    };

    public static ChangeResult<T> From<T>(WriteResult<T> write, string? taken = null)
        where T : class, IVersioned => From(write, r => r, taken);
}
