namespace Supervision.Core.Tasks;

/// <summary>A participating department's answer to a joint task: accepted or declined, by whom and when.</summary>
public sealed record ParticipationDecision(string Decision, string By, DateTimeOffset At, string? Reason)
{
    public const string Accepted = "accepted";
    public const string Declined = "declined";
}

/// <summary>
/// Joint tasks by consent: a department named as participating joins only when one of its own schedulers accepts,
/// before the freeze. Until every participating department has accepted the task cannot be frozen, so none of their
/// inspectors can be drawn; a decline stays until the lead removes the department (or cancels). Editing the task asks
/// again: the departments accepted the task as it was defined.
/// </summary>
public static class JointTaskConsent
{
    /// <summary>Participating departments without an acceptance, each with its state ("pending" or "declined").</summary>
    public static IReadOnlyList<(string Department, string State)> Missing(TaskDefinition definition, IReadOnlyDictionary<string, ParticipationDecision> decisions) =>
        [.. definition.ParticipatingDepartments
            .Where(d => !decisions.TryGetValue(d, out var answer) || answer.Decision != ParticipationDecision.Accepted)
            .Select(d => (d, decisions.TryGetValue(d, out var answer) ? answer.Decision : "pending"))];

    /// <summary>Why the task cannot be frozen yet, or null when every participating department has accepted.</summary>
    public static string? FreezeRefusal(TaskDefinition definition, IReadOnlyDictionary<string, ParticipationDecision> decisions)
    {
        var missing = Missing(definition, decisions);
        return missing.Count == 0 ? null
            : "Every participating department must accept the joint task before it is frozen: "
              + string.Join(", ", missing.Select(m => $"{m.Department} ({m.State})"))
              + ". Their schedulers answer with POST /api/tasks/{id}/participation; the lead may remove a department by editing the draft.";
    }
}
