using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Supervision.Api.Common;

namespace Supervision.Api.Publication;

/// <summary>Endpoint metadata: a long transfer, which takes a download turn rather than an answer turn.</summary>
public sealed class LongTransfer
{
    public static readonly LongTransfer Instance = new();

    private LongTransfer()
    {
    }
}

/// <summary>
/// The turns anonymous public requests take: answers (<see cref="PublicPortalOptions.ConcurrentRequests"/> at once, a
/// first-come queue of <see cref="PublicPortalOptions.QueueLimit"/> behind them) and, apart from them, long transfers
/// (<see cref="PublicPortalOptions.ConcurrentDownloads"/>, <see cref="PublicPortalOptions.DownloadQueueLimit"/>). One
/// per process, a singleton.
/// </summary>
public sealed class PublicCapacity : IDisposable
{
    /// <summary>The meter operators watch the turns with (dotnet-counters, OpenTelemetry): see docs/operations.md.</summary>
    public const string MeterName = "Supervision.Public";

    private readonly ConcurrencyLimiter _answers;
    private readonly ConcurrencyLimiter _downloads;
    private readonly PartitionedRateLimiter<string> _answersPerAddress;
    private readonly PartitionedRateLimiter<string> _downloadsPerAddress;
    private readonly Counter<long> _refused;

    public PublicCapacity(IOptions<PublicPortalOptions> options, IMeterFactory meters)
    {
        var o = options.Value;
        var answers = o.ConcurrentRequests > 0 ? o.ConcurrentRequests : 4 * Environment.ProcessorCount;
        var downloads = o.ConcurrentDownloads > 0 ? o.ConcurrentDownloads : Environment.ProcessorCount;
        _answers = Limiter(answers, o.QueueLimit);
        _downloads = Limiter(downloads, o.DownloadQueueLimit);
        _answersPerAddress = PerAddress(o.ConcurrentRequestsPerAddress);
        _downloadsPerAddress = PerAddress(o.ConcurrentDownloadsPerAddress);

        var meter = meters.Create(MeterName);
        KeyValuePair<string, object?> Kind(bool longTransfer) => new("kind", longTransfer ? "download" : "answer");
        meter.CreateObservableUpDownCounter("supervision.public.in_progress", () => new[]
        {
            new Measurement<long>(answers - (_answers.GetStatistics()?.CurrentAvailablePermits ?? answers), Kind(false)),
            new Measurement<long>(downloads - (_downloads.GetStatistics()?.CurrentAvailablePermits ?? downloads), Kind(true)),
        }, "{request}", "Anonymous reads being answered now (holding a turn).");
        meter.CreateObservableUpDownCounter("supervision.public.queued", () => new[]
        {
            new Measurement<long>(_answers.GetStatistics()?.CurrentQueuedCount ?? 0, Kind(false)),
            new Measurement<long>(_downloads.GetStatistics()?.CurrentQueuedCount ?? 0, Kind(true)),
        }, "{request}", "Anonymous reads waiting for a turn.");
        _refused = meter.CreateCounter<long>("supervision.public.refused", "{request}",
            "Anonymous reads refused: reason = queue-full or queue-timeout (503), address-busy (429).");
    }

    /// <summary>Counts a refusal (the supervision.public.refused counter).</summary>
    public void Refused(bool longTransfer, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("kind", longTransfer ? "download" : "answer"), new KeyValuePair<string, object?>("reason", reason));

    private static ConcurrencyLimiter Limiter(int permits, int queue) =>
        new(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });

    private static PartitionedRateLimiter<string> PerAddress(int permits) =>
        PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetConcurrencyLimiter(address,
            _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 }));

    /// <summary>The address's own share, taken at once or not at all: a lease that is not acquired means too many under way.</summary>
    public RateLimitLease AcquireForAddress(bool longTransfer, string address) => (longTransfer ? _downloadsPerAddress : _answersPerAddress).AttemptAcquire(address);

    /// <summary>Waits for a turn; the lease is not acquired when the queue is full.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(bool longTransfer, CancellationToken ct) => (longTransfer ? _downloads : _answers).AcquireAsync(1, ct);

    /// <summary>Free turns and waiting requests now.</summary>
    public RateLimiterStatistics? Statistics(bool longTransfer) => (longTransfer ? _downloads : _answers).GetStatistics();

    public void Dispose()
    {
        _answers.Dispose();
        _downloads.Dispose();
        _answersPerAddress.Dispose();
        _downloadsPerAddress.Dispose();
    }
}

