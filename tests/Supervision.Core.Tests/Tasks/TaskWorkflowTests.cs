using CsCheck;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

/// <summary>The task's state machine (docs/draw-service.md, "State machine"), property-tested like InspectionWorkflow.</summary>
public sealed class TaskWorkflowTests
{
    private static readonly string[] Actions =
    [
        "edit", "publish", "cancel", "freeze", "commit", "close", "reveal", "beacon", "entropy", "draw-entities",
        "draw-inspectors", "request-cancel", "approve-cancel", "replace-inspector", "dispatch", "unknown",
    ];

    private static int Order(string state) => TaskWorkflow.States.ToList().IndexOf(state);

    [Fact]
    public void Any_sequence_of_actions_keeps_a_task_in_a_known_state_moving_only_forward_and_cancelled_ends_it()
    {
        Gen.Int[0, Actions.Length - 1].Array[1, 40].Sample(steps =>
        {
            var state = TaskWorkflow.Draft;
            foreach (var i in steps)
            {
                var action = Actions[i];
                var next = TaskWorkflow.Next(state, action);
                Assert.Equal(next is not null, TaskWorkflow.AllowedActions(state).Contains(action));
                if (next is null) continue;
                Assert.Contains(next, TaskWorkflow.States);
                // Forward only: a task never returns to an earlier state, and nothing leaves cancelled.
                Assert.True(next == TaskWorkflow.Cancelled || Order(next) >= Order(state), $"{state} --{action}--> {next}");
                Assert.NotEqual(TaskWorkflow.Cancelled, state);
                state = next;
            }
        });
    }

    [Fact]
    public void Every_state_is_reachable_and_the_draws_run_once_each_in_their_own_state()
    {
        var reached = new HashSet<string> { TaskWorkflow.Draft };
        var frontier = new Queue<string>(reached);
        while (frontier.TryDequeue(out var s))
            foreach (var a in TaskWorkflow.AllowedActions(s))
                if (reached.Add(TaskWorkflow.Next(s, a)!)) frontier.Enqueue(TaskWorkflow.Next(s, a)!);
        Assert.Equal(TaskWorkflow.States.Order(), reached.Order());
        foreach (var (action, only) in new[] { ("freeze", TaskWorkflow.Published), ("draw-entities", TaskWorkflow.Frozen), ("draw-inspectors", TaskWorkflow.EntitiesDrawn) })
            Assert.Equal([only], TaskWorkflow.States.Where(s => TaskWorkflow.Allows(s, action)));
    }

    [Fact]
    public void Once_the_draw_has_begun_no_one_person_cancels_the_task_and_its_seed_inputs_close_with_the_entity_draw()
    {
        foreach (var s in new[] { TaskWorkflow.Frozen, TaskWorkflow.EntitiesDrawn, TaskWorkflow.InspectorsDrawn })
            Assert.False(TaskWorkflow.Allows(s, "cancel"), s);
        Assert.Equal(TaskWorkflow.Cancelled, TaskWorkflow.Next(TaskWorkflow.EntitiesDrawn, "approve-cancel"));
        Assert.Null(TaskWorkflow.Next(TaskWorkflow.InspectorsDrawn, "approve-cancel"));
        foreach (var input in new[] { "commit", "close", "reveal", "beacon", "entropy" })
            Assert.Equal([TaskWorkflow.Frozen], TaskWorkflow.States.Where(s => TaskWorkflow.Allows(s, input)));
        Assert.Throws<InvalidOperationException>(() => TaskWorkflow.After(TaskWorkflow.Cancelled, "publish"));
        Assert.Empty(TaskWorkflow.AllowedActions("no such state"));
    }
}
