using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Supervision.Infrastructure.Publication;

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
        services.AddOptions<PublicPortalOptions>().BindConfiguration("Supervision:Public").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PublicationStore>();
        services.AddSingleton<PublicQueries>();
        services.AddSingleton<BulkExport>();
        services.AddSingleton<IPublicCreditDisclosure, NoPublicCreditDisclosure>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (http.User.Identity?.IsAuthenticated == true || !IsPublic(http.Request.Path)) return RateLimitPartition.GetNoLimiter("unlimited");
                var options = http.RequestServices.GetRequiredService<IOptions<PublicPortalOptions>>().Value;
                var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
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

    /// <summary>The paths an anonymous client is rate-limited on: the portal pages and the open-data API.</summary>
    public static bool IsPublic(PathString path) =>
        path.StartsWithSegments("/api/public") || path == "/" || path.StartsWithSegments("/entities") || path.StartsWithSegments("/tasks")
        || path.StartsWithSegments("/open-data") || path.StartsWithSegments("/verify");

    /// <summary>After authentication (the limiter exempts signed-in staff): the limiter and the routes.</summary>
    public static WebApplication MapPublicPortal(this WebApplication app)
    {
        app.UseRateLimiter();
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
