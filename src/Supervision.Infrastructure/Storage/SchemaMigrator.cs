using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Supervision.Infrastructure.Storage;

/// <summary>One schema script: <c>NNNN_name.sql</c>, applied once, in version order.</summary>
public sealed record SchemaScript(int Version, string Name, string Sql)
{
    /// <summary>
    /// SHA-256 of the script with line endings normalised, so a checkout with CRLF endings
    /// does not look like an edited script. Computed from <see cref="Sql"/> on each read: a cached
    /// value would be copied unchanged by a <c>with</c> expression that edits the text.
    /// </summary>
    public string Checksum => ComputeChecksum(Sql);

    private static string ComputeChecksum(string sql)
    {
        var normalized = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }
}

/// <summary>A row of <c>schema_migrations</c>.</summary>
public sealed record AppliedSchemaScript(int Version, string Name, DateTimeOffset AppliedAt, string Checksum);

/// <summary>What <c>supervision migrate --status</c> shows.</summary>
public sealed record SchemaStatus(IReadOnlyList<AppliedSchemaScript> Applied, IReadOnlyList<SchemaScript> Pending)
{
    /// <summary>True when every known script has been applied.</summary>
    public bool IsUpToDate => Pending.Count == 0;
}

/// <summary>An applied script no longer matches the script shipped with this build.</summary>
public sealed class SchemaChecksumMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception for one script.</summary>
    public SchemaChecksumMismatchException(int version, string name, string appliedChecksum, string currentChecksum)
        : base($"Schema script {version:D4}_{name}.sql was changed after it was applied to this database " +
               $"(applied checksum {appliedChecksum}, this build has {currentChecksum}). Applied scripts must " +
               "never be edited: revert the edit and put the change in a new script with the next number.")
    {
        Version = version;
    }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaChecksumMismatchException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SchemaChecksumMismatchException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without details.</summary>
    public SchemaChecksumMismatchException()
    {
    }

    /// <summary>The version of the changed script.</summary>
    public int Version { get; }
}

/// <summary>
/// Applies the embedded schema scripts for one provider. Each script runs in its own
/// transaction together with its <c>schema_migrations</c> row, so a failed script leaves no
/// trace and is retried on the next start. Processes starting at the same time serialise on
/// a PostgreSQL transaction-level advisory lock (SQLite: on the write lock of
/// <c>BEGIN IMMEDIATE</c>), and each re-checks what is applied once it holds the lock.
/// </summary>
public sealed partial class SchemaMigrator
{
    // Arbitrary constant that names "the Supervision schema" among advisory locks.
    private const long AdvisoryLockKey = 0x5355_5045_5256_4953; // "SUPERVIS"

    private readonly StorageProvider _provider;
    private readonly string _connectionString;

    /// <summary>Creates a migrator over the scripts embedded in this assembly.</summary>
    public SchemaMigrator(StorageProvider provider, string connectionString)
        : this(provider, connectionString, LoadEmbeddedScripts(provider))
    {
    }

    /// <summary>Creates a migrator over an explicit script list (tests, tools).</summary>
    public SchemaMigrator(StorageProvider provider, string connectionString, IEnumerable<SchemaScript> scripts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _provider = provider;
        _connectionString = connectionString;
        Scripts = ValidateOrder(scripts);
    }

    /// <summary>The scripts this migrator knows, in version order.</summary>
    public IReadOnlyList<SchemaScript> Scripts { get; }

    /// <summary>Applies every pending embedded script for <paramref name="provider"/>.</summary>
    public static Task<IReadOnlyList<SchemaScript>> MigrateAsync(StorageProvider provider, string connectionString, CancellationToken ct = default) =>
        new SchemaMigrator(provider, connectionString).MigrateAsync(ct);

    /// <summary>
    /// Applies pending scripts and returns those this call applied (empty when up to date).
    /// Throws <see cref="SchemaChecksumMismatchException"/> before applying anything if an
    /// applied script differs from the one in this build.
    /// </summary>
    public async Task<IReadOnlyList<SchemaScript>> MigrateAsync(CancellationToken ct = default)
    {
        await using var database = SqlStore.Create(_provider, _connectionString);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);

        await InLockedTransactionAsync(connection, async tx =>
        {
            await ExecuteAsync(connection, tx, CreateHistoryTableSql, ct).ConfigureAwait(false);
            return 0;
        }, ct).ConfigureAwait(false);

        // Fail fast on an edited script, before touching the schema.
        VerifyChecksums(await ReadAppliedAsync(connection, null, ct).ConfigureAwait(false));

        var appliedNow = new List<SchemaScript>();
        foreach (var script in Scripts)
        {
            var applied = await InLockedTransactionAsync(connection, async tx =>
            {
                // Re-read under the lock: another process may have applied it meanwhile.
                var existing = await ReadAppliedAsync(connection, tx, ct).ConfigureAwait(false);
                if (existing.Any(a => a.Version == script.Version))
                {
                    VerifyChecksums(existing);
                    return false;
                }

                await ExecuteAsync(connection, tx, script.Sql, ct).ConfigureAwait(false);
                await RecordAsync(connection, tx, script, ct).ConfigureAwait(false);
                return true;
            }, ct).ConfigureAwait(false);

            if (applied)
            {
                appliedNow.Add(script);
            }
        }

