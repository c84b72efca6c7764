using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Supervision.Core.Draw;

/// <summary>
/// One member of a frozen population. The weight is held as an integer number of millionths
/// ("micro-units") so that every sum and comparison in the draw is exact integer arithmetic.
/// </summary>
public readonly record struct PopulationMember(string MemberId, string Stratum, long WeightMicros)
{
    public static PopulationMember Create(string memberId, string stratum, decimal weight) =>
        new(memberId, stratum, Weights.ToMicros(weight));

    public string WeightText => Weights.Format(WeightMicros);

    /// <summary>Null when valid, otherwise why not.</summary>
    public string? Problem()
    {
        if (!DrawPrimitives.IsValidMemberId(MemberId)) return $"member id '{MemberId}' is not 18 characters of [0-9A-Z]";
        if (!DrawPrimitives.IsValidStratum(Stratum)) return $"member {MemberId}: stratum '{Stratum}' is not 1-16 characters of [0-9A-Za-z_-]";
        if (WeightMicros <= 0 || WeightMicros > Weights.MaxMicros) return $"member {MemberId}: weight must be in (0, 999999999.999999]";
        return null;
    }
}

/// <summary>Weights are positive decimals with at most 6 fractional digits and at most 9 integer digits.</summary>
public static class Weights
{
    public const long Scale = 1_000_000;
    public const long MaxMicros = 999_999_999_999_999;

    public static long ToMicros(decimal weight)
    {
        var scaled = weight * Scale;
        if (scaled != decimal.Truncate(scaled)) throw new ArgumentException($"Weight {weight} has more than 6 fractional digits.", nameof(weight));
        if (scaled <= 0 || scaled > MaxMicros) throw new ArgumentException($"Weight {weight} is outside (0, 999999999.999999].", nameof(weight));
        return (long)scaled;
    }

    /// <summary>Canonical text: no leading zeros, no trailing fractional zeros, no '.' for integers.</summary>
    public static string Format(long micros)
    {
        var integer = micros / Scale;
        var frac = micros % Scale;
        var s = integer.ToString(CultureInfo.InvariantCulture);
        if (frac == 0) return s;
        return s + "." + frac.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0');
    }

    /// <summary>Parses canonical weight text only (so that the snapshot bytes are unique).</summary>
    public static bool TryParseCanonical(string text, out long micros)
    {
        micros = 0;
        var dot = text.IndexOf('.');
        var intPart = dot < 0 ? text : text[..dot];
        var fracPart = dot < 0 ? "" : text[(dot + 1)..];
        if (intPart.Length is 0 or > 9 || !intPart.All(char.IsAsciiDigit)) return false;
        if (intPart.Length > 1 && intPart[0] == '0') return false;
        if (dot >= 0 && (fracPart.Length is 0 or > 6 || !fracPart.All(char.IsAsciiDigit) || fracPart[^1] == '0')) return false;
        micros = long.Parse(intPart, CultureInfo.InvariantCulture) * Scale
            + (fracPart.Length == 0 ? 0 : long.Parse(fracPart.PadRight(6, '0'), CultureInfo.InvariantCulture));
        return micros > 0;
    }
}

/// <summary>
/// The canonical population snapshot (docs/draw-spec.md §4): UTF-8, LF line ends, header
/// <c>member_id,stratum,weight</c>, one row per member sorted by member id (byte order), weights
/// in canonical text. Its content hash is SHA-256 over exactly these bytes, so it does not depend
/// on the order in which rows were collected, and anyone can check it with <c>sha256sum</c>.
/// </summary>
public static class PopulationSnapshot
{
    public const string Header = "member_id,stratum,weight";

    public static byte[] ToCanonicalCsv(IEnumerable<PopulationMember> members)
    {
        var sorted = members.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.MemberId, b.MemberId));
        var sb = new StringBuilder(sorted.Length * 32 + 32);
        sb.Append(Header).Append('\n');
        for (var i = 0; i < sorted.Length; i++)
        {
            var m = sorted[i];
            if (m.Problem() is { } problem) throw new ArgumentException(problem, nameof(members));
            if (i > 0 && sorted[i - 1].MemberId == m.MemberId) throw new ArgumentException($"Duplicate member id {m.MemberId}.", nameof(members));
            sb.Append(m.MemberId).Append(',').Append(m.Stratum).Append(',').Append(m.WeightText).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static string ContentHash(ReadOnlySpan<byte> canonicalCsv) => DrawPrimitives.Hex(SHA256.HashData(canonicalCsv));

    /// <summary>Strict parse: any deviation from the canonical format is reported, never repaired.</summary>
    public static PopulationMember[] ParseCanonicalCsv(ReadOnlySpan<byte> csv)
    {
        var text = Encoding.UTF8.GetString(csv);
        if (!text.StartsWith(Header + "\n", StringComparison.Ordinal)) throw new FormatException($"The snapshot must start with the header line '{Header}'.");
        if (!text.EndsWith('\n')) throw new FormatException("The snapshot must end with a line feed.");
        var lines = text.Split('\n');
        var members = new PopulationMember[lines.Length - 2];
        for (var i = 1; i < lines.Length - 1; i++)
        {
            var parts = lines[i].Split(',');
            if (parts.Length != 3) throw new FormatException($"Line {i + 1}: expected 3 fields.");
            if (!Weights.TryParseCanonical(parts[2], out var micros)) throw new FormatException($"Line {i + 1}: weight '{parts[2]}' is not canonical.");
            var m = new PopulationMember(parts[0], parts[1], micros);
            if (m.Problem() is { } problem) throw new FormatException($"Line {i + 1}: {problem}.");
            if (i > 1 && string.CompareOrdinal(members[i - 2].MemberId, m.MemberId) >= 0)
                throw new FormatException($"Line {i + 1}: member ids must be strictly increasing (sorted, unique).");
            members[i - 1] = m;
        }
        return members;
    }
}
