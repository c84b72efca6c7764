using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.App.Registry;

/// <summary>
/// The list (departments, items) and the two directories (entities, inspectors): search and page through them with the
/// stores and scoping rules of their APIs — inspectors of the user's own department only unless admin.
/// </summary>
public sealed class IndexModel(DepartmentStore departments, InspectionItemStore items, MarketEntityStore entities, InspectorStore inspectors, UiText t,
    Supervision.Core.Reference.ReferenceData reference) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string Kind { get; set; } = "";

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }

    [BindProperty(SupportsGet = true)] public string? Department { get; set; }

    [BindProperty(SupportsGet = true)] public string? Division { get; set; }

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public Actor Actor { get; private set; } = null!;

    public string Title { get; private set; } = "";

    public string ScopeText { get; private set; } = "";

    public string? Error { get; private set; }

    public bool CanCreate { get; private set; }

    public bool ShowsDepartmentFilter => Kind is "items" || (Kind == "inspectors" && Actor.IsAdmin);

    public IReadOnlyList<string> Headers { get; private set; } = [];

    public IReadOnlyList<(string Key, IReadOnlyList<string> Cells)> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        // The registry keeps the entity directory's registered facts (status among them), and sees that directory only; a
        // department's administrator keeps its inspectors.
        if (!Workbench.IsOffice(Actor) && !(Kind == "entities" && Actor.Has(Roles.Registry)) && !(Kind == "inspectors" && Actor.Has(Roles.DepartmentAdmin))) return Forbid();
        var q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
        var department = string.IsNullOrWhiteSpace(Department) ? null : Department.Trim();
        switch (Kind)
        {
            case "departments":
                Title = t["部门", "Departments"];
                ScopeText = t["部门名录公开，所有部门可见", "the department list is public: every department"];
                CanCreate = Actor.IsAdmin;
                Headers = [t["代码", "Code"], t["名称", "Name"], t["上级", "Parent"], t["区划", "Division"], t["公示方式", "Publishing"], t["年度上限", "Yearly cap"]];
                var departmentRows = await departments.ListAsync(q, null, After, PageSize, ct);
                var parents = await DirectoryNames.DepartmentsAsync(departments, departmentRows.Select(d => d.ParentCode).OfType<string>(), ct);
                Rows = departmentRows
                    .Select(d => (d.Code, (IReadOnlyList<string>)[d.Code, d.Name, d.ParentCode is { } parent ? parents[parent] : "",
                        d.DivisionCode is { } code ? Workbench.DivisionName(reference, code, t) : "", Workbench.PublishMode(d.PublishMode, t), d.YearlyCap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""])).ToList();
                break;
            case "items":
                Title = t["检查事项", "Inspection items"];
                ScopeText = department is null ? t["全部部门的事项（事项清单公开）", "items of every department (the item list is public)"] : t["部门", "department"] + " " + department;
                CanCreate = Workbench.CanSchedule(Actor);
                Headers = [t["代码", "Code"], t["名称", "Name"], t["部门", "Department"], t["方式", "Method"], t["结果代码", "Result codes"], t["启用", "Active"]];
                var itemRows = await items.ListAsync(department, q, null, After, PageSize, ct);
                var owners = await DirectoryNames.DepartmentsAsync(departments, itemRows.Select(i => i.DepartmentCode), ct);
                Rows = itemRows
                    .Select(i => (i.Code, (IReadOnlyList<string>)[i.Code, i.Name, owners[i.DepartmentCode], Workbench.ItemMethod(i.Method, t), string.Join(" ", i.ResultCodes), i.Active ? "✓" : "—"])).ToList();
                break;
            case "entities":
                Title = t["市场主体库", "Entity directory"];
                ScopeText = t["全部市场主体（主体库不按部门划分）", "all market entities (the directory is not split by department)"];
                CanCreate = Supervision.Core.Registry.DirectoryAccess.MayMaintainEntities(Actor);
                var division = string.IsNullOrWhiteSpace(Division) ? null : Division.Trim();
                if (division is not null && (division.Length > 6 || !division.All(char.IsAsciiDigit)))
                {
                    Error = t["行政区划只能填写 1–6 位数字。", "The division must be 1–6 digits."];
                    division = null;
                }

                Headers = [t["统一社会信用代码", "Credit code"], t["名称", "Name"], t["类型", "Type"], t["行业", "Industry"], t["区划", "Division"], t["状态", "Status"], t["信用分类", "Class"]];
                Rows = (await entities.ListAsync(new EntityFilter(q, division), After, PageSize, ct))
                    .Select(e => (e.CreditCode, (IReadOnlyList<string>)[e.CreditCode, e.Name,
                        reference.EntityTypes.FirstOrDefault(x => x.Code == e.EntityType) is { } type ? t[type.Name, type.English] : e.EntityType,
                        reference.IndustryDivisionOf(e.IndustryCode)?.Name ?? e.IndustryCode,
                        Workbench.DivisionName(reference, e.DivisionCode, t),
                        reference.EntityStatuses.FirstOrDefault(x => x.Code == e.Status) is { } status ? t[status.Name, status.English] : e.Status,
                        e.CreditClass])).ToList();
                break;
            case "inspectors":
                Title = t["执法人员库", "Inspector directory"];
                if (!Actor.IsAdmin) department = Actor.DepartmentCode ?? "-";
                ScopeText = department is null ? t["全部部门的执法人员", "inspectors of every department"] : t["部门", "department"] + " " + department;
                CanCreate = Actor.IsAdmin || (Actor.DepartmentCode is { } own && Supervision.Core.Registry.DirectoryAccess.MaintainsInspectorsOf(Actor, own));
                Headers = [t["执法证号", "Certificate"], t["姓名", "Name"], t["部门", "Department"], t["有效期至", "Valid until"], t["专长", "Specialties"], t["状态", "Status"]];
                var inspectorRows = await inspectors.ListAsync(department, q, null, null, After, PageSize, ct);
                var units = await DirectoryNames.DepartmentsAsync(departments, inspectorRows.Select(i => i.DepartmentCode), ct);
                Rows = inspectorRows
                    .Select(i => (i.CertificateNo, (IReadOnlyList<string>)[i.CertificateNo, i.Name, units[i.DepartmentCode], i.CertificateExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), string.Join(" ", i.Specialties), Workbench.InspectorStatus(i.Status, t)])).ToList();
                break;
            default:
                return NotFound();
        }

        return Page();
    }
}
