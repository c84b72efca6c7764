using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Supervision.Grains.Hosting.Sqlite;
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

    /// <summary>
    /// Configures grain persistence (named "state" and default) and durable reminders on the given
    /// database, plus ADO.NET clustering on PostgreSQL. PostgreSQL uses Orleans' ADO.NET providers;
    /// SQLite uses the project's own <see cref="SqliteGrainStorage"/> and <see cref="SqliteReminderTable"/>
    /// (Orleans 10.4.2's ADO.NET providers refuse the Microsoft.Data.Sqlite invariant). With SQLite
    /// the caller configures localhost clustering (that mode is one process by design).
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

        var storeConnectionString = provider switch
        {
            StorageProvider.PostgreSql => connectionString,
            // Fails early, naming the problem, when the connection string names no file.
            StorageProvider.Sqlite => SqlStore.NormalizeSqliteConnectionString(connectionString),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
        };

        if (applyMigrations)
        {
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services =>
                new SchemaMigrationOnStart(provider, storeConnectionString, services.GetRequiredService<ILogger<SchemaMigrationOnStart>>()));
        }

        if (provider == StorageProvider.PostgreSql)
        {
            UsePostgreSql(builder, storeConnectionString);
        }
        else
        {
            UseSqlite(builder, storeConnectionString);
        }

        return builder;
    }

    private static void UsePostgreSql(ISiloBuilder builder, string connectionString)
    {
        builder.UseAdoNetClustering(options =>
        {
            options.Invariant = PostgreSqlInvariant;
            options.ConnectionString = connectionString;
        });

        // Two registrations over the same table: grains that name "state" and grains that rely on
        // the default provider read and write the same rows (the row key is service, grain type, id).
        builder.AddAdoNetGrainStorage(StateStorageName, options =>
        {
            options.Invariant = PostgreSqlInvariant;
            options.ConnectionString = connectionString;
        });
        builder.AddAdoNetGrainStorageAsDefault(options =>
        {
            options.Invariant = PostgreSqlInvariant;
            options.ConnectionString = connectionString;
        });

        builder.UseAdoNetReminderService(options =>
        {
            options.Invariant = PostgreSqlInvariant;
            options.ConnectionString = connectionString;
        });
    }

    /// <summary>
    /// The embedded mode's providers. One <see cref="SqliteGrainStorage"/> instance serves both the
    /// "state" name and the default name (same table, same rows, one connection pool); one
    /// <see cref="SqliteReminderTable"/> backs Orleans' reminder service. Both key their rows by the
    /// cluster's ServiceId, so a restarted silo with the same ServiceId sees its state and reminders.
    /// </summary>
    private static void UseSqlite(ISiloBuilder builder, string connectionString)
    {
        var services = builder.Services;
        services.AddSingleton(sp => new SqliteGrainStorage(
            connectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            // The serializer the built-in providers would get: one registered under the provider
            // name, else the silo-wide default (Orleans' JSON grain storage serializer).
            sp.GetKeyedService<IGrainStorageSerializer>(StateStorageName) ?? sp.GetRequiredService<IGrainStorageSerializer>(),
            sp.GetRequiredService<IActivatorProvider>(),
            sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
        services.AddGrainStorage(StateStorageName, (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());
        services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());

        // AddReminders registers Orleans' reminder service; it starts the table (StartAsync) during
        // silo start, after the migration stage, and reads it for the silo's ring range.
        builder.AddReminders();
        services.AddSingleton(sp => new SqliteReminderTable(
            connectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<SqliteReminderTable>());
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
