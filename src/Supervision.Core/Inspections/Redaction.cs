using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Core.Inspections;

/// <summary>
/// A field of a result a reviewer withheld from publication: which, why (<see cref="Redactions.Categories"/>), the reviewer's
/// note, who and when, and the version it was marked on. The text itself stays in the inspection for the staff; the public
/// record shows a "withheld" marker with the category in its place (docs/workflow.md, "Redaction before publication").
/// </summary>
public sealed record WithheldField(string Field, string Category, string Note, string By, DateTimeOffset At, int Version);

/// <summary>The redaction step's vocabulary and rules, pure.</summary>
public static class Redactions
{
    /// <summary>The amendment's reason: free text a team member typed, published beside an amended result.</summary>
    public const string Reason = "reason";

    /// <summary>The team members' names, published where the lead department publishes names.</summary>
    public const string TeamNames = "teamNames";

    /// <summary>The free-text fields of a result that reach the public record.</summary>
    public static readonly IReadOnlyList<string> Fields = [Reason, TeamNames];

    public const string StateSecret = "state-secret";
    public const string CommercialSecret = "commercial-secret";
    public const string PersonalData = "personal-data";

    /// <summary>Why a field is withheld: the three grounds publication must respect (domain notes, "Results and publication").</summary>
    public static readonly IReadOnlyList<string> Categories = [StateSecret, CommercialSecret, PersonalData];

    public const int NoteMax = 500;

    /// <summary>The states in which a version is waiting for publication and may still be redacted.</summary>
    public static readonly IReadOnlyList<InspectionState> States = [InspectionState.Submitted, InspectionState.UnderReview, InspectionState.Approved];

    /// <summary>Who redacts: reviewers of the lead department (which publishes the result) and platform admins.</summary>
    public static bool MayRedact(Inspection insp, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(insp);
        ArgumentNullException.ThrowIfNull(actor);
        return actor.CanActFor(Roles.Reviewer, insp.LeadDepartment);
    }

    /// <summary>The input's errors, each naming its field: an unknown field or category, a missing or over-long note.</summary>
    public static IReadOnlyList<FieldError> Validate(string? field, string? category, string? note)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(field)) errors.Add(FieldError.Required("field", $"must be one of {string.Join(", ", Fields)}", Fields));
        else if (!Fields.Contains(field, StringComparer.Ordinal)) errors.Add(FieldError.UnknownValue("field", field, Fields, $"must be one of {string.Join(", ", Fields)}"));
        if (string.IsNullOrWhiteSpace(category)) errors.Add(FieldError.Required("category", $"must be one of {string.Join(", ", Categories)}", Categories));
        else if (!Categories.Contains(category, StringComparer.Ordinal)) errors.Add(FieldError.UnknownValue("category", category, Categories, $"must be one of {string.Join(", ", Categories)}"));
        Supervision.Core.Text.TextRules.CheckField(errors, "note", note, required: true, NoteMax, "a note on why the field is withheld");
        return errors;
    }

    /// <summary>The categories withheld in <paramref name="withheld"/> by field (the latest mark of each field counts).</summary>
    public static IReadOnlyDictionary<string, string> ByField(IEnumerable<WithheldField> withheld) =>
        withheld.GroupBy(w => w.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Category, StringComparer.Ordinal);

    /// <summary>The public form of a withheld set: "field:category" pairs, comma-joined in field order (null when nothing is withheld).</summary>
    public static string? Format(IReadOnlyDictionary<string, string> byField) =>
        byField.Count == 0 ? null : string.Join(',', byField.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value));

    /// <summary>Reads <see cref="Format"/>'s text back.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return map;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) map[pair[..colon]] = pair[(colon + 1)..];
        }
        return map;
    }

    /// <summary>The marker a bulk file carries in a withheld cell: never the text, always the category.</summary>
    public static string Marker(string category) => "[withheld: " + category + "]";
}
