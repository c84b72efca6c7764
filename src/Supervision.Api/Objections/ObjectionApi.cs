using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Supervision.Api.Common;
using Supervision.Api.Credit;
using Supervision.Api.Identity;
using Supervision.Contracts;
using Supervision.Contracts.Objections;
using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Core.Objections;
using Supervision.Core.Registry;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Objections;

namespace Supervision.Api.Objections;

/// <summary>A statement or objection sent as JSON (no files); with files, the same fields as multipart/form-data plus <c>attachments</c>.</summary>
public sealed record ObjectionBody(string? ResultId, string? Kind, string? Reason);

public sealed record ObjectionDecisionBody(string? Decision, string? Reason);

/// <summary>A file of a submission as its readers see it (never the public).</summary>
public sealed record AttachmentView(string Sha256, string FileName, string MediaType, long SizeBytes);

/// <summary>A current published result of the entity, and until when it takes a statement or objection.</summary>
public sealed record OwnResultView(string ResultId, string TaskName, int Version, DateOnly PublishedOn, DateOnly ClosesOn, bool Open);

/// <summary>A submission as its entity reads it.</summary>
public sealed record EntityObjectionView(string Id, string Kind, string ResultId, string TaskName, string Reason, IReadOnlyList<AttachmentView> Attachments,
    string State, DateTimeOffset SubmittedAt, DateOnly? DueOn, bool Overdue, DateTimeOffset? DecidedAt, string? DecisionReason, int? AmendedVersion,
    DateOnly? AmendedOn);

/// <summary>The limits a submission's files keep.</summary>
public sealed record AttachmentLimits(int MaxFiles, long MaxBytes, IReadOnlyList<string> MediaTypes);

public sealed record EntityObjectionsView(string CreditCode, IReadOnlyList<OwnResultView> Results, IReadOnlyList<EntityObjectionView> Submissions, AttachmentLimits Limits);

/// <summary>A submission as the publishing department's staff read it.</summary>
public sealed record ObjectionView(string Id, string Kind, string ResultId, string InspectionId, int ResultVersion, string TaskName, string EntityCreditCode,
    string EntityName, string LeadDepartment, string Reason, IReadOnlyList<AttachmentView> Attachments, string State, DateTimeOffset SubmittedAt, DateOnly? DueOn,
    bool DueProvisional, bool Overdue, string? DecidedBy, DateTimeOffset? DecidedAt, string? DecisionReason, int? AmendedVersion, DateOnly? AmendedOn,
    bool AwaitsAmendment);

/// <summary>What the objection endpoints need, bundled (as eShop's services records).</summary>
public sealed record ObjectionServices(IGrainFactory Grains, ObjectionStore Store, ObjectionQueries Queries, EntityAccessLinks Links, WorkflowClock Clock,
    WorkingCalendar Calendar, IOptions<ObjectionOptions> Options);

/// <summary>
/// The entity's right of reply and objection (docs/objections.md). Through the signed link that opens its own credit page
/// an entity sends a statement (published beside the result at once) or an objection about one of its current published
/// results, with files, within the submission period; the department that published the result upholds (the team then
/// amends the result through the amendment path) or rejects it with a published reason.
/// </summary>
public static class ObjectionApi
{
    public static IEndpointRouteBuilder MapObjectionApi(this IEndpointRouteBuilder app)
    {
        var entity = app.MapGroup("/api/public/v1/entities/{creditCode}/objections").WithTags("Objections").AllowAnonymous();
        entity.MapGet("/", EntityList)
            .WithSummary("Through the entity's signed link (t): its current published results with the last day each takes a statement or objection, and its submissions with their outcome.");
        entity.MapPost("/", Submit).DisableAntiforgery()
            .Accepts<ObjectionBody>("application/json", "multipart/form-data")
            .WithSummary("Through the entity's signed link (t): a statement or an objection {resultId, kind: statement|objection, reason} about one of its published results, as JSON or multipart/form-data with files 'attachments' (PDF, JPEG, PNG). The same content again answers the first (200).");

        var staff = app.MapGroup("/api/objections").WithTags("Objections").RequireAuthorization(Policies.Staff);
        staff.MapGet("/", List).WithSummary("Statements and objections about results the caller's department published (admins: all): state=open (default) or all; with deadline and overdue flag.");
        staff.MapPost("/{id}/decision", Decide)
            .WithSummary("Uphold (the team then amends the result; the amended version, once published, is linked) or reject with a published reason {decision: uphold|reject, reason}. A repeat answers the same.");
        staff.MapGet("/{id}/attachments/{sha256}", Download).WithSummary("Download a file sent with a statement or objection of the caller's department.");
        return app;
    }

