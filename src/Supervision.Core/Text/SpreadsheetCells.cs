namespace Supervision.Core.Text;

/// <summary>
/// CSV injection (OWASP, "CSV Injection"): a spreadsheet opening a CSV evaluates a cell that starts with '=', '+', '-'
/// or '@' as a formula (=HYPERLINK(…) links anywhere, =cmd|… ran programs in old versions), and a leading tab or carriage
/// return can hide such a start. Every CSV the platform writes for people — open-data downloads, error reports — passes
/// its cells through <see cref="Neutralize"/>, which puts a single quote in front of such a cell: spreadsheets then
/// show it as text, and a program reading the file sees the quote and the text unchanged after it.
/// </summary>
public static class SpreadsheetCells
{
    /// <summary>True when a spreadsheet could take <paramref name="cell"/> for a formula.</summary>
    public static bool IsFormulaLike(ReadOnlySpan<char> cell) => cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    /// <summary><paramref name="cell"/> with a single quote in front when it could be taken for a formula, otherwise unchanged.</summary>
    public static string Neutralize(string? cell) => cell is null ? "" : IsFormulaLike(cell) ? "'" + cell : cell;
}
