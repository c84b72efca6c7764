using CsCheck;
using Supervision.Core.Publication;

namespace Supervision.Core.Tests.Publication;

public class RetentionPolicyTests
{
    private static readonly RetentionPolicy Policy = RetentionPolicy.Default;

    [Fact]
    public void The_defaults_are_the_domain_notes_figures_five_years_and_two_for_natural_persons()
    {
        Assert.Equal((5, 2), (Policy.Results.LegalPersonYears, Policy.Results.NaturalPersonYears));
        Assert.Equal((5, 2), (Policy.AbnormalListings.LegalPersonYears, Policy.AbnormalListings.NaturalPersonYears));
        Assert.Empty(Policy.Validate());
    }

    [Theory]
    [InlineData("92", "91210100MA0000000X", SubjectKinds.NaturalPerson)]  // an individual business (个体工商户)
    [InlineData("91", "92210100MA0000000X", SubjectKinds.LegalPerson)]    // the directory's type wins over the code
    [InlineData("93", "93210100MA0000000X", SubjectKinds.LegalPerson)]    // a farmers' cooperative
    [InlineData(null, "92210100MA0000000X", SubjectKinds.NaturalPerson)]  // left the directory: the code's first two characters
    [InlineData("", "91210100MA0000000X", SubjectKinds.LegalPerson)]
    public void The_subject_kind_follows_the_entity_type(string? type, string code, string expected) =>
        Assert.Equal(expected, SubjectKinds.Of(type, code));

    [Fact]
    public void A_natural_persons_result_expires_on_the_second_anniversary_and_a_legal_persons_on_the_fifth()
    {
        var from = new DateOnly(2026, 6, 1);
        Assert.Equal(new DateOnly(2028, 6, 1), Policy.ExpiresOn(PublicRecordKinds.Result, SubjectKinds.NaturalPerson, from));
        Assert.False(Policy.IsExpired(PublicRecordKinds.Result, SubjectKinds.NaturalPerson, from, new DateOnly(2028, 5, 31)));
        Assert.True(Policy.IsExpired(PublicRecordKinds.Result, SubjectKinds.NaturalPerson, from, new DateOnly(2028, 6, 1)));
        Assert.False(Policy.IsExpired(PublicRecordKinds.Result, SubjectKinds.LegalPerson, from, new DateOnly(2031, 5, 31)));
        Assert.True(Policy.IsExpired(PublicRecordKinds.Result, SubjectKinds.LegalPerson, from, new DateOnly(2031, 6, 1)));
    }

    [Fact]
    public void Each_kind_of_record_has_its_own_periods()
    {
        var policy = new RetentionPolicy(new RetentionPeriod(5, 2), new RetentionPeriod(3, 1));
        var from = new DateOnly(2026, 1, 10);
        Assert.Equal(new DateOnly(2029, 1, 10), policy.ExpiresOn(PublicRecordKinds.AbnormalListing, SubjectKinds.LegalPerson, from));
        Assert.Equal(new DateOnly(2027, 1, 10), policy.ExpiresOn(PublicRecordKinds.AbnormalListing, SubjectKinds.NaturalPerson, from));
        Assert.Equal(new DateOnly(2031, 1, 10), policy.ExpiresOn(PublicRecordKinds.Result, SubjectKinds.LegalPerson, from));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.PeriodOf("plan"));
    }

    [Fact]
    public void The_twenty_ninth_of_february_counts_to_the_twenty_eighth_in_a_common_year()
    {
        var from = new DateOnly(2028, 2, 29);
        Assert.Equal(new DateOnly(2030, 2, 28), Policy.ExpiresOn(PublicRecordKinds.Result, SubjectKinds.NaturalPerson, from));
        Assert.True(from <= Policy.CandidatesUpTo(PublicRecordKinds.Result, new DateOnly(2030, 2, 28)));
    }

    [Fact]
    public void The_job_withdraws_exactly_the_records_past_their_period()
    {
        var today = new DateOnly(2028, 6, 1);
        var candidates = new[]
        {
            new RetentionCandidate(PublicRecordKinds.Result, "t/92", "92210100MA0000001X", "92", new DateOnly(2026, 6, 1)),
            new RetentionCandidate(PublicRecordKinds.Result, "t/91", "91210100MA0000002X", "91", new DateOnly(2026, 6, 1)),
            new RetentionCandidate(PublicRecordKinds.Result, "t/92-late", "92210100MA0000003X", "92", new DateOnly(2026, 6, 2)),
            new RetentionCandidate(PublicRecordKinds.AbnormalListing, "ab-1", "92210100MA0000001X", "92", new DateOnly(2026, 5, 1)),
        };
        var withdrawn = Retention.Expired(Policy, candidates, today);
        Assert.Equal(["t/92", "ab-1"], withdrawn.Select(w => w.RecordId));
        Assert.All(withdrawn, w => Assert.Equal(SubjectKinds.NaturalPerson, w.SubjectKind));
        Assert.Equal(new DateOnly(2028, 6, 1), withdrawn[0].ExpiredOn);
    }

    [Fact]
    public void Candidates_read_by_the_cutoff_include_every_expired_record() =>
        // The store reads candidates up to CandidatesUpTo; no record the policy would expire may lie beyond it.
        Gen.Select(Gen.Int[0, 20_000], Gen.Int[0, 4_000], Gen.Bool, Gen.Int[1, 10], Gen.Int[1, 10]).Sample((start, age, natural, legalYears, naturalYears) =>
        {
            var policy = new RetentionPolicy(new RetentionPeriod(legalYears, naturalYears), RetentionPolicy.Default.AbnormalListings);
            var from = new DateOnly(2000, 1, 1).AddDays(start);
            var today = from.AddDays(age);
            var subject = natural ? SubjectKinds.NaturalPerson : SubjectKinds.LegalPerson;
            if (policy.IsExpired(PublicRecordKinds.Result, subject, from, today))
                Assert.True(from <= policy.CandidatesUpTo(PublicRecordKinds.Result, today), $"{from} {today} {legalYears}/{naturalYears} {subject}");
        });

    [Fact]
    public void A_period_outside_one_to_a_hundred_years_is_named_by_its_setting()
    {
        var errors = new RetentionPolicy(new RetentionPeriod(0, 2), new RetentionPeriod(5, 101)).Validate();
        Assert.Equal(["ResultYears", "AbnormalListingNaturalPersonYears"], errors.Select(e => e.Field));
    }
}