    private static async Task<Results<Ok<EntityObjectionsView>, ProblemHttpResult>> EntityList(string creditCode, string? t, HttpContext http, [AsParameters] ObjectionServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.Ok(await EntityViewAsync(code, s, ct));
    }

    /// <summary>What the entity's link shows of statements and objections (the API and the entity's page share it).</summary>
    public static async Task<EntityObjectionsView> EntityViewAsync(string code, ObjectionServices s, CancellationToken ct)
    {
        var today = s.Clock.Today;
        var o = s.Options.Value;
        var results = (await s.Queries.OwnResultsAsync(code, ct)).Select(r =>
        {
            var closes = ObjectionWorkflow.SubmissionClosesOn(s.Calendar, r.PublishedOn, o.SubmissionWorkingDays);
            return new OwnResultView(r.PublicationId, r.TaskName, r.Version, r.PublishedOn, closes, today <= closes);
        }).ToList();
        var mine = (await s.Queries.ForEntityAsync(code, ct)).Select(i =>
        {
            var x = i.Objection;
            return new EntityObjectionView(x.Id, x.Kind, x.PublicationId, i.TaskName, x.Reason, Attachments(x), x.State, x.SubmittedAt, x.DueOn, x.IsOverdueOn(today),
                x.DecidedAt, x.DecisionReason, x.AmendedVersion, x.AmendedOn);
        }).ToList();
        return new(code, results, mine, new(o.MaxAttachments, o.MaxAttachmentBytes, [.. AttachmentPolicy.DefaultMediaTypes.Order(StringComparer.Ordinal)]));
    }

    private static List<AttachmentView> Attachments(Objection o) => [.. o.Attachments.Select(a => new AttachmentView(a.Sha256, a.FileName, a.MediaType, a.SizeBytes))];

    private static async Task<Results<Created<EntityObjectionView>, Ok<EntityObjectionView>, ValidationProblem, ProblemHttpResult>> Submit(string creditCode, string? t, HttpContext http,
        [AsParameters] ObjectionServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!s.Links.IsValid(code, t)) return Problems.NotFound("entity", creditCode);
        var policy = s.Options.Value.ToPolicy();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBody(policy);
        ObjectionBody body;
        List<ObjectionUpload> uploads = [];
        var errors = new List<FieldError>();
        try
        {
            if (http.Request.HasFormContentType)
            {
                var form = await http.Request.ReadFormAsync(ct);
                body = new(form["resultId"].FirstOrDefault(), form["kind"].FirstOrDefault(), form["reason"].FirstOrDefault());
                uploads = await ReadUploadsAsync(form.Files, policy, errors, ct);
            }
            else
            {
                body = await http.Request.ReadFromJsonAsync<ObjectionBody>(ct) ?? new(null, null, null);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Validation(FieldError.TooLarge("attachments", MaxBody(policy), null, $"the files together exceed {MaxBody(policy)} bytes"));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException)
        {
            return Problems.Validation(FieldError.Unreadable("body", "is neither JSON {resultId, kind, reason} nor multipart/form-data"));
        }

        if (errors.Count > 0) return Problems.Validation(errors);
        var reply = await SubmitAsync(code, body, uploads, s.Grains);
        if (!reply.Succeeded) return Refusal(reply).Widen<Created<EntityObjectionView>, Ok<EntityObjectionView>>();
        var view = (await EntityViewAsync(code, s, ct)).Submissions.First(x => x.Id == reply.Objection!.Id);
        return reply.Status == CommandStatus.Created ? TypedResults.Created($"/api/public/v1/entities/{code}/objections", view) : TypedResults.Ok(view);
    }

