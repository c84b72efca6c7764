using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Contracts;
using Supervision.Contracts.Cases;
using Supervision.Core.Calendar;
using Supervision.Core.Cases;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Cases;
using Supervision.Infrastructure.Registry;

namespace Supervision.Api.Cases;

public sealed record CaseOpenBody(string? InspectionId, string? ItemCode, string? Facts);

public sealed record CaseFilingBody(string? CaseNumber, string? LegalGround, string? HandlerDepartment);

public sealed record CaseReferralBody(string? Kind, string? To, string? Reason);

public sealed record CaseConclusionBody(string? Outcome, decimal? PenaltyAmount, string? DecisionNumber, string? Reason);

public sealed record CaseWithdrawalBody(string? Reason);

/// <summary>
/// A case as the owning department's staff read it: the finding, the state with the current step's due date (and whether
/// it is provisional or past), and each step's record.
/// </summary>
public sealed record CaseView(string Id, string EntityCreditCode, string EntityName, string TaskId, string InspectionId, string ItemCode,
    IReadOnlyList<string> ResultCodes, int FindingVersion, string DepartmentCode, string DepartmentName, string? Facts, DateOnly FoundOn, string State,
    DateOnly? DueOn, bool DueProvisional, bool Overdue, DateOnly DecideBy, string? CaseNumber, string? LegalGround, string? HandlerDepartment, DateOnly? FiledOn,
    DateOnly? ConcludeBy, string? ReferralKind, string? ReferredTo, string? ReferralReason, DateOnly? ReferredOn, DateOnly? AnswerBy, string? Outcome,
    decimal? PenaltyAmount, string? DecisionNumber, string? Reason, DateOnly? ClosedOn, string? ClosedBy, string OpenedBy, DateTimeOffset OpenedAt, long Version);

/// <summary>An approved finding with a violation and no case yet: what a case can be opened from.</summary>
public sealed record CaseFindingView(string CaseId, string InspectionId, string ItemCode, IReadOnlyList<string> ResultCodes, DateOnly ApprovedOn,
    string EntityCreditCode, string EntityName, string DepartmentCode);

/// <summary>What the case endpoints need, bundled.</summary>
public sealed record CaseServices(IGrainFactory Grains, CaseQueries Queries, DepartmentStore Departments, WorkingCalendar Calendar, WorkflowClock Clock);

/// <summary>
/// Follow-up cases (立案 and referral; docs/follow-up-cases.md). Schedulers and reviewers of the department that owns an
/// item (admins: all) open a case from its violation found by an approved inspection, file or refer it, conclude or
/// withdraw it, and read their department's ledger; another department's case answers 404, other roles 403.
/// </summary>
public static class CaseApi
{
    public static IEndpointRouteBuilder MapCaseApi(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/cases").WithTags("Follow-up cases").RequireAuthorization(Policies.Staff);
        cases.MapGet("/", Ledger)
            .WithSummary("The department's ledger of follow-up cases (admins: all; department=… to narrow): view=open (default: open, filed, referred, by due date), overdue, open, filed, referred, concluded, withdrawn or all; view=received: the cases other departments referred to it that await its answer; limit.");
        cases.MapGet("/counts", Counts).WithSummary("The department's cases counted by state, the open ones past their step's due date, and the referrals made to it that await its answer.");
        cases.MapGet("/findings", Findings)
            .WithSummary("Approved findings with a violation at an item the department owns that have no case yet, newest first (inspectionId=… for one inspection): what a case is opened from.");
        cases.MapGet("/{id}", Get).WithSummary("One case of the caller's department, or referred to it, with its finding, state, due date and each step's record.");
        cases.MapPost("/", Open)
            .WithSummary("Open the case of a finding {inspectionId, itemCode, facts?}: the item's latest approved result must be a violation; due to be decided (filed, referred or not filed) within Supervision:Cases:DecideWorkingDays. A repeat answers the case (200).");
        cases.MapPost("/{id}/filing", File)
            .WithSummary("File an open case (立案) {caseNumber, legalGround, handlerDepartment?}: due to be concluded within Supervision:Cases:ConcludeWorkingDays. A repeat answers the same.");
        cases.MapPost("/{id}/referral", Refer)
            .WithSummary("Refer an open case {kind: department|judicial|public-security|authority, to: a department code or the body's name, reason}: the answer is due within Supervision:Cases:ReferralAnswerWorkingDays.");
        cases.MapPost("/{id}/conclusion", Conclude)
            .WithSummary("Conclude a case {outcome, penaltyAmount?, decisionNumber?, reason?}: open → not-filed; filed → penalty (amount in yuan and decision number) or no-penalty; referred → referral-accepted or referral-returned (by the owning department or the department of the platform it was referred to).");
        cases.MapPost("/{id}/withdrawal", Withdraw).WithSummary("Withdraw an open, filed or referred case {reason}.");
        return app;
    }

