namespace Supervision.Core.Calendar;

/// <summary>
/// The platform's civil dates are Beijing dates (UTC+08:00, no daylight saving). Instants are kept as
/// <see cref="DateTimeOffset"/>; whenever a rule needs "the day" (visit date, approval date, deadline
/// start) it takes the Beijing date of the instant, whatever offset the instant was recorded with.
/// </summary>
public static class ChinaTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(Offset).DateTime);

    /// <summary>The instant (UTC) at which <paramref name="date"/> begins in Beijing.</summary>
    public static DateTimeOffset StartOf(DateOnly date) => new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), Offset).ToUniversalTime();
}
