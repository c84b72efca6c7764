using System.Data.Common;
using System.Globalization;
using Dapper;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Publication;

/// <summary>One published version of one inspection's result.</summary>
public sealed record PublishedResultRow
{
    public long Seq { get; init; }
    public required string PublicationId { get; init; }
    public required string InspectionId { get; init; }
    public int Version { get; init; }
    public required string Kind { get; init; }
    public string? Reason { get; init; }
    public required string TaskId { get; init; }
    public required string TaskName { get; init; }
    public required string EntityCreditCode { get; init; }
    public required string EntityName { get; init; }
    public required string DivisionCode { get; init; }
    public required string IndustryCode { get; init; }
    public required string LeadDepartment { get; init; }
    public required string Departments { get; init; }
    public DateOnly InspectedOn { get; init; }
    public DateOnly ApprovedOn { get; init; }
    public DateOnly PublishedOn { get; init; }
    public DateTimeOffset PublishedAt { get; init; }
    public string? TeamNames { get; init; }
    public int? SupersededBy { get; init; }
    public DateOnly? SupersededOn { get; init; }

    /// <summary>The withheld fields and their reason categories ("field:category" pairs), or null.</summary>
    public string? Withheld { get; init; }
}

public sealed record PublishedItemRow
{
    public required string PublicationId { get; init; }
    public required string ItemCode { get; init; }
    public required string ItemName { get; init; }
    public required string DepartmentCode { get; init; }
    public string[] ResultCodes { get; init; } = [];
    public DateOnly InspectedOn { get; init; }
}

public sealed record PublicFollowUpRow
{
    public required string InspectionId { get; init; }
    public required string ItemCode { get; init; }
    public required string Kind { get; init; }
    public DateOnly? NotBefore { get; init; }
    public DateOnly DueOn { get; init; }
    public required string Status { get; init; }
}

/// <summary>The sort orders of a search: the column and whether it descends; ties break on publication order.</summary>
public enum ResultSort
{
    PublishedDesc,
    PublishedAsc,
    NameAsc,
    NameDesc,
    InspectedDesc,
    InspectedAsc,
}

/// <summary>A search of current published results; every filter optional, combined with AND.</summary>
public sealed record ResultQuery
{
    public string? Name { get; init; }
    public string? CreditCode { get; init; }
    public string? Division { get; init; }
    public string? Industry { get; init; }

    /// <summary>Division-code prefixes of a place typed in words (any of them matches; ANDed with <see cref="Division"/>).</summary>
    public IReadOnlyList<string> DivisionPrefixes { get; init; } = [];

    /// <summary>Industry-code prefixes of an industry typed in words (any of them matches; ANDed with <see cref="Industry"/>).</summary>
    public IReadOnlyList<string> IndustryPrefixes { get; init; } = [];

    public string? Department { get; init; }
    public string? Task { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    public ResultSort Sort { get; init; } = ResultSort.PublishedDesc;

    /// <summary>The keyset position: the sort value and the seq of the last row of the previous page.</summary>
    public (string Value, long Seq)? After { get; init; }

    public int Limit { get; init; } = 20;
}

/// <summary>A page of current results with their items (in order) and the time of the newest publication.</summary>
public sealed record SearchPage(IReadOnlyList<PublishedResultRow> Rows, IReadOnlyList<PublishedItemRow> Items, DateTimeOffset? LatestAt);

/// <summary>An approved inspection waiting for publication, or a publication that came after its deadline.</summary>
public sealed record PublicationDeadlineRow
{
    public required string InspectionId { get; init; }
    public required string TaskId { get; init; }
    public required string EntityCreditCode { get; init; }
    public string EntityName { get; init; } = "";
    public required string LeadDepartment { get; init; }
    public DateOnly? ApprovedOn { get; init; }
    public DateOnly? PublicationDue { get; init; }
    public DateOnly? PublishedOn { get; init; }
    public bool PublicationOverdue { get; init; }
}

/// <summary>What a bulk download holds: its partition, the rows it covers and the checksum of its bytes.</summary>
public sealed record ExportInfo(int Year, string Department, string Format, long LastSeq, long RowCount, long ByteCount, string Sha256, DateTimeOffset GeneratedAt);

/// <summary>
/// The read side of publication: the public read model (published_results, published_result_items) for the portal pages
/// and the open-data API — search, entity history, follow-ups, the bulk downloads' partitions, checksums and streamed rows —
/// and for the staff the deadline report and the departments' publication settings. Nothing here writes: the public record
/// is written by <see cref="PublicationWriter"/> inside the inspection's commit, the settings and the download checksums by
/// <see cref="PublicationStore"/>.
/// </summary>
public sealed class PublicationQueries(SqlStore store)
{
    public const string Columns =
        """
        seq, publication_id AS PublicationId, inspection_id AS InspectionId, version, kind, reason, task_id AS TaskId, task_name AS TaskName,
        entity_credit_code AS EntityCreditCode, entity_name AS EntityName, division_code AS DivisionCode, industry_code AS IndustryCode,
        lead_department AS LeadDepartment, departments, inspected_on AS InspectedOn, approved_on AS ApprovedOn, published_on AS PublishedOn,
        published_at AS PublishedAt, superseded_by AS SupersededBy, superseded_on AS SupersededOn, withheld AS Withheld,
        CASE WHEN EXISTS (SELECT 1 FROM departments d WHERE d.code = lead_department AND d.publish_team_names) THEN team_names END AS TeamNames
        """;

