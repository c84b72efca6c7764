using Supervision.Core.Validation;

namespace Supervision.Core.Registry;

/// <summary>How strictly a record is checked.</summary>
public enum ValidationMode
{
    /// <summary>Hand-entered records: every rule, including both check characters, must hold.</summary>
    Strict,

    /// <summary>
    /// Bulk import of real data: a well-formed credit code whose check characters are wrong is
    /// accepted and flagged <see cref="RecordFlags.ChecksumReview"/> instead of rejected.
    /// </summary>
    Lenient,
}

/// <summary>Which credit-code rule failed.</summary>
public enum CreditCodeFailure
{
    None,
    Missing,
    WrongLength,
    InvalidCharacter,
    /// <summary>Position 17 is not the GB 11714 check over positions 9–16.</summary>
    OrganizationCheckMismatch,
    /// <summary>Position 18 is not the GB 32100 check over positions 1–17.</summary>
    CheckCharacterMismatch,
}

/// <summary>Outcome of <see cref="CreditCode.Validate"/>.</summary>
/// <param name="Failure">The first rule that failed, or <see cref="CreditCodeFailure.None"/>.</param>
/// <param name="Position">1-based character position the failure concerns (0 when none / whole code).</param>
/// <param name="Reason">Human-readable reason, null when valid.</param>
/// <param name="ChecksumFailures">Both checksum failures when the code is well formed (either or both may be present).</param>
public sealed record CreditCodeValidation(CreditCodeFailure Failure, int Position, string? Reason, IReadOnlyList<string> ChecksumFailures)
{
    public bool IsValid => Failure == CreditCodeFailure.None;

    /// <summary>Well formed (length and characters right) but a check character is wrong.</summary>
    public bool IsChecksumFailure => Failure is CreditCodeFailure.OrganizationCheckMismatch or CreditCodeFailure.CheckCharacterMismatch;

    /// <summary>Acceptable under <paramref name="mode"/>: valid, or (lenient) only a checksum failure.</summary>
    public bool IsAcceptable(ValidationMode mode) => IsValid || (mode == ValidationMode.Lenient && IsChecksumFailure);

    /// <summary>The failure as a coded error for <paramref name="field"/>: required, format (credit-code) or checksum.</summary>
    public FieldError ToFieldError(string field, string reasonPrefix = "") => Failure switch
    {
        CreditCodeFailure.Missing => FieldError.Required(field, reasonPrefix + Reason),
        CreditCodeFailure.OrganizationCheckMismatch or CreditCodeFailure.CheckCharacterMismatch => FieldError.Checksum(field, reasonPrefix + Reason),
        _ => FieldError.Format(field, FieldFormats.CreditCode, reasonPrefix + Reason),
    };
}

/// <summary>The parts embedded in a Unified Social Credit Code.</summary>
/// <param name="RegistrationAuthority">Position 1 (e.g. '9' market regulation).</param>
/// <param name="EntityType">Positions 1–2 (e.g. "91" enterprise) — the entity-type code.</param>
/// <param name="DivisionCode">Positions 3–8: GB/T 2260 division of the registering authority at issue time.</param>
/// <param name="OrganizationCode">Positions 9–17: the GB 11714 organization code including its check character.</param>
/// <param name="CheckCharacter">Position 18.</param>
public sealed record CreditCodeParts(char RegistrationAuthority, string EntityType, string DivisionCode, string OrganizationCode, char CheckCharacter);

/// <summary>
/// GB 32100-2015 Unified Social Credit Code: 18 characters from <see cref="Charset"/>; position 18
/// checks positions 1–17 (weights 3^(i−1) mod 31), position 17 is the GB 11714 organization-code
/// check over positions 9–16 (weights 3,7,9,10,5,8,4,2, value 11 − Σ mod 11, 10 → 'X', 11 → '0').
/// </summary>
public static class CreditCode
{
    /// <summary>The 31 characters in value order (no I, O, S, V, Z).</summary>
    public const string Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    public const int Length = 18;

    private static readonly int[] Weights = BuildWeights();
    private static readonly int[] OrgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
    private static readonly sbyte[] ValueOf = BuildValues();

    /// <summary>Value of <paramref name="c"/> in <see cref="Charset"/>, or −1.</summary>
    public static int CharValue(char c) => c < 128 ? ValueOf[c] : -1;

    /// <summary>
    /// Checks form and both check characters. Reports the first failing rule: missing, length,
    /// a disallowed character (with its position), then position 17, then position 18. Lower case
    /// is not accepted; callers normalise with <see cref="Normalize"/> first.
    /// </summary>
    public static CreditCodeValidation Validate(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return Fail(CreditCodeFailure.Missing, 0, "credit code is required");
        }

        if (code.Length != Length)
        {
            return Fail(CreditCodeFailure.WrongLength, 0, $"credit code must be 18 characters, got {code.Length}");
        }

        for (var i = 0; i < Length; i++)
        {
            if (CharValue(code[i]) < 0)
            {
                var hint = code[i] is >= 'a' and <= 'z' ? " (use upper case)" : "";
                return Fail(CreditCodeFailure.InvalidCharacter, i + 1, $"character '{code[i]}' at position {i + 1} is not allowed{hint}");
            }
        }

        var failures = new List<string>(2);
        var firstFailure = CreditCodeFailure.None;
        var firstPosition = 0;
        var org = ComputeOrganizationCheckCharacter(code.AsSpan(8, 8));
        if (code[16] != org)
        {
            failures.Add($"check character 17 should be '{org}' (organization code check over positions 9-16), found '{code[16]}'");
            firstFailure = CreditCodeFailure.OrganizationCheckMismatch;
            firstPosition = 17;
        }

