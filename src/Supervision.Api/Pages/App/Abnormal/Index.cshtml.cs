using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Abnormal;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Abnormal;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Abnormal;

namespace Supervision.Api.Pages.App.Abnormal;

/// <summary>
/// The abnormal-operations entries the user's department decides (admins: all): the counts, pending entries by list-by
/// date with the overdue ones marked and the listing form, removal applications with the decision form, the listed and
/// escalated entries, and the form for grounds found otherwise than by an inspection. Every change is a call to the API.
/// </summary>
public sealed class IndexModel(AbnormalServices services) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public AbnormalCounts Counts { get; private set; } = new(0, 0, 0, 0);

    public IReadOnlyList<AbnormalEntryView> Pending { get; private set; } = [];

    public IReadOnlyList<AbnormalEntryView> Applications { get; private set; } = [];

    public IReadOnlyList<AbnormalEntryView> OnTheList { get; private set; } = [];

    public string Today { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var scope = Actor.IsAdmin ? null : Actor.DepartmentCode ?? "";
        var today = services.Clock.Today;
        Today = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Counts = await services.Queries.CountsAsync(scope, today, ct);
        var open = (await services.Queries.ForDepartmentAsync(scope, "open", null, today, AbnormalQueries.MaxRows, ct)).Select(i => AbnormalApi.View(i, services)).ToList();
        Pending = [.. open.Where(e => e.State == AbnormalStates.Pending)];
        Applications = [.. open.Where(e => e.RemovalState == RemovalStates.Applied)];
        OnTheList = [.. open.Where(e => e.State != AbnormalStates.Pending)];
        return Page();
    }
}
