using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Cases;

/// <summary>Why a step was refused: the input (400, naming fields), the state (409), or the actor (403).</summary>
public enum CaseRefusal
{
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record CaseError(CaseRefusal Kind, string Message, IReadOnlyList<FieldError> Errors);

/// <summary>A step's outcome: the case after it (unchanged when <see cref="Changed"/> is false: a repeat), or why not.</summary>
public sealed record CaseStep(FollowUpCase? Case, CaseError? Error, bool Changed)
{
    public static CaseStep Refused(CaseRefusal kind, string message, params FieldError[] errors) => new(null, new(kind, message, errors), false);

    public static CaseStep Unchanged(FollowUpCase c) => new(c, null, false);

    public static CaseStep Invalid(IReadOnlyList<FieldError> errors) => new(null, new(CaseRefusal.Invalid, "One or more fields are invalid.", errors), false);

    public static CaseStep Next(FollowUpCase c) => new(c, null, true);
}

/// <summary>
/// The life of a follow-up case as pure rules (docs/follow-up-cases.md): a case is opened from a violation found at one
/// item of an approved inspection; the department that owns the item files it (立案) or refers it within the decide-by
/// date, or concludes it as not filed; a filed case concludes with a penalty or without one by its conclude-by date; a
/// referral ends when the receiving body accepts or returns it by its answer-by date; any open case may be withdrawn with
/// a reason. Every step is idempotent: repeating one that already happened with the same values answers the case
/// unchanged. Time and the calendar come in as arguments; nothing here reads a clock or a store.
/// </summary>
public static class CaseWorkflow
{
    public const int TextMax = 2000;
    public const int ReferenceMax = 100;

    /// <summary>Penalties are recorded in yuan with at most two decimals, up to this amount.</summary>
    public const decimal PenaltyMax = 1_000_000_000_000m;

    /// <summary>The case id of a finding: one per (inspection, item), whoever opens it first, however often.</summary>
    public static string CaseId(string inspectionId, string itemCode) =>
        "cs-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("case/" + inspectionId + "/" + itemCode)))[..16];

    /// <summary>Schedulers and reviewers of the owning department (and platform admins) act on its cases.</summary>
    public static bool MayAct(string departmentCode, Actor actor) =>
        actor.CanActFor(Roles.Scheduler, departmentCode) || actor.CanActFor(Roles.Reviewer, departmentCode);

    /// <summary>
    /// The schedulers and reviewers of the department of the platform a case was referred to (<see cref="ReferralKinds.Department"/>):
    /// they record its answer (accepted or returned), and only that.
    /// </summary>
    public static bool IsReceiver(FollowUpCase c, Actor actor) =>
        c.ReferralKind == ReferralKinds.Department && c.ReferredTo is { } to && MayAct(to, actor);

    /// <summary>Who reads a case: the owning department's staff (and admins), and the receiving department of a referral made to it.</summary>
    public static bool MaySee(FollowUpCase c, Actor actor) => MayAct(c.DepartmentCode, actor) || IsReceiver(c, actor);

    /// <summary>The actor that withdraws a case whose finding an approved amendment removed (<see cref="AfterAmendment"/>).</summary>
    public static readonly Actor AmendmentActor = Actor.System("case-amendment");

    /// <summary>
    /// The codes that are a violation found (a case may follow): the codes that open a correction order, the violation codes
    /// and "problem found, corrected on order" (a corrected violation may still be penalized).
    /// </summary>
    public static bool IsViolation(IEnumerable<string> resultCodes, FollowUpPolicy policy) =>
        resultCodes.Any(c => policy.CorrectionTriggers.Contains(c) || policy.ViolationCodes.Contains(c) || c == policy.CorrectedCode);

