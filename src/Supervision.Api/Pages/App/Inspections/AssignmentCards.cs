using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>
/// One assignment as the inspector's phone shows it (home page and /app/my): the entity, where it is, what is checked
/// (items by name), the due date and the state. <see cref="Overdue"/> only for open inspections past their date.
/// </summary>
public sealed record AssignmentCard(InspectionRow Row, string Address, IReadOnlyList<string> Items, string DivisionName, bool Overdue)
{
    public string EntityName => string.IsNullOrWhiteSpace(Row.EntityName) ? Row.EntityCreditCode : Row.EntityName;
}

public static class AssignmentCards
{
    public static bool IsOverdue(InspectionRow r, DateOnly today) =>
        InspectionQueries.OpenStates.Contains(r.State, StringComparer.Ordinal) && (r.Overdue || r.DueDate < today);

    /// <summary>
    /// The cards of one page of rows (at most a page): the entities' addresses and the items in one statement, each item's
    /// name read once.
    /// </summary>
    public static async Task<IReadOnlyList<AssignmentCard>> LoadAsync(IReadOnlyList<InspectionRow> rows, DateOnly today, InspectionQueries store,
        InspectionItemStore items, ReferenceData reference, CancellationToken ct)
    {
        var cards = await store.CardDetailsAsync([.. rows.Select(r => r.InspectionId)], ct);
        var itemNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var code in cards.Values.SelectMany(c => c.Items).Distinct(StringComparer.Ordinal))
            itemNames[code] = (await items.GetAsync(code, ct))?.Name is { Length: > 0 } name ? name : code;
        return [.. rows.Select(r =>
        {
            var card = cards.GetValueOrDefault(r.InspectionId);
            return new AssignmentCard(r, card.Address ?? "", [.. (card.Items ?? []).Select(c => itemNames[c])],
                reference.IsValidDivision(r.DivisionCode) ? reference.DivisionFullName(r.DivisionCode) : r.DivisionCode,
                IsOverdue(r, today));
        })];
    }
}
