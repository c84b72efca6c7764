using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Draw;
using Supervision.Core.Statistics;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Api.Statistics;

public sealed record EstimateView(string Domain, int Inspected, int NonCompliant, ProportionEstimate Estimate);

public sealed record NonComplianceView(int Year, string? Department, string By, string Design, int Tasks, int Drawn, int Inspected, int Pending,
    EstimateView Overall, IReadOnlyList<EstimateView> Domains, string Note);

public sealed record CoveragePoint(string Month, long EntitiesVisited, double Coverage);

public sealed record CoverageView(int Year, string? Department, BurdenSummary Burden, IReadOnlyList<CoveragePoint> ByMonth, string Note);

public sealed record DiscoveryView(int Year, string? Department, IReadOnlyList<DiscoveryRate> ByClass, CalibrationReport? Calibration, string? CalibrationNote);

/// <summary>What the statistics routes need, bundled (as eShop's services records).</summary>
public sealed record StatisticsServices(CreditStatisticsStore Store, SqlStore Sql, TimeProvider Time);

/// <summary>
/// Design-based statistics from the committed draws (docs/credit-model.md §3–5 and "Statistics service"). Staff only and
/// department-scoped: a scheduler or reviewer sees the tasks of their own department (asking for another is 403); an admin
/// sees every task or one department's. Inclusion probabilities are the ones recorded with each draw.
/// </summary>
public static class StatisticsApi
{
    private static readonly string[] Groupings = ["department", "industry", "division", "class"];

