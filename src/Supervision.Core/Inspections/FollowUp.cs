using System.Collections.Frozen;
using Supervision.Core.Calendar;

namespace Supervision.Core.Inspections;

/// <summary>
/// Follow-up defaults a regulator can change. Working-day counts go through <see cref="WorkingCalendar"/>.
/// </summary>
/// <param name="CorrectionWorkingDays">Correction period of a correction order, counted from the approval date (default 15).</param>
/// <param name="ReinspectionWindowWorkingDays">Re-inspection window after the correction due date (default 10).</param>
/// <param name="AbnormalListingWorkingDays">Listing deadline after the unreachability was verified (rule: 10).</param>
/// <param name="CorrectionTriggers">Codes that always open a correction order (default "A": problem found, handling pending).</param>
/// <param name="ViolationCodes">Codes that open a correction order unless <paramref name="CorrectedCode"/> is also chosen.</param>
/// <param name="CorrectedCode">"E": problem found and already corrected on order; no new order for the violations.</param>
/// <param name="UnreachableCode">"6": cannot be reached at the registered address → abnormal-operations list.</param>
/// <param name="ListingRemovalCodes">Codes of a later inspection that remove the listing (default "1": no problem found).</param>
/// <param name="SeriousViolationAfterYears">Still listed after this many years → serious-violation alert (rule: 3).</param>
public sealed record FollowUpPolicy(
    int CorrectionWorkingDays,
    int ReinspectionWindowWorkingDays,
    int AbnormalListingWorkingDays,
    IReadOnlySet<string> CorrectionTriggers,
    IReadOnlySet<string> ViolationCodes,
    string CorrectedCode,
    string UnreachableCode,
    IReadOnlySet<string> ListingRemovalCodes,
    int SeriousViolationAfterYears)
{
    public static readonly FollowUpPolicy Default = new(
        CorrectionWorkingDays: 15,
        ReinspectionWindowWorkingDays: 10,
        AbnormalListingWorkingDays: 10,
        CorrectionTriggers: new[] { "A" }.ToFrozenSet(StringComparer.Ordinal),
        ViolationCodes: new[] { "B", "C", "D", "G", "3", "4", "5" }.ToFrozenSet(StringComparer.Ordinal),
        CorrectedCode: "E",
        UnreachableCode: "6",
        ListingRemovalCodes: new[] { "1" }.ToFrozenSet(StringComparer.Ordinal),
        SeriousViolationAfterYears: 3);

    /// <summary>True when the codes call for a correction order: a trigger, or a violation code without the corrected code.</summary>
    public bool NeedsCorrection(IReadOnlyCollection<string> codes) =>
        codes.Any(CorrectionTriggers.Contains) || (codes.Any(ViolationCodes.Contains) && !codes.Contains(CorrectedCode));

    /// <summary>True when a result leaves nothing to correct: it has codes, and none of them would open a correction order.</summary>
    public bool LeavesNothingToCorrect(IReadOnlyCollection<string> codes) => codes.Count > 0 && !NeedsCorrection(codes);
}

/// <summary>An entity on the abnormal-operations list because of an inspection result.</summary>
public sealed record AbnormalListing(
    string EntityCreditCode,
    string ReasonCode,
    DateOnly VerifiedOn,
    DateOnly ListBy,
    string SourceInspectionId,
    int SourceVersion,
    DateOnly SeriousViolationAlertOn);

/// <summary>
/// What an approved outcome requires. Every action has a stable <see cref="Key"/>
/// ("{inspectionId}/{itemCode}/{kind}"); for an amendment the consumer replaces the actions of that
/// (inspection, item) with the new set, and <see cref="FollowUpRules.Withdrawn"/> names those that fall away.
/// </summary>
public abstract record FollowUpAction(string Key, string EntityCreditCode);

/// <summary>Order the entity to correct within the period; due on a working day.</summary>
public sealed record CorrectionOrder(string Key, string EntityCreditCode, string TaskId, string InspectionId, string ItemCode,
    string DepartmentCode, IReadOnlyList<string> ResultCodes, DateOnly IssuedOn, DateOnly DueOn)
    : FollowUpAction(Key, EntityCreditCode);

/// <summary>A targeted (not random) re-inspection of the item after the correction period.</summary>
public sealed record Reinspection(string Key, string EntityCreditCode, string TaskId, string InspectionId, string ItemCode,
    string DepartmentCode, DateOnly NotBefore, DateOnly DueBy)
    : FollowUpAction(Key, EntityCreditCode)
{
    /// <summary>Re-inspections are case-driven: drawn teams, but no random entity draw, and exempt from burden caps (recorded with this reason).</summary>
    public string Reason => $"re-inspection (复查) after correction order {InspectionId}/{ItemCode}";
}

