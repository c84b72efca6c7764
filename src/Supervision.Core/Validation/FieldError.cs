using System.Globalization;
using System.Text.Json.Serialization;

namespace Supervision.Core.Validation;

/// <summary>
/// What is wrong with a field, as a stable machine-readable word a page translates (docs/errors.md). Written in
/// kebab-case on the wire; a new code may be added, an existing one never changes meaning.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FieldErrorCode>))]
public enum FieldErrorCode
{
    /// <summary>No code: an error sent by a version that had none, or that the platform cannot classify. Never given at a source.</summary>
    [JsonStringEnumMemberName("invalid")] Invalid = 0,
    [JsonStringEnumMemberName("required")] Required,
    [JsonStringEnumMemberName("whitespace")] Whitespace,
    [JsonStringEnumMemberName("characters")] Characters,
    [JsonStringEnumMemberName("too-long")] TooLong,
    [JsonStringEnumMemberName("too-short")] TooShort,
    [JsonStringEnumMemberName("too-many")] TooMany,
    [JsonStringEnumMemberName("too-few")] TooFew,
    [JsonStringEnumMemberName("too-large")] TooLarge,
    [JsonStringEnumMemberName("format")] Format,
    [JsonStringEnumMemberName("checksum")] Checksum,
    [JsonStringEnumMemberName("unknown-value")] UnknownValue,
    [JsonStringEnumMemberName("not-found")] NotFound,
    [JsonStringEnumMemberName("not-allowed")] NotAllowed,
    [JsonStringEnumMemberName("out-of-range")] OutOfRange,
    [JsonStringEnumMemberName("too-early")] TooEarly,
    [JsonStringEnumMemberName("too-late")] TooLate,
    [JsonStringEnumMemberName("mismatch")] Mismatch,
    [JsonStringEnumMemberName("duplicate")] Duplicate,
    [JsonStringEnumMemberName("conflict")] Conflict,
    [JsonStringEnumMemberName("cannot-change")] CannotChange,
    [JsonStringEnumMemberName("unchanged")] Unchanged,
    [JsonStringEnumMemberName("state")] State,
    [JsonStringEnumMemberName("unreadable")] Unreadable,
}

/// <summary>The values a page needs to word a <see cref="FieldError"/> itself; only the members a code uses are set.</summary>
public sealed record FieldErrorArgs
{
    /// <summary>Lower bound (characters, entries, a number), inclusive.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Min { get; init; }

    /// <summary>Upper bound (characters, entries, bytes, a number), inclusive.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Max { get; init; }

    /// <summary>Exclusive lower bound ("must be positive" is <c>above: 0</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Above { get; init; }

    /// <summary>What was given: a length, a count, a size or the number itself.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Actual { get; init; }

    /// <summary>The offending value, as sent (a code, a name, a date).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Value { get; init; }

    /// <summary>The values that would be accepted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>For <c>required</c> on a list: the entries still missing (item codes without a result).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Missing { get; init; }

    /// <summary>For <c>format</c>: the form expected, one of <see cref="FieldFormats"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Expected { get; init; }

    /// <summary>For <c>too-early</c>/<c>too-late</c>: the bound (yyyy-MM-dd or an ISO 8601 instant); absent means "now".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Limit { get; init; }

    /// <summary>Another field the rule compares this one with (<c>to</c> against <c>from</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Other { get; init; }

    /// <summary>For <c>characters</c>: the 1-based position and the code point (<c>U+202E</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Position { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Character { get; init; }
}

/// <summary>The forms a <c>format</c> error names in <see cref="FieldErrorArgs.Expected"/>.</summary>
public static class FieldFormats
{
    public const string Date = "date";
    public const string Instant = "instant";
    public const string TimeOfDay = "time-of-day";
    public const string TimeSpan = "time-span";
    public const string Number = "number";
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The format's name in the error vocabulary (docs/errors.md).")]
    public const string Decimal = "decimal";
    public const string Boolean = "boolean";
    public const string Digits = "digits";
    public const string DivisionCode = "division-code";
    public const string IndustryCode = "industry-code";
    public const string CreditCode = "credit-code";
    public const string Code = "code";
    public const string Username = "username";
    public const string Sha256 = "sha256";
    public const string Hex = "hex";
    public const string FileName = "file-name";
    public const string Utf8 = "utf-8";
    public const string Csv = "csv";
    public const string Cursor = "cursor";
    public const string Text = "text";
    public const string Url = "url";
}

