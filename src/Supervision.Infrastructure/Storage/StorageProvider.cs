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
