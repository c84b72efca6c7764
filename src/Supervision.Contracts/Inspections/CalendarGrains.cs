using Supervision.Core.Identity;

namespace Supervision.Contracts.Inspections;

/// <summary>What one recomputation of the open deadlines found and changed.</summary>
[GenerateSerializer, Immutable, Alias("supervision.deadline-recompute-run")]
public sealed record DeadlineRecomputeRun(
    [property: Id(0)] string CalendarVersion,
    [property: Id(1)] int Examined,
    [property: Id(2)] int FollowUpsMoved,
    [property: Id(3)] int ListingsMoved,
    [property: Id(4)] int PublicationsMoved);

/// <summary>
/// Keeps the stored open deadlines in step with the working-day calendar: when a year's official notice replaces its
/// provisional statutory year, every open deadline computed with the provisional year is computed again, and each move
/// is audited. Runs at every silo start (a calendar file is loaded at start) and on demand. One per cluster, keyed
/// <see cref="DefaultKey"/>; runs one at a time.
/// </summary>
[Alias("supervision.deadline-recompute")]
public interface IDeadlineRecomputeGrain : IGrainWithStringKey
{
    public const string DefaultKey = "calendar";

    /// <summary>Starts a run without waiting for it (silo start); failures are logged and the next start retries.</summary>
    [Alias("start")]
    Task Start();

    [Alias("run")]
    Task<DeadlineRecomputeRun> Run(Actor actor);
}
