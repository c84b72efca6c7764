using System.Data.Common;
using System.Globalization;
using Orleans.Runtime;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Hosting.Sqlite;

/// <summary>
/// Orleans reminder table on the embedded SQLite file (table <c>orleans_reminders</c>, script 0004),
/// so reminders registered in embedded mode survive a restart.
/// </summary>
/// <remarks>
/// <para>Rows are scoped to one service id. The ETag is the integer <c>version</c>: 0 on insert,
/// +1 on every upsert. Upserts are unconditional, as Orleans' reminder contract requires; removal
/// only succeeds with the current ETag.</para>
/// <para>Ring ranges: <see cref="ReadRows(uint, uint)"/> returns the rows whose
/// <see cref="GrainId.GetUniformHashCode"/> lies in (begin, end]. When begin &lt; end that is one
/// interval; otherwise the range wraps past <see cref="uint.MaxValue"/> — (begin, max] plus [0, end]
/// — and begin == end is the whole ring. Hashes are stored unsigned, so both cases are plain
/// integer comparisons.</para>
/// <para>Periods are stored in whole milliseconds (as in the PostgreSQL table); start times exactly,
/// as UTC text with seven fractional digits.</para>
/// </remarks>
public sealed class SqliteReminderTable : IReminderTable, IAsyncDisposable
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private const string Columns = "grain_id, reminder_name, start_time, period, version";

    private readonly SqlStore _store;
    private readonly string _serviceId;
    private int _disposed;

    public SqliteReminderTable(string connectionString, string serviceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        _store = SqlStore.Create(StorageProvider.Sqlite, connectionString);
        _serviceId = serviceId;
    }

    /// <summary>Checks at silo start that the file opens and the table exists (the migrator runs earlier).</summary>
    public Task Init() => StartAsync(CancellationToken.None);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orleans_reminders WHERE service_id = @service_id";
        AddParameter(command, "@service_id", _serviceId);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service_id AND grain_id = @grain_id",
            command => AddParameter(command, "@grain_id", grainId.ToString()),
            cancellationToken);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken)
    {
        var predicate = begin < end
            ? "grain_hash > @begin AND grain_hash <= @end"
            : "(grain_hash > @begin OR grain_hash <= @end)";
        return QueryAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service_id AND {predicate}",
            command =>
            {
                AddParameter(command, "@begin", (long)begin);
                AddParameter(command, "@end", (long)end);
            },
            cancellationToken);
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    /// <summary>The entry, or null when the grain has no reminder of that name (as Orleans' own tables do).</summary>
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reminderName);
        var rows = await QueryAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service_id AND grain_id = @grain_id AND reminder_name = @reminder_name",
            command =>
            {
                AddParameter(command, "@grain_id", grainId.ToString());
                AddParameter(command, "@reminder_name", reminderName);
            },
            cancellationToken).ConfigureAwait(false);
        return rows.Reminders.Count == 0 ? null : rows.Reminders[0];
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.ReminderName);
        if (entry.Period < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Period, "A reminder period cannot be negative.");
        }

        // One statement, so atomic on its own: no explicit transaction needed.
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
            VALUES (@service_id, @grain_id, @reminder_name, @start_time, @period, @grain_hash, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
            SET start_time = excluded.start_time,
                period     = excluded.period,
                grain_hash = excluded.grain_hash,
                version    = orleans_reminders.version + 1
            RETURNING version
            """;
        AddParameter(command, "@service_id", _serviceId);
        AddParameter(command, "@grain_id", entry.GrainId.ToString());
        AddParameter(command, "@reminder_name", entry.ReminderName);
        AddParameter(command, "@start_time", FormatTime(entry.StartAt));
        AddParameter(command, "@period", entry.Period.Ticks / TimeSpan.TicksPerMillisecond);
        AddParameter(command, "@grain_hash", (long)entry.GrainId.GetUniformHashCode());
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The reminder upsert returned no version."));

        var eTag = version.ToString(CultureInfo.InvariantCulture);
        entry.ETag = eTag;
        return eTag;
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    /// <summary>Deletes the row only if <paramref name="eTag"/> is its current version; false otherwise.</summary>
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reminderName);
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM orleans_reminders
            WHERE service_id = @service_id AND grain_id = @grain_id AND reminder_name = @reminder_name AND version = @version
            """;
        AddParameter(command, "@service_id", _serviceId);
        AddParameter(command, "@grain_id", grainId.ToString());
        AddParameter(command, "@reminder_name", reminderName);
        AddParameter(command, "@version", version);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    /// <summary>Deletes this service's reminders (other services sharing the file keep theirs).</summary>
    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await using var connection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orleans_reminders WHERE service_id = @service_id";
        AddParameter(command, "@service_id", _serviceId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReminderTableData> QueryAsync(string sql, Action<DbCommand> bind, CancellationToken ct)
    {
        await using var connection = await _store.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        AddParameter(command, "@service_id", _serviceId);
        bind(command);
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                ReminderName = reader.GetString(1),
                StartAt = ParseTime(reader.GetString(2)),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }

        return new ReminderTableData(entries);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Orleans passes UTC; an unspecified kind is taken as UTC, a local time is converted.</summary>
    internal static string FormatTime(DateTime value)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        return utc.ToString(TimeFormat, CultureInfo.InvariantCulture);
    }

    internal static DateTime ParseTime(string text) =>
        DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
