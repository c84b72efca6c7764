using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.OpenApi;
using NetEscapades.AspNetCore.SecurityHeaders;
using Scalar.AspNetCore;
using Supervision.Api.Operations;
using Supervision.Api.Audit;
using Supervision.Api.Common;
using Supervision.Api.Credit;
using Supervision.Api.Registry;
using Supervision.Api.Identity;
using Supervision.Api.Inspections;
using Supervision.Api.Publication;
using Supervision.Api.Abnormal;
using Supervision.Api.Plans;
using Supervision.Api.Cases;
using Supervision.Api.Feeds;
using Supervision.Api.Recusals;
using Supervision.Api.Tasks;
using Supervision.Api.Web;
using Supervision.Contracts;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Configuration;
using Supervision.Infrastructure.Storage;

namespace Supervision.Api.Hosting;

/// <summary>
/// Builds the API process for either mode: embedded (a co-hosted silo on a SQLite file) or production
/// (a client of a silo cluster on PostgreSQL). Program.cs and the tests both start the platform through here.
/// </summary>
public static class PlatformHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The application name is this assembly even when a test process hosts it, so the Razor Pages compiled
        // into it are found.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(PlatformHost).Assembly.GetName().Name,
        });
        // Quiet by default below the platform's own lines (appsettings.json and the environment override it).
        builder.Configuration.AddLoggingDefaults();
        // No "Server: Kestrel" header: it tells a scanner what to try and a client nothing it needs.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        configure?.Invoke(builder);
        var platform = PlatformSettings.From(builder.Configuration);
        var hosting = StartupOptions.Read<ApiHostOptions>(builder.Configuration, s => s.AddApiHostOptions());

        if (platform.ApplySchemaOnStart)
        {
            SchemaMigrator.MigrateAsync(platform.Provider, platform.ConnectionString, CancellationToken.None).GetAwaiter().GetResult();
        }

        var coHost = platform.IsEmbedded || hosting.CoHostSilo;
        if (coHost)
        {
            // The schema was migrated above, before the silo starts.
            builder.UseOrleans(silo => silo.ConfigureSupervision(platform, applyMigrations: false));
        }
        else
        {
            builder.UseOrleansClient(client =>
            {
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = platform.ClusterId;
                    o.ServiceId = platform.ServiceId;
                });
                client.Services.AddSupervisionSerialization();
                client.UseClusterTuning();
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = platform.ConnectionString;
                });
            });
        }

        var publicBaseUrl = hosting.PublicBaseUri;
        builder.Services.AddApiHostOptions();
        builder.Services.AddSingleton(sp => new PublicBaseUrl(publicBaseUrl, sp.GetRequiredService<IServer>()));
        builder.Services.AddSupervisionSecurityHeaders();
        builder.Services.AddSupervisionServices(platform);
        builder.AddSupervisionAuth(platform, secureCookies: publicBaseUrl?.Scheme == Uri.UriSchemeHttps);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<RequestExceptionHandler>();
        // Unreadable bodies surface as exceptions so RequestExceptionHandler can name the field in problem details.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            // A field the route does not know is refused (400 naming it), not silently dropped: a typo must not turn a
            // write into a different one, and a body of unknown fields must not pass as an empty request.
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Supervision API",
                Version = "v1",
                Description = "Double random, one public (双随机、一公开) inspections: the item list, the two directories, draws, results and publication.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[OpenApiCompleteness.BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token from POST /api/auth/token, or from the configured single sign-on.",
            };
            return Task.CompletedTask;
        })
            // Operation ids, security, 2xx and problem answers (503 on every route among them), no trailing slash on the server.
            .AddCompleteness());
        builder.Services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"])
            .AddCheck<CalendarHealthCheck>("calendar", tags: ["ready"]);
        builder.Services.AddSupervisionWeb(secureCookies: publicBaseUrl?.Scheme == Uri.UriSchemeHttps);
        builder.Services.AddSingleton<Supervision.Api.Credit.EntityAccessLinks>();
        builder.Services.AddSingleton<RecusalServices>();
        builder.Services.AddSingleton<Abnormal.AbnormalServices>();
        builder.Services.AddSingleton<Objections.ObjectionServices>();
        builder.Services.AddSingleton<CaseServices>();
        builder.Services.AddPublicPortal();
        builder.Services.AddHostedService<BootstrapAdmin>();
        builder.Services.AddHostedService<DemoData>();
        builder.Services.AddHostedService<DemoAccounts>();

        var app = builder.Build();
        if (publicBaseUrl is null && !platform.IsEmbedded)
        {
            app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogWarning(
                "{Key} is not set: links the platform sends out (an entity's credit link) use the address this process listens on, {Address}. Set it to the address people reach the platform at.",
                PublicBaseUrl.Key, app.Services.GetRequiredService<PublicBaseUrl>().Value));
        }

        // Served over HTTPS by a proxy in front (an https public address): every request is an HTTPS request to the
        // platform — cookies Secure, antiforgery satisfied — whether or not the proxy forwards X-Forwarded-Proto.
        if (publicBaseUrl?.Scheme == Uri.UriSchemeHttps)
        {
            app.Use((context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
        }

        // First, so that every response — pages, API, static files, errors — carries the security headers.
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSupervisionWebAssets();
        app.UseAuthentication();
        app.RefuseEndedTokens();
        app.RequirePasswordChangeFirst();
        app.UseAuthorization();
        app.RequireAntiforgeryForCookieCalls();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // Scalar's page under its own policy (Web/SecurityHeaders.cs): a nonce for its inline bootstrap, and no fonts from its CDN.
        app.MapScalarApiReference("/reference", (o, http) => o.WithTitle("Supervision API reference").DisableDefaultFonts().WithNonce(http.GetNonce()))
            .WithSecurityHeadersPolicy(SecurityHeaders.ApiReferencePolicy).AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapSupervisionWeb();

        app.MapIdentityApi();
        app.MapAuditApi();
        app.MapCatalogApi();
        app.MapDirectoryApi();
        app.MapImportApi();
        app.MapReferenceApi();
        app.MapTaskApi();
        app.MapOperationApi();
        app.MapTaskPreviewApi();
        app.MapInspectionApi();
        app.MapFollowUpApi();
        app.MapCreditApi();
        app.MapRecusalApi();
        app.MapAbnormalApi();
        Objections.ObjectionApi.MapObjectionApi(app);
        app.MapPlanApi();
        app.MapCaseApi();
        app.MapWebhookApi();
        app.MapFeedApi();
        app.MapPublicPortal();

        app.Lifetime.ApplicationStarted.Register(() => PrintBanner(app, platform));
        return app;
    }

    private static void PrintBanner(WebApplication app, PlatformSettings platform)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = addresses.FirstOrDefault() ?? "(no address)";
        var storage = platform.IsEmbedded
            ? $"SQLite file {Path.Combine(platform.DataDirectory, "supervision.db")}"
            : "PostgreSQL (ConnectionStrings:Supervision)";
        Console.WriteLine();
        Console.WriteLine("  Supervision is running.");
        Console.WriteLine($"    URL            {url}   (API reference at {url.TrimEnd('/')}/reference)");
        Console.WriteLine($"    Data           {storage}");
        Console.WriteLine($"    Sign in        POST {url.TrimEnd('/')}/api/auth/token with {{\"username\":\"admin\",\"password\":\"…\"}}");
        Console.WriteLine();
    }
}

