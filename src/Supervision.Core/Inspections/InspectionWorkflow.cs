using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Core.Inspections;

/// <summary>Why a command was refused.</summary>
public enum InspectionErrorKind
{
    /// <summary>The command is not allowed in the current state.</summary>
    IllegalTransition,

    /// <summary>The actor may not do this (not on the team, not a reviewer of that department, ...).</summary>
    Forbidden,

    /// <summary>The input is wrong; <see cref="InspectionError.FieldErrors"/> says where.</summary>
    Invalid,
}

/// <summary>A refused command: what was tried, in which state, and what the state allows.</summary>
public sealed record InspectionError(
    InspectionErrorKind Kind,
    InspectionAction Action,
    InspectionState State,
    IReadOnlyList<InspectionAction> AllowedActions,
    string Message,
    IReadOnlyList<FieldError> FieldErrors);

/// <summary>
/// The result of a command. On error <see cref="Inspection"/> is the unchanged input. <see cref="Changed"/>
/// is false for successful no-ops (saving identical content, signing twice, a retried submit), which the
/// caller need not persist. <see cref="Outcomes"/> are the events to publish once the new state is durable.
/// </summary>
public sealed record Transition(Inspection Inspection, bool Changed, InspectionError? Error, IReadOnlyList<InspectionOutcome> Outcomes, SubmitReceipt? Receipt)
{
    public bool Ok => Error is null;
}

/// <summary>
/// The inspection lifecycle as a pure state machine. Time comes in as an argument; nothing here reads a
/// clock, a store or the network.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The steps are one instance API; some consult the result validator the workflow was built with, the rest may.")]
public sealed class InspectionWorkflow
{
    public const int ReasonMax = 1000;
    public const int IdempotencyKeyMax = 128;

    private static readonly ImmutableDictionary<InspectionState, ImmutableArray<InspectionAction>> Allowed =
        new Dictionary<InspectionState, ImmutableArray<InspectionAction>>
        {
            [InspectionState.Assigned] = [InspectionAction.SaveDraft],
            [InspectionState.Draft] = [InspectionAction.SaveDraft, InspectionAction.Sign],
            [InspectionState.Signed] = [InspectionAction.SaveDraft, InspectionAction.Sign, InspectionAction.Submit],
            [InspectionState.Submitted] = [InspectionAction.StartReview, InspectionAction.Amend],
            [InspectionState.UnderReview] = [InspectionAction.Approve, InspectionAction.Return, InspectionAction.Amend],
            [InspectionState.Returned] = [InspectionAction.SaveDraft, InspectionAction.Sign],
            [InspectionState.Approved] = [InspectionAction.Publish, InspectionAction.Amend],
            [InspectionState.Published] = [InspectionAction.Amend],
        }.ToImmutableDictionary();

    public InspectionWorkflow(ResultValidator validator)
    {
        Validator = validator;
    }

    public static InspectionWorkflow Default { get; } = new(ResultValidator.Default);

    public ResultValidator Validator { get; }

    /// <summary>The commands a state accepts (Submit is additionally accepted anywhere as a retry of a key already used).</summary>
    public static IReadOnlyList<InspectionAction> AllowedActions(InspectionState state) => Allowed[state];