    /// <summary>The condition of a version the public may see: not withdrawn by the expiry job (docs/retention.md).</summary>
    public const string Public = "withdrawn_at IS NULL";

    /// <summary>How many of a gram's rows are counted, at most, to pick the rarest gram of a name search.</summary>
    public const int GramCountBound = 1_000;

    /// <summary>How many of the driving gram's rows one statement of a name search (sorted by publication) walks.</summary>
    public const int GramChunk = 1_000;

    public SqlStore Sql => store;

    /// <summary>The SQL of a search, exposed so tests can EXPLAIN exactly what the API runs.</summary>
    /// <remarks>
    /// On PostgreSQL a name of two or more characters is searched through published_name_grams (0014): the statement
    /// walks the rows of the query's rarest two-character gram — counted up to <see cref="GramCountBound"/> in the same
    /// statement — in publication order, at most <see cref="GramChunk"/> of them, and LIKE checks the whole name; when
    /// those rows do not fill the page, <see cref="SearchPageAsync"/> goes on with the next chunk. A page sorted by
    /// publication so costs about a page of rows; sorted by name or date, every row of the driving gram is read and
    /// sorted. Team names come out only where the lead department publishes them now.
    /// </remarks>
    public (string Sql, DynamicParameters Parameters) SearchCommand(ResultQuery q) => Search(q).Command;

