using System.Text.Json.Serialization;

namespace Supervision.Core.Draw;

public sealed record Inspector(
    [property: JsonPropertyName("certificateNo")] string CertificateNo,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("department")] string Department,
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("certificateValidFrom")] DateOnly CertificateValidFrom,
    [property: JsonPropertyName("certificateValidUntil")] DateOnly CertificateValidUntil,
    [property: JsonPropertyName("qualifications")] IReadOnlyList<string> Qualifications,
    [property: JsonPropertyName("currentWorkload")] int CurrentWorkload);

/// <summary>A declared conflict of interest (or a granted recusal request) between an inspector and an entity.</summary>
public sealed record InspectorConflict(
    [property: JsonPropertyName("certificateNo")] string CertificateNo,
    [property: JsonPropertyName("memberId")] string MemberId);

/// <summary>The inspectors on the entity's previous random inspection (rotation rule).</summary>
public sealed record PreviousInspection(
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("certificateNos")] IReadOnlyList<string> CertificateNos);

/// <summary>The inspector snapshot frozen for the second draw; published as its own JSON file.</summary>
public sealed record InspectorPool(
    [property: JsonPropertyName("inspectors")] IReadOnlyList<Inspector> Inspectors,
    [property: JsonPropertyName("conflicts")] IReadOnlyList<InspectorConflict> Conflicts,
    [property: JsonPropertyName("previousInspections")] IReadOnlyList<PreviousInspection> PreviousInspections);

/// <summary>A participating department and the inspection items its inspectors must all hold.</summary>
public sealed record DepartmentRequirement(
    [property: JsonPropertyName("department")] string Department,
    [property: JsonPropertyName("items")] IReadOnlyList<string> Items);

public sealed record InspectorDrawParameters(
    [property: JsonPropertyName("drawDate")] DateOnly DrawDate,
    [property: JsonPropertyName("teamSize")] int TeamSize,
    [property: JsonPropertyName("workloadCap")] int WorkloadCap,
    [property: JsonPropertyName("departments")] IReadOnlyList<DepartmentRequirement> Departments);

public sealed record TeamMember(
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("certificateNo")] string CertificateNo,
    [property: JsonPropertyName("department")] string Department,
    [property: JsonPropertyName("lead")] bool Lead,
    [property: JsonPropertyName("hash")] string HashHex,
    [property: JsonPropertyName("uniform")] double Uniform);

public sealed record EntityTeam(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("eligibleCount")] int EligibleCount,
    [property: JsonPropertyName("members")] IReadOnlyList<TeamMember> Members);

public sealed record InspectorDrawFailure(
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("missingConditions")] IReadOnlyList<string> MissingConditions,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Either every drawn entity has a team (Failure is null) or none does (Teams is empty): never a partial result.</summary>
public sealed record InspectorDrawResult(
    [property: JsonPropertyName("teams")] IReadOnlyList<EntityTeam> Teams,
    [property: JsonPropertyName("failure")] InspectorDrawFailure? Failure)
{
    [JsonIgnore] public bool Succeeded => Failure is null;
}

/// <summary>A request to replace one member of a committed team (docs/draw-spec.md §8.1).</summary>
public sealed record ReplacementRequest(string MemberId, string CertificateNo, string Reason);

/// <summary>A replacement as recorded and published in the pack (<c>inspectorDraw.replacements</c>, draw-spec §8.1).</summary>
public sealed record InspectorReplacement(
    [property: JsonPropertyName("memberId")] string MemberId,
    [property: JsonPropertyName("replaced")] string Replaced,
    [property: JsonPropertyName("replacement")] string Replacement,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("hash")] string HashHex,
    [property: JsonPropertyName("uniform")] double Uniform);

/// <summary>
/// What <see cref="InspectorDraw.Replace"/> decided: the replacement and the teams with it in place, or (Replacement null)
/// a refusal, the teams unchanged.
/// </summary>
public sealed record ReplacementOutcome(InspectorReplacement? Replacement, IReadOnlyList<EntityTeam> Teams, string? Refusal)
{
    public bool Succeeded => Replacement is not null;
}

/// <summary>One recorded replacement replayed: the rule's own outcome for the recorded request.</summary>
public sealed record ReplayedReplacement(InspectorReplacement Recorded, ReplacementOutcome Recomputed);

