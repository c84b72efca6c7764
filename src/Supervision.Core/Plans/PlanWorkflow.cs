using System.Globalization;
using System.Text.Json;
using Supervision.Core.Identity;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Plans;

/// <summary>Why a step was refused: the input (400, naming fields), the state (409), or the actor (403).</summary>
public enum PlanRefusal
{
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record PlanError(PlanRefusal Kind, string Message, IReadOnlyList<FieldError> Errors);

/// <summary>A step's outcome: the plan after it (unchanged when <see cref="Changed"/> is false: a repeat), or why not.</summary>
public sealed record PlanStep(Plan? Plan, PlanError? Error, bool Changed)
{
    public static PlanStep Refused(PlanRefusal kind, string message, params FieldError[] errors) => new(null, new(kind, message, errors), false);

    public static PlanStep Invalid(IReadOnlyList<FieldError> errors) => new(null, new(PlanRefusal.Invalid, "One or more fields are invalid.", errors), false);

    public static PlanStep Unchanged(Plan plan) => new(plan, null, false);

    public static PlanStep Next(Plan plan) => new(plan, null, true);
}

/// <summary>An inspection item as the lines are checked against it: its department and whether it is in use.</summary>
public sealed record CatalogItem(string Code, string DepartmentCode, bool Active);

/// <summary>
/// What a plan's lines are checked against, looked up by the caller for the codes the lines name: the items found, the
/// departments that exist, and the credit classes of the reference data.
/// </summary>
public sealed record PlanCatalog(IReadOnlyDictionary<string, CatalogItem> Items, IReadOnlySet<string> Departments, IReadOnlyList<string> CreditClasses);

/// <summary>
/// The annual plan's life as pure rules (docs/planning.md): a department's scheduler drafts the plan for this year or the
/// next and edits its lines; a second person — the department's administrator or a platform admin, never the one who last
/// edited it — approves it; an approver publishes it. A published plan is changed only by a revision: a new draft with the
/// reason for the change, approved and published again the same way, every published revision kept. Steps are idempotent
/// (a repeat answers the plan unchanged); a plan of a year that has ended is closed. Time comes in as arguments.
/// </summary>
public static class PlanWorkflow
{
    public const int MaxLines = 200;
    public const int MaxItemsPerLine = 50;
    public const int MaxJointDepartments = 20;
    public const int NoteMax = 1000;
    public const int ReasonMax = 1000;

    /// <summary>The regime's date for a year's plan to be public (国发〔2019〕5号 practice: early March, 3月上旬).</summary>
    public static DateOnly PublishBy(int year) => new(year, 3, 10);

    /// <summary>The years a plan may be drafted for on <paramref name="today"/>: this year and the next.</summary>
    public static (int First, int Last) Years(DateOnly today) => (today.Year, today.Year + 1);

    /// <summary>The department's schedulers (and platform admins) draft and revise its plan.</summary>
    public static bool MayDraft(string departmentCode, Actor actor) => actor.CanActFor(Roles.Scheduler, departmentCode);

    /// <summary>The department's administrator (and platform admins) approve and publish its plan.</summary>
    public static bool MayApprove(string departmentCode, Actor actor) => actor.CanActFor(Roles.DepartmentAdmin, departmentCode);

    /// <summary>The department's staff, auditors and platform admins read its plan, drafts included.</summary>
    public static bool MayRead(string departmentCode, Actor actor) =>
        actor.IsAdmin || actor.Has(Roles.Auditor) || (actor.DepartmentCode == departmentCode && IsDepartmentStaff(actor));

    /// <summary>Staff of the level above (the department's parent) read its published revisions: the plan is filed with them.</summary>
    public static bool MayReadFiled(string? parentCode, Actor actor) =>
        parentCode is not null && actor.DepartmentCode == parentCode && IsDepartmentStaff(actor);

    private static bool IsDepartmentStaff(Actor actor) => actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer) || actor.Has(Roles.DepartmentAdmin);