    /// <summary>The search statement, and for a name search sorted by publication the gram rows one statement walks.</summary>
    private ((string Sql, DynamicParameters Parameters) Command, string? GramWalk) Search(ResultQuery q)
    {
        var where = new List<string> { "superseded_by IS NULL", Public };
        var p = new DynamicParameters();
        string? gramDriver = null;
        if (!string.IsNullOrWhiteSpace(q.CreditCode))
        {
            where.Add("entity_credit_code = @creditCode");
            p.Add("creditCode", Supervision.Core.Registry.CreditCode.Normalize(q.CreditCode));
        }
        if (!string.IsNullOrWhiteSpace(q.Name))
        {
            var name = q.Name.Trim();
            var grams = PublicResults.Bigrams(name);
            if (store.IsPostgres && grams.Length > 0 && string.IsNullOrWhiteSpace(q.CreditCode))
            {
                gramDriver = grams.Length == 1 ? "@gram" :
                    $"""
                    (SELECT q.gram FROM unnest(@grams) AS q(gram)
                     ORDER BY (SELECT count(*) FROM (SELECT 1 FROM published_name_grams c WHERE c.gram = q.gram LIMIT {GramCountBound}) n), q.gram
                     LIMIT 1)
                    """;
                if (grams.Length == 1) p.Add("gram", grams[0]);
                else p.Add("grams", grams.ToList()); // a list: Dapper hands it to Npgsql as one text[] (string[] would go through the comma-joining handler)
            }
            where.Add("entity_name LIKE @namePattern" + LikePatterns.Escape);
            p.Add("namePattern", LikePatterns.Contains(name));
        }
        if (!string.IsNullOrWhiteSpace(q.Division))
        {
            where.Add("division_code LIKE @division" + LikePatterns.Escape);
            p.Add("division", LikePatterns.Prefix(q.Division));
        }
        if (!string.IsNullOrWhiteSpace(q.Industry))
        {
            where.Add("industry_code LIKE @industry" + LikePatterns.Escape);
            p.Add("industry", LikePatterns.Prefix(q.Industry));
        }
        // A place or an industry in words: prefix LIKEs ORed (the division index, text_pattern_ops, serves each as a range).
        AnyPrefix("division_code", "dp", q.DivisionPrefixes);
        AnyPrefix("industry_code", "ip", q.IndustryPrefixes);
        void AnyPrefix(string column, string name, IReadOnlyList<string> prefixes)
        {
            if (prefixes.Count == 0) return;
            where.Add("(" + string.Join(" OR ", prefixes.Select((prefix, i) =>
            {
                var parameter = name + i.ToString(CultureInfo.InvariantCulture);
                p.Add(parameter, LikePatterns.Prefix(prefix));
                return $"{column} LIKE @{parameter}{LikePatterns.Escape}";
            })) + ")");
        }
        if (!string.IsNullOrWhiteSpace(q.Department))
        {
            where.Add("departments LIKE @department" + LikePatterns.Escape);
            p.Add("department", "%," + LikePatterns.Literal(q.Department.Trim()) + ",%");
        }
        if (!string.IsNullOrWhiteSpace(q.Task))
        {
            where.Add("task_id = @task");
            p.Add("task", q.Task.Trim());
        }
        if (q.From is { } fromDate)
        {
            where.Add("inspected_on >= @from");
            p.Add("from", fromDate);
        }
        if (q.To is { } to)
        {
            where.Add("inspected_on <= @to");
            p.Add("to", to);
        }

        var (column, descending) = SortColumn(q.Sort);
        var dir = descending ? "DESC" : "ASC";
        var op = descending ? "<" : ">";
        var seqColumn = gramDriver is null ? "seq" : "g.result_seq";
        var gramWhere = "";
        if (q.After is { } after)
        {
            if (column == "seq")
            {
                if (gramDriver is null) where.Add($"seq {op} @afterSeq");
                else gramWhere = $" AND result_seq {op} @afterSeq";
            }
            else
            {
                where.Add($"({column}, seq) {op} (@afterValue, @afterSeq)");
                p.Add("afterValue", column == "inspected_on" ? DateOnly.ParseExact(after.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture) : after.Value);
            }
            p.Add("afterSeq", after.Seq);
        }
        // Sorted by publication, the gram rows come in chunks (LIMIT): PostgreSQL then walks the B-tree in order instead
        // of estimating the LIKE as rare, fetching every row of the gram and sorting them. Other sorts need every match.
        var walk = gramDriver is null
            ? null
            : $"SELECT result_seq FROM published_name_grams WHERE gram = {gramDriver}{gramWhere} ORDER BY result_seq {(column == "seq" ? dir : "DESC")}" +
              (column == "seq" ? $" LIMIT {GramChunk}" : " OFFSET 0");
        var from = walk is null ? "published_results" : $"({walk}) g JOIN published_results ON seq = g.result_seq";
        var order = column == "seq" ? $"{seqColumn} {dir}" : $"{column} {dir}, seq {dir}";
        // The page size is written into the statement (a checked integer): with LIMIT as a parameter PostgreSQL cannot
        // cost a generic plan and plans the prepared statement again at every execution.
        var limit = Math.Clamp(q.Limit, 1, 1000).ToString(CultureInfo.InvariantCulture);
        return (($"SELECT {Columns} FROM {from} WHERE {string.Join(" AND ", where)} ORDER BY {order} LIMIT {limit}", p), column == "seq" ? walk : null);
    }

