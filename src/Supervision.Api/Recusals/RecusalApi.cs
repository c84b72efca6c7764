using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Contracts;
using Supervision.Api.Common;
using Supervision.Api.Credit;
using Supervision.Api.Identity;
using Supervision.Contracts.Recusals;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Core.Recusals;
using Supervision.Infrastructure.Recusals;
using Supervision.Core.Validation;

namespace Supervision.Api.Recusals;

public sealed record RecusalFilingBody(string? InspectionId, string? CertificateNo, string? Grounds, string? Reason);

public sealed record RecusalDecisionBody(string? Decision, string? Reason);

/// <summary>A request as its entity reads it: the inspector asked about, the state, the deadline and the decision's reason.</summary>
public sealed record EntityRecusalView(string Id, string InspectionId, string TaskId, string TaskName, string CertificateNo, string? InspectorName,
    string? Grounds, string Reason, string State, DateTimeOffset RequestedAt, DateOnly DueOn, bool DueProvisional, bool Overdue,
    DateTimeOffset? DecidedAt, string? DecisionReason, string? Replacement, string? ReplacementName);

public sealed record EntityRecusalsView(string CreditCode, IReadOnlyList<OpenInspectionView> Inspections, IReadOnlyList<EntityRecusalView> Requests,
    IReadOnlyList<string> Grounds);

/// <summary>A request as the lead department's schedulers read it.</summary>
public sealed record RecusalView(string Id, string InspectionId, string TaskId, string TaskName, string EntityCreditCode, string EntityName,
    string LeadDepartment, string CertificateNo, string? InspectorName, string? Grounds, string Reason, string State, DateTimeOffset RequestedAt,
    DateOnly DueOn, bool DueProvisional, bool Overdue, string? DecidedBy, DateTimeOffset? DecidedAt, string? DecisionReason, string? Replacement,
    string? ReplacementName, string PublishedReason);

/// <summary>What the recusal endpoints need, bundled (as eShop's services records).</summary>
public sealed record RecusalServices(IGrainFactory Grains, RecusalStore Store, RecusalQueries Queries, EntityAccessLinks Links, WorkflowClock Clock,
    WorkingCalendar Calendar);

/// <summary>
/// Recusal requests (国办发〔2024〕54号; docs/draw-service.md, "Recusal requests"). The entity files and follows its
/// requests through the signed link that opens its own credit page (no account: without a valid link every answer is
/// the 404 of an unknown entity); the inspection's lead department lists and decides them; an accepted request has the
/// task replace the inspector by the draw's rule (draw-spec §8.1).
/// </summary>
public static class RecusalApi
{
    public static IEndpointRouteBuilder MapRecusalApi(this IEndpointRouteBuilder app)
    {
        var entity = app.MapGroup("/api/public/v1/entities/{creditCode}/recusals").WithTags("Recusals").AllowAnonymous();
        entity.MapGet("/", EntityList)
            .WithSummary("Through the entity's signed link (t): its dispatched inspections whose team may still change, with the team (names and certificate numbers), and its recusal requests.");
        entity.MapPost("/", File)
            .WithSummary("Through the entity's signed link (t): ask that one member of an inspection's team step aside {inspectionId, certificateNo, grounds?, reason}; one open request per inspection and member.");

        var staff = app.MapGroup("/api/recusals").WithTags("Recusals").RequireAuthorization(Policies.Scheduling);
        staff.MapGet("/", List).WithSummary("Recusal requests of the caller's department's inspections (admins: all): state=open (default) or all; with deadline and overdue flag.");
        staff.MapPost("/{id}/decision", Decide)
            .WithSummary("Accept (the task replaces the inspector by draw-spec §8.1, then the request is accepted) or reject with a reason the entity reads {decision: accept|reject, reason}. A repeat answers the same.");
        return app;
    }

    private static async Task<Results<Ok<EntityRecusalsView>, ProblemHttpResult>> EntityList(string creditCode, string? t, HttpContext http, [AsParameters] RecusalServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(await EntityViewAsync(code, s, ct));
    }

    /// <summary>What the entity's link shows of recusals: its open inspections with their teams, and its requests.</summary>
    public static async Task<EntityRecusalsView> EntityViewAsync(string code, RecusalServices s, CancellationToken ct)
    {
        var requests = await s.Queries.ForEntityAsync(code, ct);
        return new EntityRecusalsView(code, await s.Queries.OpenInspectionsAsync(code, ct), [.. requests.Select(i => EntityView(i, s))], RecusalGrounds.All);
    }

