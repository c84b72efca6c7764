using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Supervision.Core.Identity;

namespace Supervision.Api.Web;

/// <summary>Small helpers the workbench pages share: who may open which page, the scope line, and inline SVG charts.</summary>
public static class Workbench
{
    /// <summary>Task pages, review and the directories: the roles the task and directory APIs serve.</summary>
    public static bool IsOffice(Actor actor) => actor.IsAdmin || actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer);

    public static bool CanSchedule(Actor actor) => actor.IsAdmin || actor.Has(Roles.Scheduler);

    /// <summary>The line every list shows: whose records the list can contain.</summary>
    public static IHtmlContent Scope(Actor actor, UiText t, string? extra = null)
    {
        var who = actor.IsAdmin
            ? t["全部部门（平台管理员）", "All departments (platform administrator)"]
            : actor.DepartmentCode is { } d ? t["本部门", "Your department"] + " " + d : t["无部门", "No department"];
        var text = t["数据范围", "Scope"] + ": " + who + (extra is null ? "" : " · " + extra);
        return new HtmlString($"<p class=\"scope-note\" data-testid=\"scope\">{HtmlEncoder.Default.Encode(text)}</p>");
    }

    /// <summary>
    /// A horizontal bar chart as inline SVG (no script, no external file): one bar per label, scaled to the largest
    /// value, the number written after each bar. Accessible name = <paramref name="title"/>; the data is also in the text.
    /// </summary>
    public static IHtmlContent Bars(string title, IReadOnlyList<(string Label, long Value)> bars, string testId)
    {
        const int labelWidth = 150, barWidth = 220, row = 26, valueWidth = 60;
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var height = Math.Max(1, bars.Count) * row + 4;
        var e = HtmlEncoder.Default;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" data-testid=\"{e.Encode(testId)}\" role=\"img\" aria-label=\"{e.Encode(title)}\" viewBox=\"0 0 {labelWidth + barWidth + valueWidth} {height}\" width=\"{labelWidth + barWidth + valueWidth}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append("<title>").Append(e.Encode(title)).Append("</title>");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var y = i * row + 2;
            var w = value == 0 ? 0 : Math.Max(2, (int)Math.Round((double)value / max * barWidth));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 6}\" y=\"{y + 17}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1a1a1a\">{e.Encode(label)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{w}\" height=\"{row - 8}\" fill=\"#0b4f9c\"><title>{e.Encode(label)}: {value}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + w + 6}\" y=\"{y + 17}\" font-size=\"13\" fill=\"#1a1a1a\">{value}</text>");
        }

        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    /// <summary>Task status in the reader's language.</summary>
    public static string TaskStatus(string status, UiText t) => status switch
    {
        "draft" => t["草稿", "Draft"],
        "published" => t["已发布", "Published"],
        "frozen" => t["名单已冻结", "Population frozen"],
        "entities_drawn" => t["已抽取主体", "Entities drawn"],
        "inspectors_drawn" => t["已抽取人员", "Inspectors drawn"],
        "cancelled" => t["已取消", "Cancelled"],
        _ => status,
    };

    /// <summary>Where a task's seed ceremony is (draw-spec §3.3), in the reader's language.</summary>
    public static string CeremonyPhase(string phase, UiText t) => phase switch
    {
        Core.Draw.WitnessCeremony.Committing => t["见证人提交承诺中", "witnesses are committing"],
        Core.Draw.WitnessCeremony.Revealing => t["承诺已截止，见证人揭示中", "commitments closed, witnesses revealing"],
        Core.Draw.WitnessCeremony.Ready => t["种子已确定，可以抽取", "the seed is fixed, ready to draw"],
        _ => phase,
    };

    /// <summary>A sampling mode in the reader's language (the public and the workbench never read the internal value).</summary>
    public static string SamplingMode(string mode, UiText t) => mode switch
    {
        Core.Draw.DrawModes.Stratified => t["按信用风险分类分层抽取", "stratified by credit-risk class"],
        Core.Draw.DrawModes.Pareto => t["按信用风险加权抽取", "weighted by credit risk"],
        _ => mode,
    };

    /// <summary>Why members were left out of a draw at freeze, in the reader's language.</summary>
    public static string ExclusionReason(string reason, UiText t) => reason switch
    {
        Core.Tasks.FreezeRules.YearlyCapReason => t["本事项年度抽查次数已满", "already inspected for this item as often as the year allows"],
        Core.Tasks.FreezeRules.DepartmentCapReason => t["本部门年度抽查次数已满", "already inspected by this department as often as the year allows"],
        _ => reason,
    };

    /// <summary>
    /// The response header with which a page tells the service worker (wwwroot/sw.js) to keep a copy for offline use:
    /// only pages holding the signed-in inspector's own work (their home, their assignments, the form of an inspection
    /// they are on). The layout marks such a page's body too (<c>data-offline="keep"</c>).
    /// </summary>
    public const string OfflineHeader = "Supervision-Offline";

    public static void KeepOffline(HttpResponse response) => response.Headers[OfflineHeader] = "keep";

    public static bool IsKeptOffline(HttpResponse response) => response.Headers[OfflineHeader] == "keep";

    /// <summary>Inspection state in the reader's language.</summary>
    public static string InspectionState(string state, UiText t) => state switch
    {
        "Assigned" => t["已派发", "Assigned"],
        "Draft" => t["草稿", "Draft"],
        "Signed" => t["已签名", "Signed"],
        "Submitted" => t["已提交", "Submitted"],
        "UnderReview" => t["审核中", "Under review"],
        "Returned" => t["已退回", "Returned"],
        "Approved" => t["已审核", "Approved"],
        "Published" => t["已公示", "Published"],
        _ => state,
    };
}