/// <summary>
/// One problem with one field; <see cref="Field"/> is the camelCase JSON/CSV name ("" for the whole row). Made only
/// through the factories below, one per <see cref="FieldErrorCode"/>, so that no error exists without a code and the
/// English reason of the common ones is written from the same arguments a page translates.
/// </summary>
public sealed record FieldError
{
    [JsonConstructor]
    private FieldError(string field, FieldErrorCode code, string reason, FieldErrorArgs? args)
    {
        Field = field;
        Code = code;
        Reason = reason;
        Args = args;
    }

    /// <summary>The field (a JSON path such as <c>items[0].resultCodes</c>); <c>with { Field = … }</c> moves an error under another name.</summary>
    public string Field { get; init; }

    public FieldErrorCode Code { get; }

    /// <summary>The English sentence (without the field's name) for readers without a translation.</summary>
    public string Reason { get; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FieldErrorArgs? Args { get; }

    public override string ToString() => Field.Length == 0 ? Reason : $"{Field}: {Reason}";

    private static string N(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static FieldErrorArgs? Of(FieldErrorArgs args) => args == new FieldErrorArgs() ? null : args;

    /// <summary>Missing or empty. <paramref name="reason"/> may say more than "is required" (what to give).</summary>
    public static FieldError Required(string field, string? reason = null, IEnumerable<string>? missing = null) =>
        new(field, FieldErrorCode.Required, reason ?? "is required", missing is null ? null : new FieldErrorArgs { Missing = missing.ToArray() });

    /// <summary>
    /// For a text checked as "required, at most <paramref name="max"/> characters" in one rule: <c>required</c> when
    /// <paramref name="value"/> is blank, <c>too-long</c> otherwise; both with the rule's own <paramref name="reason"/>.
    /// </summary>
    public static FieldError RequiredText(string field, string? value, int max, string reason) =>
        string.IsNullOrWhiteSpace(value) ? Required(field, reason) : TooLong(field, max, value.Length, reason);

    /// <summary>Only whitespace, or leading or trailing whitespace.</summary>
    public static FieldError Whitespace(string field, bool onlyWhitespace, bool required = false) =>
        new(field, FieldErrorCode.Whitespace,
            !onlyWhitespace ? "must not have leading or trailing whitespace"
            : required ? "is required (only whitespace given)" : "must not be only whitespace",
            new FieldErrorArgs { Value = onlyWhitespace ? "only" : "edges" });

    /// <summary>A character text may not hold (a control or bidirectional formatting character, an unpaired surrogate).</summary>
    public static FieldError Characters(string field, int position, int codePoint, string reason) =>
        new(field, FieldErrorCode.Characters, reason,
            new FieldErrorArgs { Position = position, Character = $"U+{codePoint:X4}" });

    /// <summary>More characters than <paramref name="max"/>.</summary>
    public static FieldError TooLong(string field, int max, int? actual = null, string? reason = null) =>
        new(field, FieldErrorCode.TooLong,
            reason ?? (actual is { } a ? $"must be at most {max} characters, got {a}" : $"must be at most {max} characters"),
            new FieldErrorArgs { Max = max, Actual = actual });

    /// <summary>Fewer characters than <paramref name="min"/>.</summary>
    public static FieldError TooShort(string field, int min, string? reason = null) =>
        new(field, FieldErrorCode.TooShort, reason ?? $"must be at least {min} characters", new FieldErrorArgs { Min = min });

    /// <summary>A list with more than <paramref name="max"/> entries.</summary>
    public static FieldError TooMany(string field, int max, int? actual = null, string? reason = null) =>
        new(field, FieldErrorCode.TooMany,
            reason ?? (actual is { } a ? $"at most {max} entries, got {a}" : $"at most {max} entries"),
            new FieldErrorArgs { Max = max, Actual = actual });

    /// <summary>A list with fewer than <paramref name="min"/> entries ("choose at least one").</summary>
    public static FieldError TooFew(string field, int min, string? reason = null) =>
        new(field, FieldErrorCode.TooFew, reason ?? $"at least {min} required", new FieldErrorArgs { Min = min });

    /// <summary>A file or body larger than <paramref name="maxBytes"/>.</summary>
    public static FieldError TooLarge(string field, long maxBytes, long? actualBytes = null, string? reason = null) =>
        new(field, FieldErrorCode.TooLarge,
            reason ?? (actualBytes is { } a ? $"must be at most {maxBytes} bytes, got {a}" : $"must be at most {maxBytes} bytes"),
            new FieldErrorArgs { Max = maxBytes, Actual = actualBytes });

    /// <summary>Not written in the form <paramref name="expected"/> (one of <see cref="FieldFormats"/>).</summary>
    public static FieldError Format(string field, string expected, string reason, string? value = null) =>
        new(field, FieldErrorCode.Format, reason, new FieldErrorArgs { Expected = expected, Value = value });

    /// <summary>Well formed, but a check character is wrong (a credit code).</summary>
    public static FieldError Checksum(string field, string reason, string? value = null) =>
        new(field, FieldErrorCode.Checksum, reason, Of(new FieldErrorArgs { Value = value }));

    /// <summary>Not one of a fixed vocabulary (a status, a role, a reference code).</summary>
    public static FieldError UnknownValue(string field, string? value, IEnumerable<string>? allowed = null, string? reason = null)
    {
        var list = allowed?.ToArray();
        reason ??= list is null ? $"'{value}' is not a known value"
            : value is null ? $"must be one of {string.Join(", ", list)}"
            : $"must be one of {string.Join(", ", list)}, got '{value}'";
        return new(field, FieldErrorCode.UnknownValue, reason, Of(new FieldErrorArgs { Value = value, Allowed = list }));
    }

    /// <summary>Names a record that does not exist or is not in reach (a department, a team member, an uploaded file).</summary>
    public static FieldError NotFound(string field, string? value, string reason) =>
        new(field, FieldErrorCode.NotFound, reason, Of(new FieldErrorArgs { Value = value }));

    /// <summary>A known value that this record, this actor or this rule does not allow here.</summary>
    public static FieldError NotAllowed(string field, string reason, string? value = null, IEnumerable<string>? allowed = null) =>
        new(field, FieldErrorCode.NotAllowed, reason, Of(new FieldErrorArgs { Value = value, Allowed = allowed?.ToArray() }));

    /// <summary>A number outside its bounds (inclusive <paramref name="min"/>/<paramref name="max"/>, exclusive <paramref name="above"/>).</summary>
    public static FieldError OutOfRange(string field, double? min = null, double? max = null, double? actual = null, string? reason = null, double? above = null)
    {
        reason ??= (min, max, above) switch
        {
            ({ } lo, { } hi, _) => $"must be between {N(lo)} and {N(hi)}",
            ({ } lo, null, _) => $"must be at least {N(lo)}",
            (null, { } hi, _) => $"must be at most {N(hi)}",
            (null, null, { } a) => a == 0 ? "must be positive" : $"must be greater than {N(a)}",
            _ => "is out of range",
        };
        return new(field, FieldErrorCode.OutOfRange, reason, new FieldErrorArgs { Min = min, Max = max, Above = above, Actual = actual });
    }

    /// <summary>A date or time before <paramref name="limit"/> (or before the field <paramref name="other"/>; neither: before now).</summary>
    public static FieldError TooEarly(string field, string reason, string? limit = null, string? other = null) =>
        new(field, FieldErrorCode.TooEarly, reason, Of(new FieldErrorArgs { Limit = limit, Other = other }));

    /// <summary>A date or time after <paramref name="limit"/> (null: in the future).</summary>
    public static FieldError TooLate(string field, string reason, string? limit = null) =>
        new(field, FieldErrorCode.TooLate, reason, Of(new FieldErrorArgs { Limit = limit }));

    /// <summary>Does not agree with another value (<paramref name="other"/>: the field or the stored record it is checked against).</summary>
    public static FieldError Mismatch(string field, string reason, string? other = null, string? value = null) =>
        new(field, FieldErrorCode.Mismatch, reason, Of(new FieldErrorArgs { Other = other, Value = value }));

    /// <summary>Given twice, or already there.</summary>
    public static FieldError Duplicate(string field, string reason, string? value = null) =>
        new(field, FieldErrorCode.Duplicate, reason, Of(new FieldErrorArgs { Value = value }));

    /// <summary>Values that may not be chosen together (result codes that contradict each other, options for another mode).</summary>
    public static FieldError Conflict(string field, string reason, string? other = null) =>
        new(field, FieldErrorCode.Conflict, reason, Of(new FieldErrorArgs { Other = other }));

    /// <summary>A key or a field fixed once the record exists.</summary>
    public static FieldError CannotChange(string field, string? reason = null) =>
        new(field, FieldErrorCode.CannotChange, reason ?? "cannot change", null);

    /// <summary>Must differ from what is there (a new password, an amendment).</summary>
    public static FieldError Unchanged(string field, string reason) =>
        new(field, FieldErrorCode.Unchanged, reason, null);

    /// <summary>Right in itself, but not in the record's or the platform's present state (a cap reached, already contributed).</summary>
    public static FieldError State(string field, string reason) =>
        new(field, FieldErrorCode.State, reason, null);

    /// <summary>The request or file could not be read as the format it claims (malformed JSON, a broken CSV).</summary>
    public static FieldError Unreadable(string field, string reason) =>
        new(field, FieldErrorCode.Unreadable, reason, null);
}
