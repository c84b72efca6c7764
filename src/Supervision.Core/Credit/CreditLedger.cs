using System.Globalization;
using Supervision.Core.Cases;
using Supervision.Core.Inspections;

namespace Supervision.Core.Credit;

/// <summary>Where a stored credit event came from (<c>credit_events.source</c>).</summary>
public static class CreditEventSources
{
    // Streamed from inspection_outcomes, credit_external_records and follow_up_case_outcomes; derived from follow_ups and abnormal_entries.
    public const string Outcome = "outcome", External = "external", Case = "case", FollowUp = "follow-up", Listing = "listing";

    /// <summary>The sources whose events are re-derived from their tables on every recomputation, never read from a stream.</summary>
    public static readonly IReadOnlyList<string> Derived = [FollowUp, Listing];
}

/// <summary>
/// One event of an entity's credit record under its key (<c>credit_events</c>): a later record under the same key
/// replaces it. <see cref="SourceVersion"/> orders the records of a streamed key (the highest wins).
/// </summary>
public sealed record CreditEventEntry(
    string EventKey,
    string Source,
    CreditEventKind Kind,
    DateTimeOffset OccurredAt,
    IReadOnlyList<string> ResultCodes,
    PenaltySeverity? Severity,
    string? Reference,
    string SourceId,
    int SourceVersion)
{
    /// <summary>The event the scorer weighs: no result codes is none, no severity is minor, no reference is the key.</summary>
    public CreditEvent ToEvent() =>
        new(Kind, OccurredAt, ResultCodes.Count == 0 ? null : ResultCodes, Severity ?? PenaltySeverity.Minor, Reference ?? EventKey);

    /// <summary>True when a stored derived event already says what <paramref name="desired"/> says (kind, date and reference).</summary>
    public bool SaysTheSameAs(CreditEventEntry desired) =>
        Kind == desired.Kind && OccurredAt == desired.OccurredAt && Reference == desired.Reference;
}

/// <summary>The writes that bring the stored derived events to what the tables say now: rows to write, keys to delete.</summary>
public sealed record DerivedEventChanges(IReadOnlyList<CreditEventEntry> Write, IReadOnlyList<string> Delete)
{
    public bool IsEmpty => Write.Count == 0 && Delete.Count == 0;
}

/// <summary>
/// What recomputing an entity decided: the assessment at the instant, the decay summary to store with it and, when the
/// class moved, the change to record.
/// </summary>
public sealed record CreditReassessment(CreditAssessment Assessment, CreditSummary Summary, CreditClassChange? Change);

/// <summary>
/// The rules of an entity's credit record (docs/credit-model.md, "Where events come from"), pure: which event an outcome
/// or an external record becomes, which events follow from the entity's correction orders and register listings, how the
/// stored derived events are brought up to date, and what a recomputation decides about the score and the class. The
/// stores read the facts and write what these functions return.
/// </summary>
public sealed class CreditLedger(CreditScorer scorer, CreditDecayLayout layout)
{
    public CreditLedger(CreditModelOptions options)
        : this(new CreditScorer(options), new CreditDecayLayout(options))
    {
    }

    public CreditScorer Scorer => scorer;

    public CreditDecayLayout Layout => layout;

    /// <summary>
    /// The events of new outcomes and external records of one entity, in the order given (a later one under the same key
    /// replaces an earlier one of a lower version). Throws <see cref="ArgumentException"/> when a record is about another entity.
    /// </summary>
    public static IReadOnlyList<CreditEventEntry> NewEvents(string entity, IReadOnlyList<OutcomeFact> outcomes, IReadOnlyList<ExternalRecordFact> external) =>
        NewEvents(entity, outcomes, external, [], CasePenaltyBands.Default);

