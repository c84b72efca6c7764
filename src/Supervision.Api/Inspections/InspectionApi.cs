using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Operations;
using Supervision.Core.Calendar;
using Supervision.Core.Operations;
using Supervision.Contracts.Inspections;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Inspections;
using Supervision.Infrastructure.Tasks;
using Supervision.Infrastructure.Notifications;
using Supervision.Core.Validation;

namespace Supervision.Api.Inspections;

public sealed record DraftRequest(IReadOnlyList<ItemResult>? Items);

public sealed record AmendRequest(IReadOnlyList<ItemResult>? Items, string? Reason);

public sealed record ReviewRequest(string? DepartmentCode, string? Reason);

/// <summary>The redaction step: the field to withhold from publication (reason, teamNames), the reason category (state-secret, commercial-secret, personal-data) and a note.</summary>
public sealed record RedactionRequest(string? Field, string? Category, string? Note);

public sealed record EntityProfile(string CreditCode, string Name, string EntityType, string IndustryCode, string DivisionCode, string Address,
    string LegalRepresentative, string Status, DateOnly? RegisteredOn);

public sealed record ItemView(string ItemCode, string DepartmentCode, InspectionMethod Method, IReadOnlyList<string> AllowedResultCodes);

public sealed record InspectionView(
    string Id, string TaskId, string EntityCreditCode, EntityProfile? Entity, string LeadDepartment, IReadOnlyList<string> ReviewingDepartments,
    InspectionState State, long Revision, DateOnly DueDate, IReadOnlyList<TeamMember> Team, IReadOnlyList<ItemView> Items,
    IReadOnlyList<ItemResult> Draft, IReadOnlyList<Signature> Signatures, int? CurrentVersion, int? PublishedVersion,
    IReadOnlyList<DepartmentApproval> Approvals, ReturnNote? LastReturn, InspectionFlags? Deadlines, IReadOnlyList<InspectionAction> AllowedActions,
    IReadOnlyList<PublishedOutcomeRow>? PreviousResults, IReadOnlyList<WithheldField> Withheld);

public sealed record SubmitView(SubmitReceipt Receipt, InspectionView Inspection);

public sealed record HistoryView(string Id, IReadOnlyList<ResultVersion> Versions, IReadOnlyList<ReturnNote> Returns,
    IReadOnlyList<DepartmentApproval> Approvals, int? PublishedVersion, IReadOnlyList<FollowUpRow> FollowUps);

public sealed record MyInspectionView(string Id, string TaskId, string EntityCreditCode, string EntityName, string DivisionCode, string State,
    DateOnly DueDate, bool Overdue, long Revision, DateTimeOffset UpdatedAt);

public sealed record DispatchView(string TaskId, int Created, int Existing, int Inspections, IReadOnlyList<string> InspectionIds);

public sealed record TaskProgressView(string TaskId, int Total, IReadOnlyDictionary<string, int> ByState, IReadOnlyList<MyInspectionView> Overdue,
    IReadOnlyList<TeamProgress> Teams);

/// <summary>What the inspection routes need, bundled (as eShop's services records).</summary>
public sealed record InspectionServices(IGrainFactory Grains, InspectionStore Store, InspectionQueries Queries, MarketEntityStore Entities, TaskQueries Tasks, InspectionRules Rules,
    WorkflowClock Clock);

/// <summary>
/// Inspections after dispatch (docs/workflow.md, "The service"). Inspection ids are "{taskId}/{creditCode}", so an
/// inspection's address is /api/inspections/{taskId}/{creditCode}. Writes go through the inspection's grain; lists
/// come from the read model. Everything here needs an account; who sees what is decided per inspection (team,
/// reviewers and schedulers of its departments, admins) and anyone else gets 404.
/// </summary>
public static class InspectionApi
{
    private const string One = "/api/inspections/{taskId}/{entity}";

    /// <summary>Dispatch as a long operation: its answer is the task's dispatched inspections.</summary>
    private static readonly LongOperation<Ok<DispatchView>> DispatchOperation = new(OperationKinds.Dispatch, Dispatched);

