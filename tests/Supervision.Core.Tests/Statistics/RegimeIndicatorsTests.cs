using Supervision.Core.Statistics;

namespace Supervision.Core.Tests.Statistics;

public sealed class RegimeIndicatorsTests
{
    [Fact]
    public void Rates_are_shares_of_their_counts_and_a_rate_over_nothing_is_no_rate()
    {
        var r = Indicators.Regime(2026, published: 8, publishedOnTime: 6, approvedOverdue: 2, inspections: 40, jointInspections: 10);
        Assert.Equal((0.75, 0.25), (r.OnTimeRate, r.JointShare));
        var none = Indicators.Regime(2026, 0, 0, 0, 0, 0);
        Assert.Null(none.OnTimeRate);
        Assert.Null(none.JointShare);
        Assert.Null(none.ObjectionsUpheldShare);
        var objections = Indicators.Regime(2026, 0, 0, 0, 0, 0, objectionsDecided: 4, objectionsUpheld: 1);
        Assert.Equal((4L, 1L, 0.25), (objections.ObjectionsDecided, objections.ObjectionsUpheld, objections.ObjectionsUpheldShare));
    }

    [Fact]
    public void Counts_that_cannot_be_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Indicators.Regime(2026, 2, 3, 0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indicators.Regime(2026, 2, 1, 0, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indicators.Regime(2026, 2, 1, -1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indicators.Regime(2026, 2, 1, 0, 1, 0, objectionsDecided: 1, objectionsUpheld: 2));
    }
}