/// <summary>Put the entity on the abnormal-operations list by <see cref="AbnormalListing.ListBy"/>.</summary>
public sealed record ListAbnormal(string Key, AbnormalListing Listing) : FollowUpAction(Key, Listing.EntityCreditCode);

/// <summary>Remove a listing: a later inspection found the entity at its address with no problem.</summary>
public sealed record RemoveAbnormalListing(string Key, AbnormalListing Listing, DateOnly RemovedOn, string ByInspectionId, int ByVersion)
    : FollowUpAction(Key, Listing.EntityCreditCode);

/// <summary>A re-inspection's approved result settles the correction order it checked: <c>done</c> or <c>missed</c>; the re-inspection itself is done.</summary>
public sealed record CorrectionSettlement(string CorrectionKey, string ReinspectionKey, string Status);

/// <summary>
/// Everything one approved outcome calls for, decided before the commit that records it: the <see cref="Actions"/> (the
/// follow-ups of its (inspection, item) become exactly these: open ones not among them are withdrawn), whether the result
/// still says "unreachable" (when it does not, a listing its own inspection caused is removed), and the settlement of the
/// correction order a re-inspection's result settles.
/// </summary>
public sealed record FollowUpDecision(InspectionOutcome Outcome, IReadOnlyList<FollowUpAction> Actions, bool Unreachable, CorrectionSettlement? Settlement)
{
    /// <summary>The keys of <see cref="Actions"/>.</summary>
    public IReadOnlyList<string> Keys => [.. Actions.Select(a => a.Key)];

    /// <summary>A listing caused by this outcome's own inspection is removed: the (amended) result no longer says "unreachable".</summary>
    public bool RetractsOwnListing => !Unreachable;
}

/// <summary>
/// The follow-up decisions of one change, one per outcome in order, with the open listings of the entity (other inspections'
/// listings) they were decided against: the commit applies them only while those are still the open listings.
/// </summary>
public sealed record FollowUpPlan(IReadOnlyList<AbnormalListing> OpenListings, IReadOnlyList<FollowUpDecision> Decisions)
{
    public static readonly FollowUpPlan None = new([], []);

    /// <summary>True when <paramref name="current"/>, read at commit time, are the listings this plan was decided against (in any order).</summary>
    public bool StillHolds(IReadOnlyList<AbnormalListing> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current.Count == OpenListings.Count && !current.Except(OpenListings).Any() && !OpenListings.Except(current).Any();
    }
}

/// <summary>
/// The follow-up rules as pure functions of an approved <see cref="InspectionOutcome"/>:
/// <list type="bullet">
/// <item>Correction order when the codes contain a trigger ("A"), or a violation code (B, C, D, G, 3, 4, 5)
/// without "E" (already corrected). Due <see cref="FollowUpPolicy.CorrectionWorkingDays"/> working days after
/// the approval date; a re-inspection from the next working day after the due date, within
/// <see cref="FollowUpPolicy.ReinspectionWindowWorkingDays"/> working days.</item>
/// <item>"6" → list as abnormal within 10 working days of the visit date (the verification).</item>
/// <item>A removal code ("1") on a visit after a listing's verification date removes that listing.</item>
/// </list>
/// "8" (seriously uncooperative) and "C" (false publicity) also call for case filing, which is a
/// human decision and not generated here.
/// </summary>
public sealed class FollowUpRules(WorkingCalendar calendar, FollowUpPolicy policy)
{
    public WorkingCalendar Calendar { get; } = calendar;

    public FollowUpPolicy Policy { get; } = policy;

    /// <summary>The due date of a correction order issued on <paramref name="issuedOn"/>.</summary>
    public DateOnly CorrectionDue(DateOnly issuedOn) => Calendar.AddWorkingDays(issuedOn, Policy.CorrectionWorkingDays);

    /// <summary>The re-inspection window after a correction order due on <paramref name="correctionDue"/>.</summary>
    public (DateOnly NotBefore, DateOnly DueBy) ReinspectionWindow(DateOnly correctionDue) =>
        (Calendar.NextWorkingDay(correctionDue), Calendar.AddWorkingDays(correctionDue, Policy.ReinspectionWindowWorkingDays));

    /// <summary>The day by which an entity found unreachable on <paramref name="verifiedOn"/> must be listed.</summary>
    public DateOnly ListBy(DateOnly verifiedOn) => Calendar.AddWorkingDays(verifiedOn, Policy.AbnormalListingWorkingDays);

    /// <summary>True when the codes call for a correction order.</summary>
    public bool NeedsCorrection(IReadOnlyCollection<string> codes) => Policy.NeedsCorrection(codes);

