using System.Globalization;
using System.Text.Json.Serialization;

namespace Supervision.Core.Plans;

/// <summary>Where the working revision of an annual plan stands (docs/planning.md).</summary>
public static class PlanStates
{
    /// <summary>Being written by the department's scheduler; not public.</summary>
    public const string Draft = "draft";

    /// <summary>Approved by a second person (the department's administrator or a platform admin); not public yet.</summary>
    public const string Approved = "approved";

    /// <summary>Published: this revision is the plan in force and public, kept with its date.</summary>
    public const string Published = "published";

    public static readonly IReadOnlyList<string> All = [Draft, Approved, Published];
}

/// <summary>How a line's entities are chosen: a random draw (随机抽查) or key supervision (重点监管), 国发〔2019〕5号.</summary>
public static class PlanDrawTypes
{
    public const string Random = "random";
    public const string KeySupervision = "key";

    public static readonly IReadOnlyList<string> All = [Random, KeySupervision];
}

/// <summary>How often a line is carried out in the year (抽查频次).</summary>
public static class PlanFrequencies
{
    public const string Once = "once";
    public const string Yearly = "yearly";
    public const string HalfYearly = "half-yearly";
    public const string Quarterly = "quarterly";
    public const string Monthly = "monthly";

    public static readonly IReadOnlyList<string> All = [Once, Yearly, HalfYearly, Quarterly, Monthly];
}

/// <summary>
/// What a line plans for one credit class in the year (all its batches together): a <see cref="Ratio"/> in percent of the
/// class's entities, in (0, 100], or a <see cref="Count"/> of entities, at least 1 — exactly one of the two.
/// </summary>
public sealed record ClassTarget(string CreditClass, decimal? Ratio, int? Count)
{
    /// <summary>"3%" or "12" as the pages and the CSV show it.</summary>
    public string Text => Ratio is { } r ? r.ToString("0.####", CultureInfo.InvariantCulture) + "%" : Count?.ToString(CultureInfo.InvariantCulture) ?? "";
}

/// <summary>
/// One line of an annual plan: the items inspected, the draw type, a ratio or count per credit class, the frequency, the
/// batches with the month of each, the departments inspecting jointly (by code; none for the department alone) and a note.
/// <see cref="No"/> is the line's number, kept through every revision so that a task's reference to it stays valid.
/// </summary>
public sealed record PlanLine(
    int No,
    IReadOnlyList<string> Items,
    string DrawType,
    IReadOnlyList<ClassTarget> Classes,
    string Frequency,
    int Batches,
    IReadOnlyList<int> Months,
    IReadOnlyList<string> JointDepartments,
    string? Note)
{
    [JsonIgnore]
    public bool IsJoint => JointDepartments.Count > 0;

    /// <summary>The entities the line plans to draw in the year (all batches together) when every class is given as a count; null when a ratio is.</summary>
    [JsonIgnore]
    public int? PlannedEntities => Classes.All(c => c.Count is not null) ? Classes.Sum(c => c.Count!.Value) : null;
}

/// <summary>A line as a client sends it: everything optional, so that what is missing gets a named error. No: a line kept from before; none for a new one.</summary>
public sealed record PlanLineDraft(
    int? No,
    IReadOnlyList<string>? Items,
    string? DrawType,
    IReadOnlyList<ClassTarget>? Classes,
    string? Frequency,
    int? Batches,
    IReadOnlyList<int>? Months,
    IReadOnlyList<string>? JointDepartments,
    string? Note);

/// <summary>A published revision, kept for good: its lines, why it changed (none for the first), who drafted, approved and published it, and when.</summary>
public sealed record PlanRevision(
    int Revision,
    IReadOnlyList<PlanLine> Lines,
    string? Reason,
    string DraftedBy,
    string ApprovedBy,
    DateTimeOffset ApprovedAt,
    string PublishedBy,
    DateTimeOffset PublishedAt,
    DateOnly PublishedOn);

/// <summary>
/// The annual inspection plan (年度抽查计划) of one department for one year: the working revision (its lines, state,
/// drafter and approver; a revision after the first with the reason for the change) and every revision published so far,
/// oldest first. <see cref="Version"/> guards every write.
/// </summary>
public sealed record Plan(
    string DepartmentCode,
    int Year,
    int Revision,
    string State,
    IReadOnlyList<PlanLine> Lines,
    string? Reason,
    string DraftedBy,
    DateTimeOffset DraftedAt,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    IReadOnlyList<PlanRevision> Published,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    long Version)
{
    [JsonIgnore]
    public string Id => PlanIds.Of(DepartmentCode, Year);

    /// <summary>The revision in force: the last one published, or null before the first publication.</summary>
    [JsonIgnore]
    public PlanRevision? InForce => Published.Count == 0 ? null : Published[^1];

    /// <summary>The plan's first publication came after the regime's date for its year (early March, <see cref="PlanWorkflow.PublishBy"/>).</summary>
    [JsonIgnore]
    public bool PublishedLate => Published.Count > 0 ? Published[0].PublishedOn > PlanWorkflow.PublishBy(Year) : false;
}

/// <summary>
/// A task's place in a plan: the plan ("{department}/{year}") and the line's number. The task's lead department and year
/// (its deadline's) must be the plan's, and the plan must be published (<see cref="PlanWorkflow.CheckTaskReference"/>).
/// </summary>
public sealed record PlanReference(
    [property: JsonPropertyName("planId")] string PlanId,
    [property: JsonPropertyName("line")] int Line);

/// <summary>A plan is named by its department and year: "{department}/{year}", which is also its path under /api/plans.</summary>
public static class PlanIds
{
    public static string Of(string departmentCode, int year) => departmentCode + "/" + year.ToString(CultureInfo.InvariantCulture);

    /// <summary>The department and year of an id, or null when it is not of the form "{department}/{yyyy}".</summary>
    public static (string Department, int Year)? Parse(string? id)
    {
        var slash = id?.LastIndexOf('/') ?? -1;
        if (slash <= 0 || id!.Length - slash != 5) return null;
        return int.TryParse(id.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year >= 1000
            ? (id[..slash], year)
            : null;
    }
}
