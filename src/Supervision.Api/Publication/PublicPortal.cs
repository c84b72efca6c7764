using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
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

/// <summary>
/// The "one public" part of the platform: the read model queries, the open-data API (/api/public/v1), the bulk
/// downloads and the staff's publication routes; the limits on anonymous visitors are in <see cref="PublicThrottling"/>.
/// PlatformHost calls <see cref="AddPublicPortal"/> and <see cref="MapPublicPortal"/>; the pages live in Pages/ (Index,
/// Entities, Tasks, OpenData, Verify).
/// </summary>
public static class PublicPortal
{
    public static IServiceCollection AddPublicPortal(this IServiceCollection services)
    {
        services.AddOptions<PublicPortalOptions>().BindConfiguration("Supervision:Public").ValidateDataAnnotations("Supervision:Public").ValidateOnStart();
        services.AddSingleton<PublicationQueries>();
        services.AddSingleton<PublicationStore>();
        services.AddSingleton<PublicQueries>();
        services.AddSingleton<DrawDisclosure>();
        services.AddSingleton<BulkExport>();
        services.AddSingleton<IPublicCreditDisclosure, NoPublicCreditDisclosure>();
        services.AddPublicThrottling();
        return services;
    }

    /// <summary>After authentication (the limiters exempt signed-in staff): the limiters and the routes.</summary>
    public static WebApplication MapPublicPortal(this WebApplication app)
    {
        app.UsePublicThrottling();
        app.MapOpenDataApi();
        app.MapPublicationApi();
        // The specification and the independent verifier, served from the assembly so the portal needs no other site.
        app.MapGet("/verify/{file}", Results<FileStreamHttpResult, NotFound> (string file) =>
            file is "draw-spec.md" or "verify_draw.py" && typeof(PublicPortal).Assembly.GetManifestResourceStream("public/" + file) is { } stream
                ? TypedResults.Stream(stream, file.EndsWith(".md", StringComparison.Ordinal) ? "text/markdown; charset=utf-8" : "text/x-python; charset=utf-8")
                : TypedResults.NotFound()).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// A cacheable public answer: a strong ETag from the bytes, Last-Modified from the data's newest change, and 304 when
    /// the client's If-None-Match (or, without it, If-Modified-Since) shows it already has this version.
    /// </summary>
    public static CachedJson<T> Cached<T>(T body, DateTimeOffset? lastModified) => new(body, lastModified);

    /// <summary>Sets the validators; answers 304 when the client's copy is current, null otherwise.</summary>
    public static StatusCodeHttpResult? NotModifiedOr(HttpContext http, string etag, DateTimeOffset? lastModified)
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
            return matches ? TypedResults.StatusCode(StatusCodes.Status304NotModified) : null;
        }
        if (modified is { } since && DateTimeOffset.TryParseExact(request.IfModifiedSince.ToString(), "R", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var clientCopy) && since <= clientCopy)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return null;
    }
}

/// <summary>
/// A cacheable public JSON answer (<see cref="PublicPortal.Cached{T}"/>): <typeparamref name="T"/> as JSON with its
/// validators, or 304 when the client's copy is current. The body is serialised with the platform's JSON options when the
/// answer is written, and its strong ETag is taken from those bytes. The OpenAPI document describes the 200 with
/// <typeparamref name="T"/>'s schema, and the 304.
/// </summary>
public sealed class CachedJson<T>(T body, DateTimeOffset? lastModified) : IResult, IEndpointMetadataProvider, IValueHttpResult, IValueHttpResult<T>
{
    public T? Value => body;

    object? IValueHttpResult.Value => body;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var json = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, json);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
        IResult answer = (IResult?)PublicPortal.NotModifiedOr(httpContext, etag, lastModified) ?? TypedResults.Bytes(bytes, "application/json; charset=utf-8");
        return answer.ExecuteAsync(httpContext);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void), []));
    }
}