    /// <summary>The department's plan for <paramref name="year"/>, revision 1, in draft, with the lines given (none is fine for a start).</summary>
    public static PlanStep Create(string departmentCode, int year, IReadOnlyList<PlanLineDraft>? lines, Actor actor, PlanCatalog catalog, DateOnly today,
        DateTimeOffset now)
    {
        if (!MayDraft(departmentCode, actor))
            return PlanStep.Refused(PlanRefusal.Forbidden, $"Only schedulers of '{departmentCode}' (or platform admins) draft its annual plan.");
        var errors = new List<FieldError>();
        var (first, last) = Years(today);
        if (year < first || year > last)
            errors.Add(FieldError.OutOfRange("year", first, last, year, $"must be {first} or {last}: a plan is drafted for this year or the next"));
        var normalized = Lines(errors, lines, departmentCode, new HashSet<int>(), catalog);
        if (errors.Count > 0) return PlanStep.Invalid(errors);
        return PlanStep.Next(new Plan(departmentCode, year, 1, PlanStates.Draft, normalized, null, actor.Username, now, null, null, [], actor.Username, now, 1));
    }

    /// <summary>
    /// The scheduler replaces the working revision's lines. An approved revision that is edited goes back to draft (the approval
    /// was of other lines); a published one is changed by <see cref="Revise"/> first.
    /// </summary>
    public static PlanStep Edit(Plan plan, IReadOnlyList<PlanLineDraft>? lines, Actor actor, PlanCatalog catalog, DateOnly today, DateTimeOffset now)
    {
        if (!MayDraft(plan.DepartmentCode, actor))
            return PlanStep.Refused(PlanRefusal.Forbidden, $"Only schedulers of '{plan.DepartmentCode}' (or platform admins) edit its annual plan.");
        if (Closed(plan, today) is { } closed) return closed;
        if (plan.State == PlanStates.Published)
            return PlanStep.Refused(PlanRefusal.Conflict, $"Revision {plan.Revision} of plan {plan.Id} is published: start a revision (with the reason for the change) to change it.");
        var errors = new List<FieldError>();
        var known = plan.Lines.Select(l => l.No).Concat(plan.Published.SelectMany(r => r.Lines).Select(l => l.No)).ToHashSet();
        var normalized = Lines(errors, lines, plan.DepartmentCode, known, catalog);
        if (errors.Count > 0) return PlanStep.Invalid(errors);
        if (plan.State == PlanStates.Draft && SameLines(normalized, plan.Lines)) return PlanStep.Unchanged(plan);
        return PlanStep.Next(plan with
        {
            State = PlanStates.Draft, Lines = normalized, DraftedBy = actor.Username, DraftedAt = now, ApprovedBy = null, ApprovedAt = null,
            Version = plan.Version + 1,
        });
    }

    /// <summary>A second person approves the working revision: not the one who last edited it (four eyes).</summary>
    public static PlanStep Approve(Plan plan, Actor actor, DateOnly today, DateTimeOffset now)
    {
        if (!MayApprove(plan.DepartmentCode, actor))
            return PlanStep.Refused(PlanRefusal.Forbidden, $"The administrator of '{plan.DepartmentCode}' (or a platform admin) approves its annual plan.");
        if (plan.State == PlanStates.Approved) return PlanStep.Unchanged(plan);
        if (plan.State == PlanStates.Published)
            return PlanStep.Refused(PlanRefusal.Conflict, $"Revision {plan.Revision} of plan {plan.Id} is already published.");
        if (Closed(plan, today) is { } closed) return closed;
        if (string.Equals(actor.Username, plan.DraftedBy, StringComparison.Ordinal))
            return PlanStep.Refused(PlanRefusal.Forbidden, "A second person approves: the one who drafted this revision cannot.");
        if (plan.Lines.Count == 0)
            return PlanStep.Invalid([FieldError.TooFew("lines", 1, "a plan is approved with at least one line")]);
        return PlanStep.Next(plan with { State = PlanStates.Approved, ApprovedBy = actor.Username, ApprovedAt = now, Version = plan.Version + 1 });
    }

