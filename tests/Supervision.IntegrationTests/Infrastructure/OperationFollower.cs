using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// What a client of the long routes does (docs/operations.md, "Long operations"): on 202 Accepted with an operation's
/// Location it follows the operation until it ends, then fetches <c>{Location}/result</c> — the answer the route would
/// have given had it finished within the wait. So a test reads the same answer however long the draw took on a loaded
/// machine. A request that states a preference (<c>Prefer: respond-async</c>, <c>wait=N</c>) wants the answer as it
/// comes and is not followed.
/// </summary>
public sealed class OperationFollower(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>The longest an operation is followed before the test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted
            || response.Headers.Location is not { } location
            || !location.OriginalString.StartsWith("/api/operations/", StringComparison.Ordinal)
            || request.Headers.Contains("Prefer"))
        {
            return response;
        }

        var absolute = new Uri(request.RequestUri!, location);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using var poll = new HttpRequestMessage(HttpMethod.Get, absolute);
            CopyAuthorization(request, poll);
            using var state = await base.SendAsync(poll, cancellationToken);
            if (state.StatusCode == HttpStatusCode.OK)
            {
                var view = await state.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                if (view.GetProperty("state").GetString() != "running") break;
            }
            else if (state.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                throw new HttpRequestException($"following {location}: {(int)state.StatusCode} {await state.Content.ReadAsStringAsync(cancellationToken)}");
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"operation {location} still running after {Patience}");
            await Task.Delay(100, cancellationToken);
        }

        response.Dispose();
        var result = new HttpRequestMessage(HttpMethod.Get, new Uri(absolute + "/result"));
        CopyAuthorization(request, result);
        foreach (var accept in request.Headers.AcceptEncoding) result.Headers.AcceptEncoding.Add(accept);
        return await base.SendAsync(result, cancellationToken);
    }

    private static void CopyAuthorization(HttpRequestMessage from, HttpRequestMessage to)
    {
        if (from.Headers.Authorization is { } authorization) to.Headers.Authorization = authorization;
        if (from.Headers.TryGetValues("Cookie", out var cookies)) to.Headers.TryAddWithoutValidation("Cookie", cookies);
    }
}