        return appliedNow;
    }

    /// <summary>Lists applied scripts and the pending ones, without changing anything.</summary>
    public async Task<SchemaStatus> GetStatusAsync(CancellationToken ct = default)
    {
        await using var database = SqlStore.Create(_provider, _connectionString);
        await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);

        var applied = await HistoryTableExistsAsync(connection, ct).ConfigureAwait(false)
            ? await ReadAppliedAsync(connection, null, ct).ConfigureAwait(false)
            : [];
        var appliedVersions = applied.Select(a => a.Version).ToHashSet();
        return new SchemaStatus(applied, Scripts.Where(s => !appliedVersions.Contains(s.Version)).ToList());
    }

    /// <summary>Reads the scripts embedded under <c>Schema/&lt;provider&gt;/</c>.</summary>
    public static IReadOnlyList<SchemaScript> LoadEmbeddedScripts(StorageProvider provider)
    {
        var folder = provider switch
        {
            StorageProvider.PostgreSql => "postgres",
            StorageProvider.Sqlite => "sqlite",
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
        };
        var prefix = $"Schema/{folder}/";
        var assembly = typeof(SchemaMigrator).Assembly;

        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var normalized = resource.Replace('\\', '/');
            if (!normalized.StartsWith(prefix, StringComparison.Ordinal) || !normalized.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = normalized[prefix.Length..];
            var match = ScriptFileName().Match(fileName);
            if (!match.Success)
            {
                throw new InvalidOperationException(
                    $"Schema script '{normalized}' does not follow the NNNN_name.sql convention (four digits, underscore, lower-case name).");
            }

            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded schema script '{resource}' cannot be read.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new SchemaScript(
                int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture),
                match.Groups["name"].Value,
                reader.ReadToEnd()));
        }

        return ValidateOrder(scripts);
    }

    [GeneratedRegex(@"^(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ScriptFileName();

    private static List<SchemaScript> ValidateOrder(IEnumerable<SchemaScript> scripts)
    {
        var ordered = scripts.OrderBy(s => s.Version).ToList();
        var duplicate = ordered.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two schema scripts share version {duplicate.Key:D4}: {string.Join(", ", duplicate.Select(s => s.Name))}.");
        }

        return ordered;
    }

    private void VerifyChecksums(IEnumerable<AppliedSchemaScript> applied)
    {
        foreach (var row in applied)
        {
            var script = Scripts.FirstOrDefault(s => s.Version == row.Version);
            // A version unknown to this build was applied by a newer build; an older binary
            // must not run against it silently, but that is the host's decision (GetStatusAsync).
            if (script is not null && !string.Equals(script.Checksum, row.Checksum, StringComparison.Ordinal))
            {
                throw new SchemaChecksumMismatchException(row.Version, row.Name, row.Checksum, script.Checksum);
            }
        }
    }

    private string CreateHistoryTableSql => _provider == StorageProvider.PostgreSql
        ? """
          CREATE TABLE IF NOT EXISTS schema_migrations (
              version    integer     NOT NULL PRIMARY KEY,
              name       text        NOT NULL,
              applied_at timestamptz NOT NULL,
              checksum   text        NOT NULL
          );
          """
        : """
          CREATE TABLE IF NOT EXISTS schema_migrations (
              version    INTEGER NOT NULL PRIMARY KEY,
              name       TEXT    NOT NULL,
              applied_at TEXT    NOT NULL,
              checksum   TEXT    NOT NULL
          );
          """;

    private async Task<T> InLockedTransactionAsync<T>(DbConnection connection, Func<DbTransaction, Task<T>> body, CancellationToken ct)
    {
        // SQLite: Microsoft.Data.Sqlite starts "BEGIN IMMEDIATE" unless asked for deferred, which
        // takes the database write lock up front; other processes wait (busy timeout).
        await using var tx = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        if (_provider == StorageProvider.PostgreSql)
        {
            // Held until commit/rollback, so a crash can never leave it dangling.
            await using var lockCommand = connection.CreateCommand();
            lockCommand.Transaction = tx;
            lockCommand.CommandText = "SELECT pg_advisory_xact_lock(@key)";
            lockCommand.Parameters.Add(new NpgsqlParameter<long>("key", AdvisoryLockKey));
            await lockCommand.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var result = await body(tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        // Big scripts (indexes over imported data) may legitimately run for a long time.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task RecordAsync(DbConnection connection, DbTransaction tx, SchemaScript script, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText =
            "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (@version, @name, @applied_at, @checksum)";
        SqlParameters.Add(command, "version", script.Version);
        SqlParameters.Add(command, "name", script.Name);
        SqlParameters.Add(command, "applied_at", _provider == StorageProvider.PostgreSql
            ? DateTimeOffset.UtcNow
            : DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        SqlParameters.Add(command, "checksum", script.Checksum);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<List<AppliedSchemaScript>> ReadAppliedAsync(DbConnection connection, DbTransaction? tx, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = new List<AppliedSchemaScript>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var appliedAt = _provider == StorageProvider.PostgreSql
                ? new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero)
                : DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            rows.Add(new AppliedSchemaScript(reader.GetInt32(0), reader.GetString(1), appliedAt, reader.GetString(3)));
        }

        return rows;
    }

    private async Task<bool> HistoryTableExistsAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _provider == StorageProvider.PostgreSql
            ? "SELECT to_regclass('schema_migrations') IS NOT NULL"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
        var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return Convert.ToBoolean(value, CultureInfo.InvariantCulture);
    }
}
