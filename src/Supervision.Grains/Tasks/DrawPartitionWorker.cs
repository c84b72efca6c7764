using System.Text.Json;
using Orleans.Concurrency;
using Supervision.Contracts.Tasks;
using Supervision.Core.Draw;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Grains.Tasks;

/// <summary>
/// Runs one pass of the entity draw over one ordinal range of a frozen population, reading the range itself,
/// so the population never crosses a grain call: only the census (a few numbers) or the best candidates do.
/// </summary>
[StatelessWorker]
public sealed class DrawPartitionWorker(DrawStore store) : Grain, IDrawPartitionWorker
{
    public async Task<PartitionCensus> Census(PartitionWork work)
    {
        var setup = Setup(work);
        var members = await store.ReadPartitionAsync(work.TaskId, work.FromOrdinalExclusive, work.ToOrdinalInclusive);
        return PartitionCensus.From(DrawExchange.Export(EntityDraw.Census(setup, members)));
    }

    public async Task<PartitionCandidates> Scan(PartitionWork work, PartitionCensus merged)
    {
        var setup = Setup(work);
        var plan = EntityDraw.Plan(setup, DrawExchange.Import(setup, merged.ToColumns()));
        var members = await store.ReadPartitionAsync(work.TaskId, work.FromOrdinalExclusive, work.ToOrdinalInclusive);
        return PartitionCandidates.From(DrawExchange.Export(EntityDraw.PartitionScan(plan, members)));
    }

    private static EntityDrawSetup Setup(PartitionWork work) => new(work.Seed, work.TaskId, DrawPrimitives.AlgorithmVersion,
        JsonSerializer.Deserialize<EntityDrawParameters>(work.ParametersJson, DrawPacks.JsonOptions)
            ?? throw new ArgumentException("no parameters", nameof(work)));
}
