using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Operations;

namespace Supervision.Api.Common;

/// <summary>
/// A typed route's answer while its long operation still runs after the route's wait: 202 with the operation to follow
/// (as <see cref="OperationApi"/> made it). It declares nothing to the API description: a long-operation route's 202 is
/// described once, with its Location and Retry-After, by <c>OpenApiCompleteness</c> (<c>LongOperationRoute</c>), which
/// a typed <c>Accepted&lt;OperationView&gt;</c> would replace (and add the operation's schemas to the document).
/// </summary>
public sealed class OperationRunning(Accepted<OperationView> accepted) : IResult, IStatusCodeHttpResult, INestedHttpResult
{
    public int? StatusCode => accepted.StatusCode;

    public IResult Result => accepted;

    public Task ExecuteAsync(HttpContext httpContext) => accepted.ExecuteAsync(httpContext);
}
