using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Registry;

[GenerateSerializer]
public enum DirectoryWriteStatus
{
    Created,
    Updated,
    Invalid,
    Forbidden,
    NotFound,
    AlreadyExists,
    VersionMismatch,
}

/// <summary>What a directory write did: on success the new version; otherwise why not (field errors for Invalid).</summary>
[GenerateSerializer, Immutable, Alias("supervision.directory-write-result")]
public sealed record DirectoryWriteResult(
    [property: Id(0)] DirectoryWriteStatus Status,
    [property: Id(1)] long Version,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] string? Detail)
{
    public static DirectoryWriteResult Ok(DirectoryWriteStatus status, long version) => new(status, version, [], null);

    public static DirectoryWriteResult Refused(DirectoryWriteStatus status, string detail, long version = 0) => new(status, version, [], detail);

    public static DirectoryWriteResult Invalid(IReadOnlyList<FieldError> errors) => new(DirectoryWriteStatus.Invalid, 0, errors, null);
}

/// <summary>
/// A market entity, keyed by its Unified Social Credit Code. Writes to one entity are serialised through its
/// grain; the directory table is the profile's system of record (bulk import writes it directly).
/// </summary>
[Alias("supervision.market-entity")]
public interface IMarketEntityGrain : IGrainWithStringKey
{
    /// <summary>Creates the entity (<paramref name="expectedVersion"/> null) or updates the version the caller read.</summary>
    [Alias("save")]
    Task<DirectoryWriteResult> Save(MarketEntityRecord record, long? expectedVersion, Actor actor);
}

/// <summary>An inspector, keyed by certificate number.</summary>
[Alias("supervision.inspector")]
public interface IInspectorGrain : IGrainWithStringKey
{
    /// <summary>Creates the inspector (<paramref name="expectedVersion"/> null) or updates the version the caller read.</summary>
    [Alias("save")]
    Task<DirectoryWriteResult> Save(InspectorRecord record, long? expectedVersion, Actor actor);
}
