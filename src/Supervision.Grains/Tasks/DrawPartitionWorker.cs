using System.Text.Json;
using Orleans.Concurrency;
using Supervision.Contracts.Tasks;
using Supervision.Core.Draw;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Grains.Tasks;

/// <summary>
/// Runs the scan of the entity draw over some chunks of a frozen snapshot, reading and parsing them itself, so the
/// population never crosses a grain call: only the best candidates do.
/// </summary>
[StatelessWorker]
public sealed class DrawPartitionWorker(DrawSnapshotStore store, IDrawFaults faults) : Grain, IDrawPartitionWorker
{
    public async Task<PartitionCandidates> Scan(PartitionWork work, PartitionCensus merged)
    {
        var setup = Setup(work);
        var plan = EntityDraw.Plan(setup, DrawExchange.Import(setup, merged.ToColumns()));
        // The chunks are scanned as stored: ids are hashed from the chunk bytes, not parsed into member strings first.
        var chunks = await store.ReadChunkBytesAsync(work.TaskId, work.FirstChunk, work.ChunkCount);
        await faults.DuringScanAsync(work.TaskId, work.FirstChunk);
        return PartitionCandidates.From(DrawExchange.Export(EntityDraw.PartitionScan(plan, chunks, work.FirstChunk)));
    }

    private static EntityDrawSetup Setup(PartitionWork work) => new(work.Seed, work.TaskId, DrawPrimitives.AlgorithmVersion,
        JsonSerializer.Deserialize<EntityDrawParameters>(work.ParametersJson, DrawPacks.JsonOptions)
            ?? throw new ArgumentException("no parameters", nameof(work)));
}
