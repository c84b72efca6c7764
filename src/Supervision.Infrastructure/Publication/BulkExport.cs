using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supervision.Core.Inspections;
using Supervision.Core.Text;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// The bulk downloads: one partition (a year of publications, every department or one lead department) as CSV or
/// JSON, written row by row from the database reader into a small buffer that is flushed to the sink (the response,
/// a hash, or both) every 64 KiB, so memory stays flat whatever the size. The content for a given last seq never
/// changes, so its SHA-256 is computed once and stored (published_exports) — until the expiry job withdraws rows of the
/// partition (docs/retention.md): it forgets the partition's checksums and has <see cref="RegenerateAsync"/> compute the
/// file's new one. It lives beside the queries (not in the API) because the job in the silo generates files too.
/// </summary>
public sealed class BulkExport(PublicationQueries queries, PublicationStore store, TimeProvider clock)
{
    public static readonly string[] Formats = ["csv", "json"];

    /// <summary>The CSV columns in order; the data dictionary (docs/public-portal.md, /open-data) describes each.</summary>
    public static readonly string[] Columns =
    [
        "publication_id", "inspection_id", "version", "kind", "reason", "task_id", "task_name", "entity_credit_code", "entity_name",
        "division_code", "industry_code", "lead_department", "approved_on", "published_on", "item_code", "item_name", "item_department",
        "result_codes", "inspected_on",
    ];

    private const int FlushBytes = 64 * 1024;

    public static string FileName(int year, string department, string format) =>
        $"supervision-results-{year}-{(department.Length == 0 ? "all" : department)}.{format}";

    /// <summary>The checksum of a partition's file as of <paramref name="lastSeq"/>: stored, or computed now by a streaming pass.</summary>
    public async Task<ExportInfo> InfoAsync(int year, string department, string format, long lastSeq, CancellationToken ct)
    {
        if (await queries.ExportInfoAsync(year, department, format, lastSeq, ct) is { } known) return known;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var rows = await WriteAsync(year, department, format, lastSeq, chunk =>
        {
            hash.AppendData(chunk.Span);
            bytes += chunk.Length;
            return ValueTask.CompletedTask;
        }, ct);
        var info = new ExportInfo(year, department, format, lastSeq, rows, bytes, Convert.ToHexStringLower(hash.GetHashAndReset()), clock.GetUtcNow());
        await store.SaveExportInfoAsync(info, ct);
        return info;
    }

    /// <summary>
    /// Generates a partition's file as it now is and stores its checksum, replacing any stored for the same last seq (which a
    /// download racing the withdrawal may have computed from the rows before it); null when nothing of the partition is public.
    /// </summary>
    public async Task<ExportInfo?> RegenerateAsync(int year, string department, string format, CancellationToken ct)
    {
        var (lastSeq, publications) = await queries.PartitionStateAsync(year, department, ct);
        if (publications == 0) return null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        var rows = await WriteAsync(year, department, format, lastSeq, chunk =>
        {
            hash.AppendData(chunk.Span);
            bytes += chunk.Length;
            return ValueTask.CompletedTask;
        }, ct);
        var info = new ExportInfo(year, department, format, lastSeq, rows, bytes, Convert.ToHexStringLower(hash.GetHashAndReset()), clock.GetUtcNow());
        await store.ReplaceExportInfoAsync(info, ct);
        return info;
    }

    /// <summary>Writes the file to <paramref name="sink"/>; returns the number of data rows.</summary>
    public async Task<long> WriteAsync(int year, string department, string format, long lastSeq, Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushBytes * 2);
        long rows = 0;
        async ValueTask FlushAsync(bool force)
        {
            if (buffer.WrittenCount == 0 || (!force && buffer.WrittenCount < FlushBytes)) return;
            await sink(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
        }

        if (format == "csv")
        {
            Append(buffer, string.Join(',', Columns) + "\r\n");
            await foreach (var row in queries.StreamExportAsync(year, department, lastSeq, ct))
            {
                Append(buffer, CsvLine(row));
                rows++;
                await FlushAsync(false);
            }
        }
        else
        {
            await using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartArray();
                await foreach (var row in queries.StreamExportAsync(year, department, lastSeq, ct))
                {
                    WriteJson(json, row);
                    rows++;
                    if (json.BytesPending + buffer.WrittenCount >= FlushBytes)
                    {
                        json.Flush();
                        await FlushAsync(false);
                    }
                }
                json.WriteEndArray();
                json.Flush();
            }
            Append(buffer, "\n");
        }
        await FlushAsync(true);
        return rows;
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>The reason cell: the text, or where a reviewer withheld it the marker with its category (never the text).</summary>
    private static string? ReasonCell(ExportRow r) =>
        Redactions.Parse(r.Withheld).TryGetValue(Redactions.Reason, out var category) ? Redactions.Marker(category) : r.Reason;

    private static string[] Fields(ExportRow r) =>
    [
        r.PublicationId, r.InspectionId, r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Kind, ReasonCell(r) ?? "", r.TaskId, r.TaskName,
        r.EntityCreditCode, r.EntityName, r.DivisionCode, r.IndustryCode, r.LeadDepartment, r.ApprovedOn, r.PublishedOn, r.ItemCode, r.ItemName,
        r.ItemDepartment, r.ResultCodes, r.InspectedOn,
    ];

    /// <summary>
    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A field a spreadsheet would take for a
    /// formula (a name or reason starting with = + - @, tab or CR) gets a single quote in front (OWASP CSV injection); the
    /// JSON file carries the text as it is.
    /// </summary>
    public static string CsvLine(ExportRow row) => string.Join(',', Fields(row).Select(f => Quote(SpreadsheetCells.Neutralize(f)))) + "\r\n";

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void WriteJson(Utf8JsonWriter json, ExportRow row)
    {
        json.WriteStartObject();
        var fields = Fields(row);
        for (var i = 0; i < Columns.Length; i++)
        {
            var name = Columns[i];
            if (name == "version") json.WriteNumber(name, row.Version);
            else if (name == "reason" && ReasonCell(row) is null) json.WriteNull(name);
            else if (name == "result_codes")
            {
                json.WriteStartArray(name);
                foreach (var code in row.ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries)) json.WriteStringValue(code);
                json.WriteEndArray();
            }
            else json.WriteString(name, fields[i]);
        }
        // Only a row with withheld fields has the key, so files without any keep their bytes (and stored checksums).
        if (Redactions.Parse(row.Withheld) is { Count: > 0 } withheld)
        {
            json.WriteStartArray("withheld");
            foreach (var (field, category) in withheld.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("field", field);
                json.WriteString("category", category);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
