using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Supervision.Core.Draw;

/// <summary>A verifier's answer; <see cref="Fate"/> is an entity's own outcome when a receipt was checked (draw-spec §11.4).</summary>
public sealed record VerificationReport(bool Passed, IReadOnlyList<string> Differences, IReadOnlyList<string> Notes, string? Fate = null)
{
    public override string ToString() => Passed
        ? "PASS" + (Fate is null ? "" : ": " + Fate) + string.Concat(Notes.Select(n => "\nnote: " + n))
        : "FAIL\n" + string.Join("\n", Differences) + string.Concat(Notes.Select(n => "\nnote: " + n));
}

/// <summary>
/// Recomputes a draw from its pack and snapshot(s) and lists every difference, each with the JSON
/// path in the pack. Fields whose names end in "Approx" are display values and are compared with a
/// relative tolerance of 1e-12; everything else must match exactly.
/// </summary>
public static class DrawVerifier
{
    private const int MaxReported = 50;

    public static VerificationReport Verify(string packJson, byte[] populationCsv, byte[]? inspectorPoolJson = null)
    {
        var diffs = new List<string>();
        var notes = new List<string>();
        JsonNode packNode;
        DrawPack pack;
        try
        {
            packNode = JsonNode.Parse(packJson) ?? throw new JsonException("empty document");
            pack = packNode.Deserialize<DrawPack>(DrawPacks.JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return new VerificationReport(false, [$"pack: not a readable pack ({e.Message})"], notes);
        }

        if (pack.Format != DrawPack.FormatVersion) diffs.Add($"format: pack says '{pack.Format}', this verifier reads '{DrawPack.FormatVersion}'");
        if (pack.Algorithm != DrawPrimitives.AlgorithmVersion) diffs.Add($"algorithm: pack says '{pack.Algorithm}', this verifier implements '{DrawPrimitives.AlgorithmVersion}'");

        if (PublicPackVerifier.CheckSeed(pack.RevealedSecret, pack.SecretCommitment, pack.TaskId, pack.Algorithm, pack.Entropy, pack.Beacon, pack.Ceremony,
                pack.Seed, diffs) is not { } seed)
            return new VerificationReport(false, diffs, notes);

        var populationHash = PopulationSnapshot.ContentHash(populationCsv);
        if (populationHash != pack.Population.Sha256) diffs.Add($"population.sha256: pack {pack.Population.Sha256}, snapshot file {populationHash}");

        EntityDrawResult entityResult;
        try
        {
            var members = PopulationSnapshot.ParseCanonicalCsv(populationCsv);
            if (members.LongLength != pack.Population.MemberCount)
                diffs.Add($"population.memberCount: pack {pack.Population.MemberCount}, snapshot file {members.LongLength}");
            var setup = new EntityDrawSetup(seed, pack.TaskId, pack.Algorithm, pack.EntityDraw.Parameters);
            entityResult = EntityDraw.Run(setup, [members], 1);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            diffs.Add($"entityDraw: cannot recompute ({e.Message})");
            return new VerificationReport(false, diffs, notes);
        }
        // The commitments first: a long list of result differences must not crowd them out.
        if (pack.Population.ExclusionsSha256 is { } committed)
        {
            var exclusionsHash = PopulationReference.ExclusionsHash(pack.EntityDraw.Parameters.Exclusions);
            if (exclusionsHash != committed)
                diffs.Add($"population.exclusionsSha256: pack {committed}, the parameters' exclusions {exclusionsHash} (not the exclusions fixed at freeze)");
        }
        else
        {
            notes.Add("exclusions not checked against a freeze: the pack has no population.exclusionsSha256 (a task frozen before exclusions were committed)");
        }

        Compare("entityDraw.result", packNode["entityDraw"]?["result"], JsonSerializer.SerializeToNode(entityResult, DrawPacks.JsonOptions), diffs);
        if (pack.InspectorDraw is { } section)
        {
            if (inspectorPoolJson is null)
            {
                // A pack this verifier cannot fully check does not pass (draw-spec §9).
                diffs.Add("inspectorDraw: cannot be checked without the inspector pool file (inspectors.json); give it as the third file");
            }
            else
            {
                var poolHash = DrawPrimitives.Hex(SHA256.HashData(inspectorPoolJson));
                if (poolHash != section.PoolSha256) diffs.Add($"inspectorDraw.poolSha256: pack {section.PoolSha256}, pool file {poolHash}");
                try
                {
                    var pool = JsonSerializer.Deserialize<InspectorPool>(inspectorPoolJson, DrawPacks.JsonOptions)!;
                    if (section.FrozenInspectorsSha256 is { } frozen)
                    {
                        var inspectorsHash = InspectorDrawSection.InspectorsSha256(pool.Inspectors);
                        if (inspectorsHash != frozen)
                            diffs.Add($"inspectorDraw.frozenInspectorsSha256: pack {frozen}, the pool's inspectors {inspectorsHash} (not the inspectors frozen before the seed)");
                    }
                    else
                    {
                        notes.Add("inspector pool not checked against a freeze: the pack has no frozenInspectorsSha256 (a task frozen before the inspector side was frozen)");
                    }

                    var teams = InspectorDraw.Run(seed, pack.TaskId, pack.Algorithm, section.Parameters, pool, entityResult.Drawn);
                    Compare("inspectorDraw.result", packNode["inspectorDraw"]?["result"], JsonSerializer.SerializeToNode(teams, DrawPacks.JsonOptions), diffs);
                    if (section.Replacements is { Count: > 0 } recorded)
                    {
                        if (!teams.Succeeded)
                            diffs.Add("inspectorDraw.replacements: the draw recomputes as failed, so it has no teams to replace members of");
                        else
                            CheckReplacements(seed, pack, section, pool, teams.Teams, recorded, diffs);
                    }
                }
                catch (Exception e) when (e is JsonException or ArgumentException)
                {
                    diffs.Add($"inspectorDraw: cannot recompute ({e.Message})");
                }
            }
        }
        else if (inspectorPoolJson is not null)
        {
            notes.Add("an inspector pool was given but the pack has no inspector draw");
        }

        if (diffs.Count > MaxReported)
        {
            var more = diffs.Count - MaxReported;
            diffs.RemoveRange(MaxReported, more);
            diffs.Add($"... and {more} more differences");
        }
        return new VerificationReport(diffs.Count == 0, diffs, notes);
    }

    /// <summary>Replays the recorded replacements by the rule of draw-spec §8.1 and names each one that is not the rule's.</summary>
    private static void CheckReplacements(byte[] seed, DrawPack pack, InspectorDrawSection section, InspectorPool pool, IReadOnlyList<EntityTeam> teams,
        IReadOnlyList<InspectorReplacement> recorded, List<string> diffs)
    {
        var (replayed, _) = InspectorDraw.Replay(seed, pack.TaskId, pack.Algorithm, section.Parameters, pool, teams, recorded);
        for (var i = 0; i < replayed.Count; i++)
        {
            var (r, outcome) = (replayed[i].Recorded, replayed[i].Recomputed);
            var path = $"inspectorDraw.replacements[{i}]";
            if (outcome.Replacement is not { } rule)
            {
                diffs.Add($"{path}: pack replaces {r.Replaced} by {r.Replacement}, recomputed refused ({outcome.Refusal})");
                continue;
            }
            if (r.Replacement != rule.Replacement) diffs.Add($"{path}.replacement: pack {r.Replacement}, recomputed {rule.Replacement}");
            if (r.HashHex != rule.HashHex) diffs.Add($"{path}.hash: pack {r.HashHex}, recomputed {rule.HashHex}");
            if (!r.Uniform.Equals(rule.Uniform)) diffs.Add($"{path}.uniform: pack {r.Uniform.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, recomputed {rule.Uniform.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
            if (r.Reason != rule.Reason) diffs.Add($"{path}.reason: pack \"{r.Reason}\", recomputed \"{rule.Reason}\" (a reason is 1-500 characters, trimmed)");
        }
    }

    /// <summary>Structural comparison; reports "path: pack X, recomputed Y".</summary>
    internal static void Compare(string path, JsonNode? pack, JsonNode? recomputed, List<string> diffs)
    {
        switch (pack, recomputed)
        {
            case (null, null):
                return;
            case (JsonObject p, JsonObject r):
                foreach (var name in p.Select(kv => kv.Key).Union(r.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
                {
                    if (!r.ContainsKey(name)) { diffs.Add($"{path}.{name}: present in pack, not in recomputation"); continue; }
                    if (!p.ContainsKey(name)) { diffs.Add($"{path}.{name}: missing from pack, recomputed {Show(r[name])}"); continue; }
                    Compare($"{path}.{name}", p[name], r[name], diffs);
                }
                return;
            case (JsonArray p, JsonArray r):
                if (p.Count != r.Count) diffs.Add($"{path}: pack has {p.Count} entries, recomputed {r.Count}");
                for (var i = 0; i < Math.Min(p.Count, r.Count); i++) Compare($"{path}[{i}]", p[i], r[i], diffs);
                return;
            case (JsonValue p, JsonValue r):
                if (!ValuesEqual(path, p, r)) diffs.Add($"{path}: pack {Show(p)}, recomputed {Show(r)}");
                return;
            default:
                diffs.Add($"{path}: pack {Show(pack)}, recomputed {Show(recomputed)}");
                return;
        }
    }

    private static bool ValuesEqual(string path, JsonValue p, JsonValue r)
    {
        var pk = p.GetValueKind();
        var rk = r.GetValueKind();
        if (pk == JsonValueKind.Number && rk == JsonValueKind.Number)
        {
            var a = p.GetValue<double>();
            var b = r.GetValue<double>();
            if (path.EndsWith("Approx", StringComparison.Ordinal))
                return Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b));
            return a.Equals(b);
        }
        if (pk != rk) return false;
        return pk switch
        {
            JsonValueKind.String => p.GetValue<string>() == r.GetValue<string>(),
            _ => true, // true/false/null: the kinds already agree
        };
    }

    private static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
