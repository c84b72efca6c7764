using System.Globalization;
using Supervision.Core.Draw;

namespace Supervision.Core.Tasks;

/// <summary>One credit class of a preview: how many entities match the filter and how many the rule is expected to draw.</summary>
public sealed record ClassPreview(string CreditClass, long Population, decimal ExpectedSample, string Rule);

/// <summary>
/// A task's population and expected sample before it is frozen (no exclusions for yearly caps yet), and what would stop
/// the teams from being staffed (<see cref="Staffing"/>, empty when nothing is known to: the freeze checks the same with
/// the exact sample).
/// </summary>
public sealed record TaskPreview(string Mode, long Population, decimal ExpectedSample, IReadOnlyList<ClassPreview> Classes)
{
    public IReadOnlyList<string> Staffing { get; init; } = [];

    /// <summary>The items whose object scope limits the population (the others apply to every entity).</summary>
    public IReadOnlyList<ItemScope> Scope { get; init; } = [];
}

/// <summary>
/// What a sampling rule will draw from a census per credit class, computed the way the draw plans it
/// (<see cref="EntityDraw.Plan"/>): stratified n_h = min(N_h, count) or min(N_h, max(1, ceil(ratio·N_h)));
/// Pareto λ_i = n·w_i/Σw capped at 1, so a class's expected sample is the sum of its members' inclusion probabilities.
/// </summary>
public static class SamplePreview
{
    public static TaskPreview Of(TaskDefinition definition, IReadOnlyDictionary<string, long> census)
    {
        var strata = definition.Strata;
        long Count(string c) => census.TryGetValue(c, out var n) ? n : 0;
        var classes = new List<ClassPreview>();
        if (definition.Sampling.Mode != DrawModes.Pareto)
        {
            foreach (var c in strata)
            {
                var n = Count(c);
                var quota = definition.Sampling.Classes.FirstOrDefault(q => q.CreditClass == c);
                long take;
                string rule;
                if (quota?.Count is { } count)
                {
                    take = count;
                    rule = count.ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    var ratio = decimal.Parse(quota?.Ratio ?? "0", CultureInfo.InvariantCulture);
                    take = Math.Max(1, (long)Math.Ceiling(ratio * n));
                    rule = (ratio * 100).ToString("0.####", CultureInfo.InvariantCulture) + "%";
                }

                classes.Add(new ClassPreview(c, n, n == 0 ? 0 : Math.Min(take, n), rule));
            }
        }
        else
        {
            // Members of one class share a weight, and while walking from the largest weight the test a·w ≥ D keeps its
            // value inside a class (a drops by one, D by w): a class is capped as a whole or not at all.
            var total = definition.Sampling.Total ?? 0;
            var weights = strata.ToDictionary(c => c, c => decimal.Parse(definition.Sampling.Weights[c], CultureInfo.InvariantCulture), StringComparer.Ordinal);
            decimal a = total;
            var d = strata.Sum(c => weights[c] * Count(c));
            var capped = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in strata.Where(c => Count(c) > 0).OrderByDescending(c => weights[c]))
            {
                if (a <= 0 || a * weights[c] < d) break;
                capped.Add(c);
                a -= Count(c);
                d -= weights[c] * Count(c);
            }

            foreach (var c in strata)
            {
                var n = Count(c);
                var expected = capped.Contains(c) ? n : d <= 0 || a <= 0 ? 0 : Math.Round(a * weights[c] * n / d, 2);
                classes.Add(new ClassPreview(c, n, expected, "w " + definition.Sampling.Weights[c]));
            }
        }

        return new TaskPreview(definition.Sampling.Mode, classes.Sum(c => c.Population), classes.Sum(c => c.ExpectedSample), classes);
    }
}
