using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL cluster for the test run: initdb into a temp directory, listen on a
/// free loopback port only, hand out one fresh database per test class, delete it all on dispose.
/// Docker is not available on the build machines, so Testcontainers is not an option.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    private const string SuperUser = "postgres";
    private string? _root;
    private string? _binDirectory;
    private bool _started;

    /// <summary>Why no server is available, or null when it is.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Connection string for the maintenance database.</summary>
    public string AdminConnectionString => Build("postgres");

    /// <summary>True when the run must not skip: CI=true.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Finds the server binaries: SUPERVISION_PG_BIN, else the highest /usr/lib/postgresql/N/bin.
    /// Returns null with a reason when there are none (or they cannot be run).
    /// </summary>
    public static string? FindBinaries(out string reason)
    {
        var configured = Environment.GetEnvironmentVariable("SUPERVISION_PG_BIN");
        string? bin = null;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            bin = configured;
        }
        else if (Directory.Exists("/usr/lib/postgresql"))
        {
            bin = Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (dir: d, version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(x => x.version >= 0)
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault();
        }

        if (bin is null || !File.Exists(Path.Combine(bin, "initdb")) || !File.Exists(Path.Combine(bin, "pg_ctl")))
        {
            reason = $"PostgreSQL server binaries not found (SUPERVISION_PG_BIN='{configured}', /usr/lib/postgresql/*/bin).";
            return null;
        }

        if (Environment.IsPrivilegedProcess && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser"))
        {
            reason = "Running as root, and runuser is missing to start PostgreSQL as the postgres user.";
            return null;
        }

        reason = "";
        return bin;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _binDirectory = FindBinaries(out var reason);
        if (_binDirectory is null)
        {
            UnavailableReason = reason;
            if (IsCi)
            {
                // Under CI a missing database must fail the run, never turn into green skips.
                throw new InvalidOperationException($"CI=true but no PostgreSQL server can be started: {reason}");
            }

            return;
        }

        _root = Path.Combine(Path.GetTempPath(), $"supervision-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        var dataDirectory = Path.Combine(_root, "data");
        if (Environment.IsPrivilegedProcess)
        {
            // initdb refuses to run as root; the cluster belongs to the postgres system user.
            await RunAsync("chown", ["-R", $"{SuperUser}:", _root], asPostgres: false);
        }

        await RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", dataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);

        Port = FreeLoopbackPort();
        var serverOptions = string.Join(' ',
            $"-p {Port}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories={_root}",
            // Durability is irrelevant for a throw-away cluster and costs seconds per test class; a benchmark that must
            // count the cost of durable commits sets SUPERVISION_PG_DURABLE=1 (docs/benchmarks.md).
            Environment.GetEnvironmentVariable("SUPERVISION_PG_DURABLE") == "1"
                ? "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
                : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "-c max_connections=300 -c timezone=UTC");
        _serverOptions = serverOptions;
        await StartServerAsync();
        _started = true;
    }

    private string? _serverOptions;

    private Task StartServerAsync() => RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
        ["-D", Path.Combine(_root!, "data"), "-l", Path.Combine(_root!, "server.log"), "-o", _serverOptions!, "-w", "-t", "60", "start"], asPostgres: true);

    /// <summary>
    /// Stops the server at once (<c>pg_ctl stop -m immediate</c>: every connection cut, as a crash would) and starts it
    /// again on the same port and data after <paramref name="downFor"/>; every database survives. Pools of this process
    /// are cleared, so no test meets a connection of the old server.
    /// </summary>
    public async Task RestartAsync(TimeSpan downFor)
    {
        if (_binDirectory is null || _root is null) throw new InvalidOperationException($"PostgreSQL is unavailable: {UnavailableReason}");
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true);
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(downFor);
        await StartServerAsync();
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (UnavailableReason is not null)
        {
            throw new InvalidOperationException($"PostgreSQL is unavailable: {UnavailableReason}");
        }

        var safe = UnsafeDatabaseCharacters().Replace(name.ToLowerInvariant(), "_");
        // Unique per call so a re-run against a leftover server never collides.
        safe = $"{safe[..Math.Min(safe.Length, 40)]}_{Guid.NewGuid().ToString("N")[..8]}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{safe}\"";
        await command.ExecuteNonQueryAsync();
        return Build(safe);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (_started && _binDirectory is not null && _root is not null)
            {
                foreach (var copy in _copies)
                {
                    await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", copy, "-m", "immediate", "-w", "stop"], asPostgres: true);
                }

                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
                    ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], asPostgres: true);
            }
        }
        finally
        {
            if (_root is not null && Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    /// <summary>
    /// A base backup of the whole cluster (pg_basebackup, WAL streamed with it) into a new directory; then a second server
    /// started on that copy, on its own loopback port — the documented PostgreSQL backup and restore (docs/operations.md).
    /// Returns the copy's port; the copy is stopped and deleted with this server.
    /// </summary>
    public async Task<int> BackUpAndStartCopyAsync()
    {
        if (_binDirectory is null || _root is null) throw new InvalidOperationException($"PostgreSQL is unavailable: {UnavailableReason}");
        var copy = Path.Combine(_root, $"copy-{Guid.NewGuid():N}");
        await RunAsync(Path.Combine(_binDirectory, "pg_basebackup"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", SuperUser, "-D", copy, "-X", "stream", "-c", "fast", "--no-sync"], asPostgres: true);
        var port = FreeLoopbackPort();
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_root} -c fsync=off -c max_connections=50";
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
            ["-D", copy, "-l", copy + ".log", "-o", options, "-w", "-t", "60", "start"], asPostgres: true);
        _copies.Add(copy);
        return port;
    }

    private readonly List<string> _copies = [];

    private string Build(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
        Timeout = 15,
        // Several silos per test open many pooled connections.
        MaxPoolSize = 50,
    }.ConnectionString;

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", SuperUser, "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = file;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        // pg_ctl start leaves the server running with inherited handles; read to EOF would hang
        // on some platforms, so wait for exit first and only then collect what was written.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex UnsafeDatabaseCharacters();
}

/// <summary>One PostgreSQL server for every test class that needs it.</summary>
[CollectionDefinition(Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "xUnit's word: a test collection definition.")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    /// <summary>The collection name to put on test classes.</summary>
    public const string Name = "PostgreSQL";
}

/// <summary>
/// A fact that needs PostgreSQL: skipped with a reason when the server binaries are missing,
/// except under CI=true, where the test runs and the fixture fails it.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when PostgreSQL cannot be started here.</summary>
    public PostgresFactAttribute()
    {
        if (!PostgresServer.IsCi && PostgresServer.FindBinaries(out var reason) is null)
        {
            Skip = $"{reason} Set SUPERVISION_PG_BIN or install PostgreSQL server binaries; CI=true turns this skip into a failure.";
        }
    }
}

/// <summary>A theory that needs PostgreSQL, skipped or failed as <see cref="PostgresFactAttribute"/>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (!PostgresServer.IsCi && PostgresServer.FindBinaries(out var reason) is null)
        {
            Skip = $"{reason} Set SUPERVISION_PG_BIN or install PostgreSQL server binaries; CI=true turns this skip into a failure.";
        }
    }
}

/// <summary>
/// A load benchmark (compiled only with -p:LoadTests=true): runs only when <paramref name="variable"/> is set — its
/// script sets it to the size to measure — and PostgreSQL can be started.
/// </summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute(string variable, string script)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            Skip = $"Benchmark: set {variable} ({script}).";
        else if (PostgresServer.FindBinaries(out var reason) is null)
            Skip = reason;
    }
}

/// <summary>Settings the load benchmarks share.</summary>
public static class BenchmarkSettings
{
    /// <summary>
    /// The API's <c>Maximum Pool Size</c>: <c>SUPERVISION_BENCH_POOL</c>, or the benchmark's default (docs/operations.md
    /// explains the two defaults: few connections for reads, more for durable writes).
    /// </summary>
    public static int PoolSize(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("SUPERVISION_BENCH_POOL"), out var size) && size > 0 ? size : byDefault;
}
