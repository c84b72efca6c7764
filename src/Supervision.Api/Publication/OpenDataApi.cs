using Supervision.Infrastructure.Credit;
using Supervision.Core.Calendar;
using Supervision.Core.Statistics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Credit;
using Supervision.Api.Common;
using Supervision.Core.Draw;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Publication;

public sealed record DownloadFile(int Year, string Department, string Format, string Url, string FileName, long LastSeq, long Rows, string? Sha256);

public sealed record DownloadManifest(string DataDictionary, IReadOnlyList<DownloadFile> Files);

/// <summary>The audit chain's head at the end of one Beijing day.</summary>
public sealed record AuditAnchorView(DateOnly Day, long LastId, string Hash, long Lines);

/// <summary>What the open-data routes need, bundled (as eShop's services records).</summary>
public sealed record OpenDataServices(PublicQueries Queries, TaskQueries Draws, DrawDisclosure Disclosure, PublicationQueries Publication, BulkExport Export,
    ReferenceData Reference, AuditChainStore Chain, EntityAccessLinks Links);

/// <summary>
/// Open data, version 1: the portal's queries as JSON for anyone, no sign-in (docs/public-portal.md). Fields are only
/// added within v1; a change of meaning gets /v2. Lists are keyset-paged with a stable order (ties broken by
/// publication order), answers carry ETag and Last-Modified, and anonymous clients are rate-limited per address.
/// </summary>
public static class OpenDataApi
{
    public const string Prefix = "/api/public/v1";

    public static IEndpointRouteBuilder MapOpenDataApi(this IEndpointRouteBuilder app)
    {
        // Every anonymous answer may instead be 429 (this address's limit) or 503 (the queue is full), both with Retry-After.
        var v1 = app.MapGroup(Prefix).WithTags("Open data v1").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapGet("/results", Search)
            .WithSummary("Search published inspection results (current versions): name (partial), creditCode (as typed: case, spaces, hyphens, full-width), place in words (a division name such as 大连, 中山区 or Dalian; the answer's place lists the divisions it resolved to), industryName in words, division and industry code prefixes, department, task, from/to (inspection date); sort; keyset paging with after/limit.");
        v1.MapGet("/entities/{creditCode}", Entity)
            .WithSummary("An entity's published inspection history: every published version (superseded ones marked), results per item with code names, follow-ups.");
        v1.MapGet("/tasks", Tasks).WithSummary("Published random-inspection tasks, by task id (keyset paging with after/limit).");
        v1.MapGet("/tasks/{id}", TaskRecord)
            .WithSummary("A published task: plan (items, population filter, sampling rule), commitment and population hash, seed ceremony, draw record, verification links.");
        v1.MapGet("/tasks/{id}/drawn", Drawn).WithSummary("The entities a task drew, by credit code (after = the last credit code read); no class, rank or probability (they would reveal classes).");
        v1.MapGet("/tasks/{id}/pack", Pack).WithMetadata(LongTransfer.Instance)
            .WithSummary("The entity draw's class-free public pack (docs/draw-spec.md §11.3), for verify-draw --public / tools/verify_draw.py public.");
        v1.MapGet("/tasks/{id}/members.csv", Members).WithMetadata(LongTransfer.Instance)
            .WithSummary("The frozen population as salted member commitments (CSV, streamed; draw-spec §11.1): no credit class. Its SHA-256 was published at freeze.");
        v1.MapGet("/entities/{creditCode}/receipts/{taskId}", Receipt)
            .WithSummary("An entity's draw receipt (draw-spec §11.4), through its signed link (t = the link's token): its own class and the seal opening with which it checks its own fate.");
        v1.MapGet("/indicators", Indicators)
            .WithSummary("The regime's indicators for a year (this year by default), of every department or one lead department: results published within their deadline among those first published, approved results past it, the joint-inspection share, objections decided and upheld, and the abnormal-operations list's listings, removals and escalations. Counts only: no entity, no credit class.");
        v1.MapGet("/downloads", Manifest).WithSummary("The bulk downloads (per year, all departments and per lead department, CSV and JSON) with SHA-256 checksums where generated.");
        v1.MapGet("/downloads/{year:int}/{department}.{format}", Download).WithMetadata(LongTransfer.Instance)
            .WithSummary("One bulk download, streamed; X-Checksum-SHA256 and the ETag give its SHA-256. department = 'all' or a department code.");
        v1.MapGet("/checksums/{year:int}/{department}.{format}", Checksum).WithMetadata(LongTransfer.Instance).WithSummary("The checksum line (sha256sum format) of one bulk download.");
        v1.MapGet("/audit-anchors", AuditAnchors)
            .WithSummary("The audit chain's head at the end of each Beijing day (newest first; before = a date for the next page): keep a copy, and `supervision verify-audit --anchors` proves the log was not rewritten since.");
        return app;
    }

