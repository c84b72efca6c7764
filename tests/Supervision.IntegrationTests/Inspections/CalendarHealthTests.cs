using System.Net;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>Operators learn ahead of time that the working-day calendar needs next year's data.</summary>
public sealed class CalendarHealthTests
{
    [Fact]
    public async Task Readiness_is_degraded_before_the_calendar_data_ends_and_unhealthy_after()
    {
        await using var platform = await StartAsync(seed: false);
        using var client = platform.Host.Anonymous();

        var healthy = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal("Healthy", await healthy.Content.ReadAsStringAsync());

        // The shipped data ends on 2026-12-31: six weeks before, still ready but degraded.
        platform.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero));
        var degraded = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        Assert.Equal("Degraded", await degraded.Content.ReadAsStringAsync());

        platform.Clock.SetUtcNow(new DateTimeOffset(2027, 1, 4, 2, 0, 0, TimeSpan.Zero));
        var unhealthy = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.Equal("Unhealthy", await unhealthy.Content.ReadAsStringAsync());
    }
}
