using System.Text;

namespace Supervision.Infrastructure.Tasks;

/// <summary>A committed draw record (draw_records): one per task and kind, written once.</summary>
public sealed record DrawRecordRow
{
    public required string TaskId { get; init; }
    public required string Kind { get; init; }

    /// <summary>The record as text; '' when it is stored compressed in <see cref="RecordGzip"/> (0012).</summary>
    public required string RecordJson { get; init; }

    /// <summary>The record's UTF-8 JSON as one gzip member (entity packs since 0012), else null.</summary>
    public byte[]? RecordGzip { get; init; }

    /// <summary>The record's JSON text as UTF-8 bytes, whichever way it is stored.</summary>
    public byte[] RecordUtf8() => RecordGzip is { } gz ? Gunzip(gz) : Encoding.UTF8.GetBytes(RecordJson);

    /// <summary>The record's JSON text, whichever way it is stored.</summary>
    public string RecordText() => RecordGzip is null ? RecordJson : Encoding.UTF8.GetString(RecordUtf8());

    public string? PoolJson { get; init; }
    public required string CommittedBy { get; init; }
    public DateTimeOffset CommittedAt { get; init; }

    /// <summary>The kinds of record: the entity draw's pack, the inspector draw's section, and what follows them.</summary>
    public const string EntityKind = "entity";
    public const string InspectorKind = "inspector";

    /// <summary>The replacements of team members after the inspector draw (draw-spec §8.1), the whole list, rewritten with each one.</summary>
    public const string ReplacementsKind = "replacements";

    /// <summary>The class-free seals of the entity draw with their openings (draw-spec §11.2): not public; opened one entity at a time.</summary>
    public const string SealsKind = "seals";

    /// <summary>
    /// <paramref name="utf8"/> as one gzip member at the fastest level: a pack compresses several-fold in a fraction of
    /// the time PostgreSQL's pglz took inside the commit, and is served as it is to clients that accept gzip.
    /// </summary>
    public static byte[] Gzip(ReadOnlySpan<byte> utf8)
    {
        using var output = new MemoryStream(utf8.Length / 3 + 64);
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(utf8);
        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] gzip)
    {
        using var input = new System.IO.Compression.GZipStream(new MemoryStream(gzip), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream(gzip.Length * 4);
        input.CopyTo(output);
        return output.ToArray();
    }
}
