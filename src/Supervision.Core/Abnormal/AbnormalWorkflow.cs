using System.Security.Cryptography;
using System.Text;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Abnormal;

/// <summary>Why a step was refused: the input (400, naming fields), the state (409), or the actor (403).</summary>
public enum AbnormalRefusal
{
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record AbnormalError(
    AbnormalRefusal Kind,
    string Message,
    IReadOnlyList<FieldError> Errors);

/// <summary>A step's outcome: the entry after it (unchanged when <see cref="Changed"/> is false: a repeat), or why not.</summary>
public sealed record AbnormalStep(AbnormalEntry? Entry, AbnormalError? Error, bool Changed)
{
    public static AbnormalStep Refused(AbnormalRefusal kind, string message, params FieldError[] errors) => new(null, new(kind, message, errors), false);

    public static AbnormalStep Unchanged(AbnormalEntry entry) => new(entry, null, false);

    public static AbnormalStep Invalid(IReadOnlyList<FieldError> errors) => new(null, new(AbnormalRefusal.Invalid, "One or more fields are invalid.", errors), false);
}

/// <summary>
/// The life of an abnormal-operations entry as pure rules (docs/abnormal-operations.md):
/// pending → listed → removed (on an approved application, or a later clean inspection); listed → escalated after the
/// serious-violation period; pending or listed → withdrawn when the finding behind it is amended away. Every step is
/// idempotent: repeating one that already happened answers the entry unchanged. Time and the calendar come in as
/// arguments; nothing here reads a clock or a store.
/// </summary>
public static class AbnormalWorkflow
{
    public const int TextMax = 2000;
    public const int ReferenceMax = 100;

    /// <summary>The list-by date of grounds found on <paramref name="foundOn"/>: the n-th working day after it (rule: 10).</summary>
    public static DateOnly ListBy(WorkingCalendar calendar, DateOnly foundOn, int workingDays) => calendar.AddWorkingDays(foundOn, workingDays);

    /// <summary>The day an entry listed on <paramref name="listedOn"/> is flagged for the serious-violation list (rule: 3 years).</summary>
    public static DateOnly EscalationDue(DateOnly listedOn, int years) => listedOn.AddYears(years);

    /// <summary>The entry id of a finding: one per source inspection, whoever writes it first, however often.</summary>
    public static string FindingEntryId(string inspectionId) =>
        "ab-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("finding/" + inspectionId)))[..16];

    /// <summary>The pending entry an approved result coded "unreachable" calls for (<see cref="ListAbnormal"/>).</summary>
    public static AbnormalEntry FromFinding(AbnormalListing listing, string departmentCode, DateTimeOffset now) =>
        new(FindingEntryId(listing.SourceInspectionId), listing.EntityCreditCode, AbnormalGrounds.Unreachable, AbnormalSources.Finding,
            listing.SourceInspectionId, listing.SourceVersion, departmentCode, null, listing.VerifiedOn, listing.ListBy, AbnormalStates.Pending,
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, "system:inspection", now, 1);

    /// <summary>Schedulers and reviewers of the deciding department (and platform admins) decide its entries.</summary>
    public static bool MayDecide(string departmentCode, Actor actor) =>
        actor.CanActFor(Roles.Scheduler, departmentCode) || actor.CanActFor(Roles.Reviewer, departmentCode);

