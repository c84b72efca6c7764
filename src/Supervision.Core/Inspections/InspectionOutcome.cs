namespace Supervision.Core.Inspections;

/// <summary>Whether an outcome is the first approved result of its item or replaces an earlier one.</summary>
public enum OutcomeKind
{
    Initial,
    Amendment,
}

/// <summary>
/// The approved result of one item of one inspection: the event the credit side consumes.
/// Contract <c>supervision.inspection-outcome</c>, schema version <see cref="CurrentSchemaVersion"/>
/// (documented in docs/workflow.md). Fields are only ever added; a change of meaning gets a new
/// schema version.
/// <list type="bullet">
/// <item><see cref="OutcomeId"/> is deterministic ("{inspectionId}/v{version}/{itemCode}"): consumers
/// de-duplicate on it, so a redelivered event is harmless.</item>
/// <item>For one (InspectionId, ItemCode) the outcome with the highest <see cref="Version"/> is the
/// valid one; an amendment's outcome names the version it supersedes.</item>
/// <item><see cref="InspectedOn"/> is the Beijing date of the visit; <see cref="ApprovedOn"/> the Beijing
/// date on which the last department approved.</item>
/// </list>
/// </summary>
public sealed record InspectionOutcome(
    int SchemaVersion,
    string OutcomeId,
    string EntityCreditCode,
    string TaskId,
    string InspectionId,
    string ItemCode,
    IReadOnlyList<string> ResultCodes,
    DateOnly InspectedOn,
    DateOnly ApprovedOn,
    string DepartmentCode,
    int Version,
    OutcomeKind Kind,
    int? SupersedesVersion)
{
    public const string ContractName = "supervision.inspection-outcome";
    public const int CurrentSchemaVersion = 1;

    public static string IdFor(string inspectionId, int version, string itemCode) => $"{inspectionId}/v{version}/{itemCode}";

    // Records compare lists by reference; outcomes are values, so compare the codes by content.
    public bool Equals(InspectionOutcome? other) =>
        other is not null
        && SchemaVersion == other.SchemaVersion && OutcomeId == other.OutcomeId && EntityCreditCode == other.EntityCreditCode
        && TaskId == other.TaskId && InspectionId == other.InspectionId && ItemCode == other.ItemCode
        && ResultCodes.SequenceEqual(other.ResultCodes, StringComparer.Ordinal)
        && InspectedOn == other.InspectedOn && ApprovedOn == other.ApprovedOn && DepartmentCode == other.DepartmentCode
        && Version == other.Version && Kind == other.Kind && SupersedesVersion == other.SupersedesVersion;

    public override int GetHashCode() => HashCode.Combine(OutcomeId, Version, ApprovedOn);
}
