using System.ComponentModel.DataAnnotations;

namespace Supervision.Infrastructure.Storage;

/// <summary>Which database engine holds Orleans state and the read models.</summary>
public enum StorageProvider
{
    /// <summary>A local SQLite file: the embedded, single-process run mode.</summary>
    Sqlite,

    /// <summary>PostgreSQL: the multi-silo production run mode.</summary>
    PostgreSql,
}

/// <summary>Storage settings, bound from the "Storage" configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Storage";

    /// <summary>The database engine.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>An ADO.NET connection string for <see cref="Provider"/>.</summary>
    [Required(ErrorMessage = "Storage:ConnectionString is missing. Set it to a SQLite file (\"Data Source=supervision.db\") or a PostgreSQL connection string.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending schema scripts when a process starts (otherwise run `supervision migrate`).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
