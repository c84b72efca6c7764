using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Supervision.IntegrationTests.Feeds;

/// <summary>One request a <see cref="WebhookReceiver"/> got: its path, the delivery headers, the body and what it answered.</summary>
public sealed record ReceivedDelivery(string Path, string? EventId, string? Kind, string? Signature, byte[] Body, int Answered);

/// <summary>
/// A webhook receiver for tests: Kestrel on 127.0.0.1, port 0 (the system picks a free one). It answers 500 to its first
/// <c>failFirst</c> requests, 200 after, and keeps every request in arrival order.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private int seen;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedDelivery> Received { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync(int failFirst)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{name}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var answer = Interlocked.Increment(ref receiver.seen) <= failFirst ? 500 : 200;
            receiver.Received.Enqueue(new ReceivedDelivery(http.Request.Path, http.Request.Headers["Supervision-Event-Id"], http.Request.Headers["Supervision-Event-Kind"],
                http.Request.Headers["Supervision-Signature"], body.ToArray(), answer));
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return receiver;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
