using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.App.Registry;

/// <summary>One field of a record form: the API's JSON name, its label, and how the browser turns the input into JSON.</summary>
public sealed record RecordField(string Name, string Chinese, string English, string Type, string? Value, bool Key = false, bool Checked = false);

/// <summary>
/// Edit or add one department, item, entity or inspector. The browser sends the form to the record's API (PUT with
/// If-Match = the version read here, or POST); a 412 shows both versions. Who may write is the API's decision; the page
/// only hides the button from those who cannot.
/// </summary>
public sealed class EditModel(DepartmentStore departments, InspectionItemStore items, MarketEntityStore entities, InspectorStore inspectors) : PageModel
{
    [BindProperty(SupportsGet = true)] public string Kind { get; set; } = "";

    [BindProperty(SupportsGet = true)] public string? Key { get; set; }

    [BindProperty(SupportsGet = true)] public string Mode { get; set; } = "";

    public Actor Actor { get; private set; } = null!;

    public bool Creating => Key is null;

    public string? ETag { get; private set; }

    public bool CanWrite { get; private set; }

    public string ApiUrl { get; private set; } = "";

    public string KeyField { get; private set; } = "";

    public IReadOnlyList<RecordField> Fields { get; private set; } = [];

    private static string List(IEnumerable<string> values) => string.Join(", ", values);

    /// <summary>Where the form is sent (the record's API, by its key when it exists), whether this user may send it, and the version read.</summary>
    private void Target(string api, string keyField, string? key, long? version, bool canWrite)
    {
        ApiUrl = api + (key is null ? "" : "/" + Uri.EscapeDataString(key));
        KeyField = keyField;
        CanWrite = canWrite;
        ETag = version is null ? null : ETags.Format(version.Value);
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        // The registry keeps the entity directory's registered facts (status among them), and sees that directory only; a
        // department's administrator keeps its inspectors.
        if (!Workbench.IsOffice(Actor) && !(Kind == "entities" && Actor.Has(Roles.Registry)) && !(Kind == "inspectors" && Actor.Has(Roles.DepartmentAdmin))) return Forbid();
        if (Mode == "new") Key = null;
        else if (string.IsNullOrWhiteSpace(Key)) return NotFound();
        var key = Key;
        switch (Kind)
        {
            case "departments":
            {
                var d = key is null ? null : await departments.GetAsync(key, ct);
                if (key is not null && d is null) return NotFound();
                Target("/api/departments", "code", d?.Code, d?.Version, DirectoryAccess.MayMaintainDepartments(Actor));
                Fields =
                [
                    new("code", "代码", "Code", "text", d?.Code, Key: true),
                    new("name", "名称", "Name", "text", d?.Name),
                    new("parentCode", "上级部门", "Parent department", "text", d?.ParentCode),
                    new("divisionCode", "行政区划", "Division", "text", d?.DivisionCode),
                    new("publishMode", "公示方式（publisher / automatic）", "Publishing (publisher / automatic)", "text", d?.PublishMode ?? "publisher"),
                    new("yearlyCap", "每户年度抽查上限", "Yearly cap per entity", "number", d?.YearlyCap?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ];
                break;
            }
            case "items":
            {
                var i = key is null ? null : await items.GetAsync(key, ct);
                if (key is not null && i is null) return NotFound();
                Target("/api/items", "code", i?.Code, i?.Version, i is null ? Workbench.CanSchedule(Actor) : DirectoryAccess.MaintainsItemsOf(Actor, i.DepartmentCode));
                Fields =
                [
                    new("code", "代码", "Code", "text", i?.Code, Key: true),
                    new("name", "名称", "Name", "text", i?.Name),
                    new("departmentCode", "部门", "Department", "text", i?.DepartmentCode ?? Actor.DepartmentCode, Key: i is not null),
                    new("legalBasis", "法律依据", "Legal basis", "text", i?.LegalBasis),
                    new("method", "检查方式（on-site / written / online）", "Method (on-site / written / online)", "text", i?.Method ?? "on-site"),
                    new("isKey", "重点事项", "Key item", "bool", null, Checked: i?.IsKey ?? false),
                    new("entityTypes", "适用主体类型（逗号分隔）", "Entity types (comma-separated)", "list", i is null ? null : List(i.EntityTypes)),
                    new("industries", "适用行业（逗号分隔）", "Industries (comma-separated)", "list", i is null ? null : List(i.Industries)),
                    new("resultCodes", "允许的结果代码（逗号分隔）", "Allowed result codes (comma-separated)", "list", i is null ? "1, 6" : List(i.ResultCodes)),
                    new("active", "启用", "Active", "bool", null, Checked: i?.Active ?? true),
                ];
                break;
            }
            case "entities":
            {
                var e = key is null ? null : await entities.GetAsync(key, ct);
                if (key is not null && e is null) return NotFound();
                Target("/api/entities", "creditCode", e?.CreditCode, e?.Version, DirectoryAccess.MayMaintainEntities(Actor));
                Fields =
                [
                    new("creditCode", "统一社会信用代码", "Credit code", "text", e?.CreditCode, Key: true),
                    new("name", "名称", "Name", "text", e?.Name),
                    new("legacyRegNo", "原注册号", "Legacy registration number", "text", e?.LegacyRegNo),
                    new("entityType", "主体类型", "Entity type", "text", e?.EntityType),
                    new("industryCode", "行业代码", "Industry", "text", e?.IndustryCode),
                    new("divisionCode", "行政区划", "Division", "text", e?.DivisionCode),
                    new("address", "住所", "Address", "text", e?.Address),
                    new("legalRepresentative", "法定代表人", "Legal representative", "text", e?.LegalRepresentative),
                    new("status", "登记状态", "Status", "text", e?.Status ?? "open"),
                    new("registeredOn", "成立日期", "Registered on", "date", e?.RegisteredOn?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                    new("tags", "标签（逗号分隔）", "Tags (comma-separated)", "list", e is null ? null : List(e.Tags)),
                ];
                break;
            }
            case "inspectors":
            {
                var i = key is null ? null : await inspectors.GetAsync(key, ct);
                // Another department's inspector does not exist for this user, as in the API.
                if (key is not null && (i is null || (!Actor.IsAdmin && i.DepartmentCode != Actor.DepartmentCode))) return NotFound();
                Target("/api/inspectors", "certificateNo", i?.CertificateNo, i?.Version, Actor.DepartmentCode is { } own ? DirectoryAccess.MaintainsInspectorsOf(Actor, i?.DepartmentCode ?? own) : Actor.IsAdmin);
                Fields =
                [
                    new("certificateNo", "执法证号", "Certificate number", "text", i?.CertificateNo, Key: true),
                    new("name", "姓名", "Name", "text", i?.Name),
                    new("departmentCode", "部门", "Department", "text", i?.DepartmentCode ?? Actor.DepartmentCode),
                    new("certificateExpiresOn", "执法证有效期至", "Certificate valid until", "date", i?.CertificateExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                    new("specialties", "专长（事项代码，逗号分隔）", "Specialties (item codes, comma-separated)", "list", i is null ? null : List(i.Specialties)),
                    new("status", "状态（active / suspended / retired）", "Status (active / suspended / retired)", "text", i?.Status ?? "active"),
                    new("conflicts", "回避的主体（信用代码，逗号分隔）", "Conflicts (credit codes, comma-separated)", "list", i is null ? null : List(i.Conflicts)),
                ];
                break;
            }
            default:
                return NotFound();
        }

        return Page();
    }
}
