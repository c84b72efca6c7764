using System.Text.Json.Serialization;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Tasks;

/// <summary>
/// A request to cancel a task whose draw has begun (frozen, or entities drawn), waiting for a second person's approval;
/// with <see cref="Redraw"/> the approval also plans the same task again under a new beacon round (a new ceremony).
/// </summary>
public sealed record CancelRequest(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("requestedBy")] string RequestedBy,
    [property: JsonPropertyName("requestedAt")] DateTimeOffset RequestedAt,
    [property: JsonPropertyName("redraw")] bool Redraw,
    [property: JsonPropertyName("beacon")] NamedBeacon? Beacon);

/// <summary>What the approver decided, kept with the task.</summary>
public sealed record CancelDecision(
    [property: JsonPropertyName("request")] CancelRequest Request,
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("decidedBy")] string DecidedBy,
    [property: JsonPropertyName("decidedAt")] DateTimeOffset DecidedAt,
    [property: JsonPropertyName("note")] string? Note);

/// <summary>
/// The rules for ending a task whose draw has begun (Draw integrity II: "no path silently replaces a draw"): the lead's
/// scheduler asks, with a reason; a second person in a higher role — a platform administrator who is not the one who
/// asked — approves or rejects. A redraw is a cancellation whose approval also plans the task again, with a new beacon
/// round, so the new draw has a new ceremony and the cancelled one stays public with every attempt. Pure: time and the
/// people come in as arguments.
/// </summary>
public static class TaskCancellation
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static (CancelRequest? Request, IReadOnlyList<FieldError> Errors) Request(string? reason, bool redraw, NamedBeacon? beacon, Actor requester, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length is 0 or > 1000) errors.Add(FieldError.RequiredText("reason", trimmed, 1000, "is required (why the draw must end), at most 1000 characters"));
        else TextRules.Check(errors, "reason", reason, multiLine: true);
        if (redraw) errors.AddRange(WitnessCeremony.NameProblems(beacon, now));
        else if (beacon is not null) errors.Add(FieldError.Conflict("beacon", "is only for a redraw (redraw: true)", other: "redraw"));
        return errors.Count > 0 ? (null, errors)
            : (new CancelRequest(trimmed, requester.Username, now, redraw, redraw ? WitnessCeremony.Normalize(beacon!) : null), []);
    }

    /// <summary>Why <paramref name="approver"/> may not decide <paramref name="request"/>, or null when they may.</summary>
    public static string? DeciderRefusal(CancelRequest request, Actor approver) =>
        !approver.IsAdmin ? "A cancellation after the draw began is approved by a platform administrator."
        : string.Equals(approver.Username, request.RequestedBy, StringComparison.Ordinal) ? "A second person approves: the one who asked cannot."
        : null;

    public static (CancelDecision? Decision, IReadOnlyList<FieldError> Errors) Decide(CancelRequest request, bool approve, string? note, Actor approver, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        var trimmed = note?.Trim();
        if (!approve && string.IsNullOrEmpty(trimmed)) errors.Add(FieldError.Required("note", "is required when rejecting (why the draw goes on)"));
        if (trimmed is { Length: > 1000 }) errors.Add(FieldError.TooLong("note", 1000, trimmed.Length, "at most 1000 characters"));
        else if (!string.IsNullOrEmpty(trimmed)) TextRules.Check(errors, "note", note, multiLine: true);
        return errors.Count > 0 ? (null, errors)
            : (new CancelDecision(request, approve ? Approved : Rejected, approver.Username, now, string.IsNullOrEmpty(trimmed) ? null : trimmed), []);
    }

    /// <summary>The plan of the redraw: the same plan under the request's new beacon round, named after the task it replaces.</summary>
    public static TaskDefinition Successor(TaskDefinition cancelled, string cancelledId, CancelRequest request)
    {
        var suffix = $" (redraw of {cancelledId})";
        var baseName = cancelled.Name.EndsWith(')') && cancelled.Name.Contains(" (redraw of ", StringComparison.Ordinal)
            ? cancelled.Name[..cancelled.Name.LastIndexOf(" (redraw of ", StringComparison.Ordinal)]
            : cancelled.Name;
        var name = baseName.Length + suffix.Length > 200 ? baseName[..(200 - suffix.Length)] + suffix : baseName + suffix;
        return cancelled with { Name = name, Beacon = request.Beacon };
    }

    /// <summary>The redraw's task id: fixed by the cancelled task's, so that an approval retried after a crash finds the same one.</summary>
    public static string SuccessorId(string cancelledId) => cancelledId + "R";
}
