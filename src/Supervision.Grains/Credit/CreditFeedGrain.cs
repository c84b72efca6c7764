using Microsoft.Extensions.Logging;
using Supervision.Contracts.Credit;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Credit;

namespace Supervision.Grains.Credit;

/// <summary>
/// The durable consumer of outcome events, external records and concluded follow-up cases. Each step reads the rows after the stored checkpoints
/// (seq order), lets every entity concerned take in its share through its <see cref="ICreditScoreGrain"/> (idempotent),
/// and only then stores the new checkpoints: a crash in between repeats the step, which changes nothing twice. After the
/// streams, entities whose record changed with time alone (a correction deadline passed, a listing reached its
/// serious-violation date) are refreshed.
/// </summary>
public sealed partial class CreditFeedGrain(CreditFeedStore store, CreditSettings settings, WorkflowClock clock, TimeProvider time, ILogger<CreditFeedGrain> logger)
    : Grain, ICreditFeedGrain, IRemindable
{
    public const string ReminderName = "poll";

    /// <summary>
    /// A gap in seq (a transaction that took a number but had not committed when we read) is waited for this long before it
    /// is taken for a rolled-back transaction and skipped; PostgreSQL sequences can commit out of order.
    /// </summary>
    public static readonly TimeSpan GapGrace = TimeSpan.FromSeconds(30);

    private const int MaxStepsPerPass = 200;
    private const int Parallelism = 16;

    private static readonly Actor FeedActor = Actor.System("credit-feed");

    public async Task<CreditFeedReport> RunOnce()
    {
        int outcomesRead = 0, externalRead = 0, casesRead = 0, applied = 0, changes = 0;
        var oc = await store.CheckpointAsync(CreditFeedStore.OutcomeStream);
        var xc = await store.CheckpointAsync(CreditFeedStore.ExternalStream);
        var cc = await store.CheckpointAsync(CreditFeedStore.CaseStream);
        for (var step = 0; step < MaxStepsPerPass; step++)
        {
            var outcomes = await store.OutcomesAfterAsync(oc, settings.FeedBatchSize);
            var external = await store.ExternalAfterAsync(xc, settings.FeedBatchSize);
            var cases = await store.CasesAfterAsync(cc, settings.FeedBatchSize);
            var now = time.GetUtcNow();
            var takeO = Contiguous(outcomes.Select(o => (o.Seq, o.RecordedAt)).ToList(), oc, now);
            var takeX = Contiguous(external.Select(x => (x.Seq, x.RecordedAt)).ToList(), xc, now);
            var takeC = Contiguous(cases.Select(c => (c.Seq, c.RecordedAt)).ToList(), cc, now);
            if (takeO == 0 && takeX == 0 && takeC == 0) break;
            var range = new CreditFeedRange(oc, takeO > 0 ? outcomes[takeO - 1].Seq : oc, xc, takeX > 0 ? external[takeX - 1].Seq : xc,
                cc, takeC > 0 ? cases[takeC - 1].Seq : cc);
            var entities = outcomes.Take(takeO).Select(o => o.EntityCreditCode)
                .Concat(external.Take(takeX).Select(x => x.EntityCreditCode))
                .Concat(cases.Take(takeC).Select(c => c.EntityCreditCode))
                .Distinct(StringComparer.Ordinal).ToList();
            var replies = await ForEachAsync(entities, e => GrainFactory.GetGrain<ICreditScoreGrain>(e).Apply(range, FeedActor));
            // Every entity of the step acknowledged (its transaction committed): now the checkpoints may move.
            await store.SaveCheckpointAsync(CreditFeedStore.OutcomeStream, range.OutcomesTo);
            await store.SaveCheckpointAsync(CreditFeedStore.ExternalStream, range.ExternalTo);
            await store.SaveCheckpointAsync(CreditFeedStore.CaseStream, range.CasesTo);
            (oc, xc, cc) = (range.OutcomesTo, range.ExternalTo, range.CasesTo);
            outcomesRead += takeO;
            externalRead += takeX;
            casesRead += takeC;
            applied += replies.Count;
            changes += replies.Count(r => r.ClassChanged);
        }

        var due = await store.TimeDueEntitiesAsync(clock.Today, 1000);
        var refreshed = await ForEachAsync(due, e => GrainFactory.GetGrain<ICreditScoreGrain>(e).Refresh(FeedActor));
        changes += refreshed.Count(r => r.ClassChanged);
        if (outcomesRead + externalRead + casesRead + due.Count > 0)
            LogPass(logger, outcomesRead, externalRead, casesRead, applied, due.Count, changes, oc, xc, cc);
        return new CreditFeedReport(oc, xc, outcomesRead, externalRead, applied, due.Count, changes, cc, casesRead);
    }

    /// <summary>How many rows, from the first, continue the checkpoint without an unexplained gap.</summary>
    public static int Contiguous(IReadOnlyList<(long Seq, DateTimeOffset RecordedAt)> rows, long checkpoint, DateTimeOffset now)
    {
        var expected = checkpoint + 1;
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Seq != expected && now - rows[i].RecordedAt < GapGrace) return i;
            expected = rows[i].Seq + 1;
        }
        return rows.Count;
    }

    private static async Task<List<CreditScoreReply>> ForEachAsync(IReadOnlyList<string> entities, Func<string, Task<CreditScoreReply>> call)
    {
        var replies = new List<CreditScoreReply>(entities.Count);
        foreach (var chunk in entities.Chunk(Parallelism))
            replies.AddRange(await Task.WhenAll(chunk.Select(call)));
        return replies;
    }

    public async Task EnsureScheduled()
    {
        if (await this.GetReminder(ReminderName) is null)
            await this.RegisterOrUpdateReminder(ReminderName, settings.FeedPeriod, settings.FeedPeriod);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName) await RunOnce();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Credit feed: {Outcomes} outcome events, {External} external records and {Cases} concluded cases for {Entities} entities, {TimeDue} time-due entities, {Changes} class changes; checkpoints {OutcomeSeq}/{ExternalSeq}/{CaseSeq}")]
    private static partial void LogPass(ILogger logger, int outcomes, int external, int cases, int entities, int timeDue, int changes, long outcomeSeq, long externalSeq,
        long caseSeq);
}