/// <summary>Ready only when the database answers.</summary>
internal sealed class StorageHealthCheck(SqlStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await store.OpenAsync(cancellationToken);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            return HealthCheckResult.Healthy($"{store.Provider} answers");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"{store.Provider} does not answer: {e.Message}");
        }
    }
}

/// <summary>
/// The working-day calendar's official notices cover a range of years (reference data, added each November from the State
/// Council's notice); other years are computed provisionally from the statutory rules, so deadlines never stop working.
/// Degraded — still ready, but visible to monitoring — from <c>Supervision:Calendar:WarnDays</c> (60) days before the
/// last official date and while today is in a provisional year; unhealthy only past the statutory rules' last year.
/// </summary>
internal sealed class CalendarHealthCheck(WorkingCalendar calendar, WorkflowClock clock, Microsoft.Extensions.Options.IOptions<CalendarOptions> options)
    : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var today = clock.Today;
        var warnDays = options.Value.WarnDays;
        var data = new Dictionary<string, object>
        {
            ["officialFirstDate"] = calendar.OfficialFirstDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["officialLastDate"] = calendar.OfficialLastDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["lastDate"] = calendar.LastDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["version"] = calendar.Version.Version,
        };
        var update = $"Load the State Council's holiday notice for {calendar.OfficialLastDate.Year + 1} as calendar-cn-{calendar.OfficialLastDate.Year + 1}.json in the reference-data directory (docs/workflow.md, \"Updating the data\").";
        if (today > calendar.LastDate)
            return Task.FromResult(HealthCheckResult.Unhealthy($"The working-day calendar ended on {calendar.LastDate:O}: deadlines cannot be computed.", data: data));
        if (today > calendar.OfficialLastDate)
            return Task.FromResult(HealthCheckResult.Degraded(
                $"The official holiday notices end on {calendar.OfficialLastDate:O}: deadlines after it are provisional (statutory rules, no make-up working days). {update}", data: data));
        if (calendar.OfficialLastDate.DayNumber - today.DayNumber < warnDays)
            return Task.FromResult(HealthCheckResult.Degraded(
                $"The official holiday notices end on {calendar.OfficialLastDate:O}, in {calendar.OfficialLastDate.DayNumber - today.DayNumber} days; deadlines after it are provisional. {update}", data: data));
        return Task.FromResult(HealthCheckResult.Healthy($"official calendar {calendar.OfficialFirstDate:O} – {calendar.OfficialLastDate:O}", data));
    }
}

