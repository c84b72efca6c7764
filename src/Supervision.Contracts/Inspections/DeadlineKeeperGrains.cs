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

/// <summary>What one catch-up found: inspections whose deadline warning or overdue mark was due, and how many it set.</summary>
[GenerateSerializer, Immutable, Alias("supervision.deadline-catch-up")]
public sealed record DeadlineCatchUp(
    [property: Id(0)] DateOnly Today,
    [property: Id(1)] int Due,
    [property: Id(2)] int Marked);

/// <summary>
/// Keeps the deadlines working through restarts and calendar changes. One per cluster, keyed <see cref="DefaultKey"/>;
/// runs one thing at a time.
/// <list type="bullet">
/// <item><see cref="Recompute"/>: when a year's official holiday notice replaces its provisional statutory year, every
/// open deadline computed with the provisional year is computed again and each move audited.</item>
/// <item><see cref="CatchUp"/>: every inspection whose due-soon warning or overdue mark (its own or its publication's)
/// is due today and not yet set is checked now — what a missed reminder tick (an outage, a restart) left undone. Each
/// inspection's own reminder has an hour's period; this one runs at every silo start and then every few minutes, so a
/// warning is never more than minutes late.</item>
/// </list>
/// </summary>
[Alias("supervision.deadline-keeper")]
public interface IDeadlineKeeperGrain : IGrainWithStringKey
{
    public const string DefaultKey = "deadlines";

    /// <summary>Registers the catch-up reminder and starts a recompute and a catch-up in the background (silo start).</summary>
    [Alias("start"), SafeToRetry]
    Task Start();

    [Alias("run"), ResponseTimeout("00:10:00")]
    Task<DeadlineRecomputeRun> Recompute(Actor actor);

    [Alias("catch-up"), ResponseTimeout("00:10:00"), SafeToRetry]
    Task<DeadlineCatchUp> CatchUp();
}
