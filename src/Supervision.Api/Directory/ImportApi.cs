using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Directory;
using Supervision.Infrastructure.Directory.Import;

namespace Supervision.Api.Directory;

/// <summary>
/// Bulk import of the two directories. The request body (the CSV) is streamed straight into the importer; while
/// it runs, its job is listed with growing counters (GET /api/imports/{id}), and the response is the final report.
/// </summary>
public static class ImportApi
{
    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/imports").WithTags("Bulk import").RequireAuthorization(Policies.InspectorMaintenance);
        imports.MapPost("/entities", ImportEntities).RequireAuthorization(Policies.Scheduling)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload an entity CSV (UTF-8, header row); streamed, upserted, re-importable. See docs/csv-formats.md.");
        imports.MapPost("/inspectors", ImportInspectors).RequireAuthorization(Policies.InspectorMaintenance)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload an inspector CSV; schedulers may only import their own department's inspectors.");
        imports.MapGet("/", List).WithSummary("Import jobs, newest first; running jobs show their progress.");
        imports.MapGet("/{id}", Get);
        imports.MapGet("/{id}/errors", Errors).WithSummary("Rejected lines with field and reason, ordered by line.");
        imports.MapGet("/{id}/errors.csv", ErrorsCsv).WithSummary("The error report as a CSV download.");
        return app;
    }

    private static async Task<Results<Created<ImportJob>, ValidationProblem>> ImportEntities(
        string? fileName, HttpContext http, DirectoryImporter importer, CancellationToken ct)
    {
        if (FileNameProblem(fileName) is { } problem) return problem;
        var job = await importer.ImportEntitiesAsync(http.Request.Body, Name(fileName), http.User.ToActor(), null, ct);
        return Finished(job);
    }

    private static async Task<Results<Created<ImportJob>, ValidationProblem>> ImportInspectors(
        string? fileName, HttpContext http, DirectoryImporter importer, DepartmentStore departments, CancellationToken ct)
    {
        if (FileNameProblem(fileName) is { } problem) return problem;
        var actor = http.User.ToActor();
        var known = (await departments.ListAsync(null, null, null, Paging.MaxLimit * 100, ct)).Select(d => d.Code).ToHashSet(StringComparer.Ordinal);
        var job = await importer.ImportInspectorsAsync(http.Request.Body, Name(fileName), actor, known.Contains, actor.IsAdmin ? null : actor.DepartmentCode ?? string.Empty, null, ct);
        return Finished(job);
    }

    /// <summary>A file that is not a directory CSV (or is cut short) is the caller's error: 400 naming the file.</summary>
    private static Results<Created<ImportJob>, ValidationProblem> Finished(ImportJob job) =>
        job.Status == "failed"
            ? Problems.Validation("file", job.Error ?? "the file could not be imported")
            : TypedResults.Created($"/api/imports/{job.Id}", job);

    /// <summary>The file name is shown in job lists and the audit log: one line of text like any other (TextRules).</summary>
    internal static ValidationProblem? FileNameProblem(string? fileName) =>
        Core.Text.TextRules.Problem(fileName) is { } reason ? Problems.Validation("fileName", reason) : null;

    private static string Name(string? fileName) => string.IsNullOrWhiteSpace(fileName) ? "upload.csv" : Path.GetFileName(fileName.Trim());

    private static async Task<Results<Ok<Page<ImportJob>>, ValidationProblem>> List(
        string? before, int? limit, HttpContext http, DirectoryImporter importer, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        var actor = http.User.ToActor();
        var rows = await importer.ListAsync(actor.IsAdmin ? null : actor.Username, before, take, ct);
        return TypedResults.Ok(Paging.Of(rows, take, j => j.Id));
    }

    private static async Task<Results<Ok<ImportJob>, ProblemHttpResult>> Get(string id, HttpContext http, DirectoryImporter importer, CancellationToken ct)
    {
        var job = await Visible(id, http.User.ToActor(), importer, ct);
        return job is null ? Problems.NotFound("import", id) : TypedResults.Ok(job);
    }

    private static async Task<Results<Ok<IReadOnlyList<ImportError>>, ValidationProblem, ProblemHttpResult>> Errors(
        string id, long? afterLine, int? limit, HttpContext http, DirectoryImporter importer, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        if (await Visible(id, http.User.ToActor(), importer, ct) is null)
        {
            return Problems.NotFound("import", id);
        }

        return TypedResults.Ok(await importer.ErrorsAsync(id, afterLine, take, ct));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ErrorsCsv(string id, HttpContext http, DirectoryImporter importer, CancellationToken ct)
    {
        if (await Visible(id, http.User.ToActor(), importer, ct) is null)
        {
            return Problems.NotFound("import", id);
        }

        // At most DirectoryImporter.MaxStoredErrors lines are kept per job, so the report fits in memory.
        var errors = await importer.ErrorsAsync(id, null, DirectoryImporter.MaxStoredErrors * 2, ct);
        using var csv = new MemoryStream();
        ImportErrorReport.Write(csv, errors);
        return TypedResults.File(csv.ToArray(), "text/csv; charset=utf-8", $"import-{id}-errors.csv");
    }

    /// <summary>Admins see every import; others only their own.</summary>
    private static async Task<ImportJob?> Visible(string id, Actor actor, DirectoryImporter importer, CancellationToken ct)
    {
        var job = await importer.GetAsync(id, ct);
        return job is not null && (actor.IsAdmin || job.Actor == actor.Username) ? job : null;
    }
}