/// <summary>
/// The second random draw (docs/draw-spec.md §8). For each drawn entity in draw order, inspectors
/// are screened in a fixed order of conditions (department participates → active → certificate
/// valid on the draw date → holds all of the department's items → no declared conflict → not on
/// the entity's previous random inspection → workload + assignments earlier in this draw below the
/// cap), ranked by u from SHA-256(KI || LP(entity) || LP(certificate no)) then certificate no, and
/// the team is the lexicographically best set of teamSize that has at least one inspector from
/// every participating department. The first member is the lead.
/// </summary>
public static class InspectorDraw
{
    public static InspectorDrawResult Run(ReadOnlySpan<byte> seed, string taskId, string algorithm,
        InspectorDrawParameters parameters, InspectorPool pool, IReadOnlyList<DrawnEntity> drawnEntities)
    {
        Validate(parameters, pool);
        var index = new PoolIndex(seed, taskId, algorithm, parameters, pool);
        var requirements = index.Requirements;
        var assigned = new Dictionary<string, int>(StringComparer.Ordinal);
        var teams = new List<EntityTeam>();

        foreach (var entity in drawnEntities.OrderBy(e => e.Rank))
        {
            var eligible = new List<(double U, string Cert, Inspector Inspector, byte[] Hash)>();
            var tally = parameters.Departments.ToDictionary(d => d.Department, _ => new SortedDictionary<string, int>(StringComparer.Ordinal), StringComparer.Ordinal);
            var eligiblePerDepartment = parameters.Departments.ToDictionary(d => d.Department, _ => 0, StringComparer.Ordinal);
            foreach (var inspector in pool.Inspectors)
            {
                if (!requirements.TryGetValue(inspector.Department, out var items)) continue;
                var reason = Screen(inspector, items, entity.MemberId, parameters, index.Conflicts, index.Previous, assigned);
                if (reason is not null)
                {
                    var t = tally[inspector.Department];
                    t[reason] = t.GetValueOrDefault(reason) + 1;
                    continue;
                }
                eligible.Add(index.Candidate(entity.MemberId, inspector));
                eligiblePerDepartment[inspector.Department]++;
            }
            eligible.Sort(PoolIndex.ByRank);

            // Greedy walk in rank order: take an inspector when, after taking them, the free places
            // still suffice for the departments not yet covered. This yields the lexicographically
            // smallest feasible team by rank.
            var uncovered = new HashSet<string>(requirements.Keys, StringComparer.Ordinal);
            var team = new List<(double U, string Cert, Inspector Inspector, byte[] Hash)>();
            foreach (var candidate in eligible)
            {
                if (team.Count == parameters.TeamSize) break;
                var uncoveredAfter = uncovered.Count - (uncovered.Contains(candidate.Inspector.Department) ? 1 : 0);
                if (uncoveredAfter > parameters.TeamSize - team.Count - 1) continue;
                team.Add(candidate);
                uncovered.Remove(candidate.Inspector.Department);
            }

            if (team.Count < parameters.TeamSize || uncovered.Count > 0)
                return new InspectorDrawResult([], Failure(entity, parameters, eligible.Count, eligiblePerDepartment, tally));

            foreach (var member in team) assigned[member.Cert] = assigned.GetValueOrDefault(member.Cert) + 1;
            teams.Add(new EntityTeam(entity.Rank, entity.MemberId, eligible.Count,
                team.Select((m, i) => new TeamMember(i + 1, m.Cert, m.Inspector.Department, i == 0, DrawPrimitives.Hex(m.Hash), m.U)).ToArray()));
        }
        return new InspectorDrawResult(teams, null);
    }

    /// <summary>Trims a replacement reason; null when it is not 1-500 characters after trimming (draw-spec §8.1).</summary>
    public static string? NormalizeReason(string? reason) =>
        reason?.Trim() is { Length: >= 1 and <= 500 } trimmed ? trimmed : null;

