using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>The inspector's assignments, with the filters of GET /api/my/inspections (same store, same rules).</summary>
public sealed class MineModel(InspectionQueries store, InspectionRules rules, WorkflowClock clock, Web.UiText t,
    Infrastructure.Registry.InspectionItemStore items, Core.Reference.ReferenceData reference) : PageModel
{
    /// <summary>The cards of this page: where, what is checked, the due date and state (shared with the home page).</summary>
    public IReadOnlyList<AssignmentCard> Cards { get; private set; } = [];

    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public bool DueSoon { get; set; }

    [BindProperty(SupportsGet = true)] public bool Overdue { get; set; }

    [BindProperty(SupportsGet = true)] public string? Task { get; set; }

    [BindProperty(SupportsGet = true)] public string? Division { get; set; }

    [BindProperty(SupportsGet = true)] public string? After { get; set; }

    public string? Error { get; private set; }

    public Actor Actor { get; private set; } = null!;

    public DateOnly Today { get; private set; }

    public IReadOnlyList<InspectionRow> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (Actor.InspectorCertificateNo is not { } cert) return Forbid();
        Today = clock.Today;
        var division = string.IsNullOrWhiteSpace(Division) ? null : Division.Trim();
        if (division is not null && (division.Length > 12 || !division.All(char.IsAsciiDigit)))
        {
            Error = t["行政区划只能填写数字代码或其前缀。", "The division must be the digits of a division code or its prefix."];
            return Page();
        }

        DateOnly? dueBy = DueSoon ? rules.DueSoonHorizon(Today) ?? Today.AddDays(7) : null;
        Rows = await store.ListMineAsync(cert, new MyInspectionFilter(string.IsNullOrWhiteSpace(Task) ? null : Task.Trim(), division, dueBy, Overdue, Today), After, PageSize, ct);

        Cards = await AssignmentCards.LoadAsync(Rows, Today, store, items, reference, ct);
        Web.Workbench.KeepOffline(Response);
        return Page();
    }
}