/// <summary>Ready only when a grain can be called (the co-hosted silo is up, or the client reached a gateway).</summary>
internal sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"the cluster does not answer: {e.Message}");
        }
    }
}

/// <summary>
/// On a fresh database, creates the first platform admin. Its password comes from Auth:BootstrapAdminPassword
/// or is generated once and printed; a generated password must be changed at first sign-in.
/// </summary>
internal sealed class BootstrapAdmin(UserStore users, IAccountService accounts, Microsoft.Extensions.Options.IOptions<AuthOptions> options, ILogger<BootstrapAdmin> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await users.AnyAsync(cancellationToken))
        {
            return;
        }

        // The accounts' one write path, as any admin's account is made (no configured password: a one-time one, answered once).
        var configured = string.IsNullOrWhiteSpace(options.Value.BootstrapAdminPassword) ? null : options.Value.BootstrapAdminPassword;
        var created = await accounts.CreateAsync(
            new AccountDraft("admin", "Platform administrator", configured, [Roles.Admin], null, null, MustChangePassword: configured is null),
            Actor.System("bootstrap"),
            cancellationToken);
        if (created.Record?.OneTimePassword is { } password)
        {
            Console.WriteLine();
            Console.WriteLine($"  First start: created the platform admin 'admin' with the one-time password  {password}");
            Console.WriteLine("  Sign in and change it (in the browser at /app/login, or POST /api/auth/password); until then the account can do");
            Console.WriteLine("  nothing else. It is not shown again.");
            Console.WriteLine();
        }
        else if (created.Succeeded)
        {
            logger.LogInformation("Created the platform admin 'admin' with the configured bootstrap password");
        }
        else if (created.Status != ChangeStatus.AlreadyExists)
        {
            // The configured password was checked at start (AuthOptions); anything else is a bug to stop at.
            throw new InvalidOperationException(
                $"The platform admin could not be created ({created.Status}): {created.Detail}{string.Join("; ", created.FieldErrors.Select(e => $"{e.Field}: {e.Reason}"))}");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