    /// <summary>
    /// Replaces one member of a committed team by the rule of draw-spec §8.1. <paramref name="teams"/> are the teams as
    /// they stand (the committed draw with <paramref name="earlier"/> applied), <paramref name="earlier"/> the replacements
    /// already recorded for the task. Pure. Throws <see cref="ArgumentException"/> whose ParamName is the request's field
    /// ("memberId", "certificateNo", "reason") for a request that does not name a current member or has no valid reason.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208", Justification = "ParamName names the request's field (memberId, certificateNo, reason), which the API reports as the field in error.")]
    public static ReplacementOutcome Replace(ReadOnlySpan<byte> seed, string taskId, string algorithm, InspectorDrawParameters parameters,
        InspectorPool pool, IReadOnlyList<EntityTeam> teams, IReadOnlyList<InspectorReplacement> earlier, ReplacementRequest request)
    {
        Validate(parameters, pool);
        var reason = NormalizeReason(request.Reason) ?? throw new ArgumentException("must be 1-500 characters", "reason");
        var teamIndex = -1;
        for (var i = 0; i < teams.Count; i++)
        {
            if (teams[i].MemberId == request.MemberId) { teamIndex = i; break; }
        }
        if (teamIndex < 0) throw new ArgumentException($"entity '{request.MemberId}' has no team in this draw", "memberId");
        var team = teams[teamIndex];
        var leaving = team.Members.FirstOrDefault(m => m.CertificateNo == request.CertificateNo)
            ?? throw new ArgumentException($"'{request.CertificateNo}' is not a member of the team of entity '{request.MemberId}'", "certificateNo");

        var index = new PoolIndex(seed, taskId, algorithm, parameters, pool);
        var requirements = index.Requirements;
        // Memberships in every team as it stands, without the leaving member's place in this one.
        var assigned = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in teams)
        {
            foreach (var m in t.Members) assigned[m.CertificateNo] = assigned.GetValueOrDefault(m.CertificateNo) + 1;
        }
        assigned[leaving.CertificateNo]--;
        var replacedOut = earlier.Select(r => r.Replaced).Append(leaving.CertificateNo).ToHashSet(StringComparer.Ordinal);
        var others = team.Members.Where(m => m.CertificateNo != leaving.CertificateNo).Select(m => m.CertificateNo).ToHashSet(StringComparer.Ordinal);

        var eligible = new List<(double U, string Cert, Inspector Inspector, byte[] Hash)>();
        foreach (var inspector in pool.Inspectors)
        {
            if (!requirements.TryGetValue(inspector.Department, out var items)) continue;
            if (Screen(inspector, items, request.MemberId, parameters, index.Conflicts, index.Previous, assigned) is not null) continue;
            if (replacedOut.Contains(inspector.CertificateNo) || others.Contains(inspector.CertificateNo)) continue;
            eligible.Add(index.Candidate(request.MemberId, inspector));
        }
        eligible.Sort(PoolIndex.ByRank);

        var covered = team.Members.Where(m => m.CertificateNo != leaving.CertificateNo).Select(m => m.Department).ToHashSet(StringComparer.Ordinal);
        foreach (var candidate in eligible)
        {
            if (!requirements.Keys.All(d => covered.Contains(d) || d == candidate.Inspector.Department)) continue;
            var member = new TeamMember(leaving.Position, candidate.Cert, candidate.Inspector.Department, leaving.Lead, DrawPrimitives.Hex(candidate.Hash), candidate.U);
            var changed = team with { Members = [.. team.Members.Select(m => m.CertificateNo == leaving.CertificateNo ? member : m)] };
            var next = teams.Select((t, i) => i == teamIndex ? changed : t).ToArray();
            return new ReplacementOutcome(new InspectorReplacement(request.MemberId, leaving.CertificateNo, candidate.Cert, reason, member.HashHex, member.Uniform), next, null);
        }

