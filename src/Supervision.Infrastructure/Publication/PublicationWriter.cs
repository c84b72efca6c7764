using System.Data.Common;
using Dapper;
using Supervision.Core.Feeds;
using Supervision.Core.Publication;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// Writes the public read model when an inspection's published version changes, inside the transaction that commits
/// the change (so a result is public exactly when the inspection says Published). It reads the facts the record is made
/// of, lets <see cref="PublicResults.Compose"/> decide what may be public — result codes per item, dates, the task and the
/// entity's registered name and codes — and writes that. Findings text, evidence, team certificates and drafts never reach
/// these tables; team names only when the lead department chose to publish them; a field a reviewer withheld only as its
/// name and reason category (docs/retention.md).
/// </summary>
public static class PublicationWriter
{
    /// <summary>The transaction-level advisory lock that orders publications (any constant unique among the platform's advisory locks).</summary>
    public const long PublicationSeqLock = Feeds.PublicEventLog.SeqLock;

    public static async Task WriteAsync(DbConnection connection, DbTransaction tx, PublicationBasis basis, CancellationToken ct)
    {
        var result = PublicResults.Compose(basis, await FactsAsync(connection, tx, basis, ct));

        // Publications take their seq one transaction at a time, held until commit, so that seq order is commit order: a
        // reader that saw max(seq) = n then never meets a row below n committed later, and a bulk file "up to seq n"
        // (whose checksum is stored) never changes. Without it, a concurrent publication could take seq n - 1 and commit
        // after n. Publishing is rare beside reading; SQLite has one writer anyway.
        if (connection is Npgsql.NpgsqlConnection)
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = PublicationSeqLock }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO published_results (publication_id, inspection_id, version, kind, reason, task_id, task_name, entity_credit_code, entity_name,
                division_code, industry_code, lead_department, departments, inspected_on, approved_on, published_on, published_at, publication_due, team_names, withheld)
            VALUES (@PublicationId, @InspectionId, @Version, @Kind, @Reason, @TaskId, @TaskName, @EntityCreditCode, @EntityName,
                @DivisionCode, @IndustryCode, @LeadDepartment, @Departments, @InspectedOn, @ApprovedOn, @PublishedOn, @PublishedAt, @PublicationDue, @TeamNames, @Withheld)
            """,
            new
            {
                result.PublicationId, result.InspectionId, result.Version, result.Kind, result.Reason, result.TaskId, result.TaskName, result.EntityCreditCode,
                result.EntityName, result.DivisionCode, result.IndustryCode, result.LeadDepartment, result.Departments, result.InspectedOn, result.ApprovedOn,
                result.PublishedOn, result.PublishedAt, result.PublicationDue, result.TeamNames, result.Withheld,
            }, tx, cancellationToken: ct));

        foreach (var item in result.Items)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO published_result_items (publication_id, item_code, item_name, department_code, result_codes, inspected_on)
                VALUES (@publicationId, @ItemCode, @ItemName, @DepartmentCode, @ResultCodes, @InspectedOn)
                """,
                new { publicationId = result.PublicationId, item.ItemCode, item.ItemName, item.DepartmentCode, item.ResultCodes, item.InspectedOn },
                tx, cancellationToken: ct));
        }

        // The feeds and webhooks learn of it in the same transaction (docs/webhooks.md).
        await Feeds.PublicEventLog.AppendAsync(connection, tx, PublicEvent.Of(
            result.Kind == "amendment" ? PublicEventKinds.AmendmentPublished : PublicEventKinds.ResultPublished,
            result.EntityCreditCode, result.EntityName, result.LeadDepartment, result.DivisionCode, result.TaskId, result.PublishedAt,
            new
            {
                result.PublicationId, result.InspectionId, result.Version, result.Kind, result.Reason, result.TaskId, result.TaskName,
                result.EntityCreditCode, result.EntityName, result.DivisionCode, result.IndustryCode, result.LeadDepartment,
                result.InspectedOn, result.ApprovedOn, result.PublishedOn,
                items = result.Items.Select(i => new { i.ItemCode, i.ItemName, i.DepartmentCode, i.ResultCodes, i.InspectedOn }),
            }), ct);

        // The version it replaces stays public, marked as superseded (the one update this table ever sees).
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE published_results SET superseded_by = @Version, superseded_on = @PublishedOn
            WHERE inspection_id = @InspectionId AND version <> @Version AND superseded_by IS NULL
            """, new { result.Version, result.PublishedOn, result.InspectionId }, tx, cancellationToken: ct));

        // An upheld objection to an earlier version is corrected by this one: linked to it, in the same transaction, so the
        // outcome beside the result names the amended version from the moment it is public (ObjectionWorkflow.LinkAmendment).
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE objections SET amended_version = @Version, amended_on = @PublishedOn
            WHERE inspection_id = @InspectionId AND state = 'upheld' AND amended_version IS NULL AND result_version < @Version
            """, new { result.Version, result.PublishedOn, result.InspectionId }, tx, cancellationToken: ct));
    }

    /// <summary>The entity, task, item and team names and the earlier publications, as the transaction sees them.</summary>
    private static async Task<PublicationFacts> FactsAsync(DbConnection connection, DbTransaction tx, PublicationBasis basis, CancellationToken ct)
    {
        var insp = basis.Inspection;
        var entity = await connection.QuerySingleOrDefaultAsync<(string Name, string DivisionCode, string IndustryCode)>(new CommandDefinition(
            "SELECT name, division_code, industry_code FROM market_entities WHERE credit_code = @code",
            new { code = insp.EntityCreditCode }, tx, cancellationToken: ct));
        var taskName = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT name FROM draw_tasks WHERE task_id = @taskId", new { taskId = insp.TaskId }, tx, cancellationToken: ct));
        var itemNames = (await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(
            "SELECT code, name FROM inspection_items", transaction: tx, cancellationToken: ct))).ToDictionary(r => r.Code, r => r.Name, StringComparer.Ordinal);
        var publishTeamNames = await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT publish_team_names FROM departments WHERE code = @code", new { code = insp.LeadDepartment }, tx, cancellationToken: ct));
        Dictionary<string, string?>? teamNames = null;
        if (publishTeamNames == true)
        {
            teamNames = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var member in insp.Team.OrderByDescending(m => m.IsLead))
            {
                teamNames[member.CertificateNo] = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                    "SELECT name FROM inspectors WHERE certificate_no = @cert", new { cert = member.CertificateNo }, tx, cancellationToken: ct));
            }
        }
        var earlier = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM published_results WHERE inspection_id = @id", new { id = insp.InspectionId }, tx, cancellationToken: ct));
        return new PublicationFacts(entity.Name, entity.DivisionCode, entity.IndustryCode, taskName, itemNames, teamNames, earlier);
    }
}