    /// <summary>An approved revision is published: it becomes the plan in force, kept with its date for good.</summary>
    public static PlanStep Publish(Plan plan, Actor actor, DateOnly today, DateTimeOffset now)
    {
        if (!MayApprove(plan.DepartmentCode, actor))
            return PlanStep.Refused(PlanRefusal.Forbidden, $"The administrator of '{plan.DepartmentCode}' (or a platform admin) publishes its annual plan.");
        if (plan.State == PlanStates.Published) return PlanStep.Unchanged(plan);
        if (plan.State != PlanStates.Approved)
            return PlanStep.Refused(PlanRefusal.Conflict, $"Revision {plan.Revision} of plan {plan.Id} is a draft: it is approved by a second person before it is published.");
        if (Closed(plan, today) is { } closed) return closed;
        var published = new PlanRevision(plan.Revision, plan.Lines, plan.Reason, plan.DraftedBy, plan.ApprovedBy!, plan.ApprovedAt!.Value, actor.Username, now, today);
        return PlanStep.Next(plan with { State = PlanStates.Published, Published = [.. plan.Published, published], Version = plan.Version + 1 });
    }

    /// <summary>
    /// The scheduler starts a revision of the published plan, saying why it changes: a new draft with the lines in force,
    /// edited, approved and published like the first. A repeat with the same reason answers the revision under way.
    /// </summary>
    public static PlanStep Revise(Plan plan, string? reason, Actor actor, DateOnly today, DateTimeOffset now)
    {
        if (!MayDraft(plan.DepartmentCode, actor))
            return PlanStep.Refused(PlanRefusal.Forbidden, $"Only schedulers of '{plan.DepartmentCode}' (or platform admins) revise its annual plan.");
        var errors = new List<FieldError>();
        var text = CheckText(errors, "reason", reason, required: true, ReasonMax, "why the published plan changes (it is published with the revision)");
        if (errors.Count > 0) return PlanStep.Invalid(errors);
        if (plan.State != PlanStates.Published)
        {
            return plan.Revision > 1 && plan.Reason == text
                ? PlanStep.Unchanged(plan)
                : PlanStep.Refused(PlanRefusal.Conflict, plan.InForce is null
                    ? $"Plan {plan.Id} is not published yet: edit its draft instead."
                    : $"Revision {plan.Revision} of plan {plan.Id} is already under way ({plan.State}).");
        }

        if (Closed(plan, today) is { } closed) return closed;
        return PlanStep.Next(plan with
        {
            Revision = plan.Revision + 1, State = PlanStates.Draft, Lines = plan.InForce!.Lines, Reason = text, DraftedBy = actor.Username, DraftedAt = now,
            ApprovedBy = null, ApprovedAt = null, Version = plan.Version + 1,
        });
    }

    /// <summary>
    /// What <paramref name="actor"/> may do to the plan now (edit, approve, publish, revise): each step that would change it,
    /// by the same rules that decide it, for the pages and clients to offer.
    /// </summary>
    public static IReadOnlyList<string> AllowedActions(Plan plan, Actor actor, DateOnly today)
    {
        var actions = new List<string>();
        if (MayDraft(plan.DepartmentCode, actor) && plan.State != PlanStates.Published && Closed(plan, today) is null) actions.Add("edit");
        if (Approve(plan, actor, today, default).Changed) actions.Add("approve");
        if (Publish(plan, actor, today, default).Changed) actions.Add("publish");
        if (Revise(plan, "?", actor, today, default).Changed) actions.Add("revise");
        return actions;
    }

    /// <summary>
    /// A task's reference to a plan, as a task definition is checked (before any plan is looked up): the plan id's form and
    /// a line number of at least 1.
    /// </summary>
    public static IEnumerable<FieldError> ReferenceProblems(PlanReference? reference)
    {
        if (reference is null) yield break;
        if (PlanIds.Parse(reference.PlanId?.Trim()) is null)
            yield return FieldError.Format("plan.planId", FieldFormats.Code, "must name a plan as \"{department}/{year}\"", reference.PlanId);
        if (reference.Line < 1) yield return FieldError.OutOfRange("plan.line", min: 1, actual: reference.Line, reason: "must be the number of a line of the plan (1 or more)");
    }

