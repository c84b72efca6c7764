using CsCheck;
using Supervision.Core.Operations;

namespace Supervision.Core.Tests.Operations;

public sealed class OperationWorkflowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);

    private static Operation Accepted() => OperationWorkflow.Accept("op-1", OperationKinds.DrawEntities, "T1", "D1", "sched", T0);

    [Fact]
    public void An_accepted_operation_is_running_queued_and_claimable_at_once()
    {
        var o = Accepted();
        Assert.Equal(OperationStates.Running, o.State);
        Assert.Equal("queued", o.Progress?.Phase);
        Assert.Equal(0, o.Attempts);
        Assert.True(OperationWorkflow.IsClaimable(o, T0));
    }

    [Fact]
    public void Unknown_kinds_are_refused()
    {
        Assert.Throws<ArgumentException>(() => OperationWorkflow.Accept("op", "reboot", "T1", "D1", "sched", T0));
    }

    [Fact]
    public void A_live_lease_keeps_other_runners_out_until_it_runs_out()
    {
        var claimed = OperationWorkflow.Claim(Accepted(), "silo-a", T0, Lease);
        Assert.True(claimed.Ok);
        Assert.Equal(1, claimed.Operation.Attempts);
        Assert.Equal(T0 + Lease, claimed.Operation.LeaseUntil);

        Assert.Equal(OperationRefusal.Leased, OperationWorkflow.Claim(claimed.Operation, "silo-b", T0 + Lease - TimeSpan.FromTicks(1), Lease).Refusal);
        var taken = OperationWorkflow.Claim(claimed.Operation, "silo-b", T0 + Lease, Lease);
        Assert.True(taken.Ok);
        Assert.Equal("silo-b", taken.Operation.LeaseOwner);
        Assert.Equal(2, taken.Operation.Attempts);
        Assert.Equal("attempt 2", taken.Operation.Progress?.Note);
    }

    [Fact]
    public void A_runner_whose_lease_was_taken_over_can_neither_renew_nor_record_an_outcome()
    {
        var a = OperationWorkflow.Claim(Accepted(), "silo-a", T0, Lease).Operation;
        var b = OperationWorkflow.Claim(a, "silo-b", T0 + Lease, Lease).Operation;
        Assert.Equal(OperationRefusal.LeaseLost, OperationWorkflow.Renew(b, "silo-a", T0 + Lease, Lease).Refusal);
        Assert.Equal(OperationRefusal.LeaseLost, OperationWorkflow.Succeed(b, "silo-a", "{}", T0 + Lease).Refusal);
        Assert.Equal(OperationRefusal.LeaseLost, OperationWorkflow.Fail(b, "silo-a", new(409, "x", null), T0 + Lease).Refusal);
        Assert.True(OperationWorkflow.Succeed(b, "silo-b", "{}", T0 + Lease).Ok);
    }

    [Fact]
    public void Renewing_moves_the_lease_forward_for_its_owner()
    {
        var a = OperationWorkflow.Claim(Accepted(), "silo-a", T0, Lease).Operation;
        var renewed = OperationWorkflow.Renew(a, "silo-a", T0 + TimeSpan.FromSeconds(2), Lease);
        Assert.True(renewed.Ok);
        Assert.Equal(T0 + TimeSpan.FromSeconds(8), renewed.Operation.LeaseUntil);
        Assert.False(OperationWorkflow.IsClaimable(renewed.Operation, T0 + Lease));
    }

    [Fact]
    public void An_ended_operation_refuses_every_further_step()
    {
        var a = OperationWorkflow.Claim(Accepted(), "silo-a", T0, Lease).Operation;
        var done = OperationWorkflow.Succeed(a, "silo-a", "{\"task\":\"T1\"}", T0 + TimeSpan.FromSeconds(1)).Operation;
        Assert.Equal(OperationStates.Succeeded, done.State);
        Assert.Equal(T0 + TimeSpan.FromSeconds(1), done.CompletedAt);
        Assert.Null(done.LeaseOwner);
        Assert.False(OperationWorkflow.IsClaimable(done, T0 + TimeSpan.FromHours(1)));
        Assert.Equal(OperationRefusal.Finished, OperationWorkflow.Claim(done, "silo-b", T0 + TimeSpan.FromHours(1), Lease).Refusal);
        Assert.Equal(OperationRefusal.Finished, OperationWorkflow.Report(done, new("scan", 1, 2), T0).Refusal);
        Assert.Equal(OperationRefusal.Finished, OperationWorkflow.Fail(done, "silo-a", new(500, "x", null), T0).Refusal);
    }

    [Fact]
    public void A_transient_failure_keeps_the_operation_running_and_releases_the_lease_for_the_next_attempt()
    {
        var a = OperationWorkflow.Claim(Accepted(), "silo-a", T0, Lease).Operation;
        for (var i = 0; i < OperationWorkflow.MaxAttempts + 3; i++)
        {
            var stumbled = OperationWorkflow.Stumble(a, "silo-a", transient: true, new(503, "Temporarily unavailable", "db down"), T0);
            Assert.True(stumbled.Ok);
            Assert.Equal(OperationStates.Running, stumbled.Operation.State);
            Assert.Equal("retrying", stumbled.Operation.Progress?.Phase);
            Assert.True(OperationWorkflow.IsClaimable(stumbled.Operation, T0));
            a = OperationWorkflow.Claim(stumbled.Operation, "silo-a", T0, Lease).Operation;
        }
    }

    [Fact]
    public void Unexpected_errors_end_the_operation_as_failed_on_the_last_allowed_attempt()
    {
        var a = Accepted();
        for (var attempt = 1; attempt <= OperationWorkflow.MaxAttempts; attempt++)
        {
            a = OperationWorkflow.Claim(a, "silo-a", T0, Lease).Operation;
            var stumbled = OperationWorkflow.Stumble(a, "silo-a", transient: false, new(500, "Internal error", "boom"), T0);
            Assert.True(stumbled.Ok);
            Assert.Equal(attempt == OperationWorkflow.MaxAttempts ? OperationStates.Failed : OperationStates.Running, stumbled.Operation.State);
            a = stumbled.Operation;
        }

        Assert.Equal(500, a.Problem?.Status);
    }

    [Fact]
    public void Transient_failures_do_not_use_up_the_unexpected_errors_an_operation_may_meet()
    {
        var a = Accepted();
        for (var i = 0; i < 10; i++)
        {
            a = OperationWorkflow.Claim(a, "silo-a", T0, Lease).Operation;
            a = OperationWorkflow.Stumble(a, "silo-a", transient: true, new(503, "t", null), T0).Operation;
        }

        for (var i = 1; i < OperationWorkflow.MaxAttempts; i++)
        {
            a = OperationWorkflow.Claim(a, "silo-a", T0, Lease).Operation;
            a = OperationWorkflow.Stumble(a, "silo-a", transient: false, new(500, "Internal error", "boom"), T0).Operation;
            Assert.Equal(OperationStates.Running, a.State);
        }

        a = OperationWorkflow.Claim(a, "silo-a", T0, Lease).Operation;
        a = OperationWorkflow.Stumble(a, "silo-a", transient: false, new(500, "Internal error", "boom"), T0).Operation;
        Assert.Equal(OperationStates.Failed, a.State);
        Assert.Equal((10 + OperationWorkflow.MaxAttempts, OperationWorkflow.MaxAttempts), (a.Attempts, a.Failures));
    }

    [Fact]
    public void Every_step_that_changes_the_operation_raises_its_version()
    {
        var steps = Gen.Int[0, 3].Array[1, 20];
        steps.Sample(choices =>
        {
            var o = Accepted();
            var now = T0;
            foreach (var choice in choices)
            {
                now += TimeSpan.FromSeconds(7);
                var step = choice switch
                {
                    0 => OperationWorkflow.Claim(o, "silo-a", now, Lease),
                    1 => OperationWorkflow.Renew(o, "silo-a", now, Lease),
                    2 => OperationWorkflow.Report(o, new("scan", 1, 4), now),
                    _ => OperationWorkflow.Stumble(o, "silo-a", transient: true, new(503, "t", null), now),
                };
                if (step.Ok) Assert.Equal(o.Version + 1, step.Operation.Version);
                else Assert.Same(o, step.Operation);
                o = step.Operation;
            }
        });
    }
}
