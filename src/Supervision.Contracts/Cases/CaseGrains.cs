using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Contracts.Cases;

/// <summary>What a case command did: the case after it, or why not (with the fields at fault).</summary>
[GenerateSerializer, Immutable, Alias("supervision.case-reply")]
public sealed record CaseReply(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string? Detail,
    [property: Id(2)] IReadOnlyList<FieldError> Errors,
    [property: Id(3)] FollowUpCase? Case)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Created;

    public static CaseReply Refused(CommandStatus status, string detail, IReadOnlyList<FieldError>? errors = null) => new(status, detail, errors ?? [], null);
}

/// <summary>What one reminder pass over the open cases did (docs/follow-up-cases.md, "Deadlines and reminders").</summary>
[GenerateSerializer, Immutable, Alias("supervision.case-reminder-run")]
public sealed record CaseReminderRun([property: Id(0)] DateOnly Today, [property: Id(1)] int Reminded, [property: Id(2)] int Amended = 0);

/// <summary>
/// One follow-up case, keyed by its case id (<see cref="CaseWorkflow.CaseId"/> of the finding's inspection and item):
/// opening, filing, referral, conclusion, withdrawal and the overdue reminder are serialised per case and each applied once.
/// Every command checks its actor against the owning department (Core's rule).
/// </summary>
[Alias("supervision.follow-up-case")]
public interface ICaseGrain : IGrainWithStringKey
{
    /// <summary>Opens the case of a finding (the latest approved result of the item); a repeat answers the case as it is.</summary>
    [Alias("open"), SafeToRetry]
    Task<CaseReply> Open(string inspectionId, string itemCode, string? facts, Actor actor);

    /// <summary>Files the case (立案) with its number, legal ground and handling department.</summary>
    [Alias("file"), SafeToRetry]
    Task<CaseReply> File(string? caseNumber, string? legalGround, string? handlerDepartment, Actor actor);

    /// <summary>Refers the case to a department of the platform or an outside body, with the reason.</summary>
    [Alias("refer"), SafeToRetry]
    Task<CaseReply> Refer(string? kind, string? to, string? reason, Actor actor);

    /// <summary>Concludes the case with an outcome its state allows.</summary>
    [Alias("conclude"), SafeToRetry]
    Task<CaseReply> Conclude(string? outcome, decimal? penaltyAmount, string? decisionNumber, string? reason, Actor actor);

    /// <summary>Withdraws an open, filed or referred case with a reason.</summary>
    [Alias("withdraw"), SafeToRetry]
    Task<CaseReply> Withdraw(string? reason, Actor actor);

    /// <summary>
    /// An approved amendment of the case's inspection: the case takes in the latest approved result of its item (Core's
    /// <see cref="CaseWorkflow.AfterAmendment"/>) — withdrawn when it no longer records a violation, else resting on the new
    /// version. Idempotent; false when nothing changed (no case, already taken in, or the case has ended).
    /// </summary>
    [Alias("finding-amended"), SafeToRetry]
    Task<bool> FindingAmended();

    /// <summary>The deadline keeper's visit: the overdue reminder of the current step, once; true when it was sent now.</summary>
    [Alias("remind-overdue"), SafeToRetry]
    Task<bool> RemindOverdue(DateOnly today);
}

/// <summary>The reminder pass over the open cases (a singleton, run on the deadline keeper's ticks).</summary>
[Alias("supervision.case-reminders")]
public interface ICaseReminderGrain : IGrainWithStringKey
{
    public const string DefaultKey = "cases";

    [Alias("run")]
    Task<CaseReminderRun> Run();
}
