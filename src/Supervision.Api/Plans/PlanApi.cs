using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Publication;
using Supervision.Contracts;
using Supervision.Contracts.Plans;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Core.Registry;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Plans;

namespace Supervision.Api.Plans;

public sealed record PlanDraftBody(string? DepartmentCode, int? Year, IReadOnlyList<PlanLineDraft>? Lines);

public sealed record PlanLinesBody(IReadOnlyList<PlanLineDraft>? Lines);

public sealed record PlanRevisionBody(string? Reason);

/// <summary>
/// A plan as its reader may see it. <c>access</c> "department": the department's staff (and auditors, admins) read the working
/// revision; "filed": the level above reads the revision in force. <c>allowedActions</c>: the steps the caller may take now.
/// </summary>
public sealed record PlanView(string Id, string DepartmentCode, string DepartmentName, int Year, int Revision, string State, IReadOnlyList<PlanLine> Lines,
    string? Reason, string DraftedBy, DateTimeOffset DraftedAt, string? ApprovedBy, DateTimeOffset? ApprovedAt, IReadOnlyList<PlanRevision> Published,
    DateOnly PublishBy, bool PublishedLate, string Access, IReadOnlyList<string> AllowedActions, long Version);

/// <summary>A plan in a list: its working revision's state and size, and its publications.</summary>
public sealed record PlanSummaryView(string Id, string DepartmentCode, string DepartmentName, int Year, int Revision, string State, int Lines,
    long PublishedRevisions, DateOnly? FirstPublishedOn, DateOnly? LastPublishedOn);

/// <summary>
/// One line planned against done: what the line in force plans (draw type, batches and months, classes, entities when
/// given as counts) and what its tasks did — tasks, entities drawn, inspections dispatched and completed, and the joint ones.
/// <c>inForce</c> false: a line a revision dropped, kept here while tasks carry it out.
/// </summary>
public sealed record PlanLineProgress(int Line, bool InForce, string? DrawType, int? Batches, IReadOnlyList<int> Months, IReadOnlyList<ClassTarget> Classes,
    int? PlannedEntities, bool Joint, long Tasks, long JointTasks, long EntitiesDrawn, long Inspections, long Completed, long JointCompleted);

/// <summary>The whole plan planned against done; <c>jointShare</c> is the joint share of the completed inspections (null before any).</summary>
public sealed record PlanProgressView(string PlanId, int? Revision, IReadOnlyList<PlanLineProgress> Lines, int PlannedBatches, long Tasks, long JointTasks,
    long EntitiesDrawn, long Inspections, long Completed, long JointCompleted, double? JointShare);

/// <summary>A published plan as the public reads it: the revision in force, with its date, the reason for its change and how many there were.</summary>
public sealed record PublicPlanView(string Id, string DepartmentCode, string DepartmentName, int Year, int Revision, DateOnly PublishedOn,
    DateOnly FirstPublishedOn, bool PublishedLate, long Revisions, string? Reason, IReadOnlyList<PlanLine> Lines);

public sealed record PublicPlanRevisionView(int Revision, DateOnly PublishedOn, string? Reason, IReadOnlyList<PlanLine> Lines);

/// <summary>Every published revision of a plan, oldest first.</summary>
public sealed record PublicPlanHistoryView(string Id, string DepartmentCode, string DepartmentName, int Year, DateOnly PublishBy, bool PublishedLate,
    IReadOnlyList<PublicPlanRevisionView> Revisions);

/// <summary>What the plan endpoints need, bundled (as eShop's services records).</summary>
public sealed record PlanServices(IGrainFactory Grains, PlanQueries Queries, WorkflowClock Clock);

/// <summary>
/// Annual inspection plans (年度抽查计划; docs/planning.md). The department's scheduler drafts, edits and revises its plan; its
/// administrator or a platform admin — never the drafter — approves and publishes; the department's staff, auditors and
/// admins read it, the level above reads what was published (filed with it); the public reads the published revisions.
/// </summary>
public static class PlanApi
{
    /// <summary>Who reads plans: the departments' staff, auditors and admins (each route narrows by department).</summary>
    private static readonly string[] Readers = [Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.DepartmentAdmin, Roles.Auditor];