    /// <summary>
    /// Opens a case from a finding: only a violation, by staff of the department that owns the item; due to be decided
    /// <see cref="CasePolicy.DecideWorkingDays"/> working days after the finding. An existing case of the finding is the
    /// answer (a repeat changes nothing).
    /// </summary>
    public static CaseStep Open(CaseFinding finding, FollowUpCase? existing, string? facts, Actor actor, CasePolicy policy, FollowUpPolicy followUps,
        WorkingCalendar calendar, DateTimeOffset now)
    {
        if (!MayAct(finding.DepartmentCode, actor))
            return CaseStep.Refused(CaseRefusal.Forbidden, $"Only schedulers and reviewers of '{finding.DepartmentCode}' (or platform admins) open cases on its items' findings.");
        if (existing is not null) return CaseStep.Unchanged(existing);
        if (!IsViolation(finding.ResultCodes, followUps))
            return CaseStep.Invalid([FieldError.State("itemCode",
                $"item {finding.ItemCode} of {finding.InspectionId} found no violation (result {string.Join(",", finding.ResultCodes)}): there is nothing to file or refer")]);
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "facts", facts, required: false, TextMax, "what the case is about");
        if (errors.Count > 0) return CaseStep.Invalid(errors);
        return CaseStep.Next(new FollowUpCase(CaseId(finding.InspectionId, finding.ItemCode), finding.EntityCreditCode, finding.TaskId, finding.InspectionId,
            finding.ItemCode, string.Join(",", finding.ResultCodes), finding.Version, finding.DepartmentCode, TextRules.OrNull(facts), finding.FoundOn,
            calendar.AddWorkingDays(finding.FoundOn, policy.DecideWorkingDays), CaseStates.Open, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, actor.Username, now, 1));
    }

