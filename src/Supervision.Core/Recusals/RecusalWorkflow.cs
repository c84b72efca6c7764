using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Recusals;

/// <summary>Why a step was refused: the input (400, naming fields), the state (409), or the actor (403).</summary>
public enum RecusalRefusal
{
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record RecusalError(
    RecusalRefusal Kind,
    string Message,
    IReadOnlyList<FieldError> Errors);

/// <summary>A step's outcome: the request after it (unchanged when <see cref="Changed"/> is false, e.g. a repeat), or why not.</summary>
public sealed record RecusalStep(RecusalRequest? Request, RecusalError? Error, bool Changed)
{
    public static RecusalStep Refused(RecusalRefusal kind, string message, params FieldError[] errors) => new(null, new(kind, message, errors), false);
}

/// <summary>
/// The life of a recusal request as pure rules: requested → accepted | rejected, once. Time and the calendar come in as
/// arguments; nothing here reads a clock or a store. Accepting is only recorded after the task applied the draw's
/// replacement rule (the grain's order), so an accepted request always has its replacement.
/// </summary>
public static class RecusalWorkflow
{
    public const int ReasonMax = 1000;

    /// <summary>The default time the department has to decide, in working days after the day of the request.</summary>
    public const int DefaultDecisionWorkingDays = 3;

    /// <summary>The Beijing date by which a request filed at <paramref name="requestedAt"/> is decided: the n-th working day after it.</summary>
    public static DateOnly DueOn(WorkingCalendar calendar, DateTimeOffset requestedAt, int workingDays) =>
        calendar.AddWorkingDays(ChinaTime.DateOf(requestedAt), workingDays);

    /// <summary>The reminders an open request can owe its lead department, each sent once.</summary>
    public static class Reminders
    {
        /// <summary>The request is to be decided today.</summary>
        public const string DueToday = "due-today";

        /// <summary>The day to decide has passed and the request is still open.</summary>
        public const string Overdue = "overdue";
    }

    /// <summary>
    /// The reminder an open request owes on <paramref name="today"/>, given the last one sent (<paramref name="lastSent"/>):
    /// on its due date "due today", after it "overdue" (alone, when the due date passed unreminded); each once; none for a
    /// decided request.
    /// </summary>
    public static string? ReminderOwed(string state, DateOnly dueOn, string? lastSent, DateOnly today) =>
        !RecusalStates.IsOpen(state) ? null
        : today > dueOn ? (lastSent == Reminders.Overdue ? null : Reminders.Overdue)
        : today == dueOn && lastSent is null ? Reminders.DueToday
        : null;

    /// <summary>
    /// The reason published with the replacement (draw-service.md, "Replacements without choice"): the request and its
    /// category, not the entity's own words, which may name people.
    /// </summary>
    public static string ReplacementReason(RecusalRequest request) => $"recusal request {request.Id}: {request.Grounds ?? RecusalGrounds.Other}";

    /// <summary>
    /// An entity files a request against one member of one of its inspections: the inspection must be its own and its
    /// team still able to change (<see cref="InspectionWorkflow.TeamChangeStates"/>), the member on the team, the grounds a
    /// known category (or none), the reason 1–<see cref="ReasonMax"/> characters of text; and no other request against that
    /// member of that inspection may be open.
    /// </summary>
    public static RecusalStep File(string id, RecusalTarget target, string entityCreditCode, string? certificateNo, string? grounds, string? reason,
        IEnumerable<RecusalRequest> existing, DateTimeOffset now, DateOnly dueOn)
    {
        if (target.EntityCreditCode != entityCreditCode)
            return RecusalStep.Refused(RecusalRefusal.Invalid, "The inspection is not of this entity.", FieldError.NotFound("inspectionId", null, "is not an inspection of this entity"));
        var errors = new List<FieldError>();
        var cert = certificateNo?.Trim() ?? "";
        if (cert.Length == 0) errors.Add(FieldError.Required("certificateNo", "is required: the certificate number of the inspector asked to step aside"));
        else if (!target.TeamCertificates.Contains(cert, StringComparer.Ordinal)) errors.Add(FieldError.NotFound("certificateNo", cert, $"'{cert}' is not on the team of inspection {target.InspectionId}"));
        var category = string.IsNullOrWhiteSpace(grounds) ? null : grounds.Trim().ToLowerInvariant();
        if (category is not null && !RecusalGrounds.All.Contains(category, StringComparer.Ordinal))
            errors.Add(FieldError.UnknownValue("grounds", null, RecusalGrounds.All, $"must be one of {string.Join(", ", RecusalGrounds.All)} (or left out)"));
        var text = reason?.Trim() ?? "";
        if (text.Length is 0 or > ReasonMax) errors.Add(FieldError.RequiredText("reason", text, ReasonMax, $"is required, 1-{ReasonMax} characters: why the inspector should step aside"));
        else TextRules.Check(errors, "reason", text, multiLine: true);
        if (errors.Count > 0) return new(null, new(RecusalRefusal.Invalid, "One or more fields are invalid.", errors), false);

        if (!InspectionWorkflow.TeamChangeStates.Contains(target.State))
            return RecusalStep.Refused(RecusalRefusal.Conflict,
                $"Inspection {target.InspectionId} is {target.State}: the team has handed its results in, so its members no longer change.");
        if (existing.FirstOrDefault(r => r.IsOpen && r.InspectionId == target.InspectionId && r.CertificateNo == cert) is { } open)
            return RecusalStep.Refused(RecusalRefusal.Conflict, $"Request {open.Id} against {cert} on this inspection is still open; it is decided by {open.DueOn:yyyy-MM-dd}.");

        return new(new RecusalRequest(id, target.InspectionId, target.TaskId, target.EntityCreditCode, target.LeadDepartment, cert, category, text,
            RecusalStates.Requested, now, dueOn, null, null, null, null, 1), null, true);
    }

