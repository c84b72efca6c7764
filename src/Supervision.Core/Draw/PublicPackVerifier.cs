using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Supervision.Core.Draw;

/// <summary>
/// The checks of draw-spec §11: what anyone can check with the class-free public pack and the members file (§11.3),
/// what an entity checks with its receipt (§11.4), and what an auditor checks with the full pack, the snapshot and
/// the members key (§11.5).
/// </summary>
public static class PublicPackVerifier
{
    private const int MaxReported = 50;

    public static VerificationReport Verify(string publicPackJson, byte[] membersCsv, string? receiptJson = null)
    {
        var diffs = new List<string>();
        var notes = new List<string>();
        PublicDrawPack pack;
        try
        {
            pack = JsonSerializer.Deserialize<PublicDrawPack>(publicPackJson, DrawPacks.JsonOptions) ?? throw new JsonException("empty document");
            _ = pack.EntityDraw.Parameters.Strata.Count + pack.EntityDraw.Drawn.Count + pack.EntityDraw.Seals.Count + pack.Entropy.Count;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            return new VerificationReport(false, [$"pack: not a readable public pack ({e.Message})"], notes);
        }

        if (pack.Format != ConfidentialDraw.PublicFormat) diffs.Add($"format: pack says '{pack.Format}', this verifier reads '{ConfidentialDraw.PublicFormat}'");
        if (pack.Algorithm != DrawPrimitives.AlgorithmVersion) diffs.Add($"algorithm: pack says '{pack.Algorithm}', this verifier implements '{DrawPrimitives.AlgorithmVersion}'");
        var seed = CheckSeed(pack.RevealedSecret, pack.SecretCommitment, pack.TaskId, pack.Algorithm, pack.Entropy, pack.Beacon, pack.Ceremony, pack.Seed, diffs);
        if (seed is null) return Report(diffs, notes);

        // 2. The members file.
        Dictionary<string, string>? members = null;
        if (pack.Population.MembersSha256 is { } membersSha)
        {
            var hash = DrawPrimitives.Hex(SHA256.HashData(membersCsv));
            if (hash != membersSha) diffs.Add($"population.membersSha256: pack {membersSha}, members file {hash}");
            try
            {
                members = ParseMembers(membersCsv);
                if (members.Count != pack.Population.MemberCount)
                    diffs.Add($"population.memberCount: pack {pack.Population.MemberCount}, members file {members.Count}");
            }
            catch (FormatException e)
            {
                diffs.Add($"members file: {e.Message}");
                return Report(diffs, notes);
            }
        }
        else
        {
            notes.Add("members not checked: the pack has no population.membersSha256 (a task frozen before members were committed)");
        }

        // 3. The exclusions.
        var exclusions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in pack.EntityDraw.Parameters.Exclusions)
        {
            if (!exclusions.TryAdd(e.MemberId, e.Reason)) diffs.Add($"entityDraw.parameters.exclusions: {e.MemberId} is listed twice");
            else if (members is not null && !members.ContainsKey(e.MemberId)) diffs.Add($"entityDraw.parameters.exclusions: {e.MemberId} is not a member");
        }
        if (pack.Population.ExclusionsSha256 is { } committed)
        {
            var exclusionsHash = PopulationReference.ExclusionsHash(pack.EntityDraw.Parameters.Exclusions);
            if (exclusionsHash != committed)
                diffs.Add($"population.exclusionsSha256: pack {committed}, the parameters' exclusions {exclusionsHash} (not the exclusions fixed at freeze)");
        }
        else
        {
            notes.Add("exclusions not checked against a freeze: the pack has no population.exclusionsSha256");
        }

