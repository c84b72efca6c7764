using System.Text;
using Supervision.Core.Text;

namespace Supervision.Api.Inspections;

/// <summary>
/// The file name an evidence download is saved under (Content-Disposition: attachment): the name the uploader gave, cut
/// to its last path segment, with control, bidirectional and quoting characters replaced, and ending in an extension of
/// the file's media type (a PNG named "notice.html" is saved as "notice.html.png"), so the saved file opens as what it is.
/// </summary>
public static class EvidenceFileNames
{
    private static readonly Dictionary<string, string[]> Extensions = new(StringComparer.Ordinal)
    {
        ["image/jpeg"] = [".jpg", ".jpeg"],
        ["image/png"] = [".png"],
        ["image/webp"] = [".webp"],
        ["image/heic"] = [".heic", ".heif"],
        ["application/pdf"] = [".pdf"],
        ["video/mp4"] = [".mp4", ".m4v"],
        ["audio/mpeg"] = [".mp3"],
        ["audio/mp4"] = [".m4a", ".mp4"],
    };

    public static string Safe(string? given, string sha256, string mediaType)
    {
        var name = given ?? "";
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var builder = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            var unsafeRune = Rune.IsControl(rune) || TextRules.IsBidiControl(rune.Value) || rune == Rune.ReplacementChar
                || rune.Value is '"' or ';' or '\\' or '/' or ':' or '*' or '?' or '<' or '>' or '|' or 0x2028 or 0x2029;
            builder.Append(unsafeRune ? "_" : rune.ToString());
        }

        name = builder.ToString().Trim().Trim('.').Trim();
        if (name.Length > 120) name = name[..120];
        if (name.Length == 0) name = "evidence-" + sha256[..Math.Min(12, sha256.Length)];
        if (Extensions.TryGetValue(mediaType, out var extensions) && !extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            name += extensions[0];
        return name;
    }
}
