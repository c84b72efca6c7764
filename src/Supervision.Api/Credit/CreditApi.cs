using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Operations;
using Supervision.Core.Calendar;
using Supervision.Core.Operations;
using Supervision.Api.Statistics;
using Supervision.Contracts.Credit;
using Supervision.Core.Credit;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Credit;

public sealed record EntityCreditView(CreditExplanation Credit, IReadOnlyList<CreditClassChangeRow> ClassChanges, InclusionView? Inclusion);

public sealed record CreditSettingsView(double Baseline, CreditThresholdsView Thresholds, ClassWeights Weights, double DefaultHalfLifeDays,
    IReadOnlyDictionary<string, double> HalfLifeDaysByKind, IReadOnlyDictionary<string, double> ResultCodeImpacts, IReadOnlyDictionary<string, double> EventImpacts,
    IReadOnlyDictionary<string, double> PenaltyImpacts, double InspectionImpactFloor, string Fingerprint, string NightlyAtBeijing, int NightlyBatchSize,
    TimeSpan FeedPeriod, CasePenaltyBands CasePenalties);

public sealed record RunStarted(string RunId, string Status, string Operation);

/// <summary>What the credit routes need, bundled (as eShop's services records).</summary>
public sealed record CreditServices(IGrainFactory Grains, CreditQueries Store, CreditModel Model, TaskQueries Draws, DrawInclusion Inclusion, WorkflowClock Clock,
    EntityAccessLinks Links, MarketEntityStore Entities, AccessAudit Access, Web.PublicBaseUrl PublicBase);

/// <summary>
/// The credit service over HTTP (docs/credit-model.md, "The service"). Credit classes are confidential to the regulator:
/// every route here needs a staff account (admin, scheduler, reviewer); the public and inspectors get 401/403.
/// Entities are not owned by departments, so any staff member may read an entity's credit; a task's inclusion
/// probability only for staff of the task's departments. Imports need a scheduler or an admin; the feed and the
/// recomputation are admin operations.
/// </summary>
public static class CreditApi
{
    /// <summary>An external-records import as a long operation: its answer is the import's report.</summary>
    private static readonly LongOperation<Results<Created<CreditImportReport>, ProblemHttpResult>> ImportOperation = new(OperationKinds.CreditImport, Imported);

    /// <summary>A recomputation: GET /api/operations/{id}/result answers its run (the route itself always answers 202).</summary>
    private static readonly LongOperation<Results<Ok<CreditRunRow>, ProblemHttpResult>> RecomputeOperation = new(OperationKinds.CreditRecompute, Recomputed);

    /// <summary>Maps the credit and statistics routes (one line in PlatformHost).</summary>
    public static IEndpointRouteBuilder MapCreditApi(this IEndpointRouteBuilder app)
    {
        var credit = app.MapGroup("/api/credit").WithTags("Credit").RequireAuthorization(Policies.CreditReaders);
        credit.MapGet("/entities/{creditCode}", Explain)
            .WithSummary("An entity's class, score, weight and the events that moved it (with contributions); ?task= adds its probability of being drawn in that task.");
        credit.MapPost("/entities/{creditCode}/access-link", EntityAccessLinks.IssueAsync)
            .WithSummary("A time-limited link (body {days}, 1–90, default 30) to the entity's own credit page, for its representative: classes are confidential, an entity may see its own.");
        credit.MapGet("/class-changes", Changes).WithSummary("Class changes, newest first (entity filter, keyset 'before').");
        credit.MapGet("/settings", Settings).WithSummary("The credit model's parameters in force (Supervision:Credit).");
        credit.MapPost("/external-records", Import).WithMetadata(Hosting.LongOperationRoute.Instance).RequireAuthorization(Policies.CreditOfficers)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload a CSV of external records (administrative penalties, serious-violation listings); see docs/csv-formats.md.");
        credit.MapGet("/imports/{id}", ImportReport).WithSummary("The report of an external-records import with its rejected lines.");
        credit.MapPost("/feed/run", RunFeed).RequireAuthorization(Policies.Admin)
            .WithSummary("Run the credit feed now (normally a reminder does): new outcome events and external records, time-due entities.");
        credit.MapPost("/recompute", StartRecompute).RequireAuthorization(Policies.Admin)
            .WithSummary("Start the nightly class recomputation now; answers 202 with the run id (Location: the run; Operation-Location: the operation running it).");
        credit.MapGet("/recompute/runs", Runs).RequireAuthorization(Policies.Admin).WithSummary("Recomputation runs, newest first.");
        credit.MapGet("/recompute/runs/{id}", Run).RequireAuthorization(Policies.Admin).WithSummary("One recomputation run: status and counts.");
        OperationApi.Answer(ImportOperation);
        OperationApi.Answer(RecomputeOperation);
        app.MapStatisticsApi();
        return app;
    }

