namespace Supervision.Core.Calendar;

/// <summary>
/// Business time: what the workflow and the credit service take as "now" and "today" (visit times, approval dates,
/// deadlines, the instant scores are evaluated at). One clock for both, so that a deadline and a credit score agree on the
/// day. Its own type, apart from the <see cref="TimeProvider"/> that signs access tokens, so that a test can move the
/// business date (past a due date, years of event decay) without expiring every token.
/// </summary>
public sealed class WorkflowClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The Beijing date of <see cref="Now"/>.</summary>
    public DateOnly Today => ChinaTime.DateOf(Now);
}
