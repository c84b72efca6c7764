using NpgsqlTypes;
using Supervision.Core.Directory;

namespace Supervision.Infrastructure.Directory.Import;

/// <summary>One column of a directory table as the importer stages it.</summary>
internal sealed record StagedColumn<T>(string Name, NpgsqlDbType PostgresType, string PostgresDdl, string SqliteDdl, Func<Staged<T>, object?> Value);

/// <summary>A row on its way into the staging table: the record, whether it was flagged for review, and the target database.</summary>
internal readonly record struct Staged<T>(T Record, bool Flagged, bool Postgres);

/// <summary>
/// How one directory (entities or inspectors) is staged and merged. Both directories share the importer;
/// only this description differs.
/// </summary>
internal sealed class ImportSpec<T>
{
    public required string Kind { get; init; }

    public required string Table { get; init; }

    public required string Key { get; init; }

    public required IReadOnlyList<StagedColumn<T>> Columns { get; init; }

    /// <summary>Optional SQL run on the staging table before the merge (e.g. to keep values the file leaves empty).</summary>
    public string? BeforeMerge { get; init; }

    /// <summary>SELECT-list expression per column when inserting from staging (defaults to the column itself).</summary>
    public IReadOnlyDictionary<string, string> InsertExpressions { get; init; } = new Dictionary<string, string>();

    public string StageTable => "stage_" + Table;
}

internal static class ImportSpecs
{
    private static object? Text(string? value) => value ?? (object)DBNull.Value;

    private static object List(IReadOnlyList<string> values) => string.Join(',', values);

    public static readonly ImportSpec<MarketEntityRecord> Entities = new()
    {
        Kind = "entities",
        Table = "market_entities",
        Key = "credit_code",
        Columns =
        [
            new("credit_code", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.CreditCode),
            new("legacy_reg_no", NpgsqlDbType.Text, "text", "TEXT", s => Text(s.Record.LegacyRegNo)),
            new("name", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.Name),
            new("entity_type", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.EntityType),
            new("industry_code", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.IndustryCode),
            new("division_code", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.DivisionCode),
            new("address", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.Address),
            new("legal_representative", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.LegalRepresentative),
            new("status", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.Status),
            new("registered_on", NpgsqlDbType.Date, "date", "TEXT", s => s.Record.RegisteredOn is { } d ? (s.Postgres ? d : d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : DBNull.Value),
            new("credit_class", NpgsqlDbType.Text, "text", "TEXT", s => Text(s.Record.CreditClass)),
            new("tags", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => List(s.Record.Tags)),
            new("checksum_review", NpgsqlDbType.Boolean, "boolean NOT NULL", "INTEGER NOT NULL", s => s.Postgres ? s.Flagged : (s.Flagged ? 1 : 0)),
        ],

        // The credit class is the credit model's to change: a file that leaves it empty keeps the current class
        // (or the default class B for a new entity).
        BeforeMerge =
            """
            UPDATE stage_market_entities SET credit_class = (
                SELECT e.credit_class FROM market_entities e WHERE e.credit_code = stage_market_entities.credit_code)
            WHERE credit_class IS NULL
            """,
        InsertExpressions = new Dictionary<string, string> { ["credit_class"] = "COALESCE(credit_class, 'B')" },
    };

    public static readonly ImportSpec<InspectorRecord> Inspectors = new()
    {
        Kind = "inspectors",
        Table = "inspectors",
        Key = "certificate_no",
        Columns =
        [
            new("certificate_no", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.CertificateNo),
            new("name", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.Name),
            new("department_code", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.DepartmentCode),
            new("certificate_expires_on", NpgsqlDbType.Date, "date", "TEXT", s => s.Postgres ? s.Record.CertificateExpiresOn : s.Record.CertificateExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            new("specialties", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => List(s.Record.Specialties)),
            new("status", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => s.Record.Status),
            new("conflicts", NpgsqlDbType.Text, "text NOT NULL", "TEXT NOT NULL", s => List(s.Record.Conflicts)),
        ],
    };
}
