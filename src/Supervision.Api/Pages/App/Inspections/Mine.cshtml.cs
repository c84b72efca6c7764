using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Core.Identity;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>The inspector's assignments, with the filters of GET /api/my/inspections (same store, same rules).</summary>
public sealed class MineModel(InspectionStore store, InspectionRules rules, WorkflowClock clock, Web.UiText t,
    Infrastructure.Directory.InspectionItemStore items, Core.Reference.ReferenceData reference) : PageModel
{
    /// <summary>What an inspector needs on a card to plan the day: where, what is checked, the place in words.</summary>
    public sealed record Assignment(string Address, IReadOnlyList<string> Items, string DivisionName);

    public IReadOnlyDictionary<string, Assignment> Details { get; private set; } = new Dictionary<string, Assignment>();

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

    public bool IsOverdue(InspectionRow r) => InspectionStore.OpenStates.Contains(r.State, StringComparer.Ordinal) && (r.Overdue || r.DueDate < Today);

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

        // One page of cards (at most PageSize): the entity's address and the items in one statement, item names once each.
        var cards = await store.CardDetailsAsync([.. Rows.Select(r => r.InspectionId)], ct);
        var itemNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var code in cards.Values.SelectMany(c => c.Items).Distinct(StringComparer.Ordinal))
            itemNames[code] = (await items.GetAsync(code, ct))?.Name ?? code;
        var details = Rows.ToDictionary(r => r.InspectionId, r =>
        {
            var card = cards.GetValueOrDefault(r.InspectionId);
            return new Assignment(card.Address ?? "", [.. (card.Items ?? []).Select(c => itemNames[c])],
                reference.IsValidDivision(r.DivisionCode) ? reference.DivisionFullName(r.DivisionCode) : r.DivisionCode);
        }, StringComparer.Ordinal);
        Details = details;
        return Page();
    }
}
