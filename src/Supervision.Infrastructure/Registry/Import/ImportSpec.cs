using Npgsql;
using NpgsqlTypes;
using Supervision.Core.Registry;

namespace Supervision.Infrastructure.Registry.Import;

/// <summary>One column of a directory table as the importer stages it: its DDL, its SQLite value, and its typed COPY write.</summary>
internal sealed record StagedColumn<T>(
    string Name,
    string PostgresDdl,
    string SqliteDdl,
    Func<Staged<T>, object?> Value,
    Func<NpgsqlBinaryImporter, Staged<T>, CancellationToken, Task> Copy)
{
    public static StagedColumn<T> Text(string name, bool nullable, Func<T, string?> get) => new(
        name,
        nullable ? "text" : "text NOT NULL",
        nullable ? "TEXT" : "TEXT NOT NULL",
        s => (object?)get(s.Record) ?? DBNull.Value,
        (w, s, ct) => get(s.Record) is { } v ? w.WriteAsync(v, NpgsqlDbType.Text, ct) : w.WriteNullAsync(ct));

    public static StagedColumn<T> Date(string name, Func<T, DateOnly?> get) => new(
        name,
        "date",
        "TEXT",
        s => get(s.Record) is { } d ? d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : DBNull.Value,
        (w, s, ct) => get(s.Record) is { } d ? w.WriteAsync(d, NpgsqlDbType.Date, ct) : w.WriteNullAsync(ct));

    public static StagedColumn<T> Flag(string name, Func<Staged<T>, bool> get) => new(
        name,
        "boolean NOT NULL",
        "INTEGER NOT NULL",
        s => get(s) ? 1 : 0,
        (w, s, ct) => w.WriteAsync(get(s), NpgsqlDbType.Boolean, ct));
}

/// <summary>A check of staged rows against the directory: <see cref="LinesSql"/> selects the refused lines; parameters @department.</summary>
internal sealed record ImportGuard(string Field, string Reason, string LinesSql);

/// <summary>A row on its way into the staging table: the record, whether it was flagged for review, and the target database.</summary>
internal readonly record struct Staged<T>(T Record, bool Flagged);

/// <summary>
/// How one directory (entities or inspectors) is staged and merged. Both directories share the importer;
/// only this description differs.
/// </summary>
internal sealed class ImportSpec<T>
{
    public required string Kind { get; init; }

    public required string Table { get; init; }

    public required string Key { get; init; }

    /// <summary>The audit log's subject type for one record ("entity", "inspector"), as the single-record routes write it.</summary>
    public required string AuditSubject { get; init; }

    /// <summary>The column whose value is the audit line's department (null: none).</summary>
    public string? AuditDepartmentColumn { get; init; }

    public required IReadOnlyList<StagedColumn<T>> Columns { get; init; }

    /// <summary>
    /// Row checks that need the current directory, run on the staging table before anything is merged: each query
    /// selects <c>line</c> of the staged rows that <paramref>actor</paramref> may not write, and the reason. Those rows
    /// are reported and left out, exactly as the single-record route would refuse them (<see cref="DirectoryAccess"/>).
    /// </summary>
    public Func<Supervision.Core.Identity.Actor, IReadOnlyList<ImportGuard>> Guards { get; init; } = _ => [];

    /// <summary>Optional SQL run on the staging table before the merge (e.g. to keep values the file leaves empty).</summary>
    public string? BeforeMerge { get; init; }

    /// <summary>SELECT-list expression per column when inserting from staging (defaults to the column itself).</summary>
    public IReadOnlyDictionary<string, string> InsertExpressions { get; init; } = new Dictionary<string, string>();

    public string StageTable => "stage_" + Table;
}

internal static class ImportSpecs
{
    private static string List(IReadOnlyList<string> values) => string.Join(',', values);

