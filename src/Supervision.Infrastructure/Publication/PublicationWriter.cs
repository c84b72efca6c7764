using System.Data.Common;
using Dapper;
using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Infrastructure.Inspections;

namespace Supervision.Infrastructure.Publication;

/// <summary>
/// Writes the public read model when an inspection's published version changes, inside the transaction that commits
/// the change (so a result is public exactly when the inspection says Published). Only what may be public is copied:
/// result codes per item, dates, the task and the entity's registered name and codes. Findings text, evidence, team
/// certificates and drafts never reach these tables; team names only when the lead department chose to publish them.
/// </summary>
public static class PublicationWriter
{
    /// <summary>The transaction-level advisory lock that orders publications (any constant unique among the platform's advisory locks).</summary>
    public const long PublicationSeqLock = 0x5355_5045_5256_5055; // "SUPERVPU"

    public static async Task WriteAsync(DbConnection connection, DbTransaction tx, InspectionChange change, DateTimeOffset now, CancellationToken ct)
    {
        var before = change.Before.Inspection;
        var after = change.After;
        if (after.PublishedVersion is not { } number || number == before.PublishedVersion) return;
        var version = after.History.Single(v => v.Number == number);
        var publicationId = $"{after.InspectionId}/v{number}";
        now = change.At ?? now;
        var publishedOn = ChinaTime.DateOf(now);

        var entity = await connection.QuerySingleOrDefaultAsync<(string Name, string DivisionCode, string IndustryCode)>(new CommandDefinition(
            "SELECT name, division_code, industry_code FROM market_entities WHERE credit_code = @code",
            new { code = after.EntityCreditCode }, tx, cancellationToken: ct));
        var taskName = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT name FROM draw_tasks WHERE task_id = @taskId", new { taskId = after.TaskId }, tx, cancellationToken: ct));
        var itemNames = (await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(
            "SELECT code, name FROM inspection_items", transaction: tx, cancellationToken: ct))).ToDictionary(r => r.Code, r => r.Name, StringComparer.Ordinal);
        var teamNames = await TeamNamesAsync(connection, tx, after, ct);
        var earlier = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM published_results WHERE inspection_id = @id", new { id = after.InspectionId }, tx, cancellationToken: ct));

        DateOnly VisitDate(ItemResult r) => r.VisitedAt is { } at ? ChinaTime.DateOf(at) : change.Marks.ApprovedOn ?? publishedOn;
        var inspectedOn = version.Results.Count == 0 ? publishedOn : version.Results.Max(VisitDate);
        var departments = "," + string.Join(',', new[] { after.LeadDepartment }.Concat(after.ReviewingDepartments).Distinct(StringComparer.Ordinal)) + ",";

        // Publications take their seq one transaction at a time, held until commit, so that seq order is commit order: a
        // reader that saw max(seq) = n then never meets a row below n committed later, and a bulk file "up to seq n"
        // (whose checksum is stored) never changes. Without it, a concurrent publication could take seq n - 1 and commit
        // after n. Publishing is rare beside reading; SQLite has one writer anyway.
        if (connection is Npgsql.NpgsqlConnection)
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = PublicationSeqLock }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO published_results (publication_id, inspection_id, version, kind, reason, task_id, task_name, entity_credit_code, entity_name,
                division_code, industry_code, lead_department, departments, inspected_on, approved_on, published_on, published_at, publication_due, team_names)
            VALUES (@publicationId, @inspectionId, @number, @kind, @reason, @taskId, @taskName, @creditCode, @entityName,
                @divisionCode, @industryCode, @lead, @departments, @inspectedOn, @approvedOn, @publishedOn, @now, @publicationDue, @teamNames)
            """,
            new
            {
                publicationId, inspectionId = after.InspectionId, number, kind = earlier > 0 ? "amendment" : "initial",
                reason = earlier > 0 ? version.Reason : null, taskId = after.TaskId, taskName = taskName ?? after.TaskId, creditCode = after.EntityCreditCode,
                entityName = entity.Name ?? change.Before.EntityName, divisionCode = entity.DivisionCode ?? change.Before.DivisionCode,
                industryCode = entity.IndustryCode ?? "", lead = after.LeadDepartment, departments, inspectedOn,
                approvedOn = change.Marks.ApprovedOn ?? publishedOn, publishedOn, now, publicationDue = change.Marks.PublicationDue, teamNames,
            }, tx, cancellationToken: ct));

        foreach (var result in version.Results)
        {
            var item = after.Items.FirstOrDefault(i => i.ItemCode == result.ItemCode);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO published_result_items (publication_id, item_code, item_name, department_code, result_codes, inspected_on)
                VALUES (@publicationId, @itemCode, @itemName, @department, @codes, @inspectedOn)
                """,
                new
                {
                    publicationId, itemCode = result.ItemCode, itemName = itemNames.GetValueOrDefault(result.ItemCode, result.ItemCode),
                    department = item?.DepartmentCode ?? after.LeadDepartment, codes = string.Join(',', (result.ResultCodes ?? []).Order(StringComparer.Ordinal)),
                    inspectedOn = VisitDate(result),
                }, tx, cancellationToken: ct));
        }

        // The version it replaces stays public, marked as superseded (the one update this table ever sees).
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE published_results SET superseded_by = @number, superseded_on = @publishedOn
            WHERE inspection_id = @id AND version <> @number AND superseded_by IS NULL
            """, new { number, publishedOn, id = after.InspectionId }, tx, cancellationToken: ct));
    }

    /// <summary>Team members' names (never certificates), lead first, when the lead department publishes them.</summary>
    private static async Task<string?> TeamNamesAsync(DbConnection connection, DbTransaction tx, Inspection insp, CancellationToken ct)
    {
        var publish = await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT publish_team_names FROM departments WHERE code = @code", new { code = insp.LeadDepartment }, tx, cancellationToken: ct));
        if (publish != true) return null;
        var names = new List<string>();
        foreach (var member in insp.Team.OrderByDescending(m => m.IsLead))
        {
            var name = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT name FROM inspectors WHERE certificate_no = @cert", new { cert = member.CertificateNo }, tx, cancellationToken: ct));
            if (!string.IsNullOrWhiteSpace(name)) names.Add(name);
        }
        return names.Count == 0 ? null : string.Join('、', names);
    }

    /// <summary>Two-character substrings of a name: what the PostgreSQL name index holds (supervision_bigrams in 0010).</summary>
    public static string[] Bigrams(string text)
    {
        var grams = new HashSet<string>(StringComparer.Ordinal);
        var runes = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        for (var i = 0; i + 1 < runes.Length; i++) grams.Add(runes[i] + runes[i + 1]);
        return [.. grams.Order(StringComparer.Ordinal)];
    }
}