    /// <summary>
    /// A page of search results, its items and the newest publication (the answer's Last-Modified) in one statement: the
    /// newest publication's row left-joined to the page's rows, which are left-joined to their items.
    /// </summary>
    public async Task<SearchPage> SearchPageAsync(ResultQuery query, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var search = Search(query);
        var (rows, items, latestAt) = await PageAsync(connection, query.Sort, search.Command, latest: true, ct);
        // A name search walks its driving gram a chunk at a time: when a chunk's rows did not fill the page and the chunk
        // was full, the next chunk continues after the last gram row walked (rare: the other filters must reject most).
        var descending = SortColumn(query.Sort).Descending;
        var next = query;
        while (search.GramWalk is { } walk && rows.Count < query.Limit)
        {
            var (walked, edge) = await connection.QuerySingleAsync<(long Walked, long? Edge)>(new CommandDefinition(
                $"SELECT count(*), {(descending ? "min" : "max")}(result_seq) FROM ({walk}) w", search.Command.Parameters, cancellationToken: ct));
            if (walked < GramChunk || edge is null) break;
            next = next with { After = ("", edge.Value), Limit = query.Limit - rows.Count };
            search = Search(next);
            var more = await PageAsync(connection, next.Sort, search.Command, latest: false, ct);
            rows.AddRange(more.Rows);
            items.AddRange(more.Items);
        }
        return new SearchPage(rows, items, latestAt);
    }

    private static async Task<(List<PublishedResultRow> Rows, List<PublishedItemRow> Items, DateTimeOffset? LatestAt)> PageAsync(
        DbConnection connection, ResultSort sort, (string Sql, DynamicParameters Parameters) command, bool latest, CancellationToken ct)
    {
        var (search, parameters) = command;
        var (column, descending) = SortColumn(sort);
        var dir = descending ? "DESC" : "ASC";
        var outer = column switch
        {
            "seq" => $"page.seq {dir}",
            "entity_name" => $"page.EntityName {dir}, page.seq {dir}",
            _ => $"page.InspectedOn {dir}, page.seq {dir}",
        };
        // One statement: a second one (the newest publication) cost PostgreSQL nearly as much as the page itself. The
        // newest row comes first so that an empty page still answers one row, with the page's and items' columns NULL.
        var (newestAt, from) = latest
            ? ("newest.published_at", $"(SELECT published_at FROM published_results ORDER BY seq DESC LIMIT 1) newest LEFT JOIN ({search}) page ON 1 = 1")
            : ("NULL", $"({search}) page");
        var sql =
            $"""
            SELECT {newestAt} AS NewestAt, page.*, i.publication_id AS PublicationId, i.item_code AS ItemCode, i.item_name AS ItemName,
                   i.department_code AS DepartmentCode, i.result_codes AS ResultCodes, i.inspected_on AS InspectedOn
            FROM {from} LEFT JOIN published_result_items i ON i.publication_id = page.PublicationId
            ORDER BY {outer}, i.item_code
            """;
        var rows = new List<PublishedResultRow>();
        var items = new List<PublishedItemRow>();
        DateTimeOffset? newest = null;
        foreach (var (at, row, item) in await connection.QueryAsync<NewestPublication?, PublishedResultRow?, PublishedItemRow?, (DateTimeOffset?, PublishedResultRow?, PublishedItemRow?)>(
                     new CommandDefinition(sql, parameters, cancellationToken: ct), (n, r, i) => (n?.NewestAt, r, i), splitOn: "seq,PublicationId"))
        {
            newest ??= at;
            if (row is null) continue;
            if (rows.Count == 0 || rows[^1].Seq != row.Seq) rows.Add(row);
            if (item is not null) items.Add(item);
        }
        return (rows, items, newest);
    }

    /// <summary>The first column of a search page's rows: when the newest publication was published.</summary>
    private sealed class NewestPublication
    {
        public DateTimeOffset? NewestAt { get; init; }
    }

    public static (string Column, bool Descending) SortColumn(ResultSort sort) => sort switch
    {
        ResultSort.PublishedAsc => ("seq", false),
        ResultSort.NameAsc => ("entity_name", false),
        ResultSort.NameDesc => ("entity_name", true),
        ResultSort.InspectedAsc => ("inspected_on", false),
        ResultSort.InspectedDesc => ("inspected_on", true),
        _ => ("seq", true),
    };

    /// <summary>The keyset value of a row under a sort order (what the next page continues after).</summary>
    public static string SortValue(PublishedResultRow row, ResultSort sort) => SortColumn(sort).Column switch
    {
        "entity_name" => row.EntityName,
        "inspected_on" => row.InspectedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => "",
    };

