using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Supervision.Core.Registry;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Draw;

/// <summary>
/// The public randomness a task's seed waits for, named when the task is planned and fixed at its freeze
/// (docs/draw-spec.md §3.3): a source, a round of it whose value does not exist yet, and when that value is due.
/// </summary>
public sealed record NamedBeacon(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("round")] string Round,
    [property: JsonPropertyName("expectedAt"), JsonConverter(typeof(OffsetTimeConverter))] DateTimeOffset ExpectedAt)
{
    /// <summary>The due time as hashed into the seed: UTC, <c>yyyy-MM-ddTHH:mm:ssZ</c>.</summary>
    [JsonIgnore]
    public string ExpectedAtText => ExpectedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A witness's commitment: made under their own account before any contribution is revealed.</summary>
public sealed record WitnessCommitment(
    [property: JsonPropertyName("witness")] string Witness,
    [property: JsonPropertyName("department")] string? Department,
    [property: JsonPropertyName("commitment")] string Commitment,
    [property: JsonPropertyName("at"), JsonConverter(typeof(OffsetTimeConverter))] DateTimeOffset At);

/// <summary>A witness's opening of their commitment: the value they chose and the random nonce that hid it.</summary>
public sealed record WitnessReveal(
    [property: JsonPropertyName("witness")] string Witness,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("at"), JsonConverter(typeof(OffsetTimeConverter))] DateTimeOffset At);

/// <summary>The value of the named beacon round, recorded once after the commitments closed.</summary>
public sealed record RecordedBeacon(
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("at"), JsonConverter(typeof(OffsetTimeConverter))] DateTimeOffset At);

/// <summary>
/// A task's seed ceremony (draw-spec §3.3, seed v2): witnesses commit, the commitments close before the named beacon
/// round is due, the witnesses reveal, the beacon's value is recorded, and only then can the draw run. Stored with the
/// task and written into the pack as it stands when the entity draw runs.
/// </summary>
public sealed record Ceremony(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("beacon")] NamedBeacon Beacon,
    [property: JsonPropertyName("minimumWitnesses")] int MinimumWitnesses,
    [property: JsonPropertyName("commitments")] IReadOnlyList<WitnessCommitment> Commitments,
    [property: JsonPropertyName("closedAt"), JsonConverter(typeof(OptionalOffsetTimeConverter))] DateTimeOffset? ClosedAt,
    [property: JsonPropertyName("reveals")] IReadOnlyList<WitnessReveal> Reveals,
    [property: JsonPropertyName("beaconValue")] RecordedBeacon? BeaconValue)
{
    public const int CurrentVersion = 2;

    [JsonIgnore]
    public string Phase => BeaconValue is not null ? WitnessCeremony.Ready : ClosedAt is not null ? WitnessCeremony.Revealing : WitnessCeremony.Committing;

    public WitnessReveal? RevealOf(string witness) => Reveals.FirstOrDefault(r => r.Witness == witness);
}

/// <summary>
/// A ceremony time as JSON: ISO 8601 with an explicit offset (<c>Z</c> or <c>±hh:mm</c>). A time without one would be
/// read in whatever zone the reading machine is in, so two verifiers could disagree; it is refused as unreadable.
/// </summary>
public sealed class OffsetTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new System.Text.Json.JsonException("a time is required");
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':' && char.IsAsciiDigit(text[^5]) && char.IsAsciiDigit(text[^4]) && char.IsAsciiDigit(text[^2]) && char.IsAsciiDigit(text[^1]));
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            throw new System.Text.Json.JsonException($"'{text}' is not an ISO 8601 time with a UTC offset");
        return value;
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value);
}

/// <summary><see cref="OffsetTimeConverter"/> for a time that may be null.</summary>
public sealed class OptionalOffsetTimeConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly OffsetTimeConverter Inner = new();

    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType == System.Text.Json.JsonTokenType.Null ? null : Inner.Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(System.Text.Json.Utf8JsonWriter writer, DateTimeOffset? value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteStringValue(v);
        else writer.WriteNullValue();
    }
}

/// <summary>Why a ceremony step was refused: a field error (400) or a step the phase does not allow (409).</summary>
public sealed record CeremonyRefusal(string Reason, IReadOnlyList<FieldError> Errors)
{
    public bool IsInvalid => Errors.Count > 0;
}

/// <summary>
/// The ceremony's rules as pure functions of the ceremony and the time (like <c>InspectionWorkflow</c>): each step answers
/// the ceremony after it, or why it was refused (the ceremony then unchanged). The hashes are draw-spec §3.3.
/// </summary>
public static class WitnessCeremony
{
    public const string Committing = "committing";
    public const string Revealing = "revealing";
    public const string Ready = "ready";

