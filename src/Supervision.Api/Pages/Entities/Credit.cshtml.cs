using Supervision.Contracts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Credit;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Credit;
using Supervision.Core.Validation;

namespace Supervision.Api.Pages.Entities;

/// <summary>
/// The entity's own credit page, opened only through a valid link the regulator issued (<see cref="EntityAccessLinks"/>);
/// without one it does not exist (404), so it reveals nothing about anyone's class.
/// </summary>
public sealed class CreditModel(EntityAccessLinks links, CreditQueries credit, Supervision.Infrastructure.Tasks.TaskQueries draws, TimeProvider clock,
    Supervision.Api.Recusals.RecusalServices recusals, Supervision.Api.Abnormal.AbnormalServices abnormal) : PageModel
{
    /// <summary>How many recent draws the page offers receipts for.</summary>
    public const int RecentDraws = 20;

    public OwnCreditView? View { get; private set; }

    /// <summary>The link's token, for the receipt links (the same token opens them).</summary>
    public string Token { get; private set; } = "";

    /// <summary>Recent published draws this entity can check its fate in (draw-spec §11.4).</summary>
    public IReadOnlyList<(string TaskId, string Name, DateTimeOffset CommittedAt)> Draws { get; private set; } = [];

    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>The entity's inspections whose team may still change and its recusal requests (docs/public-portal.md).</summary>
    public Supervision.Api.Recusals.EntityRecusalsView? Recusals { get; private set; }

    /// <summary>Why the recusal request just sent was refused, by field ("" for the whole request).</summary>
    public IReadOnlyList<FieldError> RecusalErrors { get; private set; } = [];

    /// <summary>The entity's listings on the abnormal-operations list, with their removal applications (docs/abnormal-operations.md).</summary>
    public IReadOnlyList<Supervision.Api.Abnormal.EntityAbnormalView> Abnormal { get; private set; } = [];

    /// <summary>Why the removal application just sent was refused ("" for the whole application).</summary>
    public IReadOnlyList<FieldError> AbnormalErrors { get; private set; } = [];

    /// <summary>The entity applies for removal of a listing from its page (a plain form).</summary>
    public async Task<IActionResult> OnPostRemovalAsync(string creditCode, string? t, string? entry, string? evidence, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        var reply = await Supervision.Api.Abnormal.AbnormalApi.ApplyAsEntityAsync(code, entry ?? "", evidence, abnormal);
        if (reply.Succeeded) return Redirect($"/entities/{code}/credit?t={Uri.EscapeDataString(t!)}#abnormal");
        AbnormalErrors = reply.Errors.Count > 0 ? reply.Errors : [FieldError.State("", reply.Detail ?? "")];
        Response.StatusCode = reply.Status switch
        {
            CommandStatus.Invalid => StatusCodes.Status400BadRequest,
            CommandStatus.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        };
        return await OnGetAsync(creditCode, t, ct);
    }

    /// <summary>The request just filed (after the redirect), to confirm it.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Filed { get; set; }

    /// <summary>The entity files a recusal request from its page (a plain form: the page needs no script).</summary>
    public async Task<IActionResult> OnPostRecusalAsync(string creditCode, string? t, string? target, string? grounds, string? reason, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        var (inspectionId, certificateNo) = target?.Split('|') is [var i, var c] ? (i, c) : (null, null);
        var reply = await Supervision.Api.Recusals.RecusalApi.FileAsync(code, new(inspectionId, certificateNo, grounds, reason), recusals.Grains);
        if (reply.Succeeded) return Redirect($"/entities/{code}/credit?t={Uri.EscapeDataString(t!)}&filed={Uri.EscapeDataString(reply.Request!.Id)}#recusals");
        RecusalErrors = reply.Errors.Count > 0 ? reply.Errors : [FieldError.State("", reply.Detail ?? "")];
        Response.StatusCode = reply.Status == CommandStatus.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict;
        var page = await OnGetAsync(creditCode, t, ct);
        return page;
    }

    public async Task<IActionResult> OnGetAsync(string creditCode, string? t, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var code = CreditCode.Normalize(creditCode);
        if (!links.IsValid(code, t)) return NotFound();
        View = await credit.OwnViewAsync(code, clock.GetUtcNow(), ct);
        if (View is null) return NotFound();
        ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(t!.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture));
        Token = t;
        Draws = await draws.RecentSealedDrawsAsync(RecentDraws, ct);
        Recusals = await Supervision.Api.Recusals.RecusalApi.EntityViewAsync(code, recusals, ct);
        Abnormal = await Supervision.Api.Abnormal.AbnormalApi.EntityViewAsync(code, abnormal, ct);
        return Page();
    }
}