    public static IEndpointRouteBuilder MapInspectionApi(this IEndpointRouteBuilder app)
    {
        OperationApi.Answer(DispatchOperation);
        var tasks = app.MapGroup("/api/tasks").WithTags("Inspections");
        tasks.MapPost("/{id}/dispatch", Dispatch).WithMetadata(Hosting.LongOperationRoute.Instance).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Create one inspection per drawn entity with its drawn team and notify the teams; repeating creates nothing new. A long operation: 202 with its Location when it takes longer than the wait.");
        tasks.MapGet("/{id}/progress", Progress).RequireAuthorization(Policies.Staff)
            .WithSummary("Counts by state, overdue inspections and per-team progress of a dispatched task.");

        var my = app.MapGroup("/api/my").WithTags("Inspections").RequireAuthorization(Policies.Authenticated);
        my.MapGet("/inspections", Mine).WithSummary("The caller's own assignments (by inspector certificate); filters dueSoon, overdue, task, division.");
        my.MapGet("/notifications", Notifications).WithSummary("The caller's inbox: as inspector and as a member of a department.");

        var one = app.MapGroup(One).WithTags("Inspections").RequireAuthorization(Policies.Authenticated);
        one.MapGet("/", Get).WithSummary("The inspection with entity profile, items and the entity's earlier published results.");
        one.MapPut("/draft", SaveDraft).WithSummary("Save the team's results (If-Match: the revision). Changed content clears signatures.");
        one.MapPost("/sign", Sign).WithSummary("Sign the current draft (every team member signs).");
        one.MapPost("/submit", Submit).WithSummary("Submit the signed results (Idempotency-Key header; a retry returns the same receipt).");
        one.MapPost("/review/approve", Approve).WithSummary("Approve your department's items; complete when every owning department approved. With an Idempotency-Key header a retry answers the original result.");
        one.MapPost("/review/return", Return).WithSummary("Return to the team with a reason. With an Idempotency-Key header a retry answers the original result.");
        one.MapPost("/publish", Publish)
            .WithSummary("Publish the approved result (lead department). With an Idempotency-Key header a retry answers the original result.");
        one.MapPost("/redactions", Redact)
            .WithSummary("Withhold a field of the result from publication before it is published (reviewers of the lead department, admins): field (reason, teamNames), category (state-secret, commercial-secret, personal-data) and a note. The public record shows a 'withheld' marker with the category in its place; the text stays for the staff.");
        one.MapPost("/amend", Amend).WithSummary("Correct a submitted result: a new version with a reason; the history keeps every version.");
        one.MapGet("/history", History).WithSummary("Every submitted version, returns, approvals and follow-ups.");
        one.MapPost("/evidence", UploadEvidence).WithSummary("Upload one evidence file (raw body, Content-Type = media type); answers its content reference.");
        one.MapGet("/evidence/{sha256}", DownloadEvidence).WithSummary("Download an evidence file referenced by this inspection.");

        app.MapGet("/api/inspection-outcomes", Outcomes).WithTags("Inspections").RequireAuthorization(Policies.Staff)
            .WithSummary("The supervision.inspection-outcome events in commit order (after = last seq read).");
        return app;
    }

    private static IInspectionGrain Grain(IGrainFactory grains, string taskId, string entity) => grains.GetGrain<IInspectionGrain>($"{taskId}/{entity}");

    /// <summary>Dispatch as a long operation (<see cref="OperationApi.RunForTaskAsync"/>): its answer is the task's dispatched inspections.</summary>
    private static Task<Results<Ok<DispatchView>, Accepted<OperationView>, ProblemHttpResult>> Dispatch(string id, HttpContext http) =>
        OperationApi.RunForTaskAsync(http, DispatchOperation, id);

    /// <summary>A succeeded dispatch: the counts it recorded and every inspection of the task.</summary>
    private static async Task<Ok<DispatchView>> Dispatched(HttpContext http, Operation operation)
    {
        var store = http.RequestServices.GetRequiredService<InspectionQueries>();
        var counts = operation.ResultJson is { } json ? JsonSerializer.Deserialize<DispatchCounts>(json, JsonSerializerOptions.Web) : null;
        var ids = (await store.ListTaskAsync(operation.Target, http.RequestAborted)).Select(r => r.InspectionId).ToList();
        return TypedResults.Ok(new DispatchView(operation.Target, counts?.Created ?? 0, counts?.Existing ?? ids.Count, ids.Count, ids));
    }

    private sealed record DispatchCounts(int Created, int Existing);

