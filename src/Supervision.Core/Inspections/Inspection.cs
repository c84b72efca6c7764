using System.Collections.Immutable;

namespace Supervision.Core.Inspections;

/// <summary>The lifecycle states of an inspection (docs/workflow.md has the diagram).</summary>
public enum InspectionState
{
    /// <summary>Dispatched to the team; nothing recorded yet.</summary>
    Assigned,

    /// <summary>Results saved; zero or more (but not all) members have signed the current draft.</summary>
    Draft,

    /// <summary>Every team member signed the current draft.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The workflow's word for the state; not a type name here.")]
    Signed,

    /// <summary>Submitted (or amended) and waiting for a reviewer.</summary>
    Submitted,

    /// <summary>A reviewer opened the review; departments approve their own items.</summary>
    UnderReview,

    /// <summary>A reviewer returned it with a reason; the team edits and signs again.</summary>
    Returned,

    /// <summary>Every department owning items approved the current version.</summary>
    Approved,

    /// <summary>The approved version is public.</summary>
    Published,
}

/// <summary>The commands of the lifecycle.</summary>
public enum InspectionAction
{
    SaveDraft,
    Sign,
    Submit,
    StartReview,
    Approve,
    Return,
    Publish,
    Amend,

    /// <summary>A team member leaves and the draw's replacement rule names who joins (a scheduler's command, not the team's).</summary>
    ReplaceMember,

    /// <summary>A reviewer of the lead department withholds a free-text field from publication (<see cref="Redactions"/>).</summary>
    Redact,
}

/// <summary>How a version came to be.</summary>
public enum VersionKind
{
    /// <summary>The first submission.</summary>
    Submission,

    /// <summary>Submitted again after a reviewer returned the previous version.</summary>
    Resubmission,

    /// <summary>A correction after submission, with a reason.</summary>
    Amendment,
}

/// <summary>A team member's signature over one exact content (<see cref="ContentHash"/> of the draft).</summary>
public sealed record Signature(string Username, string ContentHash, DateTimeOffset At);

/// <summary>One submitted version of the results. Versions are never changed or removed.</summary>
public sealed record ResultVersion(
    int Number,
    VersionKind Kind,
    IReadOnlyList<ItemResult> Results,
    string ContentHash,
    string Author,
    DateTimeOffset At,
    string? Reason,
    IReadOnlyList<Signature> Signatures);

/// <summary>A department's approval of its items in one version.</summary>
public sealed record DepartmentApproval(string DepartmentCode, string Reviewer, int Version, DateTimeOffset At);

/// <summary>Why a version was sent back.</summary>
public sealed record ReturnNote(string DepartmentCode, string Reviewer, int Version, string Reason, DateTimeOffset At);

/// <summary>What a successful submit produced; a retry with the same key gets the same receipt back.</summary>
public sealed record SubmitReceipt(string IdempotencyKey, int Version, string SubmittedBy, DateTimeOffset At);

/// <summary>A review action (approve, return, publish) done under an idempotency key: a retry with the key answers it again.</summary>
public sealed record ActionReceipt(string IdempotencyKey, InspectionAction Action, string By, int? Version, DateTimeOffset At);

/// <summary>
/// One inspection of one entity within one task: an immutable value. Every command of
/// <see cref="InspectionWorkflow"/> returns a new value (or the same one and an error); nothing is
/// mutated, so the grain that owns it can persist the new value before it answers.
/// <see cref="Revision"/> grows by one with every change and serves as the ETag.
/// </summary>
public sealed record Inspection
{
    public required string InspectionId { get; init; }

    public required string TaskId { get; init; }

    public required string EntityCreditCode { get; init; }

    /// <summary>The department that leads the task: it publishes the result.</summary>
    public required string LeadDepartment { get; init; }

    public required ImmutableArray<TeamMember> Team { get; init; }

    public required ImmutableArray<InspectionItem> Items { get; init; }

    /// <summary>The date by which the results are to be submitted.</summary>
    public required DateOnly DueDate { get; init; }

    public InspectionState State { get; init; } = InspectionState.Assigned;

    public long Revision { get; init; }

    /// <summary>The results being edited (the current version's results after a submit or amendment).</summary>
    public ImmutableArray<ItemResult> Draft { get; init; } = [];

    /// <summary>Signatures over the current draft.</summary>
    public ImmutableArray<Signature> Signatures { get; init; } = [];

    /// <summary>Every submitted version, oldest first. Only ever appended to.</summary>
    public ImmutableList<ResultVersion> History { get; init; } = [];

    /// <summary>Approvals of the current version, by department.</summary>
    public ImmutableDictionary<string, DepartmentApproval> Approvals { get; init; } = ImmutableDictionary<string, DepartmentApproval>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Every return, oldest first.</summary>
    public ImmutableList<ReturnNote> Returns { get; init; } = [];

    /// <summary>Successful submits by idempotency key.</summary>
    public ImmutableDictionary<string, SubmitReceipt> SubmitReceipts { get; init; } = ImmutableDictionary<string, SubmitReceipt>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Review actions done under an idempotency key, by key (see <see cref="InspectionWorkflow.Replay"/>).</summary>
    public ImmutableDictionary<string, ActionReceipt> ActionReceipts { get; init; } = ImmutableDictionary<string, ActionReceipt>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Fields withheld from publication, in the order they were marked (a later mark of a field replaces its earlier one).</summary>
    public ImmutableList<WithheldField> Withheld { get; init; } = [];

    /// <summary>The version the public sees, if any. An amendment under review does not replace it until published.</summary>
    public int? PublishedVersion { get; init; }

    /// <summary>The last version every department approved (its outcomes were emitted), if any.</summary>
    public int? LastApprovedVersion { get; init; }

    /// <summary>The latest submitted version, or null before the first submit.</summary>
    public ResultVersion? CurrentVersion => History.IsEmpty ? null : History[^1];

    /// <summary>The departments whose approval completes a review: the owners of the items.</summary>
    public IReadOnlyList<string> ReviewingDepartments =>
        Items.Select(i => i.DepartmentCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public bool IsTeamMember(string username) => Team.Any(m => m.Username == username);
}
