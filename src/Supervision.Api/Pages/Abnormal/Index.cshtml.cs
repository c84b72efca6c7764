using System.Globalization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Abnormal;
using Supervision.Core.Abnormal;
using Supervision.Infrastructure.Abnormal;

namespace Supervision.Api.Pages.Abnormal;

/// <summary>/abnormal-operations: the abnormal-operations list as published (GET /api/public/v1/abnormal-operations).</summary>
public sealed class IndexModel(AbnormalQueries queries) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<PublicAbnormalView> Entries { get; private set; } = [];

    public string? Next { get; private set; }

    public string? Ground { get; private set; }

    public bool Current { get; private set; }

    public async Task OnGetAsync(string? ground, bool? current, string? after, CancellationToken ct)
    {
        Ground = AbnormalGrounds.Find(ground)?.Code;
        Current = current == true;
        (DateOnly, string)? cursor = null;
        if (after?.Split('/', 2) is [var on, { Length: > 0 and <= 40 } id]
            && DateOnly.TryParseExact(on, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            cursor = (day, id);
        var rows = await queries.PublicAsync(Ground, null, Current, cursor, PageSize, ct);
        Entries = [.. rows.Select(AbnormalApi.PublicView)];
        Next = rows.Count == PageSize ? $"{rows[^1].ListedOn:yyyy-MM-dd}/{rows[^1].Id}" : null;
    }
}
