using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Supervision.Contracts;
using Supervision.Core.Validation;

namespace Supervision.Api.Common;

public static class Problems
{
    /// <summary>
    /// A refused grain command (<see cref="CommandStatus"/>) as problem details: 400 with the fields at fault, 403, 404, 422
    /// titled <paramref name="unprocessableTitle"/>, otherwise 409.
    /// </summary>
    public static Results<ValidationProblem, ProblemHttpResult> Refusal(CommandStatus status, string? detail, IReadOnlyList<FieldError> errors, string unprocessableTitle) => status switch
    {
        CommandStatus.Invalid => Validation(errors.Count > 0 ? errors : [FieldError.State("body", detail ?? "is invalid")]),
        CommandStatus.Forbidden => Forbidden(detail ?? "Forbidden."),
        CommandStatus.NotFound => Status(StatusCodes.Status404NotFound, "Not found", detail),
        CommandStatus.Unprocessable => Status(StatusCodes.Status422UnprocessableEntity, unprocessableTitle, detail),
        _ => Conflict(detail ?? "Conflict."),
    };

    /// <summary>Problem details with this status, title and detail (and extension members, when given).</summary>
    public static ProblemHttpResult Status(int status, string title, string? detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);

    /// <summary>
    /// 400 with <c>errors</c> (each field and its English reasons, ASP.NET Core's shape) and <c>fieldErrors</c>: each error
    /// with its machine-readable code and the arguments a page words it from (docs/errors.md).
    /// </summary>
    public static ValidationProblem Validation(IEnumerable<FieldError> errors)
    {
        var list = errors as IReadOnlyCollection<FieldError> ?? errors.ToList();
        return TypedResults.ValidationProblem(
            list.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Reason).ToArray(), StringComparer.Ordinal),
            detail: "One or more fields are invalid; see 'errors' for each field and the reason.",
            title: "The request is invalid",
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { [FieldErrorsMember] = FieldErrorView.From(list) });
    }

    public static ValidationProblem Validation(FieldError error) => Validation([error]);

    /// <summary>The extension member of a validation problem that carries the coded errors.</summary>
    public const string FieldErrorsMember = "fieldErrors";

    public static ProblemHttpResult NotFound(string what, string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found", detail: $"There is no {what} '{key}'.");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ProblemHttpResult PreconditionFailed(long currentVersion) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The record changed since you read it",
            detail: $"If-Match did not match the current version (ETag {ETags.Format(currentVersion)}). Read it again and reapply your change.");

    public static ProblemHttpResult PreconditionRequired() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status428PreconditionRequired,
            title: "If-Match is required",
            detail: "Updates must send the ETag they read in an If-Match header, so that no change is silently overwritten.");
}

/// <summary>
/// A refusal — 400 naming the fields at fault, or another problem — is one value (<see cref="Problems.Refusal"/> and the
/// features' own reply-to-problem mappings); a route answers it within its own union of outcomes. C# converts a case into a
/// union but not a union into a larger one, so <c>Widen</c> does, keeping the case the refusal holds. A route's union lists
/// its successes first, then <see cref="ValidationProblem"/> and <see cref="ProblemHttpResult"/>.
/// </summary>
public static class Refusals
{
    public static Results<T1, ValidationProblem, ProblemHttpResult> Widen<T1>(this Results<ValidationProblem, ProblemHttpResult> refusal)
        where T1 : IResult =>
        refusal.Result is ValidationProblem validation ? validation : (ProblemHttpResult)refusal.Result;

    public static Results<T1, T2, ValidationProblem, ProblemHttpResult> Widen<T1, T2>(this Results<ValidationProblem, ProblemHttpResult> refusal)
        where T1 : IResult
        where T2 : IResult =>
        refusal.Result is ValidationProblem validation ? validation : (ProblemHttpResult)refusal.Result;
}

/// <summary>Record versions travel as strong ETags: <c>"7"</c>.</summary>
public static class ETags
{
    public static string Format(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>Reads If-Match; null when absent, -1 when present but not one of our ETags (it then matches nothing).</summary>
    public static long? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }

