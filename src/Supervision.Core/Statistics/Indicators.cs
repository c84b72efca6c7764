namespace Supervision.Core.Statistics;

/// <summary>Problems found among the inspected entities of one group (e.g. a credit class), with two intervals.</summary>
public sealed record DiscoveryRate(string Group, long Inspected, long ProblemsFound, double Rate, ConfidenceInterval Wilson, ConfidenceInterval ClopperPearson);

/// <summary>
/// Inspection burden over a population and period: total visits, visits per entity, coverage (share of entities
/// visited at least once), the distribution 0 / 1 / 2 / 3+ visits, and entities over a yearly cap.
/// </summary>
public sealed record BurdenSummary(
    long Population,
    long Visits,
    double VisitsPerEntity,
    long EntitiesVisited,
    double Coverage,
    double VisitsPerVisitedEntity,
    int MaxVisits,
    IReadOnlyList<long> EntitiesByVisitCount,
    long EntitiesOverCap);

/// <summary>
/// Two indicators of the regime itself for a year: publication on time (results published within their statutory
/// deadline — 20 working days after approval — among the results first published that year, and the approved results
/// still unpublished past it) and the joint-inspection share (inspections of joint tasks among the inspections
/// dispatched that year), and the entities' objections to published results decided that year and how many were upheld
/// (docs/objections.md). Census figures: every publication and inspection is recorded, so no sampling interval.
/// </summary>
public sealed record RegimeIndicators(
    int Year,
    long Published,
    long PublishedOnTime,
    double? OnTimeRate,
    long ApprovedOverdue,
    long Inspections,
    long JointInspections,
    double? JointShare,
    long ObjectionsDecided = 0,
    long ObjectionsUpheld = 0,
    double? ObjectionsUpheldShare = null)
{
    /// <summary>The abnormal-operations list's movements in the year (docs/abnormal-operations.md): added after the positional figures.</summary>
    public ListingIndicators Listings { get; init; } = ListingIndicators.None;
}

/// <summary>
/// The abnormal-operations list in a year, by the deciding department: entries listed, removed (on application or by a later
/// result) and escalated to the serious-violation list, each counted in the year of its own date. Census figures.
/// </summary>
public sealed record ListingIndicators(long Listed, long Removed, long Escalated)
{
    public static ListingIndicators None { get; } = new(0, 0, 0);
}

/// <summary>Indicators regulators track (domain.md): discovery rate, coverage, burden, on-time publication, joint share.</summary>
public static class Indicators
{
    /// <summary>The regime indicators from their counts; a rate over nothing is null (not zero, not 100 %).</summary>
    public static RegimeIndicators Regime(int year, long published, long publishedOnTime, long approvedOverdue, long inspections, long jointInspections,
        long objectionsDecided = 0, long objectionsUpheld = 0)
    {
        if (objectionsDecided < 0 || objectionsUpheld < 0 || objectionsUpheld > objectionsDecided)
            throw new ArgumentOutOfRangeException(nameof(objectionsUpheld), "upheld must be between 0 and decided");
        if (published < 0 || publishedOnTime < 0 || publishedOnTime > published) throw new ArgumentOutOfRangeException(nameof(publishedOnTime), "on time must be between 0 and published");
        if (inspections < 0 || jointInspections < 0 || jointInspections > inspections) throw new ArgumentOutOfRangeException(nameof(jointInspections), "joint must be between 0 and inspections");
        ArgumentOutOfRangeException.ThrowIfNegative(approvedOverdue);
        return new RegimeIndicators(year, published, publishedOnTime, published == 0 ? null : publishedOnTime / (double)published,
            approvedOverdue, inspections, jointInspections, inspections == 0 ? null : jointInspections / (double)inspections,
            objectionsDecided, objectionsUpheld, objectionsDecided == 0 ? null : objectionsUpheld / (double)objectionsDecided);
    }

    /// <summary>
    /// Discovery rate per group = problems found / inspected, with Wilson (1927) and Clopper–Pearson (1934) intervals.
    /// Within a stratum drawn by simple random sampling this is an unbiased estimate of the group's violation rate;
    /// across strata use <see cref="DesignEstimators"/> instead. Groups in ordinal order.
    /// </summary>
    public static IReadOnlyList<DiscoveryRate> DiscoveryRates(IEnumerable<(string Group, bool ProblemFound)> inspections, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(inspections);
        var counts = new SortedDictionary<string, (long N, long K)>(StringComparer.Ordinal);
        foreach (var (g, found) in inspections)
        {
            counts.TryGetValue(g, out var c);
            counts[g] = (c.N + 1, c.K + (found ? 1 : 0));
        }
        return counts.Select(kv => Rate(kv.Key, kv.Value.N, kv.Value.K, confidence)).ToList();
    }

    public static DiscoveryRate Rate(string group, long inspected, long problemsFound, double confidence = 0.95) =>
        new(group, inspected, problemsFound, problemsFound / (double)inspected,
            BinomialIntervals.Wilson(problemsFound, inspected, confidence),
            BinomialIntervals.ClopperPearson(problemsFound, inspected, confidence));

    /// <summary>
    /// Burden from the visit counts of the entities visited in the period (entities not listed had no visit).
    /// Coverage is a census figure here (every visit is recorded), so it carries no sampling interval.
    /// </summary>
    public static BurdenSummary Burden(long population, IEnumerable<int> visitsPerVisitedEntity, int? yearlyCap = null)
    {
        ArgumentNullException.ThrowIfNull(visitsPerVisitedEntity);
        if (population <= 0) throw new ArgumentOutOfRangeException(nameof(population), "must be positive");
        long visits = 0, visited = 0, over = 0;
        var max = 0;
        var hist = new long[4];
        foreach (var v in visitsPerVisitedEntity)
        {
            if (v < 0) throw new ArgumentException("visit counts must be ≥ 0", nameof(visitsPerVisitedEntity));
            if (v == 0) continue;
            visits += v;
            visited++;
            max = Math.Max(max, v);
            hist[Math.Min(v, 3)]++;
            if (yearlyCap is { } cap && v > cap) over++;
        }
        if (visited > population) throw new ArgumentException("more visited entities than the population", nameof(visitsPerVisitedEntity));
        hist[0] = population - visited;
        return new BurdenSummary(population, visits, visits / (double)population, visited, visited / (double)population,
            visited == 0 ? 0 : visits / (double)visited, max, hist, over);
    }
}
