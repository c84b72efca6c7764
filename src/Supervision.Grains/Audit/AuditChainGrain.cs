using Microsoft.Extensions.Logging;
using Supervision.Contracts.Audit;
using Supervision.Infrastructure.Audit;

namespace Supervision.Grains.Audit;

/// <summary><see cref="IAuditChainGrain"/>: the store does the work (<see cref="AuditChainStore.ExtendAsync"/>); this grain runs it on a reminder.</summary>
public sealed class AuditChainGrain(AuditChainStore chain, ILogger<AuditChainGrain> logger) : Grain, IAuditChainGrain, IRemindable
{
    private const string ReminderName = "chain";

    public async Task Start()
    {
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        this.RegisterGrainTimer(async _ => await ExtendLoggedAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = false });
    }

    public Task<long> Extend() => chain.ExtendAsync();

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == ReminderName ? ExtendLoggedAsync() : Task.CompletedTask;

    private async Task ExtendLoggedAsync()
    {
        try
        {
            await chain.ExtendAsync();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Chaining the audit log failed; the next minute tries again");
        }
    }
}
