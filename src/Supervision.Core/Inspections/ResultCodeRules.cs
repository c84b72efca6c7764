using System.Collections.Frozen;

namespace Supervision.Core.Inspections;

/// <summary>
/// How the standard result codes (domain.md, result-codes.json) combine on one item. Codes are
/// multi-select, but some combinations contradict each other:
/// <list type="bullet">
/// <item><b>"1" no problem found</b> stands alone: any other code says something was found or the
/// check could not be done.</item>
/// <item><b>"6" cannot be reached at the registered address</b> stands alone: nobody was met, so nothing
/// about the business can be recorded; it is the code that leads to the abnormal-operations list.</item>
/// <item><b>Registration end states "9"–"12"</b> (deregistered, revoked, cancelled, moved out) stand alone:
/// the entity is no longer one the item can be checked against.</item>
/// <item><b>"F" no activity of the inspected kind</b> cannot be combined with a problem code: a violation
/// of rules for an activity that is not carried on is a contradiction.</item>
/// </list>
/// Findings text is required whenever any code other than "1" is chosen (a problem, or a reason the
/// check could not be done, must be described); it is optional with "1".
/// The sets are data so another platform's table can be plugged in; <see cref="Default"/> matches the
/// shipped table.
/// </summary>
public sealed record ResultCodeRules(
    string NoProblem,
    string Unreachable,
    string NoActivity,
    IReadOnlySet<string> ProblemCodes,
    IReadOnlySet<string> RegistrationEndCodes)
{
    public static readonly ResultCodeRules Default = new(
        NoProblem: "1",
        Unreachable: "6",
        NoActivity: "F",
        ProblemCodes: new[] { "A", "B", "C", "D", "E", "G", "3", "4", "5", "8" }.ToFrozenSet(StringComparer.Ordinal),
        RegistrationEndCodes: new[] { "9", "10", "11", "12" }.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>True when the codes record that a problem was found.</summary>
    public bool FoundProblem(IEnumerable<string> codes) => codes.Any(ProblemCodes.Contains);

    /// <summary>True when the code must be the only one on its item.</summary>
    public bool StandsAlone(string code) =>
        code == NoProblem || code == Unreachable || RegistrationEndCodes.Contains(code);

    /// <summary>
    /// The reason the combination is not allowed, or null when it is. Duplicates and unknown codes are
    /// checked elsewhere.
    /// </summary>
    public string? Conflict(IReadOnlyCollection<string> codes)
    {
        if (codes.Count > 1)
        {
            foreach (var c in codes)
            {
                if (StandsAlone(c))
                {
                    return $"code {c} cannot be combined with other codes ({Describe(c)})";
                }
            }
        }

        if (codes.Contains(NoActivity) && FoundProblem(codes))
        {
            var problems = string.Join(", ", codes.Where(ProblemCodes.Contains));
            return $"code {NoActivity} (no activity of the inspected kind) contradicts problem code(s) {problems}";
        }

        return null;
    }

    /// <summary>True when findings text is required for these codes: any code other than "no problem found".</summary>
    public bool FindingsRequired(IReadOnlyCollection<string> codes) => codes.Any(c => c != NoProblem);

    private string Describe(string code) =>
        code == NoProblem ? "no problem found excludes any finding"
        : code == Unreachable ? "an unreachable entity was not inspected"
        : "the registration has ended";
}
