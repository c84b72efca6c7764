using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Hosting;
using Supervision.Api.Identity;
using Supervision.Api.Operations;
using Supervision.Contracts.Operations;
using Supervision.Core.Operations;
using Supervision.Api.Publication;
using Supervision.Contracts.Tasks;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Tasks;

public sealed record CancelBody(string? Reason);

/// <summary>A replacement request (draw-spec §8.1): the entity, the certificate of the member leaving its team, and the published reason.</summary>
public sealed record ReplacementBody(string? MemberId, string? CertificateNo, string? Reason);

public sealed record EntropyRequest(string? Witness, string? Value);

public sealed record BeaconRequest(string? Source, string? Value);

/// <summary>Asking to end a task whose draw has begun: why, and for a redraw the new beacon round.</summary>
public sealed record CancelRequestBody(string? Reason, bool? Redraw, NamedBeacon? Beacon);

/// <summary>A platform administrator's decision on a pending cancellation: "approve" or "reject" (with a note).</summary>
public sealed record CancelDecisionBody(string? Decision, string? Note);

/// <summary>A witness's commitment: SHA-256 hex of their contribution and a nonce (draw-spec §3.3), made in their browser.</summary>
public sealed record CommitmentRequest(string? Commitment);

/// <summary>A witness opens their commitment: the value and the nonce it was made with.</summary>
public sealed record RevealRequest(string? Value, string? Nonce);

/// <summary>A participating department's answer to a joint task: decision "accept" or "decline" (with a reason).</summary>
public sealed record ParticipationRequest(string? Department, string? Decision, string? Reason);

/// <summary>Where a participating department stands: pending, accepted or declined (with when and why).</summary>
public sealed record ParticipationView(string Department, string Decision, DateTimeOffset? At, string? Reason);

/// <summary>What anyone allowed to see a task sees: the plan and the public inputs of its draws. Nothing here is secret.</summary>
public sealed record TaskView(
    string Id, string Name, string Status, long Version, string LeadDepartment, IReadOnlyList<string> Departments,
    TaskDefinition Definition, DateTimeOffset? PublishedAt, PopulationView? Population, string? SecretCommitment,
    IReadOnlyList<EntropyEntry> Entropy, BeaconValue? Beacon, IReadOnlyList<string> AllowedActions, DateTimeOffset UpdatedAt,
    IReadOnlyList<ParticipationView> Participation)
{
    /// <summary>The witnessed seed ceremony (draw-spec §3.3) from the freeze on, with its phase; null for a v1 seed.</summary>
    public CeremonyView? Ceremony { get; init; }

    /// <summary>A request to end the task that waits for a platform administrator's approval.</summary>
    public CancelRequest? PendingCancel { get; init; }

    /// <summary>The last decided request to end the task (approved or rejected).</summary>
    public CancelDecision? CancelDecision { get; init; }

    /// <summary>The cancelled task this one redraws, and the task that redraws this one.</summary>
    public string? Replaces { get; init; }

    public string? ReplacedBy { get; init; }
}

/// <summary>A task's seed ceremony as shown: the phase (committing, revealing, ready) and the ceremony as recorded.</summary>
public sealed record CeremonyView(string Phase, Ceremony Record);

/// <summary>
/// What the freeze fixed and published, before any entropy: the population's hash and, from schema 0022 on, the hash of the
/// inspectors list the team draw will use (<c>frozenInspectorsSha256</c> in the pack; null for tasks frozen before).
/// </summary>
public sealed record PopulationView(string Sha256, long MemberCount, int Partitions, int DrawYear, int YearlyCap, IReadOnlyList<ExclusionCount> Excluded, DateTimeOffset FrozenAt,
    string? InspectorsSha256, string? ExclusionsSha256)
{
    /// <summary>The items whose object scope limited the population (empty: every item applies to every entity).</summary>
    public IReadOnlyList<ItemScope> Scope { get; init; } = [];
}

/// <summary>What the task routes need, bundled (as eShop's services records).</summary>
public sealed record TaskServices(IGrainFactory Grains, TaskQueries Queries, DrawSnapshotStore Snapshots, DrawDisclosure Disclosure, UserStore Users,
    ReferenceData Reference, TimeProvider Clock);

