using System.Security.Cryptography;
using Supervision.Core.Calendar;
using Supervision.Core.Credit;
using Supervision.Core.Identity;
using Supervision.Core.Operations;
using Supervision.Infrastructure.Credit;

namespace Supervision.Grains.Credit;

/// <summary>
/// Imports a CSV of external credit records (docs/csv-formats.md): reads the whole file (hashing it), validates every
/// line, checks that each entity is in the directory, then appends the accepted records in one transaction. Rejected
/// lines are reported with line, field and reason and never stored; only credit officers and admins import. Run by the operation grain from the staged upload;
/// the import id is the operation's target, so running it again after a crash appends nothing twice.
/// </summary>
public sealed class CreditImporter(CreditImportStore store, CreditQueries queries, WorkflowClock clock)
{
    /// <summary>The report, or the problem that refuses the file (400 naming <c>file</c>).</summary>
    public async Task<(CreditImportReport? Report, OperationProblem? Problem)> ImportAsync(string importId, Stream csv, string fileName, Actor actor,
        CancellationToken ct = default)
    {
        // The credit routes' rule, applied here too: the import's one write path answers for who may record (the
        // operation that runs it checked the same before).
        if (!OperationKinds.RequiredRoles(OperationKinds.CreditImport).Any(actor.Has))
            return (null, new OperationProblem(403, "Forbidden", $"'{actor.Username}' may not record external credit records: credit officers and platform admins do."));
        if (await queries.ImportAsync(importId, ct) is { } done) return (done, null);
        using var buffer = new MemoryStream();
        await csv.CopyToAsync(buffer, ct);
        var sha = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Position = 0;
        var accepted = new List<(long Line, ExternalCreditRecord Record)>();
        var errors = new List<CreditImportError>();
        var rows = 0;
        foreach (var result in ExternalCreditCsv.Read(buffer, clock.Today))
        {
            if (result.IsFatal) return (null, Contracts.Operations.OperationProblems.Validation([Supervision.Core.Validation.FieldError.Format("file", Supervision.Core.Validation.FieldFormats.Csv, $"{fileName}: {string.Join("; ", result.Errors.Select(e => e.Reason))}")]));
            rows++;
            if (result.IsRecord) accepted.Add((result.LineNumber, result.Record!));
            else errors.AddRange(result.Errors.Select(e => new CreditImportError(result.LineNumber, e.Field, e.Reason)));
        }

        var known = await store.KnownEntitiesAsync(accepted.Select(a => a.Record.CreditCode).ToList(), ct);
        var records = new List<ExternalCreditRecord>();
        foreach (var (line, record) in accepted)
        {
            if (known.Contains(record.CreditCode)) records.Add(record);
            else errors.Add(new CreditImportError(line, "creditCode", $"no market entity {record.CreditCode} in the directory"));
        }

        var rejectedLines = errors.Select(e => e.Line).Distinct().Count();
        var report = new CreditImportReport(importId, fileName, sha, rows, 0, 0, rejectedLines, errors.OrderBy(e => e.Line).ToList(), "", default);
        await store.AppendExternalAsync(report, records, actor, ct);
        return (await queries.ImportAsync(importId, ct), null);
    }
}
