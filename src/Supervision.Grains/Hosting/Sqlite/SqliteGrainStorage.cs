using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Hosting.Sqlite;

/// <summary>
/// Orleans grain storage on the embedded SQLite file (table <c>orleans_storage</c>, script 0004).
/// One row per (service id, state name, grain id); the integer <c>version</c> column is the ETag.
/// </summary>
/// <remarks>
/// <para>Concurrency: a write or clear succeeds only when the caller's ETag equals the stored
/// version (a caller without an ETag may only create a row that does not exist yet); otherwise it
/// throws <see cref="InconsistentStateException"/> and nothing changes. Each operation runs in a
/// <c>BEGIN IMMEDIATE</c> transaction, so the conditional write and the read that explains a
/// refusal see the same database state.</para>
/// <para>Durability: connections come from <see cref="SqlStore"/>, which sets WAL and
/// <c>synchronous=FULL</c>; the WAL is synced before COMMIT returns, so a completed write survives
/// a process or power loss.</para>
/// <para>Clearing keeps a tombstone row (payload NULL, version + 1), so a stale ETag from before
/// the clear can never match a later incarnation of the state.</para>
/// <para>Serialisation: Orleans' <see cref="IGrainStorageSerializer"/> from the container (keyed by
/// provider name first, then the silo-wide default), the same choice the built-in providers make,
/// so SQLite and PostgreSQL payloads have the same format.</para>
/// </remarks>
public sealed partial class SqliteGrainStorage : IGrainStorage, IAsyncDisposable
{
    private readonly SqlStore _store;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;
    private int _disposed;

    public SqliteGrainStorage(
        string connectionString,
        string serviceId,
        IGrainStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<SqliteGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        _store = SqlStore.Create(StorageProvider.Sqlite, connectionString);
        _serviceId = serviceId;
        _serializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        _activators = activators ?? throw new ArgumentNullException(nameof(activators));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT payload, version FROM orleans_storage
            WHERE service_id = @service_id AND grain_type = @grain_type AND grain_id = @grain_id
            """;
        AddKey(command, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grainState.State = CreateDefault<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var version = reader.GetInt64(1);
        if (reader.IsDBNull(0))
        {
            // A cleared state: no data, but the version sequence continues from here.
            grainState.State = CreateDefault<T>();
            grainState.RecordExists = false;
        }
        else
        {
            var payload = (byte[])reader.GetValue(0);
            grainState.State = Deserialize<T>(stateName, grainId, payload);
            grainState.RecordExists = true;
        }

        grainState.ETag = FormatVersion(version);
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var expected = ParseETag("write", stateName, grainId, grainState.ETag);

        var written = await ConditionalChangeAsync(stateName, grainId, grainState.ETag, expected, payload, clear: false, cancellationToken)
            .ConfigureAwait(false);
        grainState.ETag = FormatVersion(written);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var expected = ParseETag("clear", stateName, grainId, grainState.ETag);
        if (expected is null)
        {
            // Nothing was ever read or written by this caller: there is nothing it may clear. If a
            // row exists, someone else wrote it and the caller's view is stale.
            var stored = await ReadVersionAsync(stateName, grainId, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                throw Conflict("clear", stateName, grainId, stored, null);
            }

            grainState.State = CreateDefault<T>();
            grainState.RecordExists = false;
            return;
        }

        var cleared = await ConditionalChangeAsync(stateName, grainId, grainState.ETag, expected, payload: null, clear: true, cancellationToken)
            .ConfigureAwait(false);
        grainState.ETag = FormatVersion(cleared);
        grainState.State = CreateDefault<T>();
        grainState.RecordExists = false;
    }

    /// <summary>
    /// Inserts (no expected version) or updates (expected version must match) one row under the write
    /// lock and returns the new version; throws <see cref="InconsistentStateException"/> otherwise.
    /// </summary>
    private async Task<long> ConditionalChangeAsync(
        string stateName, GrainId grainId, string? callerETag, long? expected, byte[]? payload, bool clear, CancellationToken ct)
    {
        await using var connection = (SqliteConnection)await _store.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = expected is null
            ? """
              INSERT INTO orleans_storage (service_id, grain_type, grain_id, payload, version, modified_at)
              VALUES (@service_id, @grain_type, @grain_id, @payload, 1, @modified_at)
              ON CONFLICT (service_id, grain_type, grain_id) DO NOTHING
              RETURNING version
              """
            : """
              UPDATE orleans_storage
              SET payload = @payload, version = version + 1, modified_at = @modified_at
              WHERE service_id = @service_id AND grain_type = @grain_type AND grain_id = @grain_id
                AND version = @expected
              RETURNING version
              """;
        AddKey(command, stateName, grainId);
        command.Parameters.Add(new SqliteParameter("@payload", SqliteType.Blob) { Value = (object?)payload ?? DBNull.Value });
        command.Parameters.AddWithValue("@modified_at", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        if (expected is not null)
        {
            command.Parameters.AddWithValue("@expected", expected.Value);
        }

        var result = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        if (result is long newVersion)
        {
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return newVersion;
        }

        // Nothing changed: find out what is stored, for the exception, under the same lock.
        var stored = await ReadVersionAsync(connection, transaction, stateName, grainId, ct).ConfigureAwait(false);
        await transaction.RollbackAsync(ct).ConfigureAwait(false);
        throw Conflict(clear ? "clear" : "write", stateName, grainId, stored, callerETag);
    }

    private async Task<long?> ReadVersionAsync(string stateName, GrainId grainId, CancellationToken ct)
    {
        await using var connection = await _store.OpenAsync(ct).ConfigureAwait(false);
        return await ReadVersionAsync(connection, null, stateName, grainId, ct).ConfigureAwait(false);
    }

    private async Task<long?> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, string stateName, GrainId grainId, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT version FROM orleans_storage
            WHERE service_id = @service_id AND grain_type = @grain_type AND grain_id = @grain_id
            """;
        AddKey(command, stateName, grainId);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is long version ? version : null;
    }

