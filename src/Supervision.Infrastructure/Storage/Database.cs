using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Supervision.Infrastructure.Storage;

/// <summary>
/// Opens connections for the configured provider, with the per-connection settings the project
/// relies on. One instance per process: it owns the Npgsql data source (and its pool).
/// </summary>
public sealed class Database : IAsyncDisposable
{
    // Long enough to ride out a checkpoint or another process's migration, short enough that a
    // stuck writer surfaces as an error instead of a hang.
    private const int SqliteBusyTimeoutMilliseconds = 10_000;

    private readonly NpgsqlDataSource? _dataSource;
    private readonly string _sqliteConnectionString = "";

    /// <summary>Creates the helper for a provider and a connection string.</summary>
    public Database(StorageProvider provider, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Provider = provider;
        switch (provider)
        {
            case StorageProvider.PostgreSql:
                _dataSource = NpgsqlDataSource.Create(connectionString);
                break;
            case StorageProvider.Sqlite:
                _sqliteConnectionString = NormalizeSqliteConnectionString(connectionString);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider.");
        }
    }

    /// <summary>Creates the helper from bound options.</summary>
    public Database(StorageOptions options) : this(options.Provider, options.ConnectionString)
    {
    }

    /// <summary>The engine behind this helper.</summary>
    public StorageProvider Provider { get; }

    /// <summary>
    /// Opens a connection. SQLite connections get WAL journaling (readers do not block the
    /// writer), a busy timeout and foreign-key enforcement, which SQLite leaves off by default.
    /// </summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken ct = default)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            // journal_mode is stored in the file; busy_timeout and foreign_keys are per connection.
            pragma.CommandText =
                $"PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {SqliteBusyTimeoutMilliseconds}; PRAGMA foreign_keys = ON;";
            await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The SQLite connection string every component should use (Orleans' providers included,
    /// which open their own connections and never run our PRAGMAs): foreign keys on and a
    /// busy timeout expressed through the connection string, pooling on.
    /// </summary>
    public static string NormalizeSqliteConnectionString(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = SqliteBusyTimeoutMilliseconds / 1000,
        };
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException("The SQLite connection string names no file (Data Source=...).", nameof(connectionString));
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