        var check = ComputeCheckCharacter(code.AsSpan(0, 17));
        if (code[17] != check)
        {
            failures.Add($"check character 18 should be '{check}', found '{code[17]}'");
            if (firstFailure == CreditCodeFailure.None)
            {
                firstFailure = CreditCodeFailure.CheckCharacterMismatch;
                firstPosition = 18;
            }
        }

        return firstFailure == CreditCodeFailure.None
            ? new CreditCodeValidation(CreditCodeFailure.None, 0, null, [])
            : new CreditCodeValidation(firstFailure, firstPosition, string.Join("; ", failures), failures);
    }

    /// <summary>True when the code passes every rule.</summary>
    public static bool IsValid(string? code) => Validate(code).IsValid;

    /// <summary>
    /// The code as a person types or pastes it, made comparable — the one normalisation every lookup by credit code uses
    /// (portal search, entity and credit pages, receipts, the open-data and staff APIs, imports). Pure and total:
    /// full-width ASCII (U+FF01–U+FF5E, as a Chinese input method types "９１２１…ｍａ") becomes half-width; spaces of any
    /// kind (including the ideographic space U+3000) and hyphens or dashes (ASCII '-', U+2010–U+2015, U+2212; the
    /// full-width '－' folds to '-') are removed wherever they are, which also trims; ASCII letters are upper-cased.
    /// Nothing else changes, so a result that is still not a valid code fails <see cref="Validate"/> (or finds nothing)
    /// as the raw text would have.
    /// </summary>
    public static string Normalize(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return "";
        }

        Span<char> buffer = code.Length <= 64 ? stackalloc char[code.Length] : new char[code.Length];
        var n = 0;
        foreach (var raw in code)
        {
            var c = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw;
            if (char.IsWhiteSpace(c) || c is '-' or (>= '\u2010' and <= '\u2015') or '\u2212')
            {
                continue;
            }

            buffer[n++] = c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;
        }

        return new string(buffer[..n]);
    }

    /// <summary>Position-18 check character for the first 17 characters (all must be in <see cref="Charset"/>).</summary>
    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != 17)
        {
            throw new ArgumentException("exactly 17 characters are needed", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            var v = CharValue(first17[i]);
            if (v < 0)
            {
                throw new ArgumentException($"character '{first17[i]}' at position {i + 1} is not allowed", nameof(first17));
            }

            sum += v * Weights[i];
        }

        return Charset[(31 - (sum % 31)) % 31];
    }

    /// <summary>
    /// GB 11714 check character over an 8-character organization-code body (digits, then
    /// A=10 … Z=35): '0'–'9' or 'X'.
    /// </summary>
    public static char ComputeOrganizationCheckCharacter(ReadOnlySpan<char> body8)
    {
        if (body8.Length != 8)
        {
            throw new ArgumentException("exactly 8 characters are needed", nameof(body8));
        }

        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            var c = body8[i];
            var v = c is >= '0' and <= '9' ? c - '0' : c is >= 'A' and <= 'Z' ? c - 'A' + 10 : throw new ArgumentException($"character '{c}' at position {i + 1} is not allowed", nameof(body8));
            sum += v * OrgWeights[i];
        }

        var value = 11 - (sum % 11);
        return value switch { 10 => 'X', 11 => '0', _ => (char)('0' + value) };
    }

    /// <summary>
    /// Completes a code from its first 16 characters (authority, type, division, 8-character
    /// organization body) by appending both check characters.
    /// </summary>
    public static string Complete(ReadOnlySpan<char> first16)
    {
        if (first16.Length != 16)
        {
            throw new ArgumentException("exactly 16 characters are needed", nameof(first16));
        }

        Span<char> buf = stackalloc char[18];
        first16.CopyTo(buf);
        buf[16] = ComputeOrganizationCheckCharacter(first16[8..16]);
        buf[17] = ComputeCheckCharacter(buf[..17]);
        return new string(buf);
    }

    /// <summary>Splits a well-formed code (checksums not required) into its parts.</summary>
    public static bool TryParse(string? code, out CreditCodeParts? parts)
    {
        parts = null;
        var v = Validate(code);
        if (!v.IsValid && !v.IsChecksumFailure)
        {
            return false;
        }

        parts = new CreditCodeParts(code![0], code[..2], code[2..8], code[8..17], code[17]);
        return true;
    }

    private static CreditCodeValidation Fail(CreditCodeFailure f, int position, string reason) => new(f, position, reason, []);

    private static int[] BuildWeights()
    {
        var w = new int[17];
        var x = 1;
        for (var i = 0; i < 17; i++)
        {
            w[i] = x;
            x = x * 3 % 31;
        }

        return w;
    }

    private static sbyte[] BuildValues()
    {
        var v = new sbyte[128];
        Array.Fill(v, (sbyte)-1);
        for (var i = 0; i < Charset.Length; i++)
        {
            v[Charset[i]] = (sbyte)i;
        }

        return v;
    }
}

/// <summary>The legacy 15-digit business registration number (注册号), an optional field.</summary>
public static class LegacyRegistrationNumber
{
    public const int Length = 15;

    /// <summary>Null when valid; otherwise the reason. Only the form (15 digits) is checked.</summary>
    public static string? Validate(string? number)
    {
        if (number is null || number.Length != Length)
        {
            return $"registration number must be 15 digits, got {number?.Length ?? 0} characters";
        }

        for (var i = 0; i < number.Length; i++)
        {
            if (number[i] is < '0' or > '9')
            {
                return $"character '{number[i]}' at position {i + 1} is not a digit";
            }
        }

        return null;
    }
}
