using System.Globalization;
using System.Text.Json;
using Dapper;
using Supervision.Core.Draw;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Infrastructure.Credit;

/// <summary>A task whose entity draw was committed in the period, with what the estimators need of it.</summary>
public sealed record SampledTask(string TaskId, string LeadDepartment, IReadOnlyList<string> Departments, string Mode, long PopulationCount, DateTimeOffset DrawnAt);

/// <summary>
/// One drawn entity of a committed draw: its stratum (class at freeze) and recorded inclusion probability, its industry and
/// division from the directory, and — once at least one item of its inspection was approved — whether a problem was found.
/// </summary>
public sealed record SampledEntity(
    string TaskId,
    string LeadDepartment,
    string EntityCreditCode,
    string Stratum,
    double InclusionProbability,
    string IndustryCode,
    string DivisionCode,
    bool Inspected,
    bool ProblemFound,
    DateOnly? InspectedOn);

/// <summary>Reads for the statistics endpoints: committed draws, their drawn entities and the approved outcomes of their inspections.</summary>
public sealed class CreditStatisticsStore(SqlStore store)
{
    /// <summary>
    /// Result codes that count as "non-compliance found" (domain.md code table): problems pending, corrected on order,
    /// violations, unreachable at the registered address and serious non-cooperation. 1, F, 7 and 9–12 do not.
    /// </summary>
    public static readonly IReadOnlySet<string> ProblemCodes = new HashSet<string>(["A", "B", "C", "D", "E", "G", "3", "4", "5", "6", "8"], StringComparer.Ordinal);

    /// <summary>Tasks whose entity draw was committed in [from, to), visible to <paramref name="department"/> (null = all).</summary>
    public async Task<IReadOnlyList<SampledTask>> TasksAsync(DateTimeOffset from, DateTimeOffset to, string? department, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string TaskId, string LeadDepartment, string Departments, string DefinitionJson, long? PopulationCount, DateTimeOffset CommittedAt)>(
            new CommandDefinition(
                """
                SELECT t.task_id, t.lead_department, t.departments, t.definition_json, t.population_count, r.committed_at
                FROM draw_tasks t JOIN draw_records r ON r.task_id = t.task_id AND r.kind = 'entity'
                WHERE r.committed_at >= @from AND r.committed_at < @to
                ORDER BY t.task_id
                """, new { from, to }, cancellationToken: ct));
        var tasks = new List<SampledTask>();
        foreach (var r in rows)
        {
            var departments = r.Departments.Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (department is not null && !departments.Contains(department, StringComparer.Ordinal)) continue;
            var definition = JsonSerializer.Deserialize<TaskDefinition>(r.DefinitionJson, TaskRow.Json)!;
            tasks.Add(new SampledTask(r.TaskId, r.LeadDepartment, departments, definition.Sampling.Mode, r.PopulationCount ?? 0, r.CommittedAt));
        }
        return tasks;
    }

    /// <summary>The drawn entities of <paramref name="tasks"/> with their outcome: the latest approved version of each item counts.</summary>
    public async Task<IReadOnlyList<SampledEntity>> SampleAsync(IReadOnlyList<SampledTask> tasks, CancellationToken ct = default)
    {
        var result = new List<SampledEntity>();
        await using var connection = await store.OpenAsync(ct);
        foreach (var task in tasks)
        {
            var drawn = await connection.QueryAsync<(string MemberId, string Stratum, string Probability, string? IndustryCode, string? DivisionCode)>(new CommandDefinition(
                """
                SELECT d.member_id, d.stratum, d.probability, e.industry_code, e.division_code
                FROM drawn_entities d LEFT JOIN market_entities e ON e.credit_code = d.member_id
                WHERE d.task_id = @task ORDER BY d.rank
                """, new { task = task.TaskId }, cancellationToken: ct));
            var outcomes = (await connection.QueryAsync<(string EntityCreditCode, string ItemCode, int Version, string ResultCodes, DateOnly InspectedOn)>(new CommandDefinition(
                "SELECT entity_credit_code, item_code, version, result_codes, inspected_on FROM inspection_outcomes WHERE task_id = @task",
                new { task = task.TaskId }, cancellationToken: ct)))
                .GroupBy(o => (o.EntityCreditCode, o.ItemCode)).Select(g => g.MaxBy(o => o.Version))
                .GroupBy(o => o.EntityCreditCode, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (Problem: g.Any(o => o.ResultCodes.Split(',').Any(ProblemCodes.Contains)), On: g.Min(o => o.InspectedOn)), StringComparer.Ordinal);
            foreach (var d in drawn)
            {
                var found = outcomes.TryGetValue(d.MemberId, out var o);
                result.Add(new SampledEntity(task.TaskId, task.LeadDepartment, d.MemberId, d.Stratum, DrawInclusion.Ratio(d.Probability),
                    d.IndustryCode ?? "", d.DivisionCode ?? "", found, found && o.Problem, found ? o.On : null));
            }
        }
        return result;
    }

    /// <summary>Open entities in the directory, and their count per credit class (the class distribution).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ClassDistributionAsync(CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string CreditClass, long Count)>(new CommandDefinition(
            "SELECT credit_class, count(*) FROM market_entities WHERE status = 'open' GROUP BY credit_class ORDER BY credit_class", cancellationToken: ct));
        return rows.ToDictionary(r => r.CreditClass, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// Approved inspections per entity with the Beijing date of the (first) visit, for inspections whose outcomes were
    /// inspected in [from, to) in tasks of <paramref name="taskIds"/> (null = every task).
    /// </summary>
    public async Task<IReadOnlyList<(string Entity, string InspectionId, DateOnly InspectedOn)>> VisitsAsync(DateOnly from, DateOnly to, IReadOnlySet<string>? taskIds,
        CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<(string Entity, string InspectionId, string TaskId, DateOnly InspectedOn)>(new CommandDefinition(
            """
            SELECT entity_credit_code, inspection_id, task_id, min(inspected_on)
            FROM inspection_outcomes WHERE inspected_on >= @from AND inspected_on < @to
            GROUP BY entity_credit_code, inspection_id, task_id
            """, new { from, to }, cancellationToken: ct));
        return rows.Where(r => taskIds is null || taskIds.Contains(r.TaskId)).Select(r => (r.Entity, r.InspectionId, r.InspectedOn)).ToList();
    }

    public async Task<long> OpenEntitiesAsync(CancellationToken ct = default)
    {
        return await store.ExecuteScalarAsync<long>("SELECT count(*) FROM market_entities WHERE status = 'open'", ct: ct);
    }

    public static DateTimeOffset YearStart(int year) => new(year, 1, 1, 0, 0, 0, TimeSpan.FromHours(8));

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
