using Supervision.Core.Registry;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Core.Inspections;

/// <summary>How strictly results are checked.</summary>
public enum ValidationMode
{
    /// <summary>Saving a draft: what is given must be well formed; items, codes and details may still be missing.</summary>
    Draft,

    /// <summary>Signing, submitting and amending: every item has a complete result.</summary>
    Complete,
}

/// <summary>
/// Validates the results of one inspection against its items, the result-code table, the
/// combination rules and the evidence policy. Errors carry JSON field paths of the request body
/// <c>{ "items": [ { "itemCode", "resultCodes", "findings", "visitedAt", "visitPlace", "evidence": [...] } ] }</c>,
/// e.g. <c>items[2].resultCodes</c> or <c>items[0].evidence[1].mediaType</c>; the index is the position in
/// the submitted list.
/// </summary>
public sealed class ResultValidator
{
    public const int FindingsMax = 4000;

    public ResultValidator(ReferenceData reference, ResultCodeRules rules, EvidencePolicy evidence)
    {
        Reference = reference;
        Rules = rules;
        Evidence = evidence;
    }

    public static ResultValidator Default { get; } = new(ReferenceData.Default, ResultCodeRules.Default, EvidencePolicy.Default);

    public ReferenceData Reference { get; }

    public ResultCodeRules Rules { get; }

    public EvidencePolicy Evidence { get; }

    /// <param name="items">The inspection's assigned items.</param>
    /// <param name="results">The recorded results, at most one per item.</param>
    /// <param name="mode">Draft or complete.</param>
    /// <param name="now">The current instant: visit times may not lie in the future.</param>
    public IReadOnlyList<FieldError> Validate(IReadOnlyList<InspectionItem> items, IReadOnlyList<ItemResult>? results, ValidationMode mode, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (results is null)
        {
            errors.Add(FieldError.Required("items"));
            return errors;
        }

        var byCode = items.ToDictionary(i => i.ItemCode, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var p = $"items[{i}]";
            if (r is null)
            {
                errors.Add(FieldError.Required(p));
                continue;
            }

            if (string.IsNullOrEmpty(r.ItemCode) || !byCode.TryGetValue(r.ItemCode, out var item))
            {
                errors.Add(FieldError.NotFound(p + ".itemCode", r.ItemCode, $"'{r.ItemCode}' is not an item of this inspection"));
                continue;
            }

            if (!seen.Add(r.ItemCode))
            {
                errors.Add(FieldError.Duplicate(p + ".itemCode", $"item '{r.ItemCode}' has more than one result", r.ItemCode));
                continue;
            }

            CheckOne(item, r, p, mode, now, errors);
        }

        if (mode == ValidationMode.Complete)
        {
            var missing = items.Where(it => !seen.Contains(it.ItemCode)).Select(it => it.ItemCode).ToList();
            if (missing.Count > 0)
            {
                errors.Add(FieldError.Required("items", $"no result for item(s) {string.Join(", ", missing)}", missing));
            }
        }

        return errors;
    }

    private void CheckOne(InspectionItem item, ItemResult r, string p, ValidationMode mode, DateTimeOffset now, List<FieldError> errors)
    {
        var codes = r.ResultCodes ?? [];
        var codesOk = true;
        if (codes.Count == 0 && mode == ValidationMode.Complete)
        {
            errors.Add(FieldError.TooFew(p + ".resultCodes", 1, "choose at least one result code"));
            codesOk = false;
        }

        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < codes.Count; j++)
        {
            var c = codes[j];
            if (!Reference.IsValidResultCode(c))
            {
                errors.Add(FieldError.UnknownValue($"{p}.resultCodes[{j}]", c, reason: $"'{c}' is not a result code"));
                codesOk = false;
            }
            else if (!item.AllowedResultCodes.Contains(c, StringComparer.Ordinal))
            {
                errors.Add(FieldError.NotAllowed($"{p}.resultCodes[{j}]", $"code {c} is not allowed for item {item.ItemCode}; allowed: {string.Join(", ", item.AllowedResultCodes)}", c, item.AllowedResultCodes));
                codesOk = false;
            }
            else if (!distinct.Add(c))
            {
                errors.Add(FieldError.Duplicate($"{p}.resultCodes[{j}]", $"code {c} is chosen twice", c));
                codesOk = false;
            }
        }

        if (codesOk && Rules.Conflict(distinct) is { } conflict)
        {
            errors.Add(FieldError.Conflict(p + ".resultCodes", conflict));
        }

        var findingsRequired = mode == ValidationMode.Complete && Rules.FindingsRequired(distinct);
        Validation_Text(errors, p + ".findings", r.Findings, findingsRequired, FindingsMax, "required when a code other than 1 (no problem found) is chosen");

        if (r.VisitedAt is { } at)
        {
            if (at > now)
            {
                errors.Add(FieldError.TooLate(p + ".visitedAt", "must not be in the future"));
            }
        }
        else if (mode == ValidationMode.Complete)
        {
            errors.Add(FieldError.Required(p + ".visitedAt", "is required (when the check was done)"));
        }

        var placeRequired = mode == ValidationMode.Complete && item.Method == InspectionMethod.OnSite;
        Validation_Text(errors, p + ".visitPlace", r.VisitPlace, placeRequired, FieldLimits.AddressMax, "required for an on-site item");

        Evidence.Check(r.Evidence, p + ".evidence", errors);
    }

    private static void Validation_Text(List<FieldError> errors, string field, string? value, bool required, int max, string whyRequired)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            // Blank text counts as absent (the workflow stores it as null).
            if (required)
            {
                errors.Add(FieldError.Required(field, "is " + whyRequired));
            }

            return;
        }

        if (value.Length > max)
        {
            errors.Add(FieldError.TooLong(field, max, value.Length));
        }

        // Findings and the place are multi-line text (line feeds and tabs), like an address.
        Supervision.Core.Text.TextRules.Check(errors, field, value, multiLine: true);
    }
}
