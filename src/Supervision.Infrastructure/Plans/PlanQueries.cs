using Dapper;
using Supervision.Core.Plans;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Plans;

/// <summary>A plan with what its pages show beside it: the department's name and the department it is filed with (its parent).</summary>
public sealed record PlanPage(Plan Plan, string DepartmentName, string? ParentCode);

/// <summary>A plan in a list: its working revision's state and size, and when it was first and last published.</summary>
public sealed class PlanSummary : PlanRowBase
{
    public string DepartmentName { get; init; } = "";
    public string State { get; init; } = "";
    public long PublishedRevisions { get; init; }
    public DateOnly? FirstPublishedOn { get; init; }
    public DateOnly? LastPublishedOn { get; init; }
}

/// <summary>What was done under one line of a plan, counted from the task, draw and inspection tables.</summary>
public sealed record LineProgress
{
    public int Line { get; init; }
    public long Tasks { get; init; }
    public long JointTasks { get; init; }
    public long EntitiesDrawn { get; init; }
    public long Inspections { get; init; }
    public long Completed { get; init; }
    public long JointCompleted { get; init; }
}

/// <summary>A published revision as the public reads it, with its plan's department name, first publication and number of revisions.</summary>
public sealed class PublishedPlanRow : PlanRowBase
{
    public string DepartmentName { get; init; } = "";
    public DateOnly PublishedOn { get; init; }
    public DateOnly FirstPublishedOn { get; init; }
    public long Revisions { get; init; }
}

/// <summary>
/// The read side of plans — the department's list, one plan with its names, the plans filed with a department, the planned
/// against done counts, and the public pages and open data (published revisions only) — apart from <see cref="PlanRepository"/>,
/// which persists what the workflow decided.
/// </summary>
public sealed class PlanQueries(SqlStore store)
{
    public const int MaxRows = 500;

    /// <summary>The plan (null when there is none), its department's name and parent.</summary>
    public async Task<PlanPage?> GetAsync(string planId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var plan = await PlanRepository.LoadAsync(connection, null, planId, ct);
        if (plan is null) return null;
        var department = await connection.QuerySingleOrDefaultAsync<(string Name, string? Parent)>(new CommandDefinition(
            "SELECT name, parent_code FROM departments WHERE code = @code", new { code = plan.DepartmentCode }, cancellationToken: ct));
        return new PlanPage(plan, department.Name ?? plan.DepartmentCode, department.Parent);
    }

    /// <summary>The department's parent (the level its plans are filed with), or null.</summary>
    public async Task<string?> ParentOfAsync(string departmentCode, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT parent_code FROM departments WHERE code = @departmentCode", new { departmentCode }, cancellationToken: ct));
    }

    private const string SummarySelect =
        """
        SELECT p.plan_id AS PlanId, p.department_code AS DepartmentCode, COALESCE(d.name, p.department_code) AS DepartmentName, p.year AS Year,
               p.revision AS Revision, p.state AS State, p.lines_json AS LinesJson, p.reason AS Reason,
               (SELECT count(*) FROM plan_revisions r WHERE r.plan_id = p.plan_id) AS PublishedRevisions,
               (SELECT min(r.published_on) FROM plan_revisions r WHERE r.plan_id = p.plan_id) AS FirstPublishedOn,
               (SELECT max(r.published_on) FROM plan_revisions r WHERE r.plan_id = p.plan_id) AS LastPublishedOn
        FROM plans p LEFT JOIN departments d ON d.code = p.department_code
        """;

