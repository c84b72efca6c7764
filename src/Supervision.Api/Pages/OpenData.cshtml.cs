using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Publication;
using Supervision.Infrastructure.Publication;

namespace Supervision.Api.Pages;

/// <summary>/open-data: the API, the bulk downloads with their checksums, and the data dictionary.</summary>
public sealed class OpenDataModel(PublicationQueries store, Supervision.Infrastructure.Audit.AuditChainStore chain) : PageModel
{
    /// <summary>The audit chain's latest published heads (newest first).</summary>
    public IReadOnlyList<Supervision.Infrastructure.Audit.AuditAnchor> Anchors { get; private set; } = [];

    public IReadOnlyList<(int Year, string Department, string Format, ExportInfo? Known, long LastSeq)> Files { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var files = new List<(int, string, string, ExportInfo?, long)>();
        var partitions = await store.PartitionsAsync(ct);
        foreach (var year in partitions.Select(p => p.Year).Distinct())
        {
            foreach (var department in partitions.Where(p => p.Year == year).Select(p => p.Department).Prepend(""))
            {
                var (lastSeq, _) = await store.PartitionStateAsync(year, department, ct);
                foreach (var format in BulkExport.Formats) files.Add((year, department, format, await store.ExportInfoAsync(year, department, format, lastSeq, ct), lastSeq));
            }
        }
        Files = files;
        Anchors = await chain.AnchorsAsync(null, 7, ct);
    }
}
