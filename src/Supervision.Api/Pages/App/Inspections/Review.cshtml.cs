using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>
/// The review queue: submitted results waiting for the user's department, and approved results the lead department has
/// yet to publish, across the tasks the department leads or joins (admins: all tasks), each with its result summary
/// (<see cref="ReviewQueue"/>).
/// </summary>
public sealed class ReviewModel(TaskQueries draws, InspectionQueries inspections, InspectionItemStore items, InspectorStore inspectors,
    ReferenceData reference, DepartmentStore departments) : PageModel
{
    /// <summary>The view-data key of the department names the queue cards show.</summary>
    public const string QueueCardDepartments = "queue-card-departments";

    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<QueueEntry> Waiting { get; private set; } = [];

    public IReadOnlyList<QueueEntry> ToPublish { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var queue = await ReviewQueue.LoadAsync(Actor, draws, inspections, items, inspectors, reference, summaries: true, ct);
        Waiting = queue.Waiting;
        ToPublish = queue.ToPublish;
        // The cards name the task's departments (_QueueCard reads them from the view data it shares with the page).
        ViewData[QueueCardDepartments] = await DirectoryNames.DepartmentsAsync(departments,
            Waiting.Concat(ToPublish).SelectMany(e => e.Row.DepartmentList), ct);
        return Page();
    }
}
