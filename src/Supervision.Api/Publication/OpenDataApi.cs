using System.Globalization;
using Supervision.Api.Common;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Publication;

public sealed record DownloadFile(int Year, string Department, string Format, string Url, string FileName, long LastSeq, long Rows, string? Sha256);

public sealed record DownloadManifest(string DataDictionary, IReadOnlyList<DownloadFile> Files);

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
            .WithSummary("Search published inspection results (current versions): name (partial), creditCode, division, industry, department, task, from/to (inspection date); sort; keyset paging with after/limit.");
        v1.MapGet("/entities/{creditCode}", Entity)
            .WithSummary("An entity's published inspection history: every published version (superseded ones marked), results per item with code names, follow-ups.");
        v1.MapGet("/tasks", Tasks).WithSummary("Published random-inspection tasks, by task id (keyset paging with after/limit).");
        v1.MapGet("/tasks/{id}", TaskRecord)
            .WithSummary("A published task: plan (items, population filter, sampling rule), commitment and population hash, seed ceremony, draw record, verification links.");
        v1.MapGet("/tasks/{id}/drawn", Drawn).WithSummary("The entities a task drew, by rank, with their inclusion probabilities (after = last rank read).");
        v1.MapGet("/tasks/{id}/pack", Pack).WithMetadata(LongTransfer.Instance).WithSummary("The entity draw's verification pack (JSON) for verify-draw / tools/verify_draw.py.");
        v1.MapGet("/tasks/{id}/population.csv", Population).WithMetadata(LongTransfer.Instance).WithSummary("The frozen population snapshot of a drawn task (CSV, streamed), for verify-draw.");
        v1.MapGet("/downloads", Manifest).WithSummary("The bulk downloads (per year, all departments and per lead department, CSV and JSON) with SHA-256 checksums where generated.");
        v1.MapGet("/downloads/{year:int}/{department}.{format}", Download).WithMetadata(LongTransfer.Instance)
            .WithSummary("One bulk download, streamed; X-Checksum-SHA256 and the ETag give its SHA-256. department = 'all' or a department code.");
        v1.MapGet("/checksums/{year:int}/{department}.{format}", Checksum).WithMetadata(LongTransfer.Instance).WithSummary("The checksum line (sha256sum format) of one bulk download.");
        v1.MapGet("/audit-anchors", AuditAnchors)
            .WithSummary("The audit chain's head at the end of each Beijing day (newest first; before = a date for the next page): keep a copy, and `supervision verify-audit --anchors` proves the log was not rewritten since.");
        return app;
    }

    private static async Task<IResult> AuditAnchors(string? before, int? limit, Supervision.Infrastructure.Audit.AuditChainStore chain, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        DateOnly? until = null;
        if (before is not null)
        {
            if (!DateOnly.TryParseExact(before, "yyyy-MM-dd", out var d)) return Problems.Validation("before", "must be a date, yyyy-MM-dd");
            until = d;
        }

        var anchors = await chain.AnchorsAsync(until, take, ct);
        return TypedResults.Ok(anchors.Select(a => new { day = a.Day, lastId = a.LastId, hash = a.Hash, lines = a.Lines }));
    }

    private static async Task<IResult> Search(HttpContext http, PublicQueries queries, string? name, string? creditCode, string? division,
        string? industry, string? department, string? task, string? from, string? to, string? sort, string? after, int? limit, CancellationToken ct)
    {
        var (query, errors) = PublicQueries.Parse(name, creditCode, division, industry, department, task, from, to, sort, after, limit);
        if (query is null) return Problems.Validation(errors);
        var (page, latestAt) = await queries.SearchWithLatestAsync(query, ct);
        return PublicPortal.Cached(http, page, latestAt);
    }

    private static async Task<IResult> Entity(string creditCode, HttpContext http, PublicQueries queries, CancellationToken ct)
    {
        if (creditCode.Length > 18) return Problems.Validation("creditCode", "must be at most 18 characters");
        var entity = await queries.EntityAsync(creditCode, ct);
        if (entity is null) return Problems.NotFound("entity", creditCode);
        var latest = await queries.Store.LatestAsync(entity.CreditCode, ct);
        return PublicPortal.Cached(http, entity, latest.At);
    }

    private static async Task<IResult> Tasks(HttpContext http, PublicQueries queries, string? after, int? limit, CancellationToken ct)
    {
        var take = limit ?? PublicQueries.DefaultLimit;
        if (take is < 1 or > PublicQueries.MaxLimit) return Problems.Validation("limit", $"must be between 1 and {PublicQueries.MaxLimit}");
        var page = await queries.TasksAsync(after, take, ct);
        return PublicPortal.Cached(http, page, page.Items.Select(t => t.PublishedAt).Max());
    }

    private static async Task<IResult> TaskRecord(string id, HttpContext http, PublicQueries queries, DrawStore draws, CancellationToken ct)
    {
        var found = await queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        var row = await draws.GetAsync(id, ct);
        return PublicPortal.Cached(http, found.Value.Task, row?.UpdatedAt);
    }

    private static async Task<IResult> Drawn(string id, HttpContext http, PublicQueries queries, int? after, int? limit, CancellationToken ct)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000) return Problems.Validation("limit", "must be between 1 and 1000");
        if (after is < 0) return Problems.Validation("after", "must be a rank (0 or more)");
        var found = await queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        if (found.Value.Task.Draw is null) return NoDraw(id);
        return PublicPortal.Cached(http, await queries.DrawnAsync(id, after ?? 0, take, ct), found.Value.Task.Draw.CommittedAt);
    }

    /// <summary>The entity draw's pack as committed: everything verify-draw needs with the population snapshot. It has no
    /// inspector section — the inspector draw names inspectors by certificate number, which is not public.</summary>
    private static async Task<IResult> Pack(string id, HttpContext http, PublicQueries queries, DrawStore draws, CancellationToken ct)
    {
        if (await queries.TaskAsync(id, ct) is null) return Problems.NotFound("task", id);
        var record = await draws.GetRecordAsync(id, DrawStore.EntityKind, ct);
        if (record is null) return NoDraw(id);
        // The record is written once and never changes, so its identity and commit time make a strong validator without
        // reading (or decompressing) tens of megabytes.
        var etag = "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{id}/{record.CommittedAt.UtcTicks}")))[..32] + "\"";
        if (PublicPortal.NotModifiedOr(http, etag, record.CommittedAt) is { } notModified) return notModified;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-pack.json\"";
        http.Response.Headers.Vary = "Accept-Encoding";
        // Stored as one gzip member (0012): sent as it is to clients that accept gzip, decoded for the others.
        if (record.RecordGzip is { } gzip && Supervision.Api.Tasks.TaskApi.AcceptsGzip(http.Request))
        {
            http.Response.Headers.ContentEncoding = "gzip";
            return Results.Bytes(gzip, "application/json; charset=utf-8");
        }
        return Results.Bytes(record.RecordUtf8(), "application/json; charset=utf-8");
    }

    private static async Task<IResult> Population(string id, HttpContext http, PublicQueries queries, DrawStore draws, CancellationToken ct)
    {
        var found = await queries.TaskAsync(id, ct);
        if (found is null) return Problems.NotFound("task", id);
        if (found.Value.Task.Draw is null || found.Value.Task.Population is null) return NoDraw(id);
        var etag = "\"" + found.Value.Task.Population.Sha256 + "\"";
        if (PublicPortal.NotModifiedOr(http, etag, found.Value.Task.Population.FrozenAt) is { } notModified) return notModified;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-population.csv\"";
        http.Response.Headers["X-Population-Sha256"] = found.Value.Task.Population.Sha256;
        await draws.StreamSnapshotAsync(id, bytes => http.Response.Body.WriteAsync(bytes, ct), ct);
        return Results.Empty;
    }

    private static IResult NoDraw(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No entity draw yet", detail: $"Task '{id}' has no committed entity draw yet.");

    private static async Task<IResult> Manifest(HttpContext http, PublicationStore store, CancellationToken ct)
    {
        var files = new List<DownloadFile>();
        var partitions = await store.PartitionsAsync(ct);
        foreach (var year in partitions.Select(p => p.Year).Distinct())
        {
            var departments = new[] { "" }.Concat(partitions.Where(p => p.Year == year).Select(p => p.Department));
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
        return PublicPortal.Cached(http, new DownloadManifest("/open-data#dictionary", files), latest.At);
    }

    private static (int Year, string Department, string Format, IResult? Problem) Partition(int year, string department, string format)
    {
        if (year is < 2000 or > 9999) return (year, department, format, Problems.Validation("year", "must be a year between 2000 and 9999"));
        if (!BulkExport.Formats.Contains(format, StringComparer.Ordinal)) return (year, department, format, Problems.Validation("format", "must be csv or json"));
        if (department.Length is 0 or > 64) return (year, department, format, Problems.Validation("department", "must be 'all' or a department code"));
        return (year, department == "all" ? "" : department, format, null);
    }

    private static async Task<IResult> Download(int year, string department, string format, HttpContext http, PublicationStore store, BulkExport export, CancellationToken ct)
    {
        var (y, dept, fmt, problem) = Partition(year, department, format);
        if (problem is not null) return problem;
        var (lastSeq, rows) = await store.PartitionStateAsync(y, dept, ct);
        if (rows == 0) return Problems.NotFound("download", $"{year}/{department}.{format}");
        var info = await export.InfoAsync(y, dept, fmt, lastSeq, ct);
        if (PublicPortal.NotModifiedOr(http, "\"" + info.Sha256 + "\"", info.GeneratedAt) is { } notModified) return notModified;
        http.Response.ContentType = fmt == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        http.Response.ContentLength = info.ByteCount;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{BulkExport.FileName(y, dept, fmt)}\"";
        http.Response.Headers["X-Checksum-SHA256"] = info.Sha256;
        await export.WriteAsync(y, dept, fmt, lastSeq, bytes => http.Response.Body.WriteAsync(bytes, ct), ct);
        return Results.Empty;
    }

    private static async Task<IResult> Checksum(int year, string department, string format, HttpContext http, PublicationStore store, BulkExport export, CancellationToken ct)
    {
        var (y, dept, fmt, problem) = Partition(year, department, format);
        if (problem is not null) return problem;
        var (lastSeq, rows) = await store.PartitionStateAsync(y, dept, ct);
        if (rows == 0) return Problems.NotFound("download", $"{year}/{department}.{format}");
        var info = await export.InfoAsync(y, dept, fmt, lastSeq, ct);
        return Results.Text(string.Create(CultureInfo.InvariantCulture, $"{info.Sha256}  {BulkExport.FileName(y, dept, fmt)}\n"), "text/plain");
    }
}
