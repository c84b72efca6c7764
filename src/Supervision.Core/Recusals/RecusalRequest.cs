using Supervision.Core.Inspections;

namespace Supervision.Core.Recusals;

/// <summary>Where a recusal request stands (docs/draw-service.md, "Recusal requests").</summary>
public static class RecusalStates
{
    /// <summary>Filed by the entity; the lead department has not decided yet.</summary>
    public const string Requested = "requested";

    /// <summary>Accepted: the inspector was replaced by the draw's rule (draw-spec §8.1).</summary>
    public const string Accepted = "accepted";

    /// <summary>Rejected with a reason the entity reads.</summary>
    public const string Rejected = "rejected";

    public static bool IsOpen(string state) => state == Requested;
}

/// <summary>
/// The grounds an entity may name for a request, as a category. The category, not the entity's own words, goes into the
/// published reason of the replacement: the entity's text may name relatives or business partners (personal data).
/// </summary>
public static class RecusalGrounds
{
    public const string Kin = "kin";
    public const string Interest = "interest";
    public const string PriorDealing = "prior-dealing";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Kin, Interest, PriorDealing, Other];
}

/// <summary>What the entity is told about the inspection it asks about: the inspection and one member of its team.</summary>
public sealed record RecusalTarget(
    string InspectionId,
    string TaskId,
    string EntityCreditCode,
    string LeadDepartment,
    InspectionState State,
    IReadOnlyList<string> TeamCertificates);

/// <summary>
/// One entity's request that one inspector of one inspection step aside (国办发〔2024〕54号), and what the inspection's
/// lead department decided: who, when and why on both sides. <see cref="DueOn"/> is the Beijing date by which the
/// department decides; <see cref="Replacement"/> is the certificate the draw's rule named when it was accepted.
/// </summary>
public sealed record RecusalRequest(
    string Id,
    string InspectionId,
    string TaskId,
    string EntityCreditCode,
    string LeadDepartment,
    string CertificateNo,
    string? Grounds,
    string Reason,
    string State,
    DateTimeOffset RequestedAt,
    DateOnly DueOn,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionReason,
    string? Replacement,
    long Version)
{
    public bool IsOpen => RecusalStates.IsOpen(State);

    /// <summary>Undecided after its due date (a Beijing date): the department is late.</summary>
    public bool IsOverdueOn(DateOnly today) => IsOpen && today > DueOn;
}