/// <summary>
/// Random-inspection tasks and their two draws. Writes go through the task's grain (schedulers of the lead department,
/// or admins); reads come from the draw_tasks read model. The public (anonymous) sees published tasks and, once a draw
/// is committed, its verification pack and population snapshot.
/// </summary>
public static class TaskApi
{
    /// <summary>The long commands, with what each route answers once its operation succeeded (also GET /api/operations/{id}/result).</summary>
    private static readonly LongOperation<Ok<TaskView>> FreezeOperation =
        new(OperationKinds.Freeze, async (http, o) => TypedResults.Ok(await ViewAsync(o.Target, http, Store(http))));

    private static readonly LongOperation<Results<ContentHttpResult, ProblemHttpResult>> DrawEntitiesOperation =
        new(OperationKinds.DrawEntities, (http, o) => SummaryResult(o.Target, Store(http), http.RequestAborted));

    private static readonly LongOperation<Results<FileContentHttpResult, ProblemHttpResult>> DrawInspectorsOperation =
        new(OperationKinds.DrawInspectors, (http, o) => PackResult(o.Target, http, Store(http), http.RequestAborted));

    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        OperationApi.Answer(FreezeOperation);
        OperationApi.Answer(DrawEntitiesOperation);
        OperationApi.Answer(DrawInspectorsOperation);
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks and draws");
        tasks.MapGet("/", List).AllowAnonymous().WithMetadata(TokenOptional.Instance).WithSummary("Tasks: your departments' tasks for staff, published tasks for everyone.");
        tasks.MapGet("/{id}", Get).AllowAnonymous().WithMetadata(TokenOptional.Instance)
            .WithSummary("One task: its plan and the public inputs of its draws. Published tasks for everyone; a draft for its departments' schedulers and reviewers, auditors and admins.");
        tasks.MapPost("/", Create).RequireAuthorization(Policies.Scheduling).WithSummary("Create a draft task (scheduler of the lead department).");
        tasks.MapPut("/{id}", Update).RequireAuthorization(Policies.Scheduling).WithSummary("Edit a draft; requires If-Match.");
        tasks.MapPost("/{id}/publish", Publish)
            .RequireAuthorization(Policies.Scheduling).WithSummary("Publish a draft (scheduler of the lead department): the public sees its plan from now on; the freeze comes next.");
        tasks.MapPost("/{id}/cancel", Cancel).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Cancel a draft or published task with a reason. Once its draw has begun, a task ends only through /cancel-requests.");
        tasks.MapPost("/{id}/cancel-requests", RequestCancel).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Ask to end a frozen or drawn task (lead's scheduler), with a reason; redraw: true with a new beacon round also plans it again once approved.");
        tasks.MapPost("/{id}/cancel-requests/decision", DecideCancel).RequireAuthorization(Policies.Admin)
            .WithSummary("A platform administrator other than the one who asked approves (decision: approve) or rejects (decision: reject, with a note) the pending request; an approved redraw answers the new draft's id in replacedBy.");
        tasks.MapPost("/{id}/participation", Participate).RequireAuthorization(Policies.Scheduling)
            .WithSummary("A participating department accepts or declines a joint task before the freeze (its schedulers); the freeze needs every acceptance.");
        tasks.MapPost("/{id}/freeze", Freeze).WithMetadata(LongOperationRoute.Instance)
            .RequireAuthorization(Policies.Scheduling)
            .WithSummary("Freeze the population snapshot and publish its hash and the secret's commitment. A long operation: 202 with its Location when it takes longer than the wait (Prefer: wait=N, respond-async).");
        tasks.MapPost("/{id}/entropy", AddEntropy).RequireAuthorization(Policies.EntropyContributors)
            .WithSummary("Record one witness's entropy (e.g. dice digits): the lead's scheduler for dice rolled in the room (witness named), or a witness under their own account (once per task, named from the account).");
        tasks.MapPost("/{id}/beacon", SetBeacon).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Record the value of the beacon round named in the task's plan (once, after the commitments closed, not before the round is due); for tasks planned before the witnessed ceremony, an optional beacon (source and value).");
        tasks.MapPost("/{id}/ceremony/commitments", Commit).RequireAuthorization(Policies.Witnesses)
            .WithSummary("A witness commits to a contribution under their own account: SHA-256 of the task, the value and a nonce (draw-spec §3.3), before anything is revealed.");
        tasks.MapPost("/{id}/ceremony/close", CloseCommitments)
            .RequireAuthorization(Policies.Scheduling)
            .WithSummary("Close the commitments (the lead's scheduler): enough witnesses, one from outside the lead department, before the beacon round is due.");
        tasks.MapPost("/{id}/ceremony/reveals", Reveal).RequireAuthorization(Policies.Witnesses)
            .WithSummary("A witness reveals the value and nonce of their commitment, after the close and before the beacon value is recorded.");
        tasks.MapPost("/{id}/draw/entities", DrawEntities).WithMetadata(LongOperationRoute.Instance).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Run the entity draw once; answers the committed draw's summary (repeating returns the same). The pack is GET /draw/pack. A long operation: 202 with its Location when it takes longer than the wait (Prefer: wait=N, respond-async).");
        tasks.MapPost("/{id}/draw/inspectors", DrawInspectors).WithMetadata(LongOperationRoute.Instance).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Run the inspector draw once; 422 names the entity that cannot be staffed. A long operation: 202 with its Location when it takes longer than the wait.");
        tasks.MapPost("/{id}/teams/replacements", ReplaceInspector).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Replace a member of a drawn team (lead's scheduler or admin), with a published reason: the rule of draw-spec §8.1 names the replacement. Before dispatch it changes the drawn team; after dispatch the inspection's team with it, in one transaction, while its results are not handed in. 409 otherwise, 422 when no one qualifies.");
        tasks.MapGet("/{id}/draw/pack", Pack).WithMetadata(LongTransfer.Instance, TokenOptional.Instance).AllowAnonymous().WithSummary("The verification pack (JSON) of the committed draws.");
        tasks.MapGet("/{id}/draw/population.csv", Population).WithMetadata(LongTransfer.Instance, TokenOptional.Instance).AllowAnonymous().WithSummary("The canonical population snapshot, streamed.");
        tasks.MapGet("/{id}/draw/members-key", MembersKey).RequireAuthorization(Policies.DrawAuditors)
            .WithSummary("The task's members key (64 hex digits, draw-spec §11.5) for a supervising auditor: with the full pack and the snapshot it checks the public pack's members file and seals. Every download is audited.");
        tasks.MapGet("/{id}/draw/inspectors.json", InspectorPool).WithMetadata(LongTransfer.Instance, TokenOptional.Instance).AllowAnonymous().WithSummary("The inspector pool file of the inspector draw.");
        return app;
    }

    private static TaskQueries Store(HttpContext http) => http.RequestServices.GetRequiredService<TaskQueries>();

    /// <summary>Staff who see all of the task: its departments' schedulers and reviewers, admins and auditors.</summary>
    internal static bool HasFullAccess(ClaimsPrincipal user, TaskRow row) => AccessFor(user, row) == TaskAccessLevel.Full;

    private static TaskAccessLevel AccessFor(ClaimsPrincipal user, TaskRow row) =>
        TaskAccess.For(user.Identity?.IsAuthenticated == true ? user.ToActor() : null, row.DepartmentList, row.PublishedAt is not null);

    /// <summary>404 for the anonymous public (a draft's existence is nobody's business), 403 for signed-in users of other departments.</summary>
    private static ProblemHttpResult Denied(ClaimsPrincipal user, string id) => user.Identity?.IsAuthenticated == true
        ? Problems.Forbidden($"Task '{id}' belongs to other departments and is not published.")
        : Problems.NotFound("task", id);

    private static async Task<Results<Ok<Page<TaskView>>, ValidationProblem>> List(string? status, string? after, int? limit, HttpContext http, [AsParameters] TaskServices s,
        CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem)) return problem!;
        string? department = null;
        var publicOnly = true;
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var actor = http.User.ToActor();
            if (actor.IsAdmin || actor.Has(Roles.Auditor)) publicOnly = false;
            else if ((actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer)) && actor.DepartmentCode is not null)
            {
                department = actor.DepartmentCode;
                publicOnly = false;
            }
        }
        var rows = await s.Queries.ListAsync(department, publicOnly, status, after, take, ct);
        return TypedResults.Ok(Paging.Of(rows.Select(ToView).ToArray(), take, v => v.Id));
    }

    private static async Task<Results<Ok<TaskView>, ProblemHttpResult>> Get(string id, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var row = await s.Queries.GetAsync(id, ct);
        if (row is null) return Problems.NotFound("task", id);
        if (AccessFor(http.User, row) == TaskAccessLevel.None) return Denied(http.User, id);
        ETags.Set(http.Response, row.Version);
        return TypedResults.Ok(ToView(row));
    }

    private static async Task<Results<Created<TaskView>, ValidationProblem, ProblemHttpResult>> Create(TaskDraft draft, HttpContext http, [AsParameters] TaskServices s)
    {
        var (definition, errors) = TaskDefinitions.Normalize(draft, s.Reference, DateOnly.FromDateTime(s.Clock.GetUtcNow().UtcDateTime), s.Clock.GetUtcNow());
        if (definition is null) return Problems.Validation(errors);
        var id = "T" + s.Clock.GetUtcNow().ToString("yyyyMMdd", CultureInfo.InvariantCulture) + RandomNumberGenerator.GetHexString(8);
        var reply = await s.Grains.GetGrain<ITaskGrain>(id).Create(definition, http.User.ToActor());
        if (Refusal(reply, id) is { } refusal) return refusal.Widen<Created<TaskView>>();
        return TypedResults.Created($"/api/tasks/{id}", await ViewAsync(id, http, s.Queries));
    }

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Update(string id, TaskDraft draft, HttpContext http, [AsParameters] TaskServices s)
    {
        if (ETags.IfMatch(http.Request) is not { } expected) return Problems.PreconditionRequired();
        var (definition, errors) = TaskDefinitions.Normalize(draft, s.Reference, DateOnly.FromDateTime(s.Clock.GetUtcNow().UtcDateTime), s.Clock.GetUtcNow());
        if (definition is null) return Problems.Validation(errors);
        return await Respond(await s.Grains.GetGrain<ITaskGrain>(id).Update(definition, expected, http.User.ToActor()), id, http, s.Queries);
    }

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Publish(string id, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.Publish(http.User.ToActor()));

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> CloseCommitments(string id, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.CloseCommitments(http.User.ToActor()));

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Cancel(string id, CancelBody request, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.Cancel(request.Reason ?? "", http.User.ToActor()));

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> AddEntropy(string id, EntropyRequest request, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var witness = request.Witness ?? "";
        if (actor.Has(Roles.Witness) && !actor.IsAdmin && !actor.Has(Roles.Scheduler))
        {
            // A witness is who their account says: the name is not typed.
            if (!string.IsNullOrWhiteSpace(request.Witness))
                return Problems.Validation(FieldError.NotAllowed("witness", "is taken from your account; leave it out"));
            witness = await WitnessNameAsync(actor, s.Users, ct);
        }

        return await Command(id, http, s, t => t.AddEntropy(new EntropyEntry(witness, request.Value ?? ""), actor));
    }

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> RequestCancel(string id, CancelRequestBody body, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.RequestCancel(body.Reason ?? "", body.Redraw ?? false, body.Beacon, http.User.ToActor()));

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> ReplaceInspector(string id, ReplacementBody body, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.ReplaceInspector(body.MemberId ?? "", body.CertificateNo ?? "", body.Reason ?? "", http.User.ToActor()));

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> DecideCancel(string id, CancelDecisionBody body, HttpContext http, [AsParameters] TaskServices s)
    {
        if (body.Decision is not ("approve" or "reject"))
            return Problems.Validation(FieldError.UnknownValue("decision", null, ["approve", "reject"], "must be 'approve' or 'reject'"));
        return await Command(id, http, s, t => t.DecideCancel(body.Decision == "approve", body.Note, http.User.ToActor()));
    }

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Commit(string id, CommitmentRequest request, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var witness = await WitnessNameAsync(actor, s.Users, ct);
        return await Command(id, http, s, t => t.CommitEntropy(witness, request.Commitment ?? "", actor));
    }

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Reveal(string id, RevealRequest request, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var witness = await WitnessNameAsync(actor, s.Users, ct);
        return await Command(id, http, s, t => t.RevealEntropy(witness, request.Value ?? "", request.Nonce ?? "", actor));
    }

    /// <summary>A witness is who their account says ("display name (username)"); the name is never typed.</summary>
    private static async Task<string> WitnessNameAsync(Actor actor, UserStore users, CancellationToken ct)
    {
        var account = await users.FindAsync(actor.Username, ct);
        return EntropyWitness.Name(account?.DisplayName ?? actor.Username, actor.Username);
    }

    private static Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> SetBeacon(string id, BeaconRequest request, HttpContext http, [AsParameters] TaskServices s) =>
        Command(id, http, s, t => t.SetBeacon(new BeaconValue(request.Source ?? "", request.Value ?? ""), http.User.ToActor()));

    private static Task<Results<Ok<TaskView>, Accepted<OperationView>, ProblemHttpResult>> Freeze(string id, HttpContext http) =>
        OperationApi.RunForTaskAsync(http, FreezeOperation, id);

    private static Task<Results<Results<ContentHttpResult, ProblemHttpResult>, Accepted<OperationView>, ProblemHttpResult>> DrawEntities(string id, HttpContext http) =>
        OperationApi.RunForTaskAsync(http, DrawEntitiesOperation, id);

    private static Task<Results<Results<FileContentHttpResult, ProblemHttpResult>, Accepted<OperationView>, ProblemHttpResult>> DrawInspectors(string id, HttpContext http) =>
        OperationApi.RunForTaskAsync(http, DrawInspectorsOperation, id);

    /// <summary>
    /// The task's staff and auditors get the full pack, with each member's class (draw-spec §9), and the download is on
    /// the record; everyone else the class-free public pack (§11.3).
    /// </summary>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pack(string id, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var row = await s.Queries.GetAsync(id, ct);
        if (row is null) return Problems.NotFound("task", id);
        var access = AccessFor(http.User, row);
        if (access == TaskAccessLevel.None) return Denied(http.User, id);
        if (access == TaskAccessLevel.Public)
        {
            var pack = await s.Disclosure.PublicPackAsync(row, ct);
            return pack is null ? NoDrawYet(id, "entity draw")
                : TypedResults.Bytes(JsonSerializer.SerializeToUtf8Bytes(pack, DrawPacks.JsonOptions), "application/json; charset=utf-8");
        }
        if (await s.Queries.RecordExistsAsync(id, DrawRecordRow.EntityKind, ct)) await s.Disclosure.AuditedAsync(row, http.User.ToActor(), "draw.pack-read", ct);
        return await PackResult(id, http, s.Queries, ct);
    }

    /// <summary>
    /// The committed entity draw in short (counts, hashes, the revealed secret, links to the pack and the snapshot): the
    /// pack itself can be tens of megabytes and is fetched with GET /draw/pack.
    /// </summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> SummaryResult(string id, TaskQueries store, CancellationToken ct)
    {
        var found = await store.EntityDrawSummaryAsync(id, ct);
        return found is { } f ? TypedResults.Text(JsonSerializer.Serialize(f.Summary, DrawPacks.JsonOptions), "application/json") : NoDrawYet(id, "entity draw");
    }

    /// <summary>The pack as committed: the entity record, with the inspector section once that draw is committed too.</summary>
    /// <remarks>
    /// The entity pack is stored as one gzip member (0012). Before the inspector draw, a client that accepts gzip gets
    /// those stored bytes as they are, with <c>Content-Encoding: gzip</c> (its HTTP stack decodes them to the same JSON
    /// text); any other client gets the decoded text. The JSON bytes, and so what a verifier reads, do not change.
    /// </remarks>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PackResult(string id, HttpContext http, TaskQueries store, CancellationToken ct)
    {
        var entity = await store.GetRecordAsync(id, DrawRecordRow.EntityKind, ct);
        if (entity is null) return NoDrawYet(id, "entity draw");
        var inspector = await store.GetRecordAsync(id, DrawRecordRow.InspectorKind, ct);
        if (inspector is not null)
        {
            var pack = JsonSerializer.Deserialize<DrawPack>(entity.RecordUtf8(), DrawPacks.JsonOptions)!;
            var section = JsonSerializer.Deserialize<InspectorDrawSection>(inspector.RecordText(), DrawPacks.JsonOptions)!;
            var replacements = await store.ReplacementsAsync(id, ct);
            if (replacements.Count > 0) section = section with { Replacements = replacements };
            return TypedResults.Bytes(DrawPacks.ToJsonUtf8(pack with { InspectorDraw = section }), "application/json; charset=utf-8");
        }
        http.Response.Headers.Vary = "Accept-Encoding";
        if (entity.RecordGzip is { } gzip && AcceptsGzip(http.Request))
        {
            http.Response.Headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(gzip, "application/json; charset=utf-8");
        }
        return TypedResults.Bytes(entity.RecordUtf8(), "application/json; charset=utf-8");
    }

    /// <summary>Whether Accept-Encoding lists gzip with a non-zero quality.</summary>
    internal static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            foreach (var part in (value ?? "").Split(','))
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                if (!pieces[0].Equals("gzip", StringComparison.OrdinalIgnoreCase)) continue;
                var refused = pieces.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
                if (!refused) return true;
            }
        }
        return false;
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Population(string id, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var row = await s.Queries.GetAsync(id, ct);
        if (row is null) return Problems.NotFound("task", id);
        var access = AccessFor(http.User, row);
        if (access == TaskAccessLevel.None) return Denied(http.User, id);
        // The snapshot names every member's credit class: the task's staff and auditors only, each download on the record.
        // The public checks the draw with the class-free pack and members file (draw-spec §11).
        if (access == TaskAccessLevel.Public)
            return Problems.Forbidden($"The population snapshot of task '{id}' names each member's credit class, which is confidential. "
                + $"Check the draw with /api/public/v1/tasks/{id}/pack and /api/public/v1/tasks/{id}/members.csv.");
        if (row.PopulationSha256 is null) return NoDrawYet(id, "frozen population");
        await s.Disclosure.AuditedAsync(row, http.User.ToActor(), "draw.population-read", ct);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}-population.csv\"";
        http.Response.Headers["X-Population-Sha256"] = row.PopulationSha256;
        return TypedResults.Stream(body => s.Snapshots.StreamSnapshotAsync(id, bytes => body.WriteAsync(bytes, ct), ct), "text/csv; charset=utf-8");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> MembersKey(string id, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var row = await s.Queries.GetAsync(id, ct);
        if (row is null) return Problems.NotFound("task", id);
        if (!await s.Queries.RecordExistsAsync(id, DrawRecordRow.EntityKind, ct)) return NoDrawYet(id, "entity draw");
        string? key;
        try
        {
            key = await s.Disclosure.MembersKeyForAuditorAsync(row, http.User.ToActor(), ct);
        }
        catch (MembersKeyUnavailableException e)
        {
            return DrawDisclosure.Unavailable(http, e);
        }
        return key is null
            ? Problems.Status(StatusCodes.Status404NotFound, "No members key", $"Task '{id}' was frozen before members were committed.")
            : TypedResults.Text(key + "\n", "text/plain");
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> InspectorPool(string id, HttpContext http, [AsParameters] TaskServices s, CancellationToken ct)
    {
        var row = await s.Queries.GetAsync(id, ct);
        if (row is null) return Problems.NotFound("task", id);
        if (AccessFor(http.User, row) == TaskAccessLevel.None) return Denied(http.User, id);
        var record = await s.Queries.GetRecordAsync(id, DrawRecordRow.InspectorKind, ct);
        return record?.PoolJson is { } pool ? TypedResults.Text(pool, "application/json") : NoDrawYet(id, "inspector draw");
    }

    private static ProblemHttpResult NoDrawYet(string id, string what) =>
        Problems.Status(StatusCodes.Status404NotFound, $"No {what} yet", $"Task '{id}' has no committed {what}.");

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Command(string id, HttpContext http, TaskServices s, Func<ITaskGrain, Task<TaskReply>> command) =>
        await Respond(await command(s.Grains.GetGrain<ITaskGrain>(id)), id, http, s.Queries);

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Respond(TaskReply reply, string id, HttpContext http, TaskQueries store) =>
        Refusal(reply, id) is { } refusal ? refusal.Widen<Ok<TaskView>>() : TypedResults.Ok(await ViewAsync(id, http, store));

    /// <summary>The task as it stands after a successful command, its version as the ETag.</summary>
    private static async Task<TaskView> ViewAsync(string id, HttpContext http, TaskQueries store)
    {
        var row = await store.GetAsync(id) ?? throw new InvalidOperationException($"task {id} vanished after a successful command");
        ETags.Set(http.Response, row.Version);
        return ToView(row);
    }

    /// <summary>Every refusal as RFC 9457 problem details (<see cref="OperationProblems"/>); null when the command succeeded.</summary>
    private static Results<ValidationProblem, ProblemHttpResult>? Refusal(TaskReply reply, string id)
    {
        if (OperationProblems.For(reply, id) is not { } problem) return null;
        return problem.Status == StatusCodes.Status400BadRequest ? Problems.Validation(reply.Errors) : OperationApi.ToResult(problem);
    }

    private static TaskView ToView(TaskRow row)
    {
        var freeze = row.Freeze;
        var population = row.PopulationSha256 is null || freeze is null
            ? null
            : new PopulationView(row.PopulationSha256, row.PopulationCount ?? 0, row.PartitionCount ?? 1, freeze.DrawYear, freeze.YearlyCap, freeze.Excluded, freeze.FrozenAt,
                row.InspectorsSha256, freeze.ExclusionsSha256) { Scope = freeze.Scope ?? [] };
        return new TaskView(row.TaskId, row.Name, row.Status, row.Version, row.LeadDepartment, row.DepartmentList, row.Definition, row.PublishedAt,
            population, row.SecretCommitment, row.Entropy, row.Beacon, TaskStates.AllowedActions(row.Status), row.UpdatedAt,
            [.. row.Definition.ParticipatingDepartments.Select(d => row.Participation.TryGetValue(d, out var a)
                ? new ParticipationView(d, a.Decision, a.At, a.Reason)
                : new ParticipationView(d, "pending", null, null))])
        {
            Ceremony = row.Ceremony is { } ceremony ? new CeremonyView(ceremony.Phase, ceremony) : null,
            PendingCancel = row.PendingCancel,
            CancelDecision = row.CancelDecision,
            Replaces = row.Replaces,
            ReplacedBy = row.ReplacedBy,
        };
    }

    private static async Task<Results<Ok<TaskView>, ValidationProblem, ProblemHttpResult>> Participate(string id, ParticipationRequest request, HttpContext http, [AsParameters] TaskServices s)
    {
        var actor = http.User.ToActor();
        var department = string.IsNullOrWhiteSpace(request.Department) ? actor.DepartmentCode : request.Department.Trim();
        if (department is null) return Problems.Validation(FieldError.Required("department", "is required for an account without a department"));
        bool accept;
        switch (request.Decision)
        {
            case "accept": accept = true; break;
            case "decline": accept = false; break;
            default: return Problems.Validation(FieldError.UnknownValue("decision", null, ["accept", "decline"], "must be \"accept\" or \"decline\""));
        }

        return await Respond(await s.Grains.GetGrain<ITaskGrain>(id).Participate(department, accept, request.Reason, actor), id, http, s.Queries);
    }
}
