using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

/// <summary>One witness's contribution (e.g. dice digits), recorded with who rolled them.</summary>
public sealed record EntropyEntry(
    [property: JsonPropertyName("witness")] string Witness,
    [property: JsonPropertyName("value")] string Value);

/// <summary>An optional public randomness beacon value (source name + value text as published).</summary>
public sealed record BeaconValue(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("value")] string Value);

/// <summary>
/// Commitment and seed derivation (docs/draw-spec.md §3). The server secret is 32 random bytes;
/// its SHA-256 is published with the population hash before any witness entropy exists. The seed
/// then binds secret, task, algorithm, every entropy entry in recorded order and the beacon.
/// </summary>
public static class SeedCeremony
{
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Commitment = SHA-256(secret), over the raw 32 secret bytes.</summary>
    public static byte[] Commit(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != 32) throw new ArgumentException("The secret must be 32 bytes.", nameof(secret));
        return SHA256.HashData(secret);
    }

    /// <summary>
    /// seed = SHA-256( LP("supervision/seed/v1") || LP(secret) || LP(taskId) || LP(algorithm)
    ///                 || U32BE(entropy count) || for each entry: LP(witness) || LP(value)
    ///                 || U8(0) | U8(1) || LP(beacon source) || LP(beacon value) ).
    /// </summary>
    public static byte[] DeriveSeed(ReadOnlySpan<byte> secret, string taskId, string algorithm,
        IReadOnlyList<EntropyEntry> entropy, BeaconValue? beacon)
    {
        if (secret.Length != 32) throw new ArgumentException("The secret must be 32 bytes.", nameof(secret));
        if (entropy.Count == 0) throw new ArgumentException("At least one witness entropy entry is required.", nameof(entropy));
        var buf = new List<byte>(256);
        DrawPrimitives.AppendField(buf, DrawPrimitives.SeedDomain);
        DrawPrimitives.AppendField(buf, secret);
        DrawPrimitives.AppendField(buf, taskId);
        DrawPrimitives.AppendField(buf, algorithm);
        var count = (uint)entropy.Count;
        buf.Add((byte)(count >> 24)); buf.Add((byte)(count >> 16)); buf.Add((byte)(count >> 8)); buf.Add((byte)count);
        foreach (var e in entropy)
        {
            if (string.IsNullOrWhiteSpace(e.Witness)) throw new ArgumentException("Every entropy entry needs a witness name.", nameof(entropy));
            DrawPrimitives.AppendField(buf, e.Witness);
            DrawPrimitives.AppendField(buf, e.Value);
        }
        if (beacon is null)
        {
            buf.Add(0);
        }
        else
        {
            buf.Add(1);
            DrawPrimitives.AppendField(buf, beacon.Source);
            DrawPrimitives.AppendField(buf, beacon.Value);
        }
        return SHA256.HashData(buf.ToArray());
    }
}
