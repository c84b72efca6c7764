namespace Supervision.Core.Cases;

/// <summary>Where a follow-up case stands (docs/follow-up-cases.md): open → filed | referred → concluded, or withdrawn.</summary>
public static class CaseStates
{
    /// <summary>Opened from a finding; the owning department has not yet decided whether to file (立案) or refer it.</summary>
    public const string Open = "open";

    /// <summary>Filed as a case (立案) by the department that owns the item, with its case number: due to be concluded.</summary>
    public const string Filed = "filed";

    /// <summary>Referred to another department of the platform or an outside body: waiting for its answer.</summary>
    public const string Referred = "referred";

    /// <summary>Ended with an outcome (<see cref="CaseOutcomes"/>).</summary>
    public const string Concluded = "concluded";

    /// <summary>Ended without an outcome, with a reason (opened in error, the finding amended away, …).</summary>
    public const string Withdrawn = "withdrawn";

    public static readonly IReadOnlyList<string> All = [Open, Filed, Referred, Concluded, Withdrawn];

    /// <summary>States with a deadline running: the ledger's open matters.</summary>
    public static bool IsOpen(string state) => state is Open or Filed or Referred;
}

/// <summary>How a case ends, and from which state each outcome may be recorded.</summary>
public static class CaseOutcomes
{
    /// <summary>A penalty decision (行政处罚决定): its number and the amount.</summary>
    public const string Penalty = "penalty";

    /// <summary>A filed case concluded without a penalty (不予处罚), with the reason.</summary>
    public const string NoPenalty = "no-penalty";

    /// <summary>The department decided not to file (不予立案), with the reason.</summary>
    public const string NotFiled = "not-filed";

    /// <summary>The body the case was referred to accepted it (its reference number optional).</summary>
    public const string ReferralAccepted = "referral-accepted";

    /// <summary>The body the case was referred to returned it, with the reason.</summary>
    public const string ReferralReturned = "referral-returned";

    public static readonly IReadOnlyList<string> All = [Penalty, NoPenalty, NotFiled, ReferralAccepted, ReferralReturned];

    /// <summary>The outcomes a case in <paramref name="state"/> may conclude with.</summary>
    public static IReadOnlyList<string> From(string state) => state switch
    {
        CaseStates.Open => [NotFiled],
        CaseStates.Filed => [Penalty, NoPenalty],
        CaseStates.Referred => [ReferralAccepted, ReferralReturned],
        _ => [],
    };
}

/// <summary>Whom a case is referred to: a department of the platform (by code) or an outside body (by name).</summary>
public static class ReferralKinds
{
    /// <summary>Another department of this platform, named by its code.</summary>
    public const string Department = "department";

    /// <summary>Judicial organs (司法机关: procuratorate, court).</summary>
    public const string Judicial = "judicial";

    /// <summary>Public security (公安机关), e.g. a suspected crime.</summary>
    public const string PublicSecurity = "public-security";

    /// <summary>Another competent authority outside the platform.</summary>
    public const string Authority = "authority";

    public static readonly IReadOnlyList<string> All = [Department, Judicial, PublicSecurity, Authority];
}

/// <summary>
/// The deadlines of a case in working days (<see cref="Calendar.WorkingCalendar"/>). These are the platform's documented
/// defaults, not figures of law: a regulator sets its own (Supervision:Cases, docs/operations.md).
/// </summary>
/// <param name="DecideWorkingDays">From the finding (the approval date of the result) to the decision to file, refer or not file (default 15).</param>
/// <param name="ConcludeWorkingDays">From filing to the conclusion (default 90).</param>
/// <param name="ReferralAnswerWorkingDays">From the referral to the receiving body's answer (default 30).</param>
public sealed record CasePolicy(int DecideWorkingDays, int ConcludeWorkingDays, int ReferralAnswerWorkingDays)
{
    public static readonly CasePolicy Default = new(15, 90, 30);
}

/// <summary>
/// The finding a case is opened from: the latest approved result of one item of one inspection (an
/// <c>inspection_outcomes</c> row), with the department that owns the item.
/// </summary>
public sealed record CaseFinding(
    string EntityCreditCode,
    string TaskId,
    string InspectionId,
    string ItemCode,
    IReadOnlyList<string> ResultCodes,
    DateOnly FoundOn,
    string DepartmentCode,
    int Version);

/// <summary>
/// A follow-up case (立案 or referral) opened from one violation found at one item of one approved inspection, owned by
/// the department that owns the item. Each state has its deadline (<see cref="DueOn"/>); <see cref="Reminded"/> names the
/// state whose overdue reminder was sent (one per step). <see cref="Version"/> guards every write.
/// </summary>
public sealed record FollowUpCase(
    string Id,
    string EntityCreditCode,
    string TaskId,
    string InspectionId,
    string ItemCode,
    string ResultCodes,
    int FindingVersion,
    string DepartmentCode,
    string? Facts,
    DateOnly FoundOn,
    DateOnly DecideBy,
    string State,
    string? CaseNumber,
    string? LegalGround,
    string? HandlerDepartment,
    DateOnly? FiledOn,
    DateOnly? ConcludeBy,
    string? ReferralKind,
    string? ReferredTo,
    string? ReferralReason,
    DateOnly? ReferredOn,
    DateOnly? AnswerBy,
    string? Outcome,
    decimal? PenaltyAmount,
    string? DecisionNumber,
    string? Reason,
    DateOnly? ClosedOn,
    string? ClosedBy,
    string? Reminded,
    string OpenedBy,
    DateTimeOffset OpenedAt,
    long Version)
{
    public bool IsOpen => CaseStates.IsOpen(State);

    /// <summary>The date the current step is due by: deciding (open), concluding (filed), the answer (referred); none once ended.</summary>
    public DateOnly? DueOn => State switch
    {
        CaseStates.Open => DecideBy,
        CaseStates.Filed => ConcludeBy,
        CaseStates.Referred => AnswerBy,
        _ => null,
    };

    /// <summary>Past the current step's due date (a Beijing date): the department is late.</summary>
    public bool IsOverdueOn(DateOnly today) => DueOn is { } due && today > due;
}
