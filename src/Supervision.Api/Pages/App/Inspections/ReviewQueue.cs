using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Pages.App.Inspections;

/// <summary>One result code of a queued result, with its words in both languages.</summary>
public sealed record QueueCode(string Code, string Chinese, string English);

/// <summary>One item of a queued result: the item by name and the codes the team chose.</summary>
public sealed record QueueItem(string ItemCode, string ItemName, IReadOnlyList<QueueCode> Codes, bool ProblemFound);

/// <summary>A team member as the queue names them.</summary>
public sealed record QueueMember(string CertificateNo, string Name, bool IsLead);

/// <summary>One result in the review or publish queue with what a reviewer needs to decide where to start.</summary>
public sealed record QueueEntry(InspectionRow Row, int? Version, IReadOnlyList<QueueItem> Items, IReadOnlyList<QueueMember> Team)
{
    public string EntityName => string.IsNullOrWhiteSpace(Row.EntityName) ? Row.EntityCreditCode : Row.EntityName;

    /// <summary>True when any item's codes say a problem or a violation was found (corrected on the spot or not).</summary>
    public bool ProblemFound => Items.Any(i => i.ProblemFound);
}

/// <summary>
/// The review queue of one user (page <c>/app/review</c>, and the "next" link of an inspection page): results of the
/// department's tasks waiting for its review — not those it has already approved — and approved results its department
/// (the lead) has yet to publish, in task order then inspection id. Admins: every department.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The reviewers' own word for the list; it is not a Queue<T>.")]
public sealed class ReviewQueue
{
    private readonly Dictionary<string, int> _position;

    private ReviewQueue(IReadOnlyList<InspectionRow> ordered, IReadOnlyList<QueueEntry> waiting, IReadOnlyList<QueueEntry> toPublish)
    {
        Waiting = waiting;
        ToPublish = toPublish;
        _position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ordered.Count; i++) _position[ordered[i].InspectionId] = i;
    }

    public IReadOnlyList<QueueEntry> Waiting { get; }

    public IReadOnlyList<QueueEntry> ToPublish { get; }

    /// <summary>Codes that mean a problem was found: the correction triggers, the violation codes and "corrected on order".</summary>
    private static readonly HashSet<string> ProblemCodes =
        [.. FollowUpPolicy.Default.CorrectionTriggers, .. FollowUpPolicy.Default.ViolationCodes, FollowUpPolicy.Default.CorrectedCode];

    /// <summary>
    /// The next result to open after <paramref name="inspectionId"/>: the first one waiting for review that comes after it
    /// in the queue's order (wrapping round), or, when nothing else waits for review, the next one to publish. Null when the
    /// queue holds nothing else.
    /// </summary>
    public QueueEntry? Next(string inspectionId)
    {
        var at = _position.GetValueOrDefault(inspectionId, -1);
        QueueEntry? Pick(IReadOnlyList<QueueEntry> queue)
        {
            var others = queue.Where(e => e.Row.InspectionId != inspectionId).ToList();
            return others.Count == 0 ? null : others.FirstOrDefault(e => _position[e.Row.InspectionId] > at) ?? others[0];
        }

        return Pick(Waiting) ?? Pick(ToPublish);
    }

    /// <summary>How many results other than <paramref name="inspectionId"/> the queue holds (both parts).</summary>
    public int OthersThan(string inspectionId) =>
        Waiting.Count(e => e.Row.InspectionId != inspectionId) + ToPublish.Count(e => e.Row.InspectionId != inspectionId);

    /// <summary>
    /// Reads the queue. With <paramref name="summaries"/> each entry also carries its items by name, the codes in words and
    /// the team by name (the queue page); without, only what "next" needs.
    /// </summary>
    public static async Task<ReviewQueue> LoadAsync(Actor actor, TaskQueries draws, InspectionQueries inspections, InspectionItemStore items,
        InspectorStore inspectors, ReferenceData reference, bool summaries, CancellationToken ct)
    {
        var department = actor.IsAdmin ? null : actor.DepartmentCode ?? "-";
        var rows = new List<InspectionRow>();
        string? after = null;
        while (true)
        {
            var tasks = await draws.ListAsync(department, false, "inspectors_drawn", after, 200, ct);
            foreach (var task in tasks) rows.AddRange(await inspections.ListTaskAsync(task.TaskId, ct));
            if (tasks.Count < 200) break;
            after = tasks[^1].TaskId;
        }

        bool Mine(InspectionRow r) => actor.IsAdmin || r.DepartmentList.Contains(actor.DepartmentCode ?? "-", StringComparer.Ordinal);
        var waiting = rows.Where(r => Mine(r) && r.State is nameof(InspectionState.Submitted) or nameof(InspectionState.UnderReview)).ToList();
        var toPublish = rows.Where(r => (actor.IsAdmin || r.LeadDepartment == actor.DepartmentCode) && r.State == nameof(InspectionState.Approved)).ToList();
        var values = await inspections.LoadManyAsync([.. waiting.Concat(toPublish).Select(r => r.InspectionId)], ct);
        // A result the user's department has already approved waits for the others, not for this user.
        if (!actor.IsAdmin)
            waiting = waiting.Where(r => !(values.GetValueOrDefault(r.InspectionId)?.Approvals.ContainsKey(actor.DepartmentCode ?? "-") ?? false)).ToList();

        var itemNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var memberNames = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task<QueueEntry> EntryAsync(InspectionRow row)
        {
            var value = values.GetValueOrDefault(row.InspectionId);
            var version = value?.CurrentVersion;
            if (!summaries || value is null) return new QueueEntry(row, version?.Number ?? row.CurrentVersion, [], []);
            var list = new List<QueueItem>();
            foreach (var result in version?.Results ?? [])
            {
                if (!itemNames.TryGetValue(result.ItemCode, out var name))
                    itemNames[result.ItemCode] = name = (await items.GetAsync(result.ItemCode, ct))?.Name is { Length: > 0 } n ? n : result.ItemCode;
                var codes = result.ResultCodes.Select(c => reference.ResultCodes.FirstOrDefault(e => e.Code == c) is { } e
                    ? new QueueCode(c, e.Name, e.English) : new QueueCode(c, c, c)).ToList();
                list.Add(new QueueItem(result.ItemCode, name, codes, result.ResultCodes.Any(ProblemCodes.Contains)));
            }

            var team = new List<QueueMember>();
            foreach (var m in value.Team)
            {
                if (!memberNames.TryGetValue(m.CertificateNo, out var name))
                    memberNames[m.CertificateNo] = name = (await inspectors.GetAsync(m.CertificateNo, ct))?.Name ?? "";
                team.Add(new QueueMember(m.CertificateNo, name, m.IsLead));
            }

            return new QueueEntry(row, version?.Number ?? row.CurrentVersion, list, team);
        }

        var waitingEntries = new List<QueueEntry>();
        foreach (var r in waiting) waitingEntries.Add(await EntryAsync(r));
        var publishEntries = new List<QueueEntry>();
        foreach (var r in toPublish) publishEntries.Add(await EntryAsync(r));
        return new ReviewQueue(rows, waitingEntries, publishEntries);
    }
}
