using System.Text.RegularExpressions;
using Supervision.Core.Reference;
using Supervision.Core.Validation;

namespace Supervision.Core.Registry;

/// <summary>Outcome of validating a record: errors (reject) and flags (accept, but mark).</summary>
public sealed record RecordValidation(IReadOnlyList<FieldError> Errors, IReadOnlyList<string> Flags)
{
    public static readonly RecordValidation Ok = new([], []);

    public bool IsValid => Errors.Count == 0;
}

/// <summary>Field limits shared by the validators, the CSV reader and the API.</summary>
public static class FieldLimits
{
    public const int NameMax = 200;
    public const int AddressMax = 300;
    public const int PersonNameMax = 50;
    public const int TagMax = 50;
    public const int TagsMax = 32;
    public const int CertificateNoMax = 32;
    public const int DepartmentCodeMax = 32;
    public const int SpecialtiesMax = 64;
    public const int ConflictsMax = 200;
}

internal static partial class FieldRules
{
    public static readonly DateOnly EarliestDate = new(1949, 10, 1);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9\\-]*$")]
    public static partial Regex CodeLike();

    public static void Text(List<FieldError> errors, string field, string? value, bool required, int max, bool allowLineBreaks = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors.Add(FieldError.Required(field));
            }

            return;
        }

        if (value.Trim().Length == 0)
        {
            errors.Add(FieldError.Whitespace(field, onlyWhitespace: true, required));
            return;
        }

        if (value.Length != value.Trim().Length)
        {
            errors.Add(FieldError.Whitespace(field, onlyWhitespace: false));
        }

        if (value.Length > max)
        {
            errors.Add(FieldError.TooLong(field, max, value.Length));
        }

        Supervision.Core.Text.TextRules.Check(errors, field, value, multiLine: allowLineBreaks);
    }

    /// <summary>Each entry of a ';'-separated list (tags, specialties) is one line of text.</summary>
    public static void ListText(List<FieldError> errors, string field, IReadOnlyList<string> entries)
    {
        foreach (var entry in entries)
        {
            if (!Supervision.Core.Text.TextRules.Check(errors, field, entry))
            {
                break;
            }
        }
    }

    public static void Code(List<FieldError> errors, string field, string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(FieldError.Required(field));
        }
        else if (value.Length > max)
        {
            errors.Add(FieldError.TooLong(field, max, value.Length));
        }
        else if (!CodeLike().IsMatch(value))
        {
            errors.Add(FieldError.Format(field, FieldFormats.Code, "may contain only letters, digits and '-' and must start with a letter or digit", value));
        }
    }
}

