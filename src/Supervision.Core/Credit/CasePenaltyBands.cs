using System.Globalization;
using Supervision.Core.Validation;

namespace Supervision.Core.Credit;

/// <summary>
/// The severity a penalty concluded by a follow-up case counts with in the credit model (docs/credit-model.md, "Follow-up
/// cases"), by its amount in yuan: below <see cref="SeriousFromYuan"/> minor, below <see cref="GraveFromYuan"/> serious,
/// from it grave. The defaults (10 000 and 1 000 000 yuan) are the platform's, not figures of law: what counts as a
/// "larger amount" (较大数额罚款) is set by each province and differs for natural and legal persons; a regulator configures
/// its own (Supervision:Credit:CasePenalties).
/// </summary>
public sealed record CasePenaltyBands(decimal SeriousFromYuan, decimal GraveFromYuan)
{
    public static readonly CasePenaltyBands Default = new(10_000m, 1_000_000m);

    /// <summary>The severity of a penalty of <paramref name="amountYuan"/>.</summary>
    public PenaltySeverity Severity(decimal amountYuan) =>
        amountYuan >= GraveFromYuan ? PenaltySeverity.Grave : amountYuan >= SeriousFromYuan ? PenaltySeverity.Serious : PenaltySeverity.Minor;

    /// <summary>Both bounds above zero, the serious one below the grave one.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (SeriousFromYuan <= 0)
            errors.Add(FieldError.OutOfRange("casePenalties.seriousFromYuan", above: 0, actual: (double)SeriousFromYuan,
                reason: string.Create(CultureInfo.InvariantCulture, $"must be above zero (yuan), got {SeriousFromYuan}")));
        if (GraveFromYuan <= SeriousFromYuan)
            errors.Add(FieldError.OutOfRange("casePenalties.graveFromYuan", above: (double)SeriousFromYuan, actual: (double)GraveFromYuan,
                reason: string.Create(CultureInfo.InvariantCulture, $"must be greater than casePenalties.seriousFromYuan ({SeriousFromYuan}), got {GraveFromYuan}")));
        return errors;
    }
}
