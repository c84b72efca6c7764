using System.Diagnostics;
using System.Text;

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
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly string _dataDirectory;

    private ApiProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>What the process printed so far (for a failure message).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts the API built beside this test assembly (same configuration) and waits until it answers; without a
    /// PostgreSQL connection string in the embedded mode.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(string? postgresConnectionString, IDictionary<string, string> settings)
    {
        var dll = ApiAssemblyPath();
        var port = ApiHost.FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var configuration = ApiHost.Settings(dataDirectory, postgresConnectionString);
        foreach (var (key, value) in settings) configuration[key] = value;
        foreach (var (key, value) in configuration) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"), dataDirectory);
        process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

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

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length < 64_000) _output.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(line);
            }
        }
    }

    /// <summary>The first line of the console output (printed already or still to come) that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var printed = _output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(match);
            if (printed is not null) return printed;
            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no such line within {timeout.TotalSeconds} s:\n{Output}");
        }
    }

    /// <summary>src/Supervision.Api/bin/{configuration}/{framework}/Supervision.Api.dll: the build of this test run.</summary>
    private static string ApiAssemblyPath()
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = baseDirectory.Name;
        var configuration = baseDirectory.Parent!.Name;
        var dll = Path.Combine(Repository.Root, "src", "Supervision.Api", "bin", configuration, framework, "Supervision.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the API is not built for {configuration} ({dll})", dll);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
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