    private static long MaxBody(AttachmentPolicy policy) => (policy.MaxFiles * policy.MaxBytes) + (64 * 1024);

    /// <summary>
    /// Reads the files of a form (an empty file part — no file chosen — is skipped): each within the size limit, of an
    /// allowed type, its bytes carrying that type's signature; a problem is an error naming <c>attachments[i]</c>.
    /// </summary>
    public static async Task<List<ObjectionUpload>> ReadUploadsAsync(IFormFileCollection files, AttachmentPolicy policy, List<FieldError> errors, CancellationToken ct)
    {
        var chosen = files.Where(f => f.Name == "attachments" && (f.Length > 0 || !string.IsNullOrEmpty(f.FileName))).ToList();
        if (chosen.Count > policy.MaxFiles)
        {
            errors.Add(FieldError.TooMany("attachments", policy.MaxFiles, chosen.Count, $"at most {policy.MaxFiles} files"));
            return [];
        }

        var uploads = new List<ObjectionUpload>();
        for (var i = 0; i < chosen.Count; i++)
        {
            var f = chosen[i];
            var field = $"attachments[{i}]";
            var type = f.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
            if (f.Length > policy.MaxBytes)
            {
                errors.Add(FieldError.TooLarge(field, policy.MaxBytes, f.Length, $"'{f.FileName}' is {f.Length} bytes; at most {policy.MaxBytes} bytes per file"));
                continue;
            }

            if (!policy.AllowedMediaTypes.Contains(type))
            {
                errors.Add(FieldError.NotAllowed(field, $"'{f.FileName}' is {type}; allowed: {string.Join(", ", policy.AllowedMediaTypes.Order(StringComparer.Ordinal))}",
                    type, policy.AllowedMediaTypes.Order(StringComparer.Ordinal)));
                continue;
            }

            using var buffer = new MemoryStream((int)f.Length);
            await f.CopyToAsync(buffer, ct);
            var bytes = buffer.ToArray();
            if (EvidencePolicy.ContentProblem(type, bytes.AsSpan(0, Math.Min(bytes.Length, EvidencePolicy.SniffBytes))) is { } sniffed)
            {
                errors.Add(FieldError.Mismatch(field, $"'{f.FileName}': {sniffed}"));
                continue;
            }

            uploads.Add(new ObjectionUpload(Path.GetFileName(f.FileName ?? "") is { Length: > 0 } name ? name : $"attachment-{i + 1}", type, bytes));
        }

        return uploads;
    }

