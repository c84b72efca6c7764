using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Inspections;

/// <summary>An approved inspection waiting for publication, with its stored deadline.</summary>
public sealed record AwaitingPublication(string InspectionId, string LeadDepartment, DateOnly ApprovedOn, DateOnly? PublicationDue);

/// <summary>
/// The open deadlines that the working-day calendar decided (follow-ups, abnormal listings, publication), read for
/// recomputation, and the writes of what <see cref="DeadlineRecompute"/> decided: each moved date is updated only if it
/// still holds the value it was recomputed from, together with its audit line (action <c>deadline.recomputed</c>).
/// Inspections' publication deadlines are written by their grains, which own those rows.
/// </summary>
public sealed class DeadlineStore(SqlStore store, AuditLog audit, TimeProvider clock)
{
    public const string AuditAction = "deadline.recomputed";

    private sealed record FollowUpRow(string ActionKey, string Kind, string DepartmentCode, DateOnly? NotBefore, DateOnly DueOn, string? CorrectionPayload);

    private sealed record ListingRow(string EntityCreditCode, string SourceInspectionId, DateOnly VerifiedOn, DateOnly ListBy);

    /// <summary>Open correction orders and re-inspections, each with the issue date of its correction order.</summary>
    public async Task<IReadOnlyList<OpenFollowUpDeadline>> ReadOpenFollowUpsAsync(CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<FollowUpRow>(
            """
            SELECT f.action_key AS ActionKey, f.kind AS Kind, f.department_code AS DepartmentCode, f.not_before AS NotBefore, f.due_on AS DueOn,
                   c.payload_json AS CorrectionPayload
            FROM follow_ups f
            LEFT JOIN follow_ups c ON c.inspection_id = f.inspection_id AND c.item_code = f.item_code AND c.kind = 'correction-order'
            WHERE f.status = 'open' AND f.kind IN ('correction-order', 'reinspection')
            ORDER BY f.action_key
            """, ct: ct);
        var open = new List<OpenFollowUpDeadline>();
        foreach (var r in rows)
        {
            // Every re-inspection follows a correction order of the same (inspection, item); without one there is
            // nothing to count from, and the row is left as it is.
            if (r.CorrectionPayload is null || JsonNode.Parse(r.CorrectionPayload)?["issuedOn"]?.GetValue<string>() is not { } issued) continue;
            open.Add(new OpenFollowUpDeadline(r.ActionKey, r.Kind, r.DepartmentCode, r.NotBefore, r.DueOn, DateOnly.ParseExact(issued, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        }

        return open;
    }

    /// <summary>Listings on the abnormal-operations list not yet removed.</summary>
    public async Task<IReadOnlyList<OpenListingDeadline>> ReadOpenListingsAsync(CancellationToken ct = default)
    {
        var rows = await store.QueryAsync<ListingRow>(
            """
            SELECT entity_credit_code AS EntityCreditCode, source_inspection_id AS SourceInspectionId, verified_on AS VerifiedOn, list_by AS ListBy
            FROM abnormal_listings WHERE removed_on IS NULL ORDER BY entity_credit_code, source_inspection_id
            """, ct: ct);
        return [.. rows.Select(r => new OpenListingDeadline(r.EntityCreditCode, r.SourceInspectionId, r.VerifiedOn, r.ListBy))];
    }

    /// <summary>Approved inspections not yet published: their publication deadline is open.</summary>
    public async Task<IReadOnlyList<AwaitingPublication>> ReadAwaitingPublicationAsync(CancellationToken ct = default)
    {
        return [.. await store.QueryAsync<AwaitingPublication>(
            """
            SELECT inspection_id AS InspectionId, lead_department AS LeadDepartment, approved_on AS ApprovedOn, publication_due AS PublicationDue
            FROM inspections WHERE state = 'Approved' AND approved_on IS NOT NULL ORDER BY inspection_id
            """, ct: ct)];
    }

    /// <summary>
    /// Inspections with a deadline mark due and not set: open ones not marked overdue that are either due on or before
    /// <paramref name="horizon"/> (the last due date that counts as "due soon" on <paramref name="today"/>) and not yet
    /// warned, or past their due date; approved ones likewise for their publication deadline. Their grains' deadline check
    /// sets what is due.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReadUnmarkedDueAsync(DateOnly today, DateOnly horizon, CancellationToken ct = default)
    {
        var open = InspectionQueries.OpenStates.ToList();
        return [.. await store.QueryAsync<string>(
            $"""
            SELECT inspection_id FROM inspections
            WHERE (state {store.In("@open")} AND overdue = @no AND ((due_warned = @no AND due_date <= @horizon) OR due_date < @today))
               OR (state = 'Approved' AND publication_overdue = @no
                   AND ((publication_warned = @no AND publication_due <= @horizon) OR publication_due < @today))
            ORDER BY inspection_id
            """, new { open, today, horizon, no = false }, ct)];
    }

    /// <summary>
    /// Writes follow-up and listing changes in one transaction, each guarded by the value it was computed from (a row
    /// changed meanwhile is left alone: whoever changed it computed with the same calendar). Returns how many were written.
    /// </summary>
    public async Task<int> ApplyAsync(IReadOnlyList<DeadlineChange> changes, Actor actor, string calendarVersion, CancellationToken ct = default)
    {
        if (changes.Count == 0) return 0;
        var now = clock.GetUtcNow();
        // The store's transaction: on SQLite an immediate one, so it never waits to upgrade a read lock under a writer.
        return await store.InTransactionAsync(async (connection, tx) =>
        {
            var written = 0;
            foreach (var c in changes)
            {
                int rows;
                switch (c.SubjectType)
                {
                    case "follow-up":
                        var payload = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                            "SELECT payload_json FROM follow_ups WHERE action_key = @key AND status = 'open'", new { key = c.SubjectKey }, tx, cancellationToken: ct));
                        if (payload is null) continue;
                        var node = JsonNode.Parse(payload)!.AsObject();
                        if (c.NotBeforeAfter is { } nb)
                        {
                            node["notBefore"] = nb.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                            node["dueBy"] = c.After.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                        }
                        else
                        {
                            node["dueOn"] = c.After.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                        }

                        rows = await connection.ExecuteAsync(new CommandDefinition(
                            """
                            UPDATE follow_ups SET due_on = @after, not_before = @notBefore, payload_json = @payload, updated_at = @now
                            WHERE action_key = @key AND status = 'open' AND due_on = @before
                            """,
                            new { after = c.After, notBefore = c.NotBeforeAfter ?? c.NotBeforeBefore, payload = node.ToJsonString(), now, key = c.SubjectKey, before = c.Before },
                            tx, cancellationToken: ct));
                        break;
                    case "abnormal-listing":
                        var (entity, source) = SplitListingKey(c.SubjectKey);
                        rows = await connection.ExecuteAsync(new CommandDefinition(
                            """
                            UPDATE abnormal_listings SET list_by = @after, updated_at = @now
                            WHERE entity_credit_code = @entity AND source_inspection_id = @source AND removed_on IS NULL AND list_by = @before
                            """, new { after = c.After, now, entity, source, before = c.Before }, tx, cancellationToken: ct));
                        // The register's entry of that finding, while still pending, has the same deadline (one audit line: this one).
                        await connection.ExecuteAsync(new CommandDefinition(
                            "UPDATE abnormal_entries SET list_by = @after WHERE source_inspection_id = @source AND state = 'pending' AND list_by = @before",
                            new { after = c.After, source, before = c.Before }, tx, cancellationToken: ct));
                        break;
                    default:
                        throw new ArgumentException($"{c.SubjectType} deadlines are written by their owner, not here", nameof(changes));
                }

                if (rows == 1)
                {
                    written++;
                    await audit.AppendAsync(connection, tx, actor, AuditAction, c.SubjectType, c.SubjectKey, c.DepartmentCode,
                        Dates(c.Field, c.Before, c.NotBeforeBefore, null), Dates(c.Field, c.After, c.NotBeforeAfter, calendarVersion));
                }
            }

            return written;
        }, ct);
    }

    /// <summary>The audit line's before/after: the moved dates, and after it the calendar that moved them.</summary>
    public static Dictionary<string, string?> Dates(string field, DateOnly? due, DateOnly? notBefore, string? calendarVersion)
    {
        var d = new Dictionary<string, string?> { [field] = due?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) };
        if (notBefore is { } nb) d["notBefore"] = nb.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (calendarVersion is not null) d["calendar"] = calendarVersion;
        return d;
    }

    private static (string Entity, string Source) SplitListingKey(string key)
    {
        // "{entityCreditCode}/{sourceInspectionId}": a credit code has no '/', an inspection id has one.
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }
}
