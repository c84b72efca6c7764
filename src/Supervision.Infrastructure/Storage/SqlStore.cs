using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Supervision.Infrastructure.Storage;

/// <summary>
/// The one way the read models, directories, identity and audit reach the database. It hides the
/// two providers behind <see cref="DbDataSource"/> and carries the few places where their SQL differs.
/// Orleans' own tables are reached by the Orleans ADO.NET providers, not through this type.
/// </summary>
public sealed class SqlStore : IAsyncDisposable
{
    static SqlStore() => DapperSetup.EnsureConfigured();

    private SqlStore(StorageProvider provider, string connectionString, DbDataSource dataSource)
    {
        Provider = provider;
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public StorageProvider Provider { get; }

    public string ConnectionString { get; }

    public DbDataSource DataSource { get; }

    public bool IsPostgres => Provider == StorageProvider.PostgreSql;

    /// <summary>
    /// Membership in a list parameter (pass a <c>List&lt;string&gt;</c>, not an array: arrays have a type handler): Dapper
    /// passes lists to Npgsql as one array parameter (<c>= ANY(@p)</c>) and expands them for SQLite (<c>IN (…)</c>).
    /// Use as <c>$"column {store.In("@p")}"</c>.
    /// </summary>
    public string In(string parameter) => IsPostgres ? $"= ANY({parameter})" : $"IN {parameter}";

    /// <summary>Case-insensitive "contains" operator: PostgreSQL's ILIKE, SQLite's LIKE (ASCII case-insensitive).</summary>
    public string Like => IsPostgres ? "ILIKE" : "LIKE";

    public static SqlStore Create(StorageProvider provider, string connectionString) => provider switch
    {
        StorageProvider.PostgreSql => new SqlStore(provider, connectionString, NpgsqlDataSource.Create(WithPoolDefaults(connectionString))),
        StorageProvider.Sqlite => new SqlStore(provider, connectionString, new SqliteDataSource(connectionString)),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown storage provider"),
    };

    /// <summary>
    /// What the platform adds to a PostgreSQL connection string unless it says otherwise. Npgsql prepares a statement on
    /// a connection once it has run there a few times: the hot statements — a submission's UPDATE with its audit line, a
    /// public search — then skip parsing and planning on the server. Statement texts are constant (values are
    /// parameters), so the cache stays small. And a connection returned to the pool is not reset: Npgsql would otherwise
    /// send seven reset statements (RESET ALL, CLOSE ALL, DISCARD TEMP…) ahead of the next command, which cost the public
    /// search by credit code about a third of its database time. That is safe because no code leaves session state on a
    /// pooled connection: settings are SET LOCAL inside transactions, and the importer's session settings and temp tables
    /// live on a private unpooled connection (tested by PostgresImportTests).
    /// </summary>
    public static string WithPoolDefaults(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists at all, not whether it was given, so
        // the given keywords are read with the plain builder (an earlier check here never enabled auto-preparation).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] keys) => keys.Any(given.ContainsKey);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Given("Auto Prepare Min Usages", "AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
        if (!Given("No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>
    /// The SQLite settings every connection needs, including connections Orleans opens itself: pooling, foreign
    /// keys, and a busy timeout so concurrent writers queue instead of failing.
    /// </summary>
    public static string NormalizeSqliteConnectionString(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true, Pooling = true, DefaultTimeout = 30 };
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException("The SQLite connection string names no file (Data Source=...).", nameof(connectionString));
        }

        return builder.ToString();
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        return connection;
    }

    // One statement on a connection of its own, given back when the statement is done: the reads of the query classes and
    // the single-statement writes. Statements that must see each other's writes take InTransactionAsync instead.

    /// <summary>The rows of one query (Dapper maps them by column name).</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return (await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct))).AsList();
    }

    /// <summary>The first row of one query, or the default when it has none.</summary>
    public async Task<T?> QueryFirstOrDefaultAsync<T>(string sql, object? parameters = null, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await connection.QueryFirstOrDefaultAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
    }

    /// <summary>The one row of one query, or the default when it has none (more than one is an error).</summary>
    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
    }

    /// <summary>The first column of the first row of one query.</summary>
    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
    }

    /// <summary>One statement that writes (its own implicit transaction); the number of rows it touched.</summary>
    public async Task<int> ExecuteAsync(string sql, object? parameters = null, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: everything it writes commits together or not at all.</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var transaction = await BeginAsync(connection, ct);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(ct);
        return result;
    }

    private static async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken ct)
    {
        if (connection is SqliteConnection sqlite)
        {
            // BEGIN IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            // instead of one failing with SQLITE_BUSY when it upgrades a read lock.
            return sqlite.BeginTransaction(deferred: false);
        }

        return await connection.BeginTransactionAsync(ct);
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

/// <summary>
/// Microsoft.Data.Sqlite has no <see cref="DbDataSource"/>; this one applies the pragmas every connection
/// needs (write-ahead log, a busy timeout, foreign keys) so callers treat both providers alike.
/// </summary>
internal sealed class SqliteDataSource : DbDataSource
{
    private readonly string _connectionString;

    public SqliteDataSource(string connectionString)
    {
        _connectionString = SqlStore.NormalizeSqliteConnectionString(connectionString);
        var builder = new SqliteConnectionStringBuilder(_connectionString);
        if (builder.Mode != SqliteOpenMode.Memory && Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() => new PragmaSqliteConnection(_connectionString);

    private sealed class PragmaSqliteConnection(string cs) : SqliteConnection(cs)
    {
        private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";

        public override void Open()
        {
            base.Open();
            using var command = CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task OpenAsync(CancellationToken cancellationToken)
        {
            await base.OpenAsync(cancellationToken);
            await using var command = CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

/// <summary>Dapper type handling shared by both providers: timestamps are UTC <see cref="DateTimeOffset"/> in code,
/// <c>timestamptz</c> in PostgreSQL and ISO-8601 text in SQLite.</summary>
internal static class DapperSetup
{
    private static int _configured;

    public static void EnsureConfigured()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1)
        {
            return;
        }

        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
        SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
        SqlMapper.AddTypeHandler(new TimestampHandler());
        SqlMapper.RemoveTypeMap(typeof(DateOnly));
        SqlMapper.RemoveTypeMap(typeof(DateOnly?));
        SqlMapper.AddTypeHandler(new DateHandler());
        SqlMapper.AddTypeHandler(new CodeListHandler());
    }

    /// <summary>Lists of codes (item codes, result codes, credit codes) are stored comma-separated; codes never contain commas.</summary>
    private sealed class CodeListHandler : SqlMapper.TypeHandler<string[]>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, string[]? value) => parameter.Value = string.Join(',', value ?? []);

        public override string[] Parse(object value) =>
            value is string s ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }

    private sealed class TimestampHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateTimeOffset value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.Value = value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                parameter.Value = value.ToUniversalTime();
            }
        }

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset dto => dto,
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            string s => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            _ => throw new InvalidCastException($"cannot read a timestamp from {value.GetType()}"),
        };
    }

    private sealed class DateHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.Value = value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                parameter.Value = value;
            }
        }

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            string s => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidCastException($"cannot read a date from {value.GetType()}"),
        };
    }
}
