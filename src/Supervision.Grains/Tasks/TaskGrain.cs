using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Supervision.Contracts.Inspections;
using Supervision.Contracts.Tasks;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Core.Tasks;
using Supervision.Core.Text;
using Supervision.Core.Operations;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Operations;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Grains.Tasks;

/// <summary>Tunables of the draw service, bound from the configuration section "Supervision:Draw" (docs/operations.md).</summary>
public sealed class DrawServiceOptions
{
    public const string Section = "Supervision:Draw";

    /// <summary>Members per partition worker call (rounded down to whole snapshot chunks of <see cref="FreezeRules.ChunkSize"/>).</summary>
    public int PartitionSize { get; set; } = 524_288;

    /// <summary>The yearly cap per entity per item when neither the task nor its lead department sets one.</summary>
    public int DefaultYearlyCap { get; set; } = 1;

    /// <summary>Witnesses who must commit before a task's commitments can close (draw-spec §3.3); one of them from outside the lead department.</summary>
    public int MinimumWitnesses { get; set; } = 2;

    /// <summary>
    /// Working days after a task's entity list arrives (its entity draw commits) by which its inspectors are to be matched
    /// (the team draw committed): the matching deadline, with reminders to the lead department (docs/draw-service.md).
    /// </summary>
    public int MatchingWorkingDays { get; set; } = Core.Tasks.MatchingPolicy.Default.WorkingDays;

    /// <summary>A file of 32 random bytes, the same on every silo, that seals draw secrets in grain storage (<see cref="DrawSecretProtector"/>); empty: not sealed.</summary>
    public string? SecretKeyFile { get; set; }
}

/// <summary>
/// The time the seed ceremony is judged by (the close before the beacon round is due, the beacon value not before it):
/// the platform's clock, a seam of its own so that tests can let a round fall due without waiting for it.
/// </summary>
public sealed class CeremonyClock(TimeProvider time)
{
    public DateTimeOffset Now => time.GetUtcNow();
}

/// <summary>
/// A seam for tests to fail a draw between the computation and the commit (a crash there must leave nothing).
/// Production registers <see cref="NoDrawFaults"/>.
/// </summary>
public interface IDrawFaults
{
    /// <summary>Called with the record about to be committed (its JSON as UTF-8); throwing aborts the draw before anything is written.</summary>
    ValueTask BeforeCommitAsync(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8);

    /// <summary>Called by a partition worker after it read its chunks and before it scans them (a crash there is a silo dying mid-scan).</summary>
    ValueTask DuringScanAsync(string taskId, int firstChunk) => ValueTask.CompletedTask;
}

public sealed class NoDrawFaults : IDrawFaults
{
    public ValueTask BeforeCommitAsync(string taskId, string kind, ReadOnlyMemory<byte> recordUtf8) => ValueTask.CompletedTask;
}

/// <summary>The only thing the task keeps outside the database: the server secret, until the entity draw reveals it.</summary>
[GenerateSerializer, Alias("supervision.task-state")]
public sealed class TaskSecretState
{
    [Id(0)] public byte[]? Secret { get; set; }

    [Id(1)] public string? Commitment { get; set; }

    /// <summary>The secret sealed with the silos' key (<see cref="DrawSecretProtector"/>); then <see cref="Secret"/> is null.</summary>
    [Id(2)] public byte[]? Sealed { get; set; }

    /// <summary>The members key of draw-spec §11.1 (never revealed: it hides each member's class), or sealed in <see cref="SealedMembersKey"/>.</summary>
    [Id(3)] public byte[]? MembersKey { get; set; }

    [Id(4)] public byte[]? SealedMembersKey { get; set; }
}

