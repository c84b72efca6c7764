using Supervision.Core.Registry;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Registry;

public class ValidatorTests
{
    internal static readonly MarketEntityRecord Valid = new()
    {
        CreditCode = "91350100M000100Y43",
        Name = "沈阳华瑞商贸有限公司",
        EntityType = "91",
        IndustryCode = "5121",
        DivisionCode = "210102",
        Address = "辽宁省沈阳市和平区中山路1号",
        LegalRepresentative = "王伟",
        Status = "open",
        CreditClass = "A",
    };

    private static RecordValidation Check(MarketEntityRecord r, ValidationMode mode = ValidationMode.Strict) =>
        MarketEntityValidator.Validate(r, ReferenceData.Default, mode);

    [Fact]
    public void A_complete_entity_is_valid() => Assert.True(Check(Valid).IsValid);

    [Fact]
    public void Errors_name_the_camel_case_json_field()
    {
        var v = Check(Valid with
        {
            CreditCode = "91350100M000100Y4Y",
            LegacyRegNo = "12345",
            Name = " ",
            EntityType = "99",
            IndustryCode = "99",
            DivisionCode = "21010",
            Status = "closed",
            RegisteredOn = new DateOnly(1900, 1, 1),
            CreditClass = "E",
            Tags = ["a;b"],
        });
        Assert.Equal(
            ["creditCode", "legacyRegNo", "name", "entityType", "industryCode", "divisionCode", "status", "registeredOn", "creditClass", "tags"],
            v.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Lenient_mode_accepts_a_bad_checksum_with_a_review_flag()
    {
        var v = Check(Valid with { CreditCode = "91350100M000100Y4Y" }, ValidationMode.Lenient);
        Assert.True(v.IsValid);
        Assert.Equal([RecordFlags.ChecksumReview], v.Flags);
        Assert.False(Check(Valid with { CreditCode = "91350100M000100Y4" }, ValidationMode.Lenient).IsValid);
    }

    [Fact]
    public void Names_must_be_trimmed_and_within_length()
    {
        Assert.Contains(Check(Valid with { Name = " 甲公司" }).Errors, e => e.Field == "name" && e.Reason.Contains("whitespace"));
        Assert.Contains(Check(Valid with { Name = new string('甲', 201) }).Errors, e => e.Field == "name" && e.Reason.Contains("at most 200"));
        Assert.True(Check((Valid with { Name = "  甲公司 " }).Normalize()).IsValid);
    }

    [Fact]
    public void The_entity_type_must_match_the_credit_code_prefix()
    {
        var v = Check(Valid with { EntityType = "92" });
        Assert.Equal("entityType", Assert.Single(v.Errors).Field);
    }

    [Fact]
    public void Inspector_validation_names_fields()
    {
        var ok = new InspectorRecord
        {
            CertificateNo = "2101000001",
            Name = "李敏",
            DepartmentCode = "210100-SCJG",
            CertificateExpiresOn = new DateOnly(2028, 1, 1),
            Specialties = ["SCJG-001"],
            Conflicts = ["91350100M000100Y43"],
        };
        Assert.True(InspectorValidator.Validate(ok).IsValid);
        var bad = InspectorValidator.Validate(ok with
        {
            CertificateNo = "No 1",
            Name = "",
            DepartmentCode = "nope",
            CertificateExpiresOn = default,
            Status = "retired",
            Conflicts = ["91350100M000100Y4Y"],
        }, ValidationMode.Strict, code => code == "210100-SCJG");
        Assert.Equal(["certificateNo", "name", "departmentCode", "certificateExpiresOn", "status", "conflicts"], bad.Errors.Select(e => e.Field));
        Assert.True(InspectorValidator.Validate(ok with { Conflicts = ["91350100M000100Y4Y"] }, ValidationMode.Lenient).IsValid);
    }
}