    /// <summary>
    /// Whether a task led by <paramref name="leadDepartment"/> with its deadline in <paramref name="year"/> may belong to
    /// <paramref name="plan"/> (null: there is none): the lead department's plan for that year, published, and a line of the
    /// revision in force.
    /// </summary>
    public static IReadOnlyList<FieldError> CheckTaskReference(PlanReference reference, Plan? plan, string leadDepartment, int year)
    {
        if (plan is null) return [FieldError.NotFound("plan.planId", reference.PlanId, $"there is no plan '{reference.PlanId}'")];
        var errors = new List<FieldError>();
        if (plan.DepartmentCode != leadDepartment)
            errors.Add(FieldError.NotAllowed("plan.planId", $"is the plan of '{plan.DepartmentCode}': a task belongs to its lead department's plan ('{leadDepartment}')",
                reference.PlanId));
        if (plan.Year != year)
            errors.Add(FieldError.Mismatch("plan.planId", $"is the plan for {plan.Year}; the task's deadline is in {year}", other: "deadline", value: reference.PlanId));
        if (plan.InForce is not { } inForce)
            errors.Add(FieldError.State("plan.planId", $"plan '{reference.PlanId}' is not published yet: a task belongs to a published plan"));
        else if (inForce.Lines.All(l => l.No != reference.Line))
            errors.Add(FieldError.NotFound("plan.line", reference.Line.ToString(CultureInfo.InvariantCulture),
                $"the plan in force (revision {inForce.Revision}) has no line {reference.Line}; its lines are {string.Join(", ", inForce.Lines.Select(l => l.No))}"));
        return errors;
    }

    private static PlanStep? Closed(Plan plan, DateOnly today) => plan.Year < today.Year
        ? PlanStep.Refused(PlanRefusal.Conflict, $"The year {plan.Year} has ended: plan {plan.Id} is closed.")
        : null;

