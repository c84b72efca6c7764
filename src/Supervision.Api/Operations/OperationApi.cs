using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Tasks;
using Supervision.Contracts;
using Supervision.Contracts.Credit;
using Supervision.Contracts.Operations;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Infrastructure.Operations;
using Microsoft.Extensions.Options;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Operations;

/// <summary>
/// A long operation as the API shows it: where it is, and how it ended. <see cref="Result"/> is the operation's own record
/// of success (for a task: its state and version after the command); <see cref="Problem"/> the RFC 9457 problem the
/// route would have answered at once. <see cref="Links"/> lead to what it produced.
/// </summary>
public sealed record OperationView(
    string Id, string Kind, string Target, string State, OperationProgress? Progress, int Attempts, string RequestedBy,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, JsonElement? Result, JsonElement? Problem,
    IReadOnlyDictionary<string, string> Links);

/// <summary>
/// A kind of long operation with what its route answers once the operation succeeded (for a freeze, the task; for an
/// import, its report). The route answers it within the wait, and GET /api/operations/{id}/result any time after.
/// </summary>
public sealed record LongOperation<TAnswer>(string Kind, Func<HttpContext, Operation, Task<TAnswer>> Answer)
    where TAnswer : IResult;

/// <summary>
/// What a succeeded operation's route answers, whatever the kind: GET /api/operations/{id}/result serves every kind, so its
/// union holds the answer registered for the operation's kind (<see cref="OperationApi.Answer{TAnswer}(LongOperation{TAnswer})"/>),
/// written exactly as that route writes it.
/// </summary>
public sealed class OperationAnswer(IResult answer) : IResult, IEndpointMetadataProvider
{
    public IResult Answer => answer;

    public Task ExecuteAsync(HttpContext httpContext) => answer.ExecuteAsync(httpContext);

    /// <summary>What the kinds' routes answer on success, described for all: 200 (a task, a draw, a dispatch, a run) or 201 (an import's report).</summary>
    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(void), []));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status201Created, typeof(void), []));
    }
}

/// <summary>What the operation routes need, bundled (as eShop's services records).</summary>
public sealed record OperationServices(OperationStore Operations, TaskQueries Tasks);