    private static async Task<Results<Ok<List<AuditAnchorView>>, ValidationProblem>> AuditAnchors(string? before, int? limit, [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        DateOnly? until = null;
        if (before is not null)
        {
            if (!DateOnly.TryParseExact(before, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) return Problems.Validation(FieldError.Format("before", FieldFormats.Date, "must be a date, yyyy-MM-dd", before));
            until = d;
        }

        var anchors = await s.Chain.AnchorsAsync(until, take, ct);
        return TypedResults.Ok(anchors.Select(a => new AuditAnchorView(a.Day, a.LastId, a.Hash, a.Lines)).ToList());
    }

    private static async Task<Results<CachedJson<PublicSearchPage>, ValidationProblem>> Search([AsParameters] OpenDataServices s, string? name, string? creditCode,
        string? place, string? industryName, string? division, string? industry, string? department, string? task, string? from, string? to,
        string? sort, string? after, int? limit, CancellationToken ct)
    {
        var (query, errors, words) = PublicQueries.Parse(s.Reference, name, creditCode, place, industryName, division, industry, department, task, from, to, sort, after, limit);
        if (query is null) return Problems.Validation(errors);
        var (page, latestAt) = await s.Queries.SearchWithLatestAsync(query, ct);
        return PublicPortal.Cached(new PublicSearchPage(page.Items, page.Next, page.Limit, words.Place, words.Industry), latestAt);
    }

    private static async Task<Results<CachedJson<PublicEntity>, ValidationProblem, ProblemHttpResult>> Entity(string creditCode, [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        // As typed: lower case, spaces, hyphens, full-width (CreditCode.Normalize); only the normalised code must fit 18 characters.
        if (Supervision.Core.Registry.CreditCode.Normalize(creditCode).Length > 18) return Problems.Validation(FieldError.TooLong("creditCode", 18, reason: "must be at most 18 characters"));
        var entity = await s.Queries.EntityAsync(creditCode, ct);
        if (entity is null) return Problems.NotFound("entity", creditCode);
        var latest = await s.Queries.Store.LatestAsync(entity.CreditCode, ct);
        return PublicPortal.Cached(entity, await s.Queries.EntityLastModifiedAsync(entity.CreditCode, latest.At, ct));
    }

    private static async Task<Results<CachedJson<PublicPage<PublicTaskSummary>>, ValidationProblem>> Tasks([AsParameters] OpenDataServices s, string? after, int? limit,
        CancellationToken ct)
    {
        var take = limit ?? PublicQueries.DefaultLimit;
        if (take is < 1 or > PublicQueries.MaxLimit) return Problems.Validation(FieldError.OutOfRange("limit", 1, PublicQueries.MaxLimit, take));
        var page = await s.Queries.TasksAsync(after, take, ct);
        return PublicPortal.Cached(page, page.Items.Select(t => t.PublishedAt).Max());
    }

    private static async Task<Results<CachedJson<PublicTask>, ProblemHttpResult>> TaskRecord(string id, [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        var found = await s.Queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        var row = await s.Draws.GetAsync(id, ct);
        return PublicPortal.Cached(found.Value.Task, row?.UpdatedAt);
    }

    private static async Task<Results<CachedJson<PublicPage<PublicDrawnEntity>>, ValidationProblem, ProblemHttpResult>> Drawn(string id, [AsParameters] OpenDataServices s,
        string? after, int? limit, CancellationToken ct)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000) return Problems.Validation(FieldError.OutOfRange("limit", 1, 1000, take));
        if (after is not null && (after.Length > 18 || !after.All(char.IsAsciiLetterOrDigit)))
            return Problems.Validation(FieldError.Format("after", FieldFormats.Cursor, "must be the last credit code read (up to 18 letters and digits)"));
        var found = await s.Queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        if (found.Value.Task.Draw is null) return NoDraw(id);
        return PublicPortal.Cached(await s.Queries.DrawnAsync(id, after, take, ct), found.Value.Task.Draw.CommittedAt);
    }

    /// <summary>
    /// The entity draw's class-free public pack (draw-spec §11.3): everything anyone can check without a credit class.
    /// The full pack, with each member's stratum, is for the task's staff and auditors (GET /api/tasks/{id}/draw/pack).
    /// </summary>
    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Pack(string id, HttpContext http, [AsParameters] OpenDataServices s,
        CancellationToken ct)
    {
        if (await s.Queries.TaskAsync(id, ct) is null) return Problems.NotFound("task", id);
        var row = await s.Draws.GetAsync(id, ct);
        var record = await s.Draws.GetRecordAsync(id, DrawRecordRow.EntityKind, ct);
        if (row is null || record is null) return NoDraw(id);
        // The record is written once and never changes, so its identity and commit time make a strong validator.
        var etag = "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{id}/{record.CommittedAt.UtcTicks}/public-1")))[..32] + "\"";
        if (PublicPortal.NotModifiedOr(http, etag, record.CommittedAt) is { } notModified) return notModified;
        var pack = await s.Disclosure.PublicPackAsync(row, ct);
        if (pack is null) return NoDraw(id);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-public-pack.json\"";
        return TypedResults.Bytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(pack, Supervision.Core.Draw.DrawPacks.JsonOptions), "application/json; charset=utf-8");
    }

    /// <remarks>
    /// A task sealed with a members key this platform cannot open is found out when the stream starts, before anything is
    /// written: the stream then answers <see cref="DrawDisclosure.Unavailable"/>'s 503 in its place.
    /// </remarks>
    private static async Task<Results<PushStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Members(string id, HttpContext http, [AsParameters] OpenDataServices s,
        CancellationToken ct)
    {
        var found = await s.Queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        if (found.Value.Task.Population is not { } population) return NoDraw(id);
        if (population.MembersSha256 is null)
            return Problems.Status(StatusCodes.Status404NotFound, "No members file",
                $"Task '{id}' was frozen before members were committed; its public pack can be checked without a members file.");
        var etag = "\"" + population.MembersSha256 + "\"";
        if (PublicPortal.NotModifiedOr(http, etag, population.FrozenAt) is { } notModified) return notModified;
        var row = await s.Draws.GetAsync(id, ct);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-members.csv\"";
        http.Response.Headers["X-Members-Sha256"] = population.MembersSha256;
        return TypedResults.Stream(async body =>
        {
            try
            {
                await s.Disclosure.StreamMembersAsync(row!, bytes => body.WriteAsync(bytes, ct), ct);
            }
            catch (MembersKeyUnavailableException e) when (!http.Response.HasStarted)
            {
                http.Response.ContentType = null;
                http.Response.Headers.ContentDisposition = default;
                await DrawDisclosure.Unavailable(http, e).ExecuteAsync(http);
            }
        }, "text/csv; charset=utf-8");
    }

    /// <summary>
    /// An entity's receipt for a task, through the signed link that shows the entity its own class; without a valid link
    /// the answer is the same 404 as for an unknown entity (a receipt names the entity's class).
    /// </summary>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Receipt(string creditCode, string taskId, string? t, HttpContext http,
        [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        var code = Supervision.Core.Registry.CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        if (await s.Queries.TaskAsync(taskId, ct) is null) return Problems.NotFound("task", taskId);
        var row = await s.Draws.GetAsync(taskId, ct);
        DrawReceipt? receipt;
        try
        {
            receipt = row is null ? null : await s.Disclosure.ReceiptAsync(row, code, ct);
        }
        catch (MembersKeyUnavailableException e)
        {
            return DrawDisclosure.Unavailable(http, e);
        }
        if (receipt is null)
            return Problems.Status(StatusCodes.Status404NotFound, "No receipt", $"Task '{taskId}' has no committed entity draw with sealed members yet.");
        http.Response.Headers.CacheControl = "private, no-store";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{taskId}-{code}-receipt.json\"";
        return TypedResults.Bytes(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(receipt, Supervision.Core.Draw.DrawPacks.JsonOptions), "application/json; charset=utf-8");
    }

    private static ProblemHttpResult NoDraw(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "No entity draw yet", $"Task '{id}' has no committed entity draw yet.");

    /// <summary>The same figures as the staff statistics page's regime indicators (RegimeIndicatorsQuery), for anyone: they are counts of public acts.</summary>
    private static async Task<Results<CachedJson<RegimeIndicators>, ValidationProblem, ProblemHttpResult>> Indicators(int? year, string? department,
        [AsParameters] OpenDataServices s, TimeProvider time, CancellationToken ct)
    {
        if (!Statistics.StatisticsApi.TryYear(year, time, out var y, out var problem)) return problem;
        if (department is not null && await s.Publication.SettingsAsync(department, ct) is null) return Problems.NotFound("department", department);
        var today = ChinaTime.DateOf(time.GetUtcNow());
        var figures = await RegimeIndicatorsQuery.ReadAsync(s.Publication.Sql, y, CreditStatisticsStore.YearStart(y), CreditStatisticsStore.YearStart(y + 1), today,
            department, ct);
        return PublicPortal.Cached(figures, null);
    }

    private static async Task<CachedJson<DownloadManifest>> Manifest([AsParameters] OpenDataServices s, CancellationToken ct)
    {
        var store = s.Publication;
        var files = new List<DownloadFile>();
        var partitions = await store.PartitionsAsync(ct);
        foreach (var year in partitions.Select(p => p.Year).Distinct())
        {
            var departments = partitions.Where(p => p.Year == year).Select(p => p.Department).Prepend("");
            foreach (var department in departments)
            {
                var (lastSeq, _) = await store.PartitionStateAsync(year, department, ct);
                foreach (var format in BulkExport.Formats)
                {
                    var known = await store.ExportInfoAsync(year, department, format, lastSeq, ct);
                    var dept = department.Length == 0 ? "all" : department;
                    files.Add(new DownloadFile(year, dept, format, $"{Prefix}/downloads/{year}/{dept}.{format}", BulkExport.FileName(year, department, format),
                        lastSeq, known?.RowCount ?? -1, known?.Sha256));
                }
            }
        }
        var latest = await store.LatestAsync(null, ct);
        return PublicPortal.Cached(new DownloadManifest("/open-data#dictionary", files), latest.At);
    }

    private static (int Year, string Department, string Format, ValidationProblem? Problem) Partition(int year, string department, string format)
    {
        if (year is < 2000 or > 9999) return (year, department, format, Problems.Validation(FieldError.OutOfRange("year", 2000, 9999, year, "must be a year between 2000 and 9999")));
        if (!BulkExport.Formats.Contains(format, StringComparer.Ordinal)) return (year, department, format, Problems.Validation(FieldError.UnknownValue("format", format, BulkExport.Formats, "must be csv or json")));
        if (department.Length is 0 or > 64) return (year, department, format, Problems.Validation(FieldError.Format("department", FieldFormats.Code, "must be 'all' or a department code", department)));
        return (year, department == "all" ? "" : department, format, null);
    }

    private static async Task<Results<PushStreamHttpResult, StatusCodeHttpResult, ValidationProblem, ProblemHttpResult>> Download(int year, string department, string format,
        HttpContext http, [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        var (y, dept, fmt, problem) = Partition(year, department, format);
        if (problem is not null) return problem;
        var (lastSeq, rows) = await s.Publication.PartitionStateAsync(y, dept, ct);
        if (rows == 0) return Problems.NotFound("download", $"{year}/{department}.{format}");
        var info = await s.Export.InfoAsync(y, dept, fmt, lastSeq, ct);
        if (PublicPortal.NotModifiedOr(http, "\"" + info.Sha256 + "\"", info.GeneratedAt) is { } notModified) return notModified;
        http.Response.ContentLength = info.ByteCount;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{BulkExport.FileName(y, dept, fmt)}\"";
        http.Response.Headers["X-Checksum-SHA256"] = info.Sha256;
        return TypedResults.Stream(body => s.Export.WriteAsync(y, dept, fmt, lastSeq, bytes => body.WriteAsync(bytes, ct), ct),
            fmt == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
    }

    private static async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> Checksum(int year, string department, string format,
        [AsParameters] OpenDataServices s, CancellationToken ct)
    {
        var (y, dept, fmt, problem) = Partition(year, department, format);
        if (problem is not null) return problem;
        var (lastSeq, rows) = await s.Publication.PartitionStateAsync(y, dept, ct);
        if (rows == 0) return Problems.NotFound("download", $"{year}/{department}.{format}");
        var info = await s.Export.InfoAsync(y, dept, fmt, lastSeq, ct);
        return TypedResults.Text(string.Create(CultureInfo.InvariantCulture, $"{info.Sha256}  {BulkExport.FileName(y, dept, fmt)}\n"), "text/plain");
    }
}
