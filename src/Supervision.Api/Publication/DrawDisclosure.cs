using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using Supervision.Api.Common;
using Supervision.Contracts.Tasks;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Publication;

/// <summary>
/// What of a committed draw each reader gets (docs/draw-spec.md §11): the public the class-free pack and the members
/// file, an entity its own receipt, the task's staff and auditors the full pack with classes — every full download
/// and every members key given out written to the audit log.
/// </summary>
public sealed class DrawDisclosure(TaskQueries draws, DrawSnapshotStore snapshots, DrawInclusion inclusion, IGrainFactory grains, AccessAudit access)
{
    /// <summary>The class-free public pack (§11.3), or null before the entity draw.</summary>
    public async Task<PublicDrawPack?> PublicPackAsync(TaskRow row, CancellationToken ct)
    {
        var full = await FullPackAsync(row.TaskId, ct);
        if (full is null) return null;
        return ConfidentialDraw.PublicPack(full, row.Freeze?.MembersSha256, await draws.SealsAsync(row.TaskId, ct) ?? []);
    }

    private async Task<DrawPack?> FullPackAsync(string taskId, CancellationToken ct) =>
        await draws.GetRecordAsync(taskId, DrawRecordRow.EntityKind, ct) is { } record
            ? JsonSerializer.Deserialize<DrawPack>(record.RecordUtf8(), DrawPacks.JsonOptions)
            : null;

    /// <summary>
    /// Streams the members file (§11.1) — the snapshot with each member's stratum and weight replaced by its salted
    /// commitment, one snapshot chunk at a time. False for a task frozen before members were committed.
    /// </summary>
    public async Task<bool> StreamMembersAsync(TaskRow row, Func<ReadOnlyMemory<byte>, ValueTask> sink, CancellationToken ct)
    {
        if (row.Freeze?.MembersSha256 is null) return false;
        var key = await KeyAsync(row);
        var first = true;
        await snapshots.StreamSnapshotAsync(row.TaskId, chunk =>
        {
            var lines = ConfidentialDraw.MembersLines(chunk.Span, first, key);
            first = false;
            return sink(lines);
        }, ct);
        return true;
    }

    /// <summary>An entity's receipt (§11.4), or null before the entity draw or for a task without a members key.</summary>
    public async Task<DrawReceipt?> ReceiptAsync(TaskRow row, string memberId, CancellationToken ct)
    {
        if (row.Freeze?.MembersSha256 is null) return null;
        var seals = await draws.SealsAsync(row.TaskId, ct);
        if (seals is null) return null;
        var key = await KeyAsync(row);
        var member = await inclusion.MemberAsync(row, memberId, ct);
        var excluded = (await snapshots.ExclusionsAsync(row.TaskId, ct)).FirstOrDefault(e => e.MemberId == memberId)?.Reason;
        return ConfidentialDraw.Receipt(row.TaskId, memberId, member, excluded, seals, key, row.Definition.ToDrawParameters([]));
    }

    /// <summary>The members key for an auditor (hex), audited; null for a task frozen without one.</summary>
    public async Task<string?> MembersKeyForAuditorAsync(TaskRow row, Actor actor, CancellationToken ct)
    {
        if (row.Freeze?.MembersSha256 is null) return null;
        var key = await KeyAsync(row);
        await AuditedAsync(row, actor, "draw.members-key", ct);
        return DrawPrimitives.Hex(key);
    }

    /// <summary>The key of a task frozen with one; <see cref="MembersKeyUnavailableException"/> when this platform cannot open it.</summary>
    private async Task<byte[]> KeyAsync(TaskRow row) =>
        await grains.GetGrain<ITaskGrain>(row.TaskId).MembersKey() ?? throw new MembersKeyUnavailableException(row.TaskId);

    /// <summary>
    /// 503 with Retry-After for a task whose members key this platform cannot open (a silo without the key file it was
    /// sealed with, docs/operations.md "Protecting draw secrets"): nothing is wrong with the request; an operator must act.
    /// </summary>
    public static ProblemHttpResult Unavailable(HttpContext http, MembersKeyUnavailableException e)
    {
        http.Response.Headers.RetryAfter = "300";
        return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Members key unavailable",
            $"Task '{e.TaskId}' was frozen with a members key that this platform cannot open (see {"Supervision:Draw:SecretKeyFile"} in the silos' logs). "
                + "Its members file and receipts are served again once the key is provided.");
    }

    /// <summary>Writes the audit line of a confidential download (the full pack, the snapshot with classes, the members key).</summary>
    public Task AuditedAsync(TaskRow row, Actor actor, string action, CancellationToken ct) =>
        access.RecordAsync(actor, action, "task", row.TaskId, row.LeadDepartment, new { row.Status }, ct);
}

/// <summary>A task's members key cannot be opened here (the silos lack the key file it was sealed with).</summary>
public sealed class MembersKeyUnavailableException(string taskId) : Exception($"The members key of task {taskId} cannot be opened on this platform.")
{
    public string TaskId { get; } = taskId;
}