    /// <summary>Who drafts, edits and revises (the grain narrows to the plan's department), and who approves and publishes.</summary>
    private static readonly string[] Drafters = [Roles.Admin, Roles.Scheduler], Approvers = [Roles.Admin, Roles.DepartmentAdmin];

    public static IEndpointRouteBuilder MapPlanApi(this IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/api/plans").WithTags("Annual plans").RequireAuthorization(p => p.RequireRole(Readers));
        plans.MapGet("/", List).WithSummary("The annual plans of the caller's department (auditors and admins: all; department=… to narrow), newest year first; year=… to narrow.");
        plans.MapGet("/filed", Filed)
            .WithSummary("The plans filed with the caller's department: the published plans of the departments directly under it (admins and auditors: every department's, or department=…); year=….");
        plans.MapPost("/", Create).RequireAuthorization(p => p.RequireRole(Drafters))
            .WithSummary("Draft the department's plan for this year or the next {departmentCode?, year, lines?}: revision 1, a draft. 409 when the department has one for that year.");
        plans.MapGet("/{department}/{year:int}", Get)
            .WithSummary("A plan with its lines, state, published revisions and the caller's allowed actions; the version as the ETag. The level above reads the revision in force.");
        plans.MapPut("/{department}/{year:int}", Edit).RequireAuthorization(p => p.RequireRole(Drafters))
            .WithSummary("Replace the working revision's lines {lines}; requires If-Match. An approved revision goes back to draft; a published one is revised first.");
        plans.MapPost("/{department}/{year:int}/approval", Approve).RequireAuthorization(p => p.RequireRole(Approvers))
            .WithSummary("Approve the working revision (the department's administrator or a platform admin, not its drafter); If-Match optional. A repeat answers the same.");
        plans.MapPost("/{department}/{year:int}/publication", Publish).RequireAuthorization(p => p.RequireRole(Approvers))
            .WithSummary("Publish the approved revision: in force and public from now, kept with its date; If-Match optional. A repeat answers the same.");
        plans.MapPost("/{department}/{year:int}/revisions", Revise).RequireAuthorization(p => p.RequireRole(Drafters))
            .WithSummary("Start a revision of the published plan {reason}: a new draft with the lines in force, approved and published again; the reason is published with it.");
        plans.MapGet("/{department}/{year:int}/progress", Progress)
            .WithSummary("Planned against done per line: tasks under the plan, entities drawn, inspections dispatched and completed, and the joint share; counted from the tables.");

        var open = app.MapGroup(OpenDataApi.Prefix).WithTags("Open data v1").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status429TooManyRequests).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        open.MapGet("/plans", PublicList).Produces<Page<PublicPlanView>>()
            .WithSummary("The annual plans in force as published (each plan's latest published revision, with its lines), newest year first; year=…, department=…; keyset paging with after/limit.");
        open.MapGet("/plans.csv", PublicCsv).Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("Every published revision of a year's plans as CSV, one row per line (superseded revisions marked current=false); year (default: this year), department=….");
        open.MapGet("/plans/{department}/{year:int}", PublicPlan).Produces<PublicPlanHistoryView>()
            .WithSummary("One published plan with every revision published, its date and the reason for the change.");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<PlanSummaryView>>, ProblemHttpResult>> List(string? department, int? year, HttpContext http,
        [AsParameters] PlanServices s, CancellationToken ct)
    {
        if (!TryScope(http.User.ToActor(), department, out var scope, out var problem)) return problem!;
        return TypedResults.Ok(Summaries(await s.Queries.ListAsync(scope, year, ct)));
    }

