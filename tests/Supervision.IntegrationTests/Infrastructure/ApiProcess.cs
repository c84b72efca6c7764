using System.Diagnostics;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// The API as it is deployed — its own process (<c>dotnet Supervision.Api.dll</c>, server GC, the build's configuration)
/// with a co-hosted silo on PostgreSQL, or in the embedded mode on its own SQLite file — for load benchmarks, whose
/// figures must not include the test runner sharing the process, and for what only the console shows (the bootstrap
/// admin's printed one-time password). Configuration goes in as environment variables, as an operator would give it;
/// the process is killed on dispose and its console output is kept for the failure message.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly DotnetProcess _process;
    private readonly string _dataDirectory;

    private ApiProcess(DotnetProcess process, Uri baseAddress, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.ProcessId;

    /// <summary>What the process printed so far (for a failure message).</summary>
    public string Output => _process.Output;

    /// <summary>
    /// Starts the API built beside this test assembly (same configuration) and waits until it answers; without a
    /// PostgreSQL connection string in the embedded mode.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(string? postgresConnectionString, IDictionary<string, string> settings)
    {
        var port = ApiHost.FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var configuration = ApiHost.Settings(dataDirectory, postgresConnectionString);
        foreach (var (key, value) in settings) configuration[key] = value;

        var process = DotnetProcess.Start("Supervision.Api", ["--urls", $"http://127.0.0.1:{port}"], configuration);
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"), dataDirectory);
        using var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the API exited with {process.ExitCode}:\n{api.Output}");
            try
            {
                if ((await client.GetAsync("/health/live")).IsSuccessStatusCode) return api;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                await api.DisposeAsync();
                throw new TimeoutException($"the API did not answer /health/live within 120 s:\n{api.Output}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The first line of the console output (printed already or still to come) that <paramref name="match"/> accepts.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout) => _process.WaitForLineAsync(match, timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.DisposeAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
