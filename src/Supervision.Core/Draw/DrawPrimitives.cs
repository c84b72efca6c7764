using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Supervision.Core.Draw;

/// <summary>
/// The byte-level building blocks of the draw, exactly as written in docs/draw-spec.md §2.
/// Everything that goes into a hash goes through <see cref="AppendField"/> so that no two
/// different inputs can produce the same byte string (length prefixes, big-endian).
/// </summary>
public static class DrawPrimitives
{
    /// <summary>Version of the algorithm this code implements; part of every hash domain.</summary>
    public const string AlgorithmVersion = "srs-pareto-v1";

    public const string SeedDomain = "supervision/seed/v1";
    public const string EntityKeyDomain = "supervision/draw/entity/v1";
    public const string InspectorKeyDomain = "supervision/draw/inspector/v1";

    /// <summary>2^53 as a double; u = (2m+1) / 2^53 is exact in IEEE binary64.</summary>
    public const double TwoPow53 = 9007199254740992.0;
    public const ulong TwoPow53Integer = 9007199254740992UL;

    /// <summary>LP(x): 4-byte big-endian unsigned length followed by the bytes.</summary>
    public static void AppendField(List<byte> buffer, ReadOnlySpan<byte> field)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(len, checked((uint)field.Length));
        foreach (var b in len) buffer.Add(b);
        foreach (var b in field) buffer.Add(b);
    }

    public static void AppendField(List<byte> buffer, string text) => AppendField(buffer, Encoding.UTF8.GetBytes(text));

    /// <summary>K = SHA-256(LP(domain) || LP(seed) || LP(taskId) || LP(algorithm)).</summary>
    public static byte[] DrawKey(string domain, ReadOnlySpan<byte> seed, string taskId, string algorithm)
    {
        if (seed.Length != 32) throw new ArgumentException("The seed must be 32 bytes.", nameof(seed));
        var buf = new List<byte>(128);
        AppendField(buf, domain);
        AppendField(buf, seed);
        AppendField(buf, taskId);
        AppendField(buf, algorithm);
        return SHA256.HashData(buf.ToArray());
    }

    /// <summary>m = the first 8 bytes of the hash read big-endian, shifted right by 12 (top 52 bits).</summary>
    public static ulong Top52(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt64BigEndian(hash) >> 12;

    /// <summary>u = (2m+1) / 2^53: exactly representable, strictly inside (0, 1).</summary>
    public static double Uniform(ulong m) => (2 * m + 1) / TwoPow53;

    /// <summary>The exact uniform as the unreduced rational "(2m+1)/2^53".</summary>
    public static string UniformRational(ulong m) =>
        (2 * m + 1).ToString(CultureInfo.InvariantCulture) + "/" + TwoPow53Integer.ToString(CultureInfo.InvariantCulture);

    /// <summary>Per-member hash: SHA-256(K || LP(memberId)).</summary>
    public static byte[] MemberHash(ReadOnlySpan<byte> entityKey, string memberId)
    {
        var idLength = Encoding.UTF8.GetByteCount(memberId);
        Span<byte> buffer = idLength <= 256 ? stackalloc byte[entityKey.Length + 4 + idLength] : new byte[entityKey.Length + 4 + idLength];
        entityKey.CopyTo(buffer);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(entityKey.Length, 4), (uint)idLength);
        Encoding.UTF8.GetBytes(memberId, buffer.Slice(entityKey.Length + 4));
        return SHA256.HashData(buffer);
    }

    /// <summary>Per-(entity, inspector) hash: SHA-256(KI || LP(memberId) || LP(certificateNo)).</summary>
    public static byte[] InspectorHash(ReadOnlySpan<byte> inspectorKey, string memberId, string certificateNo)
    {
        var buf = new List<byte>(96);
        buf.AddRange(inspectorKey.ToArray());
        AppendField(buf, memberId);
        AppendField(buf, certificateNo);
        return SHA256.HashData(buf.ToArray());
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string Rational(BigInteger numerator, BigInteger denominator) =>
        numerator.ToString(CultureInfo.InvariantCulture) + "/" + denominator.ToString(CultureInfo.InvariantCulture);

    /// <summary>True for member ids and certificate numbers we accept: 1..64 chars of [0-9A-Z].</summary>
    public static bool IsValidCode(string? code, int maxLength = 64)
    {
        if (string.IsNullOrEmpty(code) || code.Length > maxLength) return false;
        foreach (var c in code)
        {
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
        }
        return true;
    }

    /// <summary>Unified Social Credit Code shape: exactly 18 chars of [0-9A-Z].</summary>
    public static bool IsValidMemberId(string? id) => id is { Length: 18 } && IsValidCode(id, 18);

    /// <summary>
    /// A certificate number as the directory accepts it (draw-spec §2): 1–64 ASCII letters (either case), digits and '-',
    /// starting with a letter or digit. (The spec said [0-9A-Z] while the directory took '-' and lower case, so a pool
    /// holding such a number made every team draw fail.)
    /// </summary>
    public static bool IsValidCertificateNo(string? code) =>
        code is { Length: >= 1 and <= 64 } && char.IsAsciiLetterOrDigit(code[0]) && code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>Stratum labels: 1..16 chars of [0-9A-Za-z_-].</summary>
    public static bool IsValidStratum(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length > 16) return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-')) return false;
        }
        return true;
    }
}