    /// <summary>
    /// The actions for one approved outcome, given the entity's open listings. Throws
    /// <see cref="CalendarRangeException"/> when a deadline runs past the calendar data.
    /// </summary>
    public IReadOnlyList<FollowUpAction> For(InspectionOutcome outcome, IReadOnlyList<AbnormalListing> openListings)
    {
        var actions = new List<FollowUpAction>();
        var codes = outcome.ResultCodes;
        var baseKey = $"{outcome.InspectionId}/{outcome.ItemCode}";
        if (NeedsCorrection(codes))
        {
            var due = CorrectionDue(outcome.ApprovedOn);
            actions.Add(new CorrectionOrder(baseKey + "/correction", outcome.EntityCreditCode, outcome.TaskId, outcome.InspectionId, outcome.ItemCode,
                outcome.DepartmentCode, codes, outcome.ApprovedOn, due));
            var (notBefore, dueBy) = ReinspectionWindow(due);
            actions.Add(new Reinspection(baseKey + "/reinspection", outcome.EntityCreditCode, outcome.TaskId, outcome.InspectionId, outcome.ItemCode,
                outcome.DepartmentCode, notBefore, dueBy));
        }

        if (codes.Contains(Policy.UnreachableCode) && !openListings.Any(l => l.EntityCreditCode == outcome.EntityCreditCode))
        {
            var listing = new AbnormalListing(outcome.EntityCreditCode, Policy.UnreachableCode, outcome.InspectedOn,
                ListBy(outcome.InspectedOn), outcome.InspectionId, outcome.Version,
                outcome.InspectedOn.AddYears(Policy.SeriousViolationAfterYears));
            actions.Add(new ListAbnormal(baseKey + "/abnormal-listing", listing));
        }

        if (codes.Count > 0 && codes.All(Policy.ListingRemovalCodes.Contains))
        {
            foreach (var l in openListings.Where(l => l.EntityCreditCode == outcome.EntityCreditCode && l.VerifiedOn < outcome.InspectedOn))
            {
                actions.Add(new RemoveAbnormalListing($"{baseKey}/remove-listing/{l.SourceInspectionId}", l, outcome.ApprovedOn, outcome.InspectionId, outcome.Version));
            }
        }

        return actions;
    }

    /// <summary>
    /// The follow-ups of a change's approved <paramref name="outcomes"/> (one inspection's items), given the entity's open
    /// listings caused by other inspections and, for a re-inspection, the source inspection of each item it re-inspects.
    /// The outcomes are decided in order, each against the listings the earlier ones left open (a clean visit of one item
    /// removes a listing for the items after it). Throws <see cref="CalendarRangeException"/> when a deadline runs past the
    /// calendar data.
    /// </summary>
    public FollowUpPlan Decide(IReadOnlyList<InspectionOutcome> outcomes, IReadOnlyList<AbnormalListing> openListings,
        IReadOnlyDictionary<string, string> reinspectedFrom)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(openListings);
        ArgumentNullException.ThrowIfNull(reinspectedFrom);
        var open = openListings.ToList();
        var decisions = new List<FollowUpDecision>(outcomes.Count);
        foreach (var o in outcomes)
        {
            var actions = For(o, [.. open.Where(l => l.SourceInspectionId != o.InspectionId)]);
            var unreachable = o.ResultCodes.Contains(Policy.UnreachableCode);
            var settlement = reinspectedFrom.TryGetValue(o.ItemCode, out var source) ? Settle(o, source) : null;
            decisions.Add(new FollowUpDecision(o, actions, unreachable, settlement));
            foreach (var removed in actions.OfType<RemoveAbnormalListing>())
                open.RemoveAll(l => l.EntityCreditCode == removed.Listing.EntityCreditCode && l.SourceInspectionId == removed.Listing.SourceInspectionId);
        }
        return new FollowUpPlan(openListings, decisions);
    }

    /// <summary>
    /// A re-inspection's result settles the correction order of <paramref name="sourceInspectionId"/>'s item: done when the item
    /// no longer calls for correction and the entity was reached, missed otherwise.
    /// </summary>
    public CorrectionSettlement Settle(InspectionOutcome outcome, string sourceInspectionId)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var done = !NeedsCorrection(outcome.ResultCodes) && !outcome.ResultCodes.Contains(Policy.UnreachableCode);
        return new CorrectionSettlement($"{sourceInspectionId}/{outcome.ItemCode}/correction", $"{sourceInspectionId}/{outcome.ItemCode}/reinspection",
            done ? "done" : "missed");
    }

    /// <summary>Keys of <paramref name="previous"/> actions that an amendment's <paramref name="current"/> set no longer contains.</summary>
    public static IReadOnlyList<string> Withdrawn(IReadOnlyList<FollowUpAction> previous, IReadOnlyList<FollowUpAction> current) =>
        previous.Select(a => a.Key).Except(current.Select(a => a.Key), StringComparer.Ordinal).ToList();

    /// <summary>True when a listing has lasted the serious-violation period on <paramref name="today"/> (an alert, not an automatic move).</summary>
    public static bool SeriousViolationAlertDue(AbnormalListing listing, DateOnly today) => today >= listing.SeriousViolationAlertOn;
}
