using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Pages.App.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Api.Pages.App;

/// <summary>
/// The workbench home, where signing in lands. An inspector (by certificate number) sees their open assignments at
/// once — entity, address, items by name, due date, state — soonest due first, then the links of their roles.
/// </summary>
public sealed class IndexModel(InspectionQueries store, WorkflowClock clock, Infrastructure.Registry.InspectionItemStore items,
    Core.Reference.ReferenceData reference, Infrastructure.Abnormal.AbnormalQueries abnormal, Infrastructure.Tasks.TaskQueries tasks,
    Core.Tasks.MatchingDeadline matching) : PageModel
{
    /// <summary>As many open assignments as one page of /app/my holds; the rest are a click away.</summary>
    public const int Shown = MineModel.PageSize;

    public Actor Actor { get; private set; } = null!;

    public bool IsInspector { get; private set; }

    public IReadOnlyList<AssignmentCard> Open { get; private set; } = [];

    public bool More { get; private set; }

    /// <summary>The abnormal-operations figures of the user's department (staff only): what is overdue shows on the home page.</summary>
    public Infrastructure.Abnormal.AbnormalCounts? Abnormal { get; private set; }

    /// <summary>
    /// For schedulers and admins: the tasks their department leads (every task, for a platform admin) whose entity list
    /// arrived and whose inspectors are still to be matched, with the matching deadline, oldest list first.
    /// </summary>
    public IReadOnlyList<(Infrastructure.Tasks.AwaitingMatchingRow Task, Core.Tasks.Matching Matching)> AwaitingMatching { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (Web.Workbench.IsOffice(Actor)) Abnormal = await abnormal.CountsAsync(Actor.IsAdmin ? null : Actor.DepartmentCode ?? "", clock.Today, ct);
        if (Web.Workbench.CanSchedule(Actor))
        {
            var lead = Actor.IsAdmin ? null : Actor.DepartmentCode ?? "";
            AwaitingMatching = [.. (await tasks.AwaitingMatchingAsync(lead, ct))
                .Where(t => lead is null || t.LeadDepartment == lead)
                .Select(t => (t, matching.On(ChinaTime.DateOf(t.ListArrivedAt), null, clock.Today)))];
        }

        if (Actor.InspectorCertificateNo is not { } cert) return;
        IsInspector = true;
        var today = clock.Today;
        // A due-by bound keeps the open states only (the store's rule for "due soon"); the far bound keeps every date.
        var rows = await store.ListMineAsync(cert, new MyInspectionFilter(null, null, DateOnly.MaxValue, false, today), null, Shown + 1, ct);
        More = rows.Count > Shown;
        var open = rows.Take(Shown).OrderBy(r => r.DueDate).ThenBy(r => r.InspectionId, StringComparer.Ordinal).ToList();
        Open = await AssignmentCards.LoadAsync(open, today, store, items, reference, ct);
        Web.Workbench.KeepOffline(Response);
    }
}
