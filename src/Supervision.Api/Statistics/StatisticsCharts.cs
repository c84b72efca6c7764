using System.Globalization;
using System.Text.Json;
using Supervision.Api.Web;
using Supervision.Core.Statistics;
using Supervision.Infrastructure.Credit;

namespace Supervision.Api.Statistics;

/// <summary>One row of a chart's data table (and one bar or point of the chart): the figures as numbers and as written.</summary>
/// <param name="Cells">The row's cells after the row header, as the table shows them.</param>
public sealed record ChartRow(string Label, double? Value, double? Lower, double? Upper, IReadOnlyList<string> Cells);

/// <summary>
/// A chart of the statistics page in the page's language: its title, a note on where the figures come from, the
/// sentence that says what it shows (the chart's accessible name), the data table's headers and rows, and what the
/// browser needs to draw it (<see cref="Spec"/>, read by wwwroot/js/statistics.js).
/// </summary>
/// <param name="Kind"><c>interval</c> (bars with 95 % whiskers), <c>bar</c> or <c>line</c>.</param>
public sealed record ChartView(string Name, string Kind, string Title, string Note, string Summary, string CategoryAxis, string ValueAxis,
    bool Percent, IReadOnlyList<string> Headers, IReadOnlyList<ChartRow> Rows, string Spec);

