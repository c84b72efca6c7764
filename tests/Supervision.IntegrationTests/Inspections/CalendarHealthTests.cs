using System.Net;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>Operators learn ahead of time that the working-day calendar needs next year's notice; nothing stops without it.</summary>
public sealed class CalendarHealthTests
{
    [Fact]
    public async Task Readiness_is_degraded_before_the_official_notices_end_and_stays_ready_on_the_provisional_calendar()
    {
        await using var platform = await StartAsync(seed: false);
        using var client = platform.Host.Anonymous();

        var healthy = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());

        // The shipped notices end on 2026-12-31: six weeks before, still ready but degraded.
        platform.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero));
        var degraded = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        Assert.Equal("Degraded", await degraded.Content.ReadAsStringAsync());

        // In 2027 without its notice: still ready (deadlines are provisional), still degraded so that monitoring nags.
        platform.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 4, 2, 0, 0, TimeSpan.Zero));
        var provisional = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, provisional.StatusCode);
        Assert.Equal("Degraded", await provisional.Content.ReadAsStringAsync());
    }
}
