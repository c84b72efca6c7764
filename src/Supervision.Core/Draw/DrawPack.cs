using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

public sealed record PopulationReference(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("memberCount")] long MemberCount)
{
    /// <summary>
    /// The SHA-256 of the exclusions fixed at freeze (draw-spec §9.3) — published with the task then, before any entropy
    /// existed. The entity draw's <c>parameters.exclusions</c> must hash to it, so no member can be excluded after the
    /// seed is known. Absent in packs of tasks frozen before exclusions were committed.
    /// </summary>
    [JsonPropertyName("exclusionsSha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExclusionsSha256 { get; init; }

    /// <summary>
    /// §9.3: SHA-256 over UTF-8 lines "memberId TAB reason LF", sorted ordinally by member id (each member once). An empty
    /// list hashes the empty text.
    /// </summary>
    public static string ExclusionsHash(IEnumerable<MemberExclusion> exclusions)
    {
        var text = new System.Text.StringBuilder();
        foreach (var e in exclusions.OrderBy(e => e.MemberId, StringComparer.Ordinal)) text.Append(e.MemberId).Append('\t').Append(e.Reason).Append('\n');
        return DrawPrimitives.Hex(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}

public sealed record EntityDrawSection(
    [property: JsonPropertyName("parameters")] EntityDrawParameters Parameters,
    [property: JsonPropertyName("result")] EntityDrawResult Result);

public sealed record InspectorDrawSection(
    [property: JsonPropertyName("poolSha256")] string PoolSha256,
    [property: JsonPropertyName("parameters")] InspectorDrawParameters Parameters,
    [property: JsonPropertyName("result")] InspectorDrawResult Result)
{
    /// <summary>
    /// The SHA-256 of the inspectors list frozen with the population — published with the task at its freeze, before any
    /// entropy existed (docs/draw-spec.md §9). The pool's inspectors must hash to it: the inspector side of the draw was
    /// fixed before the seed. Absent in packs of tasks frozen before the inspector side was frozen.
    /// </summary>
    [JsonPropertyName("frozenInspectorsSha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FrozenInspectorsSha256 { get; init; }

    /// <summary>
    /// The replacements made after the draw, in order (draw-spec §8.1); <see cref="Result"/> stays the draw as committed.
    /// Absent (null) when there are none.
    /// </summary>
    [JsonPropertyName("replacements")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<InspectorReplacement>? Replacements { get; init; }

    /// <summary>
    /// The hash <see cref="FrozenInspectorsSha256"/> is taken of (docs/draw-spec.md §9.2): SHA-256 over the UTF-8 text with
    /// one line per inspector, in the pool's order — certificate number, department, 1 or 0 for active, valid from, valid
    /// until (yyyy-MM-dd), qualifications joined by commas, current workload — separated by tabs, each line ending in LF.
    /// Plain text rather than JSON, so any verifier reproduces it without imitating a JSON writer.
    /// </summary>
    public static string InspectorsSha256(IReadOnlyList<Inspector> inspectors)
    {
        var text = new System.Text.StringBuilder();
        foreach (var i in inspectors)
        {
            text.Append(i.CertificateNo).Append('\t').Append(i.Department).Append('\t').Append(i.Active ? '1' : '0').Append('\t')
                .Append(i.CertificateValidFrom.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).Append('\t')
                .Append(i.CertificateValidUntil.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).Append('\t')
                .Append(string.Join(',', i.Qualifications)).Append('\t')
                .Append(i.CurrentWorkload.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }

        return DrawPrimitives.Hex(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>
/// The verification pack (docs/draw-spec.md §9): everything needed, together with the population
/// snapshot CSV (and the inspector pool JSON for the second draw), to recompute a draw.
/// </summary>
public sealed record DrawPack(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("secretCommitment")] string SecretCommitment,
    [property: JsonPropertyName("revealedSecret")] string RevealedSecret,
    [property: JsonPropertyName("entropy")] IReadOnlyList<EntropyEntry> Entropy,
    [property: JsonPropertyName("beacon")] BeaconValue? Beacon,
    [property: JsonPropertyName("seed")] string Seed,
    [property: JsonPropertyName("population")] PopulationReference Population,
    [property: JsonPropertyName("entityDraw")] EntityDrawSection EntityDraw,
    [property: JsonPropertyName("inspectorDraw")] InspectorDrawSection? InspectorDraw)
{
    public const string FormatVersion = "supervision-draw-pack/1";

    /// <summary>
    /// The witnessed ceremony the seed came from (draw-spec §3.3, seed v2); then <see cref="Entropy"/> is empty and
    /// <see cref="Beacon"/> null. Absent in packs whose seed is v1 (§3.2).
    /// </summary>
    [JsonPropertyName("ceremony")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Ceremony? Ceremony { get; init; }
}

public static class DrawPacks
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Runs both draws from the ceremony inputs and assembles the pack (no I/O; the caller stores the files).</summary>
    public static DrawPack Create(ReadOnlySpan<byte> secret, string taskId, IReadOnlyList<EntropyEntry> entropy, BeaconValue? beacon,
        byte[] populationCsv, EntityDrawParameters entityParameters,
        InspectorDrawParameters? inspectorParameters = null, byte[]? inspectorPoolJson = null, int partitions = 1, Ceremony? ceremony = null)
    {
        const string algorithm = DrawPrimitives.AlgorithmVersion;
        var seed = ceremony is null ? SeedCeremony.DeriveSeed(secret, taskId, algorithm, entropy, beacon) : WitnessCeremony.DeriveSeed(secret, taskId, algorithm, ceremony);
        var members = PopulationSnapshot.ParseCanonicalCsv(populationCsv);
        var setup = new EntityDrawSetup(seed, taskId, algorithm, entityParameters);
        var result = EntityDraw.Run(setup, EntityDraw.Split(members, Math.Max(1, partitions)));
        InspectorDrawSection? inspectorSection = null;
        if (inspectorParameters is not null)
        {
            ArgumentNullException.ThrowIfNull(inspectorPoolJson);
            var pool = JsonSerializer.Deserialize<InspectorPool>(inspectorPoolJson, JsonOptions)
                ?? throw new ArgumentException("Empty inspector pool.", nameof(inspectorPoolJson));
            var teams = InspectorDraw.Run(seed, taskId, algorithm, inspectorParameters, pool, result.Drawn);
            // The pool given is the one frozen before the seed: its inspectors' hash is the freeze's (§9.2).
            inspectorSection = new InspectorDrawSection(DrawPrimitives.Hex(SHA256.HashData(inspectorPoolJson)), inspectorParameters, teams)
            {
                FrozenInspectorsSha256 = InspectorDrawSection.InspectorsSha256(pool.Inspectors),
            };
        }
        return new DrawPack(DrawPack.FormatVersion, algorithm, taskId,
            DrawPrimitives.Hex(SeedCeremony.Commit(secret)), DrawPrimitives.Hex(secret), entropy, beacon,
            DrawPrimitives.Hex(seed), new PopulationReference(PopulationSnapshot.ContentHash(populationCsv), members.LongLength)
            {
                ExclusionsSha256 = PopulationReference.ExclusionsHash(entityParameters.Exclusions),
            },
            new EntityDrawSection(entityParameters, result), inspectorSection) { Ceremony = ceremony };
    }

    public static string ToJson(DrawPack pack) => JsonSerializer.Serialize(pack, JsonOptions);

    /// <summary>The UTF-8 bytes of <see cref="ToJson(DrawPack)"/>, without the intermediate string.</summary>
    public static byte[] ToJsonUtf8(DrawPack pack) => JsonSerializer.SerializeToUtf8Bytes(pack, JsonOptions);
    public static byte[] ToJson(InspectorPool pool) => JsonSerializer.SerializeToUtf8Bytes(pool, JsonOptions);
}
