namespace Supervision.Core.Abnormal;

/// <summary>Where an entry of the abnormal-operations list (经营异常名录) stands (docs/abnormal-operations.md).</summary>
public static class AbnormalStates
{
    /// <summary>Grounds found; the deciding department has not listed the entity yet (due by the list-by date).</summary>
    public const string Pending = "pending";

    /// <summary>Listed by a decision of the deciding department: public.</summary>
    public const string Listed = "listed";

    /// <summary>Removed on application with evidence, or by a later clean inspection: public, with its removal date.</summary>
    public const string Removed = "removed";

    /// <summary>Still listed after the serious-violation period: flagged for the serious-violation list (严重违法失信名单).</summary>
    public const string Escalated = "escalated";

    /// <summary>The finding behind a pending or listed entry was amended away, or a clean visit came before the listing: it never counts.</summary>
    public const string Withdrawn = "withdrawn";

    public static readonly IReadOnlyList<string> All = [Pending, Listed, Removed, Escalated, Withdrawn];

    /// <summary>States that hold the entity on the register (one such entry per entity and ground).</summary>
    public static bool IsOpen(string state) => state is Pending or Listed or Escalated;

    /// <summary>States the public list shows: the entity was listed by a decision.</summary>
    public static bool IsPublic(string state) => state is Listed or Removed or Escalated;
}

/// <summary>Where an entry came from: an inspection's finding (result code 6) or a staff decision on another ground.</summary>
public static class AbnormalSources
{
    public const string Finding = "finding";
    public const string Decision = "decision";
}

/// <summary>Where a removal application stands; null on an entry that has none.</summary>
public static class RemovalStates
{
    public const string Applied = "applied";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

/// <summary>A legal ground for listing, with its names and the provision it rests on.</summary>
public sealed record AbnormalGround(string Code, string NameZh, string NameEn, string Provision);

/// <summary>
/// The four grounds of 《企业经营异常名录管理暂行办法》 Article 4 (the national publicity system shows them by these
/// names). "unreachable" is also what an inspection's result code 6 means.
/// </summary>
public static class AbnormalGrounds
{
    public const string AnnualReport = "annual-report";
    public const string Publicity = "publicity";
    public const string FalseInformation = "false-information";
    public const string Unreachable = "unreachable";

    public static readonly IReadOnlyList<AbnormalGround> All =
    [
        new(AnnualReport, "未按照规定期限公示年度报告", "Annual report not publicized within the prescribed period", "《企业经营异常名录管理暂行办法》第四条第（一）项"),
        new(Publicity, "未在责令的期限内公示有关企业信息", "Enterprise information not publicized within the period ordered", "《企业经营异常名录管理暂行办法》第四条第（二）项"),
        new(FalseInformation, "公示企业信息隐瞒真实情况、弄虚作假", "Publicized information concealed the facts or was false", "《企业经营异常名录管理暂行办法》第四条第（三）项"),
        new(Unreachable, "通过登记的住所或者经营场所无法联系", "Cannot be reached at the registered address or business premises", "《企业经营异常名录管理暂行办法》第四条第（四）项"),
    ];

    public static AbnormalGround? Find(string? code) => All.FirstOrDefault(g => g.Code == code);
}

/// <summary>
/// One entry of the abnormal-operations list: the entity, the ground, where it came from, the dates (grounds found,
/// list-by deadline in working days, listed, escalation due, escalated, removed), the deciding department, the state, and
/// the latest removal application with its decision. <see cref="Version"/> guards every write.
/// </summary>
public sealed record AbnormalEntry(
    string Id,
    string EntityCreditCode,
    string Ground,
    string Source,
    string? SourceInspectionId,
    int? SourceVersion,
    string DepartmentCode,
    string? Facts,
    DateOnly FoundOn,
    DateOnly ListBy,
    string State,
    DateOnly? ListedOn,
    string? ListedBy,
    string? DecisionReference,
    DateOnly? EscalationDueOn,
    DateOnly? EscalatedOn,
    string? RemovalState,
    DateTimeOffset? RemovalAppliedAt,
    string? RemovalAppliedBy,
    string? RemovalEvidence,
    string? RemovalDecidedBy,
    DateTimeOffset? RemovalDecidedAt,
    string? RemovalDecisionReason,
    DateOnly? RemovedOn,
    string? RemovedBasis,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    long Version)
{
    public bool IsOpen => AbnormalStates.IsOpen(State);

    /// <summary>Still pending after its list-by date (a Beijing date): the department is late.</summary>
    public bool IsOverdueOn(DateOnly today) => State == AbnormalStates.Pending && today > ListBy;

    /// <summary>Listed and at or past its escalation date: the sweep flags it.</summary>
    public bool IsEscalationDueOn(DateOnly today) => State == AbnormalStates.Listed && EscalationDueOn is { } due && today >= due;
}