    /// <summary>
    /// Files an open case (立案): its case number, the legal ground, the handling department (a department code; the owner
    /// when none is given); due to be concluded <see cref="CasePolicy.ConcludeWorkingDays"/> working days after today.
    /// </summary>
    public static CaseStep File(FollowUpCase c, Actor actor, string? caseNumber, string? legalGround, string? handlerDepartment, DateOnly today,
        CasePolicy policy, WorkingCalendar calendar)
    {
        if (Fence(c, actor) is { } refused) return refused;
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "caseNumber", caseNumber, required: true, ReferenceMax, "the case number (立案编号)", multiLine: false);
        TextRules.CheckField(errors, "legalGround", legalGround, required: true, TextMax, "the provision the case rests on");
        TextRules.CheckField(errors, "handlerDepartment", handlerDepartment, required: false, ReferenceMax, "the code of the handling department", multiLine: false);
        if (errors.Count > 0) return CaseStep.Invalid(errors);
        var number = caseNumber!.Trim();
        var handler = TextRules.OrNull(handlerDepartment) ?? c.DepartmentCode;
        if (c.State == CaseStates.Filed)
            return c.CaseNumber == number ? CaseStep.Unchanged(c) : CaseStep.Refused(CaseRefusal.Conflict, $"Case {c.Id} is already filed as {c.CaseNumber}.");
        if (c.State != CaseStates.Open) return NotNow(c, "filed");
        return CaseStep.Next(c with
        {
            State = CaseStates.Filed, CaseNumber = number, LegalGround = legalGround!.Trim(), HandlerDepartment = handler, FiledOn = today,
            ConcludeBy = calendar.AddWorkingDays(today, policy.ConcludeWorkingDays), Version = c.Version + 1,
        });
    }

    /// <summary>
    /// Refers an open case to a department of the platform (<paramref name="to"/> its code, not the owner itself) or to an
    /// outside body named by text, with the reason; the answer is due <see cref="CasePolicy.ReferralAnswerWorkingDays"/>
    /// working days after today.
    /// </summary>
    public static CaseStep Refer(FollowUpCase c, Actor actor, string? kind, string? to, string? reason, DateOnly today, CasePolicy policy, WorkingCalendar calendar)
    {
        if (Fence(c, actor) is { } refused) return refused;
        var errors = new List<FieldError>();
        var k = kind?.Trim().ToLowerInvariant();
        if (!ReferralKinds.All.Contains(k)) errors.Add(FieldError.UnknownValue("kind", kind, ReferralKinds.All, $"must be one of {string.Join(", ", ReferralKinds.All)}"));
        TextRules.CheckField(errors, "to", to, required: true, ReferenceMax * 2, k == ReferralKinds.Department ? "the code of the receiving department" : "the name of the receiving body",
            multiLine: false);
        if (k == ReferralKinds.Department && to?.Trim() == c.DepartmentCode)
            errors.Add(FieldError.NotAllowed("to", "must be another department than the one that owns the case", to));
        TextRules.CheckField(errors, "reason", reason, required: true, TextMax, "why the case is referred");
        if (errors.Count > 0) return CaseStep.Invalid(errors);
        var target = to!.Trim();
        if (c.State == CaseStates.Referred)
            return c.ReferralKind == k && c.ReferredTo == target
                ? CaseStep.Unchanged(c)
                : CaseStep.Refused(CaseRefusal.Conflict, $"Case {c.Id} is already referred to {c.ReferredTo}.");
        if (c.State != CaseStates.Open) return NotNow(c, "referred");
        return CaseStep.Next(c with
        {
            State = CaseStates.Referred, ReferralKind = k, ReferredTo = target, ReferralReason = reason!.Trim(), ReferredOn = today,
            AnswerBy = calendar.AddWorkingDays(today, policy.ReferralAnswerWorkingDays), Version = c.Version + 1,
        });
    }

    /// <summary>
    /// Concludes a case with an outcome its state allows (<see cref="CaseOutcomes.From"/>): a penalty needs its decision
    /// number and an amount above zero (yuan, two decimals at most); no penalty, not filed and a returned referral need the
    /// reason; an accepted referral may carry the receiving body's reference.
    /// </summary>
    public static CaseStep Conclude(FollowUpCase c, Actor actor, string? outcome, decimal? penaltyAmount, string? decisionNumber, string? reason, DateOnly today)
    {
        var o = outcome?.Trim().ToLowerInvariant();
        // The receiving department of a referral to it records the answer — accepted or returned — and nothing else.
        if (!MayAct(c.DepartmentCode, actor))
        {
            if (!IsReceiver(c, actor)) return Fence(c, actor)!;
            if (o is not (CaseOutcomes.ReferralAccepted or CaseOutcomes.ReferralReturned))
                return CaseStep.Refused(CaseRefusal.Forbidden,
                    $"The department a case was referred to answers the referral ({CaseOutcomes.ReferralAccepted} or {CaseOutcomes.ReferralReturned}); '{c.DepartmentCode}' decides the rest.");
        }

        var errors = new List<FieldError>();
        if (!CaseOutcomes.All.Contains(o))
            errors.Add(FieldError.UnknownValue("outcome", outcome, CaseOutcomes.All, $"must be one of {string.Join(", ", CaseOutcomes.All)}"));
        else if (c.State == CaseStates.Concluded)
            return c.Outcome == o ? CaseStep.Unchanged(c) : CaseStep.Refused(CaseRefusal.Conflict, $"Case {c.Id} is already concluded ({c.Outcome}).");
        else if (!c.IsOpen)
            return NotNow(c, "concluded");
        else if (!CaseOutcomes.From(c.State).Contains(o))
            errors.Add(FieldError.NotAllowed("outcome", $"a {c.State} case concludes with {string.Join(" or ", CaseOutcomes.From(c.State))}", outcome, CaseOutcomes.From(c.State)));

        if (o == CaseOutcomes.Penalty)
        {
            TextRules.CheckField(errors, "decisionNumber", decisionNumber, required: true, ReferenceMax, "the number of the penalty decision", multiLine: false);
            if (penaltyAmount is not { } amount) errors.Add(FieldError.Required("penaltyAmount", "is required: the penalty in yuan"));
            else if (amount <= 0 || amount > PenaltyMax)
                errors.Add(FieldError.OutOfRange("penaltyAmount", 0.01, (double)PenaltyMax, (double)amount, "must be above zero (yuan), at most 10^12"));
            else if (decimal.Round(amount, 2) != amount) errors.Add(FieldError.Format("penaltyAmount", "yuan with at most two decimals", "must have at most two decimals",
                amount.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            if (penaltyAmount is not null) errors.Add(FieldError.NotAllowed("penaltyAmount", "is only recorded with a penalty"));
            TextRules.CheckField(errors, "decisionNumber", decisionNumber, required: false, ReferenceMax, "the number of the decision or the receiving body's reference", multiLine: false);
            TextRules.CheckField(errors, "reason", reason, required: o is CaseOutcomes.NoPenalty or CaseOutcomes.NotFiled or CaseOutcomes.ReferralReturned, TextMax,
                "why (the case's record keeps it)");
        }

        if (errors.Count > 0) return CaseStep.Invalid(errors);
        return CaseStep.Next(c with
        {
            State = CaseStates.Concluded, Outcome = o, PenaltyAmount = o == CaseOutcomes.Penalty ? penaltyAmount : null, DecisionNumber = TextRules.OrNull(decisionNumber),
            Reason = TextRules.OrNull(reason), ClosedOn = today, ClosedBy = actor.Username, Version = c.Version + 1,
        });
    }

    /// <summary>Withdraws an open, filed or referred case with a reason (opened in error, the finding amended away, …).</summary>
    public static CaseStep Withdraw(FollowUpCase c, Actor actor, string? reason, DateOnly today)
    {
        if (Fence(c, actor) is { } refused) return refused;
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "reason", reason, required: true, TextMax, "why the case is withdrawn");
        if (errors.Count > 0) return CaseStep.Invalid(errors);
        if (c.State == CaseStates.Withdrawn) return CaseStep.Unchanged(c);
        if (!c.IsOpen) return NotNow(c, "withdrawn");
        return CaseStep.Next(c with { State = CaseStates.Withdrawn, Reason = reason!.Trim(), ClosedOn = today, ClosedBy = actor.Username, Version = c.Version + 1 });
    }

    /// <summary>
    /// What an approved amendment of the finding does to its case (docs/follow-up-cases.md, "Amendments"):
    /// <paramref name="latest"/> is the latest approved result of the case's item. A case that has ended, or a result no newer
    /// than the one the case rests on, changes nothing (a repeat). When the amended result still records a violation the case
    /// stays, resting on the new version and its codes; when it no longer does, an open, filed or referred case is withdrawn by
    /// <see cref="AmendmentActor"/> with a reason naming the amendment's version.
    /// </summary>
    public static CaseStep AfterAmendment(FollowUpCase c, CaseFinding latest, FollowUpPolicy followUps, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(latest);
        if (latest.InspectionId != c.InspectionId || latest.ItemCode != c.ItemCode)
            throw new ArgumentException($"the finding {latest.InspectionId} item {latest.ItemCode} is not the one of case {c.Id}", nameof(latest));
        if (!c.IsOpen || latest.Version <= c.FindingVersion) return CaseStep.Unchanged(c);
        var codes = string.Join(",", latest.ResultCodes);
        if (IsViolation(latest.ResultCodes, followUps))
            return CaseStep.Next(c with { ResultCodes = codes, FindingVersion = latest.Version, Version = c.Version + 1 });
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"The finding was amended away: amendment version {latest.Version} of {c.InspectionId}, item {c.ItemCode}, approved {latest.FoundOn:yyyy-MM-dd}, records {(codes.Length == 0 ? "no code" : codes)} — no violation (the case rested on version {c.FindingVersion}: {c.ResultCodes}).");
        return CaseStep.Next(c with
        {
            State = CaseStates.Withdrawn, ResultCodes = codes, FindingVersion = latest.Version, Reason = reason, ClosedOn = today,
            ClosedBy = AmendmentActor.Username, Version = c.Version + 1,
        });
    }

    /// <summary>
    /// The overdue reminder a case owes today: its state's name when the current step is past its due date and that step's
    /// reminder was not sent yet (one per step), else null.
    /// </summary>
    public static string? ReminderOwed(FollowUpCase c, DateOnly today) => c.IsOverdueOn(today) && c.Reminded != c.State ? c.State : null;

    private static CaseStep NotNow(FollowUpCase c, string step) =>
        CaseStep.Refused(CaseRefusal.Conflict, $"Case {c.Id} is {c.State}: it cannot be {step} now.");

    private static CaseStep? Fence(FollowUpCase c, Actor actor) => MayAct(c.DepartmentCode, actor)
        ? null
        : CaseStep.Refused(CaseRefusal.Forbidden, $"Only schedulers and reviewers of '{c.DepartmentCode}' (or platform admins) act on its cases.");
}
