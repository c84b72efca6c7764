using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Api.Hosting;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// The real API process, in-process: Kestrel on a free loopback port, a co-hosted silo (embedded mode) or
/// PostgreSQL storage, and a throw-away data directory. Tests talk to it over real HTTP.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";

    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;
    private readonly bool _postgres;

    private ApiHost(WebApplication app, string dataDirectory, bool ownsDirectory, OffsetTimeProvider ceremonyTime)
    {
        CeremonyTime = ceremonyTime;
        _app = app;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        _postgres = app.Services.GetService<Supervision.Infrastructure.Storage.SqlStore>()?.IsPostgres == true;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public Uri BaseAddress { get; }

    /// <summary>The clock the draw ceremony is judged by (Grains' CeremonyClock): the real time, moved on when a test lets a beacon round fall due.</summary>
    public OffsetTimeProvider CeremonyTime { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the platform. Pass the same <paramref name="dataDirectory"/> again to restart on the same data.</summary>
    public static async Task<ApiHost> StartAsync(
        string? dataDirectory = null,
        string? postgresConnectionString = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var configuration = Settings(dataDirectory, postgresConnectionString).ToDictionary(s => s.Key, string? (s) => s.Value);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var ceremonyTime = new OffsetTimeProvider();
        var app = PlatformHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddSingleton(new Supervision.Grains.Tasks.CeremonyClock(ceremonyTime));
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var host = new ApiHost(app, dataDirectory, owns, ceremonyTime);
        Running[host.BaseAddress.Authority] = host;
        return host;
    }

    public HttpClient Anonymous() => new(new OperationFollower(new HttpClientHandler())) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>A client without cookies or redirects followed: what a browser without a session sends.</summary>
    public HttpClient CookieClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    /// <summary>A browser-like session: signed in through the login page's form (with its anti-forgery token), holding the cookie.</summary>
    public async Task<HttpClient> CookieSessionAsync(string username, string password)
    {
        var client = CookieClient();
        var login = await client.GetStringAsync("/app/login");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var signIn = await client.PostAsync("/app/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username, ["password"] = password, ["__RequestVerificationToken"] = token,
        }));
        Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"signing {username} in through the page: {signIn.StatusCode}");
        return client;
    }

    public async Task<HttpClient> SignInAsync(string username, string password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token!.AccessToken);
        return client;
    }

    public Task<HttpClient> AdminAsync() => SignInAsync("admin", AdminPassword);

    /// <summary>
    /// Creates an account through the API as the admin and signs it in. The admin gives a one-time password, which the
    /// account must replace before it can do anything else; this does so, as a new user would, and returns a client
    /// signed in with <see cref="UserPassword"/>. An account that exists already is only signed in.
    /// </summary>
    public async Task<HttpClient> UserAsync(string username, string role, string? department = null, string? inspector = null)
    {
        using var admin = await AdminAsync();
        const string oneTime = "one-time-test-password";
        var response = await admin.PostAsJsonAsync("/api/users", new
        {
            username,
            displayName = username,
            password = oneTime,
            roles = new[] { role },
            departmentCode = department,
            inspectorCertificateNo = inspector,
        });
        if (response.StatusCode == HttpStatusCode.Created)
        {
            using var first = await SignInAsync(username, oneTime);
            var changed = await first.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword = UserPassword });
            if (changed.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"changing the one-time password of {username}: {changed.StatusCode} {await changed.Content.ReadAsStringAsync()}");
            }
        }
        else if (response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"creating {username}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return await SignInAsync(username, UserPassword);
    }

    /// <summary>The password of the accounts <see cref="UserAsync"/> creates, once they replaced their one-time password.</summary>
    public const string UserPassword = "a-long-test-password";

    /// <summary>The hosts running now, by "host:port", so that a helper given only a signed-in client finds its platform.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ApiHost> Running = new(StringComparer.Ordinal);

    /// <summary>The platform <paramref name="client"/> talks to.</summary>
    public static ApiHost Of(HttpClient client) =>
        client.BaseAddress is { } address && Running.TryGetValue(address.Authority, out var host) ? host
            : throw new InvalidOperationException($"no test platform runs at {client.BaseAddress}");

    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(BaseAddress.Authority, out _);
        await _app.StopAsync();
        await _app.DisposeAsync();
        // Orleans' ADO.NET providers open their connections through Npgsql's global pools, which keep idle connections for
        // minutes: closed here, so the PostgreSQL tests of one run do not add up to the server's connection limit.
        if (_postgres) Npgsql.NpgsqlConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            TryDelete(DataDirectory);
        }
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The platform's configuration for a test or benchmark instance (in-process here, or <see cref="ApiProcess"/>): a
    /// co-hosted silo on free ports in its own cluster, the test admin password and signing key, no demo data.
    /// </summary>
    public static Dictionary<string, string> Settings(string dataDirectory, string? postgresConnectionString) => new()
    {
        ["Supervision:DataDirectory"] = dataDirectory,
        ["ConnectionStrings:Supervision"] = postgresConnectionString ?? string.Empty,
        ["Supervision:CoHostSilo"] = "true",
        ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
        ["Auth:BootstrapAdminPassword"] = AdminPassword,
        ["Auth:Local:SigningKey"] = Convert.ToBase64String(new byte[48]),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Supervision:Demo:Enabled"] = "false",
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record TokenBody(string AccessToken);
}
