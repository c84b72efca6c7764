namespace Supervision.Core.Tasks;

/// <summary>
/// The life of a random-inspection task as a pure state machine (docs/draw-service.md, "State machine"), like
/// <c>InspectionWorkflow</c> for inspections: the states, the actions each state allows and the state each action leads
/// to. The task grain applies it (the rules of each step — the ceremony, the cancellation, the replacement — are their
/// own pure modules: <c>WitnessCeremony</c>, <see cref="TaskCancellation"/>, <c>InspectorDraw.Replace</c>).
/// </summary>
public static class TaskWorkflow
{
    public const string Draft = "draft";
    public const string Published = "published";
    public const string Frozen = "frozen";
    public const string EntitiesDrawn = "entities_drawn";
    public const string InspectorsDrawn = "inspectors_drawn";
    public const string Cancelled = "cancelled";

    /// <summary>The states in the order a task goes through them; cancelled ends any of the first four.</summary>
    public static readonly IReadOnlyList<string> States = [Draft, Published, Frozen, EntitiesDrawn, InspectorsDrawn, Cancelled];

    // Per state, each allowed action and the state it leads to. Once the draw has begun (frozen), a task ends only
    // through a request that a second person approves (approve-cancel), never by one person's cancel.
    private static readonly Dictionary<string, (string Action, string Next)[]> Transitions = new(StringComparer.Ordinal)
    {
        [Draft] = [("edit", Draft), ("publish", Published), ("cancel", Cancelled)],
        [Published] = [("freeze", Frozen), ("cancel", Cancelled)],
        [Frozen] =
        [
            ("commit", Frozen), ("close", Frozen), ("reveal", Frozen), ("beacon", Frozen), ("entropy", Frozen),
            ("draw-entities", EntitiesDrawn), ("request-cancel", Frozen), ("approve-cancel", Cancelled),
        ],
        [EntitiesDrawn] = [("draw-inspectors", InspectorsDrawn), ("request-cancel", EntitiesDrawn), ("approve-cancel", Cancelled)],
        [InspectorsDrawn] = [("replace-inspector", InspectorsDrawn), ("dispatch", InspectorsDrawn)],
        [Cancelled] = [],
    };

    /// <summary>The actions allowed in <paramref name="state"/> (none for an unknown state); anything else is an illegal transition (409).</summary>
    public static IReadOnlyList<string> AllowedActions(string state) =>
        Transitions.TryGetValue(state, out var t) ? t.Select(x => x.Action).ToArray() : [];

    public static bool Allows(string state, string action) => Next(state, action) is not null;

    /// <summary>The state after <paramref name="action"/> in <paramref name="state"/>, or null when the action is not allowed there.</summary>
    public static string? Next(string state, string action) =>
        Transitions.TryGetValue(state, out var t) && t.FirstOrDefault(x => x.Action == action) is { Action: not null } hit ? hit.Next : null;

    /// <summary>The state after an allowed action; throws for one the state does not allow (a bug: the grain checks first).</summary>
    public static string After(string state, string action) =>
        Next(state, action) ?? throw new InvalidOperationException($"'{action}' is not allowed while the task is {state}");
}
