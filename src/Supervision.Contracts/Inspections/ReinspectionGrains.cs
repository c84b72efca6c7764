using Supervision.Core.Identity;

namespace Supervision.Contracts.Inspections;

[GenerateSerializer]
public enum ReinspectionStatus
{
    /// <summary>The team was drawn and the inspection created now.</summary>
    Created,
    /// <summary>It had been created before; nothing changed.</summary>
    Existing,
    /// <summary>The re-inspection window has not begun.</summary>
    NotDue,
    /// <summary>No open re-inspection follow-up with this key (withdrawn by an amendment, done, or never called for).</summary>
    NotFound,
    /// <summary>No team satisfies the rules now; recorded with the reasons and retried on the next run.</summary>
    Unstaffed,
    Forbidden,
}

[GenerateSerializer, Immutable, Alias("supervision.reinspection-reply")]
public sealed record ReinspectionReply(
    [property: Id(0)] ReinspectionStatus Status,
    [property: Id(1)] string? InspectionId,
    [property: Id(2)] string? Detail);

[GenerateSerializer, Immutable, Alias("supervision.reinspection-run")]
public sealed record ReinspectionRun(
    [property: Id(0)] int Due,
    [property: Id(1)] int Created,
    [property: Id(2)] int Unstaffed,
    [property: Id(3)] IReadOnlyList<string> InspectionIds);

/// <summary>
/// One re-inspection (复查), keyed by its follow-up's action key "{inspectionId}/{itemCode}/reinspection". Draws its
/// team once (<see cref="Supervision.Core.Inspections.ReinspectionDraw"/>), commits the draw, then creates the
/// inspection from the committed draw; every step is idempotent, so a repeated or interrupted run completes what is
/// missing and changes nothing that exists.
/// </summary>
[Alias("supervision.reinspection")]
public interface IReinspectionGrain : IGrainWithStringKey
{
    [Alias("create"), SafeToRetry]
    Task<ReinspectionReply> Create(Actor actor);
}

/// <summary>
/// Creates the re-inspections whose window has begun, on a durable reminder (and on demand). One per cluster, keyed
/// <see cref="DefaultKey"/>.
/// </summary>
[Alias("supervision.reinspection-scheduler")]
public interface IReinspectionSchedulerGrain : IGrainWithStringKey
{
    public const string DefaultKey = "reinspections";

    /// <summary>Registers the reminder (idempotent); called at silo start.</summary>
    [Alias("start"), SafeToRetry]
    Task Start();

    [Alias("run-due"), ResponseTimeout("00:10:00"), SafeToRetry]
    Task<ReinspectionRun> RunDue(Actor actor);
}