/// <summary>
/// How anonymous visitors are held to their share (docs/public-portal.md, "Caching and rate limits"): a fixed-window
/// request limit per client address, then a turn among the answers or the long transfers (<see cref="PublicCapacity"/>),
/// with 429 or 503 and Retry-After as problem details. Signed-in staff pass untouched.
/// </summary>
public static class PublicThrottling
{
    public static IServiceCollection AddPublicThrottling(this IServiceCollection services)
    {
        services.AddSingleton<PublicCapacity>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (!IsLimited(http)) return RateLimitPartition.GetNoLimiter("unlimited");
                var options = http.RequestServices.GetRequiredService<IOptions<PublicPortalOptions>>().Value;
                var client = http.ClientKey();
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitLimit,
                    Window = options.Window,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await response.WriteAsJsonAsync(new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = $"This address made too many requests to the public portal; try again in {seconds} s, or use the bulk downloads.",
                }, (JsonSerializerOptions?)null, "application/problem+json", ct);
            };
        });
        return services;
    }

    /// <summary>After authentication (the limiters exempt signed-in staff), before the public routes.</summary>
    public static WebApplication UsePublicThrottling(this WebApplication app)
    {
        app.UseRateLimiter();
        var capacity = app.Services.GetRequiredService<PublicCapacity>();
        var options = app.Services.GetRequiredService<IOptions<PublicPortalOptions>>().Value;
        app.Use((http, next) => TakeTurnAsync(http, next, capacity, options));
        return app;
    }

    /// <summary>
    /// Whether a request counts against the per-address rate limit: every anonymous one — the portal, open data, the
    /// anonymous parts of the staff API (published tasks and their packs, catalogues, reference data), the sign-in and
    /// the readiness probe, which queries the database and the cluster (a probe every few seconds is far below the
    /// limit) — except the liveness probe, which checks nothing. Signed-in staff are not limited; static files are
    /// served before.
    /// </summary>
    public static bool IsLimited(HttpContext http) => http.User.Identity?.IsAuthenticated != true && !http.Request.Path.StartsWithSegments("/health/live");

    /// <summary>
    /// An anonymous read the per-address rate limit let through takes its address's share (429 when the address has too
    /// many under way), then waits for a turn (<see cref="PublicCapacity"/>: an answer's, or a long transfer's for
    /// endpoints marked <see cref="LongTransfer"/>); a full queue or a wait beyond the queue timeout is refused with 503
    /// and Retry-After, and a client that gives up while waiting leaves the queue without an answer.
    /// </summary>
    private static async Task TakeTurnAsync(HttpContext http, RequestDelegate next, PublicCapacity capacity, PublicPortalOptions options)
    {
        // Reads only: the portal and open data are GETs; an anonymous POST is a sign-in, which must not wait behind a
        // crowd of visitors (it has the per-address limit and the sign-in lockout). The probes do not queue either: a
        // loaded instance is still alive and ready.
        if (!IsLimited(http) || http.Request.Path.StartsWithSegments("/health")
            || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)))
        {
            await next(http);
            return;
        }
        var longTransfer = http.GetEndpoint()?.Metadata.GetMetadata<LongTransfer>() is not null;
        using var share = capacity.AcquireForAddress(longTransfer, http.ClientKey());
        if (!share.IsAcquired)
        {
            capacity.Refused(longTransfer, "address-busy");
            await RefuseAsync(http, StatusCodes.Status429TooManyRequests, "Too many requests",
                "This address has too many requests under way at once; wait for them to finish.");
            return;
        }

        RateLimitLease? lease = null;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            wait.CancelAfter(options.QueueTimeout);
            try
            {
                lease = await capacity.AcquireAsync(longTransfer, wait.Token);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return; // the client gave up
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                // waited too long: refused below
            }
        }
        using (lease)
        {
            if (lease is { IsAcquired: true })
            {
                if (longTransfer && http.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature>() is { } rate)
                    rate.MinDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(options.MinDownloadBytesPerSecond, TimeSpan.FromSeconds(10));
                await next(http);
                return;
            }
        }
        capacity.Refused(longTransfer, lease is null ? "queue-timeout" : "queue-full");
        await RefuseAsync(http, StatusCodes.Status503ServiceUnavailable, "Busy",
            "The public portal has more visitors than it can answer now; try again in 1 s.");
    }

    private static Task RefuseAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        http.Response.Headers.RetryAfter = "1";
        return http.Response.WriteAsJsonAsync(new ProblemDetails { Status = status, Title = title, Detail = detail },
            (JsonSerializerOptions?)null, "application/problem+json", http.RequestAborted);
    }
}
