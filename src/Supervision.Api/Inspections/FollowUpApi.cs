using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Contracts.Inspections;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;
using Supervision.Core.Validation;

namespace Supervision.Api.Inspections;

public sealed record ReinspectionView(string ActionKey, string InspectionId, string SourceInspectionId, string TaskId, string EntityCreditCode,
    string ItemCode, string DepartmentCode, string Status, string? Failure, IReadOnlyList<string> Team, bool? DrawVerifies, ReinspectionDrawRecord? Draw);

public sealed record AbnormalListingView(string EntityCreditCode, string SourceInspectionId, string ReasonCode, DateOnly VerifiedOn, DateOnly ListBy,
    DateOnly SeriousAlertOn, bool SeriousAlertDue, DateOnly? RemovedOn, string? RemovedByInspection, bool ListByProvisional);

/// <summary>What the follow-up routes need, bundled (as eShop's services records).</summary>
public sealed record FollowUpServices(IGrainFactory Grains, ReinspectionStore Store, InspectionRules Rules, WorkflowClock Clock);

/// <summary>
/// What follows an approved result (docs/workflow.md, "Follow-up"): correction orders, re-inspections with their drawn
/// teams, and the abnormal-operations list. Staff only; schedulers and reviewers see their department's, admins all.
/// </summary>
public static class FollowUpApi
{
    private static readonly string[] Kinds = ["correction-order", "reinspection"];
    private static readonly string[] FollowUpStatuses = ["open", "withdrawn", "done", "missed"];
    private static readonly string[] ReinspectionStatuses = [ReinspectionStore.Drawn, ReinspectionStore.Assigned, ReinspectionStore.Unstaffed];
    private static readonly string[] ListingStatuses = ["open", "removed", "all"];

    public static IEndpointRouteBuilder MapFollowUpApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Follow-up").RequireAuthorization(Policies.Staff);
        group.MapGet("/follow-ups", FollowUps)
            .WithSummary("Correction orders and re-inspections; filter by kind, status (open, withdrawn, done, missed), department, entity.");
        group.MapGet("/reinspections", Reinspections)
            .WithSummary("Re-inspections with their drawn teams; with key=… one re-inspection with its committed draw, recomputed.");
        group.MapPost("/reinspections/run", Run).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Create now the re-inspections whose window has begun (the scheduler also runs on a durable reminder).");
        group.MapGet("/abnormal-listings", AbnormalListings)
            .WithSummary("The abnormal-operations list (code 6): status open, removed or all; alertDue=true keeps listings past their 3-year serious-violation alert date.");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<FollowUpRow>>, ValidationProblem, ProblemHttpResult>> FollowUps(
        string? kind, string? status, string? department, string? entity, int? limit, HttpContext http, [AsParameters] FollowUpServices s, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        OneOf(errors, "kind", kind, Kinds);
        OneOf(errors, "status", status, FollowUpStatuses);
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        return TypedResults.Ok((await s.Store.FollowUpsAsync(scope, kind, status, entity, take, ct)).MarkProvisional(s.Rules.Calendar));
    }

    private static async Task<Results<Ok<IReadOnlyList<ReinspectionView>>, ValidationProblem, ProblemHttpResult>> Reinspections(
        string? key, string? status, string? department, int? limit, HttpContext http, [AsParameters] FollowUpServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        if (key is not null)
        {
            var row = await s.Store.GetAsync(key, ct);
            if (row is null || !(actor.IsAdmin || actor.DepartmentCode == row.DepartmentCode)) return Problems.NotFound("re-inspection", key);
            var record = row.Record;
            return TypedResults.Ok<IReadOnlyList<ReinspectionView>>([View(row, record, record is null ? null : ReinspectionDraw.Verify(record))]);
        }

        var errors = new List<FieldError>();
        OneOf(errors, "status", status, ReinspectionStatuses);
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        var rows = await s.Store.ListAsync(scope, status, take, ct);
        return TypedResults.Ok<IReadOnlyList<ReinspectionView>>(rows.Select(r => View(r, null, null) with { Team = r.Record?.Team.Members.Select(m => m.CertificateNo).ToArray() ?? [] }).ToList());
    }

    private static async Task<Ok<ReinspectionRun>> Run(HttpContext http, [AsParameters] FollowUpServices s) =>
        TypedResults.Ok(await s.Grains.GetGrain<IReinspectionSchedulerGrain>(IReinspectionSchedulerGrain.DefaultKey).RunDue(http.User.ToActor()));

    private static async Task<Results<Ok<IReadOnlyList<AbnormalListingView>>, ValidationProblem, ProblemHttpResult>> AbnormalListings(
        string? status, bool? alertDue, string? department, string? entity, int? limit, HttpContext http, [AsParameters] FollowUpServices s, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        OneOf(errors, "status", status, ListingStatuses);
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (errors.Count > 0) return Problems.Validation(errors);
        var today = s.Clock.Today;
        var effective = status switch { null => "open", "all" => null, _ => status };
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        var rows = await s.Store.AbnormalListingsAsync(scope, effective, alertDue == true ? today : null, entity, take, ct);
        return TypedResults.Ok<IReadOnlyList<AbnormalListingView>>(rows.Select(l => new AbnormalListingView(l.EntityCreditCode, l.SourceInspectionId, l.ReasonCode,
            l.VerifiedOn, l.ListBy, l.SeriousAlertOn, l.RemovedOn is null && today >= l.SeriousAlertOn, l.RemovedOn, l.RemovedByInspection,
            s.Rules.Calendar.IsProvisional(l.ListBy))).ToList());
    }

    private static ReinspectionView View(ReinspectionRow r, ReinspectionDrawRecord? record, bool? verifies) =>
        new(r.ActionKey, r.InspectionId, r.SourceInspectionId, r.TaskId, r.EntityCreditCode, r.ItemCode, r.DepartmentCode, r.Status, r.Failure,
            record?.Team.Members.Select(m => m.CertificateNo).ToArray() ?? [], verifies, record);


    private static void OneOf(List<FieldError> errors, string field, string? value, string[] allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
            errors.Add(FieldError.UnknownValue(field, value, allowed, $"must be one of: {string.Join(", ", allowed)}"));
    }
}
