namespace Supervision.Core.Credit;

// The facts an entity's credit record is derived from, as the stores read them from their tables. They are records with
// init properties rather than positional ones so that a reader can fill them column by column (dates included).

/// <summary>A row of a stream the credit feed consumes: its position (what the feed's checkpoint counts), the entity it is about, when it was recorded.</summary>
public abstract record CreditStreamFact
{
    public long Seq { get; init; }
    public required string EntityCreditCode { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>One approved item result of one inspection version (<c>inspection_outcomes</c>).</summary>
public sealed record OutcomeFact : CreditStreamFact
{
    public required string OutcomeId { get; init; }
    public required string TaskId { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public string[] ResultCodes { get; init; } = [];
    public DateOnly InspectedOn { get; init; }
    public DateOnly ApprovedOn { get; init; }
    public required string DepartmentCode { get; init; }
    public int Version { get; init; }
}

/// <summary>One imported external record (<c>credit_external_records</c>).</summary>
public sealed record ExternalRecordFact : CreditStreamFact
{
    public required string Authority { get; init; }
    public required string Reference { get; init; }

    /// <summary><see cref="ExternalCreditRecord.PenaltyKind"/> or <see cref="ExternalCreditRecord.SeriousViolationKind"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The <see cref="PenaltySeverity"/> name of a penalty; null for a serious-violation listing.</summary>
    public string? Severity { get; init; }

    public DateOnly OccurredOn { get; init; }
    public string Description { get; init; } = "";
}

/// <summary>A correction order of the entity (<c>follow_ups</c>, kind <c>correction-order</c>).</summary>
public sealed record CorrectionOrderFact
{
    public required string ActionKey { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public DateOnly DueOn { get; init; }

    /// <summary>open, done, missed (settled by a re-inspection) or withdrawn (by an amendment).</summary>
    public required string Status { get; init; }

    /// <summary>The version of the inspection whose outcome issued the order.</summary>
    public int SourceVersion { get; init; }
}

/// <summary>An entry of the abnormal-operations register that was listed and not withdrawn (<c>abnormal_entries</c>).</summary>
public sealed record ListingFact
{
    /// <summary>The source inspection of a finding, or the entry id of a staff decision.</summary>
    public required string Key { get; init; }

    public required string State { get; init; }
    public DateOnly ListedOn { get; init; }
    public DateOnly? EscalatedOn { get; init; }
    public DateOnly? RemovedOn { get; init; }
}

/// <summary>
/// One concluded follow-up case (<c>follow_up_case_outcomes</c>, with the referral it answered from <c>follow_up_cases</c>):
/// docs/follow-up-cases.md. Each case concludes once, so each appears once in the stream.
/// </summary>
public sealed record CaseOutcomeFact : CreditStreamFact
{
    public required string CaseId { get; init; }
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }

    /// <summary>The department that owns the case (the item's).</summary>
    public required string DepartmentCode { get; init; }

    /// <summary>A <see cref="Cases.CaseOutcomes"/> value.</summary>
    public required string Outcome { get; init; }

    /// <summary>The penalty in fen (yuan × 100); only with a penalty.</summary>
    public long? PenaltyFen { get; init; }

    /// <summary>The penalty decision's number, or the receiving body's reference of an accepted referral.</summary>
    public string? DecisionNumber { get; init; }

    /// <summary>A <see cref="Cases.ReferralKinds"/> value when the case was referred.</summary>
    public string? ReferralKind { get; init; }

    public string? ReferredTo { get; init; }
    public DateOnly ConcludedOn { get; init; }

    /// <summary>The penalty in yuan (null unless the outcome is a penalty).</summary>
    public decimal? PenaltyAmount => PenaltyFen / 100m;
}
