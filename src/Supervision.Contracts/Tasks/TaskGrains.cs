using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Tasks;

/// <summary>The life of a task (docs/draw-service.md): the states and allowed actions of Core's <see cref="TaskWorkflow"/>.</summary>
public static class TaskStates
{
    public const string Draft = TaskWorkflow.Draft;
    public const string Published = TaskWorkflow.Published;
    public const string Frozen = TaskWorkflow.Frozen;
    public const string EntitiesDrawn = TaskWorkflow.EntitiesDrawn;
    public const string InspectorsDrawn = TaskWorkflow.InspectorsDrawn;
    public const string Cancelled = TaskWorkflow.Cancelled;

    /// <summary>The actions allowed in each state; anything else is an illegal transition (409).</summary>
    public static IReadOnlyList<string> AllowedActions(string state) => TaskWorkflow.AllowedActions(state);
}

[GenerateSerializer]
public enum TaskReplyStatus
{
    Ok,
    Created,
    Invalid,
    Forbidden,
    NotFound,
    IllegalTransition,
    VersionMismatch,
    Unprocessable,
}

/// <summary>What a task command did. For a refused inspector draw, <see cref="Failure"/> names the entity and the missing conditions.</summary>
[GenerateSerializer, Immutable, Alias("supervision.task-reply")]
public sealed record TaskReply(
    [property: Id(0)] TaskReplyStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] string? CurrentState,
    [property: Id(4)] IReadOnlyList<string> AllowedActions,
    [property: Id(5)] long Version,
    [property: Id(6)] InspectorDrawFailure? Failure)
{
    public static TaskReply Ok(string state, long version, TaskReplyStatus status = TaskReplyStatus.Ok) =>
        new(status, null, [], state, TaskStates.AllowedActions(state), version, null);

    public static TaskReply Refused(TaskReplyStatus status, string detail) => new(status, detail, [], null, [], 0, null);

    public static TaskReply Invalid(IReadOnlyList<FieldError> errors) => new(TaskReplyStatus.Invalid, null, errors, null, [], 0, null);

    public static TaskReply Illegal(string state, string action) => new(TaskReplyStatus.IllegalTransition,
        $"'{action}' is not allowed while the task is {state}.", [], state, TaskStates.AllowedActions(state), 0, null);
}

/// <summary>
/// One random-inspection task, keyed by its id. Every command is serialised through the grain; each
/// transition is written to the draw_tasks read model together with its audit line in one transaction.
/// The server secret lives only in the grain's persisted state until the entity draw reveals it.
/// </summary>
[Alias("supervision.task")]
public interface ITaskGrain : IGrainWithStringKey
{
    [Alias("create")]
    Task<TaskReply> Create(TaskDefinition definition, Actor actor);

    [Alias("update")]
    Task<TaskReply> Update(TaskDefinition definition, long expectedVersion, Actor actor);

    [Alias("publish")]
    Task<TaskReply> Publish(Actor actor);

    [Alias("cancel")]
    Task<TaskReply> Cancel(string reason, Actor actor);

    /// <summary>
    /// The lead's scheduler asks to end a task whose draw has begun (frozen, or entities drawn), with a reason; with
    /// <paramref name="redraw"/> and a new <paramref name="beacon"/> round, the approval also plans it again.
    /// </summary>
    [Alias("request-cancel")]
    Task<TaskReply> RequestCancel(string reason, bool redraw, NamedBeacon? beacon, Actor actor);

    /// <summary>A platform administrator other than the one who asked approves or rejects (with a note) the pending request.</summary>
    [Alias("decide-cancel")]
    Task<TaskReply> DecideCancel(bool approve, string? note, Actor actor);

    /// <summary>Creates the draft that redraws <paramref name="replaces"/> (called by that task's approved redraw); idempotent.</summary>
    [Alias("create-redraw")]
    Task<TaskReply> CreateRedraw(TaskDefinition definition, string replaces, Actor actor);

    /// <summary>
    /// A participating department's answer to a joint task (its own schedulers, or admins), before the freeze:
    /// <paramref name="accept"/> true joins it; false declines it with <paramref name="reason"/>.
    /// </summary>
    [Alias("participate")]
    Task<TaskReply> Participate(string departmentCode, bool accept, string? reason, Actor actor);

    [Alias("freeze"), ResponseTimeout("00:15:00")]
    Task<TaskReply> Freeze(Actor actor);

    [Alias("entropy")]
    Task<TaskReply> AddEntropy(EntropyEntry entry, Actor actor);

    /// <summary>
    /// For a task with a witnessed ceremony: the value of the beacon round named in its plan (<see cref="BeaconValue.Source"/>
    /// blank or the named source), once, after the commitments closed and not before the round was due. For a task planned
    /// before it: the optional v1 beacon (source and value).
    /// </summary>
    [Alias("beacon"), SafeToRetry]
    Task<TaskReply> SetBeacon(BeaconValue beacon, Actor actor);

    /// <summary>A witness, under their own account (<paramref name="witness"/> is the account's name), commits to a contribution (draw-spec §3.3).</summary>
    [Alias("ceremony-commit"), SafeToRetry]
    Task<TaskReply> CommitEntropy(string witness, string commitment, Actor actor);

