using Supervision.Core.Identity;

namespace Supervision.Core.Operations;

/// <summary>The long operations the platform runs in the background (docs/operations.md, "Long operations").</summary>
public static class OperationKinds
{
    public const string Freeze = "freeze";
    public const string DrawEntities = "draw-entities";
    public const string DrawInspectors = "draw-inspectors";
    public const string Dispatch = "dispatch";

    /// <summary>A directory import (target: the import job it fills); the file is staged with the operation.</summary>
    public const string ImportEntities = "import-entities";

    public const string ImportInspectors = "import-inspectors";

    /// <summary>An external credit records import (target: the credit import's id); the file is staged with the operation.</summary>
    public const string CreditImport = "credit-import";

    /// <summary>The credit class recomputation (target: <see cref="CreditTarget"/>, so one runs at a time); it produces a recomputation run.</summary>
    public const string CreditRecompute = "credit-recompute";

    /// <summary>The target of platform-wide credit operations.</summary>
    public const string CreditTarget = "credit";

    public static readonly IReadOnlyList<string> All = [Freeze, DrawEntities, DrawInspectors, Dispatch, ImportEntities, ImportInspectors, CreditImport, CreditRecompute];

    /// <summary>Whether the kind works on a task (its target is a task id): visible to the task's staff.</summary>
    public static bool OnTask(string kind) => kind is Freeze or DrawEntities or DrawInspectors or Dispatch;

    /// <summary>Whether the kind reads an uploaded file staged with the operation.</summary>
    public static bool HasUpload(string kind) => kind is ImportEntities or ImportInspectors or CreditImport;

    /// <summary>What the target names, for the audit log's subject type.</summary>
    public static string SubjectType(string kind) => kind switch
    {
        ImportEntities or ImportInspectors => "import",
        CreditImport => "credit-import",
        CreditRecompute => "credit",
        _ => "task",
    };

    /// <summary>
    /// The roles one of which the kind's route requires (its authorization policy), checked again when the operation runs;
    /// empty for task kinds, whose grains check the task's own rule (the lead department's schedulers, admins).
    /// </summary>
    public static IReadOnlyList<string> RequiredRoles(string kind) => kind switch
    {
        ImportEntities => [Roles.Admin, Roles.Scheduler],
        ImportInspectors => [Roles.Admin, Roles.Scheduler, Roles.DepartmentAdmin],
        CreditImport => [Roles.Admin, Roles.Credit],
        CreditRecompute => [Roles.Admin],
        _ => [],
    };
}

public static class OperationStates
{
    /// <summary>Accepted and not finished: queued, running, or waiting to be taken over after its silo died.</summary>
    public const string Running = "running";

    public const string Succeeded = "succeeded";

    public const string Failed = "failed";

    public static bool IsFinal(string state) => state is Succeeded or Failed;
}

/// <summary>Where a running operation is: a phase name and, where it is countable, how much of it is done.</summary>
public sealed record OperationProgress(
    string Phase,
    long Done,
    long Total,
    string? Note = null);

/// <summary>
/// How an operation ended when it did not succeed, as the RFC 9457 problem the synchronous route would have answered:
/// <see cref="Status"/> is that route's HTTP status; <see cref="Extensions"/> its extension members (JSON text).
/// </summary>
public sealed record OperationProblem(
    int Status,
    string Title,
    string? Detail,
    string? ExtensionsJson = null);

/// <summary>
/// One long operation (a freeze, a draw, a dispatch) on one target, as it is stored: who asked for it, where it is, and
/// how it ended. The lease names the silo running it and until when; a lease that runs out while the operation is
/// <see cref="OperationStates.Running"/> means that silo died, and any other silo takes the operation over. The commands
/// behind every kind are idempotent (a draw commits once; a dispatch creates nothing twice), so running one again after a
/// crash gives the same result.
/// </summary>
public sealed record Operation(
    string Id,
    string Kind,
    string Target,
    string Department,
    string State,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt,
    int Attempts,
    string? LeaseOwner,
    DateTimeOffset? LeaseUntil,
    OperationProgress? Progress,
    string? ResultJson,
    OperationProblem? Problem,
    long Version,
    int Failures = 0,
    string? InputJson = null)
{
    public bool IsFinal => OperationStates.IsFinal(State);
}

/// <summary>Why the workflow refused a step.</summary>
public enum OperationRefusal
{
    /// <summary>The operation has ended; nothing more happens to it.</summary>
    Finished,

    /// <summary>Another runner holds a lease that has not run out.</summary>
    Leased,

    /// <summary>The caller's lease is not the current one (it ran out and someone else took over).</summary>
    LeaseLost,
}

/// <summary>The result of a step: the operation after it, or why it was refused (the operation then unchanged).</summary>
public sealed record OperationStep(Operation Operation, OperationRefusal? Refusal)
{
    public bool Ok => Refusal is null;
}

