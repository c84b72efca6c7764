using System.Collections.Frozen;
using Supervision.Core.Directory;

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
            errors.Add(new FieldError(path, $"at most {MaxFilesPerItem} files per item, got {evidence.Count}"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < evidence.Count; k++)
        {
            var e = evidence[k];
            var p = $"{path}[{k}]";
            if (e is null)
            {
                errors.Add(new FieldError(p, "is required"));
                continue;
            }

            if (!IsSha256Hex(e.Sha256))
            {
                errors.Add(new FieldError(p + ".sha256", "must be 64 lower-case hexadecimal characters (SHA-256 of the content)"));
            }
            else if (!seen.Add(e.Sha256))
            {
                errors.Add(new FieldError(p + ".sha256", "the same file is attached twice"));
            }

            if (e.SizeBytes <= 0)
            {
                errors.Add(new FieldError(p + ".sizeBytes", "must be positive (empty files are not evidence)"));
            }
            else if (e.SizeBytes > MaxBytes)
            {
                errors.Add(new FieldError(p + ".sizeBytes", $"must be at most {MaxBytes} bytes, got {e.SizeBytes}"));
            }

            if (string.IsNullOrEmpty(e.MediaType) || !AllowedMediaTypes.Contains(e.MediaType))
            {
                errors.Add(new FieldError(p + ".mediaType", $"'{e.MediaType}' is not allowed; allowed: {string.Join(", ", AllowedMediaTypes.Order(StringComparer.Ordinal))}"));
            }

            if (e.FileName is not null && (e.FileName.Length is 0 or > FileNameMax || e.FileName.Any(ch => char.IsControl(ch) || ch is '/' or '\\')))
            {
                errors.Add(new FieldError(p + ".fileName", $"must be 1–{FileNameMax} characters without path separators or control characters"));
            }
        }
    }

    private static bool IsSha256Hex(string? s) =>
        s is { Length: 64 } && s.All(ch => ch is >= '0' and <= '9' or >= 'a' and <= 'f');
}