    /// <summary>
    /// Whether <paramref name="actor"/> may accept now: a scheduler of the lead department (or an admin), the request open
    /// (or already accepted: a repeat, answered unchanged), the optional note valid text. Null when the grain may go on and
    /// have the task replace the member; the grain then records the result with <see cref="Accept"/>.
    /// </summary>
    public static RecusalStep? CheckAccept(RecusalRequest request, Actor actor, string? note)
    {
        if (Fence(request, actor) is { } refused) return refused;
        if (request.State == RecusalStates.Accepted) return new(request, null, false);
        if (request.State != RecusalStates.Requested)
            return RecusalStep.Refused(RecusalRefusal.Conflict, $"Request {request.Id} was already {request.State}.");
        var errors = new List<FieldError>();
        if (note is { Length: > ReasonMax }) errors.Add(FieldError.TooLong("reason", ReasonMax, note.Length, $"must be at most {ReasonMax} characters"));
        else TextRules.Check(errors, "reason", note, multiLine: true);
        return errors.Count > 0 ? new(null, new(RecusalRefusal.Invalid, "One or more fields are invalid.", errors), false) : null;
    }

    /// <summary>Records the acceptance after the task replaced the member by the rule; <paramref name="replacement"/> is who the rule named.</summary>
    public static RecusalStep Accept(RecusalRequest request, Actor actor, string? note, string replacement, DateTimeOffset now)
    {
        if (CheckAccept(request, actor, note) is { } decided) return decided;
        return new(request with
        {
            State = RecusalStates.Accepted, DecidedBy = actor.Username, DecidedAt = now, DecisionReason = TextRules.OrNull(note), Replacement = replacement,
            Version = request.Version + 1,
        }, null, true);
    }

    /// <summary>Rejects with a reason the entity reads (1–<see cref="ReasonMax"/> characters). A repeat answers the request unchanged.</summary>
    public static RecusalStep Reject(RecusalRequest request, Actor actor, string? reason, DateTimeOffset now)
    {
        if (Fence(request, actor) is { } refused) return refused;
        if (request.State == RecusalStates.Rejected) return new(request, null, false);
        if (request.State != RecusalStates.Requested)
            return RecusalStep.Refused(RecusalRefusal.Conflict, $"Request {request.Id} was already {request.State}: the inspector has been replaced.");
        var errors = new List<FieldError>();
        var text = reason?.Trim() ?? "";
        if (text.Length is 0 or > ReasonMax) errors.Add(FieldError.RequiredText("reason", text, ReasonMax, $"is required, 1-{ReasonMax} characters: the entity is told why"));
        else TextRules.Check(errors, "reason", text, multiLine: true);
        if (errors.Count > 0) return new(null, new(RecusalRefusal.Invalid, "One or more fields are invalid.", errors), false);
        return new(request with { State = RecusalStates.Rejected, DecidedBy = actor.Username, DecidedAt = now, DecisionReason = text, Version = request.Version + 1 },
            null, true);
    }

    /// <summary>Only the lead department's schedulers (and platform admins) decide its inspections' requests.</summary>
    public static bool MayDecide(RecusalRequest request, Actor actor) => actor.CanActFor(Roles.Scheduler, request.LeadDepartment);

    private static RecusalStep? Fence(RecusalRequest request, Actor actor) => MayDecide(request, actor)
        ? null
        : RecusalStep.Refused(RecusalRefusal.Forbidden, $"Only schedulers of '{request.LeadDepartment}' (or platform admins) decide recusal requests of its inspections.");
}