/// <summary>
/// The figures of the statistics page's four charts, computed by the same code as the JSON routes
/// (<c>/api/statistics/noncompliance</c>, <c>/discovery</c>, <c>/coverage</c>) so the page, its tables and the API agree.
/// Shares are written with <see cref="SvgCharts.Format"/> (two significant digits below 1 %, never "0 %" for a small share).
/// </summary>
public static class StatisticsCharts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Share(double v) => SvgCharts.Format(v, percent: true);

    public static string Count(long v) => v.ToString("#,0", Inv);

    private static string Range(double lower, double upper) => $"{Share(lower)}–{Share(upper)}";

    /// <summary>Null when the scope is refused (the page checks the actor before, so this does not happen there).</summary>
    public static async Task<IReadOnlyList<ChartView>?> BuildAsync(int year, string? department, HttpContext http, CreditStatisticsStore store,
        TimeProvider time, UiText t, CancellationToken ct)
    {
        var (noncompliance, p1) = await StatisticsApi.ComputeNonCompliance(year, department, "class", http, store, time, ct);
        var (discovery, p2) = await StatisticsApi.ComputeDiscovery(year, department, http, store, time, ct);
        var (coverage, p3) = await StatisticsApi.ComputeCoverage(year, department, http, store, time, ct);
        if (p1 is not null || p2 is not null || p3 is not null) return null;
        var distribution = await store.ClassDistributionAsync(ct);
        return [NonCompliance(noncompliance!, t), Discovery(discovery!, t), Coverage(coverage!, t), Distribution(distribution, t)];
    }

    private static string ClassName(string c, UiText t) => t[$"{c} 类", $"class {c}"];

    /// <summary>"D 类估计违规比例最高：23%（95% 区间 18%–29%）；A 类最低：…" from the rows with an estimate.</summary>
    private static string HighestLowest(IReadOnlyList<ChartRow> rows, string measureZh, string measureEn, UiText t)
    {
        var known = rows.Where(r => r.Value is not null).ToList();
        var high = known.OrderByDescending(r => r.Value).ThenBy(r => r.Label, StringComparer.Ordinal).First();
        var low = known.OrderBy(r => r.Value).ThenBy(r => r.Label, StringComparer.Ordinal).First();
        string Figure(ChartRow r) => Share(r.Value!.Value) + (r.Lower is { } lo && r.Upper is { } hi ? t[$"（95% 区间 {Range(lo, hi)}）", $" (95% interval {Range(lo, hi)})"] : "");
        var text = known.Count == 1
            ? t[$"仅 {ClassName(high.Label, t)}有数据，{measureZh}为 {Figure(high)}", $"Only {ClassName(high.Label, t)} has figures: a {measureEn} of {Figure(high)}"]
            : t[$"{ClassName(high.Label, t)}{measureZh}最高：{Figure(high)}；{ClassName(low.Label, t)}最低：{Figure(low)}",
                $"{Capital(ClassName(high.Label, t))} has the highest {measureEn}: {Figure(high)}; {ClassName(low.Label, t)} the lowest: {Figure(low)}"];
        return text;
    }

    private static string Plural(long n, string one, string many) => n == 1 ? one : many;

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static ChartView NonCompliance(NonComplianceView view, UiText t)
    {
        var rows = view.Domains.Select(d =>
        {
            var e = d.Estimate;
            var known = double.IsFinite(e.Estimate);
            return new ChartRow(d.Domain, known ? e.Estimate : null, known ? e.Wilson.Lower : null, known ? e.Wilson.Upper : null,
            [
                known ? Share(e.Estimate) : t["无法估计", "cannot be estimated"],
                known ? Range(e.Wilson.Lower, e.Wilson.Upper) : "—",
                Count(d.Inspected), Count(d.NonCompliant),
            ]);
        }).ToList();
        var summary = rows.Any(r => r.Value is not null)
            ? HighestLowest(rows, "估计违规比例", "estimated non-compliant share", t) +
              t[$"。基于 {Count(view.Inspected)} 个被检查主体。", $". From {Count(view.Inspected)} inspected {Plural(view.Inspected, "entity", "entities")}."]
            : t["尚无已审核的检查结果，暂无违规比例估计。", "No approved inspection results yet, so no estimate of the non-compliant share."];
        return Make("noncompliance-by-class", "interval",
            t["按信用等级估计的违规比例（95% 置信区间）", "Estimated non-compliant share by credit class (95% intervals)"],
            t[$"Hájek 估计：{Count(view.Tasks)} 个任务中 {Count(view.Inspected)} 个被检查主体（另有 {Count(view.Pending)} 个抽中主体尚无已审核结果），按入样概率加权，附 95% Wilson 区间。",
                $"Hájek estimates from {Count(view.Inspected)} inspected {Plural(view.Inspected, "entity", "entities")} of {Count(view.Tasks)} {Plural(view.Tasks, "task", "tasks")} ({Count(view.Pending)} drawn {Plural(view.Pending, "entity has", "entities have")} no approved result yet), weighted by their inclusion probabilities, with 95% Wilson intervals."],
            summary, t["信用等级", "Credit class"], t["估计违规比例", "Estimated non-compliant share"], percent: true,
            [t["信用等级", "Credit class"], t["估计违规比例", "Estimate"], t["95% 区间", "95% interval"], t["被检查主体数", "Inspected"],
                t["发现违规数", "Non-compliant"]],
            rows, t);
    }

    private static ChartView Discovery(DiscoveryView view, UiText t)
    {
        var rows = view.ByClass.Select(r => new ChartRow(r.Group, r.Rate, r.Wilson.Lower, r.Wilson.Upper,
            [Share(r.Rate), Range(r.Wilson.Lower, r.Wilson.Upper), Count(r.Inspected), Count(r.ProblemsFound)])).ToList();
        var total = view.ByClass.Sum(r => r.Inspected);
        var summary = rows.Count > 0
            ? HighestLowest(rows, "问题发现率", "discovery rate", t) + t[$"。基于 {Count(total)} 个被检查主体。", $". From {Count(total)} inspected {Plural(total, "entity", "entities")}."]
            : t["尚无已审核的检查结果，暂无问题发现率。", "No approved inspection results yet, so no discovery rate."];
        return Make("discovery-by-class", "interval",
            t["按信用等级的问题发现率（95% 置信区间）", "Discovery rate by credit class (95% intervals)"],
            t["各信用等级被检查主体中发现问题的比例（未加权），附 95% Wilson 区间。", "The share of inspected entities of each class in which a problem was found (unweighted), with 95% Wilson intervals."],
            summary, t["信用等级", "Credit class"], t["问题发现率", "Discovery rate"], percent: true,
            [t["信用等级", "Credit class"], t["问题发现率", "Rate"], t["95% 区间", "95% interval"], t["被检查主体数", "Inspected"],
                t["发现问题数", "With problems"]],
            rows, t);
    }

    private static ChartView Coverage(CoverageView view, UiText t)
    {
        var population = view.Burden.Population;
        var rows = view.ByMonth.Select(p =>
        {
            var month = int.Parse(p.Month[5..], Inv);
            var label = t[$"{month}月", CultureInfo.GetCultureInfo("en").DateTimeFormat.GetAbbreviatedMonthName(month)];
            return new ChartRow(label, p.Coverage, null, null, [Count(p.EntitiesVisited), Share(p.Coverage)]);
        }).ToList();
        var last = view.ByMonth.Count == 0 ? null : view.ByMonth[^1];
        var summary = last is null || population == 0
            ? t["名录中没有在业主体，无从计算覆盖率。", "The directory holds no open entities, so there is no coverage to show."]
            : t[$"{view.Year} 年累计覆盖率 {Share(last.Coverage)}：{Count(population)} 个在业主体中有 {Count(last.EntitiesVisited)} 个至少被检查过一次。",
                $"Coverage in {view.Year} so far: {Share(last.Coverage)}, {Count(last.EntitiesVisited)} of {Count(population)} open entities inspected at least once."];
        return Make("coverage", "line",
            t["全年覆盖率（至少检查一次的主体比例）", "Coverage over the year (share of entities inspected at least once)"],
            t[$"自 1 月 1 日起到各月末，{Count(population)} 个在业主体中至少被检查一次（检查结果已审核）的比例；普查计数，没有抽样，因此没有区间。",
                $"The share of the {Count(population)} open entities inspected at least once (with an approved result) from 1 January to each month's end; a census count, no sampling, so no interval."],
            summary, t["月份", "Month"], t["覆盖率", "Coverage"], percent: true,
            [t["月份", "Month"], t["累计被检查主体数", "Entities inspected so far"], t["覆盖率", "Coverage"]],
            rows, t);
    }

    private static ChartView Distribution(IReadOnlyDictionary<string, long> counts, UiText t)
    {
        var classes = new[] { "A", "B", "C", "D" };
        var total = classes.Sum(c => counts.GetValueOrDefault(c));
        var rows = classes.Select(c =>
        {
            var n = counts.GetValueOrDefault(c);
            return new ChartRow(c, n, null, null, [Count(n), total == 0 ? "—" : Share((double)n / total)]);
        }).ToList();
        string summary;
        if (total == 0) summary = t["名录中没有在业主体。", "The directory holds no open entities."];
        else
        {
            var most = rows.OrderByDescending(r => r.Value).ThenBy(r => r.Label, StringComparer.Ordinal).First();
            var least = rows.OrderBy(r => r.Value).ThenBy(r => r.Label, StringComparer.Ordinal).First();
            string Figure(ChartRow r) => t[$"{Count((long)r.Value!)} 个（{Share(r.Value!.Value / total)}）", $"{Count((long)r.Value!)} ({Share(r.Value!.Value / total)})"];
            summary = t[$"{Count(total)} 个在业主体中 {ClassName(most.Label, t)}最多：{Figure(most)}；{ClassName(least.Label, t)}最少：{Figure(least)}。",
                $"Of {Count(total)} open entities, {ClassName(most.Label, t)} has the most: {Figure(most)}; {ClassName(least.Label, t)} the fewest: {Figure(least)}."];
        }
        return Make("class-distribution", "bar",
            t["在业主体的信用等级分布（仅限监管部门）", "Open entities by credit class (regulator only)"],
            t["名录中各信用等级的在业主体数。信用等级不公开，此图仅供监管部门使用。", "Open entities in the directory per credit class. Classes are not published: this chart is for the regulator only."],
            summary, t["信用等级", "Credit class"], t["在业主体数", "Open entities"], percent: false,
            [t["信用等级", "Credit class"], t["在业主体数", "Open entities"], t["占比", "Share"]],
            rows, t);
    }

    private static ChartView Make(string name, string kind, string title, string note, string summary, string categoryAxis, string valueAxis, bool percent,
        IReadOnlyList<string> headers, IReadOnlyList<ChartRow> rows, UiText t)
    {
        var classAxis = name != "coverage";
        // What the browser draws: shares in percentage points (the axis then picks round percentages itself), in the page's words.
        var spec = JsonSerializer.Serialize(new
        {
            kind,
            percent,
            locale = t["ZH", "EN"],
            categoryAxis,
            valueAxis,
            series = valueAxis,
            interval = t["95% 区间", "95% interval"],
            labels = rows.Select(r => r.Label).ToArray(),
            values = rows.Select(r => r.Value is { } v ? (double?)(percent ? v * 100 : v) : null).ToArray(),
            lower = rows.Select(r => r.Lower is { } v ? (double?)(v * 100) : null).ToArray(),
            upper = rows.Select(r => r.Upper is { } v ? (double?)(v * 100) : null).ToArray(),
            // The tooltip says what the table's row says.
            tips = rows.Select(r => (classAxis ? ClassName(r.Label, t) : r.Label) + "\n" +
                string.Join("\n", headers.Skip(1).Zip(r.Cells, (h, c) => $"{h}{t["：", ": "]}{c}"))).ToArray(),
        }, JsonSerializerOptions.Web);
        return new ChartView(name, kind, title, note, summary, categoryAxis, valueAxis, percent, headers, rows, spec);
    }
}
