using System.Security.Cryptography;
using System.Text;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Objections;

/// <summary>Why a step was refused: the input (400, naming fields), the state (409), or the actor (403).</summary>
public enum ObjectionRefusal
{
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record ObjectionError(ObjectionRefusal Kind, string Message, IReadOnlyList<FieldError> Errors);

/// <summary>A step's outcome: the objection after it (unchanged when <see cref="Changed"/> is false: a repeat), or why not.</summary>
public sealed record ObjectionStep(Objection? Objection, ObjectionError? Error, bool Changed)
{
    public static ObjectionStep Refused(ObjectionRefusal kind, string message, params FieldError[] errors) => new(null, new(kind, message, errors), false);

    public static ObjectionStep Invalid(IReadOnlyList<FieldError> errors) => new(null, new(ObjectionRefusal.Invalid, "One or more fields are invalid.", errors), false);
}

/// <summary>
/// Which attachments a statement or objection takes: how many, how large each, which types (their bytes must carry the
/// type's signature, <see cref="EvidencePolicy.ContentProblem"/>).
/// </summary>
public sealed record AttachmentPolicy(int MaxFiles, long MaxBytes, IReadOnlySet<string> AllowedMediaTypes)
{
    /// <summary>PDF documents and photos or scans.</summary>
    public static readonly IReadOnlySet<string> DefaultMediaTypes = new HashSet<string>(["application/pdf", "image/jpeg", "image/png"], StringComparer.Ordinal);

    public const int DefaultMaxFiles = 5;
    public const long DefaultMaxBytes = 10L * 1024 * 1024;

    public static readonly AttachmentPolicy Default = new(DefaultMaxFiles, DefaultMaxBytes, DefaultMediaTypes);

    /// <summary>Adds an error per problem with the files, each named <c>attachments[i]</c> (the list as a whole: <c>attachments</c>).</summary>
    public void Check(IReadOnlyList<ObjectionAttachment> files, List<FieldError> errors)
    {
        if (files.Count > MaxFiles) errors.Add(FieldError.TooMany("attachments", MaxFiles, files.Count, $"at most {MaxFiles} files"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var f = files[i];
            var field = $"attachments[{i}]";
            if (f.SizeBytes <= 0) errors.Add(FieldError.OutOfRange(field, above: 0, actual: f.SizeBytes, reason: "is empty"));
            else if (f.SizeBytes > MaxBytes) errors.Add(FieldError.TooLarge(field, MaxBytes, f.SizeBytes, $"is {f.SizeBytes} bytes; at most {MaxBytes} bytes per file"));
            if (!AllowedMediaTypes.Contains(f.MediaType))
                errors.Add(FieldError.NotAllowed(field, $"'{f.MediaType}' is not allowed; allowed: {string.Join(", ", AllowedMediaTypes.Order(StringComparer.Ordinal))}",
                    f.MediaType, AllowedMediaTypes.Order(StringComparer.Ordinal)));
            if (f.FileName.Length is 0 or > EvidencePolicy.FileNameMax || f.FileName.Any(ch => ch is '/' or '\\'))
                errors.Add(FieldError.Format(field, FieldFormats.FileName, $"the file name must be 1–{EvidencePolicy.FileNameMax} characters without path separators"));
            else TextRules.Check(errors, field, f.FileName);
            if (!seen.Add(f.Sha256)) errors.Add(FieldError.Duplicate(field, "the same file is attached twice"));
        }
    }
}

/// <summary>
/// The entity's right of reply and objection as pure rules (docs/objections.md). A statement is published at once; an
/// objection is submitted → upheld | rejected, once, by the department that published the result. Upholding does not
/// change the result itself: the team corrects it through the existing amendment path
/// (<see cref="InspectionWorkflow.Amend"/>, review, publication), and the objection is linked to the amended version when
/// that is published. Time and the calendar come in as arguments; nothing here reads a clock or a store.
/// </summary>
public static class ObjectionWorkflow
{
    public const int ReasonMax = 2000;

    /// <summary>Default: working days after the publication date during which a statement or objection is accepted.</summary>
    public const int DefaultSubmissionWorkingDays = 15;

