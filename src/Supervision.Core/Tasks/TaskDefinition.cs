using System.Globalization;
using System.Text.Json.Serialization;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Core.Tasks;

/// <summary>Which market entities a task draws from. Only entities with status 'open' are ever drawable.</summary>
public sealed record PopulationFilter(
    [property: JsonPropertyName("divisionPrefix")] string? DivisionPrefix,
    [property: JsonPropertyName("industryPrefixes")] IReadOnlyList<string> IndustryPrefixes,
    [property: JsonPropertyName("entityTypes")] IReadOnlyList<string> EntityTypes,
    [property: JsonPropertyName("creditClasses")] IReadOnlyList<string> CreditClasses);

/// <summary>Stratified: a count or a ratio for one credit class.</summary>
public sealed record ClassQuota(
    [property: JsonPropertyName("creditClass")] string CreditClass,
    [property: JsonPropertyName("count")] int? Count,
    [property: JsonPropertyName("ratio")] string? Ratio);

/// <summary>
/// Either <c>stratified</c> (per class a count or a ratio; default ratio from the reference data) or
/// <c>pareto</c> (risk-proportional: a total with a weight per class, default A 1, B 2, C 10, D 30).
/// </summary>
public sealed record SamplingRule(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("classes")] IReadOnlyList<ClassQuota> Classes,
    [property: JsonPropertyName("total")] int? Total,
    [property: JsonPropertyName("weights")] IReadOnlyDictionary<string, string> Weights);