    /// <summary>Estimates can be undefined (no variance, a class with no inspections): those numbers are written as null, not as a failure.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new NonFiniteAsNull(), new JsonStringEnumConverter() },
    };

    private static readonly string[] CreditClassNames = ["A", "B", "C", "D"];

    private static JsonHttpResult<T> Figures<T>(T value) => TypedResults.Json(value, Json);

    /// <summary>A computed view as figures, or the refusal met on the way (year, scope, grouping).</summary>
    private static Results<JsonHttpResult<T>, ValidationProblem, ProblemHttpResult> FiguresOrRefusal<T>((T? View, Results<ValidationProblem, ProblemHttpResult>? Problem) computed)
        where T : class =>
        computed.Problem is { } problem ? problem.Widen<JsonHttpResult<T>>() : Figures(computed.View!);

    private sealed class NonFiniteAsNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    public static IEndpointRouteBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/api/statistics").WithTags("Statistics").RequireAuthorization(Policies.Staff);
        stats.MapGet("/noncompliance", NonCompliance)
            .WithSummary("Estimated share of non-compliant entities (Hájek/Horvitz–Thompson from the draws' inclusion probabilities) with 95% intervals, by department, industry, division or class.");
        stats.MapGet("/coverage", Coverage).WithSummary("Coverage (entities inspected at least once in the year), burden (visits per entity) and coverage by month.");
        stats.MapGet("/discovery", Discovery).WithSummary("Discovery rate per credit class with Wilson and Clopper–Pearson intervals, and the class calibration report.");
        stats.MapGet("/indicators", RegimeIndicators)
            .WithSummary("The regime's own indicators for a year: results published within their deadline (20 working days after approval) among those first published, approved results past it and unpublished, the joint-inspection share, and the abnormal-operations list's listings, removals and escalations (listings).");
        stats.MapGet("/charts/{name}.svg", Chart)
            .WithSummary("Charts as SVG: noncompliance-by-class, discovery-by-class, class-distribution, coverage (same query parameters as the data routes; lang=zh for Chinese titles and axis names, English otherwise).");
        return app;
    }

    /// <summary>Resolves the department scope: staff see their own; admins anything (null = all).</summary>
    private static bool TryScope(HttpContext http, string? department, out string? scope, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var ok = DepartmentScope.TryResolve(http, department, out scope, out var forbidden);
        problem = forbidden;
        return ok;
    }

    internal static bool TryYear(int? year, TimeProvider time, out int value, [NotNullWhen(false)] out ValidationProblem? problem)
    {
        value = year ?? time.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).Year;
        problem = null;
        if (value is < 2000 or > 2100)
        {
            problem = Problems.Validation(FieldError.OutOfRange("year", 2000, 2100, reason: "must be a year between 2000 and 2100"));
            return false;
        }
        return true;
    }

    internal static async Task<(NonComplianceView? View, Results<ValidationProblem, ProblemHttpResult>? Problem)> ComputeNonCompliance(int? year, string? department, string? by, HttpContext http,
        CreditStatisticsStore store, TimeProvider time, CancellationToken ct)
    {
        var grouping = by ?? "class";
        if (!Groupings.Contains(grouping, StringComparer.Ordinal))
            return (null, Problems.Validation(FieldError.UnknownValue("by", null, Groupings)));
        if (!TryYear(year, time, out var y, out var yp)) return (null, yp);
        if (!TryScope(http, department, out var scope, out var sp)) return (null, sp);
        var tasks = await store.TasksAsync(CreditStatisticsStore.YearStart(y), CreditStatisticsStore.YearStart(y + 1), scope, ct);
        var sample = await store.SampleAsync(tasks, ct);
        var inspected = sample.Where(s => s.Inspected).ToList();
        var design = tasks.Count > 0 && tasks.All(t => t.Mode == DrawModes.Stratified) ? SampleDesign.StratifiedSrs
            : tasks.All(t => t.Mode == DrawModes.Pareto) && tasks.Count == 1 ? SampleDesign.Pareto : SampleDesign.WithReplacementApproximation;
        // Each task samples its own frozen population: its strata are (task, class), so pooled estimates stay design-based.
        var units = inspected.Select(s => new SampledUnit($"{s.TaskId}|{s.Stratum}", s.InclusionProbability, s.ProblemFound)).ToList();
        string Domain(SampledEntity s) => grouping switch
        {
            "department" => s.LeadDepartment,
            "industry" => s.IndustryCode.Length >= 2 ? s.IndustryCode[..2] : "(unknown)",
            "division" => s.DivisionCode.Length >= 4 ? s.DivisionCode[..4] + "00" : "(unknown)",
            _ => s.Stratum,
        };
        EstimateView Empty(string d) => new(d, 0, 0, new ProportionEstimate(double.NaN, double.NaN, new ConfidenceInterval(0, 1, "none"),
            new ConfidenceInterval(0, 1, "none"), 0, 0, 0, 0.95, "no inspected entities"));
        var overall = units.Count == 0 ? Empty("all")
            : new EstimateView("all", units.Count, units.Count(u => u.NonCompliant), DesignEstimators.Hajek(units, design));
        var domains = new List<EstimateView>();
        if (units.Count > 0)
        {
            var labels = inspected.Select(Domain).ToList();
            foreach (var d in DesignEstimators.ByDomain(units, labels, design).OrderBy(d => d.Domain, StringComparer.Ordinal))
            {
                var members = inspected.Where((s, i) => labels[i] == d.Domain).ToList();
                domains.Add(new EstimateView(d.Domain, members.Count, members.Count(m => m.ProblemFound), d.Estimate));
            }
        }
        var note = "Hájek ratio estimates over the inspected drawn entities of the tasks whose entity draw was committed in the year (Beijing time), " +
            "weighted by 1/π with π as recorded by each draw; strata are (task, class at freeze). Drawn entities without an approved result yet are " +
            "left out (counted in 'pending'), which assumes they resemble the inspected ones of their stratum. Industry and division are the directory's current values.";
        return (new NonComplianceView(y, scope, grouping, design.ToString(), tasks.Count, sample.Count, inspected.Count, sample.Count - inspected.Count,
            overall, domains, note), null);
    }

    private static async Task<Results<JsonHttpResult<NonComplianceView>, ValidationProblem, ProblemHttpResult>> NonCompliance(int? year, string? department, string? by,
        HttpContext http, [AsParameters] StatisticsServices s, CancellationToken ct) =>
        FiguresOrRefusal(await ComputeNonCompliance(year, department, by, http, s.Store, s.Time, ct));

    internal static async Task<(CoverageView? View, Results<ValidationProblem, ProblemHttpResult>? Problem)> ComputeCoverage(int? year, string? department, HttpContext http, CreditStatisticsStore store,
        TimeProvider time, CancellationToken ct)
    {
        if (!TryYear(year, time, out var y, out var yp)) return (null, yp);
        if (!TryScope(http, department, out var scope, out var sp)) return (null, sp);
        IReadOnlySet<string>? taskIds = null;
        if (scope is not null)
        {
            var tasks = await store.TasksAsync(CreditStatisticsStore.YearStart(y - 1), CreditStatisticsStore.YearStart(y + 1), scope, ct);
            taskIds = tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        }
        var visits = await store.VisitsAsync(new DateOnly(y, 1, 1), new DateOnly(y + 1, 1, 1), taskIds, ct);
        var population = await store.OpenEntitiesAsync(ct);
        var perEntity = visits.GroupBy(v => v.Entity, StringComparer.Ordinal).Select(g => g.Count()).ToList();
        // An empty directory (a new installation without the demo) has no coverage to speak of: zeros, as the months say, not a 500.
        var burden = Math.Max(population, perEntity.Count) == 0 ? new BurdenSummary(0, 0, 0, 0, 0, 0, 0, [0, 0, 0, 0], 0)
            : Indicators.Burden(Math.Max(population, perEntity.Count), perEntity);
        var firstVisit = visits.GroupBy(v => v.Entity, StringComparer.Ordinal).Select(g => g.Min(v => v.InspectedOn)).ToList();
        var byMonth = Enumerable.Range(1, 12).Select(m =>
        {
            var end = new DateOnly(y, m, 1).AddMonths(1);
            var visited = firstVisit.LongCount(d => d < end);
            return new CoveragePoint($"{y}-{m:D2}", visited, population == 0 ? 0 : (double)visited / population);
        }).ToList();
        var note = "Population: open entities in the directory now. Visits: inspections with an approved result whose visit fell in the year" +
            (scope is null ? "." : $", in tasks of {scope}.") + " A census count: no sampling, so no interval.";
        return (new CoverageView(y, scope, burden, byMonth, note), null);
    }

    private static async Task<Results<JsonHttpResult<RegimeIndicators>, ValidationProblem, ProblemHttpResult>> RegimeIndicators(int? year, string? department,
        HttpContext http, [AsParameters] StatisticsServices s, CancellationToken ct)
    {
        if (!TryYear(year, s.Time, out var y, out var yp)) return yp;
        if (!TryScope(http, department, out var scope, out var sp)) return sp;
        var today = Supervision.Core.Calendar.ChinaTime.DateOf(s.Time.GetUtcNow()); // the regulator's day, as every deadline counts it
        return Figures(await RegimeIndicatorsQuery.ReadAsync(s.Sql, y, CreditStatisticsStore.YearStart(y), CreditStatisticsStore.YearStart(y + 1), today, scope, ct));
    }

    private static async Task<Results<JsonHttpResult<CoverageView>, ValidationProblem, ProblemHttpResult>> Coverage(int? year, string? department, HttpContext http,
        [AsParameters] StatisticsServices s, CancellationToken ct) =>
        FiguresOrRefusal(await ComputeCoverage(year, department, http, s.Store, s.Time, ct));

    internal static async Task<(DiscoveryView? View, Results<ValidationProblem, ProblemHttpResult>? Problem)> ComputeDiscovery(int? year, string? department, HttpContext http, CreditStatisticsStore store,
        TimeProvider time, CancellationToken ct)
    {
        if (!TryYear(year, time, out var y, out var yp)) return (null, yp);
        if (!TryScope(http, department, out var scope, out var sp)) return (null, sp);
        var tasks = await store.TasksAsync(CreditStatisticsStore.YearStart(y), CreditStatisticsStore.YearStart(y + 1), scope, ct);
        var inspected = (await store.SampleAsync(tasks, ct)).Where(s => s.Inspected).ToList();
        var rates = Indicators.DiscoveryRates(inspected.Select(s => (s.Stratum, s.ProblemFound)));
        CalibrationReport? calibration = null;
        string? note = null;
        var classes = inspected.GroupBy(s => s.Stratum, StringComparer.Ordinal)
            .Where(g => g.Key is "A" or "B" or "C" or "D")
            .Select(g => new ClassOutcomes(g.Key, g.Key[0] - 'A', g.LongCount(), g.LongCount(s => s.ProblemFound)))
            .OrderBy(c => c.Order).ToList();
        if (classes.Count < 2) note = "Calibration needs inspected entities in at least two classes.";
        else
        {
            try
            {
                calibration = CreditCalibration.Fit(classes);
            }
            catch (ArgumentException e)
            {
                note = "Calibration could not be fitted: " + e.Message;
            }
        }
        return (new DiscoveryView(y, scope, rates, calibration, note), null);
    }

    private static async Task<Results<JsonHttpResult<DiscoveryView>, ValidationProblem, ProblemHttpResult>> Discovery(int? year, string? department, HttpContext http,
        [AsParameters] StatisticsServices s, CancellationToken ct) =>
        FiguresOrRefusal(await ComputeDiscovery(year, department, http, s.Store, s.Time, ct));

    private static async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> Chart(string name, int? year, string? department, string? lang,
        HttpContext http, [AsParameters] StatisticsServices s, CancellationToken ct)
    {
        // Titles, descriptions and axis names in English unless lang=zh asks for Chinese (the picture's words only; the figures are the same).
        var zh = lang is "zh" or "zh-CN";
        string L(string chinese, string english) => zh ? chinese : english;
        var words = zh ? ChartWords.Chinese : ChartWords.English;
        string svg;
        switch (name)
        {
            case "noncompliance-by-class":
            {
                var (view, problem) = await ComputeNonCompliance(year, department, "class", http, s.Store, s.Time, ct);
                if (problem is not null) return problem.Widen<ContentHttpResult>();
                svg = SvgCharts.Bars(L($"{view!.Year} 年按信用等级估计的违规比例", $"Estimated non-compliant share by credit class, {view!.Year}"),
                    L($"基于 {view.Tasks} 个任务中 {view.Inspected} 个被检查主体的 Hájek 估计{Scope(view.Department, zh)}，附 95% Wilson 区间。",
                        $"Hájek estimates from {view.Inspected} inspected entities of {view.Tasks} tasks{Scope(view.Department, zh)}, with 95% Wilson intervals."),
                    view.Domains.Select(d => new ChartBar(d.Domain, Finite(d.Estimate.Estimate), d.Estimate.Wilson.Lower, d.Estimate.Wilson.Upper)).ToList(),
                    L("违规比例", "non-compliant share"), percent: true, words: words);
                break;
            }
            case "discovery-by-class":
            {
                var (view, problem) = await ComputeDiscovery(year, department, http, s.Store, s.Time, ct);
                if (problem is not null) return problem.Widen<ContentHttpResult>();
                svg = SvgCharts.Bars(L($"{view!.Year} 年按信用等级的问题发现率", $"Discovery rate by credit class, {view!.Year}"),
                    L($"各信用等级被检查主体中发现问题的比例{Scope(view.Department, zh)}，附 95% Wilson 区间。",
                        $"Problems found among inspected entities per class{Scope(view.Department, zh)}, with 95% Wilson intervals."),
                    view.ByClass.Select(r => new ChartBar(r.Group, r.Rate, r.Wilson.Lower, r.Wilson.Upper)).ToList(), L("发现率", "discovery rate"), percent: true,
                    words: words);
                break;
            }
            case "class-distribution":
            {
                if (!TryScope(http, department, out _, out var problem)) return problem!;
                var counts = await s.Store.ClassDistributionAsync(ct);
                svg = SvgCharts.Bars(L("在业主体的信用等级分布", "Open market entities by credit class"),
                    L("名录中各信用等级的在业主体数（保密：仅限监管部门）。", "Number of open entities in the directory per credit class (confidential: regulator only)."),
                    CreditClassNames.Select(c => new ChartBar(c, counts.GetValueOrDefault(c))).ToList(), L("主体数", "entities"), percent: false,
                    words: words);
                break;
            }
            case "coverage":
            {
                var (view, problem) = await ComputeCoverage(year, department, http, s.Store, s.Time, ct);
                if (problem is not null) return problem.Widen<ContentHttpResult>();
                svg = SvgCharts.Line(L($"{view!.Year} 年覆盖率", $"Coverage over {view!.Year}"),
                    L($"自 1 月 1 日起至各月末至少被检查一次的在业主体比例{Scope(view.Department, zh)}。",
                        $"Share of open entities inspected at least once since 1 January, by month end{Scope(view.Department, zh)}."),
                    view.ByMonth.Select(p => new ChartPoint(p.Month[5..], p.Coverage)).ToList(), L("已检查主体比例", "entities inspected"), percent: true,
                    words: words);
                break;
            }
            default:
                return Problems.NotFound("chart", name);
        }
        return TypedResults.Text(svg, "image/svg+xml; charset=utf-8");
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;

    private static string Scope(string? department, bool zh) =>
        department is null ? "" : zh ? $"（部门 {department}）" : string.Create(CultureInfo.InvariantCulture, $", department {department}");
}
