using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Supervision.Api.Common;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Configuration;

namespace Supervision.Api.Publication;

/// <summary>Limits for anonymous clients of the public portal and open data (configuration "Supervision:Public").</summary>
public sealed class PublicPortalOptions
{
    /// <summary>Requests one client address may make per window; authenticated staff are not limited.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 120;

    /// <summary>The fixed window the permit limit applies to.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long clients and proxies may reuse a public answer without asking again.</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Anonymous public requests one API process answers at once; 0 (the default) means four per processor. The rest
    /// wait their turn, first come first served, so that under a crowd each request holds the processors and the
    /// database connections only while it is being answered (docs/public-portal.md, "Caching and rate limits").
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 100_000)]
    public int ConcurrentRequests { get; set; }

    /// <summary>Anonymous public requests that may wait for a turn; one more is refused with 503 and Retry-After.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 1_000_000)]
    public int QueueLimit { get; set; } = 1000;

    /// <summary>
    /// Long transfers (bulk files, population snapshots, packs, checksums computed on first use) streamed at once; 0
    /// (the default) means one per processor. They take turns apart from the answers, so slow downloaders never hold up
    /// a search; each holds a database connection only while it reads a batch, never while its client is slow.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10_000)]
    public int ConcurrentDownloads { get; set; }

    /// <summary>Long transfers that may wait for a turn; one more is refused with 503 and Retry-After.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 100_000)]
    public int DownloadQueueLimit { get; set; } = 100;

    /// <summary>How long a request may wait for its turn; then it is refused with 503 and Retry-After.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Answers one client address may have under way at once (429 beyond), so that one address cannot take every turn.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int ConcurrentRequestsPerAddress { get; set; } = 16;

    /// <summary>Long transfers one client address may have under way at once (429 beyond).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000)]
    public int ConcurrentDownloadsPerAddress { get; set; } = 2;

    /// <summary>The slowest a long transfer's client may read (bytes per second, after 10 s of grace) before it is disconnected.</summary>
    [System.ComponentModel.DataAnnotations.Range(240, 100_000_000)]
    public int MinDownloadBytesPerSecond { get; set; } = 16 * 1024;
}

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
/// The "one public" part of the platform: the read model queries, the open-data API (/api/public/v1), the bulk
/// downloads, the staff's publication routes and the rate limiter for anonymous visitors. PlatformHost calls
/// <see cref="AddPublicPortal"/> and <see cref="MapPublicPortal"/>; the pages live in Pages/ (Index, Entities, Tasks,
/// OpenData, Verify).
/// </summary>
public static class PublicPortal
{
    public static IServiceCollection AddPublicPortal(this IServiceCollection services)
    {
        services.AddOptions<PublicPortalOptions>().BindConfiguration("Supervision:Public").ValidateDataAnnotations("Supervision:Public").ValidateOnStart();
        services.AddSingleton<PublicationStore>();
        services.AddSingleton<PublicQueries>();
        services.AddSingleton<DrawDisclosure>();
        services.AddSingleton<BulkExport>();
        services.AddSingleton<IPublicCreditDisclosure, NoPublicCreditDisclosure>();
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

    /// <summary>
    /// Whether a request counts against the per-address rate limit: every anonymous one — the portal, open data, the
    /// anonymous parts of the staff API (published tasks and their packs, catalogues, reference data), the sign-in and
    /// the readiness probe, which queries the database and the cluster (a probe every few seconds is far below the
    /// limit) — except the liveness probe, which checks nothing. Signed-in staff are not limited; static files are
    /// served before.
    /// </summary>
    public static bool IsLimited(HttpContext http) => http.User.Identity?.IsAuthenticated != true && !http.Request.Path.StartsWithSegments("/health/live");

    /// <summary>After authentication (the limiters exempt signed-in staff): the limiters and the routes.</summary>
    public static WebApplication MapPublicPortal(this WebApplication app)
    {
        app.UseRateLimiter();
        var capacity = app.Services.GetRequiredService<PublicCapacity>();
        var options = app.Services.GetRequiredService<IOptions<PublicPortalOptions>>().Value;
        app.Use((http, next) => TakeTurnAsync(http, next, capacity, options));
        app.MapOpenDataApi();
        app.MapPublicationApi();
        // The specification and the independent verifier, served from the assembly so the portal needs no other site.
        app.MapGet("/verify/{file}", (string file) =>
            file is "draw-spec.md" or "verify_draw.py" && typeof(PublicPortal).Assembly.GetManifestResourceStream("public/" + file) is { } stream
                ? Results.Stream(stream, file.EndsWith(".md", StringComparison.Ordinal) ? "text/markdown; charset=utf-8" : "text/x-python; charset=utf-8")
                : Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

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

    /// <summary>
    /// A cacheable public answer: a strong ETag from the bytes, Last-Modified from the data's newest change, and 304 when
    /// the client's If-None-Match (or, without it, If-Modified-Since) shows it already has this version.
    /// </summary>
    public static IResult Cached<T>(HttpContext http, T body, DateTimeOffset? lastModified)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, json);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
        return NotModifiedOr(http, etag, lastModified) ?? Results.Bytes(bytes, "application/json; charset=utf-8");
    }

    /// <summary>Sets the validators; answers 304 when the client's copy is current, null otherwise.</summary>
    public static IResult? NotModifiedOr(HttpContext http, string etag, DateTimeOffset? lastModified)
    {
        var headers = http.Response.Headers;
        headers.ETag = etag;
        var maxAge = http.RequestServices.GetRequiredService<IOptions<PublicPortalOptions>>().Value.CacheMaxAge;
        headers.CacheControl = $"public, max-age={(int)maxAge.TotalSeconds}";
        DateTimeOffset? modified = lastModified is { } lm ? new DateTimeOffset(lm.UtcTicks - lm.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : null;
        if (modified is { } m) headers.LastModified = m.ToString("R", CultureInfo.InvariantCulture);

        var request = http.Request.Headers;
        if (request.IfNoneMatch.Count > 0)
        {
            var matches = request.IfNoneMatch.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Any(tag => tag == "*" || tag == etag || (tag.StartsWith("W/", StringComparison.Ordinal) && tag[2..] == etag));
            return matches ? Results.StatusCode(StatusCodes.Status304NotModified) : null;
        }
        if (modified is { } since && DateTimeOffset.TryParseExact(request.IfModifiedSince.ToString(), "R", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var clientCopy) && since <= clientCopy)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return null;
    }
}
