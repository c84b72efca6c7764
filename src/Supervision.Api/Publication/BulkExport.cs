using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supervision.Core.Text;
using Supervision.Infrastructure.Publication;

namespace Supervision.Api.Publication;

/// <summary>
/// The bulk downloads: one partition (a year of publications, every department or one lead department) as CSV or
/// JSON, written row by row from the database reader into a small buffer that is flushed to the sink (the response,
/// a hash, or both) every 64 KiB, so memory stays flat whatever the size. The content for a given last seq never
/// changes, so its SHA-256 is computed once and stored (published_exports).
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

    private static string[] Fields(ExportRow r) =>
    [
        r.PublicationId, r.InspectionId, r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Kind, r.Reason ?? "", r.TaskId, r.TaskName,
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
            else if (name == "reason" && row.Reason is null) json.WriteNull(name);
            else if (name == "result_codes")
            {
                json.WriteStartArray(name);
                foreach (var code in row.ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries)) json.WriteStringValue(code);
                json.WriteEndArray();
            }
            else json.WriteString(name, fields[i]);
        }
        json.WriteEndObject();
    }
}
