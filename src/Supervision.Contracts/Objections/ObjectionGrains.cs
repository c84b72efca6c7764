using Supervision.Core.Identity;
using Supervision.Core.Objections;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Objections;

/// <summary>What a statement or objection command did: the submission after it, or why not (with the fields at fault).</summary>
[GenerateSerializer, Immutable, Alias("supervision.objection-reply")]
public sealed record ObjectionReply(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] Objection? Objection)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Created;

    public static ObjectionReply Refused(CommandStatus status, string detail, IReadOnlyList<FieldError>? errors = null) => new(status, detail, errors ?? [], null);
}

/// <summary>A file as the entity sent it: its name, declared type and bytes (checked against the type's signature by the API).</summary>
[GenerateSerializer, Immutable, Alias("supervision.objection-upload")]
public sealed record ObjectionUpload(
    [property: Id(0)] string FileName,
    [property: Id(1)] string MediaType,
    [property: Id(2)] byte[] Content);

/// <summary>
/// The statements and objections about one inspection's published results, keyed by the inspection id
/// ("{taskId}/{creditCode}"): submitting and deciding are serialised per inspection, so the one-open-objection rule holds and
/// a decision is applied once.
/// </summary>
[Alias("supervision.objection")]
public interface IObjectionGrain : IGrainWithStringKey
{
    /// <summary>The entity (already proven by its signed link) sends a statement or an objection about published version <paramref name="version"/>.</summary>
    [Alias("submit"), SafeToRetry]
    Task<ObjectionReply> Submit(string entityCreditCode, int version, string? kind, string? reason, IReadOnlyList<ObjectionUpload> attachments);

    /// <summary>The publishing department upholds or rejects (with a reason) an objection. A repeat answers as the first time.</summary>
    [Alias("decide"), SafeToRetry]
    Task<ObjectionReply> Decide(string objectionId, bool uphold, string? reason, Actor actor);

    /// <summary>Sends the reminder an open objection owes its department on <paramref name="today"/>; answers whether one was sent.</summary>
    [Alias("remind-decision")]
    Task<bool> RemindDecision(string objectionId, DateOnly today);
}
