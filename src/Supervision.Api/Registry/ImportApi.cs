using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Operations;
using Supervision.Core.Operations;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Registry.Import;

namespace Supervision.Api.Registry;

/// <summary>What the import routes need: the imports' write path and the jobs' reads.</summary>
public sealed record ImportServices(IDirectoryImports Imports, ImportQueries Queries);

/// <summary>
/// Bulk import of the two directories, as long operations (docs/operations.md, "Long operations"): the request body (the
/// CSV) is stored in the database, then the operation runs the importer from it on a silo, under a lease, taken over by
/// another silo if that one dies. The route waits for the outcome like the other long commands and answers the final
/// report (201) or the file's problem (400); an import still running by then is answered 202 with the operation. While
/// it runs, its job is listed with growing counters (GET /api/imports/{id}).
/// </summary>
public static class ImportApi
{
    /// <summary>An entity import as a long operation: its answer is the job (201).</summary>
    private static readonly LongOperation<Results<Created<ImportJob>, ProblemHttpResult>> EntitiesOperation = new(OperationKinds.ImportEntities, Imported);

    /// <summary>An inspector import as a long operation: its answer is the job (201).</summary>
    private static readonly LongOperation<Results<Created<ImportJob>, ProblemHttpResult>> InspectorsOperation = new(OperationKinds.ImportInspectors, Imported);

    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/imports").WithTags("Bulk import").RequireAuthorization(Policies.InspectorMaintenance);
        imports.MapPost("/entities", ImportEntities).WithMetadata(Hosting.LongOperationRoute.Instance).RequireAuthorization(Policies.Scheduling)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload an entity CSV (UTF-8, header row); upserted, re-importable; 201 with the report, or 202 with the operation if it takes longer. See docs/csv-formats.md.");
        imports.MapPost("/inspectors", ImportInspectors).WithMetadata(Hosting.LongOperationRoute.Instance).RequireAuthorization(Policies.InspectorMaintenance)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload an inspector CSV; schedulers may only import their own department's inspectors. 201, or 202 with the operation.");
        imports.MapGet("/", List).WithSummary("Import jobs, newest first; running jobs show their progress.");
        imports.MapGet("/{id}", Get).WithSummary("One import job: its state, progress and counts; another department's job answers 404.");
        imports.MapGet("/{id}/errors", Errors).WithSummary("Rejected lines with field and reason, ordered by line.");
        imports.MapGet("/{id}/errors.csv", ErrorsCsv).WithSummary("The error report as a CSV download.");
        OperationApi.Answer(EntitiesOperation);
        OperationApi.Answer(InspectorsOperation);
        return app;
    }

    private static Task<Results<Results<Created<ImportJob>, ProblemHttpResult>, Accepted<OperationView>, ValidationProblem, ProblemHttpResult>> ImportEntities(
        string? fileName, HttpContext http, [AsParameters] ImportServices s) =>
        StartAsync(EntitiesOperation, fileName, http, s);

    /// <summary>Rows of other departments than a non-admin's own are rejected when the operation runs (the rule is the import service's).</summary>
    private static Task<Results<Results<Created<ImportJob>, ProblemHttpResult>, Accepted<OperationView>, ValidationProblem, ProblemHttpResult>> ImportInspectors(
        string? fileName, HttpContext http, [AsParameters] ImportServices s) =>
        StartAsync(InspectorsOperation, fileName, http, s);

    private static async Task<Results<Results<Created<ImportJob>, ProblemHttpResult>, Accepted<OperationView>, ValidationProblem, ProblemHttpResult>> StartAsync(
        LongOperation<Results<Created<ImportJob>, ProblemHttpResult>> kind, string? fileName, HttpContext http, ImportServices s)
    {
        if (FileNameProblem(fileName) is { } problem) return problem;
        return await OperationApi.RunUploadAsync(http, kind, s.Imports.NewJobId(), Name(fileName), long.MaxValue);
    }

    /// <summary>A succeeded import operation answers its job; a file that was not a directory CSV failed it with a 400 naming "file".</summary>
    private static async Task<Results<Created<ImportJob>, ProblemHttpResult>> Imported(HttpContext http, Operation operation)
    {
        var job = await http.RequestServices.GetRequiredService<ImportQueries>().GetAsync(operation.Target, http.RequestAborted);
        return job is null ? Problems.NotFound("import", operation.Target) : TypedResults.Created($"/api/imports/{job.Id}", job);
    }

    /// <summary>The file name is shown in job lists and the audit log: one line of text like any other (TextRules).</summary>
    internal static ValidationProblem? FileNameProblem(string? fileName) =>
        Core.Text.TextRules.Error("fileName", fileName) is { } error ? Problems.Validation(error) : null;

    private static string Name(string? fileName) => string.IsNullOrWhiteSpace(fileName) ? "upload.csv" : Path.GetFileName(fileName.Trim());

    /// <summary>Admins see every import; others only their own.</summary>
    private static Task<Results<Ok<Page<ImportJob>>, ValidationProblem>> List(
        string? before, int? limit, HttpContext http, [AsParameters] ImportServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        return Answers.PageAsync(limit, take => s.Queries.ListAsync(actor.IsAdmin ? null : actor.Username, before, take, ct), j => j.Id);
    }

    private static async Task<Results<Ok<ImportJob>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] ImportServices s, CancellationToken ct)
    {
        var job = await Visible(id, http.User.ToActor(), s.Queries, ct);
        return job is null ? Problems.NotFound("import", id) : TypedResults.Ok(job);
    }

    private static async Task<Results<Ok<IReadOnlyList<ImportError>>, ValidationProblem, ProblemHttpResult>> Errors(
        string id, long? afterLine, int? limit, HttpContext http, [AsParameters] ImportServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        if (await Visible(id, http.User.ToActor(), s.Queries, ct) is null)
        {
            return Problems.NotFound("import", id);
        }

        return TypedResults.Ok(await s.Queries.ErrorsAsync(id, afterLine, take, ct));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ErrorsCsv(string id, HttpContext http, [AsParameters] ImportServices s, CancellationToken ct)
    {
        if (await Visible(id, http.User.ToActor(), s.Queries, ct) is null)
        {
            return Problems.NotFound("import", id);
        }

        // At most DirectoryImporter.MaxStoredErrors lines are kept per job, so the report fits in memory.
        var errors = await s.Queries.ErrorsAsync(id, null, DirectoryImporter.MaxStoredErrors * 2, ct);
        using var csv = new MemoryStream();
        ImportErrorReport.Write(csv, errors);
        return TypedResults.File(csv.ToArray(), "text/csv; charset=utf-8", $"import-{id}-errors.csv");
    }

    /// <summary>Admins see every import; others only their own.</summary>
    private static async Task<ImportJob?> Visible(string id, Actor actor, ImportQueries queries, CancellationToken ct)
    {
        var job = await queries.GetAsync(id, ct);
        return job is not null && (actor.IsAdmin || job.Actor == actor.Username) ? job : null;
    }
}
