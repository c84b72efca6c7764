using System.Collections.Frozen;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Core.Inspections;

/// <summary>
/// Which evidence files are accepted: media types, the largest file and the most files per item.
/// Checked in pure code against the <see cref="EvidenceRef"/>; the storage layer must check that the
/// stored bytes match the reference (hash and size) before it accepts a file.
/// </summary>
public sealed record EvidencePolicy(IReadOnlySet<string> AllowedMediaTypes, long MaxBytes, int MaxFilesPerItem)
{
    /// <summary>Photos, scans, PDF documents, short video and audio; 50 MiB; 30 files per item (defaults).</summary>
    public static readonly EvidencePolicy Default = new(
        new[] { "image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf", "video/mp4", "audio/mpeg", "audio/mp4" }
            .ToFrozenSet(StringComparer.Ordinal),
        50L * 1024 * 1024,
        30);

    public const int FileNameMax = 255;

    /// <summary>Adds an error per problem with the evidence list at <paramref name="path"/> ("items[2].evidence").</summary>
    public void Check(IReadOnlyList<EvidenceRef>? evidence, string path, List<FieldError> errors)
    {
        if (evidence is null)
        {
            return;
        }

        if (evidence.Count > MaxFilesPerItem)
        {
            errors.Add(FieldError.TooMany(path, MaxFilesPerItem, evidence.Count, $"at most {MaxFilesPerItem} files per item, got {evidence.Count}"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < evidence.Count; k++)
        {
            var e = evidence[k];
            var p = $"{path}[{k}]";
            if (e is null)
            {
                errors.Add(FieldError.Required(p));
                continue;
            }

            if (!IsSha256Hex(e.Sha256))
            {
                errors.Add(FieldError.Format(p + ".sha256", FieldFormats.Sha256, "must be 64 lower-case hexadecimal characters (SHA-256 of the content)"));
            }
            else if (!seen.Add(e.Sha256))
            {
                errors.Add(FieldError.Duplicate(p + ".sha256", "the same file is attached twice"));
            }

            if (e.SizeBytes <= 0)
            {
                errors.Add(FieldError.OutOfRange(p + ".sizeBytes", above: 0, actual: e.SizeBytes, reason: "must be positive (empty files are not evidence)"));
            }
            else if (e.SizeBytes > MaxBytes)
            {
                errors.Add(FieldError.TooLarge(p + ".sizeBytes", MaxBytes, e.SizeBytes));
            }

            if (string.IsNullOrEmpty(e.MediaType) || !AllowedMediaTypes.Contains(e.MediaType))
            {
                errors.Add(FieldError.NotAllowed(p + ".mediaType", $"'{e.MediaType}' is not allowed; allowed: {string.Join(", ", AllowedMediaTypes.Order(StringComparer.Ordinal))}", e.MediaType, AllowedMediaTypes.Order(StringComparer.Ordinal)));
            }

            if (e.FileName is not null && (e.FileName.Length is 0 or > FileNameMax || e.FileName.Any(ch => ch is '/' or '\\')))
            {
                errors.Add(FieldError.Format(p + ".fileName", FieldFormats.FileName, $"must be 1–{FileNameMax} characters without path separators or control characters"));
            }
            else if (e.FileName is not null)
            {
                Supervision.Core.Text.TextRules.Check(errors, p + ".fileName", e.FileName);
            }
        }
    }

    /// <summary>How many leading bytes <see cref="ContentProblem"/> looks at (enough for an ISO BMFF "ftyp" box's brands).</summary>
    public const int SniffBytes = 64;

    /// <summary>
    /// Why the content does not look like <paramref name="mediaType"/>, or null when its leading bytes (the first
    /// <see cref="SniffBytes"/>, or all of a shorter file) carry that type's signature: JPEG FF D8 FF; PNG's eight-byte
    /// signature; WebP "RIFF"…"WEBP"; PDF "%PDF-"; MP3 an ID3 tag or an MPEG audio frame sync (FF Ex/Fx); MP4 audio and video
    /// an ISO BMFF "ftyp" box; HEIC an "ftyp" box naming a HEIF brand. An HTML page or a script declared as an image is
    /// refused, so a stored file is always what its type says.
    /// </summary>
    public static string? ContentProblem(string mediaType, ReadOnlySpan<byte> head)
    {
        var matches = mediaType switch
        {
            "image/jpeg" => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
            "image/png" => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            "image/webp" => head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8),
            "application/pdf" => head.StartsWith("%PDF-"u8),
            "audio/mpeg" => head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0),
            "video/mp4" or "audio/mp4" => FtypBrands(head) is { Count: > 0 },
            "image/heic" => FtypBrands(head) is { } brands && brands.Overlaps(HeifBrands),
            _ => false,
        };
        return matches ? null : $"the content is not {mediaType}: its first bytes do not carry that type's signature (send the file with its own type)";
    }

    private static readonly FrozenSet<string> HeifBrands =
        new[] { "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The major and compatible brands of a leading ISO BMFF "ftyp" box (as far as <paramref name="head"/> holds them); null without one.</summary>
    private static HashSet<string>? FtypBrands(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12 || !head[4..8].SequenceEqual("ftyp"u8)) return null;
        var size = (int)Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(head), (uint)head.Length);
        if (size < 12) size = Math.Min(head.Length, 16);
        var brands = new HashSet<string>(StringComparer.Ordinal) { System.Text.Encoding.ASCII.GetString(head[8..12]) };
        for (var at = 16; at + 4 <= size; at += 4) brands.Add(System.Text.Encoding.ASCII.GetString(head[at..(at + 4)]));
        return brands;
    }

    private static bool IsSha256Hex(string? s) =>
        s is { Length: 64 } && s.All(ch => ch is >= '0' and <= '9' or >= 'a' and <= 'f');
}
