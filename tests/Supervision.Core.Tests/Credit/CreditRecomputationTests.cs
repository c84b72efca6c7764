using System.Runtime.CompilerServices;
using CsCheck;
using Supervision.Core.Credit;

namespace Supervision.Core.Tests.Credit;

public class CreditRecomputationTests
{
    private static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CreditModelOptions Options = CreditModelOptions.Default;
    private static readonly string[] CodeTable = ["1", "A", "B", "C", "D", "E", "6", "8"];

    internal static readonly Gen<CreditEvent> GenEvent =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 5 * 365 * 24], Gen.Int[0, 2], Gen.Int[0, 7])
            .Select((k, hours, sev, codeIndex) => (CreditEventKind)k switch
            {
                CreditEventKind.InspectionOutcome => CreditEvent.Inspection(Epoch.AddHours(hours), [CodeTable[codeIndex]]),
                CreditEventKind.ExternalPenalty => CreditEvent.Penalty(Epoch.AddHours(hours), (PenaltySeverity)sev),
                var kind => CreditEvent.Of(kind, Epoch.AddHours(hours)),
            });

    private static readonly string[] Codes = ["1", "A", "B", "C", "D", "E", "6", "8"];

    internal static CreditEvent[] RandomHistory(Random rng, int max)
    {
        var events = new CreditEvent[rng.Next(max + 1)];
        for (var i = 0; i < events.Length; i++)
        {
            var at = Epoch.AddHours(rng.Next(5 * 365 * 24));
            events[i] = (CreditEventKind)rng.Next(7) switch
            {
                CreditEventKind.InspectionOutcome => CreditEvent.Inspection(at, [Codes[rng.Next(Codes.Length)]]),
                CreditEventKind.ExternalPenalty => CreditEvent.Penalty(at, (PenaltySeverity)rng.Next(3)),
                var kind => CreditEvent.Of(kind, at),
            };
        }
        return events;
    }

    [Fact]
    public void Summary_is_exact_folding_of_the_event_formula_in_any_order()
    {
        var layout = new CreditDecayLayout(Options);
        var scorer = new CreditScorer(Options);
        Gen.Select(GenEvent.Array[0, 30], Gen.Int[0, 3000]).Sample((events, extraDays) =>
        {
            var summary = layout.Summarise(events);
            var reversed = layout.Summarise(events.Reverse());
            var at = events.Length == 0 ? Epoch : events.Max(e => e.At).AddDays(extraDays);
            var expected = scorer.Evaluate(events, at).Score;
            Assert.Equal(expected, layout.Score(summary, at), 9);
            Assert.Equal(expected, layout.Score(reversed, at), 9);
            Assert.Equal(events.Length, summary.EventCount);
        });
    }

    [Fact]
    public void Kernel_matches_the_scorer_entity_by_entity()
    {
        var layout = new CreditDecayLayout(Options);
        var scorer = new CreditScorer(Options);
        var rng = new Random(7);
        var at = Epoch.AddDays(6 * 365);
        var histories = Enumerable.Range(0, 20_000).Select(_ => RandomHistory(rng, 12)).ToArray();
        var summaries = histories.Select(layout.Summarise).ToArray();
        var scores = new float[summaries.Length];
        var classes = new CreditClass[summaries.Length];
        new CreditRecomputation(Options).RecomputeAll(summaries, at, scores, classes, degreeOfParallelism: 2);
        for (var i = 0; i < histories.Length; i++)
        {
            var a = scorer.Evaluate(histories[i], at);
            Assert.True(Math.Abs(a.Score - scores[i]) < 1e-5 * Math.Max(1, Math.Abs(a.Score)), $"entity {i}: {a.Score} vs {scores[i]}");
            Assert.Equal(a.Class, classes[i]); // the kernel classifies the double score; only the stored score is a float
        }
        Assert.Contains(CreditClass.D, classes);
        Assert.Contains(CreditClass.A, classes);
    }

    [Fact]
    public async Task Streaming_run_reports_changes_counts_and_reuses_batches()
    {
        var layout = new CreditDecayLayout(Options);
        var at = Epoch.AddDays(6 * 365);
        const int Entities = 50_000;
        var rng = new Random(11);
        var all = new CreditSummary[Entities];
        var previous = new CreditClass[Entities];
        for (var i = 0; i < Entities; i++)
        {
            all[i] = layout.Summarise(RandomHistory(rng, 6));
            previous[i] = i % 10 == 0 ? CreditBatch.Unclassified : (CreditClass)rng.Next(4);
        }
        var expectedScores = new float[Entities];
        var expectedClasses = new CreditClass[Entities];
        var kernel = new CreditRecomputation(Options);
        kernel.Recompute(all, CreditSummary.ToDays(at), expectedScores, expectedClasses);

        var pool = new[] { new CreditBatch(4096), new CreditBatch(4096) };
        var seenBatches = new HashSet<CreditBatch>(ReferenceEqualityComparer.Instance);
        var changedKeys = new List<long>();
        var gotClasses = new CreditClass[Entities];
        var stats = await kernel.RunAsync(Source(), at, (b, _) =>
        {
            seenBatches.Add(b);
            for (var i = 0; i < b.Count; i++) gotClasses[b.EntityKeys[i]] = b.Classes[i];
            foreach (var i in b.Changed) changedKeys.Add(b.EntityKeys[i]);
            return ValueTask.CompletedTask;
        }, degreeOfParallelism: 2);

        Assert.Equal(expectedClasses, gotClasses);
        var expectedChanged = Enumerable.Range(0, Entities).Where(i => previous[i] != expectedClasses[i]).Select(i => (long)i).ToList();
        Assert.Equal(expectedChanged, changedKeys);
        Assert.Equal(Entities, stats.Entities);
        Assert.Equal(expectedChanged.Count, stats.Changed);
        Assert.Equal((Entities + 4095) / 4096, stats.Batches);
        for (var c = 0; c < 4; c++) Assert.Equal(expectedClasses.Count(x => (int)x == c), stats.CountByClass[c]);
        Assert.Equal(Entities / 10, Enumerable.Range(0, 4).Sum(t => stats.Transitions[4, t]));
        Assert.Equal(2, seenBatches.Count); // the producer's two batches were reused, not reallocated

        async IAsyncEnumerable<CreditBatch> Source([EnumeratorCancellation] CancellationToken ct = default)
        {
            var next = 0;
            for (var offset = 0; offset < Entities; offset += 4096)
            {
                var b = pool[next++ % 2];
                b.Count = Math.Min(4096, Entities - offset);
                for (var i = 0; i < b.Count; i++)
                {
                    b.EntityKeys[i] = offset + i;
                    b.Summaries[i] = all[offset + i];
                    b.PreviousClasses[i] = previous[offset + i];
                }
                await Task.Yield();
                yield return b;
            }
        }
    }

    [Fact]
    public void Summaries_newer_than_the_evaluation_instant_are_counted()
    {
        var layout = new CreditDecayLayout(Options);
        var batch = new CreditBatch(2) { Count = 2 };
        batch.Summaries[0] = layout.Summarise([CreditEvent.Of(CreditEventKind.AbnormalListed, Epoch.AddDays(10))]);
        batch.Summaries[1] = layout.Summarise([CreditEvent.Of(CreditEventKind.AbnormalListed, Epoch)]);
        batch.PreviousClasses[0] = batch.PreviousClasses[1] = CreditClass.C;
        var acc = new CreditRecomputationAccumulator();
        new CreditRecomputation(Options).RecomputeBatch(batch, Epoch.AddDays(5), 2, acc);
        Assert.Equal(1, acc.ToStats().SummariesAfterEvaluationInstant);
        Assert.Equal(0, batch.ChangedCount);
    }
}
