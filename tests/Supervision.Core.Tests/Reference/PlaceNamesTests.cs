using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Reference;

public sealed class PlaceNamesTests
{
    private static readonly ReferenceData Reference = ReferenceData.Default;

    [Theory]
    [InlineData("大连", "2102")]
    [InlineData("大连市", "2102")]
    [InlineData(" 大连 ", "2102")]
    [InlineData("Dalian", "2102")]
    [InlineData("dalian city", "2102")]
    [InlineData("ＤＡＬＩＡＮ", "2102")]
    [InlineData("Dalian, Liaoning", "2102")]
    [InlineData("Liaoning Dalian", "2102")]
    [InlineData("中山区", "210202")]
    [InlineData("大连市中山区", "210202")]
    [InlineData("大连 中山区", "210202")]
    [InlineData("辽宁省大连市中山区", "210202")]
    [InlineData("辽宁中山区", "210202")]
    [InlineData("辽宁", "21")]
    [InlineData("Liaoning Province", "21")]
    [InlineData("内蒙古", "15")]
    [InlineData("Inner Mongolia Autonomous Region", "15")]
    [InlineData("北京", "11")]
    [InlineData("沙河口", "210204")]
    [InlineData("抚顺", "2104")] // 抚顺市, which holds 抚顺县
    [InlineData("抚顺县", "210421")]
    [InlineData("210202", "210202")]
    public void A_place_in_words_names_its_division_prefix(string typed, string prefix)
    {
        var match = Reference.ResolvePlace(typed);
        Assert.True(match.Found, typed);
        Assert.Equal([prefix], match.Prefixes);
    }

    [Fact]
    public void A_name_two_divisions_share_names_both()
    {
        // Shenyang's and Anshan's in Liaoning, Siping's in Jilin: the whole country is listed.
        var match = Reference.ResolvePlace("铁西区");
        Assert.Equal(["210106", "210303", "220302"], match.Prefixes);
        Assert.Equal(["210303"], Reference.ResolvePlace("鞍山铁西区").Prefixes);
        Assert.Equal(["220302"], Reference.ResolvePlace("四平市铁西区").Prefixes);
    }

    [Theory]
    [InlineData("大")]
    [InlineData("区")]
    [InlineData("火星")]
    [InlineData("Atlantis")]
    [InlineData("大连市西湖区")]
    [InlineData("2102")]
    [InlineData("%")]
    public void Text_that_names_no_division_is_not_found(string typed)
    {
        var match = Reference.ResolvePlace(typed);
        Assert.False(match.Found);
        Assert.Empty(match.Prefixes);
    }

    [Fact]
    public void Close_names_are_suggested_when_nothing_matches()
    {
        Assert.Contains(Reference.ResolvePlace("大连市西湖区").Suggestions, d => d.Code == "210200");
        Assert.Contains(Reference.ResolvePlace("沙河口").Divisions, d => d.Code == "210204");
        Assert.Contains(Reference.ResolvePlace("Dalia").Suggestions, d => d.Code == "210200");
        Assert.Empty(Reference.ResolvePlace("火星").Suggestions);
        Assert.True(Reference.ResolvePlace("区").Suggestions.Count <= 6);
    }

    [Fact]
    public void English_names_read_most_specific_first()
    {
        Assert.Equal("Dalian, Liaoning", Reference.DivisionEnglishName("210202"));
        Assert.Equal("Liaoning", Reference.DivisionEnglishName("210000"));
        Assert.Null(Reference.DivisionEnglishName("999999"));
        Assert.Equal("辽宁省大连市中山区", Reference.DivisionFullName("210202"));
    }

    [Fact]
    public void An_industry_in_words_names_its_divisions()
    {
        Assert.Equal(["62"], Reference.ResolveIndustry("餐饮业").Prefixes);
        Assert.Equal(["62"], Reference.ResolveIndustry("餐饮").Prefixes);
        var retail = Reference.ResolveIndustry("批发和零售业");
        Assert.Equal("F", Assert.Single(retail.Industries).Code);
        Assert.Equal(Reference.IndustryDivisions.Where(d => d.Section == "F").Select(d => d.Code).Order(StringComparer.Ordinal), retail.Prefixes);
        Assert.False(Reference.ResolveIndustry("太空旅游").Found);
        Assert.False(Reference.ResolveIndustry("业").Found);
    }

    [Theory]
    [InlineData("杭州市西湖区", "330106")]
    [InlineData("西湖区", "330106")]
    [InlineData("深圳", "440300")]
    [InlineData("沙河", "130582")]
    [InlineData("喀什地区", "653100")]
    public void Places_outside_Liaoning_are_named_too(string typed, string code)
    {
        Assert.Contains(code, Reference.ResolvePlace(typed).Divisions.Select(d => d.Code));
        Assert.NotEmpty(Reference.DivisionFullName(code));
    }

    /// <summary>
    /// The portal test picks whichever Liaoning city its draw published: each of the fourteen must be found alone by the
    /// province's name and its short name, and by its English name, although short names such as 朝阳 name places
    /// elsewhere in the country too.
    /// </summary>
    [Fact]
    public void Every_Liaoning_city_is_found_alone_by_province_and_short_name_and_by_its_English_name()
    {
        var cities = Enumerable.Range(1, 14).Select(i => Reference.Division(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"21{i:D2}00"))).ToList();
        Assert.All(cities, c => Assert.NotNull(c));
        foreach (var city in cities)
        {
            Assert.Equal([city!.Code[..4]], Reference.ResolvePlace("辽宁" + city.Name[..^1]).Prefixes);
            Assert.Equal([city.Code[..4]], Reference.ResolvePlace(city.English).Prefixes);
        }

        Assert.Equal(3, Reference.ResolvePlace("朝阳").Divisions.Count);
    }
}