    public async Task<IReadOnlyList<PublishedItemRow>> ItemsAsync(IReadOnlyCollection<string> publicationIds, CancellationToken ct)
    {
        if (publicationIds.Count == 0) return [];
        await using var connection = await store.OpenAsync(ct);
        var rows = new List<PublishedItemRow>();
        foreach (var chunk in publicationIds.Chunk(200))
        {
            rows.AddRange(await connection.QueryAsync<PublishedItemRow>(new CommandDefinition(
                $"""
                SELECT publication_id AS PublicationId, item_code AS ItemCode, item_name AS ItemName, department_code AS DepartmentCode,
                       result_codes AS ResultCodes, inspected_on AS InspectedOn
                FROM published_result_items WHERE publication_id {In("@ids")} ORDER BY publication_id, item_code
                """, new { ids = chunk.ToList() }, cancellationToken: ct)));
        }
        return rows;
    }

    /// <summary>Every published version of the entity's inspections still public, superseded ones included, newest first.</summary>
    public Task<IReadOnlyList<PublishedResultRow>> EntityHistoryAsync(string creditCode, CancellationToken ct) =>
        store.QueryAsync<PublishedResultRow>($"SELECT {Columns} FROM published_results WHERE entity_credit_code = @creditCode AND {Public} ORDER BY seq DESC",
            new { creditCode }, ct);

    /// <summary>Follow-ups (correction orders, re-inspections) of the entity's published inspections.</summary>
    public Task<IReadOnlyList<PublicFollowUpRow>> FollowUpsAsync(string creditCode, CancellationToken ct) =>
        store.QueryAsync<PublicFollowUpRow>(
            """
            SELECT f.inspection_id AS InspectionId, f.item_code AS ItemCode, f.kind, f.not_before AS NotBefore, f.due_on AS DueOn, f.status
            FROM follow_ups f
            WHERE f.entity_credit_code = @creditCode
              AND EXISTS (SELECT 1 FROM published_results p WHERE p.inspection_id = f.inspection_id AND p.version >= f.source_version AND p.withdrawn_at IS NULL)
            ORDER BY f.due_on, f.action_key
            """, new { creditCode }, ct);

    /// <summary>
    /// The newest publication (seq, time) overall, or of one entity: the validators of cached public responses. A withdrawal
    /// by the expiry job changes what the public sees, so its time counts as a change too.
    /// </summary>
    public async Task<(long Seq, DateTimeOffset? At)> LatestAsync(string? creditCode, CancellationToken ct)
    {
        var row = await store.QuerySingleOrDefaultAsync<(long? Seq, DateTimeOffset? At)>(
            creditCode is null
                ? "SELECT seq, published_at FROM published_results ORDER BY seq DESC LIMIT 1"
                : "SELECT seq, published_at FROM published_results WHERE entity_credit_code = @creditCode ORDER BY seq DESC LIMIT 1",
            new { creditCode }, ct);
        var withdrawn = await store.QuerySingleOrDefaultAsync<DateTimeOffset?>(
            creditCode is null
                ? "SELECT withdrawn_at FROM public_withdrawals WHERE record_kind = 'result' ORDER BY withdrawn_at DESC LIMIT 1"
                : "SELECT withdrawn_at FROM public_withdrawals WHERE record_kind = 'result' AND entity_credit_code = @creditCode ORDER BY withdrawn_at DESC LIMIT 1",
            new { creditCode }, ct);
        return (row.Seq ?? 0, withdrawn is { } w && (row.At is null || w > row.At) ? w : row.At);
    }

    // ---- staff: deadlines and settings ----------------------------------------------------------------------

    /// <summary>The columns of <see cref="PublicationDeadlineRow"/> that the inspections row and a publication share.</summary>
    private const string DeadlineColumns =
        """
        inspection_id AS InspectionId, task_id AS TaskId, entity_credit_code AS EntityCreditCode, entity_name AS EntityName,
        lead_department AS LeadDepartment, approved_on AS ApprovedOn, publication_due AS PublicationDue
        """;

    /// <summary>Approved inspections not yet published, by department and due date.</summary>
    public Task<IReadOnlyList<PublicationDeadlineRow>> PendingAsync(string? department, CancellationToken ct) =>
        store.QueryAsync<PublicationDeadlineRow>(
            $"""
            SELECT {DeadlineColumns}, publication_overdue AS PublicationOverdue
            FROM inspections WHERE state = 'Approved' AND (@department IS NULL OR lead_department = @department)
            ORDER BY lead_department, publication_due, inspection_id
            """, new { department }, ct);

