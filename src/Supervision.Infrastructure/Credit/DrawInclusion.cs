using System.Globalization;
using Dapper;
using Supervision.Core.Draw;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// An entity's probability of being drawn in one task, from the task's committed data (docs/draw-spec.md §6): the recorded
/// probability when it was drawn; otherwise its stratum and weight in the frozen snapshot and the plan computed from the
/// census stored at freeze — stratified n_h/N_h, Pareto min(1, a·w/D) (the target probability; 1 for capped members).
/// </summary>
public sealed record InclusionView(
    string TaskId,
    string TaskStatus,
    bool InPopulation,
    string? Stratum,
    string? Weight,
    bool Drawn,
    double Probability,
    string? ProbabilityExact,
    string Mode,
    string? ExcludedReason,
    string Basis);

public sealed class DrawInclusion(SqlStore store, DrawSnapshotStore snapshots)
{
    private static readonly string[] FrozenStates = ["frozen", "entities_drawn", "inspectors_drawn", "dispatched"];

    /// <summary>Null when the task has no frozen population yet.</summary>
    public async Task<InclusionView?> ForAsync(TaskRow task, string entity, CancellationToken ct = default)
    {
        if (!FrozenStates.Contains(task.Status, StringComparer.Ordinal)) return null;
        var definition = task.Definition;
        var mode = definition.Sampling.Mode;
        await using (var connection = await store.OpenAsync(ct))
        {
            var drawn = await connection.QueryFirstOrDefaultAsync<(string Stratum, string Probability)?>(new CommandDefinition(
                "SELECT stratum, probability FROM drawn_entities WHERE task_id = @task AND member_id = @entity",
                new { task = task.TaskId, entity }, cancellationToken: ct));
            if (drawn is { } d)
                return new InclusionView(task.TaskId, task.Status, true, d.Stratum, null, true, Ratio(d.Probability), d.Probability, mode, null,
                    "drawn: the probability recorded with the draw");
            var excluded = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
                "SELECT reason FROM draw_exclusions WHERE task_id = @task AND member_id = @entity", new { task = task.TaskId, entity }, cancellationToken: ct));
            if (excluded is not null)
                return new InclusionView(task.TaskId, task.Status, true, null, null, false, 0, "0", mode, excluded, "excluded at freeze (burden cap)");
        }

        var member = await FindMemberAsync(task, entity, definition.Filter.CreditClasses, ct);
        if (member is not { } m)
            return new InclusionView(task.TaskId, task.Status, false, null, null, false, 0, "0", mode, null, "not in the frozen population (filter or status at freeze)");
        var exclusions = await snapshots.ExclusionsAsync(task.TaskId, ct);
        var census = await snapshots.CensusAsync(task.TaskId, ct);
        var setup = FreezeRules.CensusSetup(task.TaskId, definition, exclusions);
        var plan = EntityDraw.Plan(setup, DrawExchange.Import(setup, census));
        var drawnAlready = task.Status != "frozen";
        var basis = drawnAlready ? "not drawn; the probability it had under the draw design" : "the draw has not run; the probability under the frozen design";
        if (mode == DrawModes.Pareto)
        {
            if (m.WeightMicros >= plan.CapThresholdMicros)
                return new InclusionView(task.TaskId, task.Status, true, m.Stratum, m.WeightText, false, 1, "1/1", mode, null, basis + " (certain: weight at or above the cap)");
            var numerator = (Int128)plan.A * m.WeightMicros;
            var p = plan.D == 0 ? 0 : (double)numerator / (double)plan.D;
            return new InclusionView(task.TaskId, task.Status, true, m.Stratum, m.WeightText, false, Math.Min(1, p),
                string.Create(CultureInfo.InvariantCulture, $"{numerator}/{plan.D}"), mode, null, basis + " (Pareto target a·w/D)");
        }
        var h = setup.StratumIndex(m.Stratum);
        var n = h >= 0 ? plan.Quota[h] : 0;
        var big = h >= 0 ? plan.Census.Counts[h] : 0;
        return new InclusionView(task.TaskId, task.Status, true, m.Stratum, m.WeightText, false, big == 0 ? 0 : (double)n / big,
            string.Create(CultureInfo.InvariantCulture, $"{n}/{big}"), mode, null, basis + " (stratified n_h/N_h)");
    }

    /// <summary>The entity's row of the task's frozen snapshot (its stratum and weight), or null when it was not in the population.</summary>
    public Task<PopulationMember?> MemberAsync(TaskRow task, string entity, CancellationToken ct = default) =>
        FindMemberAsync(task, entity, task.Definition.Filter.CreditClasses, ct);

    private async Task<PopulationMember?> FindMemberAsync(TaskRow task, string entity, IReadOnlyList<string> strata, CancellationToken ct)
    {
        int? chunk;
        await using (var connection = await store.OpenAsync(ct))
        {
            chunk = await connection.QueryFirstOrDefaultAsync<int?>(new CommandDefinition(
                "SELECT chunk_no FROM draw_snapshot_chunks WHERE task_id = @task AND first_member <= @entity ORDER BY chunk_no DESC LIMIT 1",
                new { task = task.TaskId, entity }, cancellationToken: ct));
        }
        if (chunk is null) return null;
        foreach (var m in await snapshots.ReadChunksAsync(task.TaskId, chunk.Value, 1, strata, ct))
            if (m.MemberId == entity) return m;
        return null;
    }

    /// <summary>"a/b" (unreduced integers) as a double.</summary>
    public static double Ratio(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return double.Parse(text, CultureInfo.InvariantCulture);
        var a = double.Parse(text.AsSpan(0, slash), CultureInfo.InvariantCulture);
        var b = double.Parse(text.AsSpan(slash + 1), CultureInfo.InvariantCulture);
        return b == 0 ? 0 : a / b;
    }
}
