using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Supervision.Core.Draw;

namespace Supervision.Core.Inspections;

/// <summary>The committed team draw of one re-inspection: everything needed to recompute it.</summary>
public sealed record ReinspectionDrawRecord(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("actionKey")] string ActionKey,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("taskSeed")] string TaskSeed,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("seed")] string Seed,
    [property: JsonPropertyName("drawTaskId")] string DrawTaskId,
    [property: JsonPropertyName("parameters")] InspectorDrawParameters Parameters,
    [property: JsonPropertyName("pool")] InspectorPool Pool,
    [property: JsonPropertyName("team")] EntityTeam Team);

/// <summary>
/// A re-inspection (复查) is targeted, not random: the entity is the one under the correction order. Its team is drawn
/// with the same rules as every other team (<see cref="InspectorDraw"/>: department, active, valid certificate, the
/// item's qualification, no declared conflict, not on the entity's previous inspection, workload cap) from a seed
/// nobody could choose: SHA-256(LP(domain) || LP(task seed) || LP(action key)). The task seed was fixed by the public
/// ceremony before anyone knew which entities would need a re-inspection, and the action key names the correction
/// order, so the seed is reproducible by anyone holding the task's pack and cannot be shopped for.
/// </summary>
public static class ReinspectionDraw
{
    public const string Format = "supervision-reinspection-draw/1";
    public const string SeedDomain = "supervision/reinspection/v1";

    /// <summary>"{taskId}~recheck-{itemCode}/{entity}": the re-inspection of the item, beside the original "{taskId}/{entity}".</summary>
    public static string InspectionIdFor(string taskId, string itemCode, string entityCreditCode) => $"{DrawTaskIdFor(taskId, itemCode)}/{entityCreditCode}";

    public static string DrawTaskIdFor(string taskId, string itemCode) => $"{taskId}~recheck-{itemCode}";

    public static byte[] SeedFor(ReadOnlySpan<byte> taskSeed, string actionKey)
    {
        var buffer = new List<byte>(128);
        DrawPrimitives.AppendField(buffer, SeedDomain);
        DrawPrimitives.AppendField(buffer, taskSeed);
        DrawPrimitives.AppendField(buffer, actionKey);
        return SHA256.HashData(buffer.ToArray());
    }

    /// <summary>
    /// Draws the team for <paramref name="reinspection"/>. <paramref name="pool"/> lists the department's inspectors,
    /// the entity's declared conflicts and its previous inspection team (rotation). Returns the record, or the failure
    /// naming the conditions nobody met.
    /// </summary>
    public static (ReinspectionDrawRecord? Record, InspectorDrawFailure? Failure) Run(
        Reinspection reinspection, string taskSeedHex, string algorithm, DateOnly drawDate, int teamSize, int workloadCap, InspectorPool pool)
    {
        var taskSeed = Convert.FromHexString(taskSeedHex);
        var seed = SeedFor(taskSeed, reinspection.Key);
        var drawTaskId = DrawTaskIdFor(reinspection.TaskId, reinspection.ItemCode);
        var parameters = new InspectorDrawParameters(drawDate, teamSize, workloadCap,
            [new DepartmentRequirement(reinspection.DepartmentCode, [reinspection.ItemCode])]);
        var entity = new DrawnEntity(1, reinspection.EntityCreditCode, "targeted", "1", 1, "", 0, "", 0, "1", 1, true);
        var result = InspectorDraw.Run(seed, drawTaskId, algorithm, parameters, pool, [entity]);
        if (result.Failure is { } failure) return (null, failure);
        return (new ReinspectionDrawRecord(Format, reinspection.Key, reinspection.TaskId, taskSeedHex.ToLowerInvariant(), algorithm,
            Convert.ToHexStringLower(seed), drawTaskId, parameters, pool, result.Teams[0]), null);
    }

    /// <summary>Recomputes a committed record from its own inputs: true when it yields the same team.</summary>
    public static bool Verify(ReinspectionDrawRecord record)
    {
        var seed = SeedFor(Convert.FromHexString(record.TaskSeed), record.ActionKey);
        if (!string.Equals(Convert.ToHexStringLower(seed), record.Seed, StringComparison.Ordinal)) return false;
        var entity = new DrawnEntity(1, record.Team.MemberId, "targeted", "1", 1, "", 0, "", 0, "1", 1, true);
        var result = InspectorDraw.Run(seed, record.DrawTaskId, record.Algorithm, record.Parameters, record.Pool, [entity]);
        return result.Succeeded && result.Teams[0].Members.Select(m => m.CertificateNo).SequenceEqual(record.Team.Members.Select(m => m.CertificateNo));
    }
}
