using System.Security.Cryptography;

namespace Supervision.Core.Inspections;

/// <summary>How an item is checked (domain.md: written, on-site, online monitoring).</summary>
public enum InspectionMethod
{
    OnSite,
    Written,
    Online,
}

/// <summary>
/// One inspection item as assigned to an inspection: the item code from the random-inspection item
/// list, the department that owns (and reviews) it, how it is checked, and the result codes the
/// item allows (a subset of the reference table).
/// </summary>
public sealed record InspectionItem(string ItemCode, string DepartmentCode, InspectionMethod Method, IReadOnlyList<string> AllowedResultCodes);

/// <summary>A member of the inspection team, identified by the username the <see cref="Identity.Actor"/> carries.</summary>
public sealed record TeamMember(string Username, string CertificateNo, bool IsLead);

/// <summary>
/// A reference to an evidence file stored elsewhere (file system, object store, database): the
/// lower-case hex SHA-256 of its content, its size in bytes and its declared media type.
/// The content itself never enters the inspection state.
/// </summary>
public sealed record EvidenceRef(string Sha256, long SizeBytes, string MediaType, string? FileName = null)
{
    /// <summary>The reference for <paramref name="content"/>: hashes it, so the hash cannot be mistyped.</summary>
    public static EvidenceRef For(ReadOnlySpan<byte> content, string mediaType, string? fileName = null) =>
        new(Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, mediaType, fileName);
}

/// <summary>
/// What an inspector records for one item: the result codes (multi-select), findings text, when and
/// where the check was done, and evidence references.
/// </summary>
public sealed record ItemResult(
    string ItemCode,
    IReadOnlyList<string> ResultCodes,
    string? Findings,
    DateTimeOffset? VisitedAt,
    string? VisitPlace,
    IReadOnlyList<EvidenceRef> Evidence);
