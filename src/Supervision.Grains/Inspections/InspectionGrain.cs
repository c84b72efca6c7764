using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Notifications;
using Supervision.Core.Validation;

namespace Supervision.Grains.Inspections;

/// <summary>
/// One inspection. The row in <c>inspections</c> is its state: read on activation, rewritten (revision-guarded) by every
/// change together with the audit line, outcomes, follow-ups and notifications, and the reply is sent only after that
/// commit. A second activation elsewhere (a rare cluster race) loses the revision check and reloads instead of overwriting.
/// A deadline reminder, registered before the row is created, warns before the due date and marks overdue inspections
/// and overdue publications; reminders live in the database, so a restart does not lose them.
/// </summary>
public sealed class InspectionGrain(
    InspectionStore store,
    InspectionRules rules,
    WorkflowClock clock,
    InspectionOptions options,
    Infrastructure.Registry.DepartmentStore departments,
    Infrastructure.Tasks.TaskRepository draws,
    ILogger<InspectionGrain> logger) : Grain, IInspectionGrain, IRemindable
{
    public const string ReminderName = "deadline";

    private StoredInspection? _stored;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _stored = await store.LoadAsync(Id, cancellationToken);

    public async Task<InspectionReply> Assign(InspectionAssignment assignment, Actor actor)
    {
        var insp = assignment.Inspection;
        if (insp.InspectionId != Id)
            return InspectionReply.Refused(InspectionReplyStatus.Invalid, $"the assignment is for {insp.InspectionId}, not {Id}");
        if (!actor.CanActFor(Roles.Scheduler, insp.LeadDepartment))
            return InspectionReply.Refused(InspectionReplyStatus.Forbidden, $"Only schedulers of '{insp.LeadDepartment}' (or platform admins) dispatch its inspections.");

        // The reminder first: if the process dies after this, the reminder finds no row and removes itself; the other
        // order could leave an inspection without its deadline.
        await EnsureReminderAsync();
        if (_stored is not null) return Reply(InspectionReplyStatus.Ok, _stored);

        var stored = new StoredInspection(insp, InspectionMarks.None, assignment.EntityName, assignment.DivisionCode);
        var notifications = insp.Team.Select(m => new Notification(Notification.Inspector(m.CertificateNo), insp.InspectionId, "assigned",
            $"You are on the team inspecting {assignment.EntityName} ({insp.EntityCreditCode}) for task {insp.TaskId}, due {insp.DueDate:yyyy-MM-dd}.")).ToList();
        var created = await store.CreateAsync(stored, actor, notifications);
        _stored = created ? stored : await store.LoadAsync(Id);
        return Reply(created ? InspectionReplyStatus.Created : InspectionReplyStatus.Ok, _stored!);
    }

    /// <summary>Reading: whoever <see cref="CanSee"/> allows, and a supervising auditor (who can change nothing: every command checks CanSee).</summary>
    public Task<InspectionReply> Get(Actor actor) =>
        Task.FromResult(_stored is null || !(CanSee(_stored.Inspection, actor) || actor.Has(Roles.Auditor)) ? NotFound() : Reply(InspectionReplyStatus.Ok, _stored));

    public Task<InspectionReply> SaveDraft(IReadOnlyList<ItemResult> results, long expectedRevision, Actor actor) =>
        RunAsync(actor, "inspection.save-draft", (insp, a, now) => rules.Workflow.SaveDraft(insp, a, results, now), expectedRevision);

    public Task<InspectionReply> Sign(Actor actor) =>
        RunAsync(actor, "inspection.sign", (insp, a, now) => rules.Workflow.Sign(insp, a, now));

    public Task<InspectionReply> Submit(string idempotencyKey, Actor actor) =>
        RunAsync(actor, "inspection.submit", (insp, a, now) => rules.Workflow.Submit(insp, a, idempotencyKey, now), detail: new { idempotencyKey });

    public Task<InspectionReply> Approve(string? departmentCode, Actor actor, string? idempotencyKey) =>
        RunAsync(actor, "inspection.approve", Idempotent(InspectionAction.Approve, idempotencyKey, (insp, a, now) =>
            Review(insp, a, departmentCode, now, InspectionAction.Approve, (i, d) => rules.Workflow.Approve(i, a, d, now))),
            detail: new { departmentCode = departmentCode ?? actor.DepartmentCode, idempotencyKey });

    public Task<InspectionReply> Return(string? departmentCode, string reason, Actor actor, string? idempotencyKey) =>
        RunAsync(actor, "inspection.return", Idempotent(InspectionAction.Return, idempotencyKey, (insp, a, now) =>
            Review(insp, a, departmentCode, now, InspectionAction.Return, (i, d) => rules.Workflow.Return(i, a, d, reason, now))),
            detail: new { departmentCode = departmentCode ?? actor.DepartmentCode, reason, idempotencyKey });

    public Task<InspectionReply> Publish(Actor actor, string? idempotencyKey) =>
        RunAsync(actor, "inspection.publish", Idempotent(InspectionAction.Publish, idempotencyKey, (insp, a, now) => rules.Workflow.Publish(insp, a, now)),
            detail: new { idempotencyKey });

    /// <summary>A review action under an idempotency key: a retry answers the original result instead of running again.</summary>
    private static Func<Inspection, Actor, DateTimeOffset, Transition> Idempotent(InspectionAction action, string? key,
        Func<Inspection, Actor, DateTimeOffset, Transition> command) =>
        (insp, actor, now) => InspectionWorkflow.Replay(insp, actor, action, key)
            ?? InspectionWorkflow.Remember(command(insp, actor, now), actor, action, key, now);

    public Task<InspectionReply> Amend(IReadOnlyList<ItemResult> results, string reason, Actor actor) =>
        RunAsync(actor, "inspection.amend", (insp, a, now) => rules.Workflow.Amend(insp, a, results, reason, now), detail: new { reason });

    /// <summary>The redaction step (docs/workflow.md): Core decides, the commit writes the value and the audit line (never the withheld text).</summary>
    public Task<InspectionReply> Redact(string? field, string? category, string? note, Actor actor) =>
        RunAsync(actor, "inspection.redact", (insp, a, now) => rules.Workflow.Redact(insp, a, field, category, note, now),
            detail: new { field, category, note = note?.Trim() });

    public async Task<InspectionReply> ReplaceMember(TeamReplacement replacement, Actor actor)
    {
        if (_stored is null) return NotFound();
        var before = _stored;
        var task = await draws.GetAsync(before.Inspection.TaskId);
        if (task is null || replacement.Replacement.MemberId != before.Inspection.EntityCreditCode)
            return InspectionReply.Refused(InspectionReplyStatus.Invalid, $"the replacement is not for inspection {Id}", before.Inspection);

        var joining = replacement.Joining.CertificateNo;
        var account = await store.AccountOfCertificateAsync(joining) ?? joining;
        var t = InspectionWorkflow.ReplaceMember(before.Inspection, actor, replacement.Replacement.Replaced, new TeamMember(account, joining, false));
        if (t.Error is { } error) return Refusal(before, error);
        if (!t.Changed) return Reply(InspectionReplyStatus.Ok, before);
        if (task.Version != replacement.TaskVersion)
            return InspectionReply.Refused(InspectionReplyStatus.Conflict, "The task changed since the replacement was decided; try again.", before.Inspection);

        var now = clock.Now;
        var next = t.Inspection;
        var reason = replacement.Replacement.Reason;
        var notifications = new List<Notification>
        {
            new(Notification.Inspector(joining), Id, "assigned",
                $"You join the team inspecting {before.EntityName} ({next.EntityCreditCode}) for task {next.TaskId}, due {next.DueDate:yyyy-MM-dd}, replacing {replacement.Replacement.Replaced}: {reason}"),
            new(Notification.Inspector(replacement.Replacement.Replaced), Id, "removed",
                $"You are no longer on the team of inspection {Id}; {joining} replaces you: {reason}"),
        };
        var detail = new { replaced = replacement.Replacement.Replaced, replacement = joining, reason, signedDraftReopened = before.Inspection.State != next.State };
        var change = new InspectionChange(before, next, before.Marks, actor, "inspection.replace-member", detail, [], notifications, now);
        var taskAfter = task with { Version = task.Version + 1, UpdatedAt = now };
        try
        {
            if (!await CommitAsync(change, (connection, tx) => draws.WriteReplacementAsync(connection, tx, task, taskAfter, replacement.All,
                    replacement.Rank, replacement.Joining, replacement.Replacement, actor)))
                return InspectionReply.Refused(InspectionReplyStatus.Conflict, "The inspection changed concurrently; read it again.", _stored?.Inspection);
        }
        catch (Infrastructure.Tasks.TaskVersionConflictException)
        {
            return InspectionReply.Refused(InspectionReplyStatus.Conflict, "The task changed since the replacement was decided; try again.", _stored?.Inspection);
        }
        return Reply(InspectionReplyStatus.Ok, _stored!);
    }

    public async Task<InspectionFlags?> CheckDeadlines()
    {
        if (_stored is null) return null;
        var insp = _stored.Inspection;
        var marks = _stored.Marks;
        var today = clock.Today;
        var notifications = new List<Notification>();
        var open = InspectionWorkflow.OpenStates.Contains(insp.State);
        if (open)
        {
            var status = rules.StatusOn(today, insp.DueDate);
            if (status == DeadlineStatus.Overdue && !marks.Overdue)
            {
                marks = marks with { Overdue = true };
                notifications.AddRange(TeamNotes(insp, "overdue", $"Inspection {insp.InspectionId} was due {insp.DueDate:yyyy-MM-dd} and is overdue."));
                notifications.Add(new Notification(Notification.Department(insp.LeadDepartment), insp.InspectionId, "overdue",
                    $"Inspection {insp.InspectionId} was due {insp.DueDate:yyyy-MM-dd} and has not been submitted."));
            }
            else if (status == DeadlineStatus.DueSoon && !marks.DueWarned)
            {
                marks = marks with { DueWarned = true };
                notifications.AddRange(TeamNotes(insp, "due-soon", $"Inspection {insp.InspectionId} is due {insp.DueDate:yyyy-MM-dd}."));
            }
        }

        if (insp.State == InspectionState.Approved && marks.PublicationDue is { } warnFor && !marks.PublicationWarned && !marks.PublicationOverdue
            && today <= warnFor && rules.StatusOn(today, warnFor) == DeadlineStatus.DueSoon)
        {
            marks = marks with { PublicationWarned = true };
            notifications.Add(new Notification(Notification.Department(insp.LeadDepartment), insp.InspectionId, "publication-due-soon",
                $"The result of inspection {insp.InspectionId} must be published by {warnFor:yyyy-MM-dd}."));
        }

        if (insp.State == InspectionState.Approved && marks.PublicationDue is { } publishBy && today > publishBy && !marks.PublicationOverdue)
        {
            marks = marks with { PublicationOverdue = true };
            notifications.Add(new Notification(Notification.Department(insp.LeadDepartment), insp.InspectionId, "publication-overdue",
                $"The result of inspection {insp.InspectionId} was to be published by {publishBy:yyyy-MM-dd}."));
        }

        if (marks != _stored.Marks)
        {
            var change = new InspectionChange(_stored, insp, marks, Actor.System("deadline-reminder"), "inspection.deadline",
                new { today, insp.DueDate, marks.Overdue, marks.DueWarned, marks.PublicationDue, marks.PublicationOverdue }, [], notifications);
            if (!await CommitAsync(change)) return ToFlags(_stored.Marks);
        }

        if (insp.State == InspectionState.Published)
        {
            // Nothing left to watch; an amendment registers the reminder again.
            var reminder = await this.GetReminder(ReminderName);
            if (reminder is not null) await this.UnregisterReminder(reminder);
        }
        return ToFlags(_stored.Marks);
    }

    public async Task<InspectionFlags?> RecomputeDeadlines(string calendarVersion)
    {
        if (_stored is null) return null;
        var insp = _stored.Inspection;
        var marks = _stored.Marks;
        if (insp.State != InspectionState.Approved || marks.ApprovedOn is not { } approvedOn) return ToFlags(marks);
        var change = DeadlineRecompute.Publication(rules.Deadlines, insp.InspectionId, insp.LeadDepartment, approvedOn, marks.PublicationDue);
        if (change is null) return ToFlags(marks);

        // The warnings follow the new date: the next deadline check warns or marks overdue again where it now applies.
        var next = marks with { PublicationDue = change.After, PublicationWarned = false, PublicationOverdue = false };
        var detail = new
        {
            before = DeadlineStore.Dates(change.Field, change.Before, null, null),
            after = DeadlineStore.Dates(change.Field, change.After, null, calendarVersion),
        };
        var commit = new InspectionChange(_stored, insp, next, Actor.System("calendar"), DeadlineStore.AuditAction, detail, [], []);
        if (!await CommitAsync(commit)) return ToFlags(_stored.Marks);
        return await CheckDeadlines();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        if (_stored is null)
        {
            // Registered by an assignment whose row was never written: nothing to watch.
            var reminder = await this.GetReminder(ReminderName);
            if (reminder is not null) await this.UnregisterReminder(reminder);
            return;
        }
        await CheckDeadlines();
    }

    private Task EnsureReminderAsync()
    {
        var period = options.ReminderPeriod;
        return this.RegisterOrUpdateReminder(ReminderName, period, period);
    }

    /// <summary>Approve and Return act during review; a submitted inspection's review is opened by the same call.</summary>
    private Transition Review(Inspection insp, Actor actor, string? departmentCode, DateTimeOffset now, InspectionAction action, Func<Inspection, string, Transition> command)
    {
        var department = departmentCode ?? actor.DepartmentCode;
        if (string.IsNullOrWhiteSpace(department))
        {
            var error = new InspectionError(InspectionErrorKind.Invalid, action, insp.State, InspectionWorkflow.AllowedActions(insp.State),
                "name the department whose items you review", [FieldError.Required("departmentCode", "is required for an account without a department")]);
            return new Transition(insp, false, error, [], null);
        }

        if (insp.State != InspectionState.Submitted) return command(insp, department);
        var opened = rules.Workflow.StartReview(insp, actor, now);
        if (!opened.Ok) return opened;
        var done = command(opened.Inspection, department);
        return done.Ok ? done : done with { Inspection = insp };
    }

    private async Task<InspectionReply> RunAsync(Actor actor, string action, Func<Inspection, Actor, DateTimeOffset, Transition> command,
        long? expectedRevision = null, object? detail = null)
    {
        if (_stored is null || !CanSee(_stored.Inspection, actor)) return NotFound();
        var before = _stored;
        if (expectedRevision is { } expected && expected != before.Inspection.Revision)
            return InspectionReply.Refused(InspectionReplyStatus.PreconditionFailed,
                $"The inspection is at revision {before.Inspection.Revision}, not {expected}: read it again and reapply your change.", before.Inspection);

        var now = clock.Now;
        var member = AsMember(before.Inspection, actor);
        Transition t;
        try
        {
            t = command(before.Inspection, member, now);
        }
        catch (CalendarRangeException e)
        {
            return InspectionReply.Refused(InspectionReplyStatus.Unprocessable, e.Message, before.Inspection);
        }

        if (t.Error is { } error) return Refusal(before, error);

        if (!t.Changed) return Reply(InspectionReplyStatus.Ok, before, t.Receipt);

        var next = t.Inspection;
        var marks = before.Marks;
        var approvedNow = next.State == InspectionState.Approved && before.Inspection.State != InspectionState.Approved;
        if (approvedNow)
        {
            var approvedOn = ChinaTime.DateOf(now);
            marks = marks with { ApprovedOn = approvedOn, PublicationDue = PublicationDue(approvedOn), PublicationOverdue = false, PublicationWarned = false };
        }

        // Departments that publish automatically: the approval publishes in the same commit (docs/public-portal.md).
        var autoPublished = false;
        if (approvedNow && PublicationSettings.PublishesAutomatically((await departments.GetAsync(next.LeadDepartment))?.PublishMode))
        {
            var published = rules.Workflow.Publish(next, AutoPublisher(next.LeadDepartment), now);
            if (published.Ok)
            {
                next = published.Inspection;
                autoPublished = true;
                detail = new { detail, autoPublished };
            }
        }

        var notifications = new List<Notification>();
        if (next.State == InspectionState.Returned)
            notifications.AddRange(TeamNotes(next, "returned", $"Inspection {next.InspectionId} was returned: {next.Returns[^1].Reason}"));
        if (approvedNow && !autoPublished)
            notifications.Add(new Notification(Notification.Department(next.LeadDepartment), next.InspectionId, "approved",
                $"Inspection {next.InspectionId} is approved; publish by {marks.PublicationDue?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "(date beyond the calendar data)"}."));

        var change = new InspectionChange(before, next, marks, member, action, detail, t.Outcomes, notifications, now);
        try
        {
            if (!await CommitAsync(change))
                return InspectionReply.Refused(InspectionReplyStatus.Conflict, "The inspection changed concurrently; read it again.", _stored?.Inspection);
        }
        catch (CalendarRangeException e)
        {
            return InspectionReply.Refused(InspectionReplyStatus.Unprocessable,
                $"The follow-up deadlines of this result run past the working-day calendar data: {e.Message} Nothing was changed.", before.Inspection);
        }

        if (before.Inspection.State == InspectionState.Published && next.State != InspectionState.Published) await EnsureReminderAsync();
        await TellCasesAsync(t.Outcomes);
        return Reply(InspectionReplyStatus.Ok, _stored!, t.Receipt);
    }

    /// <summary>
    /// An approved amendment's outcomes, once committed, go to the follow-up case of each item (docs/follow-up-cases.md,
    /// "Amendments"): a case whose finding was amended away is withdrawn, one whose violation stays follows the new version.
    /// A failure here leaves the inspection as committed; the deadline keeper's case pass finds the case behind its item's
    /// latest result and catches up.
    /// </summary>
    private async Task TellCasesAsync(IReadOnlyList<InspectionOutcome> outcomes)
    {
        foreach (var o in outcomes.Where(o => o.Kind == OutcomeKind.Amendment))
        {
            try
            {
                await GrainFactory.GetGrain<Contracts.Cases.ICaseGrain>(Core.Cases.CaseWorkflow.CaseId(o.InspectionId, o.ItemCode)).FindingAmended();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Inspection {Id}: the case of item {Item} did not take in the amendment yet; the deadline keeper's pass will", Id, o.ItemCode);
            }
        }
    }

    private InspectionReply Refusal(StoredInspection before, InspectionError error)
    {
        var status = error.Kind switch
        {
            InspectionErrorKind.Forbidden => InspectionReplyStatus.Forbidden,
            InspectionErrorKind.Invalid => InspectionReplyStatus.Invalid,
            _ => InspectionReplyStatus.IllegalTransition,
        };
        return new InspectionReply(status, before.Inspection, error.Message, error.FieldErrors, error, null, ToFlags(before.Marks));
    }

    /// <summary>How often a commit decides its follow-ups again when another inspection of the entity changed its listings meanwhile.</summary>
    private const int FollowUpAttempts = 3;

    /// <summary>
    /// Commits and adopts the change; false after a revision conflict (the grain then holds what is stored). A change with
    /// outcomes first has their follow-ups decided (<see cref="FollowUpRules.Decide"/>) against the entity's open listings;
    /// when those changed before the commit, nothing was written and the follow-ups are decided again.
    /// </summary>
    private async Task<bool> CommitAsync(InspectionChange change, Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task>? alongside = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (change.Outcomes.Count > 0)
            {
                var facts = await store.FollowUpFactsAsync(change.After.EntityCreditCode, change.After.InspectionId);
                change = change with { FollowUps = rules.FollowUps.Decide(change.Outcomes, facts.OpenListings, facts.ReinspectedFrom) };
            }
            try
            {
                await store.CommitAsync(change, alongside);
                _stored = change.Before with { Inspection = change.After, Marks = change.Marks };
                return true;
            }
            catch (FollowUpBasisChangedException) when (attempt < FollowUpAttempts)
            {
                if (logger.IsEnabled(LogLevel.Information))
                    logger.LogInformation("Inspection {Id}: the entity's listings changed while its follow-ups were decided; deciding again", Id);
            }
            catch (FollowUpBasisChangedException)
            {
                logger.LogWarning("Inspection {Id}: the entity's listings kept changing; nothing was committed", Id);
                _stored = await store.LoadAsync(Id);
                return false;
            }
            catch (InspectionRevisionConflictException)
            {
                logger.LogWarning("Inspection {Id}: revision {Revision} was overtaken; reloading", Id, change.Before.Inspection.Revision);
                _stored = await store.LoadAsync(Id);
                return false;
            }
            catch (Exception)
            {
                // Committed or not, the database knows: never answer from a value that may not be stored.
                _stored = await store.LoadAsync(Id);
                throw;
            }
        }
    }

    private DateOnly? PublicationDue(DateOnly approvedOn)
    {
        try
        {
            return rules.Deadlines.PublicationDue(approvedOn);
        }
        catch (CalendarRangeException e)
        {
            logger.LogWarning("Inspection {Id}: the publication deadline is beyond the calendar data ({Message})", Id, e.Message);
            return null;
        }
    }

    /// <summary>Who publishes for a department set to publish automatically, as the audit log shows it.</summary>
    private static Actor AutoPublisher(string department) => new("system:auto-publish", [Roles.Reviewer], department, null);

    /// <summary>The certificate is what the draw assigned: an account holding a team member's certificate acts as that member.</summary>
    private static Actor AsMember(Inspection insp, Actor actor) =>
        actor.InspectorCertificateNo is { } cert && insp.Team.FirstOrDefault(m => m.CertificateNo == cert) is { } member
            ? actor with { Username = member.Username }
            : actor;

    /// <summary>Team members, reviewers and schedulers of the departments owning items or leading the task, and admins.</summary>
    public static bool CanSee(Inspection insp, Actor actor)
    {
        if (actor.IsAdmin) return true;
        if (actor.InspectorCertificateNo is { } cert && insp.Team.Any(m => m.CertificateNo == cert)) return true;
        if (insp.IsTeamMember(actor.Username)) return true;
        return actor.DepartmentCode is { } d && (actor.Has(Roles.Reviewer) || actor.Has(Roles.Scheduler))
            && (d == insp.LeadDepartment || insp.ReviewingDepartments.Contains(d, StringComparer.Ordinal));
    }

    private static IEnumerable<Notification> TeamNotes(Inspection insp, string kind, string message) =>
        insp.Team.Select(m => new Notification(Notification.Inspector(m.CertificateNo), insp.InspectionId, kind, message));

    private InspectionFlags ToFlags(InspectionMarks m) => new(m.DueWarned, m.Overdue, m.ApprovedOn, m.PublicationDue, m.PublicationOverdue,
        m.PublicationDue is { } due && rules.Calendar.IsProvisional(due));

    private InspectionReply Reply(InspectionReplyStatus status, StoredInspection stored, SubmitReceipt? receipt = null) =>
        new(status, stored.Inspection, null, [], null, receipt, ToFlags(stored.Marks));

    private InspectionReply NotFound() => InspectionReply.Refused(InspectionReplyStatus.NotFound, $"There is no inspection '{Id}'.");
}
