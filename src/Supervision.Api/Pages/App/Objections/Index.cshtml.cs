using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Objections;
using Supervision.Api.Web;
using Supervision.Contracts;
using Supervision.Core.Identity;
using Supervision.Core.Objections;
using Supervision.Core.Validation;

namespace Supervision.Api.Pages.App.Objections;

/// <summary>
/// Statements and objections about the results the user's department published (admins: all): open objections first by
/// deadline, with the decision form (uphold: the team amends the result; reject: a published reason), then the decided
/// ones and the statements. The form posts to this page, which decides through the same path as the API.
/// </summary>
public sealed class IndexModel(ObjectionServices services) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<ObjectionView> Open { get; private set; } = [];

    public IReadOnlyList<ObjectionView> Rest { get; private set; } = [];

    /// <summary>Why the decision just sent was refused, by field ("" for the whole decision).</summary>
    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>The objection the refused decision was about.</summary>
    public string? ErrorFor { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var all = (await services.Queries.ForDepartmentAsync(Actor.IsAdmin ? null : Actor.DepartmentCode ?? "", openOnly: false, ct))
            .Select(i => ObjectionApi.View(i, services)).ToList();
        Open = [.. all.Where(o => o.State == ObjectionStates.Submitted)];
        Rest = [.. all.Where(o => o.State != ObjectionStates.Submitted)];
        return Page();
    }

    public async Task<IActionResult> OnPostDecideAsync(string? id, string? decision, string? reason, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var reply = await ObjectionApi.DecideAsync(id ?? "", decision, reason, Actor, services, ct);
        if (reply.Succeeded) return Redirect("/app/objections#decided");
        Errors = reply.Errors.Count > 0 ? reply.Errors : [FieldError.State("", reply.Detail ?? "")];
        ErrorFor = id;
        Response.StatusCode = reply.Status switch
        {
            CommandStatus.Invalid => StatusCodes.Status400BadRequest,
            CommandStatus.NotFound => StatusCodes.Status404NotFound,
            CommandStatus.Forbidden => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status409Conflict,
        };
        return await OnGetAsync(ct);
    }
}
