using Supervision.Core.Validation;

namespace Supervision.Core.Registry;

/// <summary>What kind of problem a <see cref="CsvReadResult{T}"/> reports.</summary>
public enum CsvProblem
{
    /// <summary>The row parsed into a record (it may carry flags).</summary>
    None,

    /// <summary>This row is bad (field errors or a wrong field count); reading continues.</summary>
    InvalidRow,

    /// <summary>The file is empty. Fatal.</summary>
    Empty,

    /// <summary>The header lacks required columns — likely not a directory CSV of this kind. Fatal.</summary>
    WrongHeader,

    /// <summary>The bytes are not valid UTF-8. Fatal; rows before it were reported.</summary>
    InvalidUtf8,

    /// <summary>The file is in an encoding other than UTF-8 (a UTF-16 or UTF-32 byte-order mark, or NUL bytes in its first line). Fatal, the only result.</summary>
    UnsupportedEncoding,

    /// <summary>The file ends inside a quoted field or in a short last line without a line end. Fatal, last result.</summary>
    Truncated,
}

/// <summary>
/// One result of a streaming CSV read: a record, a row error (line number + field errors) or a
/// fatal file-level error (always the last result).
/// </summary>
/// <param name="LineNumber">1-based line where the row starts (header = line 1); for file errors the line reached.</param>
/// <param name="Record">The parsed, normalised, validated record; null for errors.</param>
/// <param name="Errors">Field errors (camelCase field names; "" for the row/file as a whole).</param>
/// <param name="Flags">Flags on an accepted record, e.g. <see cref="RecordFlags.ChecksumReview"/>.</param>
/// <param name="Problem">What went wrong, <see cref="CsvProblem.None"/> for a record.</param>
public sealed record CsvReadResult<T>(long LineNumber, T? Record, IReadOnlyList<FieldError> Errors, IReadOnlyList<string> Flags, CsvProblem Problem)
    where T : class
{
    public bool IsRecord => Problem == CsvProblem.None;

    /// <summary>Reading stopped here; no more results follow.</summary>
    public bool IsFatal => Problem is CsvProblem.Empty or CsvProblem.WrongHeader or CsvProblem.InvalidUtf8 or CsvProblem.UnsupportedEncoding or CsvProblem.Truncated;

    /// <summary>"line 7: creditCode: check character 18 should be 'Y', found '3'".</summary>
    public string Message => Problem == CsvProblem.None
        ? $"line {LineNumber}: ok"
        : $"line {LineNumber}: {string.Join("; ", Errors)}";
}