    private static async Task<Results<Ok<TaskProgressView>, ProblemHttpResult>> Progress(string id, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        var task = await s.Tasks.GetAsync(id, ct);
        if (task is null) return Problems.NotFound("task", id);
        var actor = http.User.ToActor();
        if (!actor.IsAdmin && !(actor.DepartmentCode is { } d && task.DepartmentList.Contains(d, StringComparer.Ordinal)))
            return Problems.Forbidden($"Task '{id}' belongs to other departments.");
        var rows = await s.Queries.ListTaskAsync(id, ct);
        var today = s.Clock.Today;
        bool IsOpen(InspectionRow r) => InspectionQueries.OpenStates.Contains(r.State, StringComparer.Ordinal);
        bool IsOverdue(InspectionRow r) => IsOpen(r) && (r.Overdue || r.DueDate < today);
        var byState = Enum.GetNames<InspectionState>().ToDictionary(s => s, s => rows.Count(r => r.State == s), StringComparer.Ordinal);
        var teams = rows.GroupBy(r => r.Team, StringComparer.Ordinal)
            .Select(g => new TeamProgress(g.Key.Trim(','), g.Count(), g.Count(IsOpen),
                g.Count(r => r.State is nameof(InspectionState.Submitted) or nameof(InspectionState.UnderReview)),
                g.Count(r => r.State is nameof(InspectionState.Approved) or nameof(InspectionState.Published)), g.Count(IsOverdue)))
            .OrderBy(t => t.Team, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new TaskProgressView(id, rows.Count, byState, rows.Where(IsOverdue).Select(r => ToListView(r, today)).ToList(), teams));
    }

    private static async Task<Results<Ok<Page<MyInspectionView>>, ValidationProblem, ProblemHttpResult>> Mine(bool? dueSoon, bool? overdue, string? task, string? division,
        string? after, int? limit, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        var actor = http.User.ToActor();
        if (actor.InspectorCertificateNo is not { } cert)
            return Problems.Forbidden("Only inspectors have assignments: this account holds no inspector certificate.");
        if (division is not null && (division.Length is 0 or > 12 || !division.All(char.IsAsciiDigit)))
            return Problems.Validation(FieldError.Format("division", FieldFormats.Digits, "must be the digits of a division code or its prefix", division));
        var today = s.Clock.Today;
        DateOnly? dueBy = dueSoon == true ? s.Rules.DueSoonHorizon(today) ?? today.AddDays(7) : null;
        var rows = await s.Queries.ListMineAsync(cert, new MyInspectionFilter(task, division, dueBy, overdue == true, today), after, take, ct);
        return TypedResults.Ok(Paging.Of(rows.Select(r => ToListView(r, today)).ToList(), take, v => v.Id));
    }

