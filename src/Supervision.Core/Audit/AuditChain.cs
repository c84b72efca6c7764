using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Supervision.Core.Audit;

/// <summary>One audit line as the chain hashes it.</summary>
public sealed record AuditLine(long Id, DateTimeOffset At, string Actor, string Action, string SubjectType, string SubjectKey,
    string? DepartmentCode, string? BeforeJson, string? AfterJson);

/// <summary>What a verification found: the lines checked, the head, and the first line that does not match (if any).</summary>
public sealed record AuditChainReport(long Lines, string Head, long? BrokenAt, string? Problem)
{
    public bool Intact => BrokenAt is null;
}

/// <summary>
/// The audit log's hash chain: hash(n) = SHA-256(hash(n−1) as 32 bytes ‖ UTF-8 of the line's canonical text), starting
/// from 32 zero bytes. The canonical text is the line's fields joined by line feeds, each field escaped (backslash and
/// line feed as <c>\\</c> and <c>\n</c>, an absent value as <c>\0</c>), the time as UTC with microseconds
/// (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, what both databases keep). Changing, inserting or deleting a line changes
/// every hash after it; an anchor published before (the head at the end of a day) then no longer matches.
/// </summary>
public static class AuditChain
{
    /// <summary>The hash before the first line: 64 zeros.</summary>
    public static readonly string Genesis = new('0', 64);

    public static string Canonical(AuditLine line) => string.Join('\n',
        line.Id.ToString(CultureInfo.InvariantCulture),
        line.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        Escape(line.Actor), Escape(line.Action), Escape(line.SubjectType), Escape(line.SubjectKey),
        Escape(line.DepartmentCode), Escape(line.BeforeJson), Escape(line.AfterJson));

    public static string Next(string previousHash, AuditLine line)
    {
        var text = Encoding.UTF8.GetBytes(Canonical(line));
        var input = new byte[32 + text.Length];
        Convert.FromHexString(previousHash).CopyTo(input, 0);
        text.CopyTo(input, 32);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    /// <summary>
    /// Recomputes the chain over <paramref name="lines"/> (in id order, each with the hashes stored for it, or null when
    /// it was never chained) and reports the first line whose stored hash differs.
    /// </summary>
    public static AuditChainReport Verify(IEnumerable<(AuditLine Line, string? StoredPrevious, string? StoredHash)> lines)
    {
        var verifier = new Verifier();
        foreach (var (line, previous, hash) in lines)
        {
            if (!verifier.Add(line, previous, hash)) break;
        }

        return verifier.Report;
    }

    /// <summary>
    /// The chain recomputed one line at a time (for logs read in batches): <see cref="Add"/> answers false once the
    /// verified part ends — at a line not chained yet, or at the first line that does not match (a changed line, or the
    /// first line after a deleted or inserted one).
    /// </summary>
    public sealed class Verifier
    {
        private string _head = Genesis;
        private long _count;
        private long? _brokenAt;
        private string? _problem;

        public AuditChainReport Report => new(_count, _head, _brokenAt, _problem);

        public bool Add(AuditLine line, string? storedPrevious, string? storedHash)
        {
            if (_brokenAt is not null || storedHash is null) return false;
            if (storedPrevious != _head) return Broken(line.Id, $"line {line.Id}: the chain before it does not match (a line before it was changed, deleted or inserted)");
            var expected = Next(_head, line);
            if (expected != storedHash) return Broken(line.Id, $"line {line.Id}: its content does not match its hash (it was changed)");
            _head = expected;
            _count++;
            return true;
        }

        private bool Broken(long id, string problem)
        {
            (_brokenAt, _problem) = (id, problem);
            return false;
        }
    }

    private static string Escape(string? value) =>
        value is null ? "\\0" : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
