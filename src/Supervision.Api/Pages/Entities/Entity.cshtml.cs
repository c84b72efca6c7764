using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;

namespace Supervision.Api.Pages.Entities;

/// <summary>/entities/{creditCode}: the entity's published inspection history (GET /api/public/v1/entities/{creditCode}).</summary>
public sealed class EntityModel(PublicQueries queries, Infrastructure.Registry.DepartmentStore departments) : PageModel
{
    public PublicEntity Entity { get; private set; } = null!;

    /// <summary>The inspecting departments' names (public bodies; the JSON twin keeps the codes).</summary>
    public Web.DirectoryNames Departments { get; private set; } = Web.DirectoryNames.None;

    public async Task<IActionResult> OnGetAsync(string creditCode, CancellationToken ct)
    {
        // As typed: lower case, spaces, hyphens, full-width (CreditCode.Normalize); anything longer than a code is not one.
        if (Supervision.Core.Registry.CreditCode.Normalize(creditCode).Length > 18) return NotFound();
        var entity = await queries.EntityAsync(creditCode, ct);
        if (entity is null) return NotFound();
        Entity = entity;
        Departments = await Web.DirectoryNames.DepartmentsAsync(departments, entity.Results.SelectMany(r => r.Departments), ct);
        return Page();
    }
}
