using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Contracts;
using Supervision.Api.Common;
using Supervision.Api.Credit;
using Supervision.Api.Identity;
using Supervision.Api.Publication;
using Supervision.Contracts.Abnormal;
using Supervision.Core.Abnormal;
using Supervision.Core.Calendar;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Abnormal;
using Supervision.Core.Validation;

namespace Supervision.Api.Abnormal;

public sealed record AbnormalEntryBody(string? EntityCreditCode, string? Ground, string? Facts, DateOnly? FoundOn, string? DepartmentCode);

public sealed record AbnormalListingBody(string? DecisionReference);

public sealed record RemovalApplicationBody(string? Evidence);

public sealed record RemovalDecisionBody(string? Decision, string? Reason);

/// <summary>A legal ground with its names in both languages and the provision it rests on.</summary>
public sealed record AbnormalGroundView(string Code, string NameZh, string NameEn, string Provision)
{
    public static AbnormalGroundView Of(string code) => AbnormalGrounds.Find(code) is { } g ? new(g.Code, g.NameZh, g.NameEn, g.Provision) : new(code, code, code, "");
}

/// <summary>An entry as the deciding department's staff read it: everything, with the deadline and its flags.</summary>
public sealed record AbnormalEntryView(string Id, string EntityCreditCode, string EntityName, AbnormalGroundView Ground, string Source, string? SourceInspectionId,
    int? SourceVersion, string DepartmentCode, string DepartmentName, string? Facts, DateOnly FoundOn, DateOnly ListBy, bool ListByProvisional, bool Overdue,
    string State, DateOnly? ListedOn, string? ListedBy, string? DecisionReference, DateOnly? EscalationDueOn, DateOnly? EscalatedOn, string? RemovalState,
    DateTimeOffset? RemovalAppliedAt, string? RemovalAppliedBy, string? RemovalEvidence, string? RemovalDecidedBy, DateTimeOffset? RemovalDecidedAt,
    string? RemovalDecisionReason, DateOnly? RemovedOn, string? RemovedBasis, string CreatedBy, DateTimeOffset CreatedAt, long Version);

/// <summary>An entry as its entity reads it through its link: the ground, the dates, its application and the decision's reason.</summary>
public sealed record EntityAbnormalView(string Id, AbnormalGroundView Ground, string State, string DepartmentName, DateOnly ListedOn, string? DecisionReference,
    DateOnly? EscalationDueOn, string? RemovalState, DateTimeOffset? RemovalAppliedAt, string? RemovalEvidence, DateTimeOffset? RemovalDecidedAt,
    string? RemovalDecisionReason, DateOnly? RemovedOn);

/// <summary>An entry of the public list: names, ground, dates, deciding department — what the national publicity system shows.</summary>
public sealed record PublicAbnormalView(string Id, string EntityCreditCode, string EntityName, AbnormalGroundView Ground, string State, DateOnly ListedOn,
    string? DecisionReference, DateOnly? RemovedOn, string DepartmentCode, string DepartmentName);

/// <summary>What the register's endpoints need, bundled (as eShop's services records).</summary>
public sealed record AbnormalServices(IGrainFactory Grains, AbnormalStore Store, AbnormalQueries Queries, EntityAccessLinks Links, WorkflowClock Clock,
    WorkingCalendar Calendar);

