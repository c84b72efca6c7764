using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;

namespace Supervision.Api.Pages.Tasks;

/// <summary>/tasks: published random-inspection tasks (GET /api/public/v1/tasks).</summary>
public sealed class IndexModel(PublicQueries queries, Infrastructure.Registry.DepartmentStore departments) : PageModel
{
    public PublicPage<PublicTaskSummary> Tasks { get; private set; } = null!;

    /// <summary>The lead departments' names.</summary>
    public Web.DirectoryNames Departments { get; private set; } = Web.DirectoryNames.None;

    public async Task OnGetAsync(string? after, CancellationToken ct)
    {
        Tasks = await queries.TasksAsync(after is { Length: <= 64 } ? after : null, 50, ct);
        Departments = await Web.DirectoryNames.DepartmentsAsync(departments, Tasks.Items.Select(t => t.LeadDepartment), ct);
    }
}