    private static EntityRecusalView EntityView(RecusalListItem i, RecusalServices s)
    {
        var r = i.Request;
        return new EntityRecusalView(r.Id, r.InspectionId, r.TaskId, i.TaskName, r.CertificateNo, i.InspectorName, r.Grounds, r.Reason, r.State, r.RequestedAt,
            r.DueOn, s.Calendar.IsProvisional(r.DueOn), r.IsOverdueOn(s.Clock.Today), r.DecidedAt, r.DecisionReason, r.Replacement, i.ReplacementName);
    }

    private static async Task<Results<Created<EntityRecusalView>, ValidationProblem, ProblemHttpResult>> File(string creditCode, string? t, RecusalFilingBody? body, [AsParameters] RecusalServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        var reply = await FileAsync(code, body ?? new(null, null, null, null), s.Grains);
        if (!reply.Succeeded) return Refusal(reply).Widen<Created<EntityRecusalView>>();
        var item = (await s.Queries.GetAsync(reply.Request!.Id, ct))!;
        return TypedResults.Created($"/api/public/v1/entities/{code}/recusals", EntityView(item, s));
    }

    /// <summary>Files a request for an entity whose link was checked (the API and the entity's page share it).</summary>
    public static async Task<RecusalReply> FileAsync(string code, RecusalFilingBody body, IGrainFactory grains)
    {
        var inspectionId = body.InspectionId?.Trim() ?? "";
        // Inspection ids are "{taskId}/{creditCode}": one of another entity is refused before any grain is asked.
        if (inspectionId.Length is 0 or > 200 || !inspectionId.EndsWith("/" + code, StringComparison.Ordinal))
            return RecusalReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.",
                [FieldError.Required("inspectionId", "is required: one of this entity's dispatched inspections")]);
        var reply = await grains.GetGrain<IRecusalGrain>(inspectionId).File(code, body.CertificateNo, body.Grounds, body.Reason);
        return reply.Status == CommandStatus.NotFound
            ? RecusalReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.",
                [FieldError.NotFound("inspectionId", null, "is not a dispatched inspection of this entity")])
            : reply;
    }

    private static async Task<Results<Ok<List<RecusalView>>, ValidationProblem>> List(string? state, HttpContext http, [AsParameters] RecusalServices s, CancellationToken ct)
    {
        if (state is not (null or "open" or "all")) return Problems.Validation(FieldError.UnknownValue("state", state, ["open", "all"], "must be 'open' or 'all'"));
        var actor = http.User.ToActor();
        var items = await s.Queries.ForDepartmentAsync(actor.IsAdmin ? null : actor.DepartmentCode ?? "", state != "all", ct);
        return TypedResults.Ok(items.Select(i => View(i, s)).ToList());
    }

    public static RecusalView View(RecusalListItem i, RecusalServices s)
    {
        var r = i.Request;
        return new RecusalView(r.Id, r.InspectionId, r.TaskId, i.TaskName, r.EntityCreditCode, i.EntityName, r.LeadDepartment, r.CertificateNo, i.InspectorName,
            r.Grounds, r.Reason, r.State, r.RequestedAt, r.DueOn, s.Calendar.IsProvisional(r.DueOn), r.IsOverdueOn(s.Clock.Today), r.DecidedBy, r.DecidedAt,
            r.DecisionReason, r.Replacement, i.ReplacementName, RecusalWorkflow.ReplacementReason(r));
    }

    private static async Task<Results<Ok<RecusalView>, ValidationProblem, ProblemHttpResult>> Decide(string id, RecusalDecisionBody? body, HttpContext http, [AsParameters] RecusalServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var request = await s.Store.GetAsync(id, ct);
        // Another department's request is not there for the caller (as another department's inspection).
        if (request is null || !RecusalWorkflow.MayDecide(request, actor)) return Problems.NotFound("recusal request", id);
        if (body?.Decision is not ("accept" or "reject")) return Problems.Validation(FieldError.UnknownValue("decision", body?.Decision, ["accept", "reject"], "must be 'accept' or 'reject'"));
        var reply = await s.Grains.GetGrain<IRecusalGrain>(request.InspectionId).Decide(id, body.Decision == "accept", body.Reason, actor);
        if (!reply.Succeeded) return Refusal(reply).Widen<Ok<RecusalView>>();
        return TypedResults.Ok(View((await s.Queries.GetAsync(id, ct))!, s));
    }

    private static Results<ValidationProblem, ProblemHttpResult> Refusal(RecusalReply reply) => Problems.Refusal(reply.Status, reply.Detail, reply.Errors, "The inspector cannot be replaced");
}