    /// <summary>Sends a submission for an entity whose link was checked (the API and the entity's page share it).</summary>
    public static async Task<ObjectionReply> SubmitAsync(string code, ObjectionBody body, IReadOnlyList<ObjectionUpload> uploads, IGrainFactory grains)
    {
        // Result ids are "{taskId}/{creditCode}/v{version}": one of another entity is refused before any grain is asked.
        var resultId = body.ResultId?.Trim() ?? "";
        var cut = resultId.LastIndexOf("/v", StringComparison.Ordinal);
        if (resultId.Length is 0 or > 220 || cut <= 0 || !int.TryParse(resultId[(cut + 2)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            || !resultId[..cut].EndsWith("/" + code, StringComparison.Ordinal))
            return ObjectionReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.",
                [resultId.Length == 0 ? FieldError.Required("resultId", "is required: one of this entity's published results ({taskId}/{creditCode}/v{version})")
                    : FieldError.NotFound("resultId", resultId, "is not a published result of this entity")]);
        return await grains.GetGrain<IObjectionGrain>(resultId[..cut]).Submit(code, version, body.Kind, body.Reason, uploads);
    }

    private static async Task<Results<Ok<List<ObjectionView>>, ValidationProblem>> List(string? state, HttpContext http, [AsParameters] ObjectionServices s, CancellationToken ct)
    {
        if (state is not (null or "open" or "all")) return Problems.Validation(FieldError.UnknownValue("state", state, ["open", "all"], "must be 'open' or 'all'"));
        var actor = http.User.ToActor();
        var items = await s.Queries.ForDepartmentAsync(actor.IsAdmin ? null : actor.DepartmentCode ?? "", state != "all", ct);
        return TypedResults.Ok(items.Select(i => View(i, s)).ToList());
    }

    public static ObjectionView View(ObjectionListItem i, ObjectionServices s)
    {
        var o = i.Objection;
        return new(o.Id, o.Kind, o.PublicationId, o.InspectionId, o.ResultVersion, i.TaskName, o.EntityCreditCode, i.EntityName, o.LeadDepartment, o.Reason, Attachments(o),
            o.State, o.SubmittedAt, o.DueOn, o.DueOn is { } due && s.Calendar.IsProvisional(due), o.IsOverdueOn(s.Clock.Today), o.DecidedBy, o.DecidedAt,
            o.DecisionReason, o.AmendedVersion, o.AmendedOn, o.AwaitsAmendment);
    }

    private static async Task<Results<Ok<ObjectionView>, ValidationProblem, ProblemHttpResult>> Decide(string id, ObjectionDecisionBody? body, HttpContext http, [AsParameters] ObjectionServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var reply = await DecideAsync(id, body?.Decision, body?.Reason, actor, s, ct);
        if (!reply.Succeeded) return Refusal(reply).Widen<Ok<ObjectionView>>();
        return TypedResults.Ok(View((await s.Queries.GetAsync(id, ct))!, s));
    }

    /// <summary>A decision by staff (the API and the workbench page share it): another department's objection is not there for the caller.</summary>
    public static async Task<ObjectionReply> DecideAsync(string id, string? decision, string? reason, Core.Identity.Actor actor, ObjectionServices s, CancellationToken ct)
    {
        var objection = await s.Store.GetAsync(id, ct);
        if (objection is null || !ObjectionWorkflow.MayDecide(objection.LeadDepartment, actor)) return ObjectionReply.Refused(CommandStatus.NotFound, $"There is no objection '{id}'.");
        if (decision is not ("uphold" or "reject"))
            return ObjectionReply.Refused(CommandStatus.Invalid, "One or more fields are invalid.",
                [FieldError.UnknownValue("decision", decision, ["uphold", "reject"], "must be 'uphold' or 'reject'")]);
        return await s.Grains.GetGrain<IObjectionGrain>(objection.InspectionId).Decide(id, decision == "uphold", reason, actor);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Download(string id, string sha256, HttpContext http, [AsParameters] ObjectionServices s, CancellationToken ct)
    {
        var objection = await s.Store.GetAsync(id, ct);
        if (objection is null || !ObjectionWorkflow.MayDecide(objection.LeadDepartment, http.User.ToActor())) return Problems.NotFound("objection", id);
        if (await s.Queries.AttachmentAsync(id, sha256, ct) is not { } file) return Problems.NotFound("attachment", sha256);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(file.Content, file.File.MediaType, Inspections.EvidenceFileNames.Safe(file.File.FileName, sha256, file.File.MediaType));
    }

    private static Results<ValidationProblem, ProblemHttpResult> Refusal(ObjectionReply reply) =>
        Problems.Refusal(reply.Status, reply.Detail, reply.Errors, "The deadline cannot be computed");
}