    /// <summary>The lead's scheduler closes the commitments: enough witnesses, one from outside the lead department, before the beacon round is due.</summary>
    [Alias("ceremony-close"), SafeToRetry]
    Task<TaskReply> CloseCommitments(Actor actor);

    /// <summary>A witness opens their commitment with its value and nonce, after the close and before the beacon value.</summary>
    [Alias("ceremony-reveal"), SafeToRetry]
    Task<TaskReply> RevealEntropy(string witness, string value, string nonce, Actor actor);

    [Alias("draw-entities"), ResponseTimeout("00:15:00")]
    Task<TaskReply> DrawEntities(Actor actor);

    [Alias("draw-inspectors"), ResponseTimeout("00:15:00")]
    Task<TaskReply> DrawInspectors(Actor actor);

    /// <summary>
    /// Replaces one member of a drawn team by the rule of draw-spec §8.1 (no choice: the frozen pool, the seed and the
    /// earlier replacements decide), with a published reason. The lead's scheduler or an admin, while the task is
    /// inspectors_drawn. Before dispatch it changes the drawn team; after dispatch it changes the inspection's team too,
    /// in the same transaction, while that inspection's results are not handed in. Repeating a replacement already made
    /// (same entity, leaving member and reason) answers as the first time.
    /// </summary>
    [Alias("replace-inspector"), SafeToRetry]
    Task<TaskReply> ReplaceInspector(string memberId, string certificateNo, string reason, Actor actor);

    /// <summary>
    /// Marks the start of dispatch (once; a repeat answers as the first): from then on the teams are what dispatch reads,
    /// so a replacement after it goes through the inspection. Called by the dispatcher before it reads the teams.
    /// </summary>
    [Alias("begin-dispatch"), SafeToRetry]
    Task<TaskReply> BeginDispatch(Actor actor);

    /// <summary>
    /// Sends the matching reminder the task owes on <paramref name="today"/> (its inspectors not matched within the
    /// matching deadline's working days after its entity list arrived): once "due soon", once "overdue", to the lead
    /// department. Answers whether one was sent; repeats and tasks already matched send nothing. Called by the deadline keeper.
    /// </summary>
    [Alias("remind-matching")]
    Task<bool> RemindMatching(DateOnly today);

    /// <summary>
    /// The task's members key (draw-spec §11.1), drawn at freeze; null for tasks frozen before members were committed.
    /// For the API only: it builds the class-free members file and entities' receipts with it, and gives it to auditors.
    /// </summary>
    [Alias("members-key")]
    Task<byte[]?> MembersKey();
}

/// <summary>What a partition worker is asked to do: the draw inputs and its chunks [first, first + count) of the frozen snapshot.</summary>
[GenerateSerializer, Immutable, Alias("supervision.partition-work")]
public sealed record PartitionWork(
    [property: Id(0)] string TaskId,
    [property: Id(1)] byte[] Seed,
    [property: Id(2)] string ParametersJson,
    [property: Id(3)] int FirstChunk,
    [property: Id(4)] int ChunkCount);

[GenerateSerializer, Immutable, Alias("supervision.partition-census")]
public sealed record PartitionCensus(
    [property: Id(0)] long[] Counts,
    [property: Id(1)] string[] WeightSums,
    [property: Id(2)] string[] ExcludedReasons,
    [property: Id(3)] long[] ExcludedCounts,
    [property: Id(4)] long[] TopWeights)
{
    public static PartitionCensus From(CensusColumns c) => new(c.Counts, c.WeightSums, c.ExcludedReasons, c.ExcludedCounts, c.TopWeights);

    public CensusColumns ToColumns() => new(Counts, WeightSums, ExcludedReasons, ExcludedCounts, TopWeights);
}

[GenerateSerializer, Immutable, Alias("supervision.partition-candidates")]
public sealed record PartitionCandidates(
    [property: Id(0)] int[] GroupSizes,
    [property: Id(1)] int CertainCount,
    [property: Id(2)] ulong[] M,
    [property: Id(3)] string[] MemberIds,
    [property: Id(4)] int[] Strata,
    [property: Id(5)] long[] Weights,
    [property: Id(6)] double[] Approx)
{
    public static PartitionCandidates From(CandidateColumns c) => new(c.GroupSizes, c.CertainCount, c.M, c.MemberIds, c.Strata, c.Weights, c.Approx);

    public CandidateColumns ToColumns() => new(GroupSizes, CertainCount, M, MemberIds, Strata, Weights, Approx);
}

/// <summary>
/// A stateless partition worker: reads its own chunks of the frozen snapshot from the database and runs the scan
/// (pass 2) of the entity draw over them; the census (pass 1) was computed at freeze. Many activations run in parallel on every silo.
/// </summary>
[Alias("supervision.draw-partition-worker")]
public interface IDrawPartitionWorker : IGrainWithIntegerKey
{
    /// <summary>The partition's best candidates under the plan made from <paramref name="merged"/>, the census of all partitions.</summary>
    [Alias("scan"), ResponseTimeout("00:15:00")]
    Task<PartitionCandidates> Scan(PartitionWork work, PartitionCensus merged);
}
