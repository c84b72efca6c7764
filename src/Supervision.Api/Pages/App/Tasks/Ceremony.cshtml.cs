using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Tasks;

namespace Supervision.Api.Pages.App.Tasks;

/// <summary>
/// The draw ceremony, for a projector: the frozen population and the commitment before any entropy exists, the
/// witnesses' entropy, then the revealed secret (checked against the commitment), the seed and the result. The
/// buttons call the task API; the page shows what is committed.
/// </summary>
public sealed class CeremonyModel(TaskQueries draws, InspectionQueries inspections, Supervision.Infrastructure.Operations.OperationStore operations,
    Web.UiText t) : PageModel
{
    /// <summary>Above this many drawn entities the list is not read from the pack (use the downloads).</summary>
    public const int ListLimit = 2000;

    public TaskRow Task { get; private set; } = null!;

    public Actor Actor { get; private set; } = null!;

    public EntityDrawSummary? Summary { get; private set; }

    public bool? CommitmentHolds { get; private set; }

    public IReadOnlyList<(int Rank, string CreditCode, string Name, string Team)> Drawn { get; private set; } = [];

    public bool InspectorsDrawn { get; private set; }

    public bool CanAct => Actor.CanActFor(Roles.Scheduler, Task.LeadDepartment);

    /// <summary>The task's latest long operation (freeze, draw, dispatch): followed on the screen while it runs, shown if it failed.</summary>
    public Supervision.Core.Operations.Operation? LatestOperation { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        Actor = User.ToActor();
        if (!Workbench.IsOffice(Actor)) return Forbid();
        var task = await draws.GetAsync(id, ct);
        if (task is null) return NotFound();
        if (!TaskAccess.IsFull(Actor, task.DepartmentList)) return Forbid();
        Task = task;
        Summary = (await draws.EntityDrawSummaryAsync(id, ct))?.Summary;
        LatestOperation = (await operations.ListForTargetAsync(id, 1, ct)) is [var latest, ..] ? latest : null;

        if (Summary is not null)
        {
            CommitmentHolds = Holds(Summary.RevealedSecret, Summary.SecretCommitment);
            InspectorsDrawn = await draws.RecordExistsAsync(id, DrawRecordRow.InspectorKind, ct);
            if (Summary.DrawnCount <= ListLimit && await draws.GetRecordAsync(id, DrawRecordRow.EntityKind, ct) is { } record)
            {
                var pack = JsonSerializer.Deserialize<DrawPack>(record.RecordUtf8(), DrawPacks.JsonOptions)!;
                var drawn = pack.EntityDraw.Result.Drawn;
                var names = await inspections.EntitiesAsync(drawn.Select(e => e.MemberId).ToList(), ct);
                var teams = InspectorsDrawn
                    ? (await inspections.DrawnTeamsAsync(id, ct, names: true)).GroupBy(m => m.MemberId, StringComparer.Ordinal)
                        .ToDictionary(g => g.Key, g => string.Join(t["、", ", "], g.OrderBy(m => m.Position)
                            .Select(m => (m.InspectorName is { Length: > 0 } name ? name : m.CertificateNo) + (m.IsLead ? t["（组长）", " (lead)"] : ""))), StringComparer.Ordinal)
                    : new Dictionary<string, string>(StringComparer.Ordinal);
                Drawn = drawn.Select(e => (e.Rank, e.MemberId, names.TryGetValue(e.MemberId, out var n) ? n.Name : "", teams.GetValueOrDefault(e.MemberId, ""))).ToList();
            }
        }

        return Page();
    }

    /// <summary>SHA-256 of the revealed secret equals the commitment published at the freeze.</summary>
    private static bool Holds(string revealedHex, string commitmentHex)
    {
        try
        {
            return string.Equals(Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(revealedHex))), commitmentHex, StringComparison.OrdinalIgnoreCase);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