    /// <summary>Publications that came after their deadline (first publications only; amendments have their own review).</summary>
    public Task<IReadOnlyList<PublicationDeadlineRow>> PublishedLateAsync(string? department, CancellationToken ct) =>
        store.QueryAsync<PublicationDeadlineRow>(
            $"""
            SELECT {DeadlineColumns}, published_on AS PublishedOn
            FROM published_results
            WHERE kind = 'initial' AND publication_due IS NOT NULL AND published_on > publication_due
              AND (@department IS NULL OR lead_department = @department)
            ORDER BY lead_department, published_on, inspection_id
            """, new { department }, ct);

    public async Task<PublicationSettings?> SettingsAsync(string department, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await ReadSettingsAsync(connection, null, department, ct);
    }

    /// <summary>A department's publication settings, in <paramref name="tx"/> when given; null when there is no such department.</summary>
    internal static async Task<PublicationSettings?> ReadSettingsAsync(DbConnection connection, DbTransaction? tx, string department, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string Code, string PublishMode, bool PublishTeamNames, long Version)>(new CommandDefinition(
            "SELECT code, publish_mode, publish_team_names, version FROM departments WHERE code = @department", new { department }, tx, cancellationToken: ct));
        return row.Code is null ? null : new PublicationSettings(row.Code, row.PublishMode, row.PublishTeamNames, row.Version);
    }

    // ---- bulk downloads ----------------------------------------------------------------------------------------

    /// <summary>The years that have publications, newest first, and the departments leading them.</summary>
    public async Task<IReadOnlyList<(int Year, string Department)>> PartitionsAsync(CancellationToken ct)
    {
        var year = store.IsPostgres ? "CAST(EXTRACT(YEAR FROM published_on) AS integer)" : "CAST(substr(published_on, 1, 4) AS integer)";
        return (await store.QueryAsync<PartitionRecord>(
            $"SELECT DISTINCT {year} AS y, lead_department AS Department FROM published_results WHERE {Public} ORDER BY y DESC, Department", ct: ct))
            .Select(r => ((int)r.Y, r.Department)).ToList();
    }

    /// <summary>The last seq and the row count of a partition now; a download covers exactly these rows.</summary>
    public async Task<(long LastSeq, long Rows)> PartitionStateAsync(int year, string department, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QuerySingleAsync<(long? LastSeq, long Rows)>(new CommandDefinition(
            $"SELECT max(seq), count(*) FROM published_results WHERE {PartitionFilter(department)}",
            PartitionArgs(year, department, long.MaxValue), cancellationToken: ct));
        return (row.LastSeq ?? 0, row.Rows);
    }

    public async Task<ExportInfo?> ExportInfoAsync(int year, string department, string format, long lastSeq, CancellationToken ct)
    {
        var row = await store.QuerySingleOrDefaultAsync<ExportRecord>(
            """
            SELECT year, department, format, last_seq AS LastSeq, row_count AS RowCount, byte_count AS ByteCount, sha256, generated_at AS GeneratedAt
            FROM published_exports WHERE year = @year AND department = @department AND format = @format AND last_seq = @lastSeq
            """, new { year, department, format, lastSeq }, ct);
        return row is null ? null : new ExportInfo((int)row.Year, row.Department, row.Format, row.LastSeq, row.RowCount, row.ByteCount, row.Sha256, row.GeneratedAt);
    }

    /// <summary>Dapper maps settable properties with conversions (SQLite answers every integer as Int64).</summary>
    private sealed class ExportRecord
    {
        public long Year { get; set; }
        public string Department { get; set; } = "";
        public string Format { get; set; } = "";
        public long LastSeq { get; set; }
        public long RowCount { get; set; }
        public long ByteCount { get; set; }
        public string Sha256 { get; set; } = "";
        public DateTimeOffset GeneratedAt { get; set; }
    }

    private sealed class PartitionRecord
    {
        public long Y { get; set; }
        public string Department { get; set; } = "";
    }

    /// <summary>Publications per statement of <see cref="StreamExportAsync"/>.</summary>
    public const int ExportBatch = 2_000;