    /// <summary>Default: working days after the day of an objection by which the department decides it.</summary>
    public const int DefaultDecisionWorkingDays = 10;

    /// <summary>The last Beijing date on which a result published on <paramref name="publishedOn"/> takes a submission.</summary>
    public static DateOnly SubmissionClosesOn(WorkingCalendar calendar, DateOnly publishedOn, int workingDays) => calendar.AddWorkingDays(publishedOn, workingDays);

    /// <summary>The Beijing date by which an objection submitted at <paramref name="submittedAt"/> is decided.</summary>
    public static DateOnly DueOn(WorkingCalendar calendar, DateTimeOffset submittedAt, int workingDays) =>
        calendar.AddWorkingDays(ChinaTime.DateOf(submittedAt), workingDays);

    /// <summary>
    /// The id of a submission: a hash of the result, the kind, the text and the files, so the same content sent twice (a
    /// double click, a retried request) is one submission.
    /// </summary>
    public static string IdFor(string publicationId, string kind, string reason, IEnumerable<string> attachmentHashes) =>
        "ob-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{publicationId}\n{kind}\n{reason.Trim()}\n{string.Join(",", attachmentHashes)}")))[..16];

    /// <summary>The reminders an open objection can owe its department, each sent once.</summary>
    public static class Reminders
    {
        public const string DueToday = "due-today";
        public const string Overdue = "overdue";
    }

    /// <summary>On its due date "due today", after it "overdue" (alone, when the due date passed unreminded); each once; none when decided.</summary>
    public static string? ReminderOwed(string state, DateOnly? dueOn, string? lastSent, DateOnly today) =>
        !ObjectionStates.IsOpen(state) || dueOn is not { } due ? null
        : today > due ? (lastSent == Reminders.Overdue ? null : Reminders.Overdue)
        : today == due && lastSent is null ? Reminders.DueToday
        : null;

    /// <summary>
    /// An entity sends a statement or an objection about one of its published results: the result must be its own
    /// (else <c>resultId</c> is "not found", as for a result that does not exist), the kind known, the reason 1–<see cref="ReasonMax"/>
    /// characters of text, the files within <paramref name="policy"/>; the result must be the current published version and
    /// the submission period (<paramref name="closesOn"/>) not over. The same content again answers the first submission
    /// (<paramref name="existing"/> holds the result's submissions); one open objection and one statement per version.
    /// </summary>
    public static ObjectionStep Submit(ObjectionTarget target, string entityCreditCode, string? kind, string? reason, IReadOnlyList<ObjectionAttachment> attachments,
        AttachmentPolicy policy, IEnumerable<Objection> existing, DateTimeOffset now, DateOnly closesOn, DateOnly dueOn)
    {
        if (target.EntityCreditCode != entityCreditCode)
            return ObjectionStep.Invalid([FieldError.NotFound("resultId", target.PublicationId, "is not a published result of this entity")]);
        var errors = new List<FieldError>();
        var k = kind?.Trim().ToLowerInvariant();
        if (k is null || !ObjectionKinds.All.Contains(k, StringComparer.Ordinal))
            errors.Add(FieldError.UnknownValue("kind", kind, ObjectionKinds.All, "must be 'statement' (published beside the result) or 'objection' (asks for correction)"));
        var text = reason?.Trim() ?? "";
        if (text.Length is 0 or > ReasonMax)
            errors.Add(FieldError.RequiredText("reason", text, ReasonMax, $"is required, 1-{ReasonMax} characters: the statement, or why the result is wrong"));
        else TextRules.Check(errors, "reason", text, multiLine: true);
        policy.Check(attachments, errors);
        if (errors.Count > 0) return ObjectionStep.Invalid(errors);

        var id = IdFor(target.PublicationId, k!, text, attachments.Select(a => a.Sha256));
        var all = existing.ToList();
        if (all.FirstOrDefault(o => o.Id == id) is { } repeat) return new(repeat, null, false);
        if (target.SupersededBy is { } later)
            return ObjectionStep.Refused(ObjectionRefusal.Conflict, $"Version {target.Version} was replaced by version {later}; a submission is about the current version.",
                FieldError.State("resultId", $"version {target.Version} was superseded by version {later}"));
        var today = ChinaTime.DateOf(now);
        if (today > closesOn)
            return ObjectionStep.Invalid([FieldError.TooLate("resultId",
                $"the period for statements and objections on this result ended on {closesOn:yyyy-MM-dd} (published {target.PublishedOn:yyyy-MM-dd})",
                closesOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))]);
        if (k == ObjectionKinds.Objection && all.FirstOrDefault(o => o.ResultVersion == target.Version && o.IsOpen) is { } open)
            return ObjectionStep.Refused(ObjectionRefusal.Conflict, $"Objection {open.Id} on this result is still open; it is decided by {open.DueOn:yyyy-MM-dd}.");
        if (k == ObjectionKinds.Statement && all.FirstOrDefault(o => o.ResultVersion == target.Version && o.Kind == ObjectionKinds.Statement) is { } said)
            return ObjectionStep.Refused(ObjectionRefusal.Conflict, $"Statement {said.Id} on this version of the result is already published; one statement per version.");

        var statement = k == ObjectionKinds.Statement;
        return new(new Objection(id, k!, target.InspectionId, target.Version, target.EntityCreditCode, target.LeadDepartment, text, [.. attachments],
            statement ? ObjectionStates.Published : ObjectionStates.Submitted, now, statement ? null : dueOn, null, null, null, null, null, 1), null, true);
    }

    /// <summary>Schedulers and reviewers of the department that published the result (its lead department), and platform admins.</summary>
    public static bool MayDecide(string leadDepartment, Actor actor) =>
        actor.CanActFor(Roles.Scheduler, leadDepartment) || actor.CanActFor(Roles.Reviewer, leadDepartment);

    /// <summary>
    /// The department upholds (an optional note, published with the outcome; the team then amends the result) or rejects
    /// (a reason, required and published). A repeat of the same decision answers the objection unchanged; the other
    /// decision after one was made is refused.
    /// </summary>
    public static ObjectionStep Decide(Objection objection, Actor actor, bool uphold, string? reason, DateTimeOffset now)
    {
        if (!MayDecide(objection.LeadDepartment, actor))
            return ObjectionStep.Refused(ObjectionRefusal.Forbidden, $"Only schedulers and reviewers of '{objection.LeadDepartment}' (or platform admins) decide objections to its results.");
        if (objection.Kind != ObjectionKinds.Objection)
            return ObjectionStep.Refused(ObjectionRefusal.Conflict, $"{objection.Id} is a statement: statements are published as sent, not decided.");
        var wanted = uphold ? ObjectionStates.Upheld : ObjectionStates.Rejected;
        if (objection.State == wanted) return new(objection, null, false);
        if (!objection.IsOpen) return ObjectionStep.Refused(ObjectionRefusal.Conflict, $"Objection {objection.Id} was already {objection.State}.");
        var errors = new List<FieldError>();
        var text = reason?.Trim() ?? "";
        if (!uphold && text.Length == 0) errors.Add(FieldError.Required("reason", "is required to reject: it is published beside the result"));
        else if (text.Length > ReasonMax) errors.Add(FieldError.TooLong("reason", ReasonMax, text.Length, $"must be at most {ReasonMax} characters"));
        else TextRules.Check(errors, "reason", text, multiLine: true);
        if (errors.Count > 0) return ObjectionStep.Invalid(errors);
        return new(objection with
        {
            State = wanted, DecidedBy = actor.Username, DecidedAt = now, DecisionReason = TextRules.OrNull(text), Version = objection.Version + 1,
        }, null, true);
    }

    /// <summary>
    /// Links an upheld objection to the amended version published on <paramref name="publishedOn"/>: the first published
    /// version after the one objected to. Anything else (open, rejected, already linked, an older version) is unchanged.
    /// The publication's transaction applies the same rule in SQL (docs/objections.md).
    /// </summary>
    public static Objection LinkAmendment(Objection objection, int publishedVersion, DateOnly publishedOn) =>
        objection.AwaitsAmendment && publishedVersion > objection.ResultVersion
            ? objection with { AmendedVersion = publishedVersion, AmendedOn = publishedOn }
            : objection;
}