/// <summary>A random-inspection task as its scheduler defines it (normalised, defaults applied).</summary>
public sealed record TaskDefinition(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("leadDepartment")] string LeadDepartment,
    [property: JsonPropertyName("participatingDepartments")] IReadOnlyList<string> ParticipatingDepartments,
    [property: JsonPropertyName("items")] IReadOnlyList<string> Items,
    [property: JsonPropertyName("filter")] PopulationFilter Filter,
    [property: JsonPropertyName("sampling")] SamplingRule Sampling,
    [property: JsonPropertyName("teamSize")] int TeamSize,
    [property: JsonPropertyName("deadline")] DateOnly Deadline,
    [property: JsonPropertyName("yearlyCap")] int? YearlyCap,
    [property: JsonPropertyName("workloadCap")] int WorkloadCap)
{
    /// <summary>
    /// The public randomness the seed will wait for (draw-spec §3.3), named in the plan and fixed at the freeze. Null only
    /// in tasks planned before the witnessed ceremony (their seed is v1).
    /// </summary>
    [JsonPropertyName("beacon")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NamedBeacon? Beacon { get; init; }

    /// <summary>The line of its lead department's published annual plan the task carries out (docs/planning.md); null for a task outside a plan.</summary>
    [JsonPropertyName("plan")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Plans.PlanReference? Plan { get; init; }

    /// <summary>
    /// Each department of the task and the task's items that belong to it — what its inspectors must all hold — given
    /// each item's department.
    /// </summary>
    public IReadOnlyList<DepartmentRequirement> Requirements(Func<string, string?> departmentOfItem) =>
        [.. Departments.Select(d => new DepartmentRequirement(d, Items.Where(i => departmentOfItem(i) == d).ToArray()))];

    /// <summary>Lead first, then the participating departments in the order given.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Departments => [LeadDepartment, .. ParticipatingDepartments];

    /// <summary>The credit classes in scope, in code order: the strata of the draw.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Strata => Filter.CreditClasses.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Weight of a class in the snapshot: 1 in stratified mode (weights play no part there), the class weight in Pareto mode.</summary>
    public long WeightMicros(string creditClass) =>
        Sampling.Mode == DrawModes.Pareto ? Draw.Weights.ToMicros(decimal.Parse(Sampling.Weights[creditClass], CultureInfo.InvariantCulture)) : Draw.Weights.Scale;

    /// <summary>The entity-draw parameters for the frozen population (exclusions as fixed at freeze).</summary>
    public EntityDrawParameters ToDrawParameters(IReadOnlyList<MemberExclusion> exclusions) => Sampling.Mode == DrawModes.Pareto
        ? new EntityDrawParameters(DrawModes.Pareto, Strata.Select(s => new StratumRule(s)).ToArray(), Sampling.Total, exclusions)
        : new EntityDrawParameters(DrawModes.Stratified,
            Strata.Select(s => Sampling.Classes.First(c => c.CreditClass == s) is var q && q.Count is { } n ? new StratumRule(s, n) : new StratumRule(s, null, q.Ratio)).ToArray(),
            null, exclusions);
}

/// <summary>The task as a client sends it: everything optional, so that absent fields get named errors or defaults.</summary>
public sealed record TaskDraft(
    string? Name,
    string? LeadDepartment,
    IReadOnlyList<string>? ParticipatingDepartments,
    IReadOnlyList<string>? Items,
    PopulationFilterDraft? Filter,
    SamplingRuleDraft? Sampling,
    int? TeamSize,
    DateOnly? Deadline,
    int? YearlyCap,
    int? WorkloadCap,
    NamedBeacon? Beacon = null,
    Plans.PlanReference? Plan = null);

public sealed record PopulationFilterDraft(string? DivisionPrefix, IReadOnlyList<string>? IndustryPrefixes, IReadOnlyList<string>? EntityTypes, IReadOnlyList<string>? CreditClasses);

public sealed record SamplingRuleDraft(string? Mode, IReadOnlyList<ClassQuota>? Classes, int? Total, IReadOnlyDictionary<string, string>? Weights);

public static class TaskDefinitions
{
    public const int DefaultTeamSize = 2;
    public const int DefaultWorkloadCap = 20;

    /// <summary>Risk-proportional default class weights (relative risk, after the default ratios A 1% B 2% C 10% D 30%).</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultWeights =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["A"] = "1", ["B"] = "2", ["C"] = "10", ["D"] = "30" };

    /// <summary>Normalises a draft and applies defaults; every problem is reported with the field it concerns.</summary>
    /// <summary>
    /// Checks and normalises a draft. With <paramref name="now"/> (creating or changing a task) the beacon is required and
    /// must name a round not yet due; without it (a preview) a beacon is optional and its time is not judged.
    /// </summary>
    public static (TaskDefinition? Definition, IReadOnlyList<FieldError> Errors) Normalize(TaskDraft draft, ReferenceData reference, DateOnly today, DateTimeOffset? now = null)
    {
        var errors = new List<FieldError>();
        if (now is { } instant) errors.AddRange(WitnessCeremony.NameProblems(draft.Beacon, instant));
        else if (draft.Beacon is { } previewed) errors.AddRange(WitnessCeremony.NameProblems(previewed, DateTimeOffset.MinValue));
        var name = draft.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200) errors.Add(FieldError.RequiredText("name", name, 200, "is required, at most 200 characters"));
        else Supervision.Core.Text.TextRules.Check(errors, "name", name);
        var lead = draft.LeadDepartment?.Trim() ?? "";
        if (lead.Length == 0) errors.Add(FieldError.Required("leadDepartment"));
        var participating = (draft.ParticipatingDepartments ?? []).Select(d => (d ?? "").Trim()).ToArray();
        if (participating.Any(d => d.Length == 0)) errors.Add(FieldError.Required("participatingDepartments", "must not contain empty codes"));
        if (participating.Distinct(StringComparer.Ordinal).Count() != participating.Length || participating.Contains(lead, StringComparer.Ordinal))
            errors.Add(FieldError.Duplicate("participatingDepartments", "must list each department once and not repeat the lead department"));
        var items = (draft.Items ?? []).Select(i => (i ?? "").Trim()).ToArray();
        if (items.Length == 0) errors.Add(FieldError.TooFew("items", 1, "name at least one inspection item"));
        if (items.Any(i => i.Length == 0)) errors.Add(FieldError.Required("items", "must not contain empty codes"));
        if (items.Distinct(StringComparer.Ordinal).Count() != items.Length) errors.Add(FieldError.Duplicate("items", "must list each item once"));

        var classCodes = reference.CreditClasses.Select(c => c.Code).ToArray();
        var filter = draft.Filter ?? new PopulationFilterDraft(null, null, null, null);
        var division = string.IsNullOrWhiteSpace(filter.DivisionPrefix) ? null : filter.DivisionPrefix.Trim();
        if (division is not null && (division.Length > 6 || !division.All(char.IsAsciiDigit)))
            errors.Add(FieldError.Format("filter.divisionPrefix", FieldFormats.Digits, "must be 1-6 digits of a GB/T 2260 code", division));
        var industries = (filter.IndustryPrefixes ?? []).Select(i => (i ?? "").Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        if (industries.Any(i => i.Length is 0 or > 5 || !i.All(char.IsAsciiLetterOrDigit)))
            errors.Add(FieldError.Format("filter.industryPrefixes", FieldFormats.IndustryCode, "each must be a GB/T 4754 code prefix (letters and digits, 1-5 characters)"));
        var types = (filter.EntityTypes ?? []).Select(t => (t ?? "").Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (types.Any(t => !reference.IsValidEntityType(t))) errors.Add(FieldError.UnknownValue("filter.entityTypes", types.First(t => !reference.IsValidEntityType(t)), reason: "contains an unknown entity type code"));
        var classes = (filter.CreditClasses is null || filter.CreditClasses.Count == 0 ? classCodes : filter.CreditClasses.Select(c => (c ?? "").Trim().ToUpperInvariant()))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (classes.FirstOrDefault(c => !classCodes.Contains(c, StringComparer.Ordinal)) is { } unknownClass)
        {
            errors.Add(FieldError.UnknownValue("filter.creditClasses", unknownClass, classCodes, $"'{unknownClass}' is not a credit class: each must be one of {string.Join(", ", classCodes)}"));
            // The sampling rule is still checked, over the known classes only (an unknown one has no default ratio or weight).
            classes = classes.Where(c => classCodes.Contains(c, StringComparer.Ordinal)).ToArray();
        }
        else if (classes.Length < classCodes.Length)
        {
            // No class is exempt from a random draw (domain: 不免抽), and a population restricted by class would tell the
            // public each member's confidential class through the published member list (draw-spec §11.1).
            errors.Add(FieldError.Required("filter.creditClasses", missing: classCodes.Except(classes, StringComparer.Ordinal), reason: $"must list every credit class ({string.Join(", ", classCodes)}) or be left out: no class is exempt from a random draw, "
                + $"and a population limited to some classes would make its members' classes public (missing: {string.Join(", ", classCodes.Except(classes, StringComparer.Ordinal))})"));
        }

        var sampling = draft.Sampling ?? new SamplingRuleDraft(null, null, null, null);
        var mode = string.IsNullOrWhiteSpace(sampling.Mode) ? DrawModes.Stratified : sampling.Mode.Trim();
        var quotas = new List<ClassQuota>();
        var weights = new Dictionary<string, string>(StringComparer.Ordinal);
        int? total = null;
        if (mode == DrawModes.Stratified)
        {
            if (sampling.Total is not null) errors.Add(FieldError.Conflict("sampling.total", "applies to mode 'pareto' only; stratified takes a count or a ratio per class", other: "sampling.mode"));
            var given = sampling.Classes ?? [];
            if (given.Any(q => q is null)) errors.Add(FieldError.Required("sampling.classes", "must not contain null entries"));
            given = given.Where(q => q is not null).ToArray();
            foreach (var q in given.Where(q => !classes.Contains(q.CreditClass, StringComparer.Ordinal)))
                errors.Add(FieldError.NotAllowed("sampling.classes", $"class '{q.CreditClass}' is not in the population filter", q.CreditClass, classes));
            if (given.GroupBy(q => q.CreditClass).Any(g => g.Count() > 1)) errors.Add(FieldError.Duplicate("sampling.classes", "list each class once"));
            foreach (var c in classes)
            {
                var q = given.FirstOrDefault(x => x.CreditClass == c);
                if (q is null)
                {
                    var ratio = reference.CreditClasses.First(x => x.Code == c).DefaultRatio;
                    quotas.Add(new ClassQuota(c, null, ratio.ToString("0.######", CultureInfo.InvariantCulture)));
                }
                else if ((q.Count is null) == (q.Ratio is null))
                    errors.Add(FieldError.Conflict("sampling.classes", $"class {c}: give exactly one of count or ratio"));
                else if (q.Count is < 1)
                    errors.Add(FieldError.OutOfRange("sampling.classes", min: 1, actual: q.Count, reason: $"class {c}: count must be at least 1 (no class is exempt from the draw)"));
                else if (q.Ratio is not null && !IsRatio(q.Ratio))
                    errors.Add(FieldError.Format("sampling.classes", FieldFormats.Decimal, $"class {c}: ratio '{q.Ratio}' must be a decimal in (0, 1] with at most 6 fractional digits", q.Ratio));
                else quotas.Add(new ClassQuota(c, q.Count, q.Ratio));
            }
        }
        else if (mode == DrawModes.Pareto)
        {
            if (sampling.Classes is { Count: > 0 }) errors.Add(FieldError.Conflict("sampling.classes", "applies to mode 'stratified' only", other: "sampling.mode"));
            if (sampling.Total is not >= 1) errors.Add(sampling.Total is null ? FieldError.Required("sampling.total", "is required for mode 'pareto' and must be at least 1") : FieldError.OutOfRange("sampling.total", min: 1, actual: sampling.Total, reason: "is required for mode 'pareto' and must be at least 1"));
            total = sampling.Total;
            foreach (var c in classes)
            {
                var w = sampling.Weights is not null && sampling.Weights.TryGetValue(c, out var given) ? (given ?? "").Trim() : DefaultWeights.GetValueOrDefault(c, "1");
                if (!decimal.TryParse(w, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !IsWeight(value))
                    errors.Add(FieldError.Format("sampling.weights", FieldFormats.Decimal, $"class {c}: weight '{w}' must be a positive decimal with at most 6 fractional digits", w));
                else weights[c] = Draw.Weights.Format(Draw.Weights.ToMicros(value));
            }
            if (sampling.Weights is not null)
            {
                foreach (var k in sampling.Weights.Keys.Where(k => !classes.Contains(k, StringComparer.Ordinal)))
                    errors.Add(FieldError.NotAllowed("sampling.weights", $"class '{k}' is not in the population filter", k, classes));
            }
        }
        else
        {
            errors.Add(FieldError.UnknownValue("sampling.mode", mode, [DrawModes.Stratified, DrawModes.Pareto], "must be 'stratified' or 'pareto'"));
        }

        var teamSize = draft.TeamSize ?? DefaultTeamSize;
        if (teamSize < 2) errors.Add(FieldError.OutOfRange("teamSize", min: 2, actual: teamSize, reason: "must be at least 2 (the legal floor for an enforcement team)"));
        else if (teamSize < 1 + participating.Length) errors.Add(FieldError.OutOfRange("teamSize", min: 1 + participating.Length, actual: teamSize, reason: "must be at least the number of departments, so each has a member on every team"));
        else if (teamSize > 20) errors.Add(FieldError.OutOfRange("teamSize", max: 20, actual: teamSize));
        if (draft.Deadline is not { } deadline) { errors.Add(FieldError.Required("deadline")); deadline = default; }
        else if (deadline < today) errors.Add(FieldError.TooEarly("deadline", "must not be in the past", limit: today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        if (draft.YearlyCap is < 1) errors.Add(FieldError.OutOfRange("yearlyCap", min: 1, actual: draft.YearlyCap, reason: "must be at least 1 when given"));
        var workload = draft.WorkloadCap ?? DefaultWorkloadCap;
        if (workload < 1) errors.Add(FieldError.OutOfRange("workloadCap", min: 1, actual: workload));
        errors.AddRange(Plans.PlanWorkflow.ReferenceProblems(draft.Plan));

        if (errors.Count > 0) return (null, errors);
        return (new TaskDefinition(name, lead, participating, items, new PopulationFilter(division, industries, types, classes),
            new SamplingRule(mode, quotas, total, weights), teamSize, deadline, draft.YearlyCap, workload)
        {
            Beacon = draft.Beacon is { } beacon ? WitnessCeremony.Normalize(beacon) : null,
            Plan = draft.Plan is { } plan ? plan with { PlanId = plan.PlanId.Trim() } : null,
        }, errors);
    }

    private static bool IsRatio(string text)
    {
        var dot = text.IndexOf('.');
        var integer = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (integer is not ("0" or "1")) return false;
        if (dot >= 0 && (fraction.Length is 0 or > 6 || !fraction.All(char.IsAsciiDigit))) return false;
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        return value is > 0 and <= 1;
    }

    private static bool IsWeight(decimal value)
    {
        var scaled = value * Draw.Weights.Scale;
        return scaled == decimal.Truncate(scaled) && scaled > 0 && scaled <= Draw.Weights.MaxMicros;
    }
}
