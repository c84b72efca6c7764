using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Supervision.Core.Draw;

/// <summary>
/// Computes m = top 52 bits of SHA-256(K || LP(memberId)) (docs/draw-spec.md §5) for many members at once.
/// <para>
/// Why: the per-member hash is the whole cost of the draw, and one <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// call costs ≈ 450 ns here, almost all of it call overhead (OpenSSL EVP setup per call) rather than the one
/// 64-byte compression it performs. For the spec's 18-character member ids the input is always exactly one block
/// (32 + 4 + 18 = 54 bytes + padding), so this class runs the FIPS 180-4 compression function itself, eight members
/// per call in the eight 32-bit lanes of a 256-bit vector ("multi-buffer" hashing: S. Gueron, V. Krasnov,
/// "Parallelizing message schemes to accelerate the computations of hash functions", J. Inf. Secur. 2012; and Intel's
/// "Fast SHA-256 implementations on Intel architecture processors", 2012).
/// </para>
/// <para>
/// The first 36 bytes of the block (K and the length prefix 18) are the same for every member, so message words
/// W0…W8 and the state after the first nine rounds are computed once per draw (the "midstate" technique); only
/// rounds 9…63 run per member. Ids of any other length, non-ASCII ids, and machines without 256-bit SIMD go through
/// <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>, exactly as before. The result is bit-identical to
/// <see cref="DrawPrimitives.MemberHash"/> (tests compare both on random ids).
/// </para>
/// </summary>
public sealed class MemberKeyHasher
{
    /// <summary>Member-id length of the one-block fast path (the Unified Social Credit Code length).</summary>
    public const int FastIdLength = 18;

