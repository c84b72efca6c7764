using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;

namespace Supervision.Api.Pages.Tasks;

/// <summary>/tasks: published random-inspection tasks (GET /api/public/v1/tasks).</summary>
public sealed class IndexModel(PublicQueries queries) : PageModel
{
    public PublicPage<PublicTaskSummary> Tasks { get; private set; } = null!;

    public async Task OnGetAsync(string? after, CancellationToken ct) =>
        Tasks = await queries.TasksAsync(after is { Length: <= 64 } ? after : null, 50, ct);
}