    private static async Task<Results<Ok<Page<NotificationRow>>, ValidationProblem>> Notifications(long? after, int? limit, HttpContext http, [AsParameters] InspectionServices s,
        CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        var actor = http.User.ToActor();
        var recipients = new List<string>();
        if (actor.InspectorCertificateNo is { } cert) recipients.Add(Notification.Inspector(cert));
        if (actor.DepartmentCode is { } d && (actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer))) recipients.Add(Notification.Department(d));
        var rows = await s.Queries.NotificationsAsync(recipients, after, take, ct);
        return TypedResults.Ok(Paging.Of(rows, take, n => n.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static async Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Get(string taskId, string entity, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        var reply = await Grain(s.Grains, taskId, entity).Get(http.User.ToActor());
        if (!reply.Succeeded) return Refusal(reply, taskId, entity).Widen<Ok<InspectionView>>();
        return await Respond(reply, http, s, withExtras: true, ct);
    }

    private static async Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> SaveDraft(string taskId, string entity, DraftRequest request, HttpContext http, [AsParameters] InspectionServices s,
        CancellationToken ct)
    {
        if (await HiddenAsync(taskId, entity, http, s.Grains) is { } hidden) return hidden.Widen<Ok<InspectionView>>();
        if (ETags.IfMatch(http.Request) is not { } expected) return Problems.PreconditionRequired();
        if (request.Items is null) return Problems.Validation(FieldError.Required("items", "is required: the results of every item (an empty list clears the draft)"));
        if (await EvidenceErrors($"{taskId}/{entity}", request.Items, s.Queries, ct) is { Count: > 0 } errors) return Problems.Validation(errors);
        return await Command(taskId, entity, http, s, g => g.SaveDraft(request.Items, expected, http.User.ToActor()), ct);
    }

    private static Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Sign(string taskId, string entity, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct) =>
        Command(taskId, entity, http, s, g => g.Sign(http.User.ToActor()), ct);

    private static Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Publish(string taskId, string entity, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct) =>
        Command(taskId, entity, http, s, g => g.Publish(http.User.ToActor(), IdempotencyKey(http)), ct);

    private static async Task<Results<Ok<SubmitView>, ValidationProblem, ProblemHttpResult>> Submit(string taskId, string entity, HttpContext http,
        [AsParameters] InspectionServices s, CancellationToken ct)
    {
        if (await HiddenAsync(taskId, entity, http, s.Grains) is { } hidden) return hidden.Widen<Ok<SubmitView>>();
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (string.IsNullOrWhiteSpace(key) || key.Length > InspectionWorkflow.IdempotencyKeyMax)
            return Problems.Validation(FieldError.RequiredText("Idempotency-Key", key, InspectionWorkflow.IdempotencyKeyMax, $"the header is required (1–{InspectionWorkflow.IdempotencyKeyMax} characters): a retried submit with the same key returns the same result"));
        var reply = await Grain(s.Grains, taskId, entity).Submit(key, http.User.ToActor());
        if (!reply.Succeeded) return Refusal(reply, taskId, entity).Widen<Ok<SubmitView>>();
        ETags.Set(http.Response, reply.Inspection!.Revision);
        return TypedResults.Ok(new SubmitView(reply.Receipt!, await ViewAsync(reply, s, false, ct)));
    }

    /// <summary>
    /// 404 for a caller who may not see the inspection, before any header or body is looked at: a missing precondition
    /// or a bad evidence reference must not answer differently for an inspection the caller cannot see.
    /// </summary>
    private static async Task<Results<ValidationProblem, ProblemHttpResult>?> HiddenAsync(string taskId, string entity, HttpContext http, IGrainFactory grains)
    {
        var actor = http.User.ToActor();
        if (actor.Has(Roles.Auditor) && !actor.IsAdmin && !actor.Roles.Any(r => r is Roles.Scheduler or Roles.Reviewer or Roles.Inspector))
            return Problems.Forbidden("An auditor reads inspections; it changes none.");
        var reply = await Grain(grains, taskId, entity).Get(actor);
        return reply.Succeeded ? null : Refusal(reply, taskId, entity);
    }

    private static Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Approve(string taskId, string entity, ReviewRequest? request, HttpContext http, [AsParameters] InspectionServices s,
        CancellationToken ct) =>
        Command(taskId, entity, http, s, g => g.Approve(Blank(request?.DepartmentCode), http.User.ToActor(), IdempotencyKey(http)), ct);

    private static Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Return(string taskId, string entity, ReviewRequest? request, HttpContext http, [AsParameters] InspectionServices s,
        CancellationToken ct) =>
        Command(taskId, entity, http, s, g => g.Return(Blank(request?.DepartmentCode), request?.Reason ?? "", http.User.ToActor(), IdempotencyKey(http)), ct);

    private static Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Redact(string taskId, string entity, RedactionRequest? request, HttpContext http,
        [AsParameters] InspectionServices s, CancellationToken ct) =>
        Command(taskId, entity, http, s, g => g.Redact(request?.Field?.Trim(), request?.Category?.Trim(), request?.Note, http.User.ToActor()), ct);

    /// <summary>The optional Idempotency-Key header of a review action (approve, return, publish); the workflow checks its length.</summary>
    private static string? IdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var key) ? key.ToString() : null;

    private static async Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Amend(string taskId, string entity, AmendRequest request, HttpContext http, [AsParameters] InspectionServices s,
        CancellationToken ct)
    {
        // As for a draft: who may not see the inspection learns nothing from the evidence check (finding 6, on the amend path too).
        if (await HiddenAsync(taskId, entity, http, s.Grains) is { } hidden) return hidden.Widen<Ok<InspectionView>>();
        if (request.Items is null) return Problems.Validation(FieldError.Required("items", "is required: the corrected results of every item"));
        if (await EvidenceErrors($"{taskId}/{entity}", request.Items, s.Queries, ct) is { Count: > 0 } errors) return Problems.Validation(errors);
        return await Command(taskId, entity, http, s, g => g.Amend(request.Items, request.Reason ?? "", http.User.ToActor()), ct);
    }

    private static async Task<Results<Ok<HistoryView>, ValidationProblem, ProblemHttpResult>> History(string taskId, string entity, HttpContext http,
        [AsParameters] InspectionServices s, CancellationToken ct)
    {
        var reply = await Grain(s.Grains, taskId, entity).Get(http.User.ToActor());
        if (!reply.Succeeded) return Refusal(reply, taskId, entity).Widen<Ok<HistoryView>>();
        var insp = reply.Inspection!;
        ETags.Set(http.Response, insp.Revision);
        return TypedResults.Ok(new HistoryView(insp.InspectionId, insp.History, insp.Returns, insp.Approvals.Values.OrderBy(a => a.DepartmentCode, StringComparer.Ordinal).ToList(),
            insp.PublishedVersion, (await s.Queries.FollowUpsAsync(insp.InspectionId, ct)).MarkProvisional(s.Rules.Calendar)));
    }

    /// <summary>
    /// Streams the body through SHA-256 into a temporary file (bounded by the evidence policy), checks size, media type and
    /// that the bytes carry that type's signature, and stores it under its hash, linked to this inspection. Only team
    /// members upload. 201 when the file is new to this inspection, 200 when it was uploaded to it before — never telling
    /// whether the same bytes exist elsewhere.
    /// </summary>
    private static async Task<Results<Created<EvidenceRef>, Ok<EvidenceRef>, ValidationProblem, ProblemHttpResult>> UploadEvidence(string taskId, string entity,
        string? fileName, HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var reply = await Grain(s.Grains, taskId, entity).Get(actor);
        if (!reply.Succeeded) return Refusal(reply, taskId, entity).Widen<Created<EvidenceRef>, Ok<EvidenceRef>>();
        var insp = reply.Inspection!;
        if (!insp.Team.Any(m => m.CertificateNo == actor.InspectorCertificateNo || m.Username == actor.Username))
            return Problems.Forbidden($"Only the team of inspection {insp.InspectionId} uploads its evidence.");

        var policy = EvidencePolicy.Default;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = policy.MaxBytes + 1;
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        if (!policy.AllowedMediaTypes.Contains(mediaType))
            return Problems.Validation(FieldError.NotAllowed("Content-Type", $"'{mediaType}' is not allowed; allowed: {string.Join(", ", policy.AllowedMediaTypes.Order(StringComparer.Ordinal))}", mediaType, policy.AllowedMediaTypes.Order(StringComparer.Ordinal)));
        if (http.Request.ContentLength > policy.MaxBytes)
            return Problems.Validation(FieldError.TooLarge("body", policy.MaxBytes, http.Request.ContentLength));

        // Spooled to a temporary file while hashed, then streamed into the database: an upload never sits in memory whole.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var spool = new FileStream(Path.Combine(Path.GetTempPath(), "supervision-evidence-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        var chunk = new byte[81920];
        var head = new byte[EvidencePolicy.SniffBytes];
        var headLength = 0;
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (spool.Length + read > policy.MaxBytes)
                return Problems.Validation(FieldError.TooLarge("body", policy.MaxBytes));
            hash.AppendData(chunk, 0, read);
            if (headLength < head.Length)
            {
                var take = Math.Min(read, head.Length - headLength);
                chunk.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                headLength += take;
            }
            await spool.WriteAsync(chunk.AsMemory(0, read), ct);
        }

        // The bytes must be what the Content-Type says (an HTML page declared as image/png is refused).
        if (spool.Length > 0 && EvidencePolicy.ContentProblem(mediaType, head.AsSpan(0, headLength)) is { } sniffed)
            return Problems.Validation(FieldError.Mismatch("body", sniffed, other: "Content-Type"));

        var reference = new EvidenceRef(Convert.ToHexStringLower(hash.GetHashAndReset()), spool.Length, mediaType, string.IsNullOrWhiteSpace(fileName) ? null : fileName);
        var errors = new List<FieldError>();
        policy.Check([reference], "evidence", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.Select(e => e.Field switch
            {
                "evidence[0].mediaType" => e with { Field = "Content-Type" },
                "evidence[0].sizeBytes" => e with { Field = "body" },
                "evidence[0].fileName" => e with { Field = "fileName" },
                _ => e,
            }));
        }

