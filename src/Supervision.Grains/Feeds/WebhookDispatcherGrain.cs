using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Supervision.Contracts.Feeds;
using Supervision.Infrastructure.Feeds;

namespace Supervision.Grains.Feeds;

/// <summary>
/// Drives <see cref="WebhookDispatcher"/> (<see cref="IWebhookDispatcherGrain"/>): a grain timer every
/// <see cref="WebhookOptions.PollInterval"/> while active, and a reminder that brings the grain back after a restart or
/// the loss of its silo. Everything it knows is in the database, so it keeps no state of its own.
/// </summary>
public sealed class WebhookDispatcherGrain(WebhookDispatcher dispatcher, IOptions<WebhookOptions> options, ILogger<WebhookDispatcherGrain> logger)
    : Grain, IWebhookDispatcherGrain, IRemindable
{
    private const string ReminderName = "keep-alive";
    private IGrainTimer? timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        timer = this.RegisterGrainTimer(_ => TickAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.PollInterval) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task Start() => this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation started the timer

    public Task<WebhookRun> Run() => dispatcher.RunAsync();

    private async Task TickAsync()
    {
        try
        {
            await dispatcher.RunAsync();
        }
        catch (Exception e)
        {
            logger.LogError(e, "The webhook dispatcher's tick failed; the next tick tries again");
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        timer?.Dispose();
        return Task.CompletedTask;
    }
}
