using Dapper;
using Supervision.Core.Abnormal;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Abnormal;

/// <summary>An entry as the lists show it: with the entity's and the department's names beside the codes.</summary>
public sealed record AbnormalListItem(AbnormalEntry Entry, string EntityName, string DepartmentName);

/// <summary>What the department's staff are told at a glance (the workbench's counts).</summary>
public sealed record AbnormalCounts(long Pending, long Overdue, long RemovalApplications, long Escalated);

/// <summary>An entry of the public list: what the national publicity system shows, nothing more (no facts, no evidence, no people).</summary>
/// <remarks>Properties, not a positional record: Dapper maps SQLite's text dates through the store's type handlers only onto properties.</remarks>
public sealed record PublicAbnormalRow
{
    public required string Id { get; init; }
    public required string EntityCreditCode { get; init; }
    public string EntityName { get; init; } = "";
    public required string Ground { get; init; }
    public required string State { get; init; }
    public DateOnly ListedOn { get; init; }
    public string? DecisionReference { get; init; }
    public DateOnly? RemovedOn { get; init; }
    public required string DepartmentCode { get; init; }
    public string DepartmentName { get; init; } = "";
}

/// <summary>
/// The read side of the register (the department's lists and counts, the entity's link page, the public list and its open
/// data), apart from <see cref="AbnormalStore"/>, which persists what the workflow decided.
/// </summary>
public sealed class AbnormalQueries(SqlStore store)
{
    public const int MaxRows = 500;

    /// <summary>The views of a department's list: open (pending, listed, escalated), overdue, applications awaiting a decision, or one state.</summary>
    public static readonly IReadOnlyList<string> Views = ["open", "overdue", "applications", .. AbnormalStates.All, "all"];

    private static readonly string ListSelect =
        $"""
        SELECT {AbnormalStore.ColumnsOf("a.")}, COALESCE(m.name, '') AS EntityName, COALESCE(d.name, a.department_code) AS DepartmentName
        FROM abnormal_entries a
        LEFT JOIN market_entities m ON m.credit_code = a.entity_credit_code
        LEFT JOIN departments d ON d.code = a.department_code
        """;

    public async Task<AbnormalListItem?> GetAsync(string id, CancellationToken ct = default)
    {
        var row = await store.QuerySingleOrDefaultAsync<ListRow>($"{ListSelect} WHERE a.entry_id = @id", new { id }, ct);
        return row?.ToItem();
    }

    /// <summary>
    /// Entries decided by <paramref name="department"/> (every department's for null: an admin) in one of <see cref="Views"/>:
    /// pending ones first by list-by date, then the rest newest first.
    /// </summary>
    public async Task<IReadOnlyList<AbnormalListItem>> ForDepartmentAsync(string? department, string view, string? entity, DateOnly today, int limit,
        CancellationToken ct = default)
    {
        var filter = view switch
        {
            "open" => "a.state IN ('pending', 'listed', 'escalated')",
            "overdue" => "a.state = 'pending' AND a.list_by < @today",
            "applications" => "a.removal_state = 'applied'",
            "all" => "1 = 1",
            _ => "a.state = @view",
        };
        var rows = await store.QueryAsync<ListRow>(
            $"""
            {ListSelect}
            WHERE {filter} {(department is null ? "" : "AND a.department_code = @department")} {(entity is null ? "" : "AND a.entity_credit_code = @entity")}
            ORDER BY CASE WHEN a.state = 'pending' THEN 0 ELSE 1 END, CASE WHEN a.state = 'pending' THEN a.list_by END, a.created_at DESC, a.entry_id
            LIMIT @limit
            """, new { department, view, entity, today, limit = Math.Min(limit, MaxRows) }, ct);
        return [.. rows.Select(r => r.ToItem())];
    }

    /// <summary>The entity's entries that were ever listed (what its link shows and what it may apply to remove), newest first.</summary>
    public async Task<IReadOnlyList<AbnormalListItem>> ForEntityAsync(string creditCode, CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<ListRow>(
            $"{ListSelect} WHERE a.entity_credit_code = @creditCode AND a.listed_on IS NOT NULL ORDER BY a.listed_on DESC, a.entry_id LIMIT {MaxRows}",
            new { creditCode }, ct);
        return [.. rows.Select(r => r.ToItem())];
    }

    /// <summary>The department's counts (every department's for null).</summary>
    public async Task<AbnormalCounts> CountsAsync(string? department, DateOnly today, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        var c = await connection.QuerySingleAsync<(long Pending, long Overdue, long Applications, long Escalated)>(new CommandDefinition(
            $"""
            SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN state = 'pending' AND list_by < @today THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN removal_state = 'applied' THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN state = 'escalated' THEN 1 ELSE 0 END), 0)
            FROM abnormal_entries
            WHERE state IN ('pending', 'listed', 'escalated') {(department is null ? "" : "AND department_code = @department")}
            """, new { department, today }, cancellationToken: ct));
        return new(c.Pending, c.Overdue, c.Applications, c.Escalated);
    }

    /// <summary>
    /// The public list, keyset-paged by (listed on, entry id) newest first: entries listed by a decision (listed, escalated
    /// — still on the list — and removed, with the removal date). <paramref name="current"/> keeps those still on it. A removed
    /// entry past its retention period (docs/retention.md) is no longer shown.
    /// </summary>
    public async Task<IReadOnlyList<PublicAbnormalRow>> PublicAsync(string? ground, string? entity, bool current, (DateOnly On, string Id)? after, int limit,
        CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<PublicAbnormalRow>(
            $"""
            SELECT a.entry_id AS Id, a.entity_credit_code AS EntityCreditCode, COALESCE(m.name, '') AS EntityName, a.ground AS Ground, a.state AS State,
                   a.listed_on AS ListedOn, a.decision_reference AS DecisionReference, a.removed_on AS RemovedOn, a.department_code AS DepartmentCode,
                   COALESCE(d.name, a.department_code) AS DepartmentName
            FROM abnormal_entries a
            LEFT JOIN market_entities m ON m.credit_code = a.entity_credit_code
            LEFT JOIN departments d ON d.code = a.department_code
            WHERE a.listed_on IS NOT NULL AND a.state IN ('listed', 'escalated'{(current ? "" : ", 'removed'")})
              AND NOT EXISTS (SELECT 1 FROM public_withdrawals w WHERE w.record_kind = 'abnormal-listing' AND w.record_id = a.entry_id)
              {(ground is null ? "" : "AND a.ground = @ground")} {(entity is null ? "" : "AND a.entity_credit_code = @entity")}
              {(after is null ? "" : "AND (a.listed_on < @afterOn OR (a.listed_on = @afterOn AND a.entry_id > @afterId))")}
            ORDER BY a.listed_on DESC, a.entry_id
            LIMIT @limit
            """, new { ground, entity, afterOn = after?.On, afterId = after?.Id, limit }, ct);
        return rows.AsList();
    }

    public async Task<bool> EntityExistsAsync(string creditCode, CancellationToken ct = default)
    {
        return await store.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM market_entities WHERE credit_code = @creditCode", new { creditCode }, ct) > 0;
    }

    public async Task<bool> DepartmentExistsAsync(string code, CancellationToken ct = default)
    {
        return await store.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM departments WHERE code = @code", new { code }, ct) > 0;
    }

    private sealed class ListRow : AbnormalStore.Row
    {
        public string EntityName { get; init; } = "";
        public string DepartmentName { get; init; } = "";

        public AbnormalListItem ToItem() => new(ToEntry(), EntityName, DepartmentName);
    }
}
