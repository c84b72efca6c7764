using System.Xml.Linq;
using Supervision.Core.Statistics;

namespace Supervision.Core.Tests.Statistics;

public sealed class SvgChartsTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Bar_chart_is_well_formed_svg_with_an_accessible_title_and_description_listing_the_values()
    {
        var svg = SvgCharts.Bars("Discovery <rate> & class", "Per class.",
            [new ChartBar("A", 0.05, 0.02, 0.1), new ChartBar("B", 0.12, 0.08, 0.17), new ChartBar("D", 0.4)], "rate", percent: true);
        var doc = XDocument.Parse(svg);
        var root = doc.Root!;
        Assert.Equal("img", root.Attribute("role")!.Value);
        Assert.Equal("chart-title chart-desc", root.Attribute("aria-labelledby")!.Value);
        Assert.Equal("Discovery <rate> & class", root.Element(Svg + "title")!.Value);
        var desc = root.Element(Svg + "desc")!.Value;
        Assert.Contains("A 5% (95% interval 2% to 10%)", desc, StringComparison.Ordinal);
        Assert.Contains("D 40%", desc, StringComparison.Ordinal);
        Assert.Equal(3, root.Descendants(Svg + "rect").Count(r => r.Attribute("fill")?.Value == "#3b6ea5"));
        // Whiskers: a vertical line and two caps for each bar with an interval.
        Assert.Equal(6, root.Descendants(Svg + "line").Count(l => l.Attribute("stroke-width")?.Value == "1.5"));
    }

    [Fact]
    public void Whiskers_stay_inside_the_plot_and_a_taller_interval_reaches_higher()
    {
        var svg = XDocument.Parse(SvgCharts.Bars("t", "d", [new ChartBar("A", 0.1, 0.05, 0.2), new ChartBar("B", 0.1, 0.05, 0.4)], "r", percent: true));
        var tops = svg.Root!.Descendants(Svg + "line").Where(l => l.Attribute("stroke-width")?.Value == "1.5" && l.Attribute("x1")!.Value == l.Attribute("x2")!.Value)
            .Select(l => double.Parse(l.Attribute("y2")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, tops.Count);
        Assert.True(tops[1] < tops[0]);
        Assert.All(tops, y => Assert.InRange(y, 48, 304));
    }

    [Fact]
    public void Line_chart_has_one_point_per_value_and_says_so_when_there_is_no_data()
    {
        var svg = XDocument.Parse(SvgCharts.Line("Coverage", "By month.", [new ChartPoint("01", 0.01), new ChartPoint("02", 0.03), new ChartPoint("03", 0.07)], "share", true));
        Assert.Equal(3, svg.Root!.Descendants(Svg + "circle").Count());
        Assert.Single(svg.Root.Descendants(Svg + "polyline"));
        var empty = XDocument.Parse(SvgCharts.Bars("Nothing", "Nothing yet.", [], "n", false));
        Assert.Contains("No data.", empty.Root!.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_input_gives_the_same_bytes() =>
        Assert.Equal(SvgCharts.Bars("t", "d", [new ChartBar("A", 3)], "n", false), SvgCharts.Bars("t", "d", [new ChartBar("A", 3)], "n", false));

    [Theory]
    [InlineData(0.03, true, 0.05)]
    [InlineData(0.7, true, 1)]
    [InlineData(130, false, 200)]
    [InlineData(0, false, 1)]
    public void Axis_maximum_is_a_round_number_above_the_largest_value(double value, bool percent, double expected) =>
        Assert.Equal(expected, SvgCharts.NiceMaximum(value, percent), 9);

    [Fact]
    public void A_small_coverage_axis_reads_distinct_percentages_not_zero_at_every_tick()
    {
        // Usability test (issue 16, point 8): 20 of 50,000 entities inspected gave an axis of 0%, 0%, 0%, 0%, 0%.
        var svg = XDocument.Parse(SvgCharts.Line("Coverage", "By month.", [new ChartPoint("01", 0.0001), new ChartPoint("02", 0.0004)], "share", true));
        var ticks = svg.Root!.Descendants(Svg + "text").Where(t => t.Attribute("text-anchor")?.Value == "end").Select(t => t.Value).ToList();
        Assert.Equal(["0%", "0.0125%", "0.025%", "0.0375%", "0.05%"], ticks);
        Assert.Equal(["0%", "0.125%", "0.25%", "0.375%", "0.5%"], SvgCharts.Ticks(0.005, percent: true).Select(t => t.Label));
        Assert.Equal(["0", "50", "100", "150", "200"], SvgCharts.Ticks(200, percent: false).Select(t => t.Label));
        Assert.Equal("0.04%", SvgCharts.Format(0.0004, percent: true));
        Assert.Equal("23.1%", SvgCharts.Format(0.2312, percent: true));
    }

    [Fact]
    public void Every_text_is_at_least_12_px_and_the_listing_can_be_chinese()
    {
        var svg = XDocument.Parse(SvgCharts.Bars("违规比例", "说明。", [new ChartBar("D", 0.23, 0.18, 0.29)], "比例", percent: true, words: ChartWords.Chinese));
        Assert.All(svg.Root!.Descendants(Svg + "text"), t => Assert.True(int.Parse(t.Attribute("font-size")!.Value, System.Globalization.CultureInfo.InvariantCulture) >= 12, t.ToString()));
        Assert.Equal("说明。数值：D 23%（95% 区间 18%至29%）。", svg.Root.Element(Svg + "desc")!.Value);
    }
}
