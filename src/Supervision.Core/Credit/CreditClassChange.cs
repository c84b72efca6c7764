using System.Globalization;
using System.Text;

namespace Supervision.Core.Credit;

/// <summary>
/// An auditable change of class. <see cref="OldClass"/> is null for an entity's first classification.
/// <see cref="Reason"/> is a human-readable sentence naming the crossed threshold and the largest contributions.
/// </summary>
public sealed record CreditClassChange(
    string EntityId,
    CreditClass? OldClass,
    CreditClass NewClass,
    double? OldScore,
    double NewScore,
    DateTimeOffset At,
    string Reason)
{
    /// <summary>True when the new class is riskier (later letter) than the old one.</summary>
    public bool IsDowngrade => OldClass is { } o && NewClass > o;
}

public static class CreditClassChangeDetector
{
    /// <summary>The change between the stored class and a fresh assessment, or null when the class did not change.</summary>
    public static CreditClassChange? Detect(string entityId, CreditClass? previousClass, double? previousScore,
        CreditAssessment current, ClassThresholds thresholds, int contributionsInReason = 3)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (previousClass == current.Class) return null;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (previousClass is null)
        {
            sb.Append(inv, $"first classification: score {current.Score:0.##} → class {current.Class}");
        }
        else
        {
            var boundary = Boundary(previousClass.Value, current.Class, thresholds);
            var dir = current.Class > previousClass.Value ? "fell below" : "reached";
            sb.Append(inv, $"score {(previousScore is { } ps ? ps.ToString("0.##", inv) + " → " : "")}{current.Score:0.##} {dir} {boundary.Name} threshold {boundary.Value:0.##}: class {previousClass} → {current.Class}");
        }
        var top = current.Explanation.Take(contributionsInReason).ToList();
        if (top.Count > 0)
        {
            sb.Append("; largest contributions: ");
            sb.AppendJoin(", ", top.Select(c => string.Create(inv,
                $"{c.Event.Kind} {c.Event.At:yyyy-MM-dd}{(c.Event.Reference is { } r ? " [" + r + "]" : "")} {c.Contribution:+0.##;-0.##}")));
        }
        else
        {
            sb.Append("; no contributing events (baseline)");
        }
        return new CreditClassChange(entityId, previousClass, current.Class, previousScore, current.Score, current.At, sb.ToString());
    }

    /// <summary>
    /// A change the nightly recomputation found: no event came in, older events decayed and the score crossed a threshold.
    /// The reason names the score, the day, the two classes and the thresholds in force.
    /// </summary>
    public static CreditClassChange Nightly(string entityId, CreditClass? oldClass, CreditClass newClass, double newScore, DateTimeOffset at,
        ClassThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"nightly recomputation: score {newScore:0.##} at {at:yyyy-MM-dd}, class {(oldClass?.ToString() ?? "none")} → {newClass} as older events decayed (thresholds A {thresholds.A}, B {thresholds.B}, C {thresholds.C})");
        return new CreditClassChange(entityId, oldClass, newClass, null, newScore, at, reason);
    }

    /// <summary>The threshold that separates the two classes nearest the new one.</summary>
    private static (string Name, double Value) Boundary(CreditClass from, CreditClass to, ClassThresholds t)
    {
        // Downgrade: the lower bound of the class just above the new one was crossed; upgrade: the new class's lower bound.
        var cls = to > from ? to - 1 : to;
        return cls switch
        {
            CreditClass.A => ("A", t.A),
            CreditClass.B => ("B", t.B),
            _ => ("C", t.C),
        };
    }
}
