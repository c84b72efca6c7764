using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Draw;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>The real time, moved on by <see cref="Offset"/> (timers stay real): lets a beacon round fall due without waiting.</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>
/// The witnessed seed ceremony (draw-spec §3.3) as tests run it through the API: every task names a beacon round an hour
/// ahead; two witness accounts from outside every department commit, the lead's scheduler closes, both reveal, the
/// ceremony clock lets the round fall due, and the scheduler records its value.
/// </summary>
public static class Ceremonies
{
    /// <summary>The beacon a test task names: a round an hour from now.</summary>
    public static object Beacon(string round = "1") => new { source = "test beacon", round, expectedAt = DateTimeOffset.UtcNow.AddHours(1) };

    /// <summary>A witness's contribution as their browser makes it: the value, a fresh nonce and the commitment.</summary>
    public static (string Value, string Nonce, string Commitment) Contribution(string taskId, string value)
    {
        var nonce = WitnessCeremony.NewNonce();
        return (value, nonce, WitnessCeremony.Commitment(taskId, value, nonce));
    }

    /// <summary>Runs the whole ceremony of a frozen task on the platform <paramref name="scheduler"/> talks to.</summary>
    public static Task RunAsync(HttpClient scheduler, string taskId, string dice = "3 1 4 1 5 9", string beaconValue = "a1b2c3d4e5f6") =>
        RunAsync(ApiHost.Of(scheduler), scheduler, taskId, dice, beaconValue);

    /// <summary>Runs the whole ceremony of a frozen task; afterwards the entity draw can run.</summary>
    public static async Task RunAsync(ApiHost host, HttpClient scheduler, string taskId, string dice = "3 1 4 1 5 9", string beaconValue = "a1b2c3d4e5f6")
    {
        using var first = await host.UserAsync("witness-a", "witness");
        using var second = await host.UserAsync("witness-b", "witness");
        var contributions = new[] { (first, Contribution(taskId, dice)), (second, Contribution(taskId, dice + " 2 6")) };
        foreach (var (client, c) in contributions)
            await Expect(await client.PostAsJsonAsync($"/api/tasks/{taskId}/ceremony/commitments", new { commitment = c.Commitment }), HttpStatusCode.OK);
        await Expect(await scheduler.PostAsync($"/api/tasks/{taskId}/ceremony/close", null), HttpStatusCode.OK);
        foreach (var (client, c) in contributions)
            await Expect(await client.PostAsJsonAsync($"/api/tasks/{taskId}/ceremony/reveals", new { value = c.Value, nonce = c.Nonce }), HttpStatusCode.OK);
        await RecordBeaconAsync(host, scheduler, taskId, beaconValue);
    }

    /// <summary>Lets the task's beacon round fall due on the ceremony clock, records its value, and sets the clock back.</summary>
    public static async Task RecordBeaconAsync(ApiHost host, HttpClient scheduler, string taskId, string beaconValue = "a1b2c3d4e5f6")
    {
        var task = await Expect(await scheduler.GetAsync($"/api/tasks/{taskId}"), HttpStatusCode.OK);
        var due = task.GetProperty("ceremony").GetProperty("record").GetProperty("beacon").GetProperty("expectedAt").GetDateTimeOffset();
        await LetDueAsync(host, due, async () =>
            await Expect(await scheduler.PostAsJsonAsync($"/api/tasks/{taskId}/beacon", new { value = beaconValue }), HttpStatusCode.OK));
    }

    /// <summary>Runs <paramref name="action"/> with the ceremony clock past <paramref name="due"/>, then sets it back.</summary>
    public static async Task LetDueAsync(ApiHost host, DateTimeOffset due, Func<Task> action)
    {
        host.CeremonyTime.Offset = due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        try
        {
            await action();
        }
        finally
        {
            host.CeremonyTime.Offset = TimeSpan.Zero;
        }
    }

    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }
}