    private static async Task<Results<Ok<IReadOnlyList<PlanSummaryView>>, ProblemHttpResult>> Filed(string? department, int? year, HttpContext http,
        [AsParameters] PlanServices s, CancellationToken ct)
    {
        if (!TryScope(http.User.ToActor(), department, out var parent, out var problem)) return problem!;
        return TypedResults.Ok(Summaries(await s.Queries.FiledWithAsync(parent, year, ct)));
    }

    /// <summary>Readers of every department (admins, auditors) read any or the one they name; the departments' staff their own.</summary>
    private static bool TryScope(Actor actor, string? requested, out string? scope, out ProblemHttpResult? problem)
    {
        scope = requested;
        problem = null;
        if (actor.IsAdmin || actor.Has(Roles.Auditor)) return true;
        scope = actor.DepartmentCode;
        if (scope is null) problem = Problems.Forbidden("Plans are read by the staff of their department; this account has none.");
        else if (requested is not null && requested != scope) problem = Problems.Forbidden($"You read your own department's ({scope}) plans and those filed with it only.");
        return problem is null;
    }

    private static IReadOnlyList<PlanSummaryView> Summaries(IReadOnlyList<PlanSummary> rows) =>
        [.. rows.Select(r => new PlanSummaryView(r.PlanId, r.DepartmentCode, r.DepartmentName, r.Year, r.Revision, r.State, r.Lines.Count, r.PublishedRevisions,
            r.FirstPublishedOn, r.LastPublishedOn))];