    private static bool SameLines(IReadOnlyList<PlanLine> a, IReadOnlyList<PlanLine> b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    /// <summary>
    /// Checks and normalises the lines (items and joint departments trimmed, classes and months in order); new lines get
    /// numbers above every number the plan ever used, so a task's reference never comes to mean another line.
    /// </summary>
    private static List<PlanLine> Lines(List<FieldError> errors, IReadOnlyList<PlanLineDraft>? drafts, string owner, IReadOnlySet<int> known, PlanCatalog catalog)
    {
        var lines = new List<PlanLine>();
        drafts ??= [];
        if (drafts.Count > MaxLines)
        {
            errors.Add(FieldError.TooMany("lines", MaxLines, drafts.Count));
            return lines;
        }

        var numbers = drafts.Where(d => d?.No is > 0).Select(d => d!.No!.Value).ToList();
        var next = known.Concat(numbers).DefaultIfEmpty(0).Max() + 1;
        for (var i = 0; i < drafts.Count; i++)
        {
            var p = $"lines[{i}]";
            if (drafts[i] is not { } d)
            {
                errors.Add(FieldError.Required(p, "must not be null"));
                continue;
            }

            var before = errors.Count;
            if (d.No is { } no)
            {
                if (no < 1) errors.Add(FieldError.OutOfRange($"{p}.no", min: 1, actual: no));
                else if (!known.Contains(no)) errors.Add(FieldError.NotFound($"{p}.no", no.ToString(CultureInfo.InvariantCulture), "is not a line of this plan: leave it out for a new line"));
                else if (numbers.Count(n => n == no) > 1) errors.Add(FieldError.Duplicate($"{p}.no", "names the same line as another entry", no.ToString(CultureInfo.InvariantCulture)));
            }

            var joint = JointDepartments(errors, p, d.JointDepartments, owner, catalog);
            var items = Items(errors, p, d.Items, owner, joint, catalog);
            var drawType = Vocabulary(errors, $"{p}.drawType", d.DrawType, PlanDrawTypes.All);
            var classes = Classes(errors, p, d.Classes, drawType, catalog.CreditClasses);
            var frequency = Vocabulary(errors, $"{p}.frequency", d.Frequency, PlanFrequencies.All);
            var months = Months(errors, p, d.Batches, d.Months);
            var note = CheckText(errors, $"{p}.note", d.Note, required: false, NoteMax, "a note on the line");
            if (errors.Count == before)
                lines.Add(new PlanLine(d.No ?? next++, items, drawType!, classes, frequency!, d.Batches!.Value, months, joint, note));
        }

        return lines;
    }

    private static List<string> JointDepartments(List<FieldError> errors, string p, IReadOnlyList<string>? given, string owner, PlanCatalog catalog)
    {
        var joint = new List<string>();
        given ??= [];
        if (given.Count > MaxJointDepartments) errors.Add(FieldError.TooMany($"{p}.jointDepartments", MaxJointDepartments, given.Count));
        for (var j = 0; j < Math.Min(given.Count, MaxJointDepartments); j++)
        {
            var f = $"{p}.jointDepartments[{j}]";
            var code = given[j]?.Trim() ?? "";
            if (code.Length == 0) errors.Add(FieldError.Required(f, "must name a department"));
            else if (code == owner) errors.Add(FieldError.NotAllowed(f, "is the plan's own department: name the other departments of a joint line", code));
            else if (joint.Contains(code, StringComparer.Ordinal)) errors.Add(FieldError.Duplicate(f, "is named twice", code));
            else if (!catalog.Departments.Contains(code)) errors.Add(FieldError.NotFound(f, code, $"there is no department '{code}'"));
            else joint.Add(code);
        }

        return joint;
    }

    private static List<string> Items(List<FieldError> errors, string p, IReadOnlyList<string>? given, string owner, IReadOnlyList<string> joint, PlanCatalog catalog)
    {
        var items = new List<string>();
        if (given is not { Count: > 0 })
        {
            errors.Add(FieldError.TooFew($"{p}.items", 1, "name at least one inspection item"));
            return items;
        }

        if (given.Count > MaxItemsPerLine) errors.Add(FieldError.TooMany($"{p}.items", MaxItemsPerLine, given.Count));
        string[] departments = [owner, .. joint];
        for (var j = 0; j < Math.Min(given.Count, MaxItemsPerLine); j++)
        {
            var f = $"{p}.items[{j}]";
            var code = given[j]?.Trim() ?? "";
            if (code.Length == 0) errors.Add(FieldError.Required(f, "must name an inspection item"));
            else if (items.Contains(code, StringComparer.Ordinal)) errors.Add(FieldError.Duplicate(f, "is named twice", code));
            else if (!catalog.Items.TryGetValue(code, out var item)) errors.Add(FieldError.NotFound(f, code, $"there is no inspection item '{code}'"));
            else if (!item.Active) errors.Add(FieldError.State(f, $"item '{code}' is inactive"));
            else if (!departments.Contains(item.DepartmentCode, StringComparer.Ordinal))
                errors.Add(FieldError.NotAllowed(f, $"item '{code}' belongs to '{item.DepartmentCode}': a line takes the items of the plan's department and of its joint departments",
                    code, departments));
            else items.Add(code);
        }

        return items;
    }

    private static List<ClassTarget> Classes(List<FieldError> errors, string p, IReadOnlyList<ClassTarget>? given, string? drawType, IReadOnlyList<string> known)
    {
        var classes = new List<ClassTarget>();
        if (given is not { Count: > 0 })
        {
            errors.Add(FieldError.TooFew($"{p}.classes", 1, "give a ratio or a count for at least one credit class"));
            return classes;
        }

        for (var j = 0; j < given.Count; j++)
        {
            var f = $"{p}.classes[{j}]";
            if (given[j] is not { } c)
            {
                errors.Add(FieldError.Required(f, "must not be null"));
                continue;
            }

            var code = ClassCode(c);
            if (code.Length == 0) errors.Add(FieldError.Required($"{f}.creditClass"));
            else if (!known.Contains(code, StringComparer.Ordinal)) errors.Add(FieldError.UnknownValue($"{f}.creditClass", c.CreditClass, known));
            else if (given.Take(j).Any(x => ClassCode(x) == code)) errors.Add(FieldError.Duplicate($"{f}.creditClass", "is given twice", code));
            else if ((c.Ratio is null) == (c.Count is null)) errors.Add(FieldError.Conflict(f, $"class {code}: give exactly one of ratio (percent) or count", other: $"{f}.count"));
            else if (c.Ratio is { } ratio && (ratio <= 0 || ratio > 100))
                errors.Add(FieldError.OutOfRange($"{f}.ratio", max: 100, above: 0, actual: (double)ratio, reason: "must be a percentage above 0 and at most 100"));
            else if (c.Ratio is { } precise && decimal.Round(precise, 4) != precise)
                errors.Add(FieldError.Format($"{f}.ratio", FieldFormats.Decimal, "must have at most 4 decimal places", precise.ToString(CultureInfo.InvariantCulture)));
            else if (c.Count is < 1) errors.Add(FieldError.OutOfRange($"{f}.count", min: 1, actual: c.Count, reason: "must be at least 1"));
            else classes.Add(new ClassTarget(code, c.Ratio is { } r ? decimal.Parse(r.ToString("0.####", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null, c.Count));
        }

        // No class is exempt from a random draw (不免抽): a random line covers every class; key supervision may target some.
        var missing = known.Where(k => given.All(g => ClassCode(g) != k)).ToList();
        if (drawType == PlanDrawTypes.Random && missing.Count > 0)
            errors.Add(FieldError.Required($"{p}.classes", $"a random line covers every credit class (no class is exempt from a random draw); missing: {string.Join(", ", missing)}", missing));
        return [.. classes.OrderBy(c => c.CreditClass, StringComparer.Ordinal)];
    }

    private static string ClassCode(ClassTarget? target) => target?.CreditClass?.Trim().ToUpperInvariant() ?? "";

    private static List<int> Months(List<FieldError> errors, string p, int? batches, IReadOnlyList<int>? given)
    {
        var ok = true;
        if (batches is not { } b) { errors.Add(FieldError.Required($"{p}.batches", "is required: how many batches the line runs in")); ok = false; }
        else if (b is < 1 or > 12) { errors.Add(FieldError.OutOfRange($"{p}.batches", 1, 12, b)); ok = false; }
        var months = new List<int>();
        if (given is not { Count: > 0 })
        {
            errors.Add(FieldError.Required($"{p}.months", "is required: the month of each batch (1-12)"));
            return months;
        }

        for (var j = 0; j < given.Count; j++)
        {
            if (given[j] is < 1 or > 12) { errors.Add(FieldError.OutOfRange($"{p}.months[{j}]", 1, 12, given[j])); ok = false; }
            else if (months.Contains(given[j])) { errors.Add(FieldError.Duplicate($"{p}.months[{j}]", "is given twice", given[j].ToString(CultureInfo.InvariantCulture))); ok = false; }
            else months.Add(given[j]);
        }

        if (ok && months.Count != batches)
            errors.Add(FieldError.Mismatch($"{p}.months", $"gives {months.Count} month(s) for {batches} batch(es): one month per batch", other: $"{p}.batches"));
        months.Sort();
        return months;
    }

    private static string? Vocabulary(List<FieldError> errors, string field, string? value, IReadOnlyList<string> allowed)
    {
        var code = value?.Trim().ToLowerInvariant() ?? "";
        if (code.Length == 0) errors.Add(FieldError.Required(field, $"is required: one of {string.Join(", ", allowed)}"));
        else if (!allowed.Contains(code, StringComparer.Ordinal)) errors.Add(FieldError.UnknownValue(field, value, allowed));
        else return code;
        return null;
    }

    private static string? CheckText(List<FieldError> errors, string field, string? value, bool required, int max, string what)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0)
        {
            if (required) errors.Add(FieldError.Required(field, $"is required, 1-{max} characters: {what}"));
            return null;
        }

        if (text.Length > max) errors.Add(FieldError.TooLong(field, max, text.Length));
        else TextRules.Check(errors, field, text, multiLine: true);
        return text;
    }
}