    private InconsistentStateException Conflict(
        string operation, string stateName, GrainId grainId, long? stored, string? callerETag, string? reason = null)
    {
        var storedETag = stored is null ? null : FormatVersion(stored.Value);
        LogConflict(_logger, operation, stateName, grainId, storedETag ?? "(none)", callerETag ?? "(none)");
        reason ??= stored is null
            ? "no state is stored, but the caller holds a version"
            : callerETag is null
                ? "state is already stored, but the caller has never read it"
                : "the caller's version is not the stored one";
        return new InconsistentStateException(
            $"Refused to {operation} state '{stateName}' of grain {grainId}: {reason}.",
            storedETag!,
            callerETag!);
    }

    private void AddKey(DbCommand command, string stateName, GrainId grainId)
    {
        var sqlite = (SqliteCommand)command;
        sqlite.Parameters.AddWithValue("@service_id", _serviceId);
        sqlite.Parameters.AddWithValue("@grain_type", stateName);
        sqlite.Parameters.AddWithValue("@grain_id", grainId.ToString());
    }

    private long? ParseETag(string operation, string stateName, GrainId grainId, string? eTag)
    {
        if (eTag is null)
        {
            return null;
        }

        if (long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1)
        {
            return version;
        }

        // Not an ETag this provider issued: it can never match a stored version.
        throw Conflict(operation, stateName, grainId, null, eTag, "the caller's ETag was not issued by this provider");
    }

    private static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    private T CreateDefault<T>() => _activators.GetActivator<T>().Create();

    private T Deserialize<T>(string stateName, GrainId grainId, byte[] payload)
    {
        try
        {
            return _serializer.Deserialize<T>(new BinaryData(payload)) ?? CreateDefault<T>();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException(
                $"Stored state '{stateName}' of grain {grainId} cannot be read as {typeof(T)} ({payload.Length} bytes).", exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may hand the same instance out under two names; dispose once.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused to {Operation} state {StateName} of {GrainId}: stored ETag {StoredETag}, caller ETag {CallerETag}")]
    private static partial void LogConflict(ILogger logger, string operation, string stateName, GrainId grainId, string storedETag, string callerETag);
}
