namespace Supervision.Core.Credit;

/// <summary>What happened to an entity that bears on its credit risk.</summary>
public enum CreditEventKind
{
    /// <summary>A random or case inspection with its (multi-select) result codes; the impact comes from the codes.</summary>
    InspectionOutcome = 0,
    /// <summary>A correction ordered after an inspection was carried out within its deadline.</summary>
    CorrectionDone = 1,
    /// <summary>A correction deadline passed without the correction.</summary>
    CorrectionMissed = 2,
    /// <summary>Listed on the abnormal-operations list (经营异常名录).</summary>
    AbnormalListed = 3,
    /// <summary>Removed from the abnormal-operations list after remedying the cause.</summary>
    AbnormalRemoved = 4,
    /// <summary>An imported external record (administrative penalty etc.); the impact comes from its severity.</summary>
    ExternalPenalty = 5,
    /// <summary>Moved to the serious-violation list (e.g. still abnormal after three years).</summary>
    SeriousViolationListed = 6,
}

/// <summary>Severity of an imported external record such as an administrative penalty.</summary>
public enum PenaltySeverity
{
    Minor = 0,
    Serious = 1,
    Grave = 2,
}

/// <summary>
/// One credit-relevant event of one entity. <see cref="ResultCodes"/> is used by
/// <see cref="CreditEventKind.InspectionOutcome"/> only, <see cref="Severity"/> by
/// <see cref="CreditEventKind.ExternalPenalty"/> only. <see cref="Reference"/> is the caller's id of the
/// source record (task id, penalty decision number) so an explanation can point back to it.
/// </summary>
public sealed record CreditEvent(
    CreditEventKind Kind,
    DateTimeOffset At,
    IReadOnlyList<string>? ResultCodes = null,
    PenaltySeverity Severity = PenaltySeverity.Minor,
    string? Reference = null)
{
    public static CreditEvent Inspection(DateTimeOffset at, IReadOnlyList<string> resultCodes, string? reference = null) =>
        new(CreditEventKind.InspectionOutcome, at, resultCodes, Reference: reference);

    public static CreditEvent Penalty(DateTimeOffset at, PenaltySeverity severity, string? reference = null) =>
        new(CreditEventKind.ExternalPenalty, at, Severity: severity, Reference: reference);

    public static CreditEvent Of(CreditEventKind kind, DateTimeOffset at, string? reference = null) => new(kind, at, Reference: reference);
}

/// <summary>The four credit-risk classes of 国市监信发〔2022〕6号; A is the lowest risk. Codes match <c>credit-classes.json</c>.</summary>
public enum CreditClass : byte
{
    A = 0,
    B = 1,
    C = 2,
    D = 3,
}
