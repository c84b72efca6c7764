using Orleans.Runtime;

namespace Supervision.IntegrationTests.Storage;

/// <summary>A tiny persistent grain: enough state to tell a real round trip from a default.</summary>
[Alias("Supervision.IntegrationTests.Storage.ILedgerGrain")]
public interface ILedgerGrain : IGrainWithStringKey
{
    /// <summary>Appends an entry and persists the state.</summary>
    [Alias("Append")]
    Task<LedgerState> Append(string entry, int amount);

    /// <summary>The state as this activation holds it.</summary>
    [Alias("Read")]
    Task<LedgerState> Read();

    /// <summary>The silo hosting this activation.</summary>
    [Alias("Host")]
    Task<SiloAddress> Host();

    /// <summary>Drops this activation (and its in-memory state) after the call.</summary>
    [Alias("Deactivate")]
    Task Deactivate();

    /// <summary>Registers (or updates) a durable reminder.</summary>
    [Alias("Remind")]
    Task Remind(string name, TimeSpan dueTime, TimeSpan period);
}

/// <summary>The persisted shape.</summary>
[GenerateSerializer]
[Alias("Supervision.IntegrationTests.Storage.LedgerState")]
public sealed class LedgerState
{
    /// <summary>Sum of the amounts.</summary>
    [Id(0)] public int Total { get; set; }

    /// <summary>Entries in append order.</summary>
    [Id(1)] public List<string> Entries { get; set; } = [];
}

/// <summary>
/// Random placement so that re-activations land on different silos in the multi-silo tests
/// (the default placement may prefer the silo that received the call).
/// </summary>
[Orleans.Placement.RandomPlacement]
public sealed class LedgerGrain(
    [PersistentState("ledger", "state")] IPersistentState<LedgerState> ledger,
    ILocalSiloDetails silo) : Grain, ILedgerGrain, IRemindable
{
    public async Task<LedgerState> Append(string entry, int amount)
    {
        ledger.State.Entries.Add(entry);
        ledger.State.Total += amount;
        await ledger.WriteStateAsync();
        return ledger.State;
    }

    public Task<LedgerState> Read() => Task.FromResult(ledger.State);

    public Task<SiloAddress> Host() => Task.FromResult(silo.SiloAddress);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Remind(string name, TimeSpan dueTime, TimeSpan period) =>
        this.RegisterOrUpdateReminder(name, dueTime, period);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}

/// <summary>A grain that counts its reminder ticks in persisted state, so a tick is visible after a restart.</summary>
[Alias("Supervision.IntegrationTests.Storage.ITickGrain")]
public interface ITickGrain : IGrainWithStringKey
{
    /// <summary>Registers (or updates) a reminder whose ticks this grain records.</summary>
    [Alias("Start")]
    Task Start(string name, TimeSpan dueTime, TimeSpan period);

    /// <summary>The recorded ticks, as persisted.</summary>
    [Alias("Ticks")]
    Task<TickState> Ticks();
}

/// <summary>Ticks received, oldest first.</summary>
[GenerateSerializer]
[Alias("Supervision.IntegrationTests.Storage.TickState")]
public sealed class TickState
{
    /// <summary>Reminder name and silo UTC time of each tick.</summary>
    [Id(0)] public List<ReminderTick> Received { get; set; } = [];
}

/// <summary>One tick.</summary>
[GenerateSerializer]
[Alias("Supervision.IntegrationTests.Storage.ReminderTick")]
public sealed record ReminderTick([property: Id(0)] string Name, [property: Id(1)] DateTime At);

public sealed class TickGrain(
    [PersistentState("ticks", "state")] IPersistentState<TickState> ticks) : Grain, ITickGrain, IRemindable
{
    public Task Start(string name, TimeSpan dueTime, TimeSpan period) =>
        this.RegisterOrUpdateReminder(name, dueTime, period);

    public Task<TickState> Ticks() => Task.FromResult(ticks.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ticks.State.Received.Add(new ReminderTick(reminderName, DateTime.UtcNow));
        await ticks.WriteStateAsync();
    }
}