/// <summary>
/// One task's state machine. The draw_tasks row is re-read at the start of every command, so the grain always acts on
/// what is committed (a reactivated grain, or one whose last write failed half-way, reconciles from the table). Each
/// transition is one transaction: row (version-checked) + its tables + audit line.
/// </summary>
public sealed class TaskGrain(
    [PersistentState("task", "state")] IPersistentState<TaskSecretState> secret,
    TaskRepository store,
    DrawSnapshotStore snapshots,
    TaskQueries queries,
    DepartmentStore departments,
    InspectionItemStore items,
    Core.Reference.ReferenceData reference,
    DrawServiceOptions options,
    IDrawFaults faults,
    CeremonyClock ceremonyClock,
    OperationStore operations,
    DrawSecretProtector protector,
    MatchingDeadline matching,
    Infrastructure.Plans.PlanRepository plans,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    private string Id => this.GetPrimaryKeyString();

    /// <summary>Tells the operation running this command, if one does, where it is. Best effort: progress is information.</summary>
    private async Task ReportAsync(string kind, string phase, long done = 0, long total = 0)
    {
        try
        {
            await operations.ReportAsync(kind, Id, new OperationProgress(phase, done, total));
        }
        catch (Exception e)
        {
            if (logger.IsEnabled(LogLevel.Debug)) logger.LogDebug(e, "Task {Task}: progress of {Kind} not recorded", Id, kind);
        }
    }

    public Task<TaskReply> Create(TaskDefinition definition, Actor actor) => CreateAsync(definition, null, actor);

    public async Task<TaskReply> CreateRedraw(TaskDefinition definition, string replaces, Actor actor)
    {
        // Idempotent: an approval retried after a crash finds the redraw it created.
        if (await store.GetAsync(Id) is { } existing && existing.Replaces == replaces) return TaskReply.Ok(existing.Status, existing.Version);
        return await CreateAsync(definition, replaces, actor);
    }

    private async Task<TaskReply> CreateAsync(TaskDefinition definition, string? replaces, Actor actor)
    {
        if (!actor.CanActFor(Roles.Scheduler, definition.LeadDepartment))
            return TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{definition.LeadDepartment}' (or platform admins) create its tasks.");
        if (await store.GetAsync(Id) is { } existing)
            return TaskReply.Illegal(existing.Status, "create");
        // A redraw carries out the line its cancelled task did, whatever the plan became since.
        var errors = await CheckReferencesAsync(definition, checkPlan: replaces is null);
        if (errors.Count > 0) return TaskReply.Invalid(errors);
        var now = store.Clock.GetUtcNow();
        var row = new TaskRow
        {
            TaskId = Id,
            Name = definition.Name,
            LeadDepartment = definition.LeadDepartment,
            Departments = string.Join(',', definition.Departments),
            Status = TaskStates.Draft,
            Version = 1,
            DefinitionJson = TaskRow.ToJson(definition),
            Replaces = replaces,
            CreatedBy = actor.Username,
            CreatedAt = now,
            UpdatedAt = now,
        };
        return await store.InsertAsync(row, actor)
            ? TaskReply.Ok(row.Status, row.Version, TaskReplyStatus.Created)
            : TaskReply.Illegal(TaskStates.Draft, "create");
    }

    public async Task<TaskReply> Update(TaskDefinition definition, long expectedVersion, Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "edit");
        if (refusal is not null) return refusal;
        if (row!.Version != expectedVersion)
            return new TaskReply(TaskReplyStatus.VersionMismatch, "The task changed since it was read.", [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        if (definition.LeadDepartment != row.LeadDepartment)
            return TaskReply.Invalid([FieldError.CannotChange("leadDepartment", "cannot change; create a new task for another lead department")]);
        var errors = await CheckReferencesAsync(definition);
        if (errors.Count > 0) return TaskReply.Invalid(errors);
        // The participating departments accepted the task as it was: a changed definition asks them again.
        var definitionJson = TaskRow.ToJson(definition);
        return await MoveAsync(row, r => r with
        {
            Name = definition.Name,
            Departments = string.Join(',', definition.Departments),
            DefinitionJson = definitionJson,
            ParticipationJson = definitionJson == r.DefinitionJson ? r.ParticipationJson : "{}",
        }, actor, "task.update");
    }

    public async Task<TaskReply> Publish(Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "publish");
        return refusal ?? await MoveAsync(row!, r => r with { Status = TaskWorkflow.After(r.Status, "publish"), PublishedAt = store.Clock.GetUtcNow() }, actor, "task.publish");
    }

    public async Task<TaskReply> Cancel(string reason, Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "cancel");
        if (refusal is not null)
        {
            // After the draw began, one person alone cannot end it: say how it is done.
            return refusal.CurrentState is TaskStates.Frozen or TaskStates.EntitiesDrawn
                ? refusal with { Detail = $"The draw of this task has begun ({refusal.CurrentState}): it ends only by a request with a reason that a platform administrator other than you approves — POST /api/tasks/{Id}/cancel-requests." }
                : refusal;
        }
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 1000)
            return TaskReply.Invalid([FieldError.RequiredText("reason", reason, 1000, "is required, at most 1000 characters")]);
        if (TextRules.Error("reason", reason, multiLine: true) is { } badReason) return TaskReply.Invalid([badReason]);
        return await MoveAsync(row!, r => r with { Status = TaskWorkflow.After(r.Status, "cancel") }, actor, "task.cancel", reason.Trim(),
            release: row!.Status == TaskStates.EntitiesDrawn);
    }

    public async Task<TaskReply> RequestCancel(string reason, bool redraw, NamedBeacon? beacon, Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "request-cancel");
        if (refusal is not null) return refusal;
        if (row!.PendingCancel is { } pending)
            return new TaskReply(TaskReplyStatus.IllegalTransition, $"A request to cancel this task ({pending.RequestedAt:yyyy-MM-dd HH:mm} UTC) waits for approval already.",
                [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        var (request, errors) = TaskCancellation.Request(reason, redraw, beacon, actor, store.Clock.GetUtcNow());
        if (request is null) return TaskReply.Invalid(errors);
        return await MoveAsync(row, r => r with { CancelRequestJson = TaskRow.ToJson(request) }, actor, "task.cancel-requested",
            request.Reason + (request.Redraw ? " (redraw asked)" : ""));
    }

    public async Task<TaskReply> DecideCancel(bool approve, string? note, Actor actor)
    {
        var row = await store.GetAsync(Id);
        if (row is null) return TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.");
        if (row.PendingCancel is not { } request)
            return new TaskReply(TaskReplyStatus.IllegalTransition, "No request to cancel this task waits for a decision.", [], row.Status,
                TaskStates.AllowedActions(row.Status), row.Version, null);
        if (TaskCancellation.DeciderRefusal(request, actor) is { } refused) return TaskReply.Refused(TaskReplyStatus.Forbidden, refused);
        if (approve && !TaskWorkflow.Allows(row.Status, "approve-cancel"))
            return new TaskReply(TaskReplyStatus.IllegalTransition,
                $"The task is {row.Status} now: a cancellation asked while it was frozen or drawn can no longer be approved; reject it with a note.",
                [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        var (decision, errors) = TaskCancellation.Decide(request, approve, note, actor, store.Clock.GetUtcNow());
        if (decision is null) return TaskReply.Invalid(errors);
        if (!approve) return await MoveAsync(row, r => r with { CancelRequestJson = TaskRow.ToJson(decision) }, actor, "task.cancel-rejected", decision.Note);

        string? successor = null;
        if (request.Redraw)
        {
            // The redraw first (idempotent), then the cancellation that links to it: a crash between them is finished by
            // approving again, which finds the redraw already there.
            successor = TaskCancellation.SuccessorId(Id);
            var created = await GrainFactory.GetGrain<ITaskGrain>(successor).CreateRedraw(TaskCancellation.Successor(row.Definition, Id, request), Id, actor);
            if (created.Status is not (TaskReplyStatus.Ok or TaskReplyStatus.Created)) return created;
        }
        var reason = request.Reason + (successor is null ? "" : $" (redrawn as {successor})");
        return await MoveAsync(row, r => r with { Status = TaskWorkflow.After(r.Status, "approve-cancel"), CancelRequestJson = TaskRow.ToJson(decision), ReplacedBy = successor },
            actor, "task.cancel", reason, release: row.Status == TaskStates.EntitiesDrawn);
    }

    public async Task<TaskReply> Participate(string departmentCode, bool accept, string? reason, Actor actor)
    {
        var row = await store.GetAsync(Id);
        if (row is null) return TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.");
        var definition = row.Definition;
        if (!definition.ParticipatingDepartments.Contains(departmentCode, StringComparer.Ordinal))
            return TaskReply.Invalid([FieldError.NotAllowed("department", $"'{departmentCode}' is not a participating department of this task", departmentCode, definition.ParticipatingDepartments)]);
        if (!actor.CanActFor(Roles.Scheduler, departmentCode))
            return TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{departmentCode}' (or platform admins) answer for it.");
        if (row.Status is not (TaskStates.Draft or TaskStates.Published)) return TaskReply.Illegal(row.Status, "participate");
        var trimmed = reason?.Trim();
        if (!accept && string.IsNullOrEmpty(trimmed)) return TaskReply.Invalid([FieldError.Required("reason", "is required when declining")]);
        if (trimmed is { Length: > 1000 }) return TaskReply.Invalid([FieldError.TooLong("reason", 1000, trimmed.Length, "must be at most 1000 characters")]);
        if (trimmed is not null && TextRules.Error("reason", trimmed, multiLine: true) is { } badReason) return TaskReply.Invalid([badReason]);
        var decisions = new Dictionary<string, ParticipationDecision>(row.Participation, StringComparer.Ordinal)
        {
            [departmentCode] = new(accept ? ParticipationDecision.Accepted : ParticipationDecision.Declined, actor.Username, store.Clock.GetUtcNow(), trimmed),
        };
        return await MoveAsync(row, r => r with { ParticipationJson = TaskRow.ToJson(decisions) }, actor, "task.participation");
    }

    public async Task<TaskReply> Freeze(Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "freeze");
        if (refusal is not null) return refusal;
        if (JointTaskConsent.FreezeRefusal(row!.Definition, row.Participation) is { } missing)
            return new TaskReply(TaskReplyStatus.IllegalTransition, missing.Replace("{id}", Id, StringComparison.Ordinal), [], row.Status,
                TaskStates.AllowedActions(row.Status), row.Version, null);
        var definition = row!.Definition;
        // The seed waits for a beacon round that does not exist yet: a round already due could be known to whoever freezes.
        if (definition.Beacon is { } named && ceremonyClock.Now >= named.ExpectedAt)
            return new TaskReply(TaskReplyStatus.IllegalTransition,
                $"The beacon round '{named.Round}' of '{named.Source}' named in the plan was due at {named.ExpectedAtText}: a seed waiting for it could be known in advance. Cancel the task with this reason and plan it again with a later round.",
                [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        var department = await departments.GetAsync(definition.LeadDepartment);
        var cap = definition.YearlyCap ?? department?.YearlyCap ?? options.DefaultYearlyCap;
        var year = store.Clock.GetUtcNow().Year;

        // The secret is stored before its commitment can be published: if the freeze then fails, the unpublished
        // secret is simply replaced by the next attempt; if it succeeds, the secret it commits to is durable.
        await ReportAsync(OperationKinds.Freeze, "snapshot");
        // The inspector side first (a retried freeze replaces it): it is committed with the population, before any entropy.
        var (inspectorsSha, inspectors) = await snapshots.SaveInspectorSnapshotAsync(Id, definition.Departments, store.Clock.GetUtcNow());
        // The task's items, read once: what each department's inspectors must hold, and the population's object scope.
        var taskItems = await items.GetManyAsync(definition.Items);
        // A task whose teams could never be staffed is not frozen: after the entity draw there would be no way on.
        var staffingParameters = new InspectorDrawParameters(DateOnly.FromDateTime(store.Clock.GetUtcNow().UtcDateTime), definition.TeamSize,
            definition.WorkloadCap, Requirements(definition, taskItems));
        TaskReply Unstaffable(IReadOnlyList<string> problems) => new(TaskReplyStatus.Unprocessable,
            "The teams could not be staffed from the inspectors of the task's departments: " + string.Join("; ", problems)
            + ". Add or qualify inspectors, or change the team size, the workload cap, the items or the sample, then freeze.",
            [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        var staffing = InspectorDraw.StaffingProblems(staffingParameters, inspectors);
        if (staffing.Count > 0) return Unstaffable(staffing);
        var fresh = SeedCeremony.NewSecret();
        secret.State.Secret = protector.Enabled ? null : fresh;
        secret.State.Sealed = protector.Enabled ? protector.Seal(fresh, Id) : null;
        secret.State.Commitment = DrawPrimitives.Hex(SeedCeremony.Commit(fresh));
        var membersKey = ConfidentialDraw.NewKey();
        secret.State.MembersKey = protector.Enabled ? null : membersKey;
        secret.State.SealedMembersKey = protector.Enabled ? protector.Seal(membersKey, MembersKeyContext) : null;
        await secret.WriteStateAsync();
        var now = store.Clock.GetUtcNow();
        var phases = new List<(string Phase, TimeSpan At)>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // Capacity needs the sample size, which the census gives: the freeze is refused before it commits (Draw integrity II,
        // finding 6: a sample larger than the inspectors could ever staff left the task stuck after its entity draw).
        IReadOnlyList<string> shortfall = [];
        TaskRow next;
        try
        {
            next = await snapshots.FreezeAsync(row, (sha, count, summary) => row with
            {
                Status = TaskWorkflow.After(row.Status, "freeze"),
                Version = row.Version + 1,
                PopulationSha256 = sha,
                InspectorsSha256 = inspectorsSha,
                PopulationCount = count,
                ExclusionsJson = TaskRow.ToJson(summary),
                SecretCommitment = secret.State.Commitment,
                CeremonyJson = definition.Beacon is { } beacon ? TaskRow.ToJson(WitnessCeremony.Start(beacon, options.MinimumWitnesses)) : null,
                UpdatedAt = now,
            }, year, cap, options.PartitionSize, actor, membersKey, InspectionItemStore.Scopes(definition.Items, taskItems, reference), phases: phases, refuse: plan =>
            {
                shortfall = InspectorDraw.StaffingProblems(staffingParameters, inspectors, plan.SampleSize);
                return shortfall.Count > 0 ? string.Join("; ", shortfall) : null;
            });
        }
        catch (FreezeRefusedException)
        {
            return Unstaffable(shortfall);
        }
        var committedAt = watch.Elapsed;
        var members = next.PopulationCount;
        var hash = next.PopulationSha256;
        if (logger.IsEnabled(LogLevel.Information))
        {
            var timeline = string.Join(", ", phases.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Phase} {p.At.TotalSeconds:F2}")));
            logger.LogInformation("Task {Task} frozen: {Count} members, population {Sha}; phases (cumulative s): {Phases}, commit {Commit:F2}",
                Id, members, hash, timeline, committedAt.TotalSeconds);
        }
        return TaskReply.Ok(next.Status, next.Version);
    }

    /// <summary>The associated data the members key is sealed under: this task, and not its draw secret.</summary>
    private string MembersKeyContext => Id + "/members-key";

    public Task<byte[]?> MembersKey() => Task.FromResult(OpenMembersKey());

    private byte[]? OpenMembersKey() =>
        secret.State.SealedMembersKey is { } sealedKey ? protector.Open(sealedKey, MembersKeyContext) : secret.State.MembersKey;

    public async Task<TaskReply> AddEntropy(EntropyEntry entry, Actor actor)
    {
        // A witness contributes under their own account (named from it, once per task) to a published frozen task; the
        // lead department's schedulers record dice rolled in the room, naming the witness.
        var asWitness = actor.Has(Roles.Witness) && !actor.IsAdmin && !actor.Has(Roles.Scheduler);
        TaskRow? row;
        TaskReply? refusal;
        if (asWitness)
        {
            row = await store.GetAsync(Id);
            refusal = row is null || row.PublishedAt is null ? TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.")
                : !TaskStates.AllowedActions(row.Status).Contains("entropy", StringComparer.Ordinal) ? TaskReply.Illegal(row.Status, "entropy")
                : !EntropyWitness.IsAccount(entry.Witness, actor.Username) ? TaskReply.Invalid([FieldError.Mismatch("witness", "must be the name of your own account", other: "account")])
                : row.Entropy.Any(e => EntropyWitness.IsAccount(e.Witness, actor.Username)) ? TaskReply.Invalid([FieldError.Duplicate("value", "you have contributed to this task already; a witness contributes once")])
                : null;
        }
        else
        {
            (row, refusal) = await LoadForAsync(actor, "entropy");
        }

        if (refusal is not null) return refusal;
        if (row!.Ceremony is not null)
            return new TaskReply(TaskReplyStatus.IllegalTransition,
                "This task's seed comes from its witnesses' commitments (draw-spec §3.3): witnesses commit with POST /api/tasks/{id}/ceremony/commitments and reveal after the close.".Replace("{id}", Id, StringComparison.Ordinal),
                [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(entry.Witness) || entry.Witness.Length > 200) errors.Add(FieldError.RequiredText("witness", entry.Witness, 200, "is required (who rolled the dice), at most 200 characters"));
        if (string.IsNullOrWhiteSpace(entry.Value) || entry.Value.Length > 1000) errors.Add(FieldError.RequiredText("value", entry.Value, 1000, "is required, at most 1000 characters"));
        if (errors.Count == 0)
        {
            TextRules.Check(errors, "witness", entry.Witness);
            TextRules.Check(errors, "value", entry.Value);
        }
        if (row!.Entropy.Count >= 100) errors.Add(FieldError.State("value", "a task takes at most 100 entropy entries"));
        if (errors.Count > 0) return TaskReply.Invalid(errors);
        var entropy = row.Entropy.Append(new EntropyEntry(entry.Witness.Trim(), entry.Value.Trim())).ToArray();
        return await MoveAsync(row, r => r with { EntropyJson = TaskRow.ToJson(entropy) }, actor, "task.entropy");
    }

    public async Task<TaskReply> SetBeacon(BeaconValue beacon, Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "beacon");
        if (refusal is not null) return refusal;
        if (row!.Ceremony is { } ceremony)
        {
            if (!string.IsNullOrWhiteSpace(beacon.Source) && beacon.Source.Trim() != ceremony.Beacon.Source)
                return TaskReply.Invalid([FieldError.Mismatch("source", $"must be left out or be the source named in the plan, '{ceremony.Beacon.Source}'", value: ceremony.Beacon.Source)]);
            return await CeremonyStepAsync(row, ceremony, c => WitnessCeremony.RecordBeacon(c, beacon.Value ?? "", ceremonyClock.Now), actor, "task.beacon");
        }
        // Recorded once: a beacon that could be replaced until the draw would let whoever sets it try values. The same
        // value again (a retry after a lost answer) is answered as the first time.
        if (row!.Beacon is { } same && same == new BeaconValue(beacon.Source.Trim(), beacon.Value.Trim())) return TaskReply.Ok(row.Status, row.Version);
        if (row!.Beacon is { } recorded)
            return new TaskReply(TaskReplyStatus.IllegalTransition,
                $"The beacon is recorded once and already is ({recorded.Source}): it cannot be replaced.", [], row.Status,
                TaskStates.AllowedActions(row.Status), row.Version, null);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(beacon.Source) || beacon.Source.Length > 200) errors.Add(FieldError.RequiredText("source", beacon.Source, 200, "is required (the beacon's name and pulse), at most 200 characters"));
        if (string.IsNullOrWhiteSpace(beacon.Value) || beacon.Value.Length > 2000) errors.Add(FieldError.RequiredText("value", beacon.Value, 2000, "is required, at most 2000 characters"));
        if (errors.Count == 0)
        {
            TextRules.Check(errors, "source", beacon.Source);
            TextRules.Check(errors, "value", beacon.Value);
        }
        if (errors.Count > 0) return TaskReply.Invalid(errors);
        return await MoveAsync(row!, r => r with { BeaconJson = TaskRow.ToJson(new BeaconValue(beacon.Source.Trim(), beacon.Value.Trim())) }, actor, "task.beacon");
    }

    public async Task<TaskReply> CommitEntropy(string witness, string commitment, Actor actor)
    {
        var (row, refusal) = await LoadForWitnessAsync(actor, witness, "commit");
        if (refusal is not null) return refusal;
        return await CeremonyStepAsync(row!, row!.Ceremony!, c => WitnessCeremony.Commit(c, witness, actor.DepartmentCode, commitment?.Trim() ?? "", ceremonyClock.Now),
            actor, "task.ceremony-commit");
    }

    public async Task<TaskReply> CloseCommitments(Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "close");
        if (refusal is not null) return refusal;
        if (row!.Ceremony is not { } ceremony) return NoCeremony(row);
        return await CeremonyStepAsync(row, ceremony, c => WitnessCeremony.Close(c, row.LeadDepartment, ceremonyClock.Now), actor, "task.ceremony-close");
    }

    public async Task<TaskReply> RevealEntropy(string witness, string value, string nonce, Actor actor)
    {
        var (row, refusal) = await LoadForWitnessAsync(actor, witness, "reveal");
        if (refusal is not null) return refusal;
        return await CeremonyStepAsync(row!, row!.Ceremony!, c => WitnessCeremony.Reveal(c, Id, witness, value ?? "", nonce?.Trim() ?? "", ceremonyClock.Now),
            actor, "task.ceremony-reveal");
    }

    /// <summary>
    /// A witness acts on a published frozen task with a witnessed ceremony, under their own account: a witness account
    /// that is neither a scheduler nor an admin (who run the task), named as the account is.
    /// </summary>
    private async Task<(TaskRow? Row, TaskReply? Refusal)> LoadForWitnessAsync(Actor actor, string witness, string action)
    {
        var row = await store.GetAsync(Id);
        if (row is null || row.PublishedAt is null) return (null, TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'."));
        if (!actor.Has(Roles.Witness) || actor.IsAdmin || actor.Has(Roles.Scheduler))
            return (null, TaskReply.Refused(TaskReplyStatus.Forbidden, "Only witnesses contribute to a seed, each under their own account; schedulers and admins run the task and cannot."));
        if (!EntropyWitness.IsAccount(witness, actor.Username)) return (null, TaskReply.Invalid([FieldError.Mismatch("witness", "must be the name of your own account", other: "account")]));
        if (!TaskStates.AllowedActions(row.Status).Contains(action, StringComparer.Ordinal)) return (null, TaskReply.Illegal(row.Status, action));
        if (row.Ceremony is null) return (null, NoCeremony(row));
        return (row, null);
    }

    private static TaskReply NoCeremony(TaskRow row) => new(TaskReplyStatus.IllegalTransition,
        "This task was planned before the witnessed ceremony: its seed takes entropy entries (POST /api/tasks/{id}/entropy).", [], row.Status,
        TaskStates.AllowedActions(row.Status), row.Version, null);

    /// <summary>Applies a ceremony step that Core decided: its refusal as 400 (a field) or 409 (the phase), else the new ceremony, audited.</summary>
    private Task<TaskReply> CeremonyStepAsync(TaskRow row, Ceremony current, Func<Ceremony, (Ceremony Ceremony, CeremonyRefusal? Refusal)> decide, Actor actor, string action)
    {
        var step = decide(current);
        if (step.Refusal is { } refused)
            return Task.FromResult(refused.IsInvalid ? TaskReply.Invalid(refused.Errors)
                : new TaskReply(TaskReplyStatus.IllegalTransition, refused.Reason, [], row.Status, TaskStates.AllowedActions(row.Status), row.Version, null));
        // Core answers the very ceremony it was given when the step was taken already (a retry): nothing to write.
        if (ReferenceEquals(step.Ceremony, current)) return Task.FromResult(TaskReply.Ok(row.Status, row.Version));
        return MoveAsync(row, r => r with { CeremonyJson = TaskRow.ToJson(step.Ceremony) }, actor, action);
    }

    public async Task<TaskReply> DrawEntities(Actor actor)
    {
        var current = await store.GetAsync(Id);
        if (current is null) return TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.");
        if (!actor.CanActFor(Roles.Scheduler, current.LeadDepartment))
            return TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{current.LeadDepartment}' (or platform admins) run its draws.");
        // Commit once: a committed record answers every repetition, whatever the state says.
        if (await queries.RecordExistsAsync(Id, DrawRecordRow.EntityKind)) return TaskReply.Ok(current.Status, current.Version);
        if (current.Status != TaskStates.Frozen) return TaskReply.Illegal(current.Status, "draw-entities");
        var entropy = current.Entropy;
        var ceremony = current.Ceremony;
        if (ceremony is { BeaconValue: null })
            return new TaskReply(TaskReplyStatus.IllegalTransition,
                ceremony.ClosedAt is null
                    ? $"The seed waits for the witnesses: {ceremony.Commitments.Count} of {ceremony.MinimumWitnesses} have committed; then the commitments close, the witnesses reveal and the beacon value is recorded."
                    : $"The seed waits for the value of round '{ceremony.Beacon.Round}' of '{ceremony.Beacon.Source}' (due {ceremony.Beacon.ExpectedAtText}): POST /api/tasks/{Id}/beacon once it is published.",
                [], current.Status, TaskStates.AllowedActions(current.Status), current.Version, null);
        if (ceremony is null && entropy.Count == 0)
            return new TaskReply(TaskReplyStatus.IllegalTransition, "The seed needs at least one witness entropy entry: POST /api/tasks/{id}/entropy first.",
                [], current.Status, TaskStates.AllowedActions(current.Status), current.Version, null);
        var key = secret.State.Sealed is { } sealedSecret ? protector.Open(sealedSecret, Id) : secret.State.Secret;
        if (key is null || secret.State.Commitment != current.SecretCommitment || DrawPrimitives.Hex(SeedCeremony.Commit(key)) != current.SecretCommitment)
        {
            logger.LogError("Task {Task}: the stored secret cannot be opened (no key, or not the key it was sealed with: {Setting}) or does not match the published commitment",
                Id, DrawSecretProtector.KeyFileSetting);
            return TaskReply.Refused(TaskReplyStatus.IllegalTransition, "The server secret for the published commitment is not available; the draw cannot run. See the logs.");
        }

        const string algorithm = DrawPrimitives.AlgorithmVersion;
        var definition = current.Definition;
        var seed = ceremony is null ? SeedCeremony.DeriveSeed(key, Id, algorithm, entropy, current.Beacon) : WitnessCeremony.DeriveSeed(key, Id, algorithm, ceremony);
        var parameters = definition.ToDrawParameters(await snapshots.ExclusionsAsync(Id));
        if (current.Freeze?.ExclusionsSha256 is { } frozenExclusions && PopulationReference.ExclusionsHash(parameters.Exclusions) != frozenExclusions)
            throw new InvalidOperationException($"task {Id}: the stored exclusions do not match the hash published at freeze");
        var setup = new EntityDrawSetup(seed, Id, algorithm, parameters);
        var parametersJson = JsonSerializer.Serialize(parameters, DrawPacks.JsonOptions);
        var count = current.PopulationCount ?? 0;
        var partitions = current.PartitionCount ?? 1;
        var chunks = await snapshots.ChunkCountAsync(Id);
        partitions = Math.Clamp(partitions, 1, Math.Max(1, chunks));
        var work = Enumerable.Range(0, partitions)
            .Select(i => (From: chunks * i / partitions, To: chunks * (i + 1) / partitions))
            .Select(r => new PartitionWork(Id, seed, parametersJson, r.From, r.To - r.From))
            .ToArray();
        var worker = GrainFactory.GetGrain<IDrawPartitionWorker>(0);

        // Pass 1 (the census) ran over the snapshot at freeze; the plan needs only it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ReportAsync(OperationKinds.DrawEntities, "census");
        var censusColumns = await snapshots.CensusAsync(Id);
        var merged = DrawExchange.Import(setup, censusColumns);
        var plan = EntityDraw.Plan(setup, merged);
        var censusTime = clock.Elapsed;
        var mergedWire = PartitionCensus.From(censusColumns);
        await ReportAsync(OperationKinds.DrawEntities, "scan", 0, work.Length);
        var scanned = 0;
        var partials = await Task.WhenAll(work.Select(async w =>
        {
            var partial = await worker.Scan(w, mergedWire);
            await ReportAsync(OperationKinds.DrawEntities, "scan", Interlocked.Increment(ref scanned), work.Length);
            return partial;
        }));
        var scanTime = clock.Elapsed;
        var imported = partials.Select(p => DrawExchange.Import(plan, p.ToColumns())).ToArray();
        var result = EntityDraw.Merge(plan, imported);
        // The class-free seals (draw-spec §11.2), for tasks frozen with a members key.
        var membersKey = current.Freeze?.MembersSha256 is null ? null : OpenMembersKey();
        if (current.Freeze?.MembersSha256 is not null && membersKey is null)
        {
            logger.LogError("Task {Task}: the members key cannot be opened (no key, or not the key it was sealed with: {Setting})", Id, DrawSecretProtector.KeyFileSetting);
            return TaskReply.Refused(TaskReplyStatus.IllegalTransition, "The task's members key is not available; the draw cannot run. See the logs.");
        }
        var sealsJson = membersKey is null ? null
            : JsonSerializer.Serialize(ConfidentialDraw.Seals(plan, result, EntityDraw.Boundaries(plan, imported), membersKey), DrawPacks.JsonOptions);
        var mergeTime = clock.Elapsed;

        var pack = new DrawPack(DrawPack.FormatVersion, algorithm, Id, current.SecretCommitment!, DrawPrimitives.Hex(key), entropy, current.Beacon,
            DrawPrimitives.Hex(seed), new PopulationReference(current.PopulationSha256!, count) { ExclusionsSha256 = current.Freeze?.ExclusionsSha256 },
            new EntityDrawSection(parameters, result), null) { Ceremony = ceremony };
        // The pack's text is the same bytes as before (UTF-8 of DrawPacks.ToJson), kept as one gzip member.
        var packUtf8 = DrawPacks.ToJsonUtf8(pack);
        var packGzip = DrawRecordRow.Gzip(packUtf8);
        var summaryJson = JsonSerializer.Serialize(EntityDrawSummary.Of(pack), DrawPacks.JsonOptions);
        var packTime = clock.Elapsed;
        await ReportAsync(OperationKinds.DrawEntities, "commit");
        await faults.BeforeCommitAsync(Id, DrawRecordRow.EntityKind, packUtf8);
        var next = current with { Status = TaskWorkflow.After(current.Status, "draw-entities"), Version = current.Version + 1, UpdatedAt = store.Clock.GetUtcNow() };
        var committed = await store.CommitEntityDrawAsync(current, next, packGzip, summaryJson, sealsJson, result, definition.Items,
            current.Freeze?.DrawYear ?? store.Clock.GetUtcNow().Year, actor);
        var commitTime = clock.Elapsed;
        var now = await store.GetAsync(Id) ?? next;
        var outcome = committed ? "committed" : "already committed";
        var drawn = result.Drawn.Count;
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation(
                "Task {Task}: entity draw {Outcome}, {Drawn} drawn over {Partitions} partitions; phases (cumulative s): census read + plan {Census:F2}, scan {Scan:F2}, merge {Merge:F2}, pack json {Pack:F2}, commit {Commit:F2}",
                Id, outcome, drawn, partitions, censusTime.TotalSeconds, scanTime.TotalSeconds, mergeTime.TotalSeconds, packTime.TotalSeconds, commitTime.TotalSeconds);
        }
        return TaskReply.Ok(now.Status, now.Version);
    }

    public async Task<TaskReply> DrawInspectors(Actor actor)
    {
        var current = await store.GetAsync(Id);
        if (current is null) return TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.");
        if (!actor.CanActFor(Roles.Scheduler, current.LeadDepartment))
            return TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{current.LeadDepartment}' (or platform admins) run its draws.");
        if (await queries.RecordExistsAsync(Id, DrawRecordRow.InspectorKind)) return TaskReply.Ok(current.Status, current.Version);
        if (current.Status != TaskStates.EntitiesDrawn) return TaskReply.Illegal(current.Status, "draw-inspectors");
        var entityRecord = await queries.GetRecordAsync(Id, DrawRecordRow.EntityKind)
            ?? throw new InvalidOperationException($"task {Id} is entities_drawn without an entity draw record");
        var pack = JsonSerializer.Deserialize<DrawPack>(entityRecord.RecordUtf8(), DrawPacks.JsonOptions)!;
        var definition = current.Definition;

        var requirements = await RequirementsAsync(definition);
        // A frozen inspector side is judged as of the freeze (certificate validity), like the rest of it.
        var asOf = current.InspectorsSha256 is not null && current.Freeze is { } frozenAt ? frozenAt.FrozenAt : store.Clock.GetUtcNow();
        var parameters = new InspectorDrawParameters(DateOnly.FromDateTime(asOf.UtcDateTime), definition.TeamSize, definition.WorkloadCap, requirements);
        await ReportAsync(OperationKinds.DrawInspectors, "pool");
        var pool = await snapshots.LoadInspectorPoolAsync(Id, definition.Departments);
        var poolBytes = DrawPacks.ToJson(pool);
        InspectorDrawResult result;
        try
        {
            result = InspectorDraw.Run(Convert.FromHexString(pack.Seed), Id, pack.Algorithm, parameters, pool, pack.EntityDraw.Result.Drawn);
        }
        catch (ArgumentException e)
        {
            return TaskReply.Refused(TaskReplyStatus.Unprocessable, $"The inspector pool cannot be drawn from: {e.Message}");
        }

        if (result.Failure is { } failure)
            return new TaskReply(TaskReplyStatus.Unprocessable, failure.Message, [], current.Status, TaskStates.AllowedActions(current.Status), current.Version, failure);

        if (current.InspectorsSha256 is { } frozen && InspectorDrawSection.InspectorsSha256(pool.Inspectors) != frozen)
            throw new InvalidOperationException($"task {Id}: the frozen inspector snapshot does not match the hash published at freeze");
        var section = new InspectorDrawSection(DrawPrimitives.Hex(SHA256.HashData(poolBytes)), parameters, result) { FrozenInspectorsSha256 = current.InspectorsSha256 };
        var sectionJson = JsonSerializer.Serialize(section, DrawPacks.JsonOptions);
        await faults.BeforeCommitAsync(Id, DrawRecordRow.InspectorKind, Encoding.UTF8.GetBytes(sectionJson));
        var next = current with { Status = TaskWorkflow.After(current.Status, "draw-inspectors"), Version = current.Version + 1, UpdatedAt = store.Clock.GetUtcNow() };
        await store.CommitInspectorDrawAsync(current, next, sectionJson, Encoding.UTF8.GetString(poolBytes),
            result.Teams, actor);
        var now = await store.GetAsync(Id) ?? next;
        return TaskReply.Ok(now.Status, now.Version);
    }

    public async Task<TaskReply> ReplaceInspector(string memberId, string certificateNo, string reason, Actor actor)
    {
        const string action = "replace-inspector";
        var current = await store.GetAsync(Id);
        if (current is null) return TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'.");
        if (!actor.CanActFor(Roles.Scheduler, current.LeadDepartment))
            return TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{current.LeadDepartment}' (or platform admins) replace its inspectors.");
        if (!TaskWorkflow.Allows(current.Status, action)) return TaskReply.Illegal(current.Status, action);
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(memberId)) errors.Add(FieldError.Required("memberId", "is required: the entity whose team changes"));
        if (string.IsNullOrWhiteSpace(certificateNo)) errors.Add(FieldError.Required("certificateNo", "is required: the certificate of the member leaving"));
        var trimmed = InspectorDraw.NormalizeReason(reason);
        if (trimmed is null) errors.Add(FieldError.RequiredText("reason", reason?.Trim(), 500, "is required, 1-500 characters: it is published with the replacement"));
        else TextRules.Check(errors, "reason", reason, multiLine: true); // published, like every other public text
        if (errors.Count > 0) return TaskReply.Invalid(errors);

        var entityRecord = await queries.GetRecordAsync(Id, DrawRecordRow.EntityKind)
            ?? throw new InvalidOperationException($"task {Id} is inspectors_drawn without an entity draw record");
        var inspectorRecord = await queries.GetRecordAsync(Id, DrawRecordRow.InspectorKind)
            ?? throw new InvalidOperationException($"task {Id} is inspectors_drawn without an inspector draw record");
        var pack = JsonSerializer.Deserialize<DrawPack>(entityRecord.RecordUtf8(), DrawPacks.JsonOptions)!;
        var section = JsonSerializer.Deserialize<InspectorDrawSection>(inspectorRecord.RecordText(), DrawPacks.JsonOptions)!;
        var pool = JsonSerializer.Deserialize<InspectorPool>(inspectorRecord.PoolJson!, DrawPacks.JsonOptions)!;
        var recorded = await queries.ReplacementsAsync(Id);
        var seed = Convert.FromHexString(pack.Seed);
        // The teams as they stand: the committed draw with the recorded replacements, each as the rule decides it again.
        var (replayed, teams) = InspectorDraw.Replay(seed, Id, pack.Algorithm, section.Parameters, pool, section.Result.Teams, recorded);
        if (replayed.Any(r => r.Recomputed.Replacement != r.Recorded))
            throw new InvalidOperationException($"task {Id}: the recorded replacements are not the rule's (draw-spec §8.1)");

        // A repeat (the answer was lost): the same entity, leaving member and reason already recorded, and the member gone.
        // Each replacement commits whole (after dispatch with the inspection's change), so there is nothing left to do.
        if (recorded.Any(r => r.MemberId == memberId.Trim() && r.Replaced == certificateNo.Trim() && r.Reason == trimmed)
            && teams.FirstOrDefault(t => t.MemberId == memberId.Trim()) is { } standing
            && standing.Members.All(m => m.CertificateNo != certificateNo.Trim()))
            return TaskReply.Ok(current.Status, current.Version);

        ReplacementOutcome outcome;
        try
        {
            outcome = InspectorDraw.Replace(seed, Id, pack.Algorithm, section.Parameters, pool, teams, recorded,
                new ReplacementRequest(memberId.Trim(), certificateNo.Trim(), trimmed!));
        }
        catch (ArgumentException e) when (e.ParamName is "memberId" or "certificateNo" or "reason")
        {
            return TaskReply.Invalid([e.ParamName == "reason" ? FieldError.RequiredText("reason", reason?.Trim(), 500, e.Message.Split(" (Parameter")[0]) : FieldError.NotFound(e.ParamName, null, e.Message.Split(" (Parameter")[0])]);
        }
        if (outcome.Replacement is not { } replacement)
            return new TaskReply(TaskReplyStatus.Unprocessable, outcome.Refusal, [], current.Status, TaskStates.AllowedActions(current.Status), current.Version, null);

        var team = outcome.Teams.Single(t => t.MemberId == replacement.MemberId);
        var member = team.Members.Single(m => m.CertificateNo == replacement.Replacement);
        // Dispatch marks its start through this grain before it reads the teams, so a replacement is on one side of it.
        // (Tasks dispatched before the mark existed are known by their inspections.)
        if (current.DispatchStartedAt is not null || await queries.IsDispatchedAsync(Id))
            return await ReplaceInInspectionAsync(current, new TeamReplacement(current.Version, team.Rank, member, replacement, [.. recorded, replacement]), actor);

        var next = current with { Version = current.Version + 1, UpdatedAt = store.Clock.GetUtcNow() };
        try
        {
            if (!await store.CommitReplacementAsync(current, next, [.. recorded, replacement], team.Rank, member, replacement, actor))
                return Dispatched(current);
        }
        catch (TaskVersionConflictException)
        {
            var now = await store.GetAsync(Id);
            return new TaskReply(TaskReplyStatus.VersionMismatch, "The task changed concurrently; try again.", [], now?.Status, TaskStates.AllowedActions(now?.Status ?? ""), now?.Version ?? 0, null);
        }
        return TaskReply.Ok(next.Status, next.Version);
    }

    /// <summary>
    /// After dispatch a replacement changes the inspection's team: the inspection grain applies it and commits it with
    /// the task's record of it, in one transaction. Its refusals are the task's (the inspection's results handed in: 409).
    /// </summary>
    private async Task<TaskReply> ReplaceInInspectionAsync(TaskRow current, TeamReplacement order, Actor actor)
    {
        var reply = await GrainFactory.GetGrain<IInspectionGrain>($"{Id}/{order.Replacement.MemberId}").ReplaceMember(order, actor);
        var now = reply.Succeeded ? await store.GetAsync(Id) ?? current : current;
        TaskReply Refusal(TaskReplyStatus status, string detail) =>
            new(status, detail, [], now.Status, TaskStates.AllowedActions(now.Status), now.Version, null);
        return reply.Status switch
        {
            InspectionReplyStatus.Ok or InspectionReplyStatus.Created => TaskReply.Ok(now.Status, now.Version),
            InspectionReplyStatus.NotFound => Refusal(TaskReplyStatus.IllegalTransition,
                $"Task '{Id}' is being dispatched and the inspection of {order.Replacement.MemberId} does not exist yet: replace once dispatch has completed."),
            InspectionReplyStatus.Forbidden => Refusal(TaskReplyStatus.Forbidden, reply.Detail ?? "Forbidden."),
            InspectionReplyStatus.Invalid => TaskReply.Invalid(reply.Errors),
            InspectionReplyStatus.Conflict or InspectionReplyStatus.PreconditionFailed => Refusal(TaskReplyStatus.VersionMismatch, "The task or its inspection changed concurrently; try again."),
            _ => Refusal(TaskReplyStatus.IllegalTransition, $"The team of inspection {Id}/{order.Replacement.MemberId} no longer changes: {reply.Detail}"),
        };
    }

    public async Task<TaskReply> BeginDispatch(Actor actor)
    {
        var (row, refusal) = await LoadForAsync(actor, "dispatch");
        if (row is null) return refusal!;
        if (row.DispatchStartedAt is not null) return TaskReply.Ok(row.Status, row.Version);
        return await MoveAsync(row, r => r with { DispatchStartedAt = store.Clock.GetUtcNow() }, actor, "task.dispatch-start");
    }

    public async Task<bool> RemindMatching(DateOnly today)
    {
        var row = await store.GetAsync(Id);
        if (row is null || row.Status != TaskStates.EntitiesDrawn) return false;
        var (arrivedAt, _) = await queries.MatchingTimesAsync(Id);
        if (arrivedAt is not { } at) return false;
        var arrived = Core.Calendar.ChinaTime.DateOf(at);
        if (matching.ReminderOwed(arrived, row.MatchingReminded, today) is not { } reminder) return false;
        var state = matching.On(arrived, null, today);
        var message = reminder == MatchingReminders.Overdue
            ? $"Task {row.Name} ({row.TaskId}): its inspectors were to be matched by {state.Due:yyyy-MM-dd}, {matching.Policy.WorkingDays} working days after its entity list arrived on {arrived:yyyy-MM-dd}; {state.WorkingDaysLate} working day(s) late."
            : $"Task {row.Name} ({row.TaskId}): match its inspectors (the team draw) by {state.Due:yyyy-MM-dd}, {matching.Policy.WorkingDays} working days after its entity list arrived on {arrived:yyyy-MM-dd}.";
        return await store.RemindMatchingAsync(row, reminder, new { listArrivedOn = arrived, due = state.Due, today },
            [new Infrastructure.Notifications.Notification(Infrastructure.Notifications.Notification.Department(row.LeadDepartment), row.TaskId, "matching-" + reminder, message)]);
    }

    private TaskReply Dispatched(TaskRow row) => new(TaskReplyStatus.IllegalTransition,
        $"Task '{Id}' is dispatched: its inspections exist, so its teams no longer change by replacement.", [], row.Status,
        TaskStates.AllowedActions(row.Status), row.Version, null);

    /// <summary>Each department of the task and the task's items that belong to it: what its inspectors must hold.</summary>
    private async Task<IReadOnlyList<DepartmentRequirement>> RequirementsAsync(TaskDefinition definition) =>
        Requirements(definition, await items.GetManyAsync(definition.Items));

    private static IReadOnlyList<DepartmentRequirement> Requirements(TaskDefinition definition, IReadOnlyDictionary<string, InspectionItem> loaded) =>
        definition.Requirements(code => loaded.TryGetValue(code, out var item) ? item.DepartmentCode : null);

    /// <summary>Reads the committed row and checks that <paramref name="actor"/> may do <paramref name="action"/> in its current state.</summary>
    private async Task<(TaskRow? Row, TaskReply? Refusal)> LoadForAsync(Actor actor, string action)
    {
        var row = await store.GetAsync(Id);
        if (row is null) return (null, TaskReply.Refused(TaskReplyStatus.NotFound, $"There is no task '{Id}'."));
        if (!actor.CanActFor(Roles.Scheduler, row.LeadDepartment))
            return (null, TaskReply.Refused(TaskReplyStatus.Forbidden, $"Only schedulers of '{row.LeadDepartment}' (or platform admins) manage this task."));
        if (!TaskStates.AllowedActions(row.Status).Contains(action, StringComparer.Ordinal)) return (null, TaskReply.Illegal(row.Status, action));
        return (row, null);
    }

    private async Task<TaskReply> MoveAsync(TaskRow row, Func<TaskRow, TaskRow> change, Actor actor, string action, string? reason = null, bool release = false)
    {
        var next = change(row) with { Version = row.Version + 1, UpdatedAt = store.Clock.GetUtcNow() };
        try
        {
            if (release) await store.CancelDrawnAsync(row, next, actor, reason!);
            else await store.TransitionAsync(row, next, actor, action, reason: reason);
        }
        catch (TaskVersionConflictException)
        {
            var now = await store.GetAsync(Id);
            return new TaskReply(TaskReplyStatus.VersionMismatch, "The task changed concurrently; read it again.", [], now?.Status, TaskStates.AllowedActions(now?.Status ?? ""), now?.Version ?? 0, null);
        }
        return TaskReply.Ok(next.Status, next.Version);
    }

    /// <summary>Departments must exist; items must exist, be active and belong to one of the task's departments.</summary>
    private async Task<List<FieldError>> CheckReferencesAsync(TaskDefinition definition, bool checkPlan = true)
    {
        var errors = new List<FieldError>();
        if (await departments.GetAsync(definition.LeadDepartment) is null)
            errors.Add(FieldError.NotFound("leadDepartment", definition.LeadDepartment, $"there is no department '{definition.LeadDepartment}'"));
        foreach (var d in definition.ParticipatingDepartments)
        {
            if (await departments.GetAsync(d) is null) errors.Add(FieldError.NotFound("participatingDepartments", d, $"there is no department '{d}'"));
        }
        foreach (var code in definition.Items)
        {
            var item = await items.GetAsync(code);
            if (item is null) errors.Add(FieldError.NotFound("items", code, $"there is no inspection item '{code}'"));
            else if (!item.Active) errors.Add(FieldError.State("items", $"item '{code}' is inactive"));
            else if (!definition.Departments.Contains(item.DepartmentCode, StringComparer.Ordinal))
                errors.Add(FieldError.NotAllowed("items", $"item '{code}' belongs to '{item.DepartmentCode}', which is not one of the task's departments", code));
        }
        // A task under a plan: its lead department's published plan for the year of its deadline (docs/planning.md).
        if (checkPlan && definition.Plan is { } plan)
            errors.AddRange(Core.Plans.PlanWorkflow.CheckTaskReference(plan, await plans.GetAsync(plan.PlanId), definition.LeadDepartment, definition.Deadline.Year));
        return errors;
    }
}