        var refusal = eligible.Count == 0
            ? $"No inspector can replace {leaving.CertificateNo} on the team of entity {request.MemberId}: none of the pool is eligible (screened as in the draw, without those replaced earlier and the team's other members)."
            : $"No inspector can replace {leaving.CertificateNo} on the team of entity {request.MemberId}: {eligible.Count} eligible, none of whom keeps every participating department on the team.";
        return new ReplacementOutcome(null, teams, refusal);
    }

    /// <summary>
    /// Replays recorded replacements over the committed teams (draw-spec §8.1): each recorded request is decided again by
    /// <see cref="Replace"/> over the teams the earlier recomputed outcomes left, and the recomputed outcome is applied.
    /// Answers each recorded entry with its recomputation and the teams at the end. A recorded request that does not
    /// name a current member is answered with a refusal naming why.
    /// </summary>
    public static (IReadOnlyList<ReplayedReplacement> Replayed, IReadOnlyList<EntityTeam> Teams) Replay(ReadOnlySpan<byte> seed, string taskId, string algorithm,
        InspectorDrawParameters parameters, InspectorPool pool, IReadOnlyList<EntityTeam> committed, IReadOnlyList<InspectorReplacement> recorded)
    {
        var teams = committed;
        var applied = new List<InspectorReplacement>();
        var replayed = new List<ReplayedReplacement>();
        foreach (var r in recorded)
        {
            ReplacementOutcome outcome;
            try
            {
                outcome = Replace(seed, taskId, algorithm, parameters, pool, teams, applied, new ReplacementRequest(r.MemberId, r.Replaced, r.Reason));
            }
            catch (ArgumentException e) when (e.ParamName is "memberId" or "certificateNo" or "reason")
            {
                outcome = new ReplacementOutcome(null, teams, $"not a valid request: {e.ParamName} {e.Message.Split(" (Parameter")[0]}");
            }
            replayed.Add(new ReplayedReplacement(r, outcome));
            if (outcome.Replacement is { } done)
            {
                applied.Add(done);
                teams = outcome.Teams;
            }
        }
        return (replayed, teams);
    }

    /// <summary>
    /// Whether any team could be staffed from <paramref name="inspectors"/> before knowing which entities are drawn: the
    /// conditions that do not depend on the entity (active, certificate valid, qualified for the department's items, below
    /// the workload cap) must leave at least <c>TeamSize</c> inspectors and one in every department. Conflicts and
    /// rotation can still rule out a team later; this catches a task that could never be staffed (empty when it could).
    /// </summary>
    /// <remarks>
    /// With <paramref name="teams"/> (the sample size, known from the census at freeze or estimated by the preview) it also
    /// weighs capacity: an inspector serves at most min(workload cap − current workload, teams) teams (never twice in
    /// one), every team needs one member of each department and <c>TeamSize</c> members in all. Both are necessary for
    /// the team draw to succeed; conflicts and rotation, which depend on the drawn entities, can still stop it.
    /// </remarks>
    public static IReadOnlyList<string> StaffingProblems(InspectorDrawParameters parameters, IReadOnlyList<Inspector> inspectors, long teams = 0)
    {
        var problems = new List<string>();
        var none = new HashSet<(string, string)>();
        var noPrevious = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var noneAssigned = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        long places = 0;
        foreach (var department in parameters.Departments)
        {
            var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var eligible = 0;
            long room = 0;
            foreach (var inspector in inspectors.Where(i => i.Department == department.Department))
            {
                var reason = Screen(inspector, department.Items, "", parameters, none, noPrevious, noneAssigned);
                if (reason is null)
                {
                    eligible++;
                    room += Math.Min(Math.Max(0, parameters.WorkloadCap - inspector.CurrentWorkload), teams);
                }
                else tally[reason] = tally.GetValueOrDefault(reason) + 1;
            }

            total += eligible;
            places += room;
            if (eligible == 0)
            {
                var excluded = tally.Count == 0 ? "it has no inspectors" : string.Join("; ", tally.Select(kv => $"{kv.Value} excluded: {kv.Key}"));
                problems.Add($"department {department.Department}: no inspector qualified for items [{string.Join(" ", department.Items)}] can serve ({excluded})");
            }
            else if (teams > 0 && room < teams)
            {
                problems.Add($"department {department.Department}: the sample's {teams} teams each need one of its inspectors, and under the workload cap of "
                    + $"{parameters.WorkloadCap} its {eligible} who can serve have room for {room}");
            }
        }

        if (total < parameters.TeamSize)
            problems.Add($"team size {parameters.TeamSize} needs {parameters.TeamSize} inspectors who can serve; only {total} can");
        else if (teams > 0 && places < teams * parameters.TeamSize)
            problems.Add($"the sample's {teams} teams of {parameters.TeamSize} need {teams * parameters.TeamSize} places, and under the workload cap of "
                + $"{parameters.WorkloadCap} the inspectors who can serve have room for {places}");
        return problems;
    }

    /// <summary>The first condition an inspector fails for this entity, or null when eligible.</summary>
    /// <summary>
    /// What the draw and a replacement both read from the pool (§8): the inspector key, each department's items, the
    /// declared conflicts and each entity's previous team, and how an eligible inspector is ranked for an entity.
    /// </summary>
    private sealed class PoolIndex
    {
        private readonly byte[] _key;

        public PoolIndex(ReadOnlySpan<byte> seed, string taskId, string algorithm, InspectorDrawParameters parameters, InspectorPool pool)
        {
            _key = DrawPrimitives.DrawKey(DrawPrimitives.InspectorKeyDomain, seed, taskId, algorithm);
            Requirements = parameters.Departments.ToDictionary(d => d.Department, d => d.Items, StringComparer.Ordinal);
            Conflicts = pool.Conflicts.Select(c => (c.CertificateNo, c.MemberId)).ToHashSet();
            foreach (var p in pool.PreviousInspections)
            {
                if (!Previous.TryGetValue(p.MemberId, out var set)) Previous[p.MemberId] = set = new HashSet<string>(StringComparer.Ordinal);
                set.UnionWith(p.CertificateNos);
            }
        }

        public Dictionary<string, IReadOnlyList<string>> Requirements { get; }

        public HashSet<(string CertificateNo, string MemberId)> Conflicts { get; }

        public Dictionary<string, HashSet<string>> Previous { get; } = new(StringComparer.Ordinal);

        /// <summary>An eligible inspector with its hash and u for the entity (§8).</summary>
        public (double U, string Cert, Inspector Inspector, byte[] Hash) Candidate(string memberId, Inspector inspector)
        {
            var hash = DrawPrimitives.InspectorHash(_key, memberId, inspector.CertificateNo);
            return (DrawPrimitives.Uniform(DrawPrimitives.Top52(hash)), inspector.CertificateNo, inspector, hash);
        }

        /// <summary>Rank order: u, then certificate number.</summary>
        public static int ByRank((double U, string Cert, Inspector Inspector, byte[] Hash) x, (double U, string Cert, Inspector Inspector, byte[] Hash) y) =>
            x.U != y.U ? x.U.CompareTo(y.U) : string.CompareOrdinal(x.Cert, y.Cert);
    }

    private static string? Screen(Inspector inspector, IReadOnlyList<string> items, string memberId, InspectorDrawParameters parameters,
        HashSet<(string, string)> conflicts, Dictionary<string, HashSet<string>> previous, Dictionary<string, int> assigned)
    {
        if (!inspector.Active) return "inactive";
        if (parameters.DrawDate < inspector.CertificateValidFrom || parameters.DrawDate > inspector.CertificateValidUntil)
            return "certificate not valid on draw date";
        foreach (var item in items)
        {
            if (!inspector.Qualifications.Contains(item, StringComparer.Ordinal)) return $"not qualified for item {item}";
        }
        if (conflicts.Contains((inspector.CertificateNo, memberId))) return "declared conflict";
        if (previous.TryGetValue(memberId, out var prev) && prev.Contains(inspector.CertificateNo)) return "on previous inspection (rotation)";
        if (inspector.CurrentWorkload + assigned.GetValueOrDefault(inspector.CertificateNo) >= parameters.WorkloadCap) return "at workload cap";
        return null;
    }

    private static InspectorDrawFailure Failure(DrawnEntity entity, InspectorDrawParameters parameters, int eligibleCount,
        Dictionary<string, int> eligiblePerDepartment, Dictionary<string, SortedDictionary<string, int>> tally)
    {
        var conditions = new List<string>();
        if (eligibleCount < parameters.TeamSize)
            conditions.Add($"team size {parameters.TeamSize} needs {parameters.TeamSize} eligible inspectors; only {eligibleCount} eligible");
        foreach (var dep in parameters.Departments)
        {
            if (eligiblePerDepartment[dep.Department] > 0) continue;
            var items = string.Join(" ", dep.Items);
            var excluded = tally[dep.Department].Count == 0
                ? "the department has no inspectors in the pool"
                : string.Join("; ", tally[dep.Department].Select(kv => $"{kv.Value} excluded: {kv.Key}"));
            conditions.Add($"department {dep.Department}: no eligible inspector qualified for items [{items}] ({excluded})");
        }
        if (conditions.Count == 0) conditions.Add("no team satisfies the department coverage rule");
        var message = $"Cannot staff entity {entity.MemberId} (draw rank {entity.Rank}): " + string.Join(". ", conditions) + ".";
        return new InspectorDrawFailure(entity.MemberId, entity.Rank, conditions, message);
    }

    private static void Validate(InspectorDrawParameters parameters, InspectorPool pool)
    {
        if (parameters.Departments.Count == 0) throw new ArgumentException("At least one department is required.", nameof(parameters));
        if (parameters.Departments.Select(d => d.Department).Distinct(StringComparer.Ordinal).Count() != parameters.Departments.Count)
            throw new ArgumentException("Departments must be listed once each.", nameof(parameters));
        if (parameters.TeamSize < 2) throw new ArgumentException("A team has at least two inspectors.", nameof(parameters));
        if (parameters.TeamSize < parameters.Departments.Count)
            throw new ArgumentException("The team size must be at least the number of participating departments.", nameof(parameters));
        if (parameters.WorkloadCap < 1) throw new ArgumentException("The workload cap must be at least 1.", nameof(parameters));
        if (pool.Inspectors.Select(i => i.CertificateNo).Distinct(StringComparer.Ordinal).Count() != pool.Inspectors.Count)
            throw new ArgumentException("Certificate numbers must be unique.", nameof(pool));
        foreach (var i in pool.Inspectors)
        {
            if (!DrawPrimitives.IsValidCertificateNo(i.CertificateNo))
                throw new ArgumentException($"Certificate number '{i.CertificateNo}' must be 1-64 characters of [0-9A-Za-z-], starting with a letter or digit.", nameof(pool));
        }
    }
}
