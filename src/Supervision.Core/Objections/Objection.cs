namespace Supervision.Core.Objections;

/// <summary>What an entity sends about one of its published results (docs/objections.md).</summary>
public static class ObjectionKinds
{
    /// <summary>The entity's reply, published beside the result as soon as it is sent (no acknowledgement: it is the entity's own word).</summary>
    public const string Statement = "statement";

    /// <summary>An objection (异议) asking for correction; the publishing department upholds or rejects it.</summary>
    public const string Objection = "objection";

    public static readonly IReadOnlyList<string> All = [Statement, Objection];
}

/// <summary>Where a statement or objection stands.</summary>
public static class ObjectionStates
{
    /// <summary>A statement: public from the moment it was sent.</summary>
    public const string Published = "published";

    /// <summary>An objection waiting for the department's decision.</summary>
    public const string Submitted = "submitted";

    /// <summary>Upheld: the team corrects the result through the amendment path; the objection is linked to the amended version once it is published.</summary>
    public const string Upheld = "upheld";

    /// <summary>Rejected, with a reason that is published.</summary>
    public const string Rejected = "rejected";

    public static bool IsOpen(string state) => state == Submitted;
}

/// <summary>A file sent with a statement or an objection: stored with the evidence files under its SHA-256, never public.</summary>
public sealed record ObjectionAttachment(string Sha256, long SizeBytes, string MediaType, string FileName);

/// <summary>The published result a submission is about, as the publication record says it.</summary>
public sealed record ObjectionTarget(
    string InspectionId,
    int Version,
    string EntityCreditCode,
    string LeadDepartment,
    DateOnly PublishedOn,
    int? SupersededBy)
{
    public string PublicationId => $"{InspectionId}/v{Version}";
}

/// <summary>
/// One statement or objection of an entity about one published version of one of its results, and (for an objection) what
/// the publishing department decided: upheld — then <see cref="AmendedVersion"/> is the amended version that corrected the
/// result, once published — or rejected with <see cref="DecisionReason"/>. <see cref="DueOn"/> is the Beijing date by which
/// the department decides (objections only).
/// </summary>
public sealed record Objection(
    string Id,
    string Kind,
    string InspectionId,
    int ResultVersion,
    string EntityCreditCode,
    string LeadDepartment,
    string Reason,
    IReadOnlyList<ObjectionAttachment> Attachments,
    string State,
    DateTimeOffset SubmittedAt,
    DateOnly? DueOn,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionReason,
    int? AmendedVersion,
    DateOnly? AmendedOn,
    long Version)
{
    public string PublicationId => $"{InspectionId}/v{ResultVersion}";

    public bool IsOpen => ObjectionStates.IsOpen(State);

    /// <summary>Undecided after its due date (a Beijing date): the department is late.</summary>
    public bool IsOverdueOn(DateOnly today) => IsOpen && DueOn is { } due && today > due;

    /// <summary>Upheld, and the amended result not published yet.</summary>
    public bool AwaitsAmendment => State == ObjectionStates.Upheld && AmendedVersion is null;
}
