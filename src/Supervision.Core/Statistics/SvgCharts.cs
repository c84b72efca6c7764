using System.Globalization;
using System.Security;
using System.Text;

namespace Supervision.Core.Statistics;

/// <summary>One bar: a label, a value and, when known, an interval drawn as a whisker.</summary>
public sealed record ChartBar(string Label, double Value, double? Lower = null, double? Upper = null, string? Note = null);

/// <summary>One point of a line chart.</summary>
public sealed record ChartPoint(string Label, double Value);

/// <summary>The few words the charts write themselves (the value listing in the description), in one language.</summary>
public sealed record ChartWords(string Values, string NoData, string IntervalFrom, string IntervalTo, string IntervalEnd, string Separator, string End)
{
    public static readonly ChartWords English = new(" Values: ", " No data.", " (95% interval ", " to ", ")", "; ", ".");

    public static readonly ChartWords Chinese = new("数值：", "暂无数据。", "（95% 区间 ", "至", "）", "；", "。");
}

/// <summary>
/// Small, dependency-free SVG charts for the regulator's pages: bars with interval whiskers, plain bars, a line.
/// Every chart carries <c>&lt;title&gt;</c> and <c>&lt;desc&gt;</c> (referenced by <c>aria-labelledby</c>) and the
/// numbers themselves as text, so a screen reader and a printed page get the same content as the picture.
/// Pure: same input, same bytes.
/// </summary>
public static class SvgCharts
{
    private const int Width = 640;
    private const int Height = 360;
    private const int Left = 64;
    private const int Right = 24;
    private const int Top = 48;
    private const int Bottom = 56;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Bars with optional whiskers (e.g. a rate per class with its 95% interval).</summary>
    /// <param name="percent">Values are proportions shown as percentages.</param>
    /// <param name="words">The language of the value listing (English when not given).</param>
    public static string Bars(string title, string description, IReadOnlyList<ChartBar> bars, string axisLabel, bool percent, double? maximum = null,
        ChartWords? words = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        words ??= ChartWords.English;
        var max = maximum ?? NiceMaximum(bars.Select(b => Math.Max(b.Value, b.Upper ?? b.Value)).DefaultIfEmpty(0).Max(), percent);
        var sb = Open(title, description + Listing(bars, percent, words));
        Axes(sb, max, axisLabel, percent);
        var plotWidth = Width - Left - Right;
        var slot = bars.Count == 0 ? plotWidth : plotWidth / (double)bars.Count;
        var barWidth = Math.Min(64, slot * 0.6);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var cx = Left + slot * (i + 0.5);
            var y = Y(b.Value, max);
            var h = Y(0, max) - y;
            sb.Append(Inv, $"<g><title>{Esc(b.Label)}: {Format(b.Value, percent)}{Interval(b, percent, words)}</title>");
            sb.Append(Inv, $"<rect x=\"{cx - barWidth / 2:0.#}\" y=\"{y:0.#}\" width=\"{barWidth:0.#}\" height=\"{Math.Max(0, h):0.#}\" fill=\"#3b6ea5\"/>");
            if (b.Lower is { } lo && b.Upper is { } hi)
            {
                var y1 = Y(lo, max);
                var y2 = Y(hi, max);
                sb.Append(Inv, $"<line x1=\"{cx:0.#}\" x2=\"{cx:0.#}\" y1=\"{y1:0.#}\" y2=\"{y2:0.#}\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/>");
                sb.Append(Inv, $"<line x1=\"{cx - 8:0.#}\" x2=\"{cx + 8:0.#}\" y1=\"{y1:0.#}\" y2=\"{y1:0.#}\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/>");
                sb.Append(Inv, $"<line x1=\"{cx - 8:0.#}\" x2=\"{cx + 8:0.#}\" y1=\"{y2:0.#}\" y2=\"{y2:0.#}\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/>");
            }
            sb.Append(Inv, $"<text x=\"{cx:0.#}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\" font-size=\"12\">{Esc(b.Label)}</text>");
            sb.Append(Inv, $"<text x=\"{cx:0.#}\" y=\"{Math.Max(Top - 4, (b.Upper is { } u ? Y(u, max) : y) - 6):0.#}\" text-anchor=\"middle\" font-size=\"12\">{Format(b.Value, percent)}</text>");
            sb.Append("</g>");
        }
        return Close(sb);
    }

    /// <summary>A line over ordered points (e.g. cumulative coverage by month).</summary>
    public static string Line(string title, string description, IReadOnlyList<ChartPoint> points, string axisLabel, bool percent, double? maximum = null,
        ChartWords? words = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        words ??= ChartWords.English;
        var max = maximum ?? NiceMaximum(points.Select(p => p.Value).DefaultIfEmpty(0).Max(), percent);
        var sb = Open(title, description + Listing(points.Select(p => new ChartBar(p.Label, p.Value)).ToList(), percent, words));
        Axes(sb, max, axisLabel, percent);
        var plotWidth = Width - Left - Right;
        var step = points.Count <= 1 ? 0 : plotWidth / (double)(points.Count - 1);
        double X(int i) => points.Count <= 1 ? Left + plotWidth / 2.0 : Left + step * i;
        if (points.Count > 1)
        {
            sb.Append("<polyline fill=\"none\" stroke=\"#3b6ea5\" stroke-width=\"2\" points=\"");
            sb.AppendJoin(' ', points.Select((p, i) => string.Create(Inv, $"{X(i):0.#},{Y(p.Value, max):0.#}")));
            sb.Append("\"/>");
        }
        var labelEvery = Math.Max(1, (int)Math.Ceiling(points.Count / 12.0));
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            sb.Append(Inv, $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(p.Value, max):0.#}\" r=\"3\" fill=\"#3b6ea5\"><title>{Esc(p.Label)}: {Format(p.Value, percent)}</title></circle>");
            if (i % labelEvery == 0)
                sb.Append(Inv, $"<text x=\"{X(i):0.#}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\" font-size=\"12\">{Esc(p.Label)}</text>");
        }
        return Close(sb);
    }

    /// <summary>A round upper bound for the axis: 100% for shares above 50%, otherwise the next 1-2-5 step.</summary>
    public static double NiceMaximum(double value, bool percent)
    {
        if (!(value > 0) || !double.IsFinite(value)) return percent ? 0.1 : 1;
        if (percent && value > 0.5) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
            if (m * magnitude >= value * 1.05) return m * magnitude;
        return 10 * magnitude;
    }

    private static StringBuilder Open(string title, string description)
    {
        var sb = new StringBuilder(4096);
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" font-family=\"sans-serif\">");
        sb.Append(Inv, $"<title id=\"chart-title\">{Esc(title)}</title><desc id=\"chart-desc\">{Esc(description)}</desc>");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
        sb.Append(Inv, $"<text x=\"{Left}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{Esc(title)}</text>");
        return sb;
    }

    private static string Close(StringBuilder sb) => sb.Append("</svg>").ToString();

    private static void Axes(StringBuilder sb, double max, string axisLabel, bool percent)
    {
        var x0 = Left;
        var x1 = Width - Right;
        foreach (var (v, label) in Ticks(max, percent))
        {
            var y = Y(v, max);
            sb.Append(Inv, $"<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#dddddd\"/>");
            sb.Append(Inv, $"<text x=\"{x0 - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"12\">{label}</text>");
        }
        sb.Append(Inv, $"<line x1=\"{x0}\" x2=\"{x0}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#1a1a1a\"/>");
        sb.Append(Inv, $"<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#1a1a1a\"/>");
        sb.Append(Inv, $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\" text-anchor=\"middle\" font-size=\"12\">{Esc(axisLabel)}</text>");
    }

    /// <summary>
    /// The five ticks of the value axis, 0 to <paramref name="max"/>, each written with as many decimals as the step
    /// needs. A small share (a few entities of thousands, e.g. a maximum of 0.05 %) used to be printed to one decimal of a
    /// percent, so every tick read "0%".
    /// </summary>
    public static IReadOnlyList<(double Value, string Label)> Ticks(double max, bool percent)
    {
        var scale = percent ? 100 : 1;
        var decimals = 0;
        while (decimals < 8)
        {
            var ok = true;
            for (var t = 1; t <= 4; t++)
            {
                var shown = max * t / 4 * scale;
                if (Math.Abs(Math.Round(shown, decimals) - shown) > 1e-9 * Math.Max(1, Math.Abs(shown))) ok = false;
            }
            if (ok) break;
            decimals++;
        }
        var format = decimals == 0 ? "#,0" : "#,0." + new string('#', decimals);
        return Enumerable.Range(0, 5).Select(t =>
        {
            var v = max * t / 4;
            return (v, (v * scale).ToString(format, Inv) + (percent ? "%" : ""));
        }).ToList();
    }

    private static double Y(double value, double max)
    {
        var plot = Height - Top - Bottom;
        var v = Math.Clamp(double.IsFinite(value) ? value : 0, 0, max);
        return Height - Bottom - plot * (max <= 0 ? 0 : v / max);
    }

    private static string Listing(IReadOnlyList<ChartBar> bars, bool percent, ChartWords words) =>
        bars.Count == 0 ? words.NoData
            : words.Values + string.Join(words.Separator, bars.Select(b => $"{b.Label} {Format(b.Value, percent)}{Interval(b, percent, words)}")) + words.End;

    private static string Interval(ChartBar b, bool percent, ChartWords words) =>
        b.Lower is { } lo && b.Upper is { } hi ? $"{words.IntervalFrom}{Format(lo, percent)}{words.IntervalTo}{Format(hi, percent)}{words.IntervalEnd}" : "";

    /// <summary>A value as written on the chart: shares as percentages with two significant digits below 1 % (0.04 %, not 0 %).</summary>
    public static string Format(double v, bool percent)
    {
        if (!percent) return v.ToString(Math.Abs(v) >= 100 ? "#,0" : "0.##", Inv);
        var p = v * 100;
        var format = p == 0 || Math.Abs(p) >= 1 ? "0.#" : Math.Abs(p) >= 0.1 ? "0.##" : "0.###";
        return p.ToString(format, Inv) + "%";
    }

    private static string Esc(string text) => SecurityElement.Escape(text) ?? "";
}