    private static async Task<Results<Created<PlanView>, ValidationProblem, ProblemHttpResult>> Create(PlanDraftBody? body, HttpContext http,
        [AsParameters] PlanServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var department = body?.DepartmentCode?.Trim() is { Length: > 0 } d ? d : actor.DepartmentCode;
        var errors = new List<FieldError>();
        if (department is null) errors.Add(FieldError.Required("departmentCode", "is required for an account without a department"));
        if (body?.Year is not { } year) { errors.Add(FieldError.Required("year")); year = 0; }
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!PlanWorkflow.MayDraft(department!, actor)) return Problems.Forbidden($"You draft the plans of your own department ({actor.DepartmentCode}) only.");
        var id = PlanIds.Of(department!, year);
        var reply = await s.Grains.GetGrain<IPlanGrain>(id).Create(body!.Lines, actor);
        if (!reply.Succeeded) return reply.Status == CommandStatus.Invalid ? Problems.Validation(reply.Errors) : Problem(reply);
        var page = (await s.Queries.GetAsync(id, ct))!;
        ETags.Set(http.Response, page.Plan.Version);
        return TypedResults.Created($"/api/plans/{id}", View(page, actor, s.Clock.Today));
    }

    private static async Task<Results<Ok<PlanView>, ProblemHttpResult>> Get(string department, int year, HttpContext http, [AsParameters] PlanServices s,
        CancellationToken ct)
    {
        if (await ReadableAsync(department, year, http.User.ToActor(), s.Queries, ct) is not { } page) return Problems.NotFound("plan", PlanIds.Of(department, year));
        ETags.Set(http.Response, page.Plan.Version);
        return TypedResults.Ok(View(page, http.User.ToActor(), s.Clock.Today));
    }

    /// <summary>
    /// The plan when the caller may read it: the department's staff, auditors and admins always; the level above once it is
    /// published. Otherwise null: another department's plan is not there for the caller (404).
    /// </summary>
    public static async Task<PlanPage?> ReadableAsync(string department, int year, Actor actor, PlanQueries queries, CancellationToken ct)
    {
        var page = await queries.GetAsync(PlanIds.Of(department, year), ct);
        return page is not null && (PlanWorkflow.MayRead(department, actor) || (page.Plan.InForce is not null && PlanWorkflow.MayReadFiled(page.ParentCode, actor)))
            ? page
            : null;
    }

    private static async Task<Results<Ok<PlanView>, ValidationProblem, ProblemHttpResult>> Edit(string department, int year, PlanLinesBody? body, HttpContext http,
        [AsParameters] PlanServices s, CancellationToken ct)
    {
        if (ETags.IfMatch(http.Request) is not { } expected) return Problems.PreconditionRequired();
        return await StepAsync(department, year, expected, http, s, (g, actor) => g.Edit(body?.Lines, expected, actor), ct);
    }

    private static Task<Results<Ok<PlanView>, ValidationProblem, ProblemHttpResult>> Approve(string department, int year, HttpContext http, [AsParameters] PlanServices s,
        CancellationToken ct) =>
        StepAsync(department, year, ETags.IfMatch(http.Request), http, s, (g, actor) => g.Approve(ETags.IfMatch(http.Request), actor), ct);

    private static Task<Results<Ok<PlanView>, ValidationProblem, ProblemHttpResult>> Publish(string department, int year, HttpContext http, [AsParameters] PlanServices s,
        CancellationToken ct) =>
        StepAsync(department, year, ETags.IfMatch(http.Request), http, s, (g, actor) => g.Publish(ETags.IfMatch(http.Request), actor), ct);

    private static Task<Results<Ok<PlanView>, ValidationProblem, ProblemHttpResult>> Revise(string department, int year, PlanRevisionBody? body, HttpContext http,
        [AsParameters] PlanServices s, CancellationToken ct) =>
        StepAsync(department, year, ETags.IfMatch(http.Request), http, s, (g, actor) => g.Revise(body?.Reason, ETags.IfMatch(http.Request), actor), ct);

    /// <summary>
    /// A step on a plan the caller's department owns (another department's answers 404, the level above's 403: it reads, it
    /// does not write); a stale If-Match answers 412 before the grain decides, which checks the version again.
    /// </summary>
    private static async Task<Results<Ok<PlanView>, ValidationProblem, ProblemHttpResult>> StepAsync(string department, int year, long? expected, HttpContext http,
        PlanServices s, Func<IPlanGrain, Actor, Task<PlanReply>> step, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var id = PlanIds.Of(department, year);
        if (await ReadableAsync(department, year, http.User.ToActor(), s.Queries, ct) is not { } page) return Problems.NotFound("plan", id);
        if (!PlanWorkflow.MayRead(department, actor)) return Problems.Forbidden($"The plan of '{department}' is filed with your department to read; it is changed by its own department.");
        var reply = await step(s.Grains.GetGrain<IPlanGrain>(id), actor);
        if (!reply.Succeeded)
        {
            // A step that would change a plan read at another version: the caller's copy is stale.
            if (reply.Status == CommandStatus.Conflict && expected is { } e && reply.Plan is { } current && current.Version != e)
                return Problems.PreconditionFailed(current.Version);
            return reply.Status == CommandStatus.Invalid ? Problems.Validation(reply.Errors) : Problem(reply);
        }

        page = (await s.Queries.GetAsync(id, ct))!;
        ETags.Set(http.Response, page.Plan.Version);
        return TypedResults.Ok(View(page, actor, s.Clock.Today));
    }

    private static ProblemHttpResult Problem(PlanReply reply) => reply.Status switch
    {
        CommandStatus.Forbidden => Problems.Forbidden(reply.Detail ?? "Forbidden."),
        CommandStatus.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: reply.Detail),
        _ => Problems.Conflict(reply.Detail ?? "Conflict."),
    };

    private static async Task<Results<Ok<PlanProgressView>, ProblemHttpResult>> Progress(string department, int year, HttpContext http, [AsParameters] PlanServices s,
        CancellationToken ct)
    {
        if (await ReadableAsync(department, year, http.User.ToActor(), s.Queries, ct) is not { } page) return Problems.NotFound("plan", PlanIds.Of(department, year));
        return TypedResults.Ok(ProgressView(page.Plan, await s.Queries.ProgressAsync(page.Plan.Id, ct)));
    }

    /// <summary>The view of a plan for <paramref name="actor"/>: the working revision for its department, the revision in force for the level above.</summary>
    public static PlanView View(PlanPage page, Actor actor, DateOnly today)
    {
        var p = page.Plan;
        if (!PlanWorkflow.MayRead(p.DepartmentCode, actor) && p.InForce is { } r)
        {
            return new(p.Id, p.DepartmentCode, page.DepartmentName, p.Year, r.Revision, PlanStates.Published, r.Lines, r.Reason, r.DraftedBy, r.PublishedAt,
                r.ApprovedBy, r.ApprovedAt, p.Published, PlanWorkflow.PublishBy(p.Year), p.PublishedLate, "filed", [], p.Version);
        }

        return new(p.Id, p.DepartmentCode, page.DepartmentName, p.Year, p.Revision, p.State, p.Lines, p.Reason, p.DraftedBy, p.DraftedAt, p.ApprovedBy,
            p.ApprovedAt, p.Published, PlanWorkflow.PublishBy(p.Year), p.PublishedLate, "department", PlanWorkflow.AllowedActions(p, actor, today), p.Version);
    }

    /// <summary>
    /// The lines in force (the working lines before the first publication) with what was done under each, and the lines a
    /// revision dropped that tasks still carry out.
    /// </summary>
    public static PlanProgressView ProgressView(Plan plan, IReadOnlyList<LineProgress> done)
    {
        var planned = plan.InForce?.Lines ?? plan.Lines;
        var byLine = done.ToDictionary(d => d.Line);
        var none = new LineProgress();
        var lines = planned.Select(l => (Line: l, Done: byLine.GetValueOrDefault(l.No, none)))
            .Select(x => new PlanLineProgress(x.Line.No, true, x.Line.DrawType, x.Line.Batches, x.Line.Months, x.Line.Classes, x.Line.PlannedEntities, x.Line.IsJoint,
                x.Done.Tasks, x.Done.JointTasks, x.Done.EntitiesDrawn, x.Done.Inspections, x.Done.Completed, x.Done.JointCompleted))
            .Concat(done.Where(d => planned.All(l => l.No != d.Line)).Select(d => new PlanLineProgress(d.Line, false, null, null, [], [], null, d.JointTasks > 0,
                d.Tasks, d.JointTasks, d.EntitiesDrawn, d.Inspections, d.Completed, d.JointCompleted)))
            .ToList();
        var completed = lines.Sum(l => l.Completed);
        var joint = lines.Sum(l => l.JointCompleted);
        return new(plan.Id, plan.InForce?.Revision, lines, planned.Sum(l => l.Batches), lines.Sum(l => l.Tasks), lines.Sum(l => l.JointTasks),
            lines.Sum(l => l.EntitiesDrawn), lines.Sum(l => l.Inspections), completed, joint, completed == 0 ? null : (double)joint / completed);
    }

    private static async Task<Results<CachedJson<Page<PublicPlanView>>, ValidationProblem>> PublicList(HttpContext http, int? year, string? department, string? after, int? limit, PlanQueries queries,
        CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var take = limit ?? PublicQueries.DefaultLimit;
        if (take is < 1 or > PublicQueries.MaxLimit) errors.Add(FieldError.OutOfRange("limit", 1, PublicQueries.MaxLimit, take));
        (int, string)? cursor = null;
        if (after is not null)
        {
            // The cursor is the id ("{department}/{year}") of the last plan read, as `next` gives it.
            if (PlanIds.Parse(after) is var (d, y)) cursor = (y, d);
            else errors.Add(FieldError.Format("after", FieldFormats.Cursor, "must be the 'next' value of the previous page", after));
        }

        if (errors.Count > 0) return Problems.Validation(errors);
        var rows = await queries.PublishedAsync(year, department, cursor, take, ct);
        return PublicPortal.Cached(Paging.Of([.. rows.Select(PublicView)], take, p => p.Id), null);
    }

    public static PublicPlanView PublicView(PublishedPlanRow r) =>
        new(r.PlanId, r.DepartmentCode, r.DepartmentName, r.Year, r.Revision, r.PublishedOn, r.FirstPublishedOn, r.FirstPublishedOn > PlanWorkflow.PublishBy(r.Year),
            r.Revisions, r.Reason, r.Lines);

    private static async Task<Results<CachedJson<PublicPlanHistoryView>, ProblemHttpResult>> PublicPlan(string department, int year, HttpContext http, PlanQueries queries, CancellationToken ct) =>
        await HistoryAsync(department, year, queries, ct) is { } history
            ? PublicPortal.Cached(history, null)
            : Problems.NotFound("published plan", PlanIds.Of(department, year));

    /// <summary>A plan's published revisions (the API and the public page share it); null when it was never published.</summary>
    public static async Task<PublicPlanHistoryView?> HistoryAsync(string department, int year, PlanQueries queries, CancellationToken ct)
    {
        var rows = await queries.HistoryAsync(PlanIds.Of(department, year), ct);
        if (rows.Count == 0) return null;
        var first = rows[0];
        return new(first.PlanId, first.DepartmentCode, first.DepartmentName, first.Year, PlanWorkflow.PublishBy(year), first.PublishedOn > PlanWorkflow.PublishBy(year),
            [.. rows.Select(r => new PublicPlanRevisionView(r.Revision, r.PublishedOn, r.Reason, r.Lines))]);
    }

    /// <summary>The CSV file's columns (docs/planning.md, "Open data").</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "plan_id", "department_code", "department_name", "year", "revision", "published_on", "current", "reason", "line", "draw_type", "items", "classes",
        "frequency", "batches", "months", "joint_departments", "note",
    ];

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ValidationProblem>> PublicCsv(HttpContext http, int? year, string? department, PlanQueries queries, WorkflowClock clock, CancellationToken ct)
    {
        var y = year ?? clock.Today.Year;
        if (y is < 2000 or > 9999) return Problems.Validation(FieldError.OutOfRange("year", 2000, 9999, y));
        var rows = await queries.RevisionsOfYearAsync(y, department, ct);
        var bytes = Csv(rows);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"plans-{y.ToString(CultureInfo.InvariantCulture)}{(department is null ? "" : "-" + department)}.csv\"";
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
        if (PublicPortal.NotModifiedOr(http, etag, null) is { } notModified) return notModified;
        return TypedResults.File(bytes, "text/csv; charset=utf-8");
    }

    /// <summary>One row per line of each published revision; the last revision of each plan is current. Cells are neutralized for spreadsheets.</summary>
    public static byte[] Csv(IReadOnlyList<PublishedPlanRow> rows)
    {
        using var stream = new MemoryStream();
        using (var w = new CsvUtf8Writer(stream, neutralizeFormulas: true))
        {
            foreach (var column in CsvColumns) w.WriteField(column);
            w.EndRow();
            var latest = rows.GroupBy(r => r.PlanId).ToDictionary(g => g.Key, g => g.Max(r => r.Revision));
            foreach (var r in rows)
            {
                foreach (var line in r.Lines)
                {
                    w.WriteField(r.PlanId);
                    w.WriteField(r.DepartmentCode);
                    w.WriteField(r.DepartmentName);
                    w.WriteAsciiField(r.Year.ToString(CultureInfo.InvariantCulture));
                    w.WriteAsciiField(r.Revision.ToString(CultureInfo.InvariantCulture));
                    w.WriteDateField(r.PublishedOn);
                    w.WriteAsciiField(latest[r.PlanId] == r.Revision ? "true" : "false");
                    w.WriteField(r.Reason);
                    w.WriteAsciiField(line.No.ToString(CultureInfo.InvariantCulture));
                    w.WriteField(line.DrawType);
                    w.WriteField(string.Join(',', line.Items));
                    w.WriteField(string.Join(';', line.Classes.Select(c => c.CreditClass + ":" + c.Text)));
                    w.WriteField(line.Frequency);
                    w.WriteAsciiField(line.Batches.ToString(CultureInfo.InvariantCulture));
                    w.WriteField(string.Join(',', line.Months));
                    w.WriteField(string.Join(',', line.JointDepartments));
                    w.WriteField(line.Note);
                    w.EndRow();
                }
            }
        }

        return stream.ToArray();
    }
}
