using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

/// <summary>One seal of draw-spec §11.2 with its opening: published as <see cref="Seal"/>, opened to one entity at a time.</summary>
public sealed record SealOpening(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("salt")] string Salt,
    [property: JsonPropertyName("opening")] IReadOnlyList<string> Opening,
    [property: JsonPropertyName("seal")] string Seal);

public sealed record PublicSeal(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("seal")] string Seal);

public sealed record PublicDrawnMember(
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("uniform")] double Uniform);

public sealed record PublicPackPopulation(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("membersSha256")] string? MembersSha256,
    [property: JsonPropertyName("memberCount")] long MemberCount,
    [property: JsonPropertyName("exclusionsSha256")] string? ExclusionsSha256);

public sealed record PublicEntityDraw(
    [property: JsonPropertyName("parameters")] EntityDrawParameters Parameters,
    [property: JsonPropertyName("drawnCount")] int DrawnCount,
    [property: JsonPropertyName("drawn")] IReadOnlyList<PublicDrawnMember> Drawn,
    [property: JsonPropertyName("seals")] IReadOnlyList<PublicSeal> Seals);

/// <summary>The class-free public pack (draw-spec §11.3): the draw without any member's stratum, weight, key, probability or rank.</summary>
public sealed record PublicDrawPack(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("secretCommitment")] string SecretCommitment,
    [property: JsonPropertyName("revealedSecret")] string RevealedSecret,
    [property: JsonPropertyName("entropy")] IReadOnlyList<EntropyEntry> Entropy,
    [property: JsonPropertyName("beacon")] BeaconValue? Beacon,
    [property: JsonPropertyName("seed")] string Seed,
    [property: JsonPropertyName("population")] PublicPackPopulation Population,
    [property: JsonPropertyName("entityDraw")] PublicEntityDraw EntityDraw)
{
    /// <summary>The witnessed ceremony (draw-spec §3.3), as in the full pack; absent for a v1 seed.</summary>
    [JsonPropertyName("ceremony")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Ceremony? Ceremony { get; init; }
}

public sealed record ReceiptMember(
    [property: JsonPropertyName("stratum")] string Stratum,
    [property: JsonPropertyName("weight")] string Weight,
    [property: JsonPropertyName("salt")] string Salt);

public sealed record ReceiptSeal(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("salt")] string Salt,
    [property: JsonPropertyName("opening")] IReadOnlyList<string> Opening);

/// <summary>An entity's receipt for one task (draw-spec §11.4): its own class, weight and salt, and the opening of its seal.</summary>
public sealed record DrawReceipt(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("taskId")] string TaskId,
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("member")] ReceiptMember? Member,
    [property: JsonPropertyName("excluded")] string? Excluded,
    [property: JsonPropertyName("seal")] ReceiptSeal? Seal);

/// <summary>
/// Verifiable and confidential at once (draw-spec §11): salted per-member commitments published at freeze, seals over
/// what decides each member's fate, the class-free public pack, and the entity's receipt. Pure functions; the key is
/// the task's members key, drawn at freeze and never published.
/// </summary>
public static class ConfidentialDraw
{
    public const string PublicFormat = "supervision-draw-pack/public-1";
    public const string ReceiptFormat = "supervision-draw-receipt/1";
    public const string MembersHeader = "member_id,commitment";
    public const string ParetoSealName = "pareto";
    public const string None = "none";
    public const string All = "all";
    public const int KeyLength = 32;
    public const int SaltLength = 16;

