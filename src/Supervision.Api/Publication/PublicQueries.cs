using Supervision.Core.Calendar;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Publication;

/// <summary>A code with its reference-data name in both languages.</summary>
public sealed record CodeName(string Code, string Name, string English);

public sealed record PublicItemResult(string ItemCode, string ItemName, string DepartmentCode, IReadOnlyList<CodeName> Results, DateOnly InspectedOn);

/// <summary>
/// A field of a published result withheld before publication (docs/retention.md): which field, and the reason category
/// (state-secret, commercial-secret, personal-data); never the text.
/// </summary>
public sealed record PublicWithheld(string Field, string Category);

/// <summary>The reason categories of withheld fields as the pages name them.</summary>
public static class WithheldLabels
{
    public static string Name(string category, bool english) => category switch
    {
        Supervision.Core.Inspections.Redactions.StateSecret => english ? "state secret" : "国家秘密",
        Supervision.Core.Inspections.Redactions.CommercialSecret => english ? "commercial secret" : "商业秘密",
        Supervision.Core.Inspections.Redactions.PersonalData => english ? "personal data" : "个人信息",
        _ => category,
    };

    public static string FieldName(string field, bool english) => field switch
    {
        Supervision.Core.Inspections.Redactions.Reason => english ? "reason for the amendment" : "更正原因",
        Supervision.Core.Inspections.Redactions.TeamNames => english ? "inspectors' names" : "检查人员姓名",
        _ => field,
    };
}

/// <summary>One published version of an inspection result, as the public sees it; <see cref="Withheld"/> is empty unless a reviewer withheld fields.</summary>
public sealed record PublicResult(
    string PublicationId, string InspectionId, int Version, string Kind, string? Reason, string TaskId, string TaskName,
    string EntityCreditCode, string EntityName, string DivisionCode, string? DivisionName, string IndustryCode, string? IndustryName,
    string LeadDepartment, IReadOnlyList<string> Departments, DateOnly InspectedOn, DateOnly ApprovedOn, DateOnly PublishedOn,
    IReadOnlyList<string>? TeamNames, int? SupersededBy, DateOnly? SupersededOn, IReadOnlyList<PublicItemResult> Items,
    IReadOnlyList<PublicWithheld> Withheld)
{
    /// <summary>
    /// The entity's statement and the decided objections beside this version (docs/objections.md): those about it, and an
    /// upheld one it corrected. Never the files, the decider or the credit class.
    /// </summary>
    public IReadOnlyList<PublicReply> Replies { get; init; } = [];
}

/// <summary>
/// A statement of the entity (kind "statement": its text) or the outcome of its objection (kind "objection": upheld or
/// rejected, the department's published reason, and the amended version that corrected the result), with their dates.
/// </summary>
public sealed record PublicReply(string Id, string Kind, int ResultVersion, string? Statement, DateOnly SubmittedOn, string? Outcome, DateOnly? DecidedOn,
    string? DecisionReason, int? AmendedVersion, DateOnly? AmendedOn);

public sealed record PublicPage<T>(IReadOnlyList<T> Items, string? Next, int Limit);

/// <summary>A division a place in words resolved to: its code, the prefix searched, its full name and English name (when known).</summary>
public sealed record PublicDivision(string Code, string Prefix, string Name, string? English);

/// <summary>The place a search was given in words and the divisions it resolved to.</summary>
public sealed record PublicPlace(string Input, IReadOnlyList<PublicDivision> Divisions);

/// <summary>The industry a search was given in words and the GB/T 4754 sections or divisions it resolved to.</summary>
public sealed record PublicIndustry(string Input, IReadOnlyList<PublicIndustryName> Industries);

/// <summary>A GB/T 4754 section (letter) or division (two digits) with its name.</summary>
public sealed record PublicIndustryName(string Code, string Name);

/// <summary>What the words of a search resolved to (null when not given), to be shown with the results.</summary>
public sealed record SearchWords(PublicPlace? Place, PublicIndustry? Industry)
{
    public static readonly SearchWords None = new(null, null);
}

