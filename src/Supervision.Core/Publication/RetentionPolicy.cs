using Supervision.Core.Validation;

namespace Supervision.Core.Publication;

/// <summary>The kinds of public record a retention period applies to (docs/retention.md).</summary>
public static class PublicRecordKinds
{
    /// <summary>A published inspection result: every published version of one inspection, counted from its first publication.</summary>
    public const string Result = "result";

    /// <summary>An abnormal-operations listing that was removed, counted from its removal (a listing still in force stays public).</summary>
    public const string AbnormalListing = "abnormal-listing";

    public static readonly IReadOnlyList<string> All = [Result, AbnormalListing];
}

/// <summary>
/// Who a public record is about, as the retention rule sees it: a natural person (an individual business, 个体工商户, is run
/// and answered for by its operator) or a legal person (every other registered type).
/// </summary>
public static class SubjectKinds
{
    public const string LegalPerson = "legal-person";
    public const string NaturalPerson = "natural-person";

    /// <summary>The entity-type codes (the first two characters of the credit code, market_entities.entity_type) of natural-person subjects.</summary>
    public static readonly IReadOnlyList<string> NaturalPersonTypes = ["92"];

    /// <summary>
    /// The subject kind of an entity of <paramref name="entityType"/> (the directory's type code); when the entity is no longer in the
    /// directory, the type is read from the first two characters of its credit code, which carry the same code (GB 32100).
    /// </summary>
    public static string Of(string? entityType, string creditCode)
    {
        ArgumentNullException.ThrowIfNull(creditCode);
        var type = string.IsNullOrWhiteSpace(entityType) ? (creditCode.Length >= 2 ? creditCode[..2] : creditCode) : entityType.Trim();
        return NaturalPersonTypes.Contains(type, StringComparer.OrdinalIgnoreCase) ? NaturalPerson : LegalPerson;
    }
}

/// <summary>How many years one kind of record stays public, for a legal-person and for a natural-person subject.</summary>
public sealed record RetentionPeriod(int LegalPersonYears, int NaturalPersonYears)
{
    public int YearsFor(string subjectKind) => subjectKind == SubjectKinds.NaturalPerson ? NaturalPersonYears : LegalPersonYears;
}

/// <summary>
/// How long the public may see each kind of record (docs/retention.md). The defaults are the figures of one province's rule
/// quoted in the domain notes: five years, two where the subject is a natural person. A record is public from its start date
/// (a result's first publication, a listing's removal) up to, not including, the same calendar date that many years later
/// (29 February counts to 28 February in a common year); on that date the expiry job withdraws it from every public surface.
/// </summary>
public sealed record RetentionPolicy(RetentionPeriod Results, RetentionPeriod AbnormalListings)
{
    public const int MaxYears = 100;

    public static RetentionPolicy Default { get; } = new(new RetentionPeriod(5, 2), new RetentionPeriod(5, 2));

    public RetentionPeriod PeriodOf(string recordKind) => recordKind switch
    {
        PublicRecordKinds.Result => Results,
        PublicRecordKinds.AbnormalListing => AbnormalListings,
        _ => throw new ArgumentOutOfRangeException(nameof(recordKind), recordKind, "not a kind of public record"),
    };

    public int YearsFor(string recordKind, string subjectKind) => PeriodOf(recordKind).YearsFor(subjectKind);

    /// <summary>The first day a record that became public on <paramref name="publicFrom"/> is no longer public.</summary>
    public DateOnly ExpiresOn(string recordKind, string subjectKind, DateOnly publicFrom) => publicFrom.AddYears(YearsFor(recordKind, subjectKind));

    /// <summary>Whether the record is past its period on <paramref name="today"/>.</summary>
    public bool IsExpired(string recordKind, string subjectKind, DateOnly publicFrom, DateOnly today) => ExpiresOn(recordKind, subjectKind, publicFrom) <= today;

    /// <summary>
    /// The latest start date any record of <paramref name="recordKind"/> may have to be expired on <paramref name="today"/> (the shortest
    /// period, one day of slack for 29 February): what a store reads as candidates before <see cref="IsExpired"/> decides each.
    /// </summary>
    public DateOnly CandidatesUpTo(string recordKind, DateOnly today)
    {
        var period = PeriodOf(recordKind);
        return today.AddYears(-Math.Min(period.LegalPersonYears, period.NaturalPersonYears)).AddDays(1);
    }

    /// <summary>What is wrong with the policy, naming each setting: every period 1–<see cref="MaxYears"/> years.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        void Check(string field, int years)
        {
            if (years is < 1 or > MaxYears) errors.Add(FieldError.OutOfRange(field, 1, MaxYears, years, $"must be 1–{MaxYears} years"));
        }
        Check("ResultYears", Results.LegalPersonYears);
        Check("ResultNaturalPersonYears", Results.NaturalPersonYears);
        Check("AbnormalListingYears", AbnormalListings.LegalPersonYears);
        Check("AbnormalListingNaturalPersonYears", AbnormalListings.NaturalPersonYears);
        return errors;
    }
}

/// <summary>A public record the expiry job looks at: what it is, whom it is about, and the date it became public.</summary>
public sealed record RetentionCandidate(string RecordKind, string RecordId, string EntityCreditCode, string? EntityType, DateOnly PublicFrom);

/// <summary>A record the policy withdraws: the candidate, its subject kind and the day its period ended.</summary>
public sealed record RetentionWithdrawal(string RecordKind, string RecordId, string EntityCreditCode, string SubjectKind, DateOnly PublicFrom, DateOnly ExpiredOn);

/// <summary>The expiry job's decision, pure.</summary>
public static class Retention
{
    /// <summary>The candidates past their period on <paramref name="today"/>, each with its subject kind and expiry date.</summary>
    public static IReadOnlyList<RetentionWithdrawal> Expired(RetentionPolicy policy, IEnumerable<RetentionCandidate> candidates, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(candidates);
        var withdrawn = new List<RetentionWithdrawal>();
        foreach (var c in candidates)
        {
            var subject = SubjectKinds.Of(c.EntityType, c.EntityCreditCode);
            var expires = policy.ExpiresOn(c.RecordKind, subject, c.PublicFrom);
            if (expires <= today) withdrawn.Add(new RetentionWithdrawal(c.RecordKind, c.RecordId, c.EntityCreditCode, subject, c.PublicFrom, expires));
        }
        return withdrawn;
    }
}