/// <summary>
/// Long operations (docs/operations.md, "Long operations"): freeze, the two draws and dispatch are accepted as operations
/// that run on a silo under a lease and are taken over by another silo if theirs dies. The route waits a little for the
/// outcome — five seconds, or what the client's <c>Prefer: wait=N</c> asks (at most ten), none with
/// <c>Prefer: respond-async</c> — and answers it as it always did; an operation still running by then is answered with
/// <c>202 Accepted</c>, its <c>Location</c> to follow and a <c>Retry-After</c>.
/// </summary>
public static class OperationApi
{
    /// <summary>The longest wait a client may ask for: no request is held longer.</summary>
    public static readonly TimeSpan MaxWait = OperationOptions.MaxWait;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How each kind's route answers a succeeded operation (registered by the route's module).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<HttpContext, Operation, Task<OperationAnswer>>> Answers = new(StringComparer.Ordinal);

    /// <summary>Registers what the route of the operation's kind answers once it succeeded (GET /api/operations/{id}/result answers it too).</summary>
    public static LongOperation<TAnswer> Answer<TAnswer>(LongOperation<TAnswer> operation)
        where TAnswer : IResult
    {
        Answers[operation.Kind] = async (http, o) => new OperationAnswer(await operation.Answer(http, o));
        return operation;
    }

    public static IEndpointRouteBuilder MapOperationApi(this IEndpointRouteBuilder app)
    {
        // Signed-in users; who sees which operation is decided per operation (MaySeeAsync): others get 404.
        var group = app.MapGroup("/api/operations").WithTags("Operations").RequireAuthorization(Policies.Authenticated);
        group.MapGet("/{id}", Get).WithSummary("A long operation (freeze, draw, dispatch): its state, progress, and result or problem.");
        group.MapGet("/{id}/result", Result)
            .WithSummary("What the operation's route answers once it ended: its answer on success (e.g. the draw summary), its problem on failure; 202 while it runs.");
        app.MapGet("/api/tasks/{id}/operations", ListForTask).WithTags("Operations").RequireAuthorization(Policies.Authenticated)
            .WithSummary("The long operations of a task, newest first.");
        return app;
    }

    private static async Task<Results<Ok<OperationView>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] OperationServices s, CancellationToken ct)
    {
        var operation = await s.Operations.GetAsync(id, ct);
        if (operation is null || !await MaySeeAsync(http, operation, s.Tasks, ct)) return Problems.NotFound("operation", id);
        if (!operation.IsFinal) http.Response.Headers.RetryAfter = "1";
        return TypedResults.Ok(ToView(operation));
    }

    /// <summary>Whatever the kind: its route's answer once it succeeded (<see cref="OperationAnswer"/>), its problem once it failed, else 202.</summary>
    private static async Task<Results<OperationAnswer, Accepted<OperationView>, ProblemHttpResult>> Result(string id, HttpContext http, [AsParameters] OperationServices s,
        CancellationToken ct)
    {
        var operation = await s.Operations.GetAsync(id, ct);
        if (operation is null || !await MaySeeAsync(http, operation, s.Tasks, ct)) return Problems.NotFound("operation", id);
        return await AnswerAsync(http, operation, Answers[operation.Kind]);
    }

    /// <summary>The route's answer for an ended operation; 202 with the operation while it runs.</summary>
    private static async Task<Results<TAnswer, Accepted<OperationView>, ProblemHttpResult>> AnswerAsync<TAnswer>(HttpContext http, Operation operation,
        Func<HttpContext, Operation, Task<TAnswer>> answer)
        where TAnswer : IResult
    {
        http.Response.Headers["Operation-Location"] = $"/api/operations/{operation.Id}";
        if (operation.State == OperationStates.Succeeded) return await answer(http, operation);
        if (operation.State == OperationStates.Failed && operation.Problem is { } problem) return ToResult(problem);
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Accepted($"/api/operations/{operation.Id}", ToView(operation));
    }

    private static async Task<Results<Ok<OperationView[]>, ProblemHttpResult>> ListForTask(string id, HttpContext http, [AsParameters] OperationServices s,
        CancellationToken ct)
    {
        var task = await s.Tasks.GetAsync(id, ct);
        if (task is null || !TaskApi.HasFullAccess(http.User, task)) return Problems.NotFound("task", id);
        var list = await s.Operations.ListForTargetAsync(id, 50, ct);
        return TypedResults.Ok(list.Select(ToView).ToArray());
    }

    /// <summary>
    /// The one who asked; for a task's operation, staff with full access to the task (its departments' schedulers and
    /// reviewers, admins, auditors); for an import or a recomputation, admins (as the import jobs and runs themselves).
    /// </summary>
    private static async Task<bool> MaySeeAsync(HttpContext http, Operation operation, TaskQueries tasks, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        if (string.Equals(operation.RequestedBy, actor.Username, StringComparison.Ordinal)) return true;
        if (!OperationKinds.OnTask(operation.Kind)) return actor.IsAdmin;
        var task = await tasks.GetAsync(operation.Target, ct);
        return task is not null && TaskApi.HasFullAccess(http.User, task);
    }

    /// <summary>
    /// A long command on a task, as an operation: who may ask is checked first — the lead department's schedulers (or
    /// admins), the rule the command's grain applies again when it runs — so nothing is recorded for a caller who may
    /// not (the routes require the scheduling policy, so the caller is signed in: 403).
    /// </summary>
    public static async Task<Results<TAnswer, Accepted<OperationView>, ProblemHttpResult>> RunForTaskAsync<TAnswer>(HttpContext http, LongOperation<TAnswer> kind,
        string taskId)
        where TAnswer : IResult
    {
        var tasks = http.RequestServices.GetRequiredService<TaskQueries>();
        var row = await tasks.GetAsync(taskId, http.RequestAborted);
        if (row is null) return Problems.NotFound("task", taskId);
        if (!http.User.ToActor().CanActFor(Roles.Scheduler, row.LeadDepartment))
            return Problems.Forbidden($"Only schedulers of '{row.LeadDepartment}' (or platform admins) manage this task.");

        // Accepts an operation of this kind on the task (or joins the one of that kind already running there), starts it,
        // and answers its outcome if it comes within the wait — the route's own answer — or else 202 with the operation.
        var operation = await StartAndWaitAsync(http, NewId(), kind.Kind, taskId, row.LeadDepartment, null);
        return await AnswerAsync(http, operation, kind.Answer);
    }

    /// <summary>
    /// An upload as an operation of <paramref name="kind"/> on <paramref name="target"/>: the request body is stored in the
    /// database (<see cref="OperationStore.StageUploadAsync"/>) before the operation is recorded, so that once accepted it
    /// depends on no process; then it is started and awaited as a task's operation is, and answered with the kind's answer.
    /// A body longer than <paramref name="maxBytes"/> is a 400 naming "file". Who may ask is the caller's check, made before.
    /// </summary>
    public static async Task<Results<TAnswer, Accepted<OperationView>, ValidationProblem, ProblemHttpResult>> RunUploadAsync<TAnswer>(HttpContext http,
        LongOperation<TAnswer> kind, string target, string fileName, long maxBytes)
        where TAnswer : IResult
    {
        var operations = http.RequestServices.GetRequiredService<OperationStore>();
        var id = NewId();
        var bytes = await operations.StageUploadAsync(id, http.Request.Body, maxBytes, http.RequestAborted);
        if (bytes is null)
            return Problems.Validation(FieldError.TooLarge("file", maxBytes, reason: $"at most {maxBytes / (1024 * 1024)} MiB per upload; split the file"));
        Operation operation;
        try
        {
            operation = await StartAndWaitAsync(http, id, kind.Kind, target, http.User.ToActor().DepartmentCode ?? "",
                JsonSerializer.Serialize(new UploadInput(fileName, bytes.Value), Json));
        }
        catch (Exception)
        {
            // Never accepted: the staged file is nobody's (if the database is away, the sweepers delete it after a day).
            try
            {
                if (await operations.GetAsync(id, CancellationToken.None) is null) await operations.DeleteUploadAsync(id, CancellationToken.None);
            }
            catch (Exception)
            {
            }

            throw;
        }

        return await AnswerAsync(http, operation, kind.Answer) switch
        {
            { Result: Accepted<OperationView> accepted } => accepted,
            { Result: ProblemHttpResult problem } => problem,
            var answered => (TAnswer)answered.Result,
        };
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Accepts an operation (id <paramref name="id"/>, unless one of that kind is running on the target: then that one),
    /// starts it and waits for its outcome as the client prefers; answers the operation as it then stands.
    /// </summary>
    private static async Task<Operation> StartAndWaitAsync(HttpContext http, string id, string kind, string target, string department, string? inputJson)
    {
        var services = http.RequestServices;
        var operations = services.GetRequiredService<OperationStore>();
        var grains = services.GetRequiredService<IGrainFactory>();
        var actor = http.User.ToActor();
        var wait = RequestedWait(http.Request, services.GetRequiredService<IOptions<OperationOptions>>().Value.DefaultWait, out var applied);
        Operation operation;
        try
        {
            (operation, _) = await operations.AcceptAsync(
                OperationWorkflow.Accept(id, kind, target, department, actor.Username, operations.Clock.GetUtcNow(), inputJson), actor, http.RequestAborted);
        }
        catch (OperationRaceException)
        {
            (operation, _) = await operations.AcceptAsync(
                OperationWorkflow.Accept(NewId(), kind, target, department, actor.Username, operations.Clock.GetUtcNow(), inputJson), actor, http.RequestAborted);
        }

        try
        {
            await grains.GetGrain<IOperationGrain>(operation.Id).Resume();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e))
        {
            // Accepted is accepted: the silos' sweepers start it within a second or two.
            services.GetRequiredService<ILogger<OperationStore>>()
                .LogWarning(e, "Operation {Operation} accepted but not started at once; the sweeper will start it", operation.Id);
        }

        if (applied is not null) http.Response.Headers["Preference-Applied"] = applied;
        var until = DateTimeOffset.UtcNow + wait;
        while (!operation.IsFinal && DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(Poll, http.RequestAborted);
            operation = await operations.GetAsync(operation.Id, http.RequestAborted) ?? operation;
        }

        return operation;
    }

    /// <summary>
    /// RFC 7240: <c>respond-async</c> waits for nothing, <c>wait=N</c> up to N seconds; otherwise
    /// <paramref name="configured"/> (<c>Supervision:Operations:DefaultWait</c>). Never more than <see cref="MaxWait"/>.
    /// </summary>
    internal static TimeSpan RequestedWait(HttpRequest request, TimeSpan configured, out string? applied)
    {
        applied = null;
        var wait = configured < MaxWait ? configured : MaxWait;
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var token in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (token.Equals("respond-async", StringComparison.OrdinalIgnoreCase))
                {
                    applied = "respond-async";
                    return TimeSpan.Zero;
                }

                if (token.StartsWith("wait=", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(token.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    wait = TimeSpan.FromSeconds(Math.Min(seconds, MaxWait.TotalSeconds));
                    applied = $"wait={(int)wait.TotalSeconds}";
                }
            }
        }

        return wait;
    }

    /// <summary>An operation's problem as the response the route answers.</summary>
    public static ProblemHttpResult ToResult(OperationProblem problem) => Problems.Status(problem.Status, problem.Title, problem.Detail, Extensions(problem));

    /// <summary>The problem's extension members (memberId, allowedActions, errors…) as values to serialise.</summary>
    private static Dictionary<string, object?> Extensions(OperationProblem problem)
    {
        if (problem.ExtensionsJson is not { } json) return new(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
    }

    public static OperationView ToView(Operation o)
    {
        var links = new Dictionary<string, string>(StringComparer.Ordinal) { ["self"] = $"/api/operations/{o.Id}" };
        switch (o.Kind)
        {
            case OperationKinds.ImportEntities:
            case OperationKinds.ImportInspectors:
                links["job"] = $"/api/imports/{o.Target}";
                links["errors"] = $"/api/imports/{o.Target}/errors";
                break;
            case OperationKinds.CreditImport:
                links["report"] = $"/api/credit/imports/{o.Target}";
                break;
            case OperationKinds.CreditRecompute:
                if (o.InputJson is { } input && JsonSerializer.Deserialize<RecomputeInput>(input, Json) is { } run)
                    links["run"] = $"/api/credit/recompute/runs/{run.RunId}";
                break;
            default:
                links["task"] = $"/api/tasks/{o.Target}";
                break;
        }

        if (o.State == OperationStates.Succeeded)
        {
            switch (o.Kind)
            {
                case OperationKinds.DrawEntities:
                case OperationKinds.DrawInspectors:
                    links["pack"] = $"/api/tasks/{o.Target}/draw/pack";
                    break;
                case OperationKinds.Dispatch:
                    links["progress"] = $"/api/tasks/{o.Target}/progress";
                    break;
            }
        }

        JsonElement? problem = null;
        if (o.Problem is { } p)
        {
            var members = Extensions(p);
            members["status"] = p.Status;
            members["title"] = p.Title;
            members["detail"] = p.Detail;
            problem = JsonSerializer.SerializeToElement(members);
        }

        JsonElement? result = null;
        if (o.ResultJson is { } r)
        {
            using var document = JsonDocument.Parse(r);
            result = document.RootElement.Clone();
        }

        return new OperationView(o.Id, o.Kind, o.Target, o.State, o.Progress, o.Attempts, o.RequestedBy, o.CreatedAt, o.UpdatedAt, o.CompletedAt,
            result, problem, links);
    }

    private static string NewId() => "op-" + Guid.CreateVersion7().ToString("N");
}
