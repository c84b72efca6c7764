using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Grains.Inspections;

/// <summary>
/// Recomputes the open deadlines with this silo's working-day calendar (<see cref="IDeadlineRecomputeGrain"/>): the pure
/// rules in <see cref="DeadlineRecompute"/> decide, <see cref="DeadlineStore"/> writes follow-ups and listings with their
/// audit lines, and each inspection whose publication deadline moved is told by its own grain, which owns that row.
/// Idempotent: a second run with the same calendar finds nothing to move.
/// </summary>
public sealed class DeadlineRecomputeGrain(
    DeadlineStore deadlines,
    InspectionRules rules,
    ILogger<DeadlineRecomputeGrain> logger) : Grain, IDeadlineRecomputeGrain
{
    public Task Start()
    {
        // Let the start call return at once; the run is a grain timer tick, so it still runs one at a time with Run.
        this.RegisterGrainTimer(async _ =>
        {
            try
            {
                var run = await Run(Actor.System("calendar"));
                if (logger.IsEnabled(LogLevel.Information))
                    logger.LogInformation("Deadlines recomputed with {Calendar}: {Examined} open, moved {FollowUps} follow-ups, {Listings} listings, {Publications} publication deadlines",
                        run.CalendarVersion, run.Examined, run.FollowUpsMoved, run.ListingsMoved, run.PublicationsMoved);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Recomputing the open deadlines failed; the next silo start (or a call of Run) tries again");
            }
        }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task<DeadlineRecomputeRun> Run(Actor actor)
    {
        var version = rules.Calendar.Version.Version;
        var followUps = await deadlines.ReadOpenFollowUpsAsync();
        var listings = await deadlines.ReadOpenListingsAsync();
        var awaiting = await deadlines.ReadAwaitingPublicationAsync();

        var followUpsMoved = await deadlines.ApplyAsync(DeadlineRecompute.FollowUps(rules.FollowUps, followUps), actor, version);
        var listingsMoved = await deadlines.ApplyAsync(DeadlineRecompute.Listings(rules.FollowUps, listings), actor, version);
        var publicationsMoved = 0;
        foreach (var a in awaiting)
        {
            if (DeadlineRecompute.Publication(rules.Deadlines, a.InspectionId, a.LeadDepartment, a.ApprovedOn, a.PublicationDue) is null) continue;
            var before = a.PublicationDue;
            var flags = await GrainFactory.GetGrain<IInspectionGrain>(a.InspectionId).RecomputeDeadlines(version);
            if (flags?.PublicationDue != before) publicationsMoved++;
        }

        return new DeadlineRecomputeRun(version, followUps.Count + listings.Count + awaiting.Count, followUpsMoved, listingsMoved, publicationsMoved);
    }
}
