using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Identity;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>
/// One inspection. The team gets the result form (built in the browser from GET /api/inspections/…, with a local
/// autosave); reviewers and schedulers of its departments get the submitted results and the review buttons. Who may see
/// it is the inspection grain's decision, exactly as for the API (anyone else: 404).
/// </summary>
public sealed class DetailModel(IGrainFactory grains, ReferenceData reference, MarketEntityStore entities, Infrastructure.Tasks.TaskQueries draws,
    Infrastructure.Inspections.InspectionQueries inspections, InspectionItemStore items, InspectorStore inspectors, DepartmentStore departments) : PageModel
{
    /// <summary>Names for the codes the page shows: the team's inspectors, the departments.</summary>
    public Web.DirectoryNames Members { get; private set; } = Web.DirectoryNames.None;

    public Web.DirectoryNames Departments { get; private set; } = Web.DirectoryNames.None;

    public Web.DirectoryNames ItemNames { get; private set; } = Web.DirectoryNames.None;

    /// <summary>The names the form's script writes beside each item (items and departments by code), as JSON.</summary>
    public string NamesJson { get; private set; } = "{}";

    public Inspection Inspection { get; private set; } = null!;

    public Actor Actor { get; private set; } = null!;

    public string EntityName { get; private set; } = "";

    public string EntityAddress { get; private set; } = "";

    public bool IsTeam { get; private set; }

    /// <summary>Departments whose items this user may approve or return (reviewer of an owning department, or admin).</summary>
    public IReadOnlyList<string> ReviewFor { get; private set; } = [];

    public bool CanPublish { get; private set; }

    /// <summary>Whether this user may withhold fields from publication now (reviewer of the lead department or admin, a version waiting).</summary>
    public bool CanRedact { get; private set; }

    /// <summary>For reviewers and publishers: the next result of their queue (<see cref="ReviewQueue.Next"/>), if any.</summary>
    public QueueEntry? Next { get; private set; }

    /// <summary>How many other results the user's queue holds.</summary>
    public int QueueOthers { get; private set; }

    public string CodeNamesJson { get; private set; } = "{}";

    public string ResultCodeName(string code, Web.UiText t) =>
        reference.ResultCodes.FirstOrDefault(c => c.Code == code) is { } e ? t[e.Name, e.English] : code;

    public async Task<IActionResult> OnGetAsync(string taskId, string entity, CancellationToken ct)
    {
        Actor = User.ToActor();
        var reply = await grains.GetGrain<IInspectionGrain>($"{taskId}/{entity}").Get(Actor);
        if (reply.Status == InspectionReplyStatus.Forbidden) return Forbid();
        if (!reply.Succeeded) return NotFound();
        Inspection = reply.Inspection!;
        IsTeam = Inspection.Team.Any(m => (Actor.InspectorCertificateNo is not null && m.CertificateNo == Actor.InspectorCertificateNo) || m.Username == Actor.Username);
        ReviewFor = Inspection.ReviewingDepartments.Where(d => Actor.CanActFor(Roles.Reviewer, d)).ToList();
        CanPublish = Actor.CanActFor(Roles.Reviewer, Inspection.LeadDepartment) || Actor.CanActFor(Roles.Scheduler, Inspection.LeadDepartment);
        CanRedact = Redactions.MayRedact(Inspection, Actor) && Redactions.States.Contains(Inspection.State);
        if (await entities.GetAsync(Inspection.EntityCreditCode, ct) is { } e)
        {
            EntityName = e.Name;
            EntityAddress = e.Address;
        }

        Members = await Web.DirectoryNames.InspectorsAsync(inspectors, Inspection.Team.Select(m => m.CertificateNo), ct);
        Departments = await Web.DirectoryNames.DepartmentsAsync(departments,
            Inspection.Items.Select(x => x.DepartmentCode).Concat(Inspection.ReviewingDepartments).Append(Inspection.LeadDepartment).Concat(Inspection.Returns.Select(r => r.DepartmentCode)), ct);
        ItemNames = await Web.DirectoryNames.ItemsAsync(items, Inspection.Items.Select(x => x.ItemCode), ct);
        NamesJson = JsonSerializer.Serialize(new
        {
            items = Inspection.Items.ToDictionary(x => x.ItemCode, x => ItemNames[x.ItemCode]),
            departments = Inspection.Items.Select(x => x.DepartmentCode).Distinct().ToDictionary(d => d, d => Departments[d]),
        });
        if (ReviewFor.Count > 0 || CanPublish)
        {
            var queue = await ReviewQueue.LoadAsync(Actor, draws, inspections, items, inspectors, reference, summaries: false, ct);
            Next = queue.Next(Inspection.InspectionId);
            QueueOthers = queue.OthersThan(Inspection.InspectionId);
        }

        // The team's form is the inspector's own work: the service worker may keep it for a reload without a network.
        if (IsTeam) Web.Workbench.KeepOffline(Response);
        var english = Web.UiText.IsEnglish;
        CodeNamesJson = JsonSerializer.Serialize(reference.ResultCodes.ToDictionary(c => c.Code, c => english ? c.English : c.Name));
        return Page();
    }
}
