using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Credit;
using Supervision.Api.Objections;
using Supervision.Contracts;
using Supervision.Contracts.Objections;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Api.Pages.Entities;

/// <summary>
/// The entity's statements and objections, opened only through the signed link its credit page uses
/// (<see cref="EntityAccessLinks"/>; without one: 404): its current published results and until when each takes a
/// submission, the form (a plain multipart form with files, no script), and its submissions with their outcome.
/// </summary>
[RequestFormLimits(MultipartBodyLengthLimit = 60L * 1024 * 1024)]
[RequestSizeLimit(60L * 1024 * 1024)]
public sealed class ObjectionsModel(EntityAccessLinks links, ObjectionServices services) : PageModel
{
    public EntityObjectionsView View { get; private set; } = null!;

    public string Token { get; private set; } = "";

    public string CreditCode { get; private set; } = "";

    /// <summary>Why the submission just sent was refused, by field ("" for the whole submission).</summary>
    public IReadOnlyList<FieldError> Errors { get; private set; } = [];

    /// <summary>The submission just sent (after the redirect), to confirm it.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Sent { get; set; }

    public async Task<IActionResult> OnGetAsync(string creditCode, string? t, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var code = Supervision.Core.Registry.CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        CreditCode = code;
        Token = t!;
        View = await ObjectionApi.EntityViewAsync(code, services, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string creditCode, string? t, string? resultId, string? kind, string? reason, CancellationToken ct)
    {
        var code = Supervision.Core.Registry.CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        var errors = new List<FieldError>();
        var uploads = await ObjectionApi.ReadUploadsAsync(Request.Form.Files, services.Options.Value.ToPolicy(), errors, ct);
        ObjectionReply reply = errors.Count > 0
            ? ObjectionReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.", errors)
            : await ObjectionApi.SubmitAsync(code, new(resultId, kind, reason), uploads, services.Grains);
        if (reply.Succeeded) return Redirect($"/entities/{code}/objections?t={Uri.EscapeDataString(t!)}&sent={Uri.EscapeDataString(reply.Objection!.Id)}");
        Errors = reply.Errors.Count > 0 ? reply.Errors : [FieldError.State("", reply.Detail ?? "")];
        Response.StatusCode = reply.Status == CommandStatus.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict;
        return await OnGetAsync(creditCode, t, ct);
    }
}
