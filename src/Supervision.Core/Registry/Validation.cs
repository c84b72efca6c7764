using System.Text.RegularExpressions;
using Supervision.Core.Reference;

namespace Supervision.Core.Registry;

/// <summary>One problem with one field; <see cref="Field"/> is the camelCase JSON/CSV name ("" for the whole row).</summary>
public sealed record FieldError(string Field, string Reason)
{
    public override string ToString() => Field.Length == 0 ? Reason : $"{Field}: {Reason}";
}

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
                errors.Add(new FieldError(field, "is required"));
            }

            return;
        }

        if (value.Trim().Length == 0)
        {
            errors.Add(new FieldError(field, required ? "is required (only whitespace given)" : "must not be only whitespace"));
            return;
        }

        if (value.Length != value.Trim().Length)
        {
            errors.Add(new FieldError(field, "must not have leading or trailing whitespace"));
        }

        if (value.Length > max)
        {
            errors.Add(new FieldError(field, $"must be at most {max} characters, got {value.Length}"));
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
            errors.Add(new FieldError(field, "is required"));
        }
        else if (value.Length > max)
        {
            errors.Add(new FieldError(field, $"must be at most {max} characters, got {value.Length}"));
        }
        else if (!CodeLike().IsMatch(value))
        {
            errors.Add(new FieldError(field, "may contain only letters, digits and '-' and must start with a letter or digit"));
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
                errors.Add(new FieldError("creditCode", cc.Reason!));
            }
        }

        if (record.LegacyRegNo is not null && LegacyRegistrationNumber.Validate(record.LegacyRegNo) is { } regNoError)
        {
            errors.Add(new FieldError("legacyRegNo", regNoError));
        }

        FieldRules.Text(errors, "name", record.Name, required: true, FieldLimits.NameMax);

        if (string.IsNullOrEmpty(record.EntityType))
        {
            errors.Add(new FieldError("entityType", "is required"));
        }
        else if (!reference.IsValidEntityType(record.EntityType))
        {
            errors.Add(new FieldError("entityType", $"unknown entity type '{record.EntityType}'"));
        }
        else if ((cc.IsValid || cc.IsChecksumFailure) && !record.CreditCode.StartsWith(record.EntityType, StringComparison.Ordinal))
        {
            errors.Add(new FieldError("entityType", $"'{record.EntityType}' does not match the credit code's type '{record.CreditCode[..2]}'"));
        }

        if (string.IsNullOrEmpty(record.IndustryCode))
        {
            errors.Add(new FieldError("industryCode", "is required"));
        }
        else if (reference.IndustryDivisionOf(record.IndustryCode) is null)
        {
            errors.Add(new FieldError("industryCode", $"'{record.IndustryCode}' is not a known GB/T 4754-2017 division, group or class code"));
        }

        if (string.IsNullOrEmpty(record.DivisionCode))
        {
            errors.Add(new FieldError("divisionCode", "is required"));
        }
        else if (!ReferenceData.IsSixDigits(record.DivisionCode))
        {
            errors.Add(new FieldError("divisionCode", $"must be 6 digits, got '{record.DivisionCode}'"));
        }
        else if (!reference.IsValidDivision(record.DivisionCode))
        {
            errors.Add(new FieldError("divisionCode", $"'{record.DivisionCode}' is not a known GB/T 2260 division"));
        }

        FieldRules.Text(errors, "address", record.Address, required: false, FieldLimits.AddressMax, allowLineBreaks: true);
        FieldRules.Text(errors, "legalRepresentative", record.LegalRepresentative, required: false, FieldLimits.PersonNameMax);

        if (string.IsNullOrEmpty(record.Status))
        {
            errors.Add(new FieldError("status", "is required"));
        }
        else if (!reference.IsValidStatus(record.Status))
        {
            errors.Add(new FieldError("status", $"unknown status '{record.Status}' (expected one of {string.Join(", ", reference.EntityStatuses.Select(s => s.Code))})"));
        }

        if (record.RegisteredOn is { } d && d < FieldRules.EarliestDate)
        {
            errors.Add(new FieldError("registeredOn", $"must not be before {FieldRules.EarliestDate:yyyy-MM-dd}"));
        }

        if (record.CreditClass is not null && !reference.IsValidCreditClass(record.CreditClass))
        {
            errors.Add(new FieldError("creditClass", $"unknown credit class '{record.CreditClass}' (expected one of {string.Join(", ", reference.CreditClasses.Select(c => c.Code))})"));
        }

        if (record.Tags.Count > FieldLimits.TagsMax)
        {
            errors.Add(new FieldError("tags", $"at most {FieldLimits.TagsMax} tags, got {record.Tags.Count}"));
        }

        foreach (var tag in record.Tags)
        {
            if (tag.Length == 0 || tag.Length > FieldLimits.TagMax || tag.Contains(';') || tag.Trim().Length != tag.Length)
            {
                errors.Add(new FieldError("tags", $"tag '{tag}' must be 1-{FieldLimits.TagMax} characters, trimmed, without ';'"));
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
            errors.Add(new FieldError("departmentCode", $"unknown department '{record.DepartmentCode}'"));
        }

        if (record.CertificateExpiresOn < FieldRules.EarliestDate)
        {
            errors.Add(new FieldError("certificateExpiresOn", "is required (a date after 1949-10-01)"));
        }

        if (!InspectorStatusCodes.IsValid(record.Status))
        {
            errors.Add(new FieldError("status", $"must be '{InspectorStatusCodes.Active}' or '{InspectorStatusCodes.Inactive}', got '{record.Status}'"));
        }

        if (record.Specialties.Count > FieldLimits.SpecialtiesMax)
        {
            errors.Add(new FieldError("specialties", $"at most {FieldLimits.SpecialtiesMax} entries, got {record.Specialties.Count}"));
        }

        foreach (var s in record.Specialties)
        {
            if (s.Length == 0 || s.Length > FieldLimits.TagMax || s.Contains(';') || s.Trim().Length != s.Length)
            {
                errors.Add(new FieldError("specialties", $"entry '{s}' must be 1-{FieldLimits.TagMax} characters, trimmed, without ';'"));
                break;
            }
        }

        FieldRules.ListText(errors, "specialties", record.Specialties);

        if (record.Conflicts.Count > FieldLimits.ConflictsMax)
        {
            errors.Add(new FieldError("conflicts", $"at most {FieldLimits.ConflictsMax} entries, got {record.Conflicts.Count}"));
        }

        for (var i = 0; i < record.Conflicts.Count; i++)
        {
            var v = CreditCode.Validate(record.Conflicts[i]);
            if (!v.IsAcceptable(mode))
            {
                errors.Add(new FieldError("conflicts", $"entry {i + 1} '{record.Conflicts[i]}': {v.Reason}"));
                break;
            }
        }

        return errors.Count == 0 ? RecordValidation.Ok : new RecordValidation(errors, []);
    }
}
