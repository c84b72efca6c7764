using Supervision.Core.Calendar;
using Supervision.Contracts.Abnormal;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Abnormal;

namespace Supervision.Grains.Abnormal;

/// <summary>
/// The register's daily work, run on the deadline keeper's ticks (at every silo start and on its durable reminder): each
/// pending entry past its list-by date gets one reminder to its department, each entry listed for the serious-violation
/// period is escalated with an alert — both through the entity's own grain, both once (the store's conditional writes), so
/// a pass repeated after a crash or on another silo changes nothing twice.
/// </summary>
public sealed class AbnormalSweepGrain(AbnormalStore store, WorkflowClock clock) : Grain, IAbnormalSweepGrain
{
    private const int Batch = 500;

    public async Task<AbnormalSweepRun> Run()
    {
        var today = clock.Today;
        int reminded = 0, escalated = 0;
        // Each visited entry leaves the due set (reminded, escalated, or changed since), so the loop ends; the cap guards a stuck row.
        for (var pass = 0; pass < 100; pass++)
        {
            var due = await store.DueForSweepAsync(today, Batch);
            var changed = 0;
            foreach (var entry in due)
            {
                var run = await GrainFactory.GetGrain<IAbnormalRegisterGrain>(entry.EntityCreditCode).Sweep(entry.Id);
                reminded += run.Reminded;
                escalated += run.Escalated;
                changed += run.Reminded + run.Escalated;
            }

            if (due.Count < Batch || changed == 0) break;
        }

        return new(today, reminded, escalated);
    }
}
