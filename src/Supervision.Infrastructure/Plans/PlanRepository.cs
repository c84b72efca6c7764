using System.Data.Common;
using System.Text.Json;
using Dapper;
using Supervision.Core.Identity;
using Supervision.Core.Plans;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Plans;

/// <summary>
/// Persists what <see cref="PlanWorkflow"/> decided (schema 0031): the new plan (through <see cref="VersionedWriter"/>), and
/// each step over the version it was decided from with its audit line (<c>plan.{step}</c>) in one transaction; a
/// publication also writes the revision to <c>plan_revisions</c>, where it stays.
/// </summary>
public sealed class PlanRepository(SqlStore store, AuditLog audit, VersionedWriter writer)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal const string PlanColumns =
        """
        p.plan_id AS PlanId, p.department_code AS DepartmentCode, p.year AS Year, p.revision AS Revision, p.state AS State, p.lines_json AS LinesJson,
        p.reason AS Reason, p.drafted_by AS DraftedBy, p.drafted_at AS DraftedAt, p.approved_by AS ApprovedBy, p.approved_at AS ApprovedAt,
        p.created_by AS CreatedBy, p.created_at AS CreatedAt, p.version AS Version
        """;

    internal const string RevisionColumns =
        """
        r.plan_id AS PlanId, r.department_code AS DepartmentCode, r.year AS Year, r.revision AS Revision, r.lines_json AS LinesJson, r.reason AS Reason,
        r.drafted_by AS DraftedBy, r.approved_by AS ApprovedBy, r.approved_at AS ApprovedAt, r.published_by AS PublishedBy, r.published_at AS PublishedAt,
        r.published_on AS PublishedOn
        """;

    public async Task<Plan?> GetAsync(string planId, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await LoadAsync(connection, null, planId, ct);
    }

    /// <summary>The plan and its published revisions, oldest first (on the caller's connection, in its transaction if any).</summary>
    internal static async Task<Plan?> LoadAsync(DbConnection connection, DbTransaction? tx, string planId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PlanRow>(new CommandDefinition(
            $"SELECT {PlanColumns} FROM plans p WHERE p.plan_id = @planId", new { planId }, tx, cancellationToken: ct));
        if (row is null) return null;
        var revisions = await connection.QueryAsync<RevisionRow>(new CommandDefinition(
            $"SELECT {RevisionColumns} FROM plan_revisions r WHERE r.plan_id = @planId ORDER BY r.revision", new { planId }, tx, cancellationToken: ct));
        return row.ToPlan([.. revisions.Select(r => r.ToRevision())]);
    }

    /// <summary>Records a new plan with its audit line (<c>plan.created</c>); false when the department already has a plan for that year.</summary>
    public async Task<bool> InsertAsync(Plan plan, Actor actor, CancellationToken ct = default)
    {
        var result = await writer.CreateAsync("plan", plan.Id, actor, plan, p => p.DepartmentCode, (connection, tx, p) =>
            connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO plans (plan_id, department_code, year, revision, state, lines_json, reason, drafted_by, drafted_at, approved_by, approved_at,
                    created_by, created_at, version)
                VALUES (@PlanId, @DepartmentCode, @Year, @Revision, @State, @LinesJson, @Reason, @DraftedBy, @DraftedAt, @ApprovedBy, @ApprovedAt,
                    @CreatedBy, @CreatedAt, @Version)
                ON CONFLICT DO NOTHING
                """, PlanRow.Of(p), tx, cancellationToken: ct)), ct);
        return result.Outcome == WriteOutcome.Created;
    }

    /// <summary>
    /// Writes a step over the stored version <c>before.Version</c> with its audit line (<paramref name="action"/>); a revision
    /// published by the step is written to <c>plan_revisions</c> in the same transaction. False when the plan changed since it was read.
    /// </summary>
    public Task<bool> WriteAsync(Plan before, Plan after, Actor actor, string action, CancellationToken ct = default) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var row = PlanRow.Of(after);
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE plans SET revision = @Revision, state = @State, lines_json = @LinesJson, reason = @Reason, drafted_by = @DraftedBy, drafted_at = @DraftedAt,
                    approved_by = @ApprovedBy, approved_at = @ApprovedAt, version = @Version
                WHERE plan_id = @PlanId AND version = @previous
                """,
                new
                {
                    row.Revision, row.State, row.LinesJson, row.Reason, row.DraftedBy, row.DraftedAt, row.ApprovedBy, row.ApprovedAt, row.Version, row.PlanId,
                    previous = before.Version,
                }, tx, cancellationToken: ct));
            if (changed == 0) return false;
            foreach (var published in after.Published.Skip(before.Published.Count))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO plan_revisions (plan_id, revision, department_code, year, lines_json, reason, drafted_by, approved_by, approved_at,
                        published_by, published_at, published_on)
                    VALUES (@PlanId, @Revision, @DepartmentCode, @Year, @LinesJson, @Reason, @DraftedBy, @ApprovedBy, @ApprovedAt,
                        @PublishedBy, @PublishedAt, @PublishedOn)
                    """, RevisionRow.Of(after, published), tx, cancellationToken: ct));
            }

            await audit.AppendAsync(connection, tx, actor, action, "plan", after.Id, after.DepartmentCode, Summary(before), Summary(after));
            return true;
        }, ct);

    private static object Summary(Plan p) => new { p.Revision, p.State, p.Reason, p.Lines, p.DraftedBy, p.ApprovedBy, Published = p.Published.Count, p.Version };

    /// <summary>A stored plan row as Dapper reads it (timestamps through the store's type handlers).</summary>
    internal sealed class PlanRow : PlanRowBase
    {
        public string State { get; init; } = "";
        public string DraftedBy { get; init; } = "";
        public DateTimeOffset DraftedAt { get; init; }
        public string? ApprovedBy { get; init; }
        public DateTimeOffset? ApprovedAt { get; init; }
        public string CreatedBy { get; init; } = "";
        public DateTimeOffset CreatedAt { get; init; }
        public long Version { get; init; }

        public static PlanRow Of(Plan p) => new()
        {
            PlanId = p.Id, DepartmentCode = p.DepartmentCode, Year = p.Year, Revision = p.Revision, State = p.State, LinesJson = LinesToJson(p.Lines),
            Reason = p.Reason, DraftedBy = p.DraftedBy, DraftedAt = p.DraftedAt, ApprovedBy = p.ApprovedBy, ApprovedAt = p.ApprovedAt,
            CreatedBy = p.CreatedBy, CreatedAt = p.CreatedAt, Version = p.Version,
        };

        public Plan ToPlan(IReadOnlyList<PlanRevision> published) => new(DepartmentCode, Year, Revision, State, Lines, Reason, DraftedBy, DraftedAt,
            ApprovedBy, ApprovedAt, published, CreatedBy, CreatedAt, Version);
    }

    /// <summary>A stored published revision (dates through the store's type handlers, so properties, not a positional record).</summary>
    internal sealed class RevisionRow : PlanRowBase
    {
        public string DraftedBy { get; init; } = "";
        public string ApprovedBy { get; init; } = "";
        public DateTimeOffset ApprovedAt { get; init; }
        public string PublishedBy { get; init; } = "";
        public DateTimeOffset PublishedAt { get; init; }
        public DateOnly PublishedOn { get; init; }

        public static RevisionRow Of(Plan plan, PlanRevision r) => new()
        {
            PlanId = plan.Id, DepartmentCode = plan.DepartmentCode, Year = plan.Year, Revision = r.Revision, LinesJson = LinesToJson(r.Lines), Reason = r.Reason,
            DraftedBy = r.DraftedBy, ApprovedBy = r.ApprovedBy, ApprovedAt = r.ApprovedAt, PublishedBy = r.PublishedBy, PublishedAt = r.PublishedAt,
            PublishedOn = r.PublishedOn,
        };

        public PlanRevision ToRevision() =>
            new(Revision, Lines, Reason, DraftedBy, ApprovedBy, ApprovedAt, PublishedBy, PublishedAt, PublishedOn);
    }

    internal static string LinesToJson(IReadOnlyList<PlanLine> lines) => JsonSerializer.Serialize(lines, Json);

    internal static IReadOnlyList<PlanLine> LinesOf(string json) => JsonSerializer.Deserialize<PlanLine[]>(json, Json) ?? [];
}

/// <summary>
/// What every row of a plan has, whether the plan's working revision or one of its published revisions, as the repository
/// and the queries read them (properties, not positional records: Dapper maps SQLite's text dates only onto properties).
/// </summary>
public abstract class PlanRowBase
{
    public string PlanId { get; init; } = "";
    public string DepartmentCode { get; init; } = "";
    public int Year { get; init; }
    public int Revision { get; init; }
    public string LinesJson { get; init; } = "[]";
    public string? Reason { get; init; }

    public IReadOnlyList<PlanLine> Lines => PlanRepository.LinesOf(LinesJson);
}