    /// <summary>
    /// Staff enter grounds found otherwise than by an inspection (an annual report not filed, false information, …): a known
    /// ground, the facts as text, the date they were found (not in the future). The entity's open entry on the same ground,
    /// when there is one, is the answer (a repeat changes nothing).
    /// </summary>
    public static AbnormalStep Enter(string id, string entityCreditCode, string? ground, string? facts, DateOnly? foundOn, string departmentCode, Actor actor,
        IEnumerable<AbnormalEntry> openOfEntity, DateOnly today, Func<DateOnly, DateOnly> listBy, DateTimeOffset now)
    {
        if (!MayDecide(departmentCode, actor))
            return AbnormalStep.Refused(AbnormalRefusal.Forbidden, $"Only schedulers and reviewers of '{departmentCode}' (or platform admins) enter its abnormal-operations grounds.");
        var errors = new List<FieldError>();
        var code = ground?.Trim().ToLowerInvariant();
        if (AbnormalGrounds.Find(code) is null) errors.Add(FieldError.UnknownValue("ground", ground, AbnormalGrounds.All.Select(g => g.Code), $"must be one of {string.Join(", ", AbnormalGrounds.All.Select(g => g.Code))}"));
        TextRules.CheckField(errors, "facts", facts, required: true, TextMax, "what was found, and how");
        if (foundOn is not { } found) errors.Add(FieldError.Required("foundOn", "is required: the date the grounds were found (yyyy-MM-dd)"));
        else if (found > today) errors.Add(FieldError.TooLate("foundOn", $"must not be after today ({today:yyyy-MM-dd})", today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        else if (found < today.AddYears(-3)) errors.Add(FieldError.TooEarly("foundOn", "must be within the last three years", today.AddYears(-3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        if (errors.Count > 0) return AbnormalStep.Invalid(errors);

        if (openOfEntity.FirstOrDefault(e => e.IsOpen && e.EntityCreditCode == entityCreditCode && e.Ground == code) is { } open)
            return AbnormalStep.Unchanged(open);
        return new(new AbnormalEntry(id, entityCreditCode, code!, AbnormalSources.Decision, null, null, departmentCode, facts!.Trim(), foundOn!.Value,
            listBy(foundOn.Value), AbnormalStates.Pending, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
            actor.Username, now, 1), null, true);
    }

    /// <summary>The deciding department lists a pending entry (with the number of its decision, optional): listed today, public from now.</summary>
    public static AbnormalStep List(AbnormalEntry entry, Actor actor, string? decisionReference, DateOnly today, int escalationYears)
    {
        if (Fence(entry, actor) is { } refused) return refused;
        if (entry.State == AbnormalStates.Listed) return AbnormalStep.Unchanged(entry);
        if (entry.State != AbnormalStates.Pending)
            return AbnormalStep.Refused(AbnormalRefusal.Conflict, $"Entry {entry.Id} is {entry.State}: only a pending entry is listed.");
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "decisionReference", decisionReference, required: false, ReferenceMax, "the number of the listing decision");
        if (errors.Count > 0) return AbnormalStep.Invalid(errors);
        return new(entry with
        {
            State = AbnormalStates.Listed, ListedOn = today, ListedBy = actor.Username, DecisionReference = TextRules.OrNull(decisionReference),
            EscalationDueOn = EscalationDue(today, escalationYears), Version = entry.Version + 1,
        }, null, true);
    }

    /// <summary>
    /// An application for removal, with the evidence that the cause is remedied (the entity through its link, or staff of the
    /// deciding department on its behalf): only a listed entry, one application at a time; after a rejection, a new one.
    /// </summary>
    public static AbnormalStep ApplyForRemoval(AbnormalEntry entry, Actor applicant, bool staff, string? evidence, DateTimeOffset now)
    {
        if (staff && Fence(entry, applicant) is { } refused) return refused;
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "evidence", evidence, required: true, TextMax, "how the cause was remedied");
        if (errors.Count > 0) return AbnormalStep.Invalid(errors);
        var text = evidence!.Trim();
        if (entry.RemovalState == RemovalStates.Applied)
            return entry.RemovalEvidence == text
                ? AbnormalStep.Unchanged(entry)
                : AbnormalStep.Refused(AbnormalRefusal.Conflict, $"An application to remove entry {entry.Id} is already awaiting a decision.");
        if (entry.State != AbnormalStates.Listed)
            return AbnormalStep.Refused(AbnormalRefusal.Conflict, $"Entry {entry.Id} is {entry.State}: removal is applied for while an entry is listed.");
        return new(entry with
        {
            RemovalState = RemovalStates.Applied, RemovalAppliedAt = now, RemovalAppliedBy = applicant.Username, RemovalEvidence = text,
            RemovalDecidedBy = null, RemovalDecidedAt = null, RemovalDecisionReason = null, Version = entry.Version + 1,
        }, null, true);
    }

    /// <summary>
    /// The deciding department approves an application (the entry is removed today) or rejects it with a reason the entity
    /// reads. A repeat of the same decision answers the entry unchanged.
    /// </summary>
    public static AbnormalStep DecideRemoval(AbnormalEntry entry, Actor actor, bool approve, string? reason, DateOnly today, DateTimeOffset now)
    {
        if (Fence(entry, actor) is { } refused) return refused;
        if (entry.RemovalState == (approve ? RemovalStates.Approved : RemovalStates.Rejected) && entry.RemovalDecidedBy is not null)
            return AbnormalStep.Unchanged(entry);
        if (entry.RemovalState != RemovalStates.Applied)
            return AbnormalStep.Refused(AbnormalRefusal.Conflict, entry.RemovalState is null
                ? $"Entry {entry.Id} has no application for removal to decide."
                : $"The application to remove entry {entry.Id} was already {entry.RemovalState}.");
        var errors = new List<FieldError>();
        TextRules.CheckField(errors, "reason", reason, required: !approve, TextMax, "why the application is rejected (the entity reads it)");
        if (errors.Count > 0) return AbnormalStep.Invalid(errors);
        var decided = entry with { RemovalDecidedBy = actor.Username, RemovalDecidedAt = now, RemovalDecisionReason = TextRules.OrNull(reason), Version = entry.Version + 1 };
        return new(approve
            ? decided with { RemovalState = RemovalStates.Approved, State = AbnormalStates.Removed, RemovedOn = today, RemovedBasis = "application" }
            : decided with { RemovalState = RemovalStates.Rejected }, null, true);
    }

    /// <summary>A later clean inspection removes a listed entry (on the day it was approved) and withdraws a pending one.</summary>
    public static AbnormalStep RemoveByInspection(AbnormalEntry entry, string inspectionId, DateOnly approvedOn)
    {
        if (!entry.IsOpen || entry.State == AbnormalStates.Escalated) return AbnormalStep.Unchanged(entry);
        var basis = "inspection " + inspectionId;
        return new(entry.State == AbnormalStates.Pending
            ? entry with { State = AbnormalStates.Withdrawn, RemovedBasis = basis, Version = entry.Version + 1 }
            : entry with { State = AbnormalStates.Removed, RemovedOn = approvedOn, RemovedBasis = basis, Version = entry.Version + 1 }, null, true);
    }

    /// <summary>The finding behind a pending or listed entry was amended away: the entry never counted.</summary>
    public static AbnormalStep Withdraw(AbnormalEntry entry, string inspectionId)
    {
        if (entry.State is not (AbnormalStates.Pending or AbnormalStates.Listed)) return AbnormalStep.Unchanged(entry);
        return new(entry with { State = AbnormalStates.Withdrawn, RemovedBasis = "amended " + inspectionId, Version = entry.Version + 1 }, null, true);
    }

    /// <summary>The sweep's step: a listed entry at its escalation date is flagged for the serious-violation list, once.</summary>
    public static AbnormalStep Escalate(AbnormalEntry entry, DateOnly today)
    {
        if (entry.State == AbnormalStates.Escalated || !entry.IsEscalationDueOn(today)) return AbnormalStep.Unchanged(entry);
        return new(entry with { State = AbnormalStates.Escalated, EscalatedOn = today, Version = entry.Version + 1 }, null, true);
    }

    private static AbnormalStep? Fence(AbnormalEntry entry, Actor actor) => MayDecide(entry.DepartmentCode, actor)
        ? null
        : AbnormalStep.Refused(AbnormalRefusal.Forbidden, $"Only schedulers and reviewers of '{entry.DepartmentCode}' (or platform admins) decide its abnormal-operations entries.");
}
