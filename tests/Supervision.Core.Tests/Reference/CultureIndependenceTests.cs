using System.Globalization;
using Supervision.Core.Calendar;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Reference;

/// <summary>
/// Dates in the reference data and the calendar read the same whatever the process's culture: under a culture whose
/// calendar is not the Gregorian one (Thai: Buddhist era), "yyyy-MM-dd" read with the current culture is 543 years off.
/// </summary>
public sealed class CultureIndependenceTests
{
    private static T Under<T>(string culture, Func<T> read)
    {
        var (before, beforeUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            return read();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (before, beforeUi);
        }
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("ar-SA")]
    [InlineData("zh-CN")]
    public void Reference_data_dates_read_the_same_under_any_culture(string culture)
    {
        var invariant = ReferenceData.Load(null).Versions.Select(v => v.EffectiveDate).ToList();
        var there = Under(culture, () => ReferenceData.Load(null).Versions.Select(v => v.EffectiveDate).ToList());
        Assert.Equal(invariant, there);
        Assert.All(there, d => Assert.InRange(d.Year, 2000, 2100));
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("ar-SA")]
    public void The_working_calendar_reads_the_same_under_any_culture(string culture)
    {
        var invariant = WorkingCalendar.Load(null);
        var there = Under(culture, () => WorkingCalendar.Load(null));
        Assert.Equal(invariant.FirstDate, there.FirstDate);
        Assert.Equal(invariant.LastDate, there.LastDate);
        Assert.Equal(invariant.AddWorkingDays(new DateOnly(2026, 9, 30), 10), there.AddWorkingDays(new DateOnly(2026, 9, 30), 10));
    }
}