/// <summary>A page of the search, with the place and industry in words it was resolved from.</summary>
public sealed record PublicSearchPage(IReadOnlyList<PublicResult> Items, string? Next, int Limit, PublicPlace? Place, PublicIndustry? Industry);

public sealed record PublicFollowUp(string InspectionId, string ItemCode, string Kind, DateOnly? NotBefore, DateOnly DueOn, string Status);

/// <summary>
/// The credit class where a documented rule makes it public. Credit classes are confidential to the regulator
/// (product brief), so the default discloses nothing. EXTENSION POINT for the credit work (wip/credit): register an
/// <see cref="IPublicCreditDisclosure"/> that returns a class only under a published rule, and the entity page and
/// API show it; nothing else changes.
/// </summary>
public sealed record PublicCreditClass(string Class, string Rule);

public interface IPublicCreditDisclosure
{
    Task<PublicCreditClass?> ForAsync(string creditCode, CancellationToken ct);
}

public sealed class NoPublicCreditDisclosure : IPublicCreditDisclosure
{
    public Task<PublicCreditClass?> ForAsync(string creditCode, CancellationToken ct) => Task.FromResult<PublicCreditClass?>(null);
}

/// <summary>An entity's public page: registration facts (no credit class, no people) and every published version.</summary>
public sealed record PublicEntity(
    string CreditCode, string Name, string? EntityType, string? DivisionCode, string? DivisionName, string? IndustryCode, string? IndustryName,
    string? Status, PublicCreditClass? Credit, IReadOnlyList<PublicResult> Results, IReadOnlyList<PublicFollowUp> FollowUps);

public sealed record PublicTaskSummary(string Id, string Name, string Status, string LeadDepartment, IReadOnlyList<string> Departments, DateTimeOffset? PublishedAt);

public sealed record PublicTaskItem(string Code, string Name);

/// <summary>What the freeze fixed, published before any entropy: the snapshot's hash, and (from 2026-12) the hashes of the
/// excluded members and of the inspectors the teams will be drawn from (docs/draw-spec.md §9.2–9.3).</summary>
/// <summary>A frozen population as the public sees it: its hashes and counts, never a count per credit class.</summary>
public sealed record PublicPopulation(string Sha256, long MemberCount, int DrawYear, int YearlyCap, IReadOnlyList<ExclusionCount> Excluded, DateTimeOffset FrozenAt,
    string? ExclusionsSha256, string? InspectorsSha256, string? MembersSha256)
{
    /// <summary>The items whose object scope limited the population: entity types and industries, no entity named.</summary>
    public IReadOnlyList<ItemScope> Scope { get; init; } = [];
}

/// <summary>The committed entity draw as the public sees it: no per-class counts (class sizes are confidential, draw-spec §11).</summary>
public sealed record PublicDrawRecord(string Algorithm, string RevealedSecret, string Seed, string Mode, int DrawnCount, DateTimeOffset CommittedAt);

/// <summary>How anyone checks the draw: the class-free pack and the members file (draw-spec §11.3).</summary>
public sealed record PublicVerification(string PackUrl, string MembersUrl, string SpecUrl, string DotnetCommand, string PythonCommand);

/// <summary>A task's public record: its plan, the ceremony inputs, the draw and how to check it.</summary>
public sealed record PublicTask(
    string Id, string Name, string Status, string LeadDepartment, IReadOnlyList<string> Departments, DateTimeOffset? PublishedAt,
    IReadOnlyList<PublicTaskItem> Items, PopulationFilter Filter, SamplingRule Sampling, DateOnly? Deadline,
    string? SecretCommitment, PublicPopulation? Population, IReadOnlyList<EntropyEntry> Entropy, BeaconValue? Beacon,
    PublicDrawRecord? Draw, PublicVerification? Verification)
{
    /// <summary>Every step the task's draw went through, and every attempt that failed, in order (from the audit log).</summary>
    public IReadOnlyList<PublicAttempt> Attempts { get; init; } = [];

    /// <summary>The public randomness named in the plan, which the seed will wait for (draw-spec §3.3); null for tasks planned before.</summary>
    public NamedBeacon? NamedBeacon { get; init; }

    /// <summary>The witnessed seed ceremony as recorded (commitments, close, reveals, beacon value), from the freeze on.</summary>
    public Ceremony? Ceremony { get; init; }

    /// <summary>The cancelled task this one redraws, and the task that redraws this one (each cancelled with approval, public).</summary>
    public string? Replaces { get; init; }

    public string? ReplacedBy { get; init; }

    /// <summary>The line of the department's published annual plan the task carries out (docs/planning.md); null for a task outside a plan.</summary>
    public Supervision.Core.Plans.PlanReference? Plan { get; init; }
}

