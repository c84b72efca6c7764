using Dapper;
using Supervision.Core.Cases;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Cases;

/// <summary>A case as the ledger shows it: with the entity's and the owning department's names beside the codes.</summary>
public sealed record CaseListItem(FollowUpCase Case, string EntityName, string DepartmentName);

/// <summary>
/// The ledger's counts for a department: each state of its own cases, the open ones past their step's due date, and the
/// referrals other departments made to it that await its answer (<see cref="Received"/>).
/// </summary>
public sealed record CaseCounts(long Open, long Filed, long Referred, long Concluded, long Withdrawn, long Overdue, long Received);

/// <summary>An approved finding a case may be opened from: the latest result of one item of one inspection (an <c>inspection_outcomes</c> row).</summary>
public sealed record CaseFindingRow
{
    public string EntityCreditCode { get; init; } = "";
    public string EntityName { get; init; } = "";
    public string TaskId { get; init; } = "";
    public string InspectionId { get; init; } = "";
    public string ItemCode { get; init; } = "";
    public string ResultCodes { get; init; } = "";
    public DateOnly ApprovedOn { get; init; }
    public string DepartmentCode { get; init; } = "";
    public int Version { get; init; }

    public string[] Codes => ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public CaseFinding ToFinding() => new(EntityCreditCode, TaskId, InspectionId, ItemCode, Codes, ApprovedOn, DepartmentCode, Version);
}

/// <summary>
/// The read side of follow-up cases (the department's ledger and counts, one case with names, the findings without a case,
/// the referrals made to the department), apart from <see cref="CaseRepository"/>, which persists what the workflow decided.
/// </summary>
public sealed class CaseQueries(SqlStore store)
{
    public const int MaxRows = 500;

    /// <summary>
    /// The ledger's views: open (open, filed, referred), overdue, one state, or all of the department's own cases; received:
    /// the cases other departments referred to it that await its answer.
    /// </summary>
    public static readonly IReadOnlyList<string> Views = ["open", "overdue", .. CaseStates.All, "all", Received];

    /// <summary>The view of the referrals made to the department that await its answer.</summary>
    public const string Received = "received";

    private const string Due = "CASE c.state WHEN 'open' THEN c.decide_by WHEN 'filed' THEN c.conclude_by WHEN 'referred' THEN c.answer_by END";

    private static readonly string ListSelect =
        $"""
        SELECT {CaseRepository.ColumnsOf("c.")}, COALESCE(m.name, '') AS EntityName, COALESCE(d.name, c.department_code) AS DepartmentName
        FROM follow_up_cases c
        LEFT JOIN market_entities m ON m.credit_code = c.entity_credit_code
        LEFT JOIN departments d ON d.code = c.department_code
        """;

    public async Task<CaseListItem?> GetAsync(string id, CancellationToken ct = default) =>
        (await store.QuerySingleOrDefaultAsync<ListRow>($"{ListSelect} WHERE c.case_id = @id", new { id }, ct))?.ToItem();

    /// <summary>
    /// The ledger of <paramref name="department"/> (every department's for null: an admin) in one of <see cref="Views"/>:
    /// open cases first by due date, then the ended ones newest first.
    /// </summary>
    public async Task<IReadOnlyList<CaseListItem>> LedgerAsync(string? department, string view, DateOnly today, int limit, CancellationToken ct = default)
    {
        var filter = view switch
        {
            "open" => "c.state IN ('open', 'filed', 'referred')",
            "overdue" => $"c.state IN ('open', 'filed', 'referred') AND {Due} < @today",
            "all" => "1 = 1",
            Received => "c.state = 'referred' AND c.referral_kind = 'department'",
            _ => "c.state = @view",
        };
        var whose = view == Received ? "c.referred_to" : "c.department_code";
        var rows = await store.QueryAsync<ListRow>(
            $"""
            {ListSelect}
            WHERE {filter} {(department is null ? "" : $"AND {whose} = @department")}
            ORDER BY CASE WHEN c.state IN ('open', 'filed', 'referred') THEN 0 ELSE 1 END, {Due}, c.closed_on DESC, c.case_id
            LIMIT @limit
            """, new { department, view, today, limit = Math.Min(limit, MaxRows) }, ct);
        return [.. rows.Select(r => r.ToItem())];
    }

    /// <summary>The department's counts by state and overdue (every department's for null).</summary>
    public async Task<CaseCounts> CountsAsync(string? department, DateOnly today, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var c = await connection.QuerySingleAsync<(long Open, long Filed, long Referred, long Concluded, long Withdrawn, long Overdue)>(new CommandDefinition(
            $"""
            SELECT COALESCE(SUM(CASE WHEN c.state = 'open' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN c.state = 'filed' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN c.state = 'referred' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN c.state = 'concluded' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN c.state = 'withdrawn' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN c.state IN ('open', 'filed', 'referred') AND {Due} < @today THEN 1 ELSE 0 END), 0)
            FROM follow_up_cases c
            {(department is null ? "" : "WHERE c.department_code = @department")}
            """, new { department, today }, cancellationToken: ct));
        var received = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"""
            SELECT count(*) FROM follow_up_cases c WHERE c.state = 'referred' AND c.referral_kind = 'department'
            {(department is null ? "" : "AND c.referred_to = @department")}
            """, new { department }, cancellationToken: ct));
        return new(c.Open, c.Filed, c.Referred, c.Concluded, c.Withdrawn, c.Overdue, received);
    }

    /// <summary>
    /// Approved findings of <paramref name="department"/> (all for null) that have no case yet, newest first, optionally of one
    /// inspection: the latest result of each item. The caller keeps the violations (Core's <see cref="CaseWorkflow.IsViolation"/>).
    /// </summary>
    public Task<IReadOnlyList<CaseFindingRow>> FindingsWithoutCaseAsync(string? department, string? inspectionId, int limit, CancellationToken ct = default) =>
        store.QueryAsync<CaseFindingRow>(
            $"""
            SELECT o.entity_credit_code AS EntityCreditCode, COALESCE(m.name, '') AS EntityName, o.inspection_id AS InspectionId, o.item_code AS ItemCode,
                   o.result_codes AS ResultCodes, o.approved_on AS ApprovedOn, o.department_code AS DepartmentCode, o.task_id AS TaskId, o.version AS Version
            FROM inspection_outcomes o
            LEFT JOIN market_entities m ON m.credit_code = o.entity_credit_code
            WHERE NOT EXISTS (SELECT 1 FROM inspection_outcomes n WHERE n.inspection_id = o.inspection_id AND n.item_code = o.item_code AND n.version > o.version)
              AND NOT EXISTS (SELECT 1 FROM follow_up_cases c WHERE c.inspection_id = o.inspection_id AND c.item_code = o.item_code)
              {(department is null ? "" : "AND o.department_code = @department")} {(inspectionId is null ? "" : "AND o.inspection_id = @inspectionId")}
            ORDER BY o.seq DESC
            LIMIT @limit
            """, new { department, inspectionId, limit = Math.Min(limit, MaxRows) }, ct);

    private sealed class ListRow : CaseRepository.Row
    {
        public string EntityName { get; init; } = "";
        public string DepartmentName { get; init; } = "";

        public CaseListItem ToItem() => new(ToCase(), EntityName, DepartmentName);
    }
}