/// <summary>
/// The life of a long operation as a pure state machine: accepted → (claimed, attempt n)* → succeeded | failed.
/// Time comes in as an argument. A runner claims the operation for a lease, renews it while it works, and ends it; a
/// lease that ran out can be claimed by another runner. Every step past the end is refused, so a late runner whose lease
/// was lost cannot overwrite the outcome another runner recorded.
/// </summary>
public static class OperationWorkflow
{
    /// <summary>After this many attempts that ended in an unexpected error (transient failures do not count), the operation fails.</summary>
    public const int MaxAttempts = 5;

    /// <summary>A new operation; <paramref name="inputJson"/> is what its command needs besides the target (an import's file name).</summary>
    public static Operation Accept(string id, string kind, string target, string department, string requestedBy, DateTimeOffset now, string? inputJson = null)
    {
        if (!OperationKinds.All.Contains(kind, StringComparer.Ordinal)) throw new ArgumentException($"unknown operation kind '{kind}'", nameof(kind));
        return new Operation(id, kind, target, department, OperationStates.Running, requestedBy, now, now, null, 0, null, null,
            new OperationProgress("queued", 0, 0), null, null, 1, 0, inputJson);
    }

    /// <summary>Whether a runner may take the operation now: it is running and nobody holds an unexpired lease.</summary>
    public static bool IsClaimable(Operation operation, DateTimeOffset now) =>
        !operation.IsFinal && (operation.LeaseUntil is not { } until || until <= now);

    /// <summary>Takes the operation for <paramref name="owner"/> until <paramref name="now"/> + <paramref name="lease"/>; a new attempt.</summary>
    public static OperationStep Claim(Operation operation, string owner, DateTimeOffset now, TimeSpan lease)
    {
        if (operation.IsFinal) return new(operation, OperationRefusal.Finished);
        if (!IsClaimable(operation, now)) return new(operation, OperationRefusal.Leased);
        return new(operation with
        {
            LeaseOwner = owner,
            LeaseUntil = now + lease,
            Attempts = operation.Attempts + 1,
            UpdatedAt = now,
            Progress = new OperationProgress("started", 0, 0, operation.Attempts == 0 ? null : $"attempt {operation.Attempts + 1}"),
            Version = operation.Version + 1,
        }, null);
    }

    /// <summary>Extends the lease of its current owner.</summary>
    public static OperationStep Renew(Operation operation, string owner, DateTimeOffset now, TimeSpan lease) =>
        Held(operation, owner) is { } refused ? refused
            : new(operation with { LeaseUntil = now + lease, UpdatedAt = now, Version = operation.Version + 1 }, null);

    /// <summary>Records where the work is (only while it runs).</summary>
    public static OperationStep Report(Operation operation, OperationProgress progress, DateTimeOffset now) =>
        operation.IsFinal ? new(operation, OperationRefusal.Finished)
            : new(operation with { Progress = progress, UpdatedAt = now, Version = operation.Version + 1 }, null);

    public static OperationStep Succeed(Operation operation, string owner, string resultJson, DateTimeOffset now) =>
        Held(operation, owner) is { } refused ? refused
            : new(Finish(operation, OperationStates.Succeeded, now) with { ResultJson = resultJson, Progress = new OperationProgress("done", 1, 1) }, null);

    public static OperationStep Fail(Operation operation, string owner, OperationProblem problem, DateTimeOffset now) =>
        Held(operation, owner) is { } refused ? refused
            : new(Finish(operation, OperationStates.Failed, now) with { Problem = problem }, null);

    /// <summary>
    /// An attempt ended in an error that was not a refusal. A transient failure (the cluster or the database) leaves the
    /// operation running for the next attempt, however many there are; any other error counts, and the
    /// <see cref="MaxAttempts"/>th ends the operation with <paramref name="problem"/>. The lease is released either way,
    /// so the next attempt may start at once.
    /// </summary>
    public static OperationStep Stumble(Operation operation, string owner, bool transient, OperationProblem problem, DateTimeOffset now)
    {
        if (Held(operation, owner) is { } refused) return refused;
        var failures = operation.Failures + (transient ? 0 : 1);
        if (failures >= MaxAttempts) return Fail(operation with { Failures = failures }, owner, problem, now);
        return new(operation with
        {
            Failures = failures,
            LeaseOwner = null,
            LeaseUntil = null,
            UpdatedAt = now,
            Progress = new OperationProgress("retrying", 0, 0, problem.Detail ?? problem.Title),
            Version = operation.Version + 1,
        }, null);
    }

    private static OperationStep? Held(Operation operation, string owner) =>
        operation.IsFinal ? new(operation, OperationRefusal.Finished)
        : operation.LeaseOwner != owner ? new(operation, OperationRefusal.LeaseLost)
        : null;

    private static Operation Finish(Operation operation, string state, DateTimeOffset now) => operation with
    {
        State = state,
        CompletedAt = now,
        UpdatedAt = now,
        LeaseOwner = null,
        LeaseUntil = null,
        Version = operation.Version + 1,
    };
}