    private static async Task<Results<Ok<List<CaseView>>, ValidationProblem, ProblemHttpResult>> Ledger(string? view, string? department, int? limit, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct)
    {
        var v = view ?? "open";
        if (!CaseQueries.Views.Contains(v)) return Problems.Validation(FieldError.UnknownValue("view", v, CaseQueries.Views, $"must be one of {string.Join(", ", CaseQueries.Views)}"));
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        return TypedResults.Ok((await s.Queries.LedgerAsync(scope, v, s.Clock.Today, take, ct)).Select(i => View(i, s)).ToList());
    }

    private static async Task<Results<Ok<CaseCounts>, ProblemHttpResult>> Counts(string? department, HttpContext http, [AsParameters] CaseServices s, CancellationToken ct)
    {
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        return TypedResults.Ok(await s.Queries.CountsAsync(scope, s.Clock.Today, ct));
    }

    private static async Task<Results<Ok<List<CaseFindingView>>, ValidationProblem, ProblemHttpResult>> Findings(string? inspectionId, string? department, int? limit,
        HttpContext http, [AsParameters] CaseServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        if (!DepartmentScope.TryResolve(http, department, out var scope, out var forbidden)) return forbidden!;
        return TypedResults.Ok(new List<CaseFindingView>(await FindingsAsync(scope, inspectionId, take, s, ct)));
    }

