using Supervision.Core.Identity;

namespace Supervision.Contracts.Credit;

/// <summary>An entity's score after a grain call: class and weight, and the class before when it changed.</summary>
[GenerateSerializer, Immutable, Alias("supervision.credit-score-reply")]
public sealed record CreditScoreReply(
    [property: Id(0)] string EntityCreditCode,
    [property: Id(1)] double Score,
    [property: Id(2)] string CreditClass,
    [property: Id(3)] double Weight,
    [property: Id(4)] string? PreviousClass,
    [property: Id(5)] bool ClassChanged,
    [property: Id(6)] int Events,
    [property: Id(7)] bool InDirectory);

/// <summary>
/// The credit score of one entity (key: its unified social credit code). Serialises every write to the entity's events
/// and score; its state is the rows of <c>credit_events</c> and <c>credit_scores</c>, so it holds nothing between calls
/// and the nightly job can update scores without activating it.
/// </summary>
[Alias("supervision.credit-score")]
public interface ICreditScoreGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes in this entity's outcome events with seq in (<paramref name="range"/>'s outcome bounds], its external records and
    /// its concluded follow-up cases in theirs, re-derives its follow-up and listing events, and recomputes. Idempotent: a
    /// repeated call changes nothing but the evaluation instant.
    /// </summary>
    [Alias("apply-range"), SafeToRetry]
    Task<CreditScoreReply> Apply(CreditFeedRange range, Actor actor);

    /// <summary>Re-derives the time-dependent events and recomputes at the current instant.</summary>
    [Alias("refresh"), SafeToRetry]
    Task<CreditScoreReply> Refresh(Actor actor);
}

/// <summary>One step of the feed: for each stream, the seq after the checkpoint it starts from and the last seq it takes in.</summary>
[GenerateSerializer, Immutable, Alias("supervision.credit-feed-range")]
public sealed record CreditFeedRange(
    [property: Id(0)] long OutcomesAfter,
    [property: Id(1)] long OutcomesTo,
    [property: Id(2)] long ExternalAfter,
    [property: Id(3)] long ExternalTo,
    [property: Id(4)] long CasesAfter,
    [property: Id(5)] long CasesTo);

/// <summary>What one pass of the feed did.</summary>
[GenerateSerializer, Immutable, Alias("supervision.credit-feed-report")]
public sealed record CreditFeedReport(
    [property: Id(0)] long OutcomeCheckpoint,
    [property: Id(1)] long ExternalCheckpoint,
    [property: Id(2)] int OutcomesRead,
    [property: Id(3)] int ExternalRead,
    [property: Id(4)] int EntitiesApplied,
    [property: Id(5)] int TimeDueEntities,
    [property: Id(6)] int ClassChanges,
    [property: Id(7)] long CaseCheckpoint = 0,
    [property: Id(8)] int CasesRead = 0);

/// <summary>
/// The credit feed (a singleton, key "feed"): the durable consumer of <c>inspection_outcomes</c>,
/// <c>credit_external_records</c> and <c>follow_up_case_outcomes</c>. Reads after its stored checkpoint, in seq order, hands each entity's share to its
/// <see cref="ICreditScoreGrain"/>, and moves the checkpoint only after every entity of the step acknowledged. Woken by a
/// reminder; a pass can also be requested.
/// </summary>
[Alias("supervision.credit-feed")]
public interface ICreditFeedGrain : IGrainWithStringKey
{
    /// <summary>The one feed's key.</summary>
    public const string DefaultKey = "feed";

    [Alias("run-once"), ResponseTimeout("00:10:00"), SafeToRetry]
    Task<CreditFeedReport> RunOnce();

    [Alias("ensure-scheduled"), SafeToRetry]
    Task EnsureScheduled();
}

/// <summary>A recomputation accepted as a long operation: the run it produces, and the operation that runs it.</summary>
[GenerateSerializer, Immutable, Alias("supervision.recompute-started")]
public sealed record RecomputeStarted([property: Id(0)] string RunId, [property: Id(1)] string OperationId);

/// <summary>
/// The nightly recomputation (a singleton, key "nightly"): a reminder at the configured Beijing time starts a set-based
/// run over <c>credit_scores</c> in key-ordered batches; admins can start one by hand. Each run is a long operation
/// (kind credit-recompute), so a run whose silo dies is taken over by another; one runs at a time in the cluster.
/// </summary>
[Alias("supervision.credit-nightly")]
public interface ICreditNightlyGrain : IGrainWithStringKey
{
    /// <summary>The one scheduler's key.</summary>
    public const string DefaultKey = "nightly";

    /// <summary>Accepts a run as an operation and starts it (or answers the one in progress).</summary>
    [Alias("start")]
    Task<RecomputeStarted> Start(string cause, Actor actor);

    [Alias("ensure-scheduled"), SafeToRetry]
    Task EnsureScheduled();
}

/// <summary>
/// What a recomputation operation needs (its input, as JSON): its run and the instant it evaluates classes at (the same on
/// every attempt). Written by the nightly grain, read by the operation grain and the API (the run's link).
/// </summary>
public sealed record RecomputeInput(string RunId, DateTimeOffset At, string Cause);

/// <summary>Limits of an external-records import, checked by the route before the upload is stored.</summary>
public static class CreditImports
{
    /// <summary>The largest file accepted (the importer reads it whole).</summary>
    public const long MaxBytes = 64L * 1024 * 1024;
}