        spool.Position = 0;
        var linked = await s.Store.SaveEvidenceAsync(new EvidenceUpload(reference.Sha256, reference.SizeBytes, reference.MediaType), spool, insp.InspectionId, actor, ct);
        var location = $"/api/inspections/{taskId}/{entity}/evidence/{reference.Sha256}";
        return linked ? TypedResults.Created(location, reference) : TypedResults.Ok(reference);
    }

    private static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> DownloadEvidence(string taskId, string entity, string sha256,
        HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        var reply = await Grain(s.Grains, taskId, entity).Get(http.User.ToActor());
        if (!reply.Succeeded) return Refusal(reply, taskId, entity).Widen<PushStreamHttpResult>();
        var insp = reply.Inspection!;
        // Reachable only when this inspection's results name the file and it was uploaded to this inspection.
        var reference = insp.Draft.Concat(insp.History.SelectMany(v => v.Results)).SelectMany(r => r.Evidence ?? []).LastOrDefault(e => e?.Sha256 == sha256);
        var info = reference is not null ? await s.Queries.EvidenceInfoAsync(insp.InspectionId, [sha256], ct) : null;
        if (info is null || !info.TryGetValue(sha256, out var file)) return Problems.NotFound("evidence file", sha256);
        http.Response.ContentLength = file.Size;
        // Content-addressed: the bytes behind a hash never change.
        http.Response.Headers.ETag = $"\"{sha256}\"";
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        // Never rendered by the browser: saved as a file, under a name that cannot be a path or hide its extension.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(EvidenceFileNames.Safe(reference!.FileName, sha256, file.MediaType));
        http.Response.Headers.ContentDisposition = disposition.ToString();
        return TypedResults.Stream(output => s.Queries.CopyEvidenceAsync(sha256, output, ct), file.MediaType);
    }

    private static async Task<Results<Ok<IReadOnlyList<InspectionOutcome>>, ValidationProblem, ProblemHttpResult>> Outcomes(string? inspection, long? after, int? limit,
        HttpContext http, [AsParameters] InspectionServices s, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        // Department staff read their departments' outcomes only (the same who-sees-what as the inspection itself);
        // admins read the whole feed.
        var actor = http.User.ToActor();
        if (!actor.IsAdmin && actor.DepartmentCode is null) return Problems.Forbidden("Your account has no department.");
        return TypedResults.Ok(await s.Queries.OutcomesAsync(inspection, after ?? 0, take, actor.IsAdmin ? null : actor.DepartmentCode, ct));
    }

    /// <summary>
    /// Every evidence reference must name a file uploaded to this inspection, with the same size and media type. A hash
    /// uploaded only to another inspection gets the same answer as one never uploaded: a draft cannot probe for files.
    /// </summary>
    private static async Task<List<FieldError>> EvidenceErrors(string inspectionId, IReadOnlyList<ItemResult>? items, InspectionQueries store, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (items is null) return errors;
        var refs = items.Select((r, i) => (r, i)).Where(x => x.r?.Evidence is not null)
            .SelectMany(x => x.r.Evidence.Select((e, k) => (e, path: $"items[{x.i}].evidence[{k}]"))).Where(x => x.e?.Sha256 is not null).ToList();
        var stored = await store.EvidenceInfoAsync(inspectionId, refs.Select(x => x.e.Sha256).Distinct(StringComparer.Ordinal).ToArray(), ct);
        foreach (var (e, path) in refs)
        {
            if (!stored.TryGetValue(e.Sha256, out var info)) errors.Add(FieldError.NotFound(path + ".sha256", e.Sha256, "no file with this SHA-256 was uploaded to this inspection: upload it here first"));
            else if (info.Size != e.SizeBytes) errors.Add(FieldError.Mismatch(path + ".sizeBytes", $"the stored file has {info.Size} bytes", value: info.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            else if (info.MediaType != e.MediaType) errors.Add(FieldError.Mismatch(path + ".mediaType", $"the stored file is {info.MediaType}", value: info.MediaType));
        }
        return errors;
    }

    private static async Task<Results<Ok<InspectionView>, ValidationProblem, ProblemHttpResult>> Command(string taskId, string entity, HttpContext http, InspectionServices s,
        Func<IInspectionGrain, Task<InspectionReply>> command, CancellationToken ct)
    {
        var reply = await command(Grain(s.Grains, taskId, entity));
        return reply.Succeeded ? await Respond(reply, http, s, withExtras: false, ct) : Refusal(reply, taskId, entity).Widen<Ok<InspectionView>>();
    }

    private static async Task<Ok<InspectionView>> Respond(InspectionReply reply, HttpContext http, InspectionServices s, bool withExtras, CancellationToken ct)
    {
        ETags.Set(http.Response, reply.Inspection!.Revision);
        return TypedResults.Ok(await ViewAsync(reply, s, withExtras, ct));
    }

    private static async Task<InspectionView> ViewAsync(InspectionReply reply, InspectionServices s, bool withExtras, CancellationToken ct)
    {
        var i = reply.Inspection!;
        EntityProfile? profile = null;
        IReadOnlyList<PublishedOutcomeRow>? previous = null;
        if (withExtras)
        {
            if (await s.Entities.GetAsync(i.EntityCreditCode, ct) is { } e)
            {
                // The credit class is confidential and not needed in the field.
                profile = new EntityProfile(e.CreditCode, e.Name, e.EntityType, e.IndustryCode, e.DivisionCode, e.Address, e.LegalRepresentative, e.Status, e.RegisteredOn);
            }
            previous = await s.Queries.PublishedResultsAsync(i.EntityCreditCode, i.InspectionId, ct);
        }

        return new InspectionView(i.InspectionId, i.TaskId, i.EntityCreditCode, profile, i.LeadDepartment, i.ReviewingDepartments, i.State, i.Revision, i.DueDate,
            i.Team, i.Items.Select(it => new ItemView(it.ItemCode, it.DepartmentCode, it.Method, it.AllowedResultCodes)).ToList(), i.Draft, i.Signatures,
            i.CurrentVersion?.Number, i.PublishedVersion, i.Approvals.Values.OrderBy(a => a.DepartmentCode, StringComparer.Ordinal).ToList(),
            i.Returns.IsEmpty ? null : i.Returns[^1], reply.Flags, InspectionWorkflow.AllowedActions(i.State), previous, i.Withheld);
    }

    private static MyInspectionView ToListView(InspectionRow r, DateOnly today) =>
        new(r.InspectionId, r.TaskId, r.EntityCreditCode, r.EntityName, r.DivisionCode, r.State, r.DueDate,
            InspectionQueries.OpenStates.Contains(r.State, StringComparer.Ordinal) && (r.Overdue || r.DueDate < today), r.Revision, r.UpdatedAt);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static ProblemHttpResult Unprocessable(string? detail) =>
        Problems.Status(StatusCodes.Status422UnprocessableEntity, "The request cannot be carried out", detail);

    /// <summary>Every refusal as RFC 9457 problem details.</summary>
    private static Results<ValidationProblem, ProblemHttpResult> Refusal(InspectionReply reply, string taskId, string entity) => reply.Status switch
    {
        InspectionReplyStatus.NotFound => Problems.NotFound("inspection", $"{taskId}/{entity}"),
        InspectionReplyStatus.Forbidden => Problems.Forbidden(reply.Detail ?? "Not allowed."),
        InspectionReplyStatus.Invalid => reply.Errors.Count > 0 ? Problems.Validation(reply.Errors) : Problems.Validation(FieldError.State("body", reply.Detail ?? "is invalid")),
        InspectionReplyStatus.PreconditionFailed => Problems.PreconditionFailed(reply.Inspection?.Revision ?? 0),
        InspectionReplyStatus.IllegalTransition => Problems.Status(StatusCodes.Status409Conflict, "Not allowed in the inspection's current state", reply.Detail,
            new Dictionary<string, object?>
            {
                ["currentState"] = reply.Inspection?.State.ToString(),
                ["allowedActions"] = reply.Inspection is { } i ? InspectionWorkflow.AllowedActions(i.State).Select(a => a.ToString()).ToArray() : [],
            }),
        InspectionReplyStatus.Conflict => Problems.Conflict(reply.Detail ?? "The inspection changed concurrently."),
        _ => Unprocessable(reply.Detail),
    };
}
