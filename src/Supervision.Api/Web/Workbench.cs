using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Supervision.Core.Identity;

namespace Supervision.Api.Web;

/// <summary>Small helpers the workbench pages share: who may open which page, the scope line, and small bar tables.</summary>
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
    /// A small bar chart that is its own data table: one row per label with its number written out and a bar beside it
    /// (scaled to <c>Of</c> when given — "3 / 5" — else to the largest value). The words and numbers are the table's, in
    /// the page's font at the page's size, so they stay legible on a phone and under zoom (the former inline SVG carried
    /// its text inside and shrank it with the picture); the bar is an inline SVG of rectangles only, hidden from screen
    /// readers, which read the table. No script and no style attribute (the policy allows none).
    /// </summary>
    public static IHtmlContent Bars(string caption, string labelHeader, string valueHeader, IReadOnlyList<(string Label, long Value, long? Of)> bars,
        string testId)
    {
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var e = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<table class=\"bar-table\" data-testid=\"{e.Encode(testId)}\"><caption class=\"visually-hidden\">{e.Encode(caption)}</caption>");
        html.Append(CultureInfo.InvariantCulture, $"<thead><tr><th scope=\"col\">{e.Encode(labelHeader)}</th><th scope=\"col\">{e.Encode(valueHeader)}</th></tr></thead><tbody>");
        foreach (var (label, value, of) in bars)
        {
            var scale = of is > 0 ? of.Value : max;
            var width = value <= 0 ? 0 : Math.Max(1, Math.Round(100.0 * Math.Min(value, scale) / scale, 1));
            var text = of is { } total ? $"{value} / {total}" : value.ToString(CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{e.Encode(label)}</th><td><span class=\"bar-cell\"><span class=\"bar-value\">{e.Encode(text)}</span>");
            html.Append(CultureInfo.InvariantCulture,
                $"<svg class=\"bar-graphic\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" width=\"100%\" height=\"14\"><rect width=\"100\" height=\"10\" fill=\"#e6e9ee\"/><rect width=\"{width:0.#}\" height=\"10\" fill=\"#0b4f9c\"/></svg></span></td></tr>");
        }
        html.Append("</tbody></table>");
        return new HtmlString(html.ToString());
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

    /// <summary>A GB/T 2260 division by name in the reader's language (its code when the reference data has no name).</summary>
    public static string DivisionName(Core.Reference.ReferenceData reference, string code, UiText t) =>
        reference.DivisionFullName(code) is { Length: > 0 } name ? t[name, reference.DivisionEnglishName(code) ?? name] : code;

    /// <summary>A department's publishing mode in words.</summary>
    public static string PublishMode(string mode, UiText t) => mode switch
    {
        "automatic" => t["审核通过即公示", "published on approval"],
        "publisher" => t["由公示人发布", "released by a publisher"],
        _ => mode,
    };

    /// <summary>How an item is checked, in words.</summary>
    public static string ItemMethod(string method, UiText t) => method.Replace('-', '_') switch
    {
        Core.Registry.InspectionMethods.OnSite => t["现场检查", "on site"],
        Core.Registry.InspectionMethods.Written => t["书面检查", "in writing"],
        Core.Registry.InspectionMethods.Online => t["网络检查", "online"],
        _ => method,
    };

    /// <summary>An inspector's directory status in words.</summary>
    public static string InspectorStatus(string status, UiText t) => status switch
    {
        Core.Registry.InspectorStatusCodes.Active => t["在岗", "active"],
        Core.Registry.InspectorStatusCodes.Inactive => t["停用", "inactive"],
        _ => status,
    };

    /// <summary>An import job's kind and state in words.</summary>
    public static string ImportKind(string kind, UiText t) => kind switch
    {
        "entities" => t["市场主体", "entities"],
        "inspectors" => t["执法人员", "inspectors"],
        _ => kind,
    };

    public static string ImportStatus(string status, UiText t) => status switch
    {
        "running" => t["导入中", "running"],
        "completed" => t["已完成", "completed"],
        "failed" => t["失败", "failed"],
        _ => status,
    };

    /// <summary>A credit record's kind in words (the entity's own credit page).</summary>
    public static string CreditEventKind(string kind, UiText t) =>
        Enum.TryParse<Core.Credit.CreditEventKind>(kind, ignoreCase: true, out var parsed) && !kind.All(char.IsAsciiDigit) ? CreditEventKind(parsed, t) : kind;

    public static string CreditEventKind(Core.Credit.CreditEventKind kind, UiText t) => kind switch
    {
        Core.Credit.CreditEventKind.InspectionOutcome => t["检查结果", "inspection outcome"],
        Core.Credit.CreditEventKind.CorrectionDone => t["按期整改", "corrected in time"],
        Core.Credit.CreditEventKind.CorrectionMissed => t["逾期未整改", "correction missed"],
        Core.Credit.CreditEventKind.AbnormalListed => t["列入经营异常名录", "listed as abnormal"],
        Core.Credit.CreditEventKind.AbnormalRemoved => t["移出经营异常名录", "removed from the abnormal list"],
        Core.Credit.CreditEventKind.ExternalPenalty => t["行政处罚", "administrative penalty"],
        Core.Credit.CreditEventKind.SeriousViolationListed => t["列入严重违法失信名单", "listed for serious violations"],
        _ => kind.ToString(),
    };

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