    public const string CommitmentDomain = "supervision/witness/v1";
    public const string SeedDomain = "supervision/seed/v2";

    /// <summary>At most this many witnesses commit to one task.</summary>
    public const int MaxWitnesses = 100;

    /// <summary>A nonce is 32 random bytes as 64 lowercase hex characters, so a commitment cannot be opened by guessing.</summary>
    public const int NonceHexLength = 64;

    /// <summary>The field errors of a beacon as named in a task's plan (text, lengths; the due time after <paramref name="now"/>).</summary>
    public static IReadOnlyList<FieldError> NameProblems(NamedBeacon? beacon, DateTimeOffset now, string field = "beacon")
    {
        var errors = new List<FieldError>();
        if (beacon is null)
        {
            errors.Add(FieldError.Required($"{field}", "is required: the public randomness source and a future round of it whose value the seed will wait for"));
            return errors;
        }
        if (string.IsNullOrWhiteSpace(beacon.Source) || beacon.Source.Trim().Length > 200) errors.Add(FieldError.RequiredText($"{field}.source", beacon.Source?.Trim(), 200, "is required (e.g. the beacon's name), at most 200 characters"));
        else TextRules.Check(errors, $"{field}.source", beacon.Source);
        if (string.IsNullOrWhiteSpace(beacon.Round) || beacon.Round.Trim().Length > 100) errors.Add(FieldError.RequiredText($"{field}.round", beacon.Round?.Trim(), 100, "is required (the round, pulse or issue number), at most 100 characters"));
        else TextRules.Check(errors, $"{field}.round", beacon.Round);
        if (beacon.ExpectedAt <= now) errors.Add(FieldError.TooEarly($"{field}.expectedAt", "must be in the future: a round whose value exists already could be known to whoever runs the ceremony"));
        return errors;
    }

    /// <summary>The beacon as recorded: texts trimmed (§3.2's trim rule), the time to the second in UTC.</summary>
    public static NamedBeacon Normalize(NamedBeacon beacon) =>
        new(beacon.Source.Trim(), beacon.Round.Trim(), Second(beacon.ExpectedAt));

    /// <summary>A new ceremony at freeze, with the beacon named in the plan.</summary>
    public static Ceremony Start(NamedBeacon beacon, int minimumWitnesses) =>
        new(Ceremony.CurrentVersion, Normalize(beacon), Math.Max(1, minimumWitnesses), [], null, [], null);