    /// <summary>
    /// The rows of one partition up to <paramref name="lastSeq"/>, one published item per row, in publication order.
    /// They are read <see cref="ExportBatch"/> publications per statement, each on a connection taken from the pool and
    /// given back before the batch's rows are handed on: a download goes at its client's pace, and a client that stops
    /// reading must not keep a connection from everyone else. Memory is one batch, whatever the partition's size; the
    /// rows up to a last seq never change, so the batches add up to one consistent file.
    /// </summary>
    public async IAsyncEnumerable<ExportRow> StreamExportAsync(int year, string department, long lastSeq,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var parameters = new DynamicParameters(PartitionArgs(year, department, lastSeq));
        parameters.Add("batch", ExportBatch);
        long? after = null;
        while (true)
        {
            // Every publication of the batch comes back, item or not (LEFT JOIN), so a full batch is known to be full.
            var batch = new List<ExportRow>(ExportBatch + ExportBatch / 2);
            var publications = 0;
            await using (var connection = await store.OpenAsync(ct))
            {
                parameters.Add("after", after ?? await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    $"SELECT min(seq) - 1 FROM published_results WHERE {PartitionFilter(department)}", parameters, cancellationToken: ct)) ?? 0);
                await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(
                    $"""
                    SELECT r.seq, r.publication_id, r.inspection_id, r.version, r.kind, r.reason, r.task_id, r.task_name, r.entity_credit_code, r.entity_name,
                           r.division_code, r.industry_code, r.lead_department, r.approved_on, r.published_on,
                           i.item_code, i.item_name, i.department_code, i.result_codes, i.inspected_on, r.withheld
                    FROM (SELECT * FROM published_results WHERE {PartitionFilter(department)} AND seq > @after AND seq <= @lastSeq ORDER BY seq LIMIT @batch) r
                    LEFT JOIN published_result_items i ON i.publication_id = r.publication_id
                    ORDER BY r.seq, i.item_code
                    """, parameters, cancellationToken: ct));
                long seq = 0;
                while (await reader.ReadAsync(ct))
                {
                    if (reader.GetInt64(0) != seq)
                    {
                        seq = reader.GetInt64(0);
                        publications++;
                    }
                    if (reader.IsDBNull(15)) continue;
                    batch.Add(new ExportRow(
                        reader.GetString(1), reader.GetString(2), Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture), reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9),
                        reader.GetString(10), reader.GetString(11), reader.GetString(12), DateText(reader.GetValue(13)), DateText(reader.GetValue(14)),
                        reader.GetString(15), reader.GetString(16), reader.GetString(17), reader.GetString(18), DateText(reader.GetValue(19)))
                    {
                        Withheld = reader.IsDBNull(20) ? null : reader.GetString(20),
                    });
                }
                after = seq;
            }
            foreach (var row in batch) yield return row;
            if (publications < ExportBatch) yield break;
        }
    }

    private static string DateText(object value) => value switch
    {
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string PartitionFilter(string department, string prefix = "") =>
        $"{prefix}published_on >= @yearStart AND {prefix}published_on < @nextYear AND {prefix}{Public}" + (department.Length == 0 ? "" : $" AND {prefix}lead_department = @department");

    private static object PartitionArgs(int year, string department, long lastSeq) => new
    {
        yearStart = new DateOnly(year, 1, 1), nextYear = new DateOnly(year + 1, 1, 1), department, lastSeq,
    };

    private string In(string parameter) => store.In(parameter);
}

/// <summary>One line of a bulk download: one item of one published version (docs/public-portal.md, data dictionary).</summary>
public sealed record ExportRow(
    string PublicationId, string InspectionId, int Version, string Kind, string? Reason, string TaskId, string TaskName,
    string EntityCreditCode, string EntityName, string DivisionCode, string IndustryCode, string LeadDepartment,
    string ApprovedOn, string PublishedOn, string ItemCode, string ItemName, string ItemDepartment, string ResultCodes, string InspectedOn)
{
    /// <summary>The fields withheld from publication with their reason categories ("field:category" pairs), or null.</summary>
    public string? Withheld { get; init; }
}

/// <summary>LIKE patterns from what a visitor typed; the visitor's own wildcards are matched literally.</summary>
public static class LikePatterns
{
    public const string Escape = " ESCAPE '\\'";

    public static string Contains(string text) => "%" + Literal(text.Trim()) + "%";

    public static string Prefix(string text) => Literal(text.Trim()) + "%";

    public static string Literal(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal);
}
