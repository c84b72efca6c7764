using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Infrastructure.Plans;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Plans;

/// <summary>A plan's lines with the names a reader needs beside their codes (the pages' shared table, _PlanLines).</summary>
public sealed record PlanLinesModel(IReadOnlyList<PlanLine> Lines, DirectoryNames Items, DirectoryNames Departments, string TestId);

/// <summary>One line in the workbench's editor (none: the empty line new lines are cloned from); <see cref="Key"/> makes its controls' ids unique.</summary>
public sealed record PlanLineEditorModel(PlanLine? Line, string Key, IReadOnlyList<string> Classes)
{
    public static PlanLineEditorModel For(PlanLine line, IReadOnlyList<string> classes) => new(line, "l" + line.No.ToString(System.Globalization.CultureInfo.InvariantCulture), classes);

    /// <summary>The empty line the page clones for "add a line"; its ids carry "__KEY__" until then.</summary>
    public static PlanLineEditorModel Template(IReadOnlyList<string> classes) => new(null, "__KEY__", classes);
}

/// <summary>The words of plans in the reader's language, and who opens the workbench's plan pages.</summary>
public static class PlanText
{
    /// <summary>The departments' staff (scheduler, reviewer, administrator) and platform admins open the plan pages.</summary>
    public static bool MayOpen(Actor actor) =>
        actor.IsAdmin || actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer) || actor.Has(Roles.DepartmentAdmin);

    public static string State(string state, UiText t) => state switch
    {
        PlanStates.Draft => t["草稿", "draft"],
        PlanStates.Approved => t["已审批，待公布", "approved, not yet published"],
        PlanStates.Published => t["已公布", "published"],
        _ => state,
    };

    public static string DrawType(string type, UiText t) => type switch
    {
        PlanDrawTypes.Random => t["随机抽查", "random inspection"],
        PlanDrawTypes.KeySupervision => t["重点监管", "key supervision"],
        _ => type,
    };

    public static string Frequency(string frequency, UiText t) => frequency switch
    {
        PlanFrequencies.Once => t["一次", "once"],
        PlanFrequencies.Yearly => t["每年一次", "once a year"],
        PlanFrequencies.HalfYearly => t["每半年一次", "twice a year"],
        PlanFrequencies.Quarterly => t["每季度一次", "every quarter"],
        PlanFrequencies.Monthly => t["每月一次", "every month"],
        _ => frequency,
    };

    public static string Months(IEnumerable<int> months, UiText t) =>
        string.Join(t["、", ", "], months.Select(m => UiText.IsEnglish ? System.Globalization.CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(m) : m + "月"));

    /// <summary>The names of the items and departments the lines (of every revision given) name, in one query each.</summary>
    public static async Task<(DirectoryNames Items, DirectoryNames Departments)> NamesAsync(IEnumerable<PlanLine> lines, string owner, InspectionItemStore items,
        DepartmentStore departments, CancellationToken ct)
    {
        var all = lines.ToList();
        return (await DirectoryNames.ItemsAsync(items, all.SelectMany(l => l.Items), ct),
            await DirectoryNames.DepartmentsAsync(departments, all.SelectMany(l => l.JointDepartments).Append(owner), ct));
    }

    /// <summary>The names for a list of published plans' lines.</summary>
    public static Task<(DirectoryNames Items, DirectoryNames Departments)> NamesAsync(IEnumerable<PublishedPlanRow> rows, InspectionItemStore items,
        DepartmentStore departments, CancellationToken ct) =>
        NamesAsync(rows.SelectMany(r => r.Lines), "", items, departments, ct);
}
