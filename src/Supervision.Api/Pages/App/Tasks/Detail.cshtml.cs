using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Contracts.Tasks;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Tasks;

namespace Supervision.Api.Pages.App.Tasks;

/// <summary>
/// One task: its plan, the actions its state allows (through the task API), and once dispatched the dashboard — the
/// figures of GET /api/tasks/{id}/progress (counts by state, overdue, per team) drawn as inline SVG bars.
/// </summary>
public sealed class DetailModel(TaskQueries draws, InspectionQueries inspections, WorkflowClock clock,
    Infrastructure.Registry.DepartmentStore departmentStore, Infrastructure.Registry.InspectionItemStore itemStore, Infrastructure.Registry.InspectorStore inspectorStore, MatchingDeadline matching) : PageModel
{
    /// <summary>The matching deadline once the entity list arrived: due, or met on time or late; null before the entity draw.</summary>
    public Matching? Matching { get; private set; }

    /// <summary>Names for the codes the page shows: departments, items, and the teams' inspectors.</summary>
    public Web.DirectoryNames Departments { get; private set; } = Web.DirectoryNames.None;

    public Web.DirectoryNames Items { get; private set; } = Web.DirectoryNames.None;

    public Web.DirectoryNames Members { get; private set; } = Web.DirectoryNames.None;

    public TaskRow Task { get; private set; } = null!;

    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<InspectionRow> Inspections { get; private set; } = [];

    public bool Dispatched { get; private set; }

    /// <summary>The drawn members a scheduler of the lead may replace now (draw-spec §8.1); empty when the task allows no replacement.</summary>
    public IReadOnlyList<InspectionQueries.DrawnMember> Replaceable { get; private set; } = [];

    public DateOnly Today { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    public bool IsOpen(InspectionRow r) => InspectionQueries.OpenStates.Contains(r.State, StringComparer.Ordinal);

    public bool IsOverdue(InspectionRow r) => IsOpen(r) && (r.Overdue || r.DueDate < Today);

    public bool CanAct => Actor.CanActFor(Roles.Scheduler, Task.LeadDepartment);

    /// <summary>The participating department this scheduler answers for, while the joint task can still be answered.</summary>
    public string? AnswersFor =>
        Task.Status is "draft" or "published" && Actor.Has(Roles.Scheduler) && Actor.DepartmentCode is { } d
        && Task.Definition.ParticipatingDepartments.Contains(d, StringComparer.Ordinal) ? d : null;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var task = await draws.GetAsync(id, ct);
        if (task is null) return NotFound();
        if (!TaskAccess.IsFull(Actor, task.DepartmentList)) return Forbid();
        Task = task;
        Today = clock.Today;
        if (await draws.MatchingTimesAsync(id, ct) is ({ } arrived, var matched) && task.Status != TaskStates.Cancelled)
            Matching = matching.On(ChinaTime.DateOf(arrived), matched is { } m ? ChinaTime.DateOf(m) : null, Today);
        Inspections = await inspections.ListTaskAsync(id, ct);
        Dispatched = Inspections.Count > 0 || await inspections.IsDispatchedAsync(id, ct);
        Departments = await Web.DirectoryNames.DepartmentsAsync(departmentStore, task.DepartmentList, ct);
        Items = await Web.DirectoryNames.ItemsAsync(itemStore, task.Definition.Items, ct);
        Members = await Web.DirectoryNames.InspectorsAsync(inspectorStore, Inspections.SelectMany(r => r.Team.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), ct);
        if (CanAct && TaskStates.AllowedActions(task.Status).Contains("replace-inspector", StringComparer.Ordinal))
        {
            // Members who may still leave: every drawn member, after dispatch only where the team has not handed its results in.
            var states = Inspections.ToDictionary(r => r.InspectionId, r => r.State, StringComparer.Ordinal);
            Replaceable = (await inspections.DrawnTeamsAsync(id, ct, names: true))
                .Where(m => !states.TryGetValue($"{id}/{m.MemberId}", out var state)
                    || InspectionWorkflow.TeamChangeStates.Any(s => s.ToString() == state))
                .ToList();
        }
        return Page();
    }

    public IReadOnlyList<(string Label, long Value)> ByState(Web.UiText t) =>
        Enum.GetNames<InspectionState>().Select(s => (Workbench.InspectionState(s, t), (long)Inspections.Count(r => r.State == s))).ToList();

    public IReadOnlyList<(string Team, int Total, int Open, int Submitted, int Completed, int Overdue)> Teams =>
        Inspections.GroupBy(r => r.Team.Trim(','), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Count(IsOpen),
                g.Count(r => r.State is nameof(InspectionState.Submitted) or nameof(InspectionState.UnderReview)),
                g.Count(r => r.State is nameof(InspectionState.Approved) or nameof(InspectionState.Published)), g.Count(IsOverdue)))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
}
