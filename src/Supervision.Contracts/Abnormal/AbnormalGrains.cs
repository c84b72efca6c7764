using Supervision.Contracts;
using Supervision.Core.Abnormal;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Abnormal;

/// <summary>What a register command did: the entry after it, or why not (with the fields at fault).</summary>
[GenerateSerializer, Immutable, Alias("supervision.abnormal-reply")]
public sealed record AbnormalReply(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] AbnormalEntry? Entry)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Created;

    public static AbnormalReply Refused(CommandStatus status, string detail, IReadOnlyList<FieldError>? errors = null) => new(status, detail, errors ?? [], null);
}

/// <summary>What one sweep pass did (docs/abnormal-operations.md, "The sweep").</summary>
[GenerateSerializer, Immutable, Alias("supervision.abnormal-sweep")]
public sealed record AbnormalSweepRun([property: Id(0)] DateOnly Today, [property: Id(1)] int Reminded, [property: Id(2)] int Escalated);

/// <summary>
/// The abnormal-operations entries of one entity, keyed by its credit code: entering, listing, removal applications and
/// decisions, and the sweep's reminder and escalation are serialised per entity, so the one-open-entry-per-ground rule holds
/// and each step is applied once. Every command checks its actor against the deciding department (Core's rule).
/// </summary>
[Alias("supervision.abnormal-register")]
public interface IAbnormalRegisterGrain : IGrainWithStringKey
{
    /// <summary>Staff enter grounds found otherwise than by an inspection; a repeat answers the open entry on that ground.</summary>
    [Alias("enter"), SafeToRetry]
    Task<AbnormalReply> Enter(string? ground, string? facts, DateOnly? foundOn, string departmentCode, Actor actor);

    /// <summary>The deciding department lists a pending entry, with its decision's number.</summary>
    [Alias("list"), SafeToRetry]
    Task<AbnormalReply> List(string entryId, string? decisionReference, Actor actor);

    /// <summary>An application for removal with evidence: <paramref name="staff"/> false when the entity applies through its link.</summary>
    [Alias("apply-removal"), SafeToRetry]
    Task<AbnormalReply> ApplyForRemoval(string entryId, string? evidence, Actor actor, bool staff);

    /// <summary>Approve (the entry is removed today) or reject with a reason.</summary>
    [Alias("decide-removal"), SafeToRetry]
    Task<AbnormalReply> DecideRemoval(string entryId, bool approve, string? reason, Actor actor);

    /// <summary>The sweep's visit: an overdue pending entry's reminder (once), a listed entry's escalation at its date (once).</summary>
    [Alias("sweep"), SafeToRetry]
    Task<AbnormalSweepRun> Sweep(string entryId);
}

/// <summary>The daily pass over the register (a singleton, started with the deadline keeper's ticks).</summary>
[Alias("supervision.abnormal-sweeper")]
public interface IAbnormalSweepGrain : IGrainWithStringKey
{
    public const string DefaultKey = "register";

    [Alias("run")]
    Task<AbnormalSweepRun> Run();
}
