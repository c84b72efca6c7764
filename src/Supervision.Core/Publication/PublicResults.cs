using Supervision.Core.Calendar;
using Supervision.Core.Inspections;

namespace Supervision.Core.Publication;

/// <summary>
/// A change that makes a version of an inspection public: the inspection after it, the version, the workflow's time of the
/// change, and what the inspections row keeps beside the value (the entity's name and division at dispatch, the approval
/// date and the publication deadline).
/// </summary>
public sealed record PublicationBasis(Inspection Inspection, int Version, DateTimeOffset At, string EntityName, string DivisionCode, DateOnly? ApprovedOn,
    DateOnly? PublicationDue);

/// <summary>
/// What the public record is composed from besides the inspection, read where it is written: the entity as the directory
/// has it now (nulls when it is not there), the task's name, the items' names, the team's names by certificate when the lead
/// department publishes them (null when it does not), and how many versions of the inspection were published before.
/// </summary>
public sealed record PublicationFacts(
    string? EntityName,
    string? DivisionCode,
    string? IndustryCode,
    string? TaskName,
    IReadOnlyDictionary<string, string> ItemNames,
    IReadOnlyDictionary<string, string?>? TeamNames,
    long EarlierPublications);

/// <summary>One item of a public record: its name and owning department, the result codes (sorted, comma-joined) and the visit date.</summary>
public sealed record PublicResultItem(string ItemCode, string ItemName, string DepartmentCode, string ResultCodes, DateOnly InspectedOn);

/// <summary>
/// One published version of one inspection's result as the public may see it (docs/public-portal.md): result codes per item,
/// dates, the task and the entity's registered name and codes, team names only where the lead department allows. Findings,
/// evidence, certificates and drafts are not part of it. <see cref="Withheld"/> names the fields a reviewer withheld and why
/// ("field:category" pairs, <see cref="Redactions.Format"/>); their text is not part of it either.
/// </summary>
public sealed record PublicResult(
    string PublicationId,
    string InspectionId,
    int Version,
    string Kind,
    string? Reason,
    string TaskId,
    string TaskName,
    string EntityCreditCode,
    string EntityName,
    string DivisionCode,
    string IndustryCode,
    string LeadDepartment,
    string Departments,
    DateOnly InspectedOn,
    DateOnly ApprovedOn,
    DateOnly PublishedOn,
    DateTimeOffset PublishedAt,
    DateOnly? PublicationDue,
    string? TeamNames,
    IReadOnlyList<PublicResultItem> Items,
    string? Withheld = null);

/// <summary>The publication rules, pure: when a change publishes, and what of the inspection becomes public.</summary>
public static class PublicResults
{
    public const string Initial = "initial";
    public const string Amendment = "amendment";

    /// <summary>The version a change makes public: the published version when it moved, else null.</summary>
    public static int? NewlyPublished(Inspection before, Inspection after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.PublishedVersion is { } number && number != before.PublishedVersion ? number : null;
    }

    /// <summary>
    /// The public record of <paramref name="basis"/>: published on the Beijing date of the change; the first publication of an
    /// inspection is initial, any later one an amendment with the version's reason. Each item is dated by its visit (else the
    /// approval date, else the publication date), the result by its latest item visit. The directory's current name and codes
    /// are shown, those at dispatch where the entity has left the directory. Team names come lead first, blank ones left out,
    /// and only where <paramref name="facts"/> has them. A field the inspection withholds (<see cref="Inspection.Withheld"/>) is
    /// left out and named with its category instead.
    /// </summary>
    public static PublicResult Compose(PublicationBasis basis, PublicationFacts facts)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(facts);
        var insp = basis.Inspection;
        var version = insp.History.Single(v => v.Number == basis.Version);
        var publishedOn = ChinaTime.DateOf(basis.At);
        DateOnly VisitDate(ItemResult r) => r.VisitedAt is { } at ? ChinaTime.DateOf(at) : basis.ApprovedOn ?? publishedOn;
        var items = version.Results.Select(r => new PublicResultItem(
            r.ItemCode, facts.ItemNames.GetValueOrDefault(r.ItemCode, r.ItemCode),
            insp.Items.FirstOrDefault(i => i.ItemCode == r.ItemCode)?.DepartmentCode ?? insp.LeadDepartment,
            string.Join(',', (r.ResultCodes ?? []).Order(StringComparer.Ordinal)), VisitDate(r))).ToList();
        var amendment = facts.EarlierPublications > 0;
        // Withheld fields (the redaction step) never reach the record: only their names and categories do.
        var withheld = Redactions.ByField(insp.Withheld);
        var reason = amendment && !withheld.ContainsKey(Redactions.Reason) ? version.Reason : null;
        var teamNames = withheld.ContainsKey(Redactions.TeamNames) ? null : TeamNames(insp, facts.TeamNames);
        return new PublicResult(
            $"{insp.InspectionId}/v{basis.Version}", insp.InspectionId, basis.Version, amendment ? Amendment : Initial, reason,
            insp.TaskId, facts.TaskName ?? insp.TaskId, insp.EntityCreditCode, facts.EntityName ?? basis.EntityName, facts.DivisionCode ?? basis.DivisionCode,
            facts.IndustryCode ?? "", insp.LeadDepartment,
            "," + string.Join(',', new[] { insp.LeadDepartment }.Concat(insp.ReviewingDepartments).Distinct(StringComparer.Ordinal)) + ",",
            version.Results.Count == 0 ? publishedOn : version.Results.Max(VisitDate), basis.ApprovedOn ?? publishedOn, publishedOn, basis.At,
            basis.PublicationDue, teamNames, items, Redactions.Format(withheld));
    }

    /// <summary>The team members' names (never certificates), lead first, joined with 、; null when none is to be shown.</summary>
    private static string? TeamNames(Inspection insp, IReadOnlyDictionary<string, string?>? names)
    {
        if (names is null) return null;
        var shown = insp.Team.OrderByDescending(m => m.IsLead).Select(m => names.GetValueOrDefault(m.CertificateNo)).Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        return shown.Count == 0 ? null : string.Join('、', shown);
    }

    /// <summary>Two-character substrings of a name: what the PostgreSQL name index holds (supervision_bigrams in 0010).</summary>
    public static string[] Bigrams(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var grams = new HashSet<string>(StringComparer.Ordinal);
        var runes = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        for (var i = 0; i + 1 < runes.Length; i++) grams.Add(runes[i] + runes[i + 1]);
        return [.. grams.Order(StringComparer.Ordinal)];
    }
}