    /// <summary>
    /// The events of new outcomes, external records and concluded follow-up cases of one entity, in the order given; a case
    /// outcome that counts nothing (<see cref="FromCase"/>) adds no event. Throws <see cref="ArgumentException"/> when a record
    /// is about another entity.
    /// </summary>
    public static IReadOnlyList<CreditEventEntry> NewEvents(string entity, IReadOnlyList<OutcomeFact> outcomes, IReadOnlyList<ExternalRecordFact> external,
        IReadOnlyList<CaseOutcomeFact> cases, CasePenaltyBands bands)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(external);
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(bands);
        var events = new List<CreditEventEntry>(outcomes.Count + external.Count + cases.Count);
        foreach (var o in outcomes)
        {
            if (o.EntityCreditCode != entity) throw new ArgumentException($"outcome {o.OutcomeId} is not about {entity}", nameof(outcomes));
            events.Add(FromOutcome(o));
        }
        foreach (var x in external)
        {
            if (x.EntityCreditCode != entity) throw new ArgumentException($"external record {x.Seq} is not about {entity}", nameof(external));
            events.Add(FromExternal(x));
        }
        foreach (var c in cases)
        {
            if (c.EntityCreditCode != entity) throw new ArgumentException($"case {c.CaseId} is not about {entity}", nameof(cases));
            if (FromCase(c, bands) is { } e) events.Add(e);
        }
        return events;
    }

    /// <summary>
    /// What a concluded follow-up case adds to the entity's record (docs/credit-model.md, "Follow-up cases"), or null when it
    /// adds nothing. A <c>penalty</c> is an administrative penalty decision — a credit fact of the entity, as an imported
    /// penalty is: an <see cref="CreditEventKind.ExternalPenalty"/> whose severity comes from its amount
    /// (<paramref name="bands"/>). A referral to judicial organs or public security that they accepted (the matter is pursued
    /// as a suspected crime) counts as a serious penalty. Nothing else counts against the entity: no penalty, not filed, a
    /// returned referral, or one accepted by another department or authority (its own decision arrives as its own record);
    /// the inspection's outcome already counts the violation. One event per case (key <c>case:{caseId}</c>), dated by the
    /// conclusion day, its reference naming the case.
    /// </summary>
    public static CreditEventEntry? FromCase(CaseOutcomeFact c, CasePenaltyBands bands)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(bands);
        PenaltySeverity severity;
        string what;
        if (c.Outcome == CaseOutcomes.Penalty && c.PenaltyAmount is { } amount && amount > 0)
        {
            severity = bands.Severity(amount);
            what = string.Create(CultureInfo.InvariantCulture, $"penalty {c.DecisionNumber} of {amount:0.00} yuan by {c.DepartmentCode}");
        }
        else if (c.Outcome == CaseOutcomes.ReferralAccepted && c.ReferralKind is ReferralKinds.Judicial or ReferralKinds.PublicSecurity)
        {
            severity = PenaltySeverity.Serious;
            what = $"referral to {c.ReferralKind} ({c.ReferredTo}) accepted{(c.DecisionNumber is null ? "" : " as " + c.DecisionNumber)}";
        }
        else
        {
            return null;
        }

        return new($"case:{c.CaseId}", CreditEventSources.Case, CreditEventKind.ExternalPenalty, ExternalCreditRecord.ChinaDay(c.ConcludedOn), [], severity,
            $"case {c.CaseId} ({c.InspectionId} item {c.ItemCode}): {what}", c.CaseId, 1);
    }

    /// <summary>An item's approved result: one event per (inspection, item), the highest version winning, dated by the visit.</summary>
    public static CreditEventEntry FromOutcome(OutcomeFact o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new($"outcome:{o.InspectionId}/{o.ItemCode}", CreditEventSources.Outcome, CreditEventKind.InspectionOutcome,
            ExternalCreditRecord.ChinaDay(o.InspectedOn), o.ResultCodes, null, o.OutcomeId, o.OutcomeId, o.Version);
    }

    /// <summary>
    /// An imported record: a penalty (with its severity) or a serious-violation listing, one event per (authority, reference),
    /// the latest import winning (its stream position is its version).
    /// </summary>
    public static CreditEventEntry FromExternal(ExternalRecordFact x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var penalty = x.Kind == ExternalCreditRecord.PenaltyKind;
        return new($"external:{x.Authority}/{x.Reference}", CreditEventSources.External,
            penalty ? CreditEventKind.ExternalPenalty : CreditEventKind.SeriousViolationListed, ExternalCreditRecord.ChinaDay(x.OccurredOn), [],
            penalty && x.Severity is { } s ? Enum.Parse<PenaltySeverity>(s) : null, $"{x.Authority} {x.Reference}",
            x.Seq.ToString(CultureInfo.InvariantCulture), (int)Math.Min(int.MaxValue, x.Seq));
    }

    /// <summary>
    /// The events that follow from the entity's correction orders and listings now (docs/credit-model.md): an order settled by
    /// a re-inspection (done or missed) counts as settled, dated by the latest later visit of its item (else its due date, or
    /// the day after it); an open order is done by a later visit of the item, after the order was issued and by its due date,
    /// that leaves nothing to correct, and missed once its due date has passed before <paramref name="today"/> without one; a
    /// withdrawn order counts for nothing. A listing counts from its listing date, its removal from the removal date, and an
    /// escalation (while not removed) from the escalation date. <paramref name="outcomes"/> are all the entity's outcomes;
    /// the valid result of an (inspection, item) is its highest version.
    /// </summary>
    public static IReadOnlyList<CreditEventEntry> Derive(IReadOnlyList<CorrectionOrderFact> orders, IReadOnlyList<ListingFact> listings,
        IReadOnlyList<OutcomeFact> outcomes, DateOnly today, FollowUpPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(listings);
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(policy);
        var latest = outcomes.GroupBy(o => (o.InspectionId, o.ItemCode)).Select(g => g.MaxBy(o => o.Version)!).ToList();
        var desired = new List<CreditEventEntry>();
        foreach (var f in orders.Where(o => o.Status is "open" or "done" or "missed"))
        {
            var issued = outcomes.FirstOrDefault(o => o.InspectionId == f.InspectionId && o.ItemCode == f.ItemCode && o.Version == f.SourceVersion)?.ApprovedOn
                ?? DateOnly.MinValue;
            var later = latest.Where(o => o.InspectionId != f.InspectionId && o.ItemCode == f.ItemCode && o.InspectedOn > issued).OrderBy(o => o.InspectedOn).ToList();
            CreditEventEntry Order(CreditEventKind kind, DateOnly on, string reference) =>
                new("correction:" + f.ActionKey, CreditEventSources.FollowUp, kind, ExternalCreditRecord.ChinaDay(on), [], null, reference, f.ActionKey, f.SourceVersion);
            // A re-inspection's approved result settles the order (status done / missed): that decision counts, dated by the
            // re-inspection's visit. An order still open is done by a clean visit of the item by its due date, missed after it.
            var settledBy = later.LastOrDefault();
            var by = settledBy is null ? "" : $" ({settledBy.OutcomeId})";
            if (f.Status == "done")
                desired.Add(Order(CreditEventKind.CorrectionDone, settledBy?.InspectedOn ?? f.DueOn, $"{f.ActionKey} done{by}"));
            else if (f.Status == "missed")
                desired.Add(Order(CreditEventKind.CorrectionMissed, settledBy?.InspectedOn ?? f.DueOn.AddDays(1), $"{f.ActionKey} missed{by}"));
            else if (later.FirstOrDefault(o => o.InspectedOn <= f.DueOn && policy.LeavesNothingToCorrect(o.ResultCodes)) is { } done)
                desired.Add(Order(CreditEventKind.CorrectionDone, done.InspectedOn, $"{f.ActionKey} done ({done.OutcomeId})"));
            else if (f.DueOn < today)
                desired.Add(Order(CreditEventKind.CorrectionMissed, f.DueOn.AddDays(1), string.Create(CultureInfo.InvariantCulture, $"{f.ActionKey} due {f.DueOn:yyyy-MM-dd}")));
        }
        foreach (var l in listings)
        {
            CreditEventEntry Listing(string prefix, CreditEventKind kind, DateOnly on) =>
                new(prefix + l.Key, CreditEventSources.Listing, kind, ExternalCreditRecord.ChinaDay(on), [], null, $"abnormal list ({l.Key})", l.Key, 0);
            desired.Add(Listing("abnormal:", CreditEventKind.AbnormalListed, l.ListedOn));
            if (l.RemovedOn is { } removed) desired.Add(Listing("abnormal-removed:", CreditEventKind.AbnormalRemoved, removed));
            else if (l.EscalatedOn is { } escalated) desired.Add(Listing("serious:", CreditEventKind.SeriousViolationListed, escalated));
        }
        return desired;
    }

    /// <summary>
    /// The writes that make the stored derived events (<paramref name="existing"/>) what <paramref name="desired"/> says: a row
    /// whose kind, date and reference already agree is left alone, any other desired row is written, and a stored row no
    /// longer desired (an order withdrawn, a listing retracted) is deleted.
    /// </summary>
    public static DerivedEventChanges Reconcile(IReadOnlyList<CreditEventEntry> desired, IReadOnlyList<CreditEventEntry> existing)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(existing);
        var stored = existing.ToDictionary(e => e.EventKey, StringComparer.Ordinal);
        var write = new List<CreditEventEntry>();
        foreach (var e in desired)
        {
            if (stored.Remove(e.EventKey, out var old) && old.SaysTheSameAs(e)) continue;
            write.Add(e);
        }
        return new DerivedEventChanges(write, [.. stored.Keys]);
    }

    /// <summary>
    /// The entity's score at <paramref name="at"/> from all its events, the summary to store, and the class change against the
    /// class the directory holds (what the next freeze reads; an import may have overwritten it since the last computation) —
    /// or, for an entity not in the directory, against the last computed class.
    /// </summary>
    public CreditReassessment Reassess(string entity, IReadOnlyList<CreditEvent> events, DateTimeOffset at, string? directoryClass,
        string? storedClass, double? storedScore)
    {
        ArgumentNullException.ThrowIfNull(events);
        var assessment = scorer.Evaluate(events, at);
        var summary = layout.Summarise(events.Where(e => e.At <= at));
        var previous = directoryClass ?? storedClass;
        CreditClass? previousClass = previous is { } pc && Enum.TryParse<CreditClass>(pc, out var parsed) ? parsed : null;
        var change = CreditClassChangeDetector.Detect(entity, previousClass, storedScore, assessment, scorer.Options.Thresholds);
        return new CreditReassessment(assessment, summary, change);
    }
}
