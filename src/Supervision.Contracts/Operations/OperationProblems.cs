using System.Text.Json;
using Supervision.Contracts.Inspections;
using Supervision.Contracts.Tasks;
using Supervision.Core.Registry;
using Supervision.Core.Operations;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Operations;

/// <summary>
/// Every refusal of a task or dispatch command as the RFC 9457 problem it answers: one mapping, used by the routes when
/// they answer at once and by the operation runner when it records how a background operation ended.
/// </summary>
public static class OperationProblems
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The problem for a refused task command; null when it succeeded.</summary>
    public static OperationProblem? For(TaskReply reply, string taskId) => reply.Status switch
    {
        TaskReplyStatus.Ok or TaskReplyStatus.Created => null,
        TaskReplyStatus.Invalid => Validation(reply.Errors),
        TaskReplyStatus.Forbidden => new(403, "Forbidden", reply.Detail ?? "Not allowed."),
        TaskReplyStatus.NotFound => NotFound("task", taskId),
        TaskReplyStatus.VersionMismatch => new(412, "The task changed since you read it", reply.Detail,
            Extensions(new { currentState = reply.CurrentState, currentVersion = reply.Version })),
        TaskReplyStatus.IllegalTransition => new(409, "Not allowed in the task's current state",
            reply.Detail + (reply.CurrentState is null ? "" : $" Current state: {reply.CurrentState}; allowed actions: {(reply.AllowedActions.Count == 0 ? "none" : string.Join(", ", reply.AllowedActions))}."),
            Extensions(new { currentState = reply.CurrentState, allowedActions = reply.AllowedActions })),
        TaskReplyStatus.Unprocessable => new(422,
            reply.Failure is null ? "The draw cannot run" : $"Entity {reply.Failure.MemberId} cannot be staffed",
            reply.Detail,
            reply.Failure is { } f ? Extensions(new { memberId = f.MemberId, rank = f.Rank, missingConditions = f.MissingConditions }) : null),
        _ => throw new InvalidOperationException($"unknown reply status {reply.Status}"),
    };

    /// <summary>The problem for a refused dispatch; null when it succeeded.</summary>
    public static OperationProblem? For(DispatchReply reply, string taskId) => reply.Status switch
    {
        InspectionReplyStatus.Ok or InspectionReplyStatus.Created => null,
        InspectionReplyStatus.NotFound => NotFound("task", taskId),
        InspectionReplyStatus.Forbidden => new(403, "Forbidden", reply.Detail ?? "Not allowed."),
        InspectionReplyStatus.IllegalTransition => new(409, "Conflict", reply.Detail ?? "The task cannot be dispatched now."),
        _ => new(422, "The request cannot be carried out", reply.Detail),
    };

    public static OperationProblem NotFound(string what, string key) => new(404, $"{what} not found", $"There is no {what} '{key}'.");

    /// <summary>400 with <c>errors</c>: each field and its reasons (the shape of ASP.NET Core's validation problem), and the coded <c>fieldErrors</c>.</summary>
    public static OperationProblem Validation(IEnumerable<FieldError> errors)
    {
        var list = errors.ToList();
        return new(400, "The request is invalid", "One or more fields are invalid; see 'errors' for each field and the reason.",
            Extensions(new
            {
                errors = list.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray(), StringComparer.Ordinal),
                fieldErrors = FieldErrorView.From(list),
            }));
    }

    private static string Extensions(object members) => JsonSerializer.Serialize(members, Json);
}
