using Supervision.Core.Inspections;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;

namespace Supervision.Core.Tests.Inspections;

public class ResultValidatorTests
{
    private static readonly ResultValidator V = ResultValidator.Default;
    private static readonly InspectionItem[] Items = [Publicity, Premises, Hygiene];

    private static IReadOnlyList<Supervision.Core.Validation.FieldError> Check(ValidationMode mode, params ItemResult[] results) => V.Validate(Items, results, mode, Now);

    private static void HasError(IReadOnlyList<Supervision.Core.Validation.FieldError> errors, string field, string fragment) =>
        Assert.Contains(errors, e => e.Field == field && e.Reason.Contains(fragment, StringComparison.Ordinal));

    [Fact]
    public void Complete_clean_results_pass()
    {
        Assert.Empty(Check(ValidationMode.Complete, Clean("ITEM-PUB"), Clean("ITEM-SITE"), Clean("ITEM-HYG")));
        Assert.Empty(Check(ValidationMode.Complete, Clean("ITEM-PUB"), Problem("ITEM-SITE", "A", "B"), Problem("ITEM-HYG", "E", "5")));
    }

    [Fact]
    public void Field_paths_point_at_the_submitted_position()
    {
        var errors = Check(ValidationMode.Complete, Clean("ITEM-PUB"), Clean("ITEM-SITE"), new ItemResult("ITEM-HYG", ["B"], "x", Visit, "p", []));
        HasError(errors, "items[2].resultCodes[0]", "not allowed for item ITEM-HYG");
    }

    [Theory]
    [InlineData("1,A", "cannot be combined")]
    [InlineData("6,B", "cannot be combined")]
    [InlineData("9,7", "cannot be combined")]
    [InlineData("11,12", "cannot be combined")]
    [InlineData("F,D", "contradicts")]
    public void Contradictory_codes_are_refused(string codes, string fragment) =>
        HasError(Check(ValidationMode.Draft, Problem("ITEM-SITE", codes.Split(','))), "items[0].resultCodes", fragment);

    [Theory]
    [InlineData("A,E,B")] // two problems, one corrected on order
    [InlineData("7,B")]
    [InlineData("F,7")]
    [InlineData("8,D")]
    public void Compatible_combinations_are_accepted(string codes) => Assert.Empty(Check(ValidationMode.Draft, Problem("ITEM-SITE", codes.Split(','))));

    [Fact]
    public void Unknown_and_duplicate_codes()
    {
        var errors = Check(ValidationMode.Draft, Problem("ITEM-SITE", "Z", "B", "B"));
        HasError(errors, "items[0].resultCodes[0]", "not a result code");
        HasError(errors, "items[0].resultCodes[2]", "chosen twice");
    }

    [Fact]
    public void Findings_are_required_for_any_code_but_1_only_when_complete()
    {
        var r = new ItemResult("ITEM-SITE", ["6"], "  ", Visit, "某地", []);
        Assert.DoesNotContain(Check(ValidationMode.Draft, r), e => e.Field == "items[0].findings");
        HasError(Check(ValidationMode.Complete, r), "items[0].findings", "required when a code other than 1");
        Assert.DoesNotContain(Check(ValidationMode.Complete, Clean("ITEM-SITE") with { Findings = null }), e => e.Field.EndsWith("findings", StringComparison.Ordinal));
    }

    [Fact]
    public void Complete_mode_requires_every_item_codes_time_and_on_site_place()
    {
        var errors = Check(ValidationMode.Complete, new ItemResult("ITEM-PUB", [], null, null, null, []), new ItemResult("ITEM-SITE", ["1"], null, Visit, null, []));
        HasError(errors, "items[0].resultCodes", "at least one");
        HasError(errors, "items[0].visitedAt", "required");
        Assert.DoesNotContain(errors, e => e.Field == "items[0].visitPlace"); // written item
        HasError(errors, "items[1].visitPlace", "on-site");
        HasError(errors, "items", "ITEM-HYG");
        Assert.Empty(Check(ValidationMode.Draft, new ItemResult("ITEM-PUB", [], null, null, null, [])));
    }

    [Fact]
    public void Items_must_belong_to_the_inspection_once_and_visits_not_be_in_the_future()
    {
        var errors = Check(ValidationMode.Draft, Clean("ITEM-X"), Clean("ITEM-PUB"), Clean("ITEM-PUB"), Clean("ITEM-SITE") with { VisitedAt = Now.AddMinutes(1) });
        HasError(errors, "items[0].itemCode", "not an item");
        HasError(errors, "items[2].itemCode", "more than one result");
        HasError(errors, "items[3].visitedAt", "future");
    }

    [Fact]
    public void Evidence_policy_checks_hash_size_type_and_count()
    {
        var good = EvidenceRef.For("photo"u8, "image/jpeg", "门头.jpg");
        Assert.Equal(64, good.Sha256.Length);
        Assert.Equal(5, good.SizeBytes);
        Assert.Empty(Check(ValidationMode.Draft, Clean("ITEM-SITE") with { Evidence = [good] }));

        var errors = Check(ValidationMode.Draft, Clean("ITEM-SITE") with
        {
            Evidence = [good, good, new("ABC", 0, "application/x-msdownload", "../a.exe"), good with { Sha256 = new string('a', 64), SizeBytes = EvidencePolicy.Default.MaxBytes + 1 }],
        });
        HasError(errors, "items[0].evidence[1].sha256", "attached twice");
        HasError(errors, "items[0].evidence[2].sha256", "64 lower-case");
        HasError(errors, "items[0].evidence[2].sizeBytes", "positive");
        HasError(errors, "items[0].evidence[2].mediaType", "not allowed");
        HasError(errors, "items[0].evidence[2].fileName", "path separators");
        HasError(errors, "items[0].evidence[3].sizeBytes", "at most");

        var tight = new ResultValidator(V.Reference, V.Rules, EvidencePolicy.Default with { MaxFilesPerItem = 1 });
        Assert.Contains(tight.Validate(Items, [Clean("ITEM-SITE") with { Evidence = [good, good with { Sha256 = new string('b', 64) }] }], ValidationMode.Draft, Now),
            e => e.Field == "items[0].evidence" && e.Reason.Contains("at most 1", StringComparison.Ordinal));
    }
}