    /// <summary>
    /// A new inspection as dispatch creates it. Throws <see cref="ArgumentException"/> listing every
    /// problem: a team needs at least two distinct members with exactly one lead, items need distinct
    /// codes, an owning department and at least one allowed result code.
    /// </summary>
    public static Inspection Assign(string inspectionId, string taskId, string entityCreditCode, string leadDepartment,
        IReadOnlyList<TeamMember> team, IReadOnlyList<InspectionItem> items, DateOnly dueDate)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(inspectionId) || string.IsNullOrWhiteSpace(taskId) || string.IsNullOrWhiteSpace(entityCreditCode) || string.IsNullOrWhiteSpace(leadDepartment))
        {
            problems.Add("inspection id, task id, entity credit code and lead department are required");
        }

        if (team.Count < 2)
        {
            problems.Add("a team has at least two inspectors");
        }

        if (team.Select(m => m.Username).Distinct(StringComparer.Ordinal).Count() != team.Count)
        {
            problems.Add("team members must be distinct");
        }

        if (team.Count(m => m.IsLead) != 1)
        {
            problems.Add("a team has exactly one lead inspector");
        }

        if (items.Count == 0)
        {
            problems.Add("an inspection has at least one item");
        }

        if (items.Select(i => i.ItemCode).Distinct(StringComparer.Ordinal).Count() != items.Count)
        {
            problems.Add("item codes must be distinct");
        }

        if (items.Any(i => string.IsNullOrWhiteSpace(i.DepartmentCode) || i.AllowedResultCodes.Count == 0))
        {
            problems.Add("every item needs an owning department and at least one allowed result code");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("cannot assign inspection: " + string.Join("; ", problems));
        }

        return new Inspection
        {
            InspectionId = inspectionId,
            TaskId = taskId,
            EntityCreditCode = entityCreditCode,
            LeadDepartment = leadDepartment,
            Team = [.. team],
            Items = [.. items],
            DueDate = dueDate,
        };
    }

    /// <summary>
    /// Saves the team's results (partial results allowed). Saving content different from the draft clears
    /// every signature (the signatures were over the old content) and returns the inspection to Draft;
    /// saving identical content is a no-op that keeps them.
    /// </summary>
    public Transition SaveDraft(Inspection insp, Actor actor, IReadOnlyList<ItemResult> results, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.SaveDraft;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!insp.IsTeamMember(actor.Username))
        {
            return Forbidden(insp, action, $"{actor.Username} is not on the team of inspection {insp.InspectionId}");
        }

        var errors = Validator.Validate(insp.Items, results, ValidationMode.Draft, now);
        if (errors.Count > 0)
        {
            return Invalid(insp, action, "the results are not valid", errors);
        }

        var normalized = Normalize(insp, results);
        if (insp.State != InspectionState.Assigned && ContentHash(normalized) == ContentHash(insp.Draft))
        {
            return NoChange(insp);
        }

        return Changed(insp with { Draft = normalized, Signatures = [], State = InspectionState.Draft });
    }

    /// <summary>
    /// A team member signs the current draft, which must be complete and valid. When every member has
    /// signed the same content the inspection is Signed. Signing again is a no-op.
    /// </summary>
    public Transition Sign(Inspection insp, Actor actor, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Sign;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!insp.IsTeamMember(actor.Username))
        {
            return Forbidden(insp, action, $"{actor.Username} is not on the team of inspection {insp.InspectionId}");
        }

        var errors = Validator.Validate(insp.Items, insp.Draft, ValidationMode.Complete, now);
        if (errors.Count > 0)
        {
            return Invalid(insp, action, "only complete, valid results can be signed", errors);
        }

        var hash = ContentHash(insp.Draft);
        if (insp.Signatures.Any(s => s.Username == actor.Username && s.ContentHash == hash))
        {
            return NoChange(insp);
        }

        var signatures = insp.Signatures.Where(s => s.ContentHash == hash && s.Username != actor.Username)
            .Append(new Signature(actor.Username, hash, now)).ToImmutableArray();
        var all = insp.Team.All(m => signatures.Any(s => s.Username == m.Username));
        return Changed(insp with { Signatures = signatures, State = all ? InspectionState.Signed : InspectionState.Draft });
    }

    /// <summary>
    /// Submits the signed results as a new version. Idempotent: a key that already produced a submit
    /// returns that same receipt and the inspection unchanged, in whatever state it now is, and never
    /// creates a second version. Only successful submits are remembered; a refused one may be retried.
    /// </summary>
    public Transition Submit(Inspection insp, Actor actor, string idempotencyKey, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Submit;
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > IdempotencyKeyMax)
        {
            return Invalid(insp, action, "an idempotency key is required",
                [FieldError.RequiredText("idempotencyKey", idempotencyKey, IdempotencyKeyMax, $"is required, 1–{IdempotencyKeyMax} characters")]);
        }

        if (insp.SubmitReceipts.TryGetValue(idempotencyKey, out var receipt))
        {
            return new Transition(insp, false, null, [], receipt);
        }

        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!insp.IsTeamMember(actor.Username))
        {
            return Forbidden(insp, action, $"{actor.Username} is not on the team of inspection {insp.InspectionId}");
        }

        var number = insp.History.Count + 1;
        var kind = insp.History.IsEmpty ? VersionKind.Submission : VersionKind.Resubmission;
        var reason = kind == VersionKind.Resubmission && !insp.Returns.IsEmpty ? "resubmitted after return: " + insp.Returns[^1].Reason : null;
        var version = new ResultVersion(number, kind, insp.Draft, ContentHash(insp.Draft), actor.Username, now, reason, insp.Signatures);
        receipt = new SubmitReceipt(idempotencyKey, number, actor.Username, now);
        var next = insp with
        {
            History = insp.History.Add(version),
            State = InspectionState.Submitted,
            Approvals = insp.Approvals.Clear(),
            SubmitReceipts = insp.SubmitReceipts.Add(idempotencyKey, receipt),
        };
        return Changed(next) with { Receipt = receipt };
    }

    /// <summary>
    /// The answer to a review action retried with an idempotency key: null when the key is new (run the action, then
    /// <see cref="Remember"/> it); an unchanged transition when the same person already did this action under it (the
    /// original result stands, whatever the state now is); an error when the key was used for something else.
    /// </summary>
    public static Transition? Replay(Inspection insp, Actor actor, InspectionAction action, string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > IdempotencyKeyMax)
        {
            return Invalid(insp, action, "the idempotency key is malformed",
                [FieldError.RequiredText("idempotencyKey", idempotencyKey, IdempotencyKeyMax, $"must be 1–{IdempotencyKeyMax} characters")]);
        }

        if (!insp.ActionReceipts.TryGetValue(idempotencyKey, out var receipt))
        {
            return null;
        }

        return receipt.Action == action && receipt.By == actor.Username
            ? new Transition(insp, false, null, [], null)
            : Invalid(insp, action, $"the idempotency key was used for {receipt.Action} by {receipt.By}; use a new key for a new action",
                [FieldError.Duplicate("idempotencyKey", "was used for another action")]);
    }

    /// <summary>Records a review action that changed the inspection under its idempotency key (none: unchanged).</summary>
    public static Transition Remember(Transition done, Actor actor, InspectionAction action, string? idempotencyKey, DateTimeOffset now) =>
        idempotencyKey is null || !done.Ok || !done.Changed
            ? done
            : done with
            {
                Inspection = done.Inspection with
                {
                    ActionReceipts = done.Inspection.ActionReceipts.SetItem(idempotencyKey,
                        new ActionReceipt(idempotencyKey, action, actor.Username, done.Inspection.CurrentVersion?.Number, now)),
                },
            };

    /// <summary>A reviewer of any department that owns items opens the review.</summary>
    public Transition StartReview(Inspection insp, Actor actor, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.StartReview;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!insp.ReviewingDepartments.Any(d => actor.CanActFor(Roles.Reviewer, d)))
        {
            return Forbidden(insp, action, $"{actor.Username} is not a reviewer of a department owning items ({string.Join(", ", insp.ReviewingDepartments)})");
        }

        return Changed(insp with { State = InspectionState.UnderReview });
    }

    /// <summary>
    /// A reviewer approves the items of <paramref name="departmentCode"/> in the current version. When
    /// every owning department has approved, the inspection is Approved and one outcome per item is
    /// emitted. Approving the same department twice is a no-op.
    /// </summary>
    public Transition Approve(Inspection insp, Actor actor, string departmentCode, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Approve;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (ReviewerCheck(insp, action, actor, departmentCode) is { } refused)
        {
            return refused;
        }

        var current = insp.CurrentVersion!;
        if (insp.Approvals.TryGetValue(departmentCode, out var existing) && existing.Version == current.Number)
        {
            return NoChange(insp);
        }

        var approvals = insp.Approvals.SetItem(departmentCode, new DepartmentApproval(departmentCode, actor.Username, current.Number, now));
        var complete = insp.ReviewingDepartments.All(d => approvals.TryGetValue(d, out var a) && a.Version == current.Number);
        if (!complete)
        {
            return Changed(insp with { Approvals = approvals });
        }

        var outcomes = OutcomesOf(insp, current, ChinaTime.DateOf(now));
        var next = insp with { Approvals = approvals, State = InspectionState.Approved, LastApprovedVersion = current.Number };
        return Changed(next) with { Outcomes = outcomes };
    }

    /// <summary>
    /// A reviewer returns the current version with a reason. Every approval and signature is cleared:
    /// the team changes the content, signs again and resubmits, and every department reviews the new version.
    /// </summary>
    public Transition Return(Inspection insp, Actor actor, string departmentCode, string reason, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Return;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (ReviewerCheck(insp, action, actor, departmentCode) is { } refused)
        {
            return refused;
        }

        if (ReasonError(reason) is { } bad)
        {
            return Invalid(insp, action, "a return needs a reason", [bad]);
        }

        var note = new ReturnNote(departmentCode, actor.Username, insp.CurrentVersion!.Number, reason.Trim(), now);
        return Changed(insp with
        {
            State = InspectionState.Returned,
            Approvals = insp.Approvals.Clear(),
            Signatures = [],
            Returns = insp.Returns.Add(note),
        });
    }

    /// <summary>A reviewer or scheduler of the lead department publishes the approved version.</summary>
    public Transition Publish(Inspection insp, Actor actor, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Publish;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!actor.CanActFor(Roles.Reviewer, insp.LeadDepartment) && !actor.CanActFor(Roles.Scheduler, insp.LeadDepartment))
        {
            return Forbidden(insp, action, $"only a reviewer or scheduler of the lead department {insp.LeadDepartment} publishes");
        }

        return Changed(insp with { State = InspectionState.Published, PublishedVersion = insp.CurrentVersion!.Number });
    }

    /// <summary>
    /// A team member corrects submitted results: a new version with the reason, never an edit of an old
    /// one. The amendment goes back to review (approvals cleared); a published version stays public until
    /// the amendment is approved and published in turn. An amendment must change something.
    /// </summary>
    public Transition Amend(Inspection insp, Actor actor, IReadOnlyList<ItemResult> results, string reason, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Amend;
        if (Refuse(insp, action) is { } illegal)
        {
            return illegal;
        }

        if (!insp.IsTeamMember(actor.Username))
        {
            return Forbidden(insp, action, $"{actor.Username} is not on the team of inspection {insp.InspectionId}");
        }

        var errors = new List<FieldError>(Validator.Validate(insp.Items, results, ValidationMode.Complete, now));
        if (ReasonError(reason) is { } bad)
        {
            errors.Add(bad);
        }

        if (errors.Count > 0)
        {
            return Invalid(insp, action, "the amendment is not valid", errors);
        }

        var normalized = Normalize(insp, results);
        var hash = ContentHash(normalized);
        if (hash == insp.CurrentVersion!.ContentHash)
        {
            return Invalid(insp, action, "the amendment changes nothing", [FieldError.Unchanged("items", "are identical to the current version")]);
        }

        var version = new ResultVersion(insp.History.Count + 1, VersionKind.Amendment, normalized, hash, actor.Username, now, reason.Trim(), []);
        return Changed(insp with
        {
            History = insp.History.Add(version),
            Draft = normalized,
            Signatures = [],
            Approvals = insp.Approvals.Clear(),
            State = InspectionState.Submitted,
        });
    }

    /// <summary>SHA-256 (hex) of the canonical JSON of results: what a signature binds to.</summary>
    public static string ContentHash(IReadOnlyList<ItemResult> results) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(results)));

    // Results in item order, codes in ordinal order, evidence in hash order: equal content, equal hash.
    private static ImmutableArray<ItemResult> Normalize(Inspection insp, IReadOnlyList<ItemResult> results)
    {
        var order = insp.Items.Select((it, i) => (it.ItemCode, i)).ToDictionary(x => x.ItemCode, x => x.i, StringComparer.Ordinal);
        return [.. results
            .OrderBy(r => order[r.ItemCode])
            .Select(r => r with
            {
                ResultCodes = [.. (r.ResultCodes ?? []).Order(StringComparer.Ordinal)],
                Evidence = [.. (r.Evidence ?? []).OrderBy(e => e.Sha256, StringComparer.Ordinal)],
                Findings = string.IsNullOrWhiteSpace(r.Findings) ? null : r.Findings,
                VisitPlace = string.IsNullOrWhiteSpace(r.VisitPlace) ? null : r.VisitPlace,
            })];
    }

    private static IReadOnlyList<InspectionOutcome> OutcomesOf(Inspection insp, ResultVersion version, DateOnly approvedOn)
    {
        // Outcomes replace those of the last approved version, whose events already went out; a version
        // approved for the first time (even a resubmission after a return) is an initial outcome.
        var supersedes = insp.LastApprovedVersion;
        var kind = supersedes is null ? OutcomeKind.Initial : OutcomeKind.Amendment;
        return version.Results.Select(r =>
        {
            var item = insp.Items.First(i => i.ItemCode == r.ItemCode);
            return new InspectionOutcome(
                InspectionOutcome.CurrentSchemaVersion,
                InspectionOutcome.IdFor(insp.InspectionId, version.Number, r.ItemCode),
                insp.EntityCreditCode,
                insp.TaskId,
                insp.InspectionId,
                r.ItemCode,
                r.ResultCodes,
                ChinaTime.DateOf(r.VisitedAt!.Value),
                approvedOn,
                item.DepartmentCode,
                version.Number,
                kind,
                supersedes);
        }).ToList();
    }

    /// <summary>
    /// The states in which the team may still change: the team has not handed in its results (Assigned, Draft, Signed),
    /// or a reviewer sent them back (Returned). Once submitted, the results are the team's and stay so.
    /// </summary>
    public static readonly ImmutableArray<InspectionState> TeamChangeStates =
        [InspectionState.Assigned, InspectionState.Draft, InspectionState.Signed, InspectionState.Returned];

    /// <summary>
    /// The states in which the team still owes a submission: an inspection in one of them can be due soon or overdue (the
    /// deadline reminders watch these), and the lists call it open.
    /// </summary>
    public static readonly ImmutableArray<InspectionState> OpenStates =
        [InspectionState.Assigned, InspectionState.Draft, InspectionState.Signed, InspectionState.Returned];

    /// <summary>
    /// A member leaves the team and <paramref name="joining"/> takes their place (draw-spec §8.1 names who: the task
    /// applies the rule, this applies its outcome). Only a scheduler of the lead department (or an admin) replaces, and only
    /// while the team may change (<see cref="TeamChangeStates"/>). The leaving member's signature goes with them; as the
    /// newcomer has not signed, a Signed inspection is a Draft again. The lead's place passes to the newcomer when the
    /// leaving member led. Repeating a replacement already applied (the newcomer on the team, the leaver gone) is a no-op.
    /// </summary>
    public static Transition ReplaceMember(Inspection insp, Actor actor, string leavingCertificateNo, TeamMember joining)
    {
        const InspectionAction action = InspectionAction.ReplaceMember;
        if (!actor.CanActFor(Roles.Scheduler, insp.LeadDepartment))
        {
            return Forbidden(insp, action, $"only schedulers of {insp.LeadDepartment} (or platform admins) change the team of inspection {insp.InspectionId}");
        }

        var leaving = insp.Team.FirstOrDefault(m => m.CertificateNo == leavingCertificateNo);
        var joined = insp.Team.FirstOrDefault(m => m.CertificateNo == joining.CertificateNo);
        if (leaving is null && joined is not null)
        {
            return NoChange(insp);
        }

        if (!TeamChangeStates.Contains(insp.State))
        {
            return Error(insp, InspectionErrorKind.IllegalTransition, action,
                $"the team of an inspection that is {insp.State} no longer changes: its results were handed in (the team changes while {string.Join(", ", TeamChangeStates)})", []);
        }

        if (leaving is null)
        {
            return Invalid(insp, action, $"{leavingCertificateNo} is not on the team of inspection {insp.InspectionId}",
                [FieldError.NotFound("certificateNo", leavingCertificateNo, "is not a member of this team")]);
        }

        if (joined is not null || insp.Team.Any(m => m.Username == joining.Username))
        {
            return Invalid(insp, action, $"{joining.CertificateNo} is already on the team of inspection {insp.InspectionId}",
                [FieldError.Duplicate("certificateNo", "the replacement is already a member of this team", joining.CertificateNo)]);
        }

        var team = insp.Team.Replace(leaving, joining with { IsLead = leaving.IsLead });
        var signatures = insp.Signatures.Where(s => s.Username != leaving.Username).ToImmutableArray();
        var state = insp.State == InspectionState.Signed ? InspectionState.Draft : insp.State;
        return Changed(insp with { Team = team, Signatures = signatures, State = state });
    }

    /// <summary>
    /// A reviewer of the lead department (or an admin) withholds <paramref name="field"/> of the result from publication, with the
    /// reason <paramref name="category"/> and a note: while a version waits for publication (submitted, under review, approved).
    /// The text stays in the inspection; <see cref="Publication.PublicResults.Compose"/> puts a marker in its place. Marking a
    /// field again with the same category and note changes nothing; with another, the new mark replaces the old one.
    /// </summary>
    public Transition Redact(Inspection insp, Actor actor, string? field, string? category, string? note, DateTimeOffset now)
    {
        const InspectionAction action = InspectionAction.Redact;
        if (!Redactions.States.Contains(insp.State))
        {
            return Error(insp, InspectionErrorKind.IllegalTransition, action,
                $"cannot redact an inspection that is {insp.State}: fields are withheld while a version waits for publication (submitted, under review or approved)", []);
        }

        if (!Redactions.MayRedact(insp, actor))
        {
            return Forbidden(insp, action, $"only a reviewer of the lead department {insp.LeadDepartment} (or an admin) withholds fields from publication");
        }

        var errors = Redactions.Validate(field, category, note);
        if (errors.Count > 0) return Invalid(insp, action, "the redaction is incomplete", errors);

        var text = note!.Trim();
        if (insp.Withheld.LastOrDefault(w => w.Field == field) is { } current && current.Category == category && current.Note == text) return NoChange(insp);
        var mark = new WithheldField(field!, category!, text, actor.Username, now, insp.CurrentVersion!.Number);
        return Changed(insp with { Withheld = insp.Withheld.RemoveAll(w => w.Field == field).Add(mark) });
    }

    private static Transition? ReviewerCheck(Inspection insp, InspectionAction action, Actor actor, string departmentCode)
    {
        if (!insp.ReviewingDepartments.Contains(departmentCode, StringComparer.Ordinal))
        {
            return Invalid(insp, action, $"department {departmentCode} owns no item of this inspection",
                [FieldError.NotAllowed("departmentCode", $"must be one of {string.Join(", ", insp.ReviewingDepartments)}", departmentCode, insp.ReviewingDepartments)]);
        }

        return actor.CanActFor(Roles.Reviewer, departmentCode)
            ? null
            : Forbidden(insp, action, $"{actor.Username} is not a reviewer of department {departmentCode}");
    }

    private static FieldError? ReasonError(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? FieldError.Required("reason")
        : reason.Trim().Length > ReasonMax ? FieldError.TooLong("reason", ReasonMax, reason.Trim().Length, $"must be at most {ReasonMax} characters")
        : Supervision.Core.Text.TextRules.Error("reason", reason, multiLine: true);

    private static Transition? Refuse(Inspection insp, InspectionAction action)
    {
        var allowed = Allowed[insp.State];
        return allowed.Contains(action)
            ? null
            : Error(insp, InspectionErrorKind.IllegalTransition, action,
                $"cannot {action} an inspection that is {insp.State}; allowed now: {(allowed.IsEmpty ? "nothing" : string.Join(", ", allowed))}", []);
    }

    private static Transition Forbidden(Inspection insp, InspectionAction action, string message) =>
        Error(insp, InspectionErrorKind.Forbidden, action, message, []);

    private static Transition Invalid(Inspection insp, InspectionAction action, string message, IReadOnlyList<FieldError> errors) =>
        Error(insp, InspectionErrorKind.Invalid, action, message, errors);

    private static Transition Error(Inspection insp, InspectionErrorKind kind, InspectionAction action, string message, IReadOnlyList<FieldError> errors) =>
        new(insp, false, new InspectionError(kind, action, insp.State, Allowed[insp.State], message, errors), [], null);

    private static Transition NoChange(Inspection insp) => new(insp, false, null, [], null);

    private static Transition Changed(Inspection next) => new(next with { Revision = next.Revision + 1 }, true, null, [], null);
}