/// <summary>
/// One step of a task's draw as the public sees it (draw integrity II: every attempt is public): the step, when, whether
/// it was done or failed, and why — never who, never a figure per credit class.
/// </summary>
public sealed record PublicAttempt(DateTimeOffset At, string Step, string Outcome, string? Title, string? Detail);

/// <summary>A drawn entity, public: no rank, class or probability (in a risk-weighted draw each would point at a class).</summary>
public sealed record PublicDrawnEntity(string CreditCode, string? Name, string? DivisionCode);

/// <summary>
/// The queries behind the portal's pages and the open-data API: one place decides what the public sees, so a page and
/// its JSON twin cannot disagree. Only published records are read; see docs/public-portal.md for the privacy rules.
/// </summary>
public sealed partial class PublicQueries(PublicationQueries publications, TaskQueries draws, ReferenceData reference, IPublicCreditDisclosure credit,
    Infrastructure.Objections.ObjectionQueries objections)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 200;

    public PublicationQueries Store => publications;

    public static readonly IReadOnlyDictionary<string, ResultSort> Sorts = new Dictionary<string, ResultSort>(StringComparer.Ordinal)
    {
        ["-published"] = ResultSort.PublishedDesc,
        ["published"] = ResultSort.PublishedAsc,
        ["name"] = ResultSort.NameAsc,
        ["-name"] = ResultSort.NameDesc,
        ["-inspected"] = ResultSort.InspectedDesc,
        ["inspected"] = ResultSort.InspectedAsc,
    };

    /// <summary>
    /// Reads and checks the search parameters; field errors name the query parameter. A credit code is normalised
    /// (<see cref="CreditCode.Normalize"/>); a place (<paramref name="place"/>) and an industry (<paramref name="industryName"/>)
    /// typed in words are resolved against the reference data to code prefixes (<see cref="ReferenceData.ResolvePlace"/>),
    /// and a place or industry that names nothing is a field error with suggestions.
    /// </summary>
    public static (ResultQuery? Query, IReadOnlyList<FieldError> Errors, SearchWords Words) Parse(ReferenceData reference,
        string? name, string? creditCode, string? place, string? industryName, string? division, string? industry, string? department, string? task,
        string? from, string? to, string? sort, string? after, int? limit)
    {
        var errors = new List<FieldError>();
        DateOnly? Date(string? text, string field)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            errors.Add(FieldError.Format(field, FieldFormats.Date, "must be a date written yyyy-MM-dd", text.Trim()));
            return null;
        }

        void Length(string? value, string field, int max)
        {
            if (value is not null && value.Trim().Length > max) errors.Add(FieldError.TooLong(field, max, value.Trim().Length, $"must be at most {max} characters"));
        }

        // A credit code as people type it: lower case, spaces, hyphens, full-width digits and letters (CreditCode.Normalize).
        creditCode = string.IsNullOrWhiteSpace(creditCode) ? creditCode : CreditCode.Normalize(creditCode);
        Length(name, "name", 100);
        Length(creditCode, "creditCode", 18);
        Length(place, "place", 50);
        Length(industryName, "industryName", 50);
        Length(division, "division", 6);
        Length(industry, "industry", 5);
        Length(department, "department", 64);
        Length(task, "task", 64);
        if (!string.IsNullOrWhiteSpace(division) && !division.Trim().All(char.IsAsciiDigit)) errors.Add(FieldError.Format("division", FieldFormats.Digits, "must be digits (a GB/T 2260 code or its prefix)", division.Trim()));
        PlaceMatch? placeMatch = null;
        if (!string.IsNullOrWhiteSpace(place) && place.Trim().Length <= 50)
        {
            placeMatch = reference.ResolvePlace(place);
            if (!placeMatch.Found)
                errors.Add(FieldError.NotFound("place", place.Trim(), "names no division in the reference data: type a province, city or district name, such as 大连, 中山区 or Dalian"
                    + (placeMatch.Suggestions.Count > 0 ? "; did you mean " + string.Join(", ", placeMatch.Suggestions.Select(d => reference.DivisionFullName(d.Code))) + "?" : "")));
        }
        IndustryMatch? industryMatch = null;
        if (!string.IsNullOrWhiteSpace(industryName) && industryName.Trim().Length <= 50)
        {
            industryMatch = reference.ResolveIndustry(industryName);
            if (!industryMatch.Found)
                errors.Add(FieldError.NotFound("industryName", industryName.Trim(), "names no GB/T 4754 industry in the reference data: type an industry name or part of it, such as 餐饮 or 零售业"));
        }
        var words = new SearchWords(
            placeMatch is { Found: true }
                ? new PublicPlace(placeMatch.Input, placeMatch.Divisions.Select(d => new PublicDivision(d.Code, d.Prefix, reference.DivisionFullName(d.Code), reference.DivisionEnglishName(d.Code))).ToList())
                : null,
            industryMatch is { Found: true } ? new PublicIndustry(industryMatch.Input, industryMatch.Industries.Select(i => new PublicIndustryName(i.Code, i.Name)).ToList()) : null);
        var fromDate = Date(from, "from");
        var toDate = Date(to, "to");
        if (fromDate is { } f && toDate is { } t && f > t) errors.Add(FieldError.TooEarly("to", "must not be before 'from'", other: "from"));
        var order = ResultSort.PublishedDesc;
        if (!string.IsNullOrWhiteSpace(sort) && !Sorts.TryGetValue(sort.Trim(), out order))
            errors.Add(FieldError.UnknownValue("sort", sort.Trim(), Sorts.Keys, "must be one of " + string.Join(", ", Sorts.Keys)));
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) errors.Add(FieldError.OutOfRange("limit", 1, MaxLimit, take));
        (string, long)? position = null;
        if (!string.IsNullOrEmpty(after))
        {
            position = Cursor.Read(after);
            if (position is null) errors.Add(FieldError.Format("after", FieldFormats.Cursor, "is not a cursor this API returned (use the 'next' value of the previous page)"));
            else if (order is ResultSort.InspectedAsc or ResultSort.InspectedDesc
                     && !DateOnly.TryParseExact(position.Value.Item1, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                errors.Add(FieldError.Mismatch("after", "belongs to another sort order", other: "sort"));
        }
        if (errors.Count > 0) return (null, errors, words);
        return (new ResultQuery
        {
            Name = Blank(name), CreditCode = Blank(creditCode), Division = Blank(division), Industry = Blank(industry),
            DivisionPrefixes = placeMatch?.Prefixes ?? [], IndustryPrefixes = industryMatch?.Prefixes ?? [],
            Department = Blank(department), Task = Blank(task), From = fromDate, To = toDate, Sort = order, After = position, Limit = take,
        }, errors, words);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public async Task<PublicPage<PublicResult>> SearchAsync(ResultQuery query, CancellationToken ct) => (await SearchWithLatestAsync(query, ct)).Page;

    /// <summary>A page of the search and the time of the newest publication (its Last-Modified), read in one round trip.</summary>
    public async Task<(PublicPage<PublicResult> Page, DateTimeOffset? LatestAt)> SearchWithLatestAsync(ResultQuery query, CancellationToken ct)
    {
        var found = await publications.SearchPageAsync(query, ct);
        var rows = found.Rows;
        var next = rows.Count == query.Limit && rows.Count > 0 ? Cursor.Write(PublicationQueries.SortValue(rows[^1], query.Sort), rows[^1].Seq) : null;
        return (new PublicPage<PublicResult>(await WithRepliesAsync(ToResults(rows, found.Items), ct), next, query.Limit), found.LatestAt);
    }

    public async Task<PublicEntity?> EntityAsync(string creditCode, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        var history = await publications.EntityHistoryAsync(code, ct);
        await using var connection = await publications.Sql.OpenAsync(ct);
        var entity = await connection.QuerySingleOrDefaultAsync<(string Name, string EntityType, string DivisionCode, string IndustryCode, string Status)>(
            new CommandDefinition("SELECT name, entity_type, division_code, industry_code, status FROM market_entities WHERE credit_code = @code",
                new { code }, cancellationToken: ct));
        if (entity.Name is null && history.Count == 0) return null;
        var results = await ToResultsAsync(history, ct);
        var followUps = (await publications.FollowUpsAsync(code, ct))
            .Select(f => new PublicFollowUp(f.InspectionId, f.ItemCode, f.Kind, f.NotBefore, f.DueOn, f.Status)).ToList();
        var name = entity.Name ?? history[0].EntityName;
        var division = entity.DivisionCode ?? (history.Count > 0 ? history[0].DivisionCode : null);
        var industry = entity.IndustryCode ?? (history.Count > 0 ? history[0].IndustryCode : null);
        return new PublicEntity(code, name, entity.EntityType, division, DivisionName(division), industry, IndustryName(industry), entity.Status,
            await credit.ForAsync(code, ct), results, followUps);
    }

    public async Task<IReadOnlyList<PublicResult>> ToResultsAsync(IReadOnlyList<PublishedResultRow> rows, CancellationToken ct) =>
        await WithRepliesAsync(ToResults(rows, await publications.ItemsAsync(rows.Select(r => r.PublicationId).ToList(), ct)), ct);

    /// <summary>
    /// The entity record's Last-Modified: its latest publication, or a later statement or objection decision (which changes
    /// the record without a publication), so a client asking If-Modified-Since sees the reply.
    /// </summary>
    public async Task<DateTimeOffset?> EntityLastModifiedAsync(string creditCode, DateTimeOffset? publishedAt, CancellationToken ct) =>
        await objections.LatestPublicChangeAsync(CreditCode.Normalize(creditCode), ct) is { } replied && (publishedAt is null || replied > publishedAt) ? replied : publishedAt;

    /// <summary>The results with the statements and decided objections published beside each version (<see cref="PublicResult.Replies"/>).</summary>
    public async Task<IReadOnlyList<PublicResult>> WithRepliesAsync(IReadOnlyList<PublicResult> results, CancellationToken ct)
    {
        var rows = await objections.PublicForAsync([.. results.Select(r => r.InspectionId)], ct);
        if (rows.Count == 0) return results;
        var byInspection = rows.ToLookup(r => r.InspectionId, StringComparer.Ordinal);
        return [.. results.Select(r => r with
        {
            Replies = [.. byInspection[r.InspectionId].Where(x => x.ResultVersion == r.Version || x.AmendedVersion == r.Version).Select(x => new PublicReply(
                x.Id, x.Kind, x.ResultVersion, x.Kind == Core.Objections.ObjectionKinds.Statement ? x.Reason : null, ChinaTime.DateOf(x.SubmittedAt),
                x.Kind == Core.Objections.ObjectionKinds.Statement ? null : x.State, x.DecidedAt is { } d ? ChinaTime.DateOf(d) : null, x.DecisionReason,
                x.AmendedVersion, x.AmendedOn))],
        })];
    }

    /// <summary>The public shape of published rows and their items. Team names arrive only where the lead department
    /// publishes them now (the store applies the department's setting, so switching it off hides names already published).</summary>
    public IReadOnlyList<PublicResult> ToResults(IReadOnlyList<PublishedResultRow> rows, IReadOnlyList<PublishedItemRow> itemRows)
    {
        var items = itemRows.ToLookup(i => i.PublicationId, StringComparer.Ordinal);
        return rows.Select(r => new PublicResult(
            r.PublicationId, r.InspectionId, r.Version, r.Kind, r.Reason, r.TaskId, r.TaskName, r.EntityCreditCode, r.EntityName,
            r.DivisionCode, DivisionName(r.DivisionCode), r.IndustryCode, IndustryName(r.IndustryCode), r.LeadDepartment,
            r.Departments.Split(',', StringSplitOptions.RemoveEmptyEntries), r.InspectedOn, r.ApprovedOn, r.PublishedOn,
            r.TeamNames?.Split('、'), r.SupersededBy, r.SupersededOn,
            items[r.PublicationId].Select(i => new PublicItemResult(i.ItemCode, i.ItemName, i.DepartmentCode,
                i.ResultCodes.Select(CodeOf).ToList(), i.InspectedOn)).ToList(),
            Supervision.Core.Inspections.Redactions.Parse(r.Withheld).OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new PublicWithheld(p.Key, p.Value)).ToList())).ToList();
    }

    public CodeName CodeOf(string code) =>
        reference.ResultCodes.FirstOrDefault(c => c.Code == code) is { } e ? new CodeName(code, e.Name, e.English) : new CodeName(code, code, code);

    public string? DivisionName(string? code) => code is null ? null : reference.Division(code) is null ? null : reference.DivisionFullName(code);

    public string? IndustryName(string? code) => reference.IndustryDivisionOf(code)?.Name ?? reference.IndustrySectionOf(code)?.Name;

    // ---- tasks -------------------------------------------------------------------------------------------------

    public async Task<PublicPage<PublicTaskSummary>> TasksAsync(string? after, int limit, CancellationToken ct)
    {
        var rows = await draws.ListAsync(null, publicOnly: true, null, after, limit, ct);
        var items = rows.Select(r => new PublicTaskSummary(r.TaskId, r.Name, r.Status, r.LeadDepartment, r.DepartmentList, r.PublishedAt)).ToList();
        return new PublicPage<PublicTaskSummary>(items, rows.Count == limit && rows.Count > 0 ? rows[^1].TaskId : null, limit);
    }

    /// <summary>A published task's public record, or null (unknown or never published: the same answer, so drafts stay secret).</summary>
    public async Task<(PublicTask Task, long Version)?> TaskAsync(string id, CancellationToken ct)
    {
        var row = await draws.GetAsync(id, ct);
        if (row is null || row.PublishedAt is null) return null;
        var definition = row.Definition;
        await using var connection = await publications.Sql.OpenAsync(ct);
        var itemNames = (await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(
            "SELECT code, name FROM inspection_items", cancellationToken: ct))).ToDictionary(r => r.Code, r => r.Name, StringComparer.Ordinal);
        var freeze = row.Freeze;
        var population = row.PopulationSha256 is null || freeze is null
            ? null
            : new PublicPopulation(row.PopulationSha256, row.PopulationCount ?? 0, freeze.DrawYear, freeze.YearlyCap, freeze.Excluded, freeze.FrozenAt,
                freeze.ExclusionsSha256, row.InspectorsSha256, freeze.MembersSha256) { Scope = freeze.Scope ?? [] };
        PublicDrawRecord? draw = null;
        PublicVerification? verification = null;
        if (await draws.EntityDrawSummaryAsync(id, ct) is var (summary, committedAt))
        {
            draw = new PublicDrawRecord(summary.Algorithm, summary.RevealedSecret, summary.Seed, summary.Mode, summary.DrawnCount, committedAt);
            verification = Verification(id);
        }
        var task = new PublicTask(row.TaskId, row.Name, row.Status, row.LeadDepartment, row.DepartmentList, row.PublishedAt,
            definition.Items.Select(c => new PublicTaskItem(c, itemNames.GetValueOrDefault(c, c))).ToList(), definition.Filter, definition.Sampling,
            definition.Deadline, row.SecretCommitment, population, row.Entropy, row.Beacon, draw, verification)
        {
            Attempts = await AttemptsAsync(connection, id, ct),
            NamedBeacon = definition.Beacon,
            Ceremony = row.Ceremony,
            Replaces = row.Replaces,
            ReplacedBy = row.ReplacedBy,
            Plan = definition.Plan,
        };
        return (task, row.Version);
    }

    private static readonly string[] AttemptActions =
        ["task.freeze", "task.ceremony-close", "task.beacon", "task.draw-entities", "task.draw-inspectors", "task.replace-inspector", "task.dispatch",
         "task.cancel-requested", "task.cancel-rejected", "task.cancel", "operation.failed"];

    /// <summary>
    /// The task's draw steps and failed attempts from its audit lines, each reduced to what is public: the step, the time,
    /// the outcome, a failure's title and detail (without a draw rank, which in a risk-weighted draw points at a class),
    /// a cancellation's reason. The audit log keeps them for good, so earlier attempts stay public.
    /// </summary>
    private static async Task<IReadOnlyList<PublicAttempt>> AttemptsAsync(System.Data.Common.DbConnection connection, string id, CancellationToken ct)
    {
        var p = new DynamicParameters();
        p.Add("id", id);
        var names = string.Join(", ", AttemptActions.Select((a, i) => { p.Add("a" + i.ToString(CultureInfo.InvariantCulture), a); return "@a" + i.ToString(CultureInfo.InvariantCulture); }));
        var rows = await connection.QueryAsync<(DateTimeOffset At, string Action, string? After)>(new CommandDefinition(
            $"SELECT at, action, after_json FROM audit_log WHERE subject_type = 'task' AND subject_key = @id AND action IN ({names}) ORDER BY id",
            p, cancellationToken: ct));
        var attempts = new List<PublicAttempt>();
        foreach (var (at, action, after) in rows)
        {
            using var doc = after is null ? null : JsonDocument.Parse(after);
            var root = doc?.RootElement;
            string? Text(string name) => root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            attempts.Add(action switch
            {
                "operation.failed" => new PublicAttempt(at, Text("kind") ?? "", "failed", Text("title"),
                    Text("detail") is { } detail ? DrawRank().Replace(detail, "") : null),
                "task.cancel" => new PublicAttempt(at, "cancel", "done", null, Text("reason")),
                "task.cancel-requested" => new PublicAttempt(at, "cancel-requested", "done", null, Text("reason")),
                "task.cancel-rejected" => new PublicAttempt(at, "cancel-requested", "rejected", null, Text("reason")),
                // A replacement's reason is published (draw-spec §8.1); who left and who came is in the pack.
                "task.replace-inspector" => new PublicAttempt(at, "replace-inspector", "done", null, Text("reason")),
                _ => new PublicAttempt(at, action["task.".Length..], "done", null, null),
            });
        }
        return attempts;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@" \(draw rank [0-9]+\)")]
    private static partial System.Text.RegularExpressions.Regex DrawRank();

    public static PublicVerification Verification(string id) => new(
        $"/api/public/v1/tasks/{id}/pack",
        $"/api/public/v1/tasks/{id}/members.csv",
        "/verify/draw-spec.md",
        $"dotnet run --project src/Supervision.Cli -- verify-draw --public {id}-public-pack.json {id}-members.csv",
        $"python3 tools/verify_draw.py public {id}-public-pack.json {id}-members.csv");

    /// <summary>A page of a task's drawn entities in credit-code order (the draw's own order would single out a risk-weighted draw's certain members).</summary>
    public async Task<PublicPage<PublicDrawnEntity>> DrawnAsync(string id, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await publications.Sql.OpenAsync(ct);
        var rows = (await connection.QueryAsync<DrawnRecord>(new CommandDefinition(
            """
            SELECT d.member_id AS CreditCode, e.name, e.division_code AS DivisionCode
            FROM drawn_entities d LEFT JOIN market_entities e ON e.credit_code = d.member_id
            WHERE d.task_id = @id AND d.member_id > @after ORDER BY d.member_id LIMIT @limit
            """, new { id, after = after ?? "", limit }, cancellationToken: ct)))
            .Select(r => new PublicDrawnEntity(r.CreditCode, r.Name, r.DivisionCode)).ToList();
        return new PublicPage<PublicDrawnEntity>(rows, rows.Count == limit && rows.Count > 0 ? rows[^1].CreditCode : null, limit);
    }
}

internal sealed class DrawnRecord
{
    public string CreditCode { get; set; } = "";
    public string? Name { get; set; }
    public string? DivisionCode { get; set; }
}

/// <summary>Opaque keyset cursors: base64url of the sort value and the seq of the last row read.</summary>
public static class Cursor
{
    public static string Write(string value, long seq) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture) + "|" + value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (string Value, long Seq)? Read(string cursor)
    {
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 += new string('=', (4 - b64.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar < 1 || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return null;
            return (text[(bar + 1)..], seq);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