    /// <summary>Members hashed per vector call.</summary>
    public const int Lanes = 8;

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] InitialHash =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    private const int ConstantWords = 9; // W0..W7 = K, W8 = U32BE(18)

    private readonly byte[] _entityKey;
    private readonly uint[] _w = new uint[16];        // constant message words (W0..W8, W14, W15); others per member
    private readonly uint[] _midstate = new uint[8];   // a..h after rounds 0..8

    public MemberKeyHasher(ReadOnlySpan<byte> entityKey)
    {
        if (entityKey.Length != 32) throw new ArgumentException("The entity key K must be 32 bytes.", nameof(entityKey));
        _entityKey = entityKey.ToArray();
        for (var i = 0; i < 8; i++) _w[i] = BinaryPrimitives.ReadUInt32BigEndian(entityKey.Slice(4 * i));
        _w[8] = FastIdLength;
        _w[14] = 0;                                    // high half of the 64-bit bit length
        _w[15] = (32 + 4 + FastIdLength) * 8;          // 432 bits
        uint a = InitialHash[0], b = InitialHash[1], c = InitialHash[2], d = InitialHash[3];
        uint e = InitialHash[4], f = InitialHash[5], g = InitialHash[6], h = InitialHash[7];
        for (var t = 0; t < ConstantWords; t++)
        {
            var t1 = h + (uint.RotateRight(e, 6) ^ uint.RotateRight(e, 11) ^ uint.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + RoundConstants[t] + _w[t];
            var t2 = (uint.RotateRight(a, 2) ^ uint.RotateRight(a, 13) ^ uint.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        _midstate[0] = a; _midstate[1] = b; _midstate[2] = c; _midstate[3] = d;
        _midstate[4] = e; _midstate[5] = f; _midstate[6] = g; _midstate[7] = h;
    }

    /// <summary>True when <see cref="Top52x8"/> runs vectorised on this machine.</summary>
    public static bool IsVectorized => Vector256.IsHardwareAccelerated;

    /// <summary>m for one member, through the platform SHA-256 (any id length ≤ 64, ASCII).</summary>
    public ulong Top52(string memberId)
    {
        if (memberId.Length > 64) throw new ArgumentException($"Member id '{memberId}' is too long.", nameof(memberId));
        Span<byte> buffer = stackalloc byte[32 + 4 + 64];
        _entityKey.CopyTo(buffer);
        if (System.Text.Ascii.FromUtf16(memberId, buffer.Slice(36), out var written) != System.Buffers.OperationStatus.Done)
            throw new ArgumentException($"Member id '{memberId}' is not ASCII.", nameof(memberId));
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(32, 4), (uint)written);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..(36 + written)], hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) >> 12;
    }

    /// <summary>
    /// m for each id (any count, any lengths). Full groups of eight 18-character ASCII ids take the vector path;
    /// everything else takes <see cref="Top52(string)"/>.
    /// </summary>
    public void Top52(ReadOnlySpan<string> memberIds, Span<ulong> m)
    {
        if (m.Length < memberIds.Length) throw new ArgumentException("The output span is too short.", nameof(m));
        var i = 0;
        for (; i + Lanes <= memberIds.Length; i += Lanes) Top52x8(memberIds.Slice(i, Lanes), m.Slice(i, Lanes));
        for (; i < memberIds.Length; i++) m[i] = Top52(memberIds[i]);
    }

    /// <summary>m for exactly eight ids.</summary>
    public void Top52x8(ReadOnlySpan<string> memberIds, Span<ulong> m)
    {
        if (memberIds.Length != Lanes || m.Length < Lanes) throw new ArgumentException("Exactly eight ids are hashed per call.", nameof(memberIds));
        if (!Vector256.IsHardwareAccelerated || !AllFast(memberIds))
        {
            for (var i = 0; i < Lanes; i++) m[i] = Top52(memberIds[i]);
            return;
        }
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        Compress(memberIds, state, 2);
        var h0 = state[0];
        var h1 = state[1];
        for (var lane = 0; lane < Lanes; lane++)
            m[lane] = (((ulong)h0.GetElement(lane) << 32) | h1.GetElement(lane)) >> 12;
    }

    /// <summary>
    /// m for <paramref name="count"/> 18-character ASCII ids stored back to back in <paramref name="ids"/> (18 bytes
    /// each, e.g. straight from the snapshot's lines): no strings are needed to hash a member.
    /// </summary>
    public void Top52Ascii18(ReadOnlySpan<byte> ids, int count, Span<ulong> m)
    {
        if (ids.Length < FastIdLength * count || m.Length < count) throw new ArgumentException("The spans are too short.", nameof(ids));
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
            Span<uint> words = stackalloc uint[5 * Lanes];
            for (; i + Lanes <= count; i += Lanes)
            {
                for (var lane = 0; lane < Lanes; lane++)
                {
                    var id = ids.Slice((i + lane) * FastIdLength, FastIdLength);
                    for (var j = 0; j < 4; j++) words[j * Lanes + lane] = BinaryPrimitives.ReadUInt32BigEndian(id.Slice(4 * j, 4));
                    words[4 * Lanes + lane] = ((uint)id[16] << 24) | ((uint)id[17] << 16) | 0x8000u;
                }
                CompressWords(words, state, 2);
                var h0 = state[0];
                var h1 = state[1];
                for (var lane = 0; lane < Lanes; lane++)
                    m[i + lane] = (((ulong)h0.GetElement(lane) << 32) | h1.GetElement(lane)) >> 12;
            }
        }
        Span<byte> buffer = stackalloc byte[32 + 4 + FastIdLength];
        Span<byte> hash = stackalloc byte[32];
        _entityKey.CopyTo(buffer);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(32, 4), FastIdLength);
        for (; i < count; i++)
        {
            ids.Slice(i * FastIdLength, FastIdLength).CopyTo(buffer.Slice(36));
            SHA256.HashData(buffer, hash);
            m[i] = BinaryPrimitives.ReadUInt64BigEndian(hash) >> 12;
        }
    }

    /// <summary>The full 32-byte member hash h = SHA-256(K || LP(memberId)) for each id, written to consecutive 32-byte slots.</summary>
    public void Hash(ReadOnlySpan<string> memberIds, Span<byte> digests)
    {
        if (digests.Length < 32 * memberIds.Length) throw new ArgumentException("The output span is too short.", nameof(digests));
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Lanes <= memberIds.Length; i += Lanes)
            {
                var group = memberIds.Slice(i, Lanes);
                if (!AllFast(group))
                {
                    for (var j = 0; j < Lanes; j++) DrawPrimitives.MemberHash(_entityKey, group[j]).CopyTo(digests.Slice(32 * (i + j), 32));
                    continue;
                }
                Compress(group, state, 8);
                for (var lane = 0; lane < Lanes; lane++)
                {
                    for (var word = 0; word < 8; word++)
                        BinaryPrimitives.WriteUInt32BigEndian(digests.Slice(32 * (i + lane) + 4 * word, 4), state[word].GetElement(lane));
                }
            }
        }
        for (; i < memberIds.Length; i++) DrawPrimitives.MemberHash(_entityKey, memberIds[i]).CopyTo(digests.Slice(32 * i, 32));
    }

    /// <summary>Loads W9..W13 for eight fast-path ids and runs the compression; <paramref name="state"/> receives H0..H(words-1).</summary>
    private void Compress(ReadOnlySpan<string> memberIds, Span<Vector256<uint>> state, int outputWords)
    {
        // Message words W9..W13 per lane: id bytes 0..17 followed by the padding byte 0x80 (FIPS 180-4 §5.1.1).
        Span<uint> words = stackalloc uint[5 * Lanes];
        for (var lane = 0; lane < Lanes; lane++)
        {
            var id = memberIds[lane].AsSpan();
            for (var j = 0; j < 4; j++)
            {
                var k = 4 * j;
                words[j * Lanes + lane] = ((uint)id[k] << 24) | ((uint)id[k + 1] << 16) | ((uint)id[k + 2] << 8) | id[k + 3];
            }
            words[4 * Lanes + lane] = ((uint)id[16] << 24) | ((uint)id[17] << 16) | 0x8000u;
        }
        CompressWords(words, state, outputWords);
    }

    private static bool AllFast(ReadOnlySpan<string> ids)
    {
        foreach (var id in ids)
        {
            if (id is not { Length: FastIdLength }) return false;
            var or = 0;
            foreach (var ch in id) or |= ch;
            if (or >= 0x80) return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotr(Vector256<uint> x, [ConstantExpected(Min = 1, Max = 31)] byte n) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateRight(x, n) : Vector256.ShiftRightLogical(x, n) | Vector256.ShiftLeft(x, 32 - n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Xor3(Vector256<uint> x, Vector256<uint> y, Vector256<uint> z) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(x, y, z, 0x96) : x ^ y ^ z;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Ch(Vector256<uint> e, Vector256<uint> f, Vector256<uint> g) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(e, f, g, 0xCA) : g ^ (e & (f ^ g));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Maj(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.TernaryLogic(a, b, c, 0xE8) : (a & b) | (c & (a | b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma0(Vector256<uint> x) => Xor3(Rotr(x, 7), Rotr(x, 18), Vector256.ShiftRightLogical(x, 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> SmallSigma1(Vector256<uint> x) => Xor3(Rotr(x, 17), Rotr(x, 19), Vector256.ShiftRightLogical(x, 10));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma0(Vector256<uint> x) => Xor3(Rotr(x, 2), Rotr(x, 13), Rotr(x, 22));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> BigSigma1(Vector256<uint> x) => Xor3(Rotr(x, 6), Rotr(x, 11), Rotr(x, 25));

    /// <summary>Rounds 9..63 of the single-block compression for eight lanes; writes the first <paramref name="outputWords"/> words of the digest.</summary>
    private void CompressWords(ReadOnlySpan<uint> idWords, Span<Vector256<uint>> state, int outputWords)
    {
        Span<Vector256<uint>> w = stackalloc Vector256<uint>[64];
        var cw = _w;
        for (var t = 0; t < ConstantWords; t++) w[t] = Vector256.Create(cw[t]);
        for (var j = 0; j < 5; j++) w[ConstantWords + j] = Vector256.Create(idWords.Slice(j * Lanes, Lanes));
        w[14] = Vector256.Create(cw[14]);
        w[15] = Vector256.Create(cw[15]);
        for (var t = 16; t < 64; t++)
            w[t] = SmallSigma1(w[t - 2]) + w[t - 7] + SmallSigma0(w[t - 15]) + w[t - 16];

        var ms = _midstate;
        var a = Vector256.Create(ms[0]); var b = Vector256.Create(ms[1]); var c = Vector256.Create(ms[2]); var d = Vector256.Create(ms[3]);
        var e = Vector256.Create(ms[4]); var f = Vector256.Create(ms[5]); var g = Vector256.Create(ms[6]); var h = Vector256.Create(ms[7]);
        var k = RoundConstants;
        for (var t = ConstantWords; t < 64; t++)
        {
            var t1 = h + BigSigma1(e) + Ch(e, f, g) + Vector256.Create(k[t]) + w[t];
            var t2 = BigSigma0(a) + Maj(a, b, c);
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] = a + Vector256.Create(InitialHash[0]);
        state[1] = b + Vector256.Create(InitialHash[1]);
        if (outputWords <= 2) return;
        state[2] = c + Vector256.Create(InitialHash[2]);
        state[3] = d + Vector256.Create(InitialHash[3]);
        state[4] = e + Vector256.Create(InitialHash[4]);
        state[5] = f + Vector256.Create(InitialHash[5]);
        state[6] = g + Vector256.Create(InitialHash[6]);
        state[7] = h + Vector256.Create(InitialHash[7]);
    }
}
