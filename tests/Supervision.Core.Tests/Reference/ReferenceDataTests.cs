using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Reference;

public class ReferenceDataTests
{
    private readonly ReferenceData _ref = ReferenceData.Default;

    [Fact]
    public void All_31_mainland_provincial_divisions_are_listed()
    {
        var provinces = _ref.Divisions.Where(d => d.Level == 1 && string.CompareOrdinal(d.Code, "700000") < 0).ToList();
        Assert.Equal(31, provinces.Count);
        Assert.Equal("辽宁省", _ref.Division("210000")!.Name);
        Assert.Equal("新疆维吾尔自治区", _ref.Division("650000")!.Name);
    }

    [Fact]
    public void Liaoning_has_14_prefectures_and_100_county_level_divisions()
    {
        Assert.Equal(14, _ref.Divisions.Count(d => d.Level == 2 && d.Code.StartsWith("21", StringComparison.Ordinal)));
        Assert.Equal(100, _ref.CountiesUnder("21").Count);
        Assert.Equal("和平区", _ref.Division("210102")!.Name);
        Assert.Equal("辽宁省沈阳市和平区", _ref.DivisionFullName("210102"));
    }

    [Theory]
    [InlineData("210102", true)]
    [InlineData("211481", true)]
    [InlineData("210199", false)] // Liaoning is complete: unlisted codes are rejected
    [InlineData("110105", true)]  // Beijing's counties are not shipped: accepted under a known province
    [InlineData("990101", false)]
    [InlineData("21010", false)]
    [InlineData("21010A", false)]
    [InlineData(null, false)]
    public void Division_codes_are_checked_against_the_table(string? code, bool valid) =>
        Assert.Equal(valid, _ref.IsValidDivision(code));

    [Fact]
    public void Industries_have_20_sections_and_97_divisions()
    {
        Assert.Equal(20, _ref.IndustrySections.Count);
        Assert.Equal("ABCDEFGHIJKLMNOPQRST", string.Concat(_ref.IndustrySections.Select(s => s.Code)));
        Assert.Equal(97, _ref.IndustryDivisions.Count);
        Assert.Equal(Enumerable.Range(1, 97).Select(i => i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)), _ref.IndustryDivisions.Select(d => d.Code));
        Assert.Equal("制造业", _ref.IndustrySectionOf("3911")!.Name);
        Assert.Equal("餐饮业", _ref.IndustryDivisionOf("6210")!.Name);
    }

    [Theory]
    [InlineData("C", true)]
    [InlineData("U", false)]
    [InlineData("62", true)]
    [InlineData("98", false)]
    [InlineData("621", true)]
    [InlineData("6210", true)]
    [InlineData("620", false)]
    [InlineData("9811", false)]
    [InlineData("62101", false)]
    [InlineData("6a", false)]
    [InlineData("", false)]
    public void Industry_codes_are_checked_by_division_prefix(string code, bool valid) =>
        Assert.Equal(valid, _ref.IsValidIndustry(code));

    [Fact]
    public void Entity_types_statuses_results_and_classes_are_looked_up()
    {
        Assert.Equal("enterprise", _ref.EntityType("91")!.English);
        Assert.Equal("个体工商户", _ref.EntityType("92")!.Name);
        Assert.True(_ref.EntityType("93")!.MarketEntity);
        Assert.False(_ref.IsValidEntityType("94"));
        Assert.Equal("open", _ref.ResolveStatus("开业")!.Code);
        Assert.Equal("open", _ref.ResolveStatus("存续")!.Code);
        Assert.Equal("moved_out", _ref.ResolveStatus("迁出")!.Code);
        Assert.Equal(["open"], _ref.EntityStatuses.Where(s => s.Drawable).Select(s => s.Code));
        Assert.Equal(18, _ref.ResultCodes.Count);
        Assert.Equal("未发现问题", _ref.ResultCode("1")!.Name);
        Assert.Equal("moved out", _ref.ResultCode("12")!.English);
        Assert.Equal("ABCD", string.Concat(_ref.CreditClasses.Select(c => c.Code)));
        Assert.Equal("B", _ref.DefaultCreditClass);
        Assert.Equal(0.30, _ref.CreditClass("D")!.DefaultRatio);
    }

    [Fact]
    public void Every_file_carries_a_version_and_effective_date()
    {
        Assert.Equal(ReferenceData.FileNames, _ref.Versions.Select(v => v.File));
        Assert.All(_ref.Versions, v =>
        {
            Assert.False(string.IsNullOrWhiteSpace(v.Version));
            Assert.Equal("embedded", v.Source);
        });
    }

    [Fact]
    public void A_file_in_the_override_directory_replaces_the_embedded_table()
    {
        var dir = Directory.CreateTempSubdirectory("ref-override").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, ReferenceData.CreditClassesFile), """
                {"version":"test-2","effectiveDate":"2026-01-01","defaultClass":"B",
                 "creditClasses":[{"code":"A","name":"甲","english":"a","defaultRatio":0.01},{"code":"B","name":"乙","english":"b","defaultRatio":0.02},
                                  {"code":"C","name":"丙","english":"c","defaultRatio":0.1},{"code":"D","name":"丁","english":"d","defaultRatio":0.3},
                                  {"code":"E","name":"戊","english":"e","defaultRatio":0.8}]}
                """);
            var loaded = ReferenceData.Load(dir);
            Assert.True(loaded.IsValidCreditClass("E"));
            var v = loaded.Versions.Single(x => x.File == ReferenceData.CreditClassesFile);
            Assert.Equal("test-2", v.Version);
            Assert.Equal(new DateOnly(2026, 1, 1), v.EffectiveDate);
            Assert.Equal("embedded", loaded.Versions.Single(x => x.File == ReferenceData.DivisionsFile).Source);
            Assert.False(ReferenceData.Default.IsValidCreditClass("E"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_malformed_override_file_is_rejected_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("ref-bad").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, ReferenceData.DivisionsFile), """{"version":"x","effectiveDate":"2026-01-01","divisions":[{"code":"21","name":"短"}]}""");
            var e = Assert.Throws<ReferenceDataException>(() => { ReferenceData.Load(dir); });
            Assert.Equal(ReferenceData.DivisionsFile, e.File);
            Assert.Contains("not 6 digits", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