    /// <summary>The findings without a case that are violations (the API and the ledger page share it).</summary>
    public static async Task<IReadOnlyList<CaseFindingView>> FindingsAsync(string? scope, string? inspectionId, int limit, CaseServices s, CancellationToken ct) =>
        [.. (await s.Queries.FindingsWithoutCaseAsync(scope, inspectionId, CaseQueries.MaxRows, ct))
            .Where(f => CaseWorkflow.IsViolation(f.Codes, FollowUpPolicy.Default))
            .Take(limit)
            .Select(f => new CaseFindingView(CaseWorkflow.CaseId(f.InspectionId, f.ItemCode), f.InspectionId, f.ItemCode, f.Codes, f.ApprovedOn,
                f.EntityCreditCode, f.EntityName, f.DepartmentCode))];

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] CaseServices s, CancellationToken ct) =>
        await VisibleAsync(id, http, s, ct) is { } item ? TypedResults.Ok(View(item, s)) : Problems.NotFound("follow-up case", id);

    /// <summary>
    /// A case the caller's department owns or was referred (admins: any), or null: another department's case is not there for it.
    /// What each may do with it the grain decides (Core's rules).
    /// </summary>
    private static async Task<CaseListItem?> VisibleAsync(string id, HttpContext http, CaseServices s, CancellationToken ct) =>
        await s.Queries.GetAsync(id, ct) is { } item && CaseWorkflow.MaySee(item.Case, http.User.ToActor()) ? item : null;

    private static async Task<Results<Created<CaseView>, Ok<CaseView>, ValidationProblem, ProblemHttpResult>> Open(CaseOpenBody? body, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var inspectionId = body?.InspectionId?.Trim() ?? "";
        var itemCode = body?.ItemCode?.Trim() ?? "";
        if (inspectionId.Length == 0) errors.Add(FieldError.Required("inspectionId", "is required: the inspection whose finding the case follows ({taskId}/{creditCode})"));
        if (itemCode.Length == 0) errors.Add(FieldError.Required("itemCode", "is required: the inspection item whose result found the violation"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var id = CaseWorkflow.CaseId(inspectionId, itemCode);
        var reply = await s.Grains.GetGrain<ICaseGrain>(id).Open(inspectionId, itemCode, body!.Facts, http.User.ToActor());
        if (!reply.Succeeded) return reply.Status == CommandStatus.Invalid ? Invalid(reply) : Problem(reply);
        var view = View((await s.Queries.GetAsync(id, ct))!, s);
        return reply.Status == CommandStatus.Created ? TypedResults.Created($"/api/cases/{id}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<CaseView>, ValidationProblem, ProblemHttpResult>> File(string id, CaseFilingBody? body, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct)
    {
        var handler = body?.HandlerDepartment?.Trim();
        if (handler is { Length: > 0 } && await s.Departments.GetAsync(handler, ct) is null)
            return Problems.Validation(FieldError.NotFound("handlerDepartment", handler, $"'{handler}' is not a department"));
        return await StepAsync(id, http, s, (g, actor) => g.File(body?.CaseNumber, body?.LegalGround, handler, actor), ct);
    }

    private static async Task<Results<Ok<CaseView>, ValidationProblem, ProblemHttpResult>> Refer(string id, CaseReferralBody? body, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct)
    {
        var to = body?.To?.Trim();
        if (body?.Kind?.Trim().ToLowerInvariant() == ReferralKinds.Department && to is { Length: > 0 } && await s.Departments.GetAsync(to, ct) is null)
            return Problems.Validation(FieldError.NotFound("to", to, $"'{to}' is not a department of the platform"));
        return await StepAsync(id, http, s, (g, actor) => g.Refer(body?.Kind, to, body?.Reason, actor), ct);
    }

    private static Task<Results<Ok<CaseView>, ValidationProblem, ProblemHttpResult>> Conclude(string id, CaseConclusionBody? body, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct) =>
        StepAsync(id, http, s, (g, actor) => g.Conclude(body?.Outcome, body?.PenaltyAmount, body?.DecisionNumber, body?.Reason, actor), ct);

    private static Task<Results<Ok<CaseView>, ValidationProblem, ProblemHttpResult>> Withdraw(string id, CaseWithdrawalBody? body, HttpContext http,
        [AsParameters] CaseServices s, CancellationToken ct) =>
        StepAsync(id, http, s, (g, actor) => g.Withdraw(body?.Reason, actor), ct);

    private static async Task<Results<Ok<CaseView>, ValidationProblem, ProblemHttpResult>> StepAsync(string id, HttpContext http, CaseServices s,
        Func<ICaseGrain, Actor, Task<CaseReply>> step, CancellationToken ct)
    {
        if (await VisibleAsync(id, http, s, ct) is null) return Problems.NotFound("follow-up case", id);
        var reply = await step(s.Grains.GetGrain<ICaseGrain>(id), http.User.ToActor());
        if (!reply.Succeeded) return reply.Status == CommandStatus.Invalid ? Invalid(reply) : Problem(reply);
        return TypedResults.Ok(View((await s.Queries.GetAsync(id, ct))!, s));
    }

    private static ValidationProblem Invalid(CaseReply reply) =>
        Problems.Validation(reply.Errors.Count > 0 ? reply.Errors : [FieldError.State("body", reply.Detail ?? "is invalid")]);

    /// <summary>A refusal other than invalid input: 403, 404, 422 (a deadline beyond the calendar), otherwise 409.</summary>
    private static ProblemHttpResult Problem(CaseReply reply) => reply.Status switch
    {
        CommandStatus.Forbidden => Problems.Forbidden(reply.Detail ?? "Forbidden."),
        CommandStatus.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: reply.Detail),
        CommandStatus.Unprocessable => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The deadline cannot be computed", detail: reply.Detail),
        _ => Problems.Conflict(reply.Detail ?? "Conflict."),
    };

    public static CaseView View(CaseListItem i, CaseServices s)
    {
        var c = i.Case;
        return new(c.Id, c.EntityCreditCode, i.EntityName, c.TaskId, c.InspectionId, c.ItemCode, c.ResultCodes.Split(',', StringSplitOptions.RemoveEmptyEntries),
            c.FindingVersion, c.DepartmentCode, i.DepartmentName, c.Facts, c.FoundOn, c.State, c.DueOn, c.DueOn is { } due && s.Calendar.IsProvisional(due),
            c.IsOverdueOn(s.Clock.Today), c.DecideBy, c.CaseNumber, c.LegalGround, c.HandlerDepartment, c.FiledOn, c.ConcludeBy, c.ReferralKind, c.ReferredTo,
            c.ReferralReason, c.ReferredOn, c.AnswerBy, c.Outcome, c.PenaltyAmount, c.DecisionNumber, c.Reason, c.ClosedOn, c.ClosedBy, c.OpenedBy, c.OpenedAt,
            c.Version);
    }
}
