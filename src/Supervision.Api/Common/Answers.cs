using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Contracts.Registry;
using Supervision.Infrastructure.Storage;

namespace Supervision.Api.Common;

/// <summary>
/// A record's answer over HTTP, and a write path's, the same for every aggregate: success with the new version as the ETag; 400 with the
/// fields at fault, 403, 404, 409 (the key is taken), 412 (stale If-Match) as problem details.
/// </summary>
public static class Answers
{
    /// <summary>A keyset page of <paramref name="read"/>'s rows (the limit checked first), continuing after the last row's <paramref name="key"/>.</summary>
    public static async Task<Results<Ok<Page<T>>, ValidationProblem>> PageAsync<T>(int? limit, Func<int, Task<IReadOnlyList<T>>> read, Func<T, string> key)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        return TypedResults.Ok(Paging.Of(await read(take), take, key));
    }

    /// <summary>A record read by its key: 200 with its version as the ETag, or 404 naming <paramref name="what"/> <paramref name="key"/>.</summary>
    public static Results<Ok<T>, ProblemHttpResult> Found<T>(T? record, HttpContext http, string what, string key)
        where T : class, IVersioned
    {
        if (record is null)
        {
            return Problems.NotFound(what, key);
        }

        ETags.Set(http.Response, record.Version);
        return TypedResults.Ok(record);
    }

    /// <summary>201 at <paramref name="location"/> with the record and its ETag, or the refusal (<paramref name="what"/> <paramref name="key"/> names the record).</summary>
    public static Results<Created<T>, ValidationProblem, ProblemHttpResult> Created<T>(ChangeResult<T> result, HttpContext http, string location, string what, string key)
        where T : class =>
        Answer(result, what, key, r =>
        {
            ETags.Set(http.Response, r.Version);
            return TypedResults.Created(location, r.Record);
        });

    /// <summary>200 with the record and its ETag, or the refusal.</summary>
    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Updated<T>(ChangeResult<T> result, HttpContext http, string what, string key)
        where T : class =>
        Answer(result, what, key, r =>
        {
            ETags.Set(http.Response, r.Version);
            return TypedResults.Ok(r.Record);
        });

    /// <summary>
    /// An update against the version the caller read: 428 without If-Match (nothing is asked of <paramref name="update"/>),
    /// else the update's answer as <see cref="Updated{T}"/> (412 when that version is stale).
    /// </summary>
    public static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> UpdatedAsync<T>(
        HttpContext http, string what, string key, Func<long, Task<ChangeResult<T>>> update)
        where T : class
    {
        if (ETags.IfMatch(http.Request) is not { } expected)
        {
            return Problems.PreconditionRequired();
        }

        return Updated(await update(expected), http, what, key);
    }

    /// <summary><paramref name="success"/>'s answer, or the refusal as problem details.</summary>
    public static Results<TSuccess, ValidationProblem, ProblemHttpResult> Answer<T, TSuccess>(ChangeResult<T> result, string what, string key, Func<ChangeResult<T>, TSuccess> success)
        where T : class
        where TSuccess : IResult => result.Status switch
    {
        ChangeStatus.Created or ChangeStatus.Updated => success(result),
        ChangeStatus.Invalid => Problems.Validation(result.FieldErrors),
        ChangeStatus.Forbidden => Problems.Forbidden(result.Detail ?? "Forbidden."),
        // A grain's refusal names what is missing itself.
        ChangeStatus.NotFound => result.Detail is { } detail
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail)
            : Problems.NotFound(what, key),
        ChangeStatus.AlreadyExists => Problems.Conflict(result.Detail ?? $"The {what} '{key}' exists already."),
        ChangeStatus.VersionMismatch => Problems.PreconditionFailed(result.Version),
        _ => throw new InvalidOperationException($"unexpected status {result.Status}"),
    };

    /// <summary>A directory grain's write, with the record it wrote (read back after it) as <paramref name="record"/>.</summary>
    public static ChangeResult<T> Of<T>(DirectoryWriteResult result, T? record)
        where T : class => new(
        result.Status switch
        {
            DirectoryWriteStatus.Created => ChangeStatus.Created,
            DirectoryWriteStatus.Updated => ChangeStatus.Updated,
            DirectoryWriteStatus.Invalid => ChangeStatus.Invalid,
            DirectoryWriteStatus.Forbidden => ChangeStatus.Forbidden,
            DirectoryWriteStatus.NotFound => ChangeStatus.NotFound,
            DirectoryWriteStatus.AlreadyExists => ChangeStatus.AlreadyExists,
            DirectoryWriteStatus.VersionMismatch => ChangeStatus.VersionMismatch,
            _ => throw new InvalidOperationException($"unexpected status {result.Status}"),
        },
        record,
        result.Errors,
        result.Detail,
        result.Version);
}
