using CsCheck;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Credit;

public class CreditLedgerTests
{
    private const string Entity = "91350100M000100Y43";
    private static readonly FollowUpPolicy Policy = FollowUpPolicy.Default;
    private static readonly DateOnly Issued = new(2025, 3, 3);
    private static readonly DateOnly Due = new(2025, 3, 24);

    private static OutcomeFact Outcome(string inspection, string item, string[] codes, DateOnly inspectedOn, DateOnly? approvedOn = null, int version = 1) => new()
    {
        OutcomeId = $"{inspection}/v{version}/{item}", EntityCreditCode = Entity, TaskId = "task-1", InspectionId = inspection, ItemCode = item,
        ResultCodes = codes, InspectedOn = inspectedOn, ApprovedOn = approvedOn ?? inspectedOn, DepartmentCode = "SAMR-210102", Version = version,
    };

    private static CorrectionOrderFact Order(string status = "open", DateOnly? due = null) => new()
    {
        ActionKey = "insp-1/ITEM/correction", InspectionId = "insp-1", ItemCode = "ITEM", DueOn = due ?? Due, Status = status, SourceVersion = 1,
    };

    /// <summary>The order's source outcome (issued on <see cref="Issued"/>) and the later outcomes given.</summary>
    private static IReadOnlyList<OutcomeFact> History(params OutcomeFact[] later) => [Outcome("insp-1", "ITEM", ["A"], Issued.AddDays(-2), Issued), .. later];

    private static IReadOnlyList<CreditEventEntry> DeriveOrder(CorrectionOrderFact order, IReadOnlyList<OutcomeFact> outcomes, DateOnly today) =>
        CreditLedger.Derive([order], [], outcomes, today, Policy);

