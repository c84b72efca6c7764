using System.Reflection;
using System.Text.Json;
using Supervision.Core.Registry;
using Supervision.Core.Inspections;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Core.Text;
using static Supervision.Core.Tests.Inspections.InspectionFixtures;
using Supervision.Core.Validation;

namespace Supervision.Core.Tests.Registry;

/// <summary>Every field error carries a code from the documented vocabulary and the arguments a page words it from.</summary>
public class FieldErrorCodeTests
{
    private static readonly MarketEntityRecord Entity = ValidatorTests.Valid;

    private static FieldError Only(IEnumerable<FieldError> errors, string field) => Assert.Single(errors, e => e.Field == field);

    [Fact]
    public void A_field_error_cannot_be_made_without_a_code()
    {
        // Only the factories make one: there is no public constructor taking a field and a reason.
        Assert.Empty(typeof(FieldError).GetConstructors(BindingFlags.Public | BindingFlags.Instance));
    }

    [Fact]
    public void Entity_fields_carry_their_codes_and_arguments()
    {
        var errors = MarketEntityValidator.Validate(Entity with
        {
            Name = new string('名', 201),
            IndustryCode = "ZZ",
            DivisionCode = "21010",
            Status = "closed",
            CreditClass = "E",
            RegisteredOn = new DateOnly(1900, 1, 1),
        }, ReferenceData.Default).Errors;

        var name = Only(errors, "name");
        Assert.Equal(FieldErrorCode.TooLong, name.Code);
        Assert.Equal(200, name.Args!.Max);
        Assert.Equal(201, name.Args.Actual);
        Assert.Equal("must be at most 200 characters, got 201", name.Reason);

        Assert.Equal(FieldErrorCode.UnknownValue, Only(errors, "industryCode").Code);
        Assert.Equal("ZZ", Only(errors, "industryCode").Args!.Value);
        Assert.Equal((FieldErrorCode.Format, FieldFormats.DivisionCode), (Only(errors, "divisionCode").Code, Only(errors, "divisionCode").Args!.Expected));
        var status = Only(errors, "status");
        Assert.Equal(FieldErrorCode.UnknownValue, status.Code);
        Assert.Contains("open", status.Args!.Allowed!);
        Assert.Equal(FieldErrorCode.UnknownValue, Only(errors, "creditClass").Code);
        var registered = Only(errors, "registeredOn");
        Assert.Equal((FieldErrorCode.TooEarly, "1949-10-01"), (registered.Code, registered.Args!.Limit));
    }

    [Theory]
    [InlineData("", FieldErrorCode.Required)]
    [InlineData("91350100M000100Y4", FieldErrorCode.Format)]
    [InlineData("91350100M000100Y44", FieldErrorCode.Checksum)]
    public void A_credit_code_problem_has_its_own_code(string creditCode, FieldErrorCode expected) =>
        Assert.Equal(expected, Only(MarketEntityValidator.Validate(Entity with { CreditCode = creditCode }, ReferenceData.Default).Errors, "creditCode").Code);

    [Theory]
    [InlineData("   ", FieldErrorCode.Whitespace)]
    [InlineData(" 张三", FieldErrorCode.Whitespace)]
    [InlineData("", FieldErrorCode.Required)]
    public void Whitespace_and_missing_text_are_told_apart(string name, FieldErrorCode expected) =>
        Assert.Equal(expected, Only(InspectorValidator.Validate(new InspectorRecord { CertificateNo = "C-1", Name = name, DepartmentCode = "D1", CertificateExpiresOn = new DateOnly(2030, 1, 1), Status = "active" }).Errors, "name").Code);

    [Fact]
    public void A_bidirectional_override_is_named_by_position_and_code_point()
    {
        var error = TextRules.Error("name", "abc\u202Eexe");
        Assert.NotNull(error);
        Assert.Equal(FieldErrorCode.Characters, error.Code);
        Assert.Equal((4, "U+202E"), (error.Args!.Position, error.Args.Character));
    }

    [Fact]
    public void A_result_code_the_item_does_not_allow_names_the_allowed_ones()
    {
        var errors = ResultValidator.Default.Validate([Publicity, Premises, Hygiene],
            [Clean("ITEM-PUB"), Clean("ITEM-SITE"), new ItemResult("ITEM-HYG", ["B"], "x", Visit, "p", [])], Supervision.Core.Inspections.ValidationMode.Complete, Now);
        var error = Only(errors, "items[2].resultCodes[0]");
        Assert.Equal(FieldErrorCode.NotAllowed, error.Code);
        Assert.Equal("B", error.Args!.Value);
        Assert.Equal(Hygiene.AllowedResultCodes, error.Args.Allowed);
    }

    [Fact]
    public void A_missing_result_lists_the_items_still_missing()
    {
        var error = Only(ResultValidator.Default.Validate([Publicity, Premises], [Clean("ITEM-PUB")], Supervision.Core.Inspections.ValidationMode.Complete, Now), "items");
        Assert.Equal(FieldErrorCode.Required, error.Code);
        Assert.Equal(["ITEM-SITE"], error.Args!.Missing);
    }

    [Fact]
    public void Task_rules_give_ranges_and_dates()
    {
        var today = new DateOnly(2026, 6, 1);
        var (_, errors) = TaskDefinitions.Normalize(
            new TaskDraft("t", "D1", [], [], null, null, 1, today.AddDays(-1), null, null), ReferenceData.Default, today);
        Assert.Equal((FieldErrorCode.TooFew, 1d), (Only(errors, "items").Code, Only(errors, "items").Args!.Min!.Value));
        Assert.Equal((FieldErrorCode.OutOfRange, 2d, 1d), (Only(errors, "teamSize").Code, Only(errors, "teamSize").Args!.Min!.Value, Only(errors, "teamSize").Args!.Actual!.Value));
        Assert.Equal((FieldErrorCode.TooEarly, "2026-06-01"), (Only(errors, "deadline").Code, Only(errors, "deadline").Args!.Limit));
    }

    [Fact]
    public void Codes_cross_the_wire_as_kebab_case_json_and_an_error_from_before_codes_reads_as_invalid()
    {
        // Grain calls carry the core's records as JSON (ContractSerialization): the code and its arguments survive a
        // round trip, and a silo of the previous version, which sent no code, is read as "invalid" rather than failing.
        var error = FieldError.TooLong("items[0].findings", 4000, 4001);
        var json = JsonSerializer.Serialize(error);
        Assert.Contains("\"too-long\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<FieldError>(json)!;
        Assert.Equal((error.Field, error.Code, error.Reason, 4000d, 4001d), (back.Field, back.Code, back.Reason, back.Args!.Max!.Value, back.Args.Actual!.Value));

        var old = JsonSerializer.Deserialize<FieldError>("{\"Field\":\"name\",\"Reason\":\"is required\"}")!;
        Assert.Equal((FieldErrorCode.Invalid, "name", "is required"), (old.Code, old.Field, old.Reason));
    }

    [Fact]
    public void Every_code_has_a_kebab_case_wire_name()
    {
        foreach (var code in Enum.GetValues<FieldErrorCode>())
        {
            var name = JsonSerializer.Serialize(code).Trim('"');
            Assert.Matches("^[a-z]+(-[a-z0-9]+)*$", name);
        }
    }
}
