using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Hosting;

/// <summary>
/// Durable Orleans storage for both run modes, shared by the silo host and the API's co-hosted silo.
/// </summary>
public static partial class SiloStorageConfiguration
{
    /// <summary>The grain storage name grains use in <c>[PersistentState(..., "state")]</c>.</summary>
    public const string StateStorageName = "state";

    /// <summary>ADO.NET invariant Orleans 10.4.2 maps to Npgsql's factory.</summary>
    public const string PostgreSqlInvariant = "Npgsql";

    /// <summary>ADO.NET invariant Orleans 10.4.2 maps to Microsoft.Data.Sqlite's factory.</summary>
    public const string SqliteInvariant = "Microsoft.Data.Sqlite";

    /// <summary>
    /// Configures grain persistence (named "state" and default) on the given database, plus
    /// ADO.NET clustering and reminders on PostgreSQL. With SQLite the caller configures
    /// localhost clustering (that mode is one process by design), and there are no reminders yet.
    /// When <paramref name="applyMigrations"/> is set, pending schema scripts are applied as
    /// the very first step of silo start-up, before any provider reads its queries.
    /// Grain state is serialised by Orleans' default grain storage serializer (not overridden here).
    /// </summary>
    public static ISiloBuilder UseSupervisionStorage(
        this ISiloBuilder builder,
        StorageProvider provider,
        string connectionString,
        bool applyMigrations = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);


        var (invariant, adoConnectionString) = provider switch
        {
            StorageProvider.PostgreSql => (PostgreSqlInvariant, connectionString),
            // Orleans opens its own SQLite connections, so the busy timeout and foreign keys
            // must travel in the connection string (WAL is set once, in the file, by SqlStore).
            StorageProvider.Sqlite => (SqliteInvariant, SqlStore.NormalizeSqliteConnectionString(connectionString)),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
        };

        if (applyMigrations)
        {
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services =>
                new SchemaMigrationOnStart(provider, adoConnectionString, services.GetRequiredService<ILogger<SchemaMigrationOnStart>>()));
        }

        if (provider == StorageProvider.PostgreSql)
        {
            builder.UseAdoNetClustering(options =>
            {
                options.Invariant = invariant;
                options.ConnectionString = adoConnectionString;
            });
        }

        // Two registrations over the same table: grains that name "state" and grains that rely on
        // the default provider read and write the same rows (the row key is service, grain type, id).
        // SQLite: Orleans 10.4.2's ADO.NET grain storage rejects the Microsoft.Data.Sqlite invariant at start-up
        // (KeyNotFoundException in its DbConstantsStore), so the embedded mode needs a project-owned provider.
        if (provider == StorageProvider.PostgreSql)
        {
            builder.AddAdoNetGrainStorage(StateStorageName, options =>
            {
                options.Invariant = invariant;
                options.ConnectionString = adoConnectionString;
            });
            builder.AddAdoNetGrainStorageAsDefault(options =>
            {
                options.Invariant = invariant;
                options.ConnectionString = adoConnectionString;
            });
        }

        // Orleans 10.4.2's ADO.NET reminder table throws for the Microsoft.Data.Sqlite invariant
        // (KeyNotFoundException in its DbConstantsStore), so SQLite mode registers no reminder
        // service: a grain that registers a reminder fails loudly instead of losing it on restart,
        // which an in-memory reminder table would do silently.
        if (provider == StorageProvider.PostgreSql)
        {
            builder.UseAdoNetReminderService(options =>
            {
                options.Invariant = invariant;
                options.ConnectionString = adoConnectionString;
            });
        }

        return builder;
    }

    /// <summary>Runs the schema migrator before every other silo start-up step.</summary>
    private sealed partial class SchemaMigrationOnStart(StorageProvider provider, string connectionString, ILogger<SchemaMigrationOnStart> logger)
        : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(SchemaMigrationOnStart), ServiceLifecycleStage.First, MigrateAsync);

        private async Task MigrateAsync(CancellationToken ct)
        {
            var applied = await SchemaMigrator.MigrateAsync(provider, connectionString, ct).ConfigureAwait(false);
            foreach (var script in applied)
            {
                LogApplied(logger, provider, script.Version, script.Name);
            }
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Provider} schema script {Version:D4}_{Name}")]
        private static partial void LogApplied(ILogger logger, StorageProvider provider, int version, string name);
    }
}
