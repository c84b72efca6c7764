using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Inspections;

[GenerateSerializer]
public enum InspectionReplyStatus
{
    Ok,
    Created,
    NotFound,
    Forbidden,
    Invalid,
    IllegalTransition,
    PreconditionFailed,
    Conflict,
    Unprocessable,
}

/// <summary>
/// What an inspection command did. <see cref="Inspection"/> is the state after the command (unchanged when refused;
/// null when the caller may not see it). The core's records cross the grain boundary as JSON.
/// </summary>
[GenerateSerializer, Immutable, Alias("supervision.inspection-reply")]
public sealed record InspectionReply(
    [property: Id(0)] InspectionReplyStatus Status,
    [property: Id(1)] Inspection? Inspection,
    [property: Id(2)] string? Detail,
    [property: Id(3)] IReadOnlyList<FieldError> Errors,
    [property: Id(4)] InspectionError? Error,
    [property: Id(5)] SubmitReceipt? Receipt,
    [property: Id(6)] InspectionFlags? Flags)
{
    public bool Succeeded => Status is InspectionReplyStatus.Ok or InspectionReplyStatus.Created;

    public static InspectionReply Refused(InspectionReplyStatus status, string detail, Inspection? inspection = null) =>
        new(status, inspection, detail, [], null, null, null);
}

/// <summary>Deadline marks kept beside the core's value: set by the deadline reminder. <see cref="PublicationDueProvisional"/>: the
/// publication deadline reaches into a year without an official holiday notice, so it may still move.</summary>
[GenerateSerializer, Immutable, Alias("supervision.inspection-flags")]
public sealed record InspectionFlags(
    [property: Id(0)] bool DueWarned,
    [property: Id(1)] bool Overdue,
    [property: Id(2)] DateOnly? ApprovedOn,
    [property: Id(3)] DateOnly? PublicationDue,
    [property: Id(4)] bool PublicationOverdue,
    [property: Id(5)] bool PublicationDueProvisional = false)
{
    public static readonly InspectionFlags None = new(false, false, null, null, false);
}

/// <summary>
/// A replacement after dispatch as the task decided it (draw-spec §8.1): the task version it was decided at, the team's
/// rank, the member joining as the draw names them, the replacement, and every replacement of the task with it.
/// </summary>
[GenerateSerializer, Immutable, Alias("supervision.team-replacement")]
public sealed record TeamReplacement(
    [property: Id(0)] long TaskVersion,
    [property: Id(1)] int Rank,
    [property: Id(2)] Supervision.Core.Draw.TeamMember Joining,
    [property: Id(3)] Supervision.Core.Draw.InspectorReplacement Replacement,
    [property: Id(4)] IReadOnlyList<Supervision.Core.Draw.InspectorReplacement> All);

/// <summary>What the dispatcher tells a new inspection besides the core value: the entity's name and division for lists.</summary>
[GenerateSerializer, Immutable, Alias("supervision.inspection-assignment")]
public sealed record InspectionAssignment(
    [property: Id(0)] Inspection Inspection,
    [property: Id(1)] string EntityName,
    [property: Id(2)] string DivisionCode);

/// <summary>
/// One inspection (task × entity), keyed "{taskId}/{entityCreditCode}". Every command runs the pure
/// <see cref="InspectionWorkflow"/>, writes the new value with its audit line, outcomes, follow-ups and notifications
/// in one transaction, and answers only after the commit. A deadline reminder warns and marks overdue.
/// </summary>
[Alias("supervision.inspection")]
public interface IInspectionGrain : IGrainWithStringKey
{
    /// <summary>Creates the inspection if it does not exist; an existing one is returned unchanged (status Ok, not Created).</summary>
    [Alias("assign"), SafeToRetry]
    Task<InspectionReply> Assign(InspectionAssignment assignment, Actor actor);

    /// <summary>The inspection for anyone allowed to see it: team, reviewers/schedulers of its departments, admins (others: NotFound).</summary>
    [Alias("get"), SafeToRetry]
    Task<InspectionReply> Get(Actor actor);

    [Alias("save-draft")]
    Task<InspectionReply> SaveDraft(IReadOnlyList<ItemResult> results, long expectedRevision, Actor actor);

    [Alias("sign")]
    Task<InspectionReply> Sign(Actor actor);

    /// <summary>Submits the signed result; a repeat with the same <paramref name="idempotencyKey"/> answers the first receipt again.</summary>
    [Alias("submit"), SafeToRetry]
    Task<InspectionReply> Submit(string idempotencyKey, Actor actor);

    /// <summary>Approves the items of <paramref name="departmentCode"/> (null: the reviewer's own department), opening the review if needed.</summary>
    /// <remarks>With <paramref name="idempotencyKey"/>, a retry by the same person answers the original result (approve, return and publish alike).</remarks>
    [Alias("approve")]
    Task<InspectionReply> Approve(string? departmentCode, Actor actor, string? idempotencyKey);

    [Alias("return")]
    Task<InspectionReply> Return(string? departmentCode, string reason, Actor actor, string? idempotencyKey);

    [Alias("publish")]
    Task<InspectionReply> Publish(Actor actor, string? idempotencyKey);

    [Alias("amend")]
    Task<InspectionReply> Amend(IReadOnlyList<ItemResult> results, string reason, Actor actor);

    /// <summary>
    /// Withholds a free-text field of the result from publication (<see cref="Core.Inspections.Redactions"/>), with the reason
    /// category and a note: reviewers of the lead department and admins, while a version waits for publication. Marking the
    /// same again changes nothing.
    /// </summary>
    [Alias("redact"), SafeToRetry]
    Task<InspectionReply> Redact(string? field, string? category, string? note, Actor actor);

    /// <summary>Runs the deadline check now (the reminder does this periodically); returns the marks.</summary>
    /// <summary>
    /// A member leaves the team after dispatch and the draw's replacement rule names who joins; the task's record of the
    /// replacement (draw record, drawn team, task version <see cref="TeamReplacement.TaskVersion"/>) commits in the same
    /// transaction as the team's change, or neither does. Called by the task grain, which applied the rule.
    /// </summary>
    [Alias("replace-member"), SafeToRetry]
    Task<InspectionReply> ReplaceMember(TeamReplacement replacement, Actor actor);

    [Alias("check-deadlines"), SafeToRetry]
    Task<InspectionFlags?> CheckDeadlines();

    /// <summary>
    /// Computes the publication deadline again with the current working-day calendar (after a year's official notice was
    /// loaded); a moved date is committed with an audit line naming <paramref name="calendarVersion"/>. Returns the marks.
    /// </summary>
    [Alias("recompute-deadlines"), SafeToRetry]
    Task<InspectionFlags?> RecomputeDeadlines(string calendarVersion);
}

[GenerateSerializer, Immutable, Alias("supervision.dispatch-reply")]
public sealed record DispatchReply(
    [property: Id(0)] InspectionReplyStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] int Created,
    [property: Id(3)] int Existing,
    [property: Id(4)] IReadOnlyList<string> InspectionIds);

/// <summary>Dispatches one task's drawn entities to their drawn teams, keyed by task id; serialises dispatches of a task.</summary>
[Alias("supervision.dispatcher")]
public interface IDispatchGrain : IGrainWithStringKey
{
    [Alias("dispatch"), ResponseTimeout("00:10:00")]
    Task<DispatchReply> Dispatch(Actor actor);
}
