namespace Supervision.Infrastructure.Storage;

/// <summary>Where the platform keeps its state: a local SQLite file (embedded default) or PostgreSQL (production).</summary>
public enum StorageProvider
{
    Sqlite,
    PostgreSql,
}