    private const string SealSaltDomain = "supervision/seal-salt/v1";
    private const string SealDomain = "supervision/seal/v1";
    private static readonly string TwoPow53Text = DrawPrimitives.TwoPow53Integer.ToString(CultureInfo.InvariantCulture);

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyLength);

    public static string StratumSealName(string stratum) => "stratum/" + stratum;

    /// <summary>The seal names §11.2 gives for a draw's parameters, in order.</summary>
    public static IReadOnlyList<string> SealNames(EntityDrawParameters parameters) =>
        parameters.Mode == DrawModes.Pareto ? [ParetoSealName] : parameters.Strata.Select(r => StratumSealName(r.Stratum)).ToArray();

    /// <summary>salt(id) = the first 16 bytes of SHA256(LP(domain) || LP(key) || LP(id)).</summary>
    public static byte[] MemberSalt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> memberId)
    {
        Span<byte> salt = stackalloc byte[SaltLength];
        MemberSalt(key, memberId, salt);
        return salt.ToArray();
    }

    private static void MemberSalt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> memberId, Span<byte> salt)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = 0;
        Append(buffer, ref length, "supervision/member-salt/v1"u8);
        Append(buffer, ref length, key);
        Append(buffer, ref length, memberId);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(buffer[..length], digest);
        digest[..SaltLength].CopyTo(salt);
    }

    /// <summary>commitment = SHA256(LP(domain) || LP(salt) || LP(id) || LP(stratum) || LP(weight)).</summary>
    public static void MemberCommitment(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> memberId, ReadOnlySpan<byte> stratum, ReadOnlySpan<byte> weight,
        Span<byte> into)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = 0;
        Append(buffer, ref length, "supervision/member/v1"u8);
        Append(buffer, ref length, salt);
        Append(buffer, ref length, memberId);
        Append(buffer, ref length, stratum);
        Append(buffer, ref length, weight);
        SHA256.HashData(buffer[..length], into);
    }

    public static string MemberCommitmentHex(ReadOnlySpan<byte> salt, string memberId, string stratum, string weight)
    {
        Span<byte> digest = stackalloc byte[32];
        MemberCommitment(salt, Encoding.UTF8.GetBytes(memberId), Encoding.UTF8.GetBytes(stratum), Encoding.UTF8.GetBytes(weight), digest);
        return DrawPrimitives.Hex(digest);
    }

    private static void Append(Span<byte> buffer, ref int length, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(length, 4), checked((uint)field.Length));
        field.CopyTo(buffer.Slice(length + 4));
        length += 4 + field.Length;
    }

    /// <summary>
    /// The members-file lines (§11.1) for one piece of the canonical snapshot: "member_id,hex(commitment)" + LF per
    /// line, preceded by the header when <paramref name="first"/> (the snapshot's header is then expected and dropped).
    /// Concatenating the pieces of a snapshot in order gives the members file.
    /// </summary>
    public static byte[] MembersLines(ReadOnlySpan<byte> snapshot, bool first, ReadOnlySpan<byte> key)
    {
        var header = Encoding.ASCII.GetBytes(PopulationSnapshot.Header + "\n");
        if (first)
        {
            if (!snapshot.StartsWith(header)) throw new FormatException($"The snapshot must start with the header line '{PopulationSnapshot.Header}'.");
            snapshot = snapshot[header.Length..];
        }
        var lines = snapshot.Count((byte)'\n');
        var output = new byte[(first ? MembersHeader.Length + 1 : 0) + lines * (SnapshotChunks.IdLength + 1 + 64 + 1)];
        var at = 0;
        if (first)
        {
            Encoding.ASCII.GetBytes(MembersHeader + "\n", output);
            at = MembersHeader.Length + 1;
        }
        Span<byte> salt = stackalloc byte[SaltLength];
        Span<byte> digest = stackalloc byte[32];
        while (snapshot.Length > 0)
        {
            var end = snapshot.IndexOf((byte)'\n');
            if (end < 0) throw new FormatException("A snapshot must end with a line feed.");
            var line = snapshot[..end];
            snapshot = snapshot[(end + 1)..];
            var comma1 = line.IndexOf((byte)',');
            var rest = comma1 < 0 ? default : line[(comma1 + 1)..];
            var comma2 = rest.IndexOf((byte)',');
            if (comma1 != SnapshotChunks.IdLength || comma2 < 1) throw new FormatException("A snapshot line must be member_id,stratum,weight.");
            var id = line[..comma1];
            MemberSalt(key, id, salt);
            MemberCommitment(salt, id, rest[..comma2], rest[(comma2 + 1)..], digest);
            id.CopyTo(output.AsSpan(at));
            at += id.Length;
            output[at++] = (byte)',';
            Convert.TryToHexStringLower(digest, output.AsSpan(at, 64), out _);
            at += 64;
            output[at++] = (byte)'\n';
        }
        return output;
    }

    /// <summary>The whole members file of a canonical snapshot (§11.1).</summary>
    public static byte[] MembersFile(ReadOnlySpan<byte> populationCsv, ReadOnlySpan<byte> key) => MembersLines(populationCsv, true, key);

    public static byte[] SealSalt(ReadOnlySpan<byte> key, string name)
    {
        var buffer = new List<byte>(128);
        DrawPrimitives.AppendField(buffer, SealSaltDomain);
        DrawPrimitives.AppendField(buffer, key);
        DrawPrimitives.AppendField(buffer, name);
        return SHA256.HashData(buffer.ToArray())[..SaltLength];
    }

    /// <summary>seal = SHA256(LP(domain) || LP(salt) || LP(name) || LP(opening[0]) || …).</summary>
    public static string SealOf(ReadOnlySpan<byte> salt, string name, IReadOnlyList<string> opening)
    {
        var buffer = new List<byte>(256);
        DrawPrimitives.AppendField(buffer, SealDomain);
        DrawPrimitives.AppendField(buffer, salt);
        DrawPrimitives.AppendField(buffer, name);
        foreach (var text in opening) DrawPrimitives.AppendField(buffer, text);
        return DrawPrimitives.Hex(SHA256.HashData(buffer.ToArray()));
    }

    private static SealOpening Seal(ReadOnlySpan<byte> key, string name, IReadOnlyList<string> opening)
    {
        var salt = SealSalt(key, name);
        return new SealOpening(name, DrawPrimitives.Hex(salt), opening, SealOf(salt, name, opening));
    }

    private static string Dec(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Dec(BigInteger value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The seals of a committed draw (§11.2) from its plan, its result and the members just after the drawn ones
    /// (<see cref="EntityDraw.Boundaries"/>).
    /// </summary>
    public static IReadOnlyList<SealOpening> Seals(EntityDrawPlan plan, EntityDrawResult result, IReadOnlyList<DrawBoundary?> boundaries, ReadOnlySpan<byte> key)
    {
        var setup = plan.Setup;
        var seals = new List<SealOpening>();
        if (setup.IsPareto)
        {
            var a = plan.A;
            var d = (BigInteger)plan.D;
            string threshold;
            if (a == 0) threshold = None;
            else if (boundaries[0] is not { } next) threshold = All;
            else
            {
                var last = result.Drawn.Last(x => !x.Certain);
                var (p1, q1) = ParseRational(last.Key);
                var (p2, q2) = ParetoKey(next.M, next.WeightMicros, a, d);
                threshold = p1 * q2 != p2 * q1 ? SimplestBinaryFraction(p1, q1, p2, q2) : Dec(p1) + "/" + Dec(q1) + ";" + last.MemberId;
            }
            var certainFrom = plan.CertainCount > 0 ? Dec(plan.CapThresholdMicros) : "";
            seals.Add(Seal(key, ParetoSealName, [Dec(a), Dec(d), certainFrom, threshold]));
            return seals;
        }

        for (var s = 0; s < setup.StrataNames.Length; s++)
        {
            var name = setup.StrataNames[s];
            var population = plan.Census.Counts[s];
            var quota = plan.Quota[s];
            string threshold;
            if (quota == 0) threshold = None;
            else if (quota >= population) threshold = All;
            else
            {
                var next = boundaries[s] ?? throw new InvalidOperationException($"stratum {name}: the scan kept no member after the drawn ones");
                var last = result.Drawn.Last(x => x.Stratum == name);
                var x = DrawPrimitives.Top52(Convert.FromHexString(last.HashHex));
                threshold = x != next.M
                    ? Dec(SimplestBetween(2 * x + 1, 2 * next.M + 1)) + "/" + TwoPow53Text
                    : Dec((BigInteger)(2 * x + 1)) + "/" + TwoPow53Text + ";" + last.MemberId;
            }
            seals.Add(Seal(key, StratumSealName(name), [Dec(population), Dec(quota), threshold]));
        }
        return seals;
    }

    /// <summary>
    /// The integer in (<paramref name="below"/>, <paramref name="atMost"/>] with the most trailing zero bits (§11.2): a
    /// stratified threshold that says where the gap between the last drawn and the first not drawn lies, but not which
    /// two members bound it (a midpoint would: m_x + m_y + 1 singles out the pair).
    /// </summary>
    public static ulong SimplestBetween(ulong below, ulong atMost)
    {
        for (var k = 63; k >= 0; k--)
        {
            var step = 1UL << k;
            var t = (below / step + 1) * step;
            if (t > below && t <= atMost) return t;
        }
        throw new ArgumentException("the interval is empty", nameof(atMost));
    }

    /// <summary>
    /// The binary fraction j/2^e with the smallest e ≥ 0 in (p1/q1, p2/q2] (§11.2), as "j/2^e": a Pareto threshold that
    /// lies in the gap between the a-th and the next key without being built from either (their product would reveal the
    /// two members' weights).
    /// </summary>
    public static string SimplestBinaryFraction(BigInteger p1, BigInteger q1, BigInteger p2, BigInteger q2)
    {
        for (var e = 0; ; e++)
        {
            var scale = BigInteger.One << e;
            var j = BigInteger.Divide(p1 * scale, q1) + 1;
            if (j * q2 <= p2 * scale) return Dec(j) + "/" + Dec(scale);
        }
    }

    /// <summary>The exact Pareto key of §6.2 as (p, q): (2m+1)(D − a·w) / ((2^53 − 2m − 1)·a·w).</summary>
    public static (BigInteger P, BigInteger Q) ParetoKey(ulong m, long weightMicros, int a, BigInteger d) =>
        ((2 * (BigInteger)m + 1) * (d - (BigInteger)a * weightMicros),
         ((BigInteger)DrawPrimitives.TwoPow53Integer - 2 * (BigInteger)m - 1) * a * weightMicros);

    public static (BigInteger P, BigInteger Q) ParseRational(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 1 || !BigInteger.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            || !BigInteger.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var q) || q.IsZero)
            throw new FormatException($"'{text}' is not a rational p/q.");
        return (p, q);
    }

    /// <summary>
    /// Whether a member is drawn under a seal's threshold (§11.2): <paramref name="p"/>/<paramref name="q"/> is its own
    /// value (stratified: (2m+1)/2^53; Pareto: its key). Null when the threshold is not well formed.
    /// </summary>
    public static bool? DrawnUnder(string threshold, BigInteger p, BigInteger q, string memberId)
    {
        if (threshold == None) return false;
        if (threshold == All) return true;
        var semicolon = threshold.IndexOf(';', StringComparison.Ordinal);
        var value = semicolon < 0 ? threshold : threshold[..semicolon];
        (BigInteger P, BigInteger Q) t;
        try { t = ParseRational(value); }
        catch (FormatException) { return null; }
        var c = (p * t.Q).CompareTo(t.P * q);
        if (c < 0) return true;
        if (c > 0 || semicolon < 0) return false;
        return string.CompareOrdinal(memberId, threshold[(semicolon + 1)..]) <= 0;
    }

    /// <summary>The class-free public pack of a full pack (§11.3).</summary>
    public static PublicDrawPack PublicPack(DrawPack full, string? membersSha256, IReadOnlyList<SealOpening> seals)
    {
        var drawn = full.EntityDraw.Result.Drawn
            .Select(d => (d, M: DrawPrimitives.Top52(Convert.FromHexString(d.HashHex))))
            .OrderBy(x => x.M).ThenBy(x => x.d.MemberId, StringComparer.Ordinal)
            .Select(x => new PublicDrawnMember(x.d.MemberId, x.d.HashHex, x.d.Uniform)).ToArray();
        return new PublicDrawPack(PublicFormat, full.Algorithm, full.TaskId, full.SecretCommitment, full.RevealedSecret, full.Entropy, full.Beacon,
            full.Seed, new PublicPackPopulation(full.Population.Sha256, membersSha256, full.Population.MemberCount, full.Population.ExclusionsSha256),
            new PublicEntityDraw(full.EntityDraw.Parameters, drawn.Length, drawn, seals.Select(s => new PublicSeal(s.Name, s.Seal)).ToArray()))
        {
            Ceremony = full.Ceremony,
        };
    }

    /// <summary>
    /// An entity's receipt (§11.4). <paramref name="member"/> is its row of the frozen snapshot (null when it was not in
    /// the population); the seal is the one of its stratum, or the Pareto seal.
    /// </summary>
    public static DrawReceipt Receipt(string taskId, string memberId, PopulationMember? member, string? excluded, IReadOnlyList<SealOpening> seals,
        ReadOnlySpan<byte> key, EntityDrawParameters parameters)
    {
        if (member is null) return new DrawReceipt(ReceiptFormat, taskId, memberId, null, null, null);
        var salt = MemberSalt(key, Encoding.ASCII.GetBytes(memberId));
        var inScope = parameters.Strata.Any(r => r.Stratum == member.Value.Stratum);
        var name = parameters.Mode == DrawModes.Pareto ? ParetoSealName : StratumSealName(member.Value.Stratum);
        // A member whose stratum is outside the draw's scope (no seal of its own in a stratified draw) gets none.
        var seal = inScope ? seals.FirstOrDefault(s => s.Name == name) : null;
        return new DrawReceipt(ReceiptFormat, taskId, memberId, new ReceiptMember(member.Value.Stratum, member.Value.WeightText, DrawPrimitives.Hex(salt)),
            excluded, seal is null ? null : new ReceiptSeal(seal.Name, seal.Salt, seal.Opening));
    }
}
