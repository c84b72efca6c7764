using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;

namespace Supervision.Api.Pages.Tasks;

/// <summary>/tasks/{taskId}: a published task's plan, ceremony, draw and how to verify it (GET /api/public/v1/tasks/{id}).</summary>
public sealed class TaskModel(PublicQueries queries, Infrastructure.Registry.DepartmentStore departments) : PageModel
{
    /// <summary>The departments' names (public bodies; the JSON twin keeps the codes).</summary>
    public Web.DirectoryNames Departments { get; private set; } = Web.DirectoryNames.None;

    public const int PageSize = 100;

    public PublicTask Task { get; private set; } = null!;

    public PublicPage<PublicDrawnEntity>? Drawn { get; private set; }

    public async Task<IActionResult> OnGetAsync(string taskId, string? after, CancellationToken ct)
    {
        var found = await queries.TaskAsync(taskId, ct);
        if (found is null) return NotFound();
        Task = found.Value.Task;
        Departments = await Web.DirectoryNames.DepartmentsAsync(departments, Task.Departments.Append(Task.LeadDepartment), ct);
        if (Task.Draw is not null) Drawn = await queries.DrawnAsync(taskId, after is { Length: <= 18 } a && a.All(char.IsAsciiLetterOrDigit) ? a : null, PageSize, ct);
        return Page();
    }
}
