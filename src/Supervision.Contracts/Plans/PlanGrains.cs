using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Plans;

/// <summary>What a plan command did: the plan after it, or why not (with the fields at fault).</summary>
[GenerateSerializer, Immutable, Alias("supervision.plan-reply")]
public sealed record PlanReply(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] Plan? Plan)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Created;

    public static PlanReply Refused(CommandStatus status, string detail, IReadOnlyList<FieldError>? errors = null) => new(status, detail, errors ?? [], null);
}

/// <summary>
/// The annual plan of one department for one year, keyed by its id "{department}/{year}" (docs/planning.md): drafting,
/// editing, approval, publication and revisions are serialised per plan, and every command checks its actor against the
/// plan's department (Core's rule). <c>expectedVersion</c>, when given, is the version the caller read: a step decided on
/// another version is refused unless it would change nothing (a repeat).
/// </summary>
[Alias("supervision.plan")]
public interface IPlanGrain : IGrainWithStringKey
{
    /// <summary>The department's scheduler drafts the plan (revision 1) with the lines given.</summary>
    [Alias("create")]
    Task<PlanReply> Create(IReadOnlyList<PlanLineDraft>? lines, Actor actor);

    /// <summary>The scheduler replaces the working revision's lines (an approved revision goes back to draft).</summary>
    [Alias("edit"), SafeToRetry]
    Task<PlanReply> Edit(IReadOnlyList<PlanLineDraft>? lines, long? expectedVersion, Actor actor);

    /// <summary>A second person (the department's administrator or a platform admin) approves the working revision.</summary>
    [Alias("approve"), SafeToRetry]
    Task<PlanReply> Approve(long? expectedVersion, Actor actor);

    /// <summary>An approver publishes the approved revision: it is in force and public from now, and kept.</summary>
    [Alias("publish"), SafeToRetry]
    Task<PlanReply> Publish(long? expectedVersion, Actor actor);

    /// <summary>The scheduler starts a revision of the published plan, with the reason for the change.</summary>
    [Alias("revise"), SafeToRetry]
    Task<PlanReply> Revise(string? reason, long? expectedVersion, Actor actor);
}