    private static DateTimeOffset Beijing(DateOnly d) => new(d.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8));

    // ---- events from the streams ------------------------------------------------------------------------------

    [Fact]
    public void An_outcome_is_one_event_per_inspection_and_item_dated_from_midnight_Beijing_of_the_visit()
    {
        var e = CreditLedger.FromOutcome(Outcome("insp-9", "ITEM-2", ["B", "D"], new DateOnly(2025, 5, 6), version: 3));
        Assert.Equal("outcome:insp-9/ITEM-2", e.EventKey);
        Assert.Equal(CreditEventSources.Outcome, e.Source);
        Assert.Equal(CreditEventKind.InspectionOutcome, e.Kind);
        Assert.Equal(new DateTimeOffset(2025, 5, 5, 16, 0, 0, TimeSpan.Zero), e.OccurredAt);
        Assert.Equal(["B", "D"], e.ResultCodes);
        Assert.Equal(3, e.SourceVersion);
        Assert.Equal("insp-9/v3/ITEM-2", e.Reference);
    }

    [Fact]
    public void A_penalty_keeps_its_severity_and_a_serious_violation_listing_has_none()
    {
        ExternalRecordFact Record(string kind, string? severity) => new()
        {
            Seq = 41, Authority = "市场监管局", Reference = "罚2025-7", EntityCreditCode = Entity, Kind = kind, Severity = severity, OccurredOn = new DateOnly(2025, 1, 2),
        };
        var penalty = CreditLedger.FromExternal(Record(ExternalCreditRecord.PenaltyKind, "Grave"));
        Assert.Equal((CreditEventKind.ExternalPenalty, PenaltySeverity.Grave), (penalty.Kind, penalty.Severity));
        Assert.Equal("external:市场监管局/罚2025-7", penalty.EventKey);
        Assert.Equal(("41", 41), (penalty.SourceId, penalty.SourceVersion));
        Assert.Equal("市场监管局 罚2025-7", penalty.Reference);

        var listing = CreditLedger.FromExternal(Record(ExternalCreditRecord.SeriousViolationKind, "Grave"));
        Assert.Equal((CreditEventKind.SeriousViolationListed, (PenaltySeverity?)null), (listing.Kind, listing.Severity));
    }

    [Fact]
    public void An_import_stream_position_beyond_an_int_is_a_version_that_still_wins()
    {
        var e = CreditLedger.FromExternal(new ExternalRecordFact
        {
            Seq = long.MaxValue, Authority = "a", Reference = "r", EntityCreditCode = Entity, Kind = ExternalCreditRecord.PenaltyKind, Severity = "Minor",
            OccurredOn = Issued,
        });
        Assert.Equal(int.MaxValue, e.SourceVersion);
    }

    [Fact]
    public void New_events_keep_the_stream_order_and_refuse_a_record_about_another_entity()
    {
        var outcome = Outcome("insp-1", "ITEM", ["1"], Issued);
        var events = CreditLedger.NewEvents(Entity, [outcome, outcome with { Version = 2 }], []);
        Assert.Equal([1, 2], events.Select(e => e.SourceVersion));
        Assert.Throws<ArgumentException>(() => CreditLedger.NewEvents(Entity, [outcome with { EntityCreditCode = "91110000600037341L" }], []));
    }

    [Fact]
    public void A_stored_event_without_codes_severity_or_reference_is_weighed_as_none_minor_and_its_key()
    {
        var e = new CreditEventEntry("abnormal:x", CreditEventSources.Listing, CreditEventKind.AbnormalListed, Beijing(Issued), [], null, null, "x", 0).ToEvent();
        Assert.Null(e.ResultCodes);
        Assert.Equal(PenaltySeverity.Minor, e.Severity);
        Assert.Equal("abnormal:x", e.Reference);
    }

    // ---- what is left to correct --------------------------------------------------------------------------------

    [Theory]
    [InlineData(new[] { "1" }, true)]
    [InlineData(new[] { "B", "E" }, true)]   // corrected on order already
    [InlineData(new[] { "A", "E" }, false)]  // a trigger opens an order whatever else was found
    [InlineData(new[] { "D" }, false)]
    [InlineData(new string[0], false)]       // no result is no clean visit
    public void Nothing_is_left_to_correct_when_no_rule_would_open_an_order(string[] codes, bool expected) =>
        Assert.Equal(expected, Policy.LeavesNothingToCorrect(codes));

    [Fact]
    public void A_result_that_leaves_nothing_to_correct_never_gets_a_correction_order_and_any_other_result_with_codes_does()
    {
        var rules = new FollowUpRules(WorkingCalendar.Default, Policy);
        string[] alphabet = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F", "G"];
        Gen.Int[0, alphabet.Length - 1].Select(i => alphabet[i]).Array[1, 5].Sample(codes =>
        {
            var outcome = new InspectionOutcome(1, "insp-1/v1/ITEM", Entity, "task-1", "insp-1", "ITEM", codes, Issued, Issued, "SAMR-210102", 1,
                OutcomeKind.Initial, null);
            var ordered = rules.For(outcome, []).OfType<CorrectionOrder>().Any();
            Assert.Equal(!Policy.LeavesNothingToCorrect(codes), ordered);
        });
    }

    // ---- correction orders --------------------------------------------------------------------------------------

    [Fact]
    public void An_open_order_is_done_by_a_clean_later_visit_of_the_item_by_its_due_date_dated_by_that_visit()
    {
        var visit = Outcome("insp-2", "ITEM", ["1"], Due);
        var e = Assert.Single(DeriveOrder(Order(), History(visit), Due.AddDays(30)));
        Assert.Equal(("correction:insp-1/ITEM/correction", CreditEventKind.CorrectionDone), (e.EventKey, e.Kind));
        Assert.Equal(Beijing(Due), e.OccurredAt);
        Assert.Equal($"insp-1/ITEM/correction done ({visit.OutcomeId})", e.Reference);
        Assert.Equal((CreditEventSources.FollowUp, "insp-1/ITEM/correction", 1), (e.Source, e.SourceId, e.SourceVersion));
    }

    [Fact]
    public void An_open_order_is_missed_the_day_after_its_due_date_once_that_date_has_passed()
    {
        Assert.Empty(DeriveOrder(Order(), History(), Due));
        var e = Assert.Single(DeriveOrder(Order(), History(), Due.AddDays(1)));
        Assert.Equal(CreditEventKind.CorrectionMissed, e.Kind);
        Assert.Equal(Beijing(Due.AddDays(1)), e.OccurredAt);
        Assert.Equal("insp-1/ITEM/correction due 2025-03-24", e.Reference);
    }

    [Fact]
    public void A_clean_visit_after_the_due_date_does_not_make_a_missed_order_done()
    {
        var e = Assert.Single(DeriveOrder(Order(), History(Outcome("insp-2", "ITEM", ["1"], Due.AddDays(1))), Due.AddDays(5)));
        Assert.Equal(CreditEventKind.CorrectionMissed, e.Kind);
    }

    [Fact]
    public void A_clean_visit_in_time_turns_a_missed_order_done_even_when_it_is_recorded_late()
    {
        var e = Assert.Single(DeriveOrder(Order(), History(Outcome("insp-2", "ITEM", ["1"], Due.AddDays(-1), approvedOn: Due.AddDays(9))), Due.AddDays(10)));
        Assert.Equal(CreditEventKind.CorrectionDone, e.Kind);
        Assert.Equal(Beijing(Due.AddDays(-1)), e.OccurredAt);
    }

    [Theory]
    [InlineData("insp-1", "ITEM", 5, "1")]   // the order's own inspection (an amendment) is no later visit
    [InlineData("insp-2", "OTHER", 5, "1")]  // another item
    [InlineData("insp-2", "ITEM", -1, "1")]  // a visit before the order was issued
    [InlineData("insp-2", "ITEM", 5, "B")]   // a visit that still finds the violation
    public void Only_a_clean_later_visit_of_the_same_item_by_another_inspection_counts(string inspection, string item, int daysAfterIssue, string code)
    {
        var e = Assert.Single(DeriveOrder(Order(), History(Outcome(inspection, item, [code], Issued.AddDays(daysAfterIssue))), Due.AddDays(1)));
        Assert.Equal(CreditEventKind.CorrectionMissed, e.Kind);
    }

    [Fact]
    public void Only_the_highest_version_of_a_later_visit_counts()
    {
        var clean = Outcome("insp-2", "ITEM", ["1"], Issued.AddDays(5));
        var amended = clean with { OutcomeId = "insp-2/v2/ITEM", ResultCodes = ["B"], Version = 2 };
        Assert.Equal(CreditEventKind.CorrectionMissed, Assert.Single(DeriveOrder(Order(), History(clean, amended), Due.AddDays(1))).Kind);
        Assert.Equal(CreditEventKind.CorrectionDone, Assert.Single(DeriveOrder(Order(), History(amended, clean with { Version = 3 }), Due.AddDays(1))).Kind);
    }

    [Fact]
    public void An_order_settled_by_a_reinspection_counts_as_settled_dated_by_the_latest_later_visit()
    {
        var first = Outcome("insp-2", "ITEM", ["B"], Issued.AddDays(5));
        var last = Outcome("insp-3", "ITEM", ["B"], Issued.AddDays(8));
        var done = Assert.Single(DeriveOrder(Order("done"), History(last, first), Issued.AddDays(9)));
        Assert.Equal((CreditEventKind.CorrectionDone, Beijing(last.InspectedOn)), (done.Kind, done.OccurredAt));
        Assert.Equal($"insp-1/ITEM/correction done ({last.OutcomeId})", done.Reference);

        var missed = Assert.Single(DeriveOrder(Order("missed"), History(last), Issued.AddDays(9)));
        Assert.Equal((CreditEventKind.CorrectionMissed, Beijing(last.InspectedOn)), (missed.Kind, missed.OccurredAt));
        Assert.Equal($"insp-1/ITEM/correction missed ({last.OutcomeId})", missed.Reference);
    }

    [Fact]
    public void A_settled_order_without_a_later_visit_is_dated_by_its_due_date_or_the_day_after()
    {
        var done = Assert.Single(DeriveOrder(Order("done"), History(), Issued));
        Assert.Equal((CreditEventKind.CorrectionDone, Beijing(Due), "insp-1/ITEM/correction done"), (done.Kind, done.OccurredAt, done.Reference));
        var missed = Assert.Single(DeriveOrder(Order("missed"), History(), Issued));
        Assert.Equal((CreditEventKind.CorrectionMissed, Beijing(Due.AddDays(1))), (missed.Kind, missed.OccurredAt));
    }

    [Fact]
    public void A_withdrawn_order_counts_for_nothing() =>
        Assert.Empty(DeriveOrder(Order("withdrawn"), History(Outcome("insp-2", "ITEM", ["1"], Due)), Due.AddDays(40)));

    // ---- listings -----------------------------------------------------------------------------------------------

    [Fact]
    public void A_listing_counts_from_its_listing_date_and_then_its_removal_or_escalation()
    {
        ListingFact Listing(DateOnly? escalated, DateOnly? removed) => new()
        {
            Key = "insp-6", State = removed is null ? escalated is null ? "listed" : "escalated" : "removed", ListedOn = Issued, EscalatedOn = escalated, RemovedOn = removed,
        };
        IEnumerable<(string, CreditEventKind, DateTimeOffset)> Events(ListingFact l) =>
            CreditLedger.Derive([], [l], [], Issued, Policy).Select(e => (e.EventKey, e.Kind, e.OccurredAt));

        Assert.Equal([("abnormal:insp-6", CreditEventKind.AbnormalListed, Beijing(Issued))], Events(Listing(null, null)));
        Assert.Equal([("abnormal:insp-6", CreditEventKind.AbnormalListed, Beijing(Issued)), ("abnormal-removed:insp-6", CreditEventKind.AbnormalRemoved, Beijing(Due))],
            Events(Listing(null, Due)));
        Assert.Equal([("abnormal:insp-6", CreditEventKind.AbnormalListed, Beijing(Issued)), ("serious:insp-6", CreditEventKind.SeriousViolationListed, Beijing(Due))],
            Events(Listing(Due, null)));
        // Removed after the escalation: the removal is what stands.
        Assert.Equal(["abnormal:insp-6", "abnormal-removed:insp-6"], Events(Listing(Due, Due.AddDays(3))).Select(e => e.Item1));
        Assert.All(CreditLedger.Derive([], [Listing(null, null)], [], Issued, Policy), e =>
            Assert.Equal((CreditEventSources.Listing, "abnormal list (insp-6)", "insp-6"), (e.Source, e.Reference, e.SourceId)));
    }

    // ---- reconciling the stored derived events ------------------------------------------------------------------

    private static CreditEventEntry Derived(string key, CreditEventKind kind, int day, string reference = "r") =>
        new(key, CreditEventSources.FollowUp, kind, Beijing(Issued.AddDays(day)), [], null, reference, key, 1);

    [Fact]
    public void Reconciling_leaves_an_agreeing_row_alone_rewrites_a_changed_one_and_deletes_one_no_longer_derived()
    {
        var same = Derived("a", CreditEventKind.CorrectionDone, 1);
        var moved = Derived("b", CreditEventKind.CorrectionMissed, 2);
        var gone = Derived("c", CreditEventKind.CorrectionMissed, 3);
        var added = Derived("d", CreditEventKind.AbnormalListed, 4);
        var changes = CreditLedger.Reconcile([same, moved with { Kind = CreditEventKind.CorrectionDone }, added], [same, moved, gone]);
        Assert.Equal(["b", "d"], changes.Write.Select(e => e.EventKey));
        Assert.Equal(["c"], changes.Delete);
        Assert.True(CreditLedger.Reconcile([same], [same with { SourceVersion = 9 }]).IsEmpty);
    }

    [Fact]
    public void Writing_what_reconciling_decided_over_the_stored_rows_leaves_exactly_the_derived_ones()
    {
        var keys = Gen.Int[0, 5].Select(i => "k" + i);
        var entry = Gen.Select(keys, Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 1],
            (key, kind, day, reference) => Derived(key, (CreditEventKind)(1 + kind), day, "r" + reference));
        var distinct = entry.List[0, 6].Select(list => (IReadOnlyList<CreditEventEntry>)[.. list.DistinctBy(e => e.EventKey)]);
        Gen.Select(distinct, distinct).Sample((desired, existing) =>
        {
            var changes = CreditLedger.Reconcile(desired, existing);
            var table = existing.ToDictionary(e => e.EventKey);
            foreach (var e in changes.Write) table[e.EventKey] = e;
            foreach (var key in changes.Delete) table.Remove(key);
            Assert.Equal(desired.Select(e => e.EventKey).Order(), table.Keys.Order());
            Assert.All(desired, e => Assert.True(table[e.EventKey].SaysTheSameAs(e)));
            // Nothing is written that already agreed.
            Assert.All(changes.Write, e => Assert.False(existing.FirstOrDefault(x => x.EventKey == e.EventKey)?.SaysTheSameAs(e) ?? false));
        });
    }

    // ---- reassessing --------------------------------------------------------------------------------------------

    private static readonly CreditLedger Ledger = new(CreditModelOptions.Default);
    private static readonly DateTimeOffset At = Beijing(Due);

    [Fact]
    public void An_entity_without_a_class_gets_its_first_classification()
    {
        var r = Ledger.Reassess(Entity, [], At, directoryClass: null, storedClass: null, storedScore: null);
        Assert.Equal(CreditClass.B, r.Assessment.Class);
        var change = Assert.IsType<CreditClassChange>(r.Change);
        Assert.Null(change.OldClass);
        Assert.StartsWith("first classification", change.Reason, StringComparison.Ordinal);
        Assert.Equal(0, r.Summary.EventCount);
    }

    [Fact]
    public void A_class_change_is_measured_against_the_directory_class_before_the_last_computed_one()
    {
        // The model says B (no events); the last computation said B too, but an import wrote C into the directory since.
        var r = Ledger.Reassess(Entity, [], At, directoryClass: "C", storedClass: "B", storedScore: 70);
        Assert.Equal((CreditClass?)CreditClass.C, r.Change?.OldClass);
        Assert.Null(Ledger.Reassess(Entity, [], At, directoryClass: "B", storedClass: "C", storedScore: 55).Change);
        Assert.Null(Ledger.Reassess(Entity, [], At, directoryClass: null, storedClass: "B", storedScore: 70).Change);
    }

    [Fact]
    public void A_class_the_model_does_not_know_counts_as_no_class()
    {
        var r = Ledger.Reassess(Entity, [], At, directoryClass: "X", storedClass: "B", storedScore: 70);
        Assert.Null(r.Change!.OldClass);
    }

    [Fact]
    public void The_stored_summary_folds_only_the_events_up_to_the_instant_and_scores_as_the_events_do()
    {
        CreditEvent[] events = [CreditEvent.Of(CreditEventKind.CorrectionMissed, At.AddDays(-100)), CreditEvent.Of(CreditEventKind.AbnormalListed, At.AddDays(1))];
        var r = Ledger.Reassess(Entity, events, At, "B", "B", 70);
        Assert.Equal(1, r.Summary.EventCount);
        Assert.Equal(r.Assessment.Score, Ledger.Layout.Score(r.Summary, At), 9);
    }

    [Fact]
    public void A_nightly_change_says_the_score_the_day_the_classes_and_the_thresholds()
    {
        var change = CreditClassChangeDetector.Nightly(Entity, CreditClass.C, CreditClass.B, 70.456, new DateTimeOffset(2026, 1, 2, 3, 0, 0, TimeSpan.Zero),
            new ClassThresholds(85, 70, 55));
        Assert.Equal("nightly recomputation: score 70.46 at 2026-01-02, class C → B as older events decayed (thresholds A 85, B 70, C 55)", change.Reason);
        Assert.Null(change.OldScore);
        Assert.Equal(70.456, change.NewScore);
        Assert.Contains("class none → A", CreditClassChangeDetector.Nightly(Entity, null, CreditClass.A, 90, At, new ClassThresholds(85, 70, 55)).Reason,
            StringComparison.Ordinal);
    }

    // ---- imports ------------------------------------------------------------------------------------------------

    [Fact]
    public void An_imported_record_repeats_the_latest_stored_one_only_when_everything_it_says_is_the_same()
    {
        var record = new ExternalCreditRecord(Entity, "局", "R1", ExternalRecordKind.Penalty, PenaltySeverity.Serious, Issued, "逾期");
        var stored = new ExternalRecordFact
        {
            Authority = "局", Reference = "R1", EntityCreditCode = Entity, Kind = "penalty", Severity = "Serious", OccurredOn = Issued, Description = "逾期",
        };
        Assert.True(record.Repeats(stored));
        Assert.False(record.Repeats(null));
        Assert.False(record.Repeats(stored with { Severity = "Grave" }));
        Assert.False(record.Repeats(stored with { Description = "" }));
        Assert.False(record.Repeats(stored with { OccurredOn = Due }));
        Assert.False((record with { Kind = ExternalRecordKind.SeriousViolation, Severity = null }).Repeats(stored));
        Assert.Equal("serious-violation", (record with { Kind = ExternalRecordKind.SeriousViolation }).KindCode);
    }
}