/// <summary>
/// The abnormal-operations list (经营异常名录; docs/abnormal-operations.md). Staff of the deciding department (schedulers and
/// reviewers; admins everywhere) read their entries, enter grounds, list, record and decide removal applications; the
/// entity reads its listings and applies for removal through its signed link; the public reads the listed entries.
/// </summary>
public static class AbnormalApi
{
    public static IEndpointRouteBuilder MapAbnormalApi(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api/abnormal-operations").WithTags("Abnormal operations").RequireAuthorization(Policies.Staff);
        staff.MapGet("/", List)
            .WithSummary("Entries the caller's department decides (admins: all; department=… to narrow): view=open (default), overdue, applications, pending, listed, removed, escalated, withdrawn or all; entity=…; limit.");
        staff.MapGet("/counts", Counts).WithSummary("The department's pending, overdue, removal-application and escalated counts (the workbench's figures).");
        staff.MapGet("/{id}", Get).WithSummary("One entry of the caller's department, with its dates, removal application and decision.");
        staff.MapPost("/", Enter)
            .WithSummary("Enter grounds found otherwise than by an inspection {entityCreditCode, ground, facts, foundOn, departmentCode?}: a pending entry due by the list-by date (working days). A repeat answers the open entry on that ground (200).");
        staff.MapPost("/{id}/listing", ListEntry).WithSummary("List a pending entry {decisionReference?}: listed today, public and a credit event from now. A repeat answers the same.");
        staff.MapPost("/{id}/removal-application", StaffApplication)
            .WithSummary("Record the entity's application for removal {evidence} (the entity may also apply through its link). A repeat with the same evidence answers the same.");
        staff.MapPost("/{id}/removal-decision", Decide)
            .WithSummary("Approve (removed today, a credit event) or reject with a reason the entity reads {decision: approve|reject, reason}. A repeat answers the same.");

        var entity = app.MapGroup("/api/public/v1/entities/{creditCode}/abnormal-operations").WithTags("Abnormal operations").AllowAnonymous();
        entity.MapGet("/", EntityList).WithSummary("Through the entity's signed link (t): its listings, each with its removal application and decision.");
        entity.MapPost("/{id}/removal-application", EntityApplication)
            .WithSummary("Through the entity's signed link (t): apply for removal of a listing {evidence}: how the cause was remedied.");

        app.MapGet("/api/public/v1/abnormal-operations", Public).WithTags("Open data v1").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("The abnormal-operations list as published: entity name and code, ground (zh/en), listing date and decision, removal date, deciding department; ground=…, entity=…, current=true (still listed); keyset paging with after/limit.");
        return app;
    }

    private static async Task<Results<Ok<List<AbnormalEntryView>>, ValidationProblem, ProblemHttpResult>> List(string? view, string? department, string? entity, int? limit, HttpContext http, [AsParameters] AbnormalServices s,
        CancellationToken ct)
    {
        var v = view ?? "open";
        if (!AbnormalQueries.Views.Contains(v)) return Problems.Validation(FieldError.UnknownValue("view", v, AbnormalQueries.Views, $"must be one of {string.Join(", ", AbnormalQueries.Views)}"));
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        var code = entity is null ? null : CreditCode.Normalize(entity);
        var items = await s.Queries.ForDepartmentAsync(scope, v, code, s.Clock.Today, take, ct);
        return TypedResults.Ok(items.Select(i => View(i, s)).ToList());
    }

    private static async Task<Results<Ok<AbnormalCounts>, ProblemHttpResult>> Counts(string? department, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct)
    {
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        return TypedResults.Ok(await s.Queries.CountsAsync(scope, s.Clock.Today, ct));
    }

