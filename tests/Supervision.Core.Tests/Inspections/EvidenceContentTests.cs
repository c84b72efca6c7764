using System.Text;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Inspections;

/// <summary>Security review, issue 13, finding 6: an evidence file's bytes must carry the signature of its declared type.</summary>
public class EvidenceContentTests
{
    private static byte[] Ftyp(string major, params string[] compatible) =>
    [
        0, 0, 0, (byte)(16 + 4 * compatible.Length), .. "ftyp"u8, .. Encoding.ASCII.GetBytes(major), 0, 0, 0, 0,
        .. compatible.SelectMany(Encoding.ASCII.GetBytes), 1, 2, 3,
    ];

    public static TheoryData<string, byte[]> Matching => new()
    {
        { "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] },
        { "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0] },
        { "image/webp", [.. "RIFF"u8, 1, 2, 3, 4, .. "WEBPVP8 "u8] },
        { "image/heic", Ftyp("heic", "mif1", "heic") },
        { "image/heic", Ftyp("mif1", "heic") },
        { "application/pdf", [.. "%PDF-1.4\n"u8] },
        { "video/mp4", Ftyp("isom", "isom", "mp41") },
        { "audio/mp4", Ftyp("M4A ", "M4A ", "isom") },
        { "audio/mpeg", [.. "ID3"u8, 4, 0] },
        { "audio/mpeg", [0xFF, 0xFB, 0x90, 0x64] },
    };

    [Theory]
    [MemberData(nameof(Matching))]
    public void Content_with_its_types_signature_passes(string mediaType, byte[] head) => Assert.Null(EvidencePolicy.ContentProblem(mediaType, head));

    public static TheoryData<string, byte[]> Mismatching => new()
    {
        { "image/png", [.. "<html><script>alert(1)</script>"u8] },
        { "image/jpeg", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] },
        { "image/webp", [.. "RIFF"u8, 1, 2, 3, 4, .. "WAVEfmt "u8] },
        { "image/heic", Ftyp("isom", "mp41") },
        { "application/pdf", [.. "<!DOCTYPE html>"u8] },
        { "video/mp4", [.. "GIF89a"u8, 0, 0, 0, 0, 0, 0] },
        { "audio/mpeg", [.. "<svg onload=alert(1)>"u8] },
        { "image/png", [] },
        { "application/x-msdownload", [.. "MZ"u8] },
    };

    [Theory]
    [MemberData(nameof(Mismatching))]
    public void Content_without_it_is_refused_naming_the_type(string mediaType, byte[] head) =>
        Assert.Contains(mediaType, EvidencePolicy.ContentProblem(mediaType, head));
}