        // 4. The drawn members.
        var key = DrawPrimitives.DrawKey(DrawPrimitives.EntityKeyDomain, seed, pack.TaskId, pack.Algorithm);
        var drawn = pack.EntityDraw.Drawn;
        if (drawn.Count != pack.EntityDraw.DrawnCount) diffs.Add($"entityDraw.drawnCount: pack {pack.EntityDraw.DrawnCount}, drawn has {drawn.Count} entries");
        if (pack.EntityDraw.Parameters.Mode == DrawModes.Pareto && drawn.Count > (pack.EntityDraw.Parameters.TotalCount ?? 0))
            diffs.Add($"entityDraw.drawn: {drawn.Count} drawn, more than totalCount {pack.EntityDraw.Parameters.TotalCount}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        (ulong M, string Id)? previous = null;
        for (var i = 0; i < drawn.Count; i++)
        {
            var d = drawn[i];
            var path = $"entityDraw.drawn[{i}]";
            if (!DrawPrimitives.IsValidMemberId(d.MemberId)) { diffs.Add($"{path}.memberId: '{d.MemberId}' is not a member id"); continue; }
            if (!seen.Add(d.MemberId)) diffs.Add($"{path}: {d.MemberId} is drawn twice");
            if (members is not null && !members.ContainsKey(d.MemberId)) diffs.Add($"{path}: {d.MemberId} is not a member");
            if (exclusions.TryGetValue(d.MemberId, out var why)) diffs.Add($"{path}: {d.MemberId} is excluded ({why}) but drawn");
            var h = DrawPrimitives.MemberHash(key, d.MemberId);
            var m = DrawPrimitives.Top52(h);
            if (DrawPrimitives.Hex(h) != d.Hash) diffs.Add($"{path}.hash: pack {d.Hash}, recomputed {DrawPrimitives.Hex(h)}");
            var u = DrawPrimitives.Uniform(m);
            if (Math.Abs(u - d.Uniform) > 1e-12 * u) diffs.Add($"{path}.uniform: pack {d.Uniform.ToString("R", CultureInfo.InvariantCulture)}, recomputed {u.ToString("R", CultureInfo.InvariantCulture)}");
            if (previous is { } p && (p.M > m || (p.M == m && string.CompareOrdinal(p.Id, d.MemberId) >= 0)))
                diffs.Add($"{path}: not in (m, memberId) order after {p.Id}");
            previous = (m, d.MemberId);
        }

        // 5. The seals.
        var names = ConfidentialDraw.SealNames(pack.EntityDraw.Parameters);
        var seals = pack.EntityDraw.Seals;
        if (pack.Population.MembersSha256 is null && seals.Count == 0) notes.Add("no seals: the task has no members key (frozen before members were committed)");
        else
        {
            if (!seals.Select(s => s.Name).SequenceEqual(names, StringComparer.Ordinal))
                diffs.Add($"entityDraw.seals: names [{string.Join(", ", seals.Select(s => s.Name))}], the parameters give [{string.Join(", ", names)}]");
            foreach (var s in seals.Where(s => !IsHex64(s.Seal))) diffs.Add($"entityDraw.seals[{s.Name}]: '{s.Seal}' is not 64 hex digits");
        }

        string? fate = null;
        if (receiptJson is not null) fate = CheckReceipt(pack, seed, key, members, exclusions, seen, receiptJson, diffs);
        var report = Report(diffs, notes);
        return report.Passed ? report with { Fate = fate } : report;
    }