    private static async Task<Results<Ok<AbnormalEntryView>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct) =>
        await VisibleAsync(id, http, s, ct) is { } item ? TypedResults.Ok(View(item, s)) : Problems.NotFound("abnormal-operations entry", id);

    /// <summary>An entry the caller's department decides (admins: any), or null: another department's entry is not there for it.</summary>
    private static async Task<AbnormalListItem?> VisibleAsync(string id, HttpContext http, AbnormalServices s, CancellationToken ct)
    {
        var item = await s.Queries.GetAsync(id, ct);
        return item is not null && AbnormalWorkflow.MayDecide(item.Entry.DepartmentCode, http.User.ToActor()) ? item : null;
    }

    private static async Task<Results<Created<AbnormalEntryView>, Ok<AbnormalEntryView>, ValidationProblem, ProblemHttpResult>> Enter(AbnormalEntryBody? body, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var errors = new List<FieldError>();
        var code = CreditCode.Normalize(body?.EntityCreditCode);
        if (code.Length == 0) errors.Add(FieldError.Required("entityCreditCode"));
        else if (!CreditCode.IsValid(code)) errors.Add(FieldError.Checksum("entityCreditCode", $"'{code}' is not a valid unified social credit code", code));
        var department = body?.DepartmentCode?.Trim() is { Length: > 0 } d ? d : actor.DepartmentCode;
        if (department is null) errors.Add(FieldError.Required("departmentCode", "is required for an account without a department: the deciding department"));
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!actor.IsAdmin && department != actor.DepartmentCode)
            return Problems.Forbidden($"You decide for your own department ({actor.DepartmentCode}) only.");
        if (!await s.Queries.EntityExistsAsync(code, ct)) return Problems.Validation(FieldError.NotFound("entityCreditCode", code, $"{code} is not in the entity directory"));
        if (!await s.Queries.DepartmentExistsAsync(department!, ct)) return Problems.Validation(FieldError.NotFound("departmentCode", department, $"'{department}' is not a department"));
        var reply = await s.Grains.GetGrain<IAbnormalRegisterGrain>(code).Enter(body!.Ground, body.Facts, body.FoundOn, department!, actor);
        if (!reply.Succeeded) return Refusal(reply).Widen<Created<AbnormalEntryView>, Ok<AbnormalEntryView>>();
        var view = View((await s.Queries.GetAsync(reply.Entry!.Id, ct))!, s);
        return reply.Status == CommandStatus.Created ? TypedResults.Created($"/api/abnormal-operations/{view.Id}", view) : TypedResults.Ok(view);
    }

    private static Task<Results<Ok<AbnormalEntryView>, ValidationProblem, ProblemHttpResult>> ListEntry(string id, AbnormalListingBody? body, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct) =>
        StaffStepAsync(id, http, s, (g, actor) => g.List(id, body?.DecisionReference, actor), ct);

    private static Task<Results<Ok<AbnormalEntryView>, ValidationProblem, ProblemHttpResult>> StaffApplication(string id, RemovalApplicationBody? body, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct) =>
        StaffStepAsync(id, http, s, (g, actor) => g.ApplyForRemoval(id, body?.Evidence, actor, staff: true), ct);

    private static async Task<Results<Ok<AbnormalEntryView>, ValidationProblem, ProblemHttpResult>> Decide(string id, RemovalDecisionBody? body, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct)
    {
        if (await VisibleAsync(id, http, s, ct) is null) return Problems.NotFound("abnormal-operations entry", id);
        if (body?.Decision is not ("approve" or "reject")) return Problems.Validation(FieldError.UnknownValue("decision", body?.Decision, ["approve", "reject"], "must be 'approve' or 'reject'"));
        return await StaffStepAsync(id, http, s, (g, actor) => g.DecideRemoval(id, body.Decision == "approve", body.Reason, actor), ct);
    }

    private static async Task<Results<Ok<AbnormalEntryView>, ValidationProblem, ProblemHttpResult>> StaffStepAsync(string id, HttpContext http, AbnormalServices s,
        Func<IAbnormalRegisterGrain, Core.Identity.Actor, Task<AbnormalReply>> step, CancellationToken ct)
    {
        if (await VisibleAsync(id, http, s, ct) is not { } item) return Problems.NotFound("abnormal-operations entry", id);
        var reply = await step(s.Grains.GetGrain<IAbnormalRegisterGrain>(item.Entry.EntityCreditCode), http.User.ToActor());
        if (!reply.Succeeded) return Refusal(reply).Widen<Ok<AbnormalEntryView>>();
        return TypedResults.Ok(View((await s.Queries.GetAsync(id, ct))!, s));
    }

    private static async Task<Results<Ok<IReadOnlyList<EntityAbnormalView>>, ProblemHttpResult>> EntityList(string creditCode, string? t, HttpContext http, [AsParameters] AbnormalServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(await EntityViewAsync(code, s, ct));
    }

    /// <summary>What the entity's link shows of the register (the API and the entity's page share it).</summary>
    public static async Task<IReadOnlyList<EntityAbnormalView>> EntityViewAsync(string code, AbnormalServices s, CancellationToken ct) =>
        [.. (await s.Queries.ForEntityAsync(code, ct)).Select(i => EntityView(i))];

    private static EntityAbnormalView EntityView(AbnormalListItem i)
    {
        var e = i.Entry;
        return new(e.Id, AbnormalGroundView.Of(e.Ground), e.State, i.DepartmentName, e.ListedOn!.Value, e.DecisionReference, e.EscalationDueOn, e.RemovalState,
            e.RemovalAppliedAt, e.RemovalEvidence, e.RemovalDecidedAt, e.RemovalDecisionReason, e.RemovedOn);
    }

    private static async Task<Results<Ok<EntityAbnormalView>, ValidationProblem, ProblemHttpResult>> EntityApplication(string creditCode, string id, string? t, RemovalApplicationBody? body, [AsParameters] AbnormalServices s,
        CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        var reply = await ApplyAsEntityAsync(code, id, body?.Evidence, s);
        if (!reply.Succeeded) return Refusal(reply).Widen<Ok<EntityAbnormalView>>();
        return TypedResults.Ok(EntityView((await s.Queries.GetAsync(id, ct))!));
    }

    /// <summary>An application by an entity whose link was checked: only for one of its own listings (another's answers 404).</summary>
    public static Task<AbnormalReply> ApplyAsEntityAsync(string code, string id, string? evidence, AbnormalServices s) =>
        s.Grains.GetGrain<IAbnormalRegisterGrain>(code).ApplyForRemoval(id, evidence, AbnormalStore.EntityActor(code), staff: false);

    private static async Task<Results<CachedJson<Page<PublicAbnormalView>>, ValidationProblem>> Public(string? ground, string? entity, bool? current, string? after, int? limit, AbnormalQueries queries,
        CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (ground is not null && AbnormalGrounds.Find(ground) is null)
            errors.Add(FieldError.UnknownValue("ground", ground, AbnormalGrounds.All.Select(g => g.Code), $"must be one of {string.Join(", ", AbnormalGrounds.All.Select(g => g.Code))}"));
        var take = limit ?? PublicQueries.DefaultLimit;
        if (take is < 1 or > PublicQueries.MaxLimit) errors.Add(FieldError.OutOfRange("limit", 1, PublicQueries.MaxLimit, take, $"must be between 1 and {PublicQueries.MaxLimit}"));
        (DateOnly, string)? cursor = null;
        if (after is not null)
        {
            // The cursor is "{listedOn}/{id}" of the last row read, as `next` gives it.
            var parts = after.Split('/', 2);
            if (parts.Length == 2 && DateOnly.TryParseExact(parts[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on) && parts[1].Length is > 0 and <= 40)
                cursor = (on, parts[1]);
            else errors.Add(FieldError.Format("after", FieldFormats.Cursor, "must be the 'next' value of the previous page ({listedOn}/{id})", after));
        }

        if (errors.Count > 0) return Problems.Validation(errors);
        var rows = await queries.PublicAsync(ground, entity is null ? null : CreditCode.Normalize(entity), current == true, cursor, take, ct);
        var page = Paging.Of(rows.Select(PublicView).ToList(), take, r => $"{r.ListedOn:yyyy-MM-dd}/{r.Id}");
        return PublicPortal.Cached(page, null);
    }

    public static PublicAbnormalView PublicView(PublicAbnormalRow r) =>
        new(r.Id, r.EntityCreditCode, r.EntityName, AbnormalGroundView.Of(r.Ground), r.State, r.ListedOn, r.DecisionReference, r.RemovedOn, r.DepartmentCode,
            r.DepartmentName);

    public static AbnormalEntryView View(AbnormalListItem i, AbnormalServices s)
    {
        var e = i.Entry;
        return new(e.Id, e.EntityCreditCode, i.EntityName, AbnormalGroundView.Of(e.Ground), e.Source, e.SourceInspectionId, e.SourceVersion, e.DepartmentCode,
            i.DepartmentName, e.Facts, e.FoundOn, e.ListBy, s.Calendar.IsProvisional(e.ListBy), e.IsOverdueOn(s.Clock.Today), e.State, e.ListedOn, e.ListedBy,
            e.DecisionReference, e.EscalationDueOn, e.EscalatedOn, e.RemovalState, e.RemovalAppliedAt, e.RemovalAppliedBy, e.RemovalEvidence, e.RemovalDecidedBy,
            e.RemovalDecidedAt, e.RemovalDecisionReason, e.RemovedOn, e.RemovedBasis, e.CreatedBy, e.CreatedAt, e.Version);
    }

    private static Results<ValidationProblem, ProblemHttpResult> Refusal(AbnormalReply reply) => Problems.Refusal(reply.Status, reply.Detail, reply.Errors, "The deadline cannot be computed");
}