/// <summary>Validates <see cref="MarketEntityRecord"/>s against the reference tables.</summary>
public static class MarketEntityValidator
{
    /// <summary>
    /// Checks a (normalised) record. Strict: both credit-code check characters must be right.
    /// Lenient: a well-formed code with a wrong check character is accepted and flagged
    /// <see cref="RecordFlags.ChecksumReview"/>. Errors name fields in camelCase.
    /// </summary>
    public static RecordValidation Validate(MarketEntityRecord record, ReferenceData reference, ValidationMode mode = ValidationMode.Strict)
    {
        var errors = new List<FieldError>();
        var flags = new List<string>(1);

        var cc = CreditCode.Validate(record.CreditCode);
        if (!cc.IsValid)
        {
            if (cc.IsAcceptable(mode))
            {
                flags.Add(RecordFlags.ChecksumReview);
            }
            else
            {
                errors.Add(cc.ToFieldError("creditCode"));
            }
        }

        if (record.LegacyRegNo is not null && LegacyRegistrationNumber.Validate(record.LegacyRegNo) is { } regNoError)
        {
            errors.Add(FieldError.Format("legacyRegNo", FieldFormats.Code, regNoError, record.LegacyRegNo));
        }

        FieldRules.Text(errors, "name", record.Name, required: true, FieldLimits.NameMax);

        if (string.IsNullOrEmpty(record.EntityType))
        {
            errors.Add(FieldError.Required("entityType"));
        }
        else if (!reference.IsValidEntityType(record.EntityType))
        {
            errors.Add(FieldError.UnknownValue("entityType", record.EntityType, reason: $"unknown entity type '{record.EntityType}'"));
        }
        else if ((cc.IsValid || cc.IsChecksumFailure) && !record.CreditCode.StartsWith(record.EntityType, StringComparison.Ordinal))
        {
            errors.Add(FieldError.Mismatch("entityType", $"'{record.EntityType}' does not match the credit code's type '{record.CreditCode[..2]}'", other: "creditCode", value: record.EntityType));
        }

        if (string.IsNullOrEmpty(record.IndustryCode))
        {
            errors.Add(FieldError.Required("industryCode"));
        }
        else if (reference.IndustryDivisionOf(record.IndustryCode) is null)
        {
            errors.Add(FieldError.UnknownValue("industryCode", record.IndustryCode, reason: $"'{record.IndustryCode}' is not a known GB/T 4754-2017 division, group or class code"));
        }

        if (string.IsNullOrEmpty(record.DivisionCode))
        {
            errors.Add(FieldError.Required("divisionCode"));
        }
        else if (!ReferenceData.IsSixDigits(record.DivisionCode))
        {
            errors.Add(FieldError.Format("divisionCode", FieldFormats.DivisionCode, $"must be 6 digits, got '{record.DivisionCode}'", record.DivisionCode));
        }
        else if (!reference.IsValidDivision(record.DivisionCode))
        {
            errors.Add(FieldError.UnknownValue("divisionCode", record.DivisionCode, reason: $"'{record.DivisionCode}' is not a known GB/T 2260 division"));
        }

        FieldRules.Text(errors, "address", record.Address, required: false, FieldLimits.AddressMax, allowLineBreaks: true);
        FieldRules.Text(errors, "legalRepresentative", record.LegalRepresentative, required: false, FieldLimits.PersonNameMax);

        if (string.IsNullOrEmpty(record.Status))
        {
            errors.Add(FieldError.Required("status"));
        }
        else if (!reference.IsValidStatus(record.Status))
        {
            errors.Add(FieldError.UnknownValue("status", record.Status, reference.EntityStatuses.Select(s => s.Code), $"unknown status '{record.Status}' (expected one of {string.Join(", ", reference.EntityStatuses.Select(s => s.Code))})"));
        }

        if (record.RegisteredOn is { } d && d < FieldRules.EarliestDate)
        {
            errors.Add(FieldError.TooEarly("registeredOn", $"must not be before {FieldRules.EarliestDate:yyyy-MM-dd}", limit: FieldRules.EarliestDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (record.CreditClass is not null && !reference.IsValidCreditClass(record.CreditClass))
        {
            errors.Add(FieldError.UnknownValue("creditClass", record.CreditClass, reference.CreditClasses.Select(c => c.Code), $"unknown credit class '{record.CreditClass}' (expected one of {string.Join(", ", reference.CreditClasses.Select(c => c.Code))})"));
        }

        if (record.Tags.Count > FieldLimits.TagsMax)
        {
            errors.Add(FieldError.TooMany("tags", FieldLimits.TagsMax, record.Tags.Count, $"at most {FieldLimits.TagsMax} tags, got {record.Tags.Count}"));
        }

        foreach (var tag in record.Tags)
        {
            if (tag.Length == 0 || tag.Length > FieldLimits.TagMax || tag.Contains(';') || tag.Trim().Length != tag.Length)
            {
                errors.Add(FieldError.Format("tags", FieldFormats.Text, $"tag '{tag}' must be 1-{FieldLimits.TagMax} characters, trimmed, without ';'", tag));
                break;
            }
        }

        FieldRules.ListText(errors, "tags", record.Tags);

        return errors.Count == 0 && flags.Count == 0 ? RecordValidation.Ok : new RecordValidation(errors, flags);
    }
}

/// <summary>Validates <see cref="InspectorRecord"/>s.</summary>
public static class InspectorValidator
{
    /// <summary>
    /// Checks a (normalised) record. <paramref name="knownDepartment"/>, when given, must accept the
    /// department code. Conflicts must be well-formed credit codes; strict mode also requires
    /// their check characters.
    /// </summary>
    public static RecordValidation Validate(InspectorRecord record, ValidationMode mode = ValidationMode.Strict, Func<string, bool>? knownDepartment = null)
    {
        var errors = new List<FieldError>();
        FieldRules.Code(errors, "certificateNo", record.CertificateNo, FieldLimits.CertificateNoMax);
        FieldRules.Text(errors, "name", record.Name, required: true, FieldLimits.PersonNameMax);
        FieldRules.Code(errors, "departmentCode", record.DepartmentCode, FieldLimits.DepartmentCodeMax);
        if (knownDepartment is not null && !string.IsNullOrEmpty(record.DepartmentCode) && !knownDepartment(record.DepartmentCode))
        {
            errors.Add(FieldError.NotFound("departmentCode", record.DepartmentCode, $"unknown department '{record.DepartmentCode}'"));
        }

        if (record.CertificateExpiresOn < FieldRules.EarliestDate)
        {
            errors.Add(FieldError.Required("certificateExpiresOn", "is required (a date after 1949-10-01)"));
        }

        if (!InspectorStatusCodes.IsValid(record.Status))
        {
            errors.Add(FieldError.UnknownValue("status", record.Status, [InspectorStatusCodes.Active, InspectorStatusCodes.Inactive], $"must be '{InspectorStatusCodes.Active}' or '{InspectorStatusCodes.Inactive}', got '{record.Status}'"));
        }

        if (record.Specialties.Count > FieldLimits.SpecialtiesMax)
        {
            errors.Add(FieldError.TooMany("specialties", FieldLimits.SpecialtiesMax, record.Specialties.Count));
        }

        foreach (var s in record.Specialties)
        {
            if (s.Length == 0 || s.Length > FieldLimits.TagMax || s.Contains(';') || s.Trim().Length != s.Length)
            {
                errors.Add(FieldError.Format("specialties", FieldFormats.Text, $"entry '{s}' must be 1-{FieldLimits.TagMax} characters, trimmed, without ';'", s));
                break;
            }
        }

        FieldRules.ListText(errors, "specialties", record.Specialties);

        if (record.Conflicts.Count > FieldLimits.ConflictsMax)
        {
            errors.Add(FieldError.TooMany("conflicts", FieldLimits.ConflictsMax, record.Conflicts.Count));
        }

        for (var i = 0; i < record.Conflicts.Count; i++)
        {
            var v = CreditCode.Validate(record.Conflicts[i]);
            if (!v.IsAcceptable(mode))
            {
                errors.Add(v.ToFieldError("conflicts", $"entry {i + 1} '{record.Conflicts[i]}': "));
                break;
            }
        }

        return errors.Count == 0 ? RecordValidation.Ok : new RecordValidation(errors, []);
    }
}

/// <summary>
/// Validates a department's own fields; its place in the hierarchy is checked against the stored departments with
/// <see cref="ParentError"/>. The API's and the department service's one rule (the fields arrive as the request had them).
/// </summary>
public static class DepartmentValidator
{
    /// <summary>Approved results are published at once.</summary>
    public const string PublishAutomatically = "automatic";

    /// <summary>A publisher releases approved results (the default).</summary>
    public const string PublishByPublisher = "publisher";

    public static List<FieldError> Validate(string? code, string? name, string? divisionCode, string? publishMode, int? yearlyCap, ReferenceData reference)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(code) || code.Length > FieldLimits.DepartmentCodeMax || !code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            var reason = $"is required: up to {FieldLimits.DepartmentCodeMax} letters, digits or '-'";
            errors.Add(string.IsNullOrWhiteSpace(code) ? FieldError.Required("code", reason)
                : code.Length > FieldLimits.DepartmentCodeMax ? FieldError.TooLong("code", FieldLimits.DepartmentCodeMax, code.Length, reason)
                : FieldError.Format("code", FieldFormats.Code, reason, code));
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > FieldLimits.NameMax)
        {
            errors.Add(FieldError.RequiredText("name", name, FieldLimits.NameMax, $"is required, at most {FieldLimits.NameMax} characters"));
        }
        else
        {
            Text.TextRules.Check(errors, "name", name);
        }

        if (divisionCode is not null && !reference.IsValidDivision(divisionCode))
        {
            errors.Add(FieldError.UnknownValue("divisionCode", divisionCode, reason: $"'{divisionCode}' is not a known GB/T 2260 division code"));
        }

        if (publishMode is not null and not (PublishAutomatically or PublishByPublisher))
        {
            errors.Add(FieldError.UnknownValue("publishMode", publishMode, [PublishAutomatically, PublishByPublisher], "must be 'automatic' or 'publisher'"));
        }

        if (yearlyCap is < 1 or > 100)
        {
            errors.Add(FieldError.OutOfRange("yearlyCap", 1, 100, yearlyCap, "must be between 1 and 100 inspections per entity per year"));
        }

        return errors;
    }

    /// <summary>
    /// Why <paramref name="parent"/> cannot be the parent of <paramref name="code"/>: itself, not a department
    /// (<paramref name="parentExists"/>), or below it (<paramref name="parentAncestors"/>, nearest first) — a cycle; null when it can.
    /// </summary>
    public static FieldError? ParentError(string code, string parent, bool parentExists, IReadOnlyCollection<string> parentAncestors) =>
        parent == code ? FieldError.NotAllowed("parentCode", "a department cannot be its own parent", parent)
        : !parentExists ? FieldError.NotFound("parentCode", parent, $"there is no department '{parent}'")
        : parentAncestors.Contains(code) ? FieldError.NotAllowed("parentCode", $"'{parent}' is below '{code}'; the hierarchy would become a cycle", parent)
        : null;
}