    /// <summary>The entity's checks (§11.4); returns its fate ("drawn", "not drawn (…)") when they pass.</summary>
    private static string? CheckReceipt(PublicDrawPack pack, byte[] seed, byte[] key, Dictionary<string, string>? members, Dictionary<string, string> exclusions,
        HashSet<string> drawn, string receiptJson, List<string> diffs)
    {
        DrawReceipt receipt;
        try
        {
            receipt = JsonSerializer.Deserialize<DrawReceipt>(receiptJson, DrawPacks.JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            diffs.Add($"receipt: not a readable receipt ({e.Message})");
            return null;
        }
        var start = diffs.Count;
        if (receipt.Format != ConfidentialDraw.ReceiptFormat) diffs.Add($"receipt.format: '{receipt.Format}', this verifier reads '{ConfidentialDraw.ReceiptFormat}'");
        if (receipt.TaskId != pack.TaskId) diffs.Add($"receipt.taskId: '{receipt.TaskId}', the pack is of '{pack.TaskId}'");
        if (members is null)
        {
            diffs.Add("receipt: cannot be checked, the pack has no members commitment (membersSha256)");
            return null;
        }
        var id = receipt.MemberId;
        var isDrawn = drawn.Contains(id);
        if (receipt.Member is not { } member)
        {
            if (members.ContainsKey(id)) diffs.Add($"receipt.member: null, but {id} is in the members file");
            if (isDrawn) diffs.Add($"receipt: {id} is drawn but the receipt says it was not in the population");
            return diffs.Count == start ? "not drawn (not in the frozen population)" : null;
        }
        if (!members.TryGetValue(id, out var line)) { diffs.Add($"receipt: {id} is not in the members file"); return null; }
        byte[] salt;
        try { salt = Convert.FromHexString(member.Salt); }
        catch (FormatException) { salt = []; }
        if (salt.Length != ConfidentialDraw.SaltLength) { diffs.Add("receipt.member.salt: not 32 hex digits"); return null; }
        var commitment = ConfidentialDraw.MemberCommitmentHex(salt, id, member.Stratum, member.Weight);
        if (commitment != line)
            diffs.Add($"receipt.member: stratum '{member.Stratum}', weight '{member.Weight}' and the salt give {commitment}; the members file committed {line}");
        exclusions.TryGetValue(id, out var excludedFor);
        if (receipt.Excluded != excludedFor) diffs.Add($"receipt.excluded: '{receipt.Excluded}', the parameters' exclusions say '{excludedFor}'");
        var pareto = pack.EntityDraw.Parameters.Mode == DrawModes.Pareto;
        if (!pack.EntityDraw.Parameters.Strata.Any(r => r.Stratum == member.Stratum))
        {
            // A stratum outside the draw's scope takes no part in it (§6): no seal, never drawn.
            if (receipt.Seal is not null) diffs.Add($"receipt.seal: stratum '{member.Stratum}' is not in the draw, so it has no seal");
            if (isDrawn) diffs.Add($"receipt: {id} is drawn although its stratum '{member.Stratum}' is not in the draw");
            return diffs.Count == start ? $"not drawn (stratum {member.Stratum} is not in the draw)" : null;
        }
        var expectedName = pareto ? ConfidentialDraw.ParetoSealName : ConfidentialDraw.StratumSealName(member.Stratum);
        if (receipt.Seal is not { } seal) { diffs.Add("receipt.seal: missing"); return null; }
        if (seal.Name != expectedName) diffs.Add($"receipt.seal.name: '{seal.Name}', the member's seal is '{expectedName}'");
        var published = pack.EntityDraw.Seals.FirstOrDefault(s => s.Name == seal.Name);
        byte[] sealSalt;
        try { sealSalt = Convert.FromHexString(seal.Salt); }
        catch (FormatException) { sealSalt = []; }
        var recomputed = ConfidentialDraw.SealOf(sealSalt, seal.Name, seal.Opening);
        if (published is null) diffs.Add($"receipt.seal: the pack has no seal '{seal.Name}'");
        else if (published.Seal != recomputed) diffs.Add($"receipt.seal: the opening gives {recomputed}, the pack's seal is {published.Seal}");
        if (diffs.Count > start) return null;

        bool? shouldBeDrawn;
        string why;
        var h = DrawPrimitives.MemberHash(key, id);
        var m = DrawPrimitives.Top52(h);
        if (excludedFor is not null)
        {
            shouldBeDrawn = false;
            why = $"excluded at freeze: {excludedFor}";
        }
        else if (!pareto)
        {
            if (seal.Opening is not [var bigText, var nText, var threshold]
                || !long.TryParse(bigText, NumberStyles.None, CultureInfo.InvariantCulture, out var big)
                || !int.TryParse(nText, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                diffs.Add("receipt.seal.opening: a stratum seal opens to [N, n, threshold]");
                return null;
            }
            var rule = pack.EntityDraw.Parameters.Strata.FirstOrDefault(r => r.Stratum == member.Stratum);
            if (rule is null) { diffs.Add($"receipt.member.stratum: '{member.Stratum}' is not a stratum of the draw"); return null; }
            var expected = Quota(rule, big);
            if (expected != n) diffs.Add($"receipt.seal.opening: n = {n}, the rule gives {expected} for N = {big}");
            if ((threshold == ConfidentialDraw.None) != (n == 0) || (threshold == ConfidentialDraw.All) != (n == big && n > 0))
                diffs.Add($"receipt.seal.opening: threshold '{threshold}' does not fit n = {n}, N = {big}");
            shouldBeDrawn = ConfidentialDraw.DrawnUnder(threshold, 2 * (BigInteger)m + 1, DrawPrimitives.TwoPow53Integer, id);
            why = $"stratum {member.Stratum}: {n} of {big} drawn, u = {DrawPrimitives.UniformRational(m)} against {threshold}";
        }
        else
        {
            if (seal.Opening is not [var aText, var dText, var certainFrom, var threshold]
                || !int.TryParse(aText, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                || !BigInteger.TryParse(dText, NumberStyles.None, CultureInfo.InvariantCulture, out var d)
                || !Weights.TryParseCanonical(member.Weight, out var w))
            {
                diffs.Add("receipt.seal.opening: the Pareto seal opens to [a, D, certainFrom, threshold] and the weight must be canonical");
                return null;
            }
            if (a > (pack.EntityDraw.Parameters.TotalCount ?? 0)) diffs.Add($"receipt.seal.opening: a = {a} exceeds totalCount");
            if (certainFrom.Length > 0 && long.TryParse(certainFrom, NumberStyles.None, CultureInfo.InvariantCulture, out var from) && w >= from)
            {
                shouldBeDrawn = true;
                why = "certain: weight at or above the cap";
            }
            else if (a == 0 || d <= (BigInteger)a * w)
            {
                shouldBeDrawn = threshold == ConfidentialDraw.All;
                why = $"a = {a}";
            }
            else
            {
                var (p, q) = ConfidentialDraw.ParetoKey(m, w, a, d);
                shouldBeDrawn = ConfidentialDraw.DrawnUnder(threshold, p, q, id);
                why = $"key {p}/{q} against {threshold}";
            }
        }
        if (shouldBeDrawn is null) { diffs.Add("receipt.seal.opening: the threshold is not well formed"); return null; }
        if (shouldBeDrawn != isDrawn)
            diffs.Add($"receipt: by the sealed threshold {id} should {(shouldBeDrawn.Value ? "" : "not ")}be drawn, and the pack {(isDrawn ? "draws" : "does not draw")} it ({why})");
        return diffs.Count > start ? null : isDrawn ? $"drawn ({why})" : $"not drawn ({why})";
    }

    /// <summary>§6.1's n_h for a stratum rule and N_h.</summary>
    private static long Quota(StratumRule rule, long population)
    {
        if (population == 0) return 0;
        if (rule.Count is { } count) return Math.Min(count, population);
        var ratio = rule.Ratio ?? "0";
        var dot = ratio.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? ratio : ratio[..dot];
        var fraction = dot < 0 ? "" : ratio[(dot + 1)..];
        var micros = long.Parse(whole, CultureInfo.InvariantCulture) * 1_000_000 + long.Parse(fraction.PadRight(6, '0')[..6], CultureInfo.InvariantCulture);
        var quota = (long)(((Int128)micros * population + 999_999) / 1_000_000);
        return Math.Min(population, Math.Max(rule.Minimum, quota));
    }

    /// <summary>
    /// The auditor's checks (§11.5): the full pack by §9, then the members file and every seal recomputed from the
    /// snapshot and the members key, and the public pack equal to the full pack with the classes taken out.
    /// </summary>
    public static VerificationReport Audit(string fullPackJson, byte[] populationCsv, string membersKeyHex, string publicPackJson, byte[] membersCsv,
        byte[]? inspectorPoolJson = null)
    {
        var diffs = new List<string>();
        var notes = new List<string>();
        var full = DrawVerifier.Verify(fullPackJson, populationCsv, inspectorPoolJson);
        diffs.AddRange(full.Differences.Select(d => "full pack: " + d));
        notes.AddRange(full.Notes);
        var publicReport = Verify(publicPackJson, membersCsv);
        diffs.AddRange(publicReport.Differences.Select(d => "public pack: " + d));
        byte[] key;
        try { key = Convert.FromHexString(membersKeyHex.Trim()); }
        catch (FormatException) { key = []; }
        if (key.Length != ConfidentialDraw.KeyLength) { diffs.Add("members key: not 64 hex digits"); return Report(diffs, notes); }
        DrawPack pack;
        PopulationMember[] population;
        try
        {
            pack = JsonSerializer.Deserialize<DrawPack>(fullPackJson, DrawPacks.JsonOptions) ?? throw new JsonException("empty document");
            population = PopulationSnapshot.ParseCanonicalCsv(populationCsv);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            diffs.Add($"full pack or snapshot unreadable ({e.Message})");
            return Report(diffs, notes);
        }

        var members = ConfidentialDraw.MembersFile(populationCsv, key);
        var membersSha = DrawPrimitives.Hex(SHA256.HashData(members));
        if (!members.AsSpan().SequenceEqual(membersCsv)) diffs.Add($"members file: not the one the snapshot and the key give (SHA-256 {membersSha})");
        var seed = Convert.FromHexString(pack.Seed);
        var setup = new EntityDrawSetup(seed, pack.TaskId, pack.Algorithm, pack.EntityDraw.Parameters);
        var (result, plan, boundaries) = EntityDraw.RunWithBoundaries(setup, [population], 1);
        var seals = ConfidentialDraw.Seals(plan, result, boundaries, key);
        var expected = ConfidentialDraw.PublicPack(pack with { EntityDraw = pack.EntityDraw with { Result = result } }, membersSha, seals);
        JsonNode? given;
        try { given = JsonNode.Parse(publicPackJson); }
        catch (JsonException e) { diffs.Add($"public pack: unreadable ({e.Message})"); return Report(diffs, notes); }
        DrawVerifier.Compare("public", given, JsonSerializer.SerializeToNode(expected, DrawPacks.JsonOptions), diffs);
        return Report(diffs, notes);
    }

    /// <summary>
    /// The commitment to the secret and the seed (§3.2 for a v1 seed; §3.3 with its ceremony checks when the pack carries
    /// a ceremony); answers the recomputed seed, or null when the secret is not readable.
    /// </summary>
    internal static byte[]? CheckSeed(string revealedSecret, string secretCommitment, string taskId, string algorithm, IReadOnlyList<EntropyEntry> entropy,
        BeaconValue? beacon, Ceremony? ceremony, string packSeed, List<string> diffs)
    {
        byte[] secret;
        try { secret = Convert.FromHexString(revealedSecret); }
        catch (FormatException) { secret = []; }
        if (secret.Length != 32)
        {
            diffs.Add("revealedSecret: not 64 hex digits");
            return null;
        }
        var commitment = DrawPrimitives.Hex(SeedCeremony.Commit(secret));
        if (!string.Equals(commitment, secretCommitment, StringComparison.OrdinalIgnoreCase))
            diffs.Add($"secretCommitment: pack {secretCommitment}, SHA-256(revealedSecret) = {commitment}");
        byte[] seed;
        if (ceremony is null)
        {
            if (entropy.Count == 0)
            {
                diffs.Add("entropy: a pack without a ceremony needs at least one entropy entry (§3.2)");
                return null;
            }
            seed = SeedCeremony.DeriveSeed(secret, taskId, algorithm, entropy, beacon);
        }
        else
        {
            if (entropy.Count > 0 || beacon is not null) diffs.Add("entropy/beacon: a pack with a ceremony carries its contributions there only (§3.3)");
            diffs.AddRange(WitnessCeremony.Problems(taskId, ceremony));
            if (ceremony.BeaconValue is null) return null;
            seed = WitnessCeremony.DeriveSeed(secret, taskId, algorithm, ceremony);
        }
        if (!string.Equals(DrawPrimitives.Hex(seed), packSeed, StringComparison.OrdinalIgnoreCase))
            diffs.Add($"seed: pack {packSeed}, recomputed {DrawPrimitives.Hex(seed)}");
        return seed;
    }

    /// <summary>Strict parse of a members file (§11.1): id → commitment hex.</summary>
    public static Dictionary<string, string> ParseMembers(byte[] csv)
    {
        var text = Encoding.UTF8.GetString(csv);
        if (!text.StartsWith(ConfidentialDraw.MembersHeader + "\n", StringComparison.Ordinal))
            throw new FormatException($"must start with the header line '{ConfidentialDraw.MembersHeader}'");
        if (!text.EndsWith('\n')) throw new FormatException("must end with a line feed");
        var lines = text.Split('\n');
        var result = new Dictionary<string, string>(lines.Length, StringComparer.Ordinal);
        string? previous = null;
        for (var i = 1; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            if (line.Length != 18 + 1 + 64 || line[18] != ',' || !DrawPrimitives.IsValidMemberId(line[..18]) || !IsHex64(line[19..]))
                throw new FormatException($"line {i + 1}: expected member_id,64 lowercase hex digits");
            var id = line[..18];
            if (previous is not null && string.CompareOrdinal(previous, id) >= 0) throw new FormatException($"line {i + 1}: member ids must be strictly increasing");
            result[id] = line[19..];
            previous = id;
        }
        return result;
    }

    private static bool IsHex64(string s) => s.Length == 64 && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static VerificationReport Report(List<string> diffs, List<string> notes)
    {
        if (diffs.Count > MaxReported)
        {
            var more = diffs.Count - MaxReported;
            diffs.RemoveRange(MaxReported, more);
            diffs.Add($"... and {more} more differences");
        }
        return new VerificationReport(diffs.Count == 0, diffs, notes);
    }
}
