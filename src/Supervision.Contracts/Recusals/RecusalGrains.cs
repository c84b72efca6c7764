using Supervision.Contracts;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Recusals;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Recusals;

/// <summary>What a recusal command did: the request after it, or why not (with the fields at fault).</summary>
[GenerateSerializer, Immutable, Alias("supervision.recusal-reply")]
public sealed record RecusalReply(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] RecusalRequest? Request)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Created;

    public static RecusalReply Refused(CommandStatus status, string detail, IReadOnlyList<FieldError>? errors = null, RecusalRequest? request = null) =>
        new(status, detail, errors ?? [], request);
}

/// <summary>
/// The recusal requests of one inspection, keyed by the inspection id ("{taskId}/{creditCode}"): filing and deciding are
/// serialised per inspection, so the one-open-request-per-member rule holds and a decision is applied once. An accepted
/// request has the task replace the member by the draw's rule (<c>ITaskGrain.ReplaceInspector</c>) before it is recorded.
/// </summary>
[Alias("supervision.recusal")]
public interface IRecusalGrain : IGrainWithStringKey
{
    /// <summary>The entity (already proven by its signed link) asks that <paramref name="certificateNo"/> step aside.</summary>
    [Alias("file")]
    Task<RecusalReply> File(string entityCreditCode, string? certificateNo, string? grounds, string? reason);

    /// <summary>
    /// The lead department's scheduler (or an admin) accepts (<paramref name="accept"/>; <paramref name="reason"/> an optional
    /// note) or rejects (with <paramref name="reason"/>, shown to the entity). A repeat answers as the first time.
    /// </summary>
    [Alias("decide"), SafeToRetry]
    Task<RecusalReply> Decide(string requestId, bool accept, string? reason, Actor actor);

    /// <summary>
    /// Sends the reminder an open request owes its lead department on <paramref name="today"/> (due today, then overdue;
    /// each once). Answers whether one was sent. Called by the deadline keeper.
    /// </summary>
    [Alias("remind-decision")]
    Task<bool> RemindDecision(string requestId, DateOnly today);
}
