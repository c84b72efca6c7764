using Supervision.Contracts.Credit;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Credit;

namespace Supervision.Grains.Credit;

/// <summary>
/// One entity's credit score. Each call reads the entity's new outcomes, external records and concluded follow-up cases, turns them into events
/// (<see cref="CreditLedger.NewEvents"/>), and has <see cref="CreditRepository.ApplyAsync"/> store them with the re-derived
/// follow-up and listing events and recompute — one transaction, answered after the commit.
/// The grain keeps no state of its own: the tables are the state, so a reactivation (or the nightly job writing a class
/// in between) never leaves it with a stale copy.
/// </summary>
public sealed class CreditScoreGrain(CreditFeedStore feed, CreditRepository records, CreditModel model, WorkflowClock clock, CreditMetrics metrics)
    : Grain, ICreditScoreGrain
{
    private string Entity => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        metrics.Activated();
        return Task.CompletedTask;
    }

    public async Task<CreditScoreReply> Apply(CreditFeedRange range, Actor actor)
    {
        var outcomes = await feed.OutcomesOfAsync(Entity, range.OutcomesAfter, range.OutcomesTo);
        var external = await feed.ExternalOfAsync(Entity, range.ExternalAfter, range.ExternalTo);
        var cases = await feed.CasesOfAsync(Entity, range.CasesAfter, range.CasesTo);
        var events = CreditLedger.NewEvents(Entity, outcomes, external, cases, model.Options.CasePenalties);
        return Reply(await records.ApplyAsync(Entity, events, clock.Now, actor));
    }

    public async Task<CreditScoreReply> Refresh(Actor actor) =>
        Reply(await records.ApplyAsync(Entity, [], clock.Now, actor));

    private CreditScoreReply Reply(CreditApplyResult r) =>
        new(Entity, r.Assessment.Score, r.Assessment.Class.ToString(), r.Assessment.DrawWeight, r.Change?.OldClass?.ToString(), r.Change is not null,
            r.EventsStored, r.InDirectory);
}
