using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

/// <summary>
/// The short answer to running (or repeating) the entity draw: what was committed, without the drawn list. The full
/// verification pack is GET /draw/pack (see <see cref="Links"/>).
/// </summary>
public sealed record EntityDrawSummary(
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("secretCommitment")] string SecretCommitment,
    [property: JsonPropertyName("revealedSecret")] string RevealedSecret,
    [property: JsonPropertyName("seed")] string Seed,
    [property: JsonPropertyName("population")] PopulationReference Population,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("strata")] IReadOnlyList<StratumOutcome> Strata,
    [property: JsonPropertyName("exclusions")] IReadOnlyList<ExclusionCount> Exclusions,
    [property: JsonPropertyName("drawnCount")] int DrawnCount,
    [property: JsonPropertyName("links")] EntityDrawLinks Links)
{
    public static EntityDrawSummary Of(DrawPack pack) => new(
        pack.TaskId, pack.Algorithm, pack.SecretCommitment, pack.RevealedSecret, pack.Seed, pack.Population,
        pack.EntityDraw.Result.Mode, pack.EntityDraw.Result.Strata, pack.EntityDraw.Result.Exclusions, pack.EntityDraw.Result.Drawn.Count,
        new EntityDrawLinks($"/api/tasks/{pack.TaskId}/draw/pack", $"/api/tasks/{pack.TaskId}/draw/population.csv"));
}

public sealed record EntityDrawLinks(
    [property: JsonPropertyName("pack")] string Pack,
    [property: JsonPropertyName("population")] string Population);