        value = value.Trim('"');
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;
    }

    public static void Set(HttpResponse response, long version) => response.Headers.ETag = Format(version);
}

/// <summary>Keyset paging: lists are ordered by their key and continue after the last key of the previous page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next, int Limit);

public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    public static bool TryLimit(int? requested, out int limit, out ValidationProblem? problem)
    {
        limit = requested ?? DefaultLimit;
        problem = null;
        if (limit is < 1 or > MaxLimit)
        {
            problem = Problems.Validation(FieldError.OutOfRange("limit", 1, MaxLimit, limit));
            return false;
        }

        return true;
    }

    public static Page<T> Of<T>(IReadOnlyList<T> rows, int limit, Func<T, string> key) =>
        new(rows, rows.Count == limit && rows.Count > 0 ? key(rows[^1]) : null, limit);
}

/// <summary>
/// Turns what the framework throws for unreadable requests (malformed JSON, wrong types, oversize bodies)
/// into 400 problem details naming the field, and anything unexpected into a 500 without internals.
/// </summary>
public sealed partial class RequestExceptionHandler(IProblemDetailsService problems, ILogger<RequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails details;
        if (exception is BadHttpRequestException bad)
        {
            var json = FindInner<JsonException>(exception);
            var field = json?.Path is { Length: > 0 } path
                ? path.TrimStart('$', '.')
                : BoundParameter().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : "body";
            var unreadable = FieldError.Unreadable(field.Length == 0 ? "body" : field, json?.Message ?? bad.Message);
            details = new ValidationProblemDetails(new Dictionary<string, string[]>
            {
                [unreadable.Field] = [unreadable.Reason],
            })
            {
                Status = bad.StatusCode,
                Title = "The request could not be read",
                Detail = bad.Message,
                Extensions = { [Problems.FieldErrorsMember] = FieldErrorView.From([unreadable]) },
            };
            httpContext.Response.StatusCode = bad.StatusCode;
        }
        else if (TransientFailures.IsTransient(exception))
        {
            logger.LogWarning(exception, "Transient failure for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            details = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Temporarily unavailable",
                Detail = "The cluster or the database could not be reached in time. Retry after the Retry-After header's seconds. "
                    + "A write may or may not have taken effect: retry it with the same Idempotency-Key where the route takes one, or read the record first.",
            };
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = TransientFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            details = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal error",
                Detail = "The server failed to complete the request and logged the error. Whether a write took effect is not known: read the record before retrying it.",
            };
            httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    /// <summary>The framework's binding failures read 'Failed to bind parameter "int? limit" from "abc".'</summary>
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();

    private static T? FindInner<T>(Exception? e)
        where T : Exception
    {
        while (e is not null)
        {
            if (e is T t)
            {
                return t;
            }

            e = e.InnerException;
        }

        return null;
    }
}

/// <summary>
/// Which department's records a staff read covers: admins any department they name (or all, when they name none);
/// everyone else their own — naming another department is 403, and a staff account without a department sees nothing.
/// </summary>
public static class DepartmentScope
{
    public static bool TryResolve(HttpContext http, string? requested, out string? scope, out ProblemHttpResult? problem)
    {
        var actor = Supervision.Api.Identity.SupervisionClaims.ToActor(http.User);
        problem = null;
        scope = requested;
        if (actor.IsAdmin) return true;
        if (actor.DepartmentCode is not { } own)
        {
            problem = Problems.Forbidden("These records are scoped to a department; this account has none.");
            return false;
        }

        if (requested is not null && requested != own)
        {
            problem = Problems.Forbidden($"You may see your own department's ({own}) records only.");
            return false;
        }

        scope = own;
        return true;
    }
}

public static class ClientAddresses
{
    /// <summary>
    /// The key a client's limits are counted under (the anonymous rate limit, the per-address share of the turns, failed
    /// sign-ins): IPv4 as it is, IPv6 by its /64, which one subscriber usually holds whole. Behind a proxy the address is
    /// what forwarded headers make it (docs/operations.md).
    /// </summary>
    public static string ClientKey(this HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4().ToString();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }
}
