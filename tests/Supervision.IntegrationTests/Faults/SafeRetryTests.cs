using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;
using Supervision.Contracts;
using Supervision.Grains.Hosting;

namespace Supervision.IntegrationTests.Faults;

/// <summary>A grain that fails its first calls as a dying silo would, counting every attempt that reached it.</summary>
[Alias("Supervision.IntegrationTests.Faults.IFlakyGrain")]
public interface IFlakyGrain : IGrainWithStringKey
{
    /// <summary>Fails the first <paramref name="failures"/> attempts with <paramref name="kind"/>; then answers the attempt number.</summary>
    [Alias("Read"), SafeToRetry]
    Task<int> Read(int failures, string kind);

    /// <summary>The same, not marked: sent once.</summary>
    [Alias("Write")]
    Task<int> Write(int failures, string kind);

    /// <summary>The same, marked, returning nothing.</summary>
    [Alias("Touch"), SafeToRetry]
    Task Touch(int failures, string kind);
}

public sealed class FlakyGrain : Grain, IFlakyGrain
{
    public static readonly ConcurrentDictionary<string, int> Attempts = new();

    public Task<int> Read(int failures, string kind) => Attempt(failures, kind);

    public Task<int> Write(int failures, string kind) => Attempt(failures, kind);

    public Task Touch(int failures, string kind) => Attempt(failures, kind);

    private Task<int> Attempt(int failures, string kind)
    {
        var attempt = Attempts.AddOrUpdate(this.GetPrimaryKeyString(), 1, (_, n) => n + 1);
        if (attempt <= failures)
        {
            throw kind switch
            {
                "transient" => new SiloUnavailableException("the silo is gone (test)"),
                "timeout" => new TimeoutException("no answer in time (test)"),
                _ => new InvalidOperationException("a bug (test)"),
            };
        }

        return Task.FromResult(attempt);
    }
}

/// <summary>The retry of [SafeToRetry] grain calls (SafeRetryFilter) as the API, an Orleans client, meets it.</summary>
public sealed class SafeRetryTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Tuned>();
        builder.AddClientBuilderConfigurator<Tuned>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string Key() => Guid.NewGuid().ToString("N");

    private IFlakyGrain Grain(string key) => _cluster.Client.GetGrain<IFlakyGrain>(key);

    [Fact]
    public async Task A_safe_call_that_fails_transiently_is_sent_again_until_it_answers()
    {
        var key = Key();
        Assert.Equal(3, await Grain(key).Read(2, "transient"));
        Assert.Equal(3, FlakyGrain.Attempts[key]);
    }

    [Fact]
    public async Task A_safe_call_without_a_result_is_retried_too()
    {
        var key = Key();
        await Grain(key).Touch(1, "transient");
        Assert.Equal(2, FlakyGrain.Attempts[key]);
    }

    [Fact]
    public async Task A_call_not_marked_safe_is_sent_once()
    {
        var key = Key();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => Grain(key).Write(1, "transient"));
        Assert.Equal(1, FlakyGrain.Attempts[key]);
    }

    [Fact]
    public async Task A_bug_or_a_timeout_is_not_retried()
    {
        var bug = Key();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Grain(bug).Read(1, "bug"));
        Assert.Equal(1, FlakyGrain.Attempts[bug]);
        var slow = Key();
        await Assert.ThrowsAsync<TimeoutException>(() => Grain(slow).Read(1, "timeout"));
        Assert.Equal(1, FlakyGrain.Attempts[slow]);
    }

    [Fact]
    public async Task Retries_stop_within_the_budget_and_the_transient_failure_reaches_the_caller()
    {
        var key = Key();
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => Grain(key).Read(int.MaxValue, "transient"));
        // Budget 1 s in this cluster: pauses 100, 200, 400 ms, then no attempt fits. The attempts are counted, not timed: the
        // pauses did happen (a busy machine only adds to them), and the count says the retries stopped.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(600), $"the retries did not pause: {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.InRange(FlakyGrain.Attempts[key], 3, 5);
    }

    private sealed class Tuned : ISiloConfigurator, IClientBuilderConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSupervisionSerialization();
            siloBuilder.UseClusterTuning();
            siloBuilder.Services.Configure<SafeRetryOptions>(o => o.Budget = TimeSpan.FromSeconds(1));
        }

        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.Services.AddSupervisionSerialization();
            clientBuilder.UseClusterTuning();
            clientBuilder.Services.Configure<SafeRetryOptions>(o => o.Budget = TimeSpan.FromSeconds(1));
        }
    }
}
