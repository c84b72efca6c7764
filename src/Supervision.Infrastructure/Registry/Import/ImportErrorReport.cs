using Supervision.Core.Registry;

namespace Supervision.Infrastructure.Registry.Import;

/// <summary>
/// An import's error report as CSV (line,field,reason), for GET /api/imports/{id}/errors.csv and `supervision import
/// --errors`: UTF-8 without BOM, RFC 4180, CRLF. A reason quotes the rejected value ("unknown status '=HYPERLINK(…)'"), so
/// cells go through <see cref="CsvUtf8Writer"/>, which neutralises anything a spreadsheet would take for a formula.
/// </summary>
public static class ImportErrorReport
{
    public static readonly IReadOnlyList<string> Columns = ["line", "field", "reason"];

    public static void WriteHeader(CsvUtf8Writer writer) => DirectoryCsv.WriteHeader(writer, Columns);

    public static void WriteRow(CsvUtf8Writer writer, ImportError error)
    {
        writer.WriteAsciiField(error.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteField(error.Field);
        writer.WriteField(error.Reason);
        writer.EndRow();
    }

    public static void Write(Stream stream, IEnumerable<ImportError> errors)
    {
        using var writer = new CsvUtf8Writer(stream, neutralizeFormulas: true); // a file people open in a spreadsheet
        WriteHeader(writer);
        foreach (var e in errors) WriteRow(writer, e);
    }
}
