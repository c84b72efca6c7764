namespace Supervision.Core.Registry;

/// <summary>A market entity in the inspection-object directory. JSON/CSV field names are the camelCase property names.</summary>
public sealed record MarketEntityRecord
{
    /// <summary>Unified Social Credit Code (18 characters); the directory's key.</summary>
    public required string CreditCode { get; init; }

    /// <summary>Legacy 15-digit registration number, when the source carries one.</summary>
    public string? LegacyRegNo { get; init; }

    public required string Name { get; init; }

    /// <summary>Entity-type code: the credit code's first two characters ("91", "92", "93", …).</summary>
    public required string EntityType { get; init; }

    /// <summary>GB/T 4754-2017 division, group or class code (2–4 digits).</summary>
    public required string IndustryCode { get; init; }

    /// <summary>GB/T 2260 six-digit division code of the entity's location.</summary>
    public required string DivisionCode { get; init; }

    public string Address { get; init; } = "";

    public string LegalRepresentative { get; init; } = "";

    /// <summary>Stable status code: open, deregistered, revoked, cancelled, moved_out.</summary>
    public string Status { get; init; } = EntityStatusCodes.Open;

    /// <summary>
    /// Read from a directory file whose status cell was empty: the import keeps the stored status (open for a new
    /// entity) instead of writing <see cref="Status"/>. An empty cell must not reopen a revoked entity. Never from the API.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeepStatus { get; init; }

    public DateOnly? RegisteredOn { get; init; }

    /// <summary>Credit-risk class A–D (confidential); null means the default class (B).</summary>
    public string? CreditClass { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Trims every text field, upper-cases the credit code and registration number, drops empty tags.</summary>
    public MarketEntityRecord Normalize() => this with
    {
        CreditCode = Registry.CreditCode.Normalize(CreditCode ?? ""),
        LegacyRegNo = string.IsNullOrWhiteSpace(LegacyRegNo) ? null : LegacyRegNo.Trim(),
        Name = (Name ?? "").Trim(),
        EntityType = (EntityType ?? "").Trim().ToUpperInvariant(),
        IndustryCode = (IndustryCode ?? "").Trim(),
        DivisionCode = (DivisionCode ?? "").Trim(),
        Address = (Address ?? "").Trim(),
        LegalRepresentative = (LegalRepresentative ?? "").Trim(),
        Status = (Status ?? "").Trim(),
        CreditClass = string.IsNullOrWhiteSpace(CreditClass) ? null : CreditClass.Trim().ToUpperInvariant(),
        Tags = (Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).ToArray(),
    };

    /// <summary>Structural equality including the tag list (records compare lists by reference).</summary>
    public bool SameAs(MarketEntityRecord other) =>
        this with { Tags = [] } == other with { Tags = [] } && Tags.SequenceEqual(other.Tags);
}

/// <summary>An inspector in the law-enforcement inspector directory.</summary>
public sealed record InspectorRecord
{
    /// <summary>Law-enforcement certificate number; the directory's key.</summary>
    public required string CertificateNo { get; init; }

    public required string Name { get; init; }

    public required string DepartmentCode { get; init; }

    public required DateOnly CertificateExpiresOn { get; init; }

    /// <summary>Qualification item codes (e.g. "SCJG-001") or specialty tags the inspector may inspect.</summary>
    public IReadOnlyList<string> Specialties { get; init; } = [];

    /// <summary>active or inactive.</summary>
    public string Status { get; init; } = InspectorStatusCodes.Active;

    /// <summary>Credit codes of entities the inspector declared a conflict of interest with.</summary>
    public IReadOnlyList<string> Conflicts { get; init; } = [];

    public InspectorRecord Normalize() => this with
    {
        CertificateNo = (CertificateNo ?? "").Trim(),
        Name = (Name ?? "").Trim(),
        DepartmentCode = (DepartmentCode ?? "").Trim(),
        Specialties = (Specialties ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).ToArray(),
        Status = (Status ?? "").Trim(),
        Conflicts = (Conflicts ?? []).Select(c => CreditCode.Normalize(c)).Where(c => c.Length > 0).ToArray(),
    };

    public bool SameAs(InspectorRecord other) =>
        this with { Specialties = [], Conflicts = [] } == other with { Specialties = [], Conflicts = [] }
        && Specialties.SequenceEqual(other.Specialties) && Conflicts.SequenceEqual(other.Conflicts);
}

/// <summary>A department (执法部门) that owns items and inspectors.</summary>
/// <param name="Code">Department code, e.g. "210100-SCJG".</param>
/// <param name="Name">Chinese name.</param>
/// <param name="DivisionCode">Division the department serves.</param>
public sealed record DepartmentRecord(string Code, string Name, string DivisionCode);

/// <summary>How an item is inspected.</summary>
public static class InspectionMethods
{
    public const string Written = "written";
    public const string OnSite = "on_site";
    public const string Online = "online";

    public static readonly IReadOnlyList<string> All = [Written, OnSite, Online];
}

/// <summary>An item of the random-inspection list (随机抽查事项).</summary>
public sealed record InspectionItemRecord
{
    public required string Code { get; init; }

    public required string Name { get; init; }

    public required string DepartmentCode { get; init; }

    public required string LegalBasis { get; init; }

    /// <summary>One of <see cref="InspectionMethods"/>.</summary>
    public required string Method { get; init; }

    /// <summary>Key item (重点) rather than general (一般).</summary>
    public bool Key { get; init; }

    /// <summary>Entity-type codes the item applies to; empty = all.</summary>
    public IReadOnlyList<string> EntityTypes { get; init; } = [];

    /// <summary>Industry codes (section letters or division prefixes) it applies to; empty = all.</summary>
    public IReadOnlyList<string> Industries { get; init; } = [];

    /// <summary>Result codes an inspector may record for this item.</summary>
    public IReadOnlyList<string> ResultCodes { get; init; } = [];

    public bool SameAs(InspectionItemRecord other) =>
        this with { EntityTypes = [], Industries = [], ResultCodes = [] } == other with { EntityTypes = [], Industries = [], ResultCodes = [] }
        && EntityTypes.SequenceEqual(other.EntityTypes) && Industries.SequenceEqual(other.Industries) && ResultCodes.SequenceEqual(other.ResultCodes);
}

public static class EntityStatusCodes
{
    public const string Open = "open";
    public const string Deregistered = "deregistered";
    public const string Revoked = "revoked";
    public const string Cancelled = "cancelled";
    public const string MovedOut = "moved_out";
}

public static class InspectorStatusCodes
{
    public const string Active = "active";
    public const string Inactive = "inactive";

    public static bool IsValid(string? s) => s is Active or Inactive;
}

/// <summary>Flags attached to an accepted record.</summary>
public static class RecordFlags
{
    /// <summary>The credit code is well formed but a check character is wrong (lenient import).</summary>
    public const string ChecksumReview = "checksum_review";
}