    /// <summary>
    /// commitment = SHA256(LP("supervision/witness/v1") || LP(taskId) || LP(value) || LP(nonce)), hex. The witness is not
    /// part of it (the platform records who committed, from the account), so a witness's browser can make it before
    /// knowing how the platform names them; the task id keeps it from being replayed on another task.
    /// </summary>
    public static string Commitment(string taskId, string value, string nonce)
    {
        var buffer = new List<byte>(256);
        DrawPrimitives.AppendField(buffer, CommitmentDomain);
        DrawPrimitives.AppendField(buffer, taskId);
        DrawPrimitives.AppendField(buffer, value);
        DrawPrimitives.AppendField(buffer, nonce);
        return DrawPrimitives.Hex(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>A fresh nonce (what the ceremony page makes in the witness's browser).</summary>
    public static string NewNonce() => DrawPrimitives.Hex(RandomNumberGenerator.GetBytes(32));

    public static (Ceremony Ceremony, CeremonyRefusal? Refusal) Commit(Ceremony c, string witness, string? department, string commitment, DateTimeOffset now)
    {
        // A repeated request (an answer lost, a retry) changes nothing and is not an error: the same instance comes back.
        if (c.Commitments.Any(x => x.Witness == witness && x.Commitment == commitment)) return (c, null);
        if (c.ClosedAt is not null) return (c, Illegal("The commitments are closed: a witness commits before any contribution is revealed."));
        if (c.Commitments.Any(x => x.Witness == witness)) return (c, Invalid(FieldError.Duplicate("commitment", "you have committed to this task already; a witness commits once")));
        if (!IsHex(commitment, 64)) return (c, Invalid(FieldError.Format("commitment", FieldFormats.Sha256, "must be a SHA-256 as 64 lowercase hex characters (draw-spec §3.3)")));
        if (c.Commitments.Any(x => x.Commitment == commitment)) return (c, Invalid(FieldError.Duplicate("commitment", "is another witness's commitment; make your own")));
        if (c.Commitments.Count >= MaxWitnesses) return (c, Invalid(FieldError.State("commitment", $"a task takes at most {MaxWitnesses} witnesses")));
        return (c with { Commitments = [.. c.Commitments, new WitnessCommitment(witness, department, commitment, Second(now))] }, null);
    }

    /// <summary>
    /// Closes the commitments: at least <see cref="Ceremony.MinimumWitnesses"/> have committed, at least one of them from
    /// outside <paramref name="leadDepartment"/>, and the named round is not yet due.
    /// </summary>
    public static (Ceremony Ceremony, CeremonyRefusal? Refusal) Close(Ceremony c, string leadDepartment, DateTimeOffset now)
    {
        if (c.ClosedAt is not null) return (c, null); // closed already: a repeated close changes nothing
        if (now >= c.Beacon.ExpectedAt)
            return (c, Illegal($"The beacon round '{c.Beacon.Round}' of '{c.Beacon.Source}' was due at {c.Beacon.ExpectedAtText}: commitments closed after it could be made knowing it. Cancel the task with this reason and plan it again with a later round."));
        if (c.Commitments.Count < c.MinimumWitnesses)
            return (c, Illegal($"{c.Commitments.Count} of the {c.MinimumWitnesses} witnesses needed have committed."));
        if (!c.Commitments.Any(x => x.Department != leadDepartment))
            return (c, Illegal($"At least one witness from outside the lead department '{leadDepartment}' must commit."));
        return (c with { ClosedAt = Second(now) }, null);
    }

    public static (Ceremony Ceremony, CeremonyRefusal? Refusal) Reveal(Ceremony c, string taskId, string witness, string value, string nonce, DateTimeOffset now)
    {
        if (c.ClosedAt is null) return (c, Illegal("Contributions are revealed after the commitments close."));
        if (c.BeaconValue is not null) return (c, Illegal("The beacon value is recorded: the reveals are closed."));
        if (c.RevealOf(witness) is { } earlier && earlier.Value == value && earlier.Nonce == nonce) return (c, null);
        var committed = c.Commitments.FirstOrDefault(x => x.Witness == witness);
        if (committed is null) return (c, Invalid(FieldError.State("value", "you have not committed to this task")));
        if (c.RevealOf(witness) is not null) return (c, Invalid(FieldError.Duplicate("value", "you have revealed your contribution already")));
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(value) || value.Length > 1000) errors.Add(FieldError.RequiredText("value", value, 1000, "is required, at most 1000 characters"));
        else TextRules.Check(errors, "value", value);
        if (!IsHex(nonce, NonceHexLength)) errors.Add(FieldError.Format("nonce", FieldFormats.Hex, "must be the 64 lowercase hex characters made when you committed"));
        if (errors.Count > 0) return (c, new CeremonyRefusal("invalid", errors));
        if (Commitment(taskId, value, nonce) != committed.Commitment)
            return (c, Invalid(FieldError.Mismatch("value", "does not open your commitment: the value or the nonce differs from what you committed", other: "commitment")));
        return (c with { Reveals = [.. c.Reveals, new WitnessReveal(witness, value, nonce, Second(now))] }, null);
    }

    /// <summary>Records the named round's value, once, after the commitments closed and not before the round was due.</summary>
    public static (Ceremony Ceremony, CeremonyRefusal? Refusal) RecordBeacon(Ceremony c, string value, DateTimeOffset now)
    {
        if (c.BeaconValue is { } recorded)
            return recorded.Value == value.Trim() ? (c, null) : (c, Illegal("The beacon value is recorded once and already is: it cannot be replaced."));
        if (c.ClosedAt is null) return (c, Illegal("The beacon value is recorded after the witnesses' commitments close."));
        if (now < c.Beacon.ExpectedAt)
            return (c, Illegal($"The round '{c.Beacon.Round}' of '{c.Beacon.Source}' is due at {c.Beacon.ExpectedAtText}; its value cannot be known before."));
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(value) || value.Length > 2000) errors.Add(FieldError.RequiredText("value", value, 2000, "is required (the round's value as the source publishes it), at most 2000 characters"));
        else TextRules.Check(errors, "value", value);
        if (errors.Count > 0) return (c, new CeremonyRefusal("invalid", errors));
        return (c with { BeaconValue = new RecordedBeacon(value.Trim(), Second(now)) }, null);
    }

    /// <summary>
    /// seed = SHA256( LP("supervision/seed/v2") || LP(secret) || LP(taskId) || LP(alg)
    ///                || LP(beacon.source) || LP(beacon.round) || LP(beacon.expectedAt)
    ///                || U32BE(number of commitments) || for each commitment in recorded order:
    ///                     LP(witness) || LP(commitment) || (U8(1) || LP(value) || LP(nonce)  if revealed | U8(0))
    ///                || LP(beacon value) ).
    /// </summary>
    public static byte[] DeriveSeed(ReadOnlySpan<byte> secret, string taskId, string algorithm, Ceremony c)
    {
        if (secret.Length != 32) throw new ArgumentException("The secret must be 32 bytes.", nameof(secret));
        if (c.BeaconValue is null) throw new ArgumentException("The seed waits for the beacon value.", nameof(c));
        var buffer = new List<byte>(512);
        DrawPrimitives.AppendField(buffer, SeedDomain);
        DrawPrimitives.AppendField(buffer, secret);
        DrawPrimitives.AppendField(buffer, taskId);
        DrawPrimitives.AppendField(buffer, algorithm);
        DrawPrimitives.AppendField(buffer, c.Beacon.Source);
        DrawPrimitives.AppendField(buffer, c.Beacon.Round);
        DrawPrimitives.AppendField(buffer, c.Beacon.ExpectedAtText);
        var count = (uint)c.Commitments.Count;
        buffer.Add((byte)(count >> 24)); buffer.Add((byte)(count >> 16)); buffer.Add((byte)(count >> 8)); buffer.Add((byte)count);
        foreach (var committed in c.Commitments)
        {
            DrawPrimitives.AppendField(buffer, committed.Witness);
            DrawPrimitives.AppendField(buffer, committed.Commitment);
            if (c.RevealOf(committed.Witness) is { } revealed)
            {
                buffer.Add(1);
                DrawPrimitives.AppendField(buffer, revealed.Value);
                DrawPrimitives.AppendField(buffer, revealed.Nonce);
            }
            else
            {
                buffer.Add(0);
            }
        }
        DrawPrimitives.AppendField(buffer, c.BeaconValue.Value);
        return SHA256.HashData(buffer.ToArray());
    }

    /// <summary>
    /// What a verifier checks of a pack's ceremony besides the seed: each reveal opens its commitment, witnesses are unique,
    /// the commitments closed before the round was due and the beacon value was recorded after both; empty when it holds.
    /// </summary>
    public static IReadOnlyList<string> Problems(string taskId, Ceremony c)
    {
        var problems = new List<string>();
        if (c.Version != Ceremony.CurrentVersion) problems.Add($"ceremony.version {c.Version} is not {Ceremony.CurrentVersion}");
        if (c.Commitments.Select(x => x.Witness).Distinct(StringComparer.Ordinal).Count() != c.Commitments.Count) problems.Add("ceremony: a witness committed twice");
        if (c.Commitments.Count < c.MinimumWitnesses) problems.Add($"ceremony: {c.Commitments.Count} commitments, fewer than the minimum {c.MinimumWitnesses}");
        if (c.ClosedAt is not { } closed) problems.Add("ceremony: the commitments never closed");
        else
        {
            if (closed >= c.Beacon.ExpectedAt) problems.Add("ceremony: the commitments closed when the beacon round was already due");
            if (c.Commitments.Any(x => x.At > closed)) problems.Add("ceremony: a commitment was made after the close");
        }
        if (c.BeaconValue is not { } beacon) problems.Add("ceremony: no beacon value");
        else if (beacon.At < c.Beacon.ExpectedAt) problems.Add("ceremony: the beacon value was recorded before its round was due");
        foreach (var r in c.Reveals)
        {
            var committed = c.Commitments.FirstOrDefault(x => x.Witness == r.Witness);
            if (committed is null) problems.Add($"ceremony: '{r.Witness}' revealed without a commitment");
            else if (Commitment(taskId, r.Value, r.Nonce) != committed.Commitment) problems.Add($"ceremony: the reveal of '{r.Witness}' does not open the commitment");
        }
        if (c.Reveals.Select(r => r.Witness).Distinct(StringComparer.Ordinal).Count() != c.Reveals.Count) problems.Add("ceremony: a witness revealed twice");
        var times = new[] { c.Beacon.ExpectedAt }.Concat(c.Commitments.Select(x => x.At)).Concat(c.Reveals.Select(r => r.At))
            .Concat(c.ClosedAt is { } t1 ? [t1] : []).Concat(c.BeaconValue is { } b ? [b.At] : []);
        if (times.Any(t => t.Ticks % TimeSpan.TicksPerSecond != 0)) problems.Add("ceremony: its times are recorded to the second (§3.3); one has a fraction");
        return problems;
    }

    /// <summary>Times are recorded to the second, in UTC (what every verifier parses alike).</summary>
    private static DateTimeOffset Second(DateTimeOffset t) => new(t.UtcDateTime.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static bool IsHex(string? text, int length) => text is not null && text.Length == length && text.All(ch => ch is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static CeremonyRefusal Illegal(string reason) => new(reason, []);

    private static CeremonyRefusal Invalid(FieldError error) => new(error.Reason, [error]);
}