    /// <summary>Plans of <paramref name="department"/> (every department's for null), newest year first.</summary>
    public async Task<IReadOnlyList<PlanSummary>> ListAsync(string? department, int? year, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PlanSummary>(new CommandDefinition(
            $"""
            {SummarySelect}
            WHERE 1 = 1 {(department is null ? "" : "AND p.department_code = @department")} {(year is null ? "" : "AND p.year = @year")}
            ORDER BY p.year DESC, p.department_code LIMIT {MaxRows}
            """, new { department, year }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// The plans filed with <paramref name="parent"/>: those of the departments directly under it that have been published
    /// (their working revision is shown only to their own staff; the level above reads the revision in force). Null: the
    /// plans filed with any department (what admins and auditors oversee).
    /// </summary>
    public async Task<IReadOnlyList<PlanSummary>> FiledWithAsync(string? parent, int? year, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PlanSummary>(new CommandDefinition(
            $"""
            {SummarySelect}
            WHERE {(parent is null ? "d.parent_code IS NOT NULL" : "d.parent_code = @parent")} AND EXISTS (SELECT 1 FROM plan_revisions r WHERE r.plan_id = p.plan_id) {(year is null ? "" : "AND p.year = @year")}
            ORDER BY p.year DESC, p.department_code LIMIT {MaxRows}
            """, new { parent, year }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// What was done under each line of the plan, counted (never loaded) from the tables: tasks that are not cancelled, the
    /// entities their draws drew, the inspections dispatched and those completed (approved or published), and how many of
    /// each were joint (a task with participating departments). Through the index on the tasks' plan and line (schema 0031).
    /// </summary>
    public async Task<IReadOnlyList<LineProgress>> ProgressAsync(string planId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var (plan, line) = TaskPlanColumns;
        var rows = await connection.QueryAsync<LineProgress>(new CommandDefinition(
            $"""
            SELECT {line} AS Line,
                   count(*) AS Tasks,
                   COALESCE(SUM(CASE WHEN t.departments LIKE '%,%' THEN 1 ELSE 0 END), 0) AS JointTasks,
                   COALESCE(SUM((SELECT count(*) FROM drawn_entities e WHERE e.task_id = t.task_id)), 0) AS EntitiesDrawn,
                   COALESCE(SUM((SELECT count(*) FROM inspections i WHERE i.task_id = t.task_id)), 0) AS Inspections,
                   COALESCE(SUM((SELECT count(*) FROM inspections i WHERE i.task_id = t.task_id AND i.state IN ('Approved', 'Published'))), 0) AS Completed,
                   COALESCE(SUM(CASE WHEN t.departments LIKE '%,%'
                       THEN (SELECT count(*) FROM inspections i WHERE i.task_id = t.task_id AND i.state IN ('Approved', 'Published')) ELSE 0 END), 0) AS JointCompleted
            FROM draw_tasks t
            WHERE {plan} = @planId AND t.status <> 'cancelled'
            GROUP BY {line}
            ORDER BY {line}
            """, new { planId }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// A task's plan and line as read from its definition ({"plan": {"planId", "line"}}) — the expressions of the index
    /// <c>draw_tasks_plan</c> (schema 0031), word for word, so that each engine reads the index.
    /// </summary>
    private (string Plan, string Line) TaskPlanColumns => store.IsPostgres
        ? ("((t.definition_json::jsonb) #>> '{plan,planId}')", "((((t.definition_json::jsonb) #>> '{plan,line}'))::integer)")
        : ("json_extract(t.definition_json, '$.plan.planId')", "CAST(json_extract(t.definition_json, '$.plan.line') AS INTEGER)");

    private const string PublishedSelect =
        """
        SELECT r.plan_id AS PlanId, r.department_code AS DepartmentCode, COALESCE(d.name, r.department_code) AS DepartmentName, r.year AS Year,
               r.revision AS Revision, r.lines_json AS LinesJson, r.reason AS Reason, r.published_on AS PublishedOn,
               (SELECT min(f.published_on) FROM plan_revisions f WHERE f.plan_id = r.plan_id) AS FirstPublishedOn,
               (SELECT count(*) FROM plan_revisions f WHERE f.plan_id = r.plan_id) AS Revisions
        FROM plan_revisions r LEFT JOIN departments d ON d.code = r.department_code
        """;

    /// <summary>
    /// The plans in force as published — each plan's latest published revision — newest year first, then by department,
    /// keyset-paged after (year, department).
    /// </summary>
    public async Task<IReadOnlyList<PublishedPlanRow>> PublishedAsync(int? year, string? department, (int Year, string Department)? after, int limit,
        CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PublishedPlanRow>(new CommandDefinition(
            $"""
            {PublishedSelect}
            WHERE r.revision = (SELECT max(x.revision) FROM plan_revisions x WHERE x.plan_id = r.plan_id)
              {(year is null ? "" : "AND r.year = @year")} {(department is null ? "" : "AND r.department_code = @department")}
              {(after is null ? "" : "AND (r.year < @afterYear OR (r.year = @afterYear AND r.department_code > @afterDepartment))")}
            ORDER BY r.year DESC, r.department_code
            LIMIT @limit
            """, new { year, department, afterYear = after?.Year, afterDepartment = after?.Department, limit }, cancellationToken: ct))).AsList();
    }

    /// <summary>Every published revision of one plan, oldest first (empty when it was never published).</summary>
    public async Task<IReadOnlyList<PublishedPlanRow>> HistoryAsync(string planId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PublishedPlanRow>(new CommandDefinition(
            $"{PublishedSelect} WHERE r.plan_id = @planId ORDER BY r.revision", new { planId }, cancellationToken: ct))).AsList();
    }

    /// <summary>Every published revision of a year's plans (the open-data file), by department and revision.</summary>
    public async Task<IReadOnlyList<PublishedPlanRow>> RevisionsOfYearAsync(int year, string? department, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<PublishedPlanRow>(new CommandDefinition(
            $"{PublishedSelect} WHERE r.year = @year {(department is null ? "" : "AND r.department_code = @department")} ORDER BY r.department_code, r.revision",
            new { year, department }, cancellationToken: ct))).AsList();
    }

    /// <summary>The years that have a published plan, newest first (the public page's year choice).</summary>
    public async Task<IReadOnlyList<int>> PublishedYearsAsync(CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT DISTINCT year FROM plan_revisions ORDER BY year DESC", cancellationToken: ct))).AsList();
    }
}
