using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Cases;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Cases;

namespace Supervision.Api.Pages.App.Cases;

/// <summary>
/// The ledger of follow-up cases of the user's department (admins: all): the counts, the findings with a violation and
/// no case yet (of one inspection with ?inspection=…) with the form that opens a case, the open cases by due date with
/// the overdue ones marked and each state's forms (file, refer, conclude, withdraw), the referrals other departments made
/// to it with the form that records its answer, and the ended cases. Every change is a call to the API.
/// </summary>
public sealed class IndexModel(CaseServices services) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public CaseCounts Counts { get; private set; } = new(0, 0, 0, 0, 0, 0, 0);

    public IReadOnlyList<CaseFindingView> Findings { get; private set; } = [];

    public IReadOnlyList<CaseView> Open { get; private set; } = [];

    public IReadOnlyList<CaseView> Ended { get; private set; } = [];

    /// <summary>The cases other departments referred to the user's department that await its answer.</summary>
    public IReadOnlyList<CaseView> Received { get; private set; } = [];

    public string? Inspection { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? inspection, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var scope = Actor.IsAdmin ? null : Actor.DepartmentCode ?? "";
        var today = services.Clock.Today;
        Inspection = string.IsNullOrWhiteSpace(inspection) ? null : inspection.Trim();
        Counts = await services.Queries.CountsAsync(scope, today, ct);
        Findings = await CaseApi.FindingsAsync(scope, Inspection, 100, services, ct);
        Open = [.. (await services.Queries.LedgerAsync(scope, "open", today, CaseQueries.MaxRows, ct)).Select(i => CaseApi.View(i, services))];
        Received = [.. (await services.Queries.LedgerAsync(scope, CaseQueries.Received, today, CaseQueries.MaxRows, ct)).Select(i => CaseApi.View(i, services))];
        Ended = [.. (await services.Queries.LedgerAsync(scope, "all", today, CaseQueries.MaxRows, ct)).Where(i => !i.Case.IsOpen).Take(100)
            .Select(i => CaseApi.View(i, services))];
        return Page();
    }

    /// <summary>The outcomes the case's state allows (Core's rule), for its conclusion form.</summary>
    public static IReadOnlyList<string> OutcomesOf(CaseView c) => CaseOutcomes.From(c.State);
}
