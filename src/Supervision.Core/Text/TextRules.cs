using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Core.Text;

/// <summary>
/// What text the platform stores and publishes: one rule for every name and free-text field, whichever way it arrives
/// (an API write, a workbench form, a CSV import). Refused everywhere:
/// <list type="bullet">
/// <item>C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F): NUL, BEL, ESC, CR, … — in a multi-line field
/// (findings, reasons, addresses, descriptions) line feeds, tabs and CR LF pairs are allowed, nothing else;</item>
/// <item>the invisible bidirectional formatting characters — embeddings and overrides U+202A–U+202E, isolates
/// U+2066–U+2069, the marks U+200E, U+200F and U+061C: they make text display in another order than it is stored
/// (a task named "abc\u202Eexe.gpj" shows as "abcgpj.exe"), and administrative text in Chinese or English never needs
/// them;</item>
/// <item>the line and paragraph separators U+2028 and U+2029 (line breaks that some readers honour and others do not),
/// and unpaired surrogates (not Unicode text at all).</item>
/// </list>
/// Each refusal names the character and its position, so a problem detail or an import's row error says what to fix.
/// </summary>
public static class TextRules
{
    /// <summary>True for the bidirectional formatting characters refused in text.</summary>
    public static bool IsBidiControl(int codePoint) =>
        codePoint is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x200E or 0x200F or 0x061C;

    /// <summary>Why <paramref name="value"/> may not be stored, or null when it may. Null and empty text pass (required-ness is the caller's rule).</summary>
    public static string? Problem(string? value, bool multiLine = false) => Find(value, multiLine)?.Reason;

    /// <summary>The coded error (<c>characters</c>, with the position and code point) for <paramref name="field"/>, or null when the text may be stored.</summary>
    public static FieldError? Error(string field, string? value, bool multiLine = false) =>
        Find(value, multiLine) is { } found ? FieldError.Characters(field, found.Position, found.CodePoint, found.Reason) : null;

    private static (int Position, int CodePoint, string Reason)? Find(string? value, bool multiLine)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (char.IsHighSurrogate(ch) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(ch))
            {
                return (i + 1, ch, $"is not valid Unicode text (an unpaired surrogate U+{(int)ch:X4} at position {i + 1})");
            }

            if (multiLine && (ch is '\n' or '\t' || (ch == '\r' && i + 1 < value.Length && value[i + 1] == '\n')))
            {
                continue;
            }

            if (multiLine && ch == '\r')
            {
                return (i + 1, ch, $"must not contain a lone carriage return U+000D (position {i + 1}): a line break is LF or CR LF");
            }

            if (char.IsControl(ch))
            {
                var allowed = multiLine ? "only line breaks and tabs are allowed" : "this field is a single line of text";
                return (i + 1, ch, $"must not contain the control character U+{(int)ch:X4}{Describe(ch)} (position {i + 1}): {allowed}");
            }

            if (IsBidiControl(ch))
            {
                return (i + 1, ch, $"must not contain the invisible bidirectional formatting character U+{(int)ch:X4} (position {i + 1}): it makes text display in another order than it is stored");
            }

            if (ch is '\u2028' or '\u2029')
            {
                return (i + 1, ch, $"must not contain the Unicode {(ch == '\u2028' ? "line" : "paragraph")} separator U+{(int)ch:X4} (position {i + 1})" +
                    (multiLine ? ": use a line feed" : ": this field is a single line of text"));
            }
        }

        return null;
    }

    /// <summary>Adds an error for <paramref name="field"/> when <paramref name="value"/> breaks the rules; true when it passes.</summary>
    public static bool Check(List<FieldError> errors, string field, string? value, bool multiLine = false)
    {
        if (Error(field, value, multiLine) is not { } error)
        {
            return true;
        }

        errors.Add(error);
        return false;
    }

    /// <summary>
    /// A text field of a command, trimmed: when blank, an error only if <paramref name="required"/> ("is required,
    /// 1-<paramref name="max"/> characters: <paramref name="what"/>"); longer than <paramref name="max"/>, too-long;
    /// otherwise <see cref="Check"/>'s character rules.
    /// </summary>
    public static void CheckField(List<FieldError> errors, string field, string? value, bool required, int max, string what, bool multiLine = true)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0)
        {
            if (required) errors.Add(FieldError.Required(field, $"is required, 1-{max} characters: {what}"));
            return;
        }

        if (text.Length > max) errors.Add(FieldError.TooLong(field, max, text.Length, $"must be at most {max} characters"));
        else Check(errors, field, text, multiLine);
    }

    /// <summary>A command's optional text as stored: trimmed, or null when blank.</summary>
    public static string? OrNull(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Describe(char ch) => ch switch
    {
        '\0' => " (NUL)",
        '\a' => " (BEL)",
        '\b' => " (backspace)",
        '\t' => " (tab)",
        '\n' => " (line feed)",
        '\v' => " (vertical tab)",
        '\f' => " (form feed)",
        '\r' => " (carriage return)",
        '\u001B' => " (escape)",
        '\u007F' => " (delete)",
        _ => "",
    };
}