    private static async Task<Results<Ok<EntityCreditView>, ValidationProblem, ProblemHttpResult>> Explain(string creditCode, string? task, string? at, HttpContext http,
        [AsParameters] CreditServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (code.Length != 18 || code.Any(c => CreditCode.CharValue(c) < 0))
            return Problems.Validation(FieldError.Format("creditCode", FieldFormats.CreditCode, "must be an 18-character unified social credit code"));
        var instant = s.Clock.Now;
        if (at is not null && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant))
            return Problems.Validation(FieldError.Format("at", FieldFormats.Instant, "must be an ISO 8601 instant, e.g. 2026-06-01T00:00:00Z"));
        InclusionView? probability = null;
        if (task is not null)
        {
            var row = await s.Draws.GetAsync(task, ct);
            if (row is null) return Problems.NotFound("task", task);
            var actor = http.User.ToActor();
            if (!actor.IsAdmin && !(actor.DepartmentCode is { } d && row.DepartmentList.Contains(d, StringComparer.Ordinal)))
                return Problems.Forbidden($"Task '{task}' belongs to other departments.");
            probability = await s.Inclusion.ForAsync(row, code, ct);
            if (probability is null)
                return Problems.Conflict($"Task '{task}' is {row.Status}: it has no frozen population yet, so there is no probability of being drawn.");
        }
        var explanation = await s.Store.ExplainAsync(code, instant, ct);
        if (explanation is null) return Problems.NotFound("market entity", code);
        var changes = await s.Store.ClassChangesAsync(code, null, 20, ct);
        return TypedResults.Ok(new EntityCreditView(explanation, changes, probability));
    }

    private static async Task<Results<Ok<Page<CreditClassChangeRow>>, ValidationProblem>> Changes(string? entity, long? before, int? limit, [AsParameters] CreditServices s,
        CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        var rows = await s.Store.ClassChangesAsync(entity is null ? null : CreditCode.Normalize(entity), before, take, ct);
        return TypedResults.Ok(new Page<CreditClassChangeRow>(rows, rows.Count == take ? rows[^1].Id.ToString(CultureInfo.InvariantCulture) : null, take));
    }

    private static Ok<CreditSettingsView> Settings([AsParameters] CreditServices services)
    {
        var model = services.Model;
        var o = model.Options;
        var s = model.Settings;
        return TypedResults.Ok(new CreditSettingsView(o.Baseline, new CreditThresholdsView(o.Thresholds.A, o.Thresholds.B, o.Thresholds.C), o.Weights,
            o.DefaultHalfLifeDays,
            Enum.GetValues<CreditEventKind>().ToDictionary(k => k.ToString(), o.HalfLifeDays),
            o.ResultCodeImpacts.ToDictionary(kv => kv.Key, kv => kv.Value),
            o.EventImpacts.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            o.PenaltyImpacts.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            o.InspectionImpactFloor, model.Fingerprint, s.NightlyAt.ToString("HH:mm", CultureInfo.InvariantCulture), s.NightlyBatchSize, s.FeedPeriod,
            o.CasePenalties));
    }

    /// <summary>
    /// An external-records import, as a long operation: the upload is stored, then the credit importer runs it on a
    /// silo (validating every line, checking each entity is in the directory, appending the accepted records in one
    /// transaction). Rejected lines are reported with line, field and reason and never stored; a file that is not such a
    /// CSV at all is a 400 naming "file". The feed picks the records up on its next pass (woken right away).
    /// </summary>
    private static async Task<Results<Results<Created<CreditImportReport>, ProblemHttpResult>, Accepted<OperationView>, ValidationProblem, ProblemHttpResult>> Import(
        string? fileName, HttpContext http)
    {
        if (Supervision.Api.Registry.ImportApi.FileNameProblem(fileName) is { } badName) return badName;
        var name = string.IsNullOrWhiteSpace(fileName) ? "upload.csv" : Path.GetFileName(fileName.Trim());
        return await OperationApi.RunUploadAsync(http, ImportOperation, Guid.NewGuid().ToString("N")[..16], name, CreditImports.MaxBytes);
    }

    private static async Task<Results<Created<CreditImportReport>, ProblemHttpResult>> Imported(HttpContext http, Operation operation) =>
        await http.RequestServices.GetRequiredService<CreditQueries>().ImportAsync(operation.Target, http.RequestAborted) is { } report
            ? TypedResults.Created($"/api/credit/imports/{report.ImportId}", report)
            : Problems.NotFound("credit import", operation.Target);

    /// <summary>A recomputation that ended answers its run (GET /api/operations/{id}/result).</summary>
    private static async Task<Results<Ok<CreditRunRow>, ProblemHttpResult>> Recomputed(HttpContext http, Operation operation)
    {
        var input = System.Text.Json.JsonSerializer.Deserialize<RecomputeInput>(operation.InputJson!, System.Text.Json.JsonSerializerOptions.Web)!;
        return await http.RequestServices.GetRequiredService<CreditQueries>().RunAsync(input.RunId, http.RequestAborted) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound("recomputation run", input.RunId);
    }

    private static async Task<Results<Ok<CreditImportReport>, ProblemHttpResult>> ImportReport(string id, [AsParameters] CreditServices s, CancellationToken ct) =>
        await s.Store.ImportAsync(id, ct) is { } report ? TypedResults.Ok(report) : Problems.NotFound("credit import", id);

    private static async Task<Ok<CreditFeedReport>> RunFeed([AsParameters] CreditServices s) =>
        TypedResults.Ok(await s.Grains.GetGrain<ICreditFeedGrain>(ICreditFeedGrain.DefaultKey).RunOnce());

    /// <summary>
    /// Always 202, as before it was an operation: the run to follow (<c>Location</c>), and the operation that runs it
    /// (<c>Operation-Location</c>, and in the body). A run already under way is answered instead of starting another.
    /// </summary>
    private static async Task<Accepted<RunStarted>> StartRecompute(HttpContext http, [AsParameters] CreditServices s)
    {
        var started = await s.Grains.GetGrain<ICreditNightlyGrain>(ICreditNightlyGrain.DefaultKey).Start("manual", http.User.ToActor());
        http.Response.Headers["Operation-Location"] = $"/api/operations/{started.OperationId}";
        return TypedResults.Accepted($"/api/credit/recompute/runs/{started.RunId}", new RunStarted(started.RunId, "running", started.OperationId));
    }

    private static async Task<Results<Ok<IReadOnlyList<CreditRunRow>>, ValidationProblem>> Runs(int? limit, [AsParameters] CreditServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        return TypedResults.Ok(await s.Store.RunsAsync(take, ct));
    }

    private static async Task<Results<Ok<CreditRunRow>, ProblemHttpResult>> Run(string id, [AsParameters] CreditServices s, CancellationToken ct) =>
        await s.Store.RunAsync(id, ct) is { } run ? TypedResults.Ok(run) : Problems.NotFound("recomputation run", id);
}