    public static readonly ImportSpec<MarketEntityRecord> Entities = new()
    {
        Kind = "entities",
        Table = "market_entities",
        Key = "credit_code",
        AuditSubject = "entity",
        Columns =
        [
            StagedColumn<MarketEntityRecord>.Text("credit_code", false, r => r.CreditCode),
            StagedColumn<MarketEntityRecord>.Text("legacy_reg_no", true, r => r.LegacyRegNo),
            StagedColumn<MarketEntityRecord>.Text("name", false, r => r.Name),
            StagedColumn<MarketEntityRecord>.Text("entity_type", false, r => r.EntityType),
            StagedColumn<MarketEntityRecord>.Text("industry_code", false, r => r.IndustryCode),
            StagedColumn<MarketEntityRecord>.Text("division_code", false, r => r.DivisionCode),
            StagedColumn<MarketEntityRecord>.Text("address", false, r => r.Address),
            StagedColumn<MarketEntityRecord>.Text("legal_representative", false, r => r.LegalRepresentative),
            // NULL: the file's cell was empty, and the stored status stays (filled in before the merge).
            StagedColumn<MarketEntityRecord>.Text("status", true, r => r.KeepStatus ? null : r.Status),
            StagedColumn<MarketEntityRecord>.Date("registered_on", r => r.RegisteredOn),
            StagedColumn<MarketEntityRecord>.Text("credit_class", true, r => r.CreditClass),
            StagedColumn<MarketEntityRecord>.Text("tags", false, r => List(r.Tags)),
            StagedColumn<MarketEntityRecord>.Flag("checksum_review", s => s.Flagged),
        ],

        // The credit class is the credit model's to change: a file that leaves it empty keeps the current class
        // (or the default class B for a new entity). An empty status likewise keeps the stored one (open for a new
        // entity): a file without the column, or with a blank cell, must not reopen a revoked entity.
        BeforeMerge =
            """
            UPDATE stage_market_entities SET credit_class = (
                SELECT e.credit_class FROM market_entities e WHERE e.credit_code = stage_market_entities.credit_code)
            WHERE credit_class IS NULL;
            UPDATE stage_market_entities SET status = COALESCE((
                SELECT e.status FROM market_entities e WHERE e.credit_code = stage_market_entities.credit_code), 'open')
            WHERE status IS NULL
            """,
        InsertExpressions = new Dictionary<string, string> { ["credit_class"] = "COALESCE(credit_class, 'B')" },
        Guards = actor =>
        {
            var guards = new List<ImportGuard>();
            if (!DirectoryAccess.MaySetCreditClass(actor))
            {
                guards.Add(new ImportGuard("creditClass", DirectoryAccess.CreditClassRefusal,
                    """
                    SELECT s.line FROM stage_market_entities s LEFT JOIN market_entities e ON e.credit_code = s.credit_code
                    WHERE s.credit_class IS NOT NULL AND (e.credit_code IS NULL OR e.credit_class <> s.credit_class)
                    """));
            }

            if (!DirectoryAccess.MayChangeEntityStatus(actor))
            {
                guards.Add(new ImportGuard("status", DirectoryAccess.StatusRefusal,
                    "SELECT s.line FROM stage_market_entities s JOIN market_entities e ON e.credit_code = s.credit_code WHERE e.status <> s.status"));
            }

            return guards;
        },
    };

    public static readonly ImportSpec<InspectorRecord> Inspectors = new()
    {
        Kind = "inspectors",
        Table = "inspectors",
        Key = "certificate_no",
        AuditSubject = "inspector",
        AuditDepartmentColumn = "department_code",
        Columns =
        [
            StagedColumn<InspectorRecord>.Text("certificate_no", false, r => r.CertificateNo),
            StagedColumn<InspectorRecord>.Text("name", false, r => r.Name),
            StagedColumn<InspectorRecord>.Text("department_code", false, r => r.DepartmentCode),
            StagedColumn<InspectorRecord>.Date("certificate_expires_on", r => r.CertificateExpiresOn),
            StagedColumn<InspectorRecord>.Text("specialties", false, r => List(r.Specialties)),
            StagedColumn<InspectorRecord>.Text("status", false, r => r.Status),
            StagedColumn<InspectorRecord>.Text("conflicts", false, r => List(r.Conflicts)),
        ],

        // A scheduler's file may name only their own department (checked per row as it is read); here, an existing
        // inspector of another department may not be taken over by naming them in it.
        Guards = actor => actor.IsAdmin ? [] :
        [
            new ImportGuard("certificateNo", DirectoryAccess.OtherDepartmentsInspectorRefusal,
                "SELECT s.line FROM stage_inspectors s JOIN inspectors t ON t.certificate_no = s.certificate_no WHERE t.department_code <> @department"),
        ],
    };
}
