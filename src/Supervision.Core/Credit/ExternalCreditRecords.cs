using System.Globalization;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Core.Credit;

/// <summary>What an imported external record says happened.</summary>
public enum ExternalRecordKind
{
    /// <summary>An administrative penalty decision (行政处罚), with a severity.</summary>
    Penalty = 0,
    /// <summary>Listed as a serious violator (严重违法失信名单) by another authority.</summary>
    SeriousViolation = 1,
}

/// <summary>
/// One line of an external-records CSV (docs/csv-formats.md, "credit-records.csv"). <see cref="Authority"/> and
/// <see cref="Reference"/> (the decision number) identify the record: importing the same pair again with other
/// values corrects it, importing it unchanged does nothing.
/// </summary>
public sealed record ExternalCreditRecord(
    string CreditCode,
    string Authority,
    string Reference,
    ExternalRecordKind Kind,
    PenaltySeverity? Severity,
    DateOnly OccurredOn,
    string Description)
{
    /// <summary>How a penalty is stored (<c>credit_external_records.kind</c>).</summary>
    public const string PenaltyKind = "penalty";

    /// <summary>How a serious-violation listing is stored (<c>credit_external_records.kind</c>).</summary>
    public const string SeriousViolationKind = "serious-violation";

    /// <summary>The stored kind of this record.</summary>
    public string KindCode => Kind == ExternalRecordKind.Penalty ? PenaltyKind : SeriousViolationKind;

    /// <summary>
    /// True when <paramref name="latest"/>, the latest stored record of the same (authority, reference), already says what
    /// this one says — entity, kind, severity, date and description: importing it again changes nothing.
    /// </summary>
    public bool Repeats(ExternalRecordFact? latest) =>
        latest is not null && latest.EntityCreditCode == CreditCode && latest.Kind == KindCode && latest.Severity == Severity?.ToString()
        && latest.OccurredOn == OccurredOn && latest.Description == Description;

    /// <summary>The credit event this record stands for.</summary>
    public CreditEvent ToEvent() => Kind == ExternalRecordKind.Penalty
        ? CreditEvent.Penalty(ChinaDay(OccurredOn), Severity ?? PenaltySeverity.Minor, $"{Authority} {Reference}")
        : CreditEvent.Of(CreditEventKind.SeriousViolationListed, ChinaDay(OccurredOn), $"{Authority} {Reference}");

    /// <summary>Dates are Beijing dates; an event dated D counts from 00:00 Beijing time (16:00 UTC the day before).</summary>
    public static DateTimeOffset ChinaDay(DateOnly d) => new(d.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8));
}

/// <summary>Reader of external-records CSVs: the directory CSV rules (encoding, quoting, line numbers, error kinds).</summary>
public static class ExternalCreditCsv
{
    public static readonly IReadOnlyList<string> Columns = ["creditCode", "authority", "reference", "kind", "severity", "occurredOn", "description"];

    public static readonly IReadOnlyList<string> RequiredColumns = ["creditCode", "authority", "reference", "kind", "occurredOn"];

    public const int TextMax = 100;

    public const int DescriptionMax = 2000;

    /// <summary>Reads the file row by row; <paramref name="today"/> (Beijing) bounds the dates (no future records).</summary>
    public static IEnumerable<CsvReadResult<ExternalCreditRecord>> Read(Stream stream, DateOnly today) =>
        DirectoryCsv.ReadRows(stream, Columns, RequiredColumns, f => Parse(f, today));

    private static (ExternalCreditRecord?, List<FieldError>, IReadOnlyList<string>) Parse(string[] f, DateOnly today)
    {
        var errors = new List<FieldError>();
        var code = CreditCode.Normalize(f[0]);
        if (code.Length != 18 || code.Any(c => CreditCode.CharValue(c) < 0))
            errors.Add(FieldError.Format("creditCode", FieldFormats.CreditCode, $"must be an 18-character unified social credit code, got '{f[0].Trim()}'", f[0].Trim()));
        var authority = f[1].Trim();
        var reference = f[2].Trim();
        Text(errors, "authority", authority);
        Text(errors, "reference", reference);
        ExternalRecordKind? kind = f[3].Trim().ToLowerInvariant() switch
        {
            "penalty" or "行政处罚" => ExternalRecordKind.Penalty,
            "serious-violation" or "严重违法失信" => ExternalRecordKind.SeriousViolation,
            _ => null,
        };
        if (kind is null) errors.Add(FieldError.UnknownValue("kind", f[3].Trim(), ["penalty", "serious-violation"], $"must be 'penalty' or 'serious-violation', got '{f[3].Trim()}'"));
        PenaltySeverity? severity = null;
        var sev = f[4].Trim();
        if (kind == ExternalRecordKind.Penalty)
        {
            severity = sev.ToLowerInvariant() switch
            {
                "minor" or "一般" => PenaltySeverity.Minor,
                "serious" or "较重" => PenaltySeverity.Serious,
                "grave" or "严重" => PenaltySeverity.Grave,
                _ => null,
            };
            if (severity is null) errors.Add(FieldError.UnknownValue("severity", sev, ["minor", "serious", "grave"], $"a penalty needs 'minor', 'serious' or 'grave', got '{sev}'"));
        }
        else if (kind == ExternalRecordKind.SeriousViolation && sev.Length > 0)
        {
            errors.Add(FieldError.Conflict("severity", "must be empty for a serious-violation listing", other: "kind"));
        }
        DateOnly occurred = default;
        var dateText = f[5].Trim();
        if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out occurred))
            errors.Add(FieldError.Format("occurredOn", FieldFormats.Date, $"'{dateText}' is not a date in the form yyyy-MM-dd", dateText));
        else if (occurred > today)
            errors.Add(FieldError.TooLate("occurredOn", $"{dateText} is in the future (today is {today:yyyy-MM-dd})"));
        var description = f[6].Trim();
        if (description.Length > DescriptionMax) errors.Add(FieldError.TooLong("description", DescriptionMax, description.Length, $"at most {DescriptionMax} characters"));
        else Supervision.Core.Text.TextRules.Check(errors, "description", description, multiLine: true);
        if (errors.Count > 0) return (null, errors, []);
        return (new ExternalCreditRecord(code, authority, reference, kind!.Value, severity, occurred, description), errors, []);
    }

    private static void Text(List<FieldError> errors, string field, string value)
    {
        if (value.Length == 0) errors.Add(FieldError.Required(field));
        else if (value.Length > TextMax) errors.Add(FieldError.TooLong(field, TextMax, value.Length, $"at most {TextMax} characters"));
        else Supervision.Core.Text.TextRules.Check(errors, field, value);
    }
}
