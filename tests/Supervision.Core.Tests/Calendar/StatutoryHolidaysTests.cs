using Supervision.Core.Calendar;

namespace Supervision.Core.Tests.Calendar;

public class StatutoryHolidaysTests
{
    private static DateOnly D(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd");

    // Published Qingming dates (the day of the solar term, Beijing time).
    [Theory]
    [InlineData(2015, "2015-04-05")]
    [InlineData(2016, "2016-04-04")]
    [InlineData(2017, "2017-04-04")]
    [InlineData(2018, "2018-04-05")]
    [InlineData(2019, "2019-04-05")]
    [InlineData(2020, "2020-04-04")]
    [InlineData(2021, "2021-04-04")]
    [InlineData(2022, "2022-04-05")]
    [InlineData(2023, "2023-04-05")]
    [InlineData(2024, "2024-04-04")]
    [InlineData(2025, "2025-04-04")]
    [InlineData(2026, "2026-04-05")]
    [InlineData(2027, "2027-04-05")]
    [InlineData(2028, "2028-04-04")]
    public void Qingming_falls_on_the_published_day(int year, string expected) =>
        Assert.Equal(D(expected), StatutoryHolidays.QingmingDate(year));

    [Fact]
    public void Qingming_agrees_with_the_traditional_formula_through_2099()
    {
        // The almanac formula for the 21st century: day of April = floor(Y·0.2422 + 4.81) − floor(Y / 4), Y = year − 2000.
        for (var year = StatutoryHolidays.FirstYear; year <= 2099; year++)
        {
            var y = year - 2000;
            var day = (int)Math.Floor((y * 0.2422) + 4.81) - (y / 4);
            Assert.Equal(new DateOnly(year, 4, day), StatutoryHolidays.QingmingDate(year));
        }
    }

    [Theory]
    [InlineData(2025, 1, 1, "2025-01-29")] // Spring Festival
    [InlineData(2026, 1, 1, "2026-02-17")]
    [InlineData(2027, 1, 1, "2027-02-06")]
    [InlineData(2028, 1, 1, "2028-01-26")]
    [InlineData(2025, 5, 5, "2025-05-31")] // Dragon Boat: 2025 has a leap sixth month, after it
    [InlineData(2027, 5, 5, "2027-06-09")]
    [InlineData(2025, 8, 15, "2025-10-06")] // Mid-Autumn, after the leap month
    [InlineData(2020, 8, 15, "2020-10-01")] // 2020 had a leap fourth month, before it
    [InlineData(2027, 8, 15, "2027-09-15")]
    public void Lunar_dates_skip_the_leap_month(int year, int month, int day, string expected) =>
        Assert.Equal(D(expected), StatutoryHolidays.LunarDate(year, month, day));

    [Theory]
    [InlineData(2024)]
    [InlineData(2025)]
    [InlineData(2026)]
    public void Every_statutory_day_is_a_day_off_in_the_official_notices(int year)
    {
        var official = WorkingCalendar.Default;
        var festival = StatutoryHolidays.DaysOff(year).Where(d => !d.InLieu).ToList();
        Assert.Equal(year >= 2025 ? 13 : 11, festival.Count);
        foreach (var day in festival)
        {
            Assert.Equal(DayKind.PublicHoliday, official.KindOf(day.Date));
            Assert.Contains(day.Name, official.HolidayName(day.Date), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_2027_provisional_year_makes_up_weekend_festival_days_on_the_next_working_days()
    {
        var days = StatutoryHolidays.DaysOff(2027);
        var festival = days.Where(d => !d.InLieu).Select(d => d.Date).ToList();
        Assert.Equal(
            [D("2027-01-01"), D("2027-02-05"), D("2027-02-06"), D("2027-02-07"), D("2027-02-08"), D("2027-04-05"), D("2027-05-01"), D("2027-05-02"),
             D("2027-06-09"), D("2027-09-15"), D("2027-10-01"), D("2027-10-02"), D("2027-10-03")],
            festival);

        // Sat 6 and Sun 7 February → Tue 9 and Wed 10 (Mon 8 is itself a festival day); Sat 1 and Sun 2 May → Mon 3 and
        // Tue 4; Sat 2 and Sun 3 October → Mon 4 and Tue 5.
        var inLieu = days.Where(d => d.InLieu).ToList();
        Assert.Equal([D("2027-02-09"), D("2027-02-10"), D("2027-05-03"), D("2027-05-04"), D("2027-10-04"), D("2027-10-05")], inLieu.Select(d => d.Date));
        Assert.Equal(["春节", "春节", "劳动节", "劳动节", "国庆节", "国庆节"], inLieu.Select(d => d.Name));

        var cal = WorkingCalendar.Default;
        Assert.All(days, d => Assert.Equal(DayKind.PublicHoliday, cal.KindOf(d.Date)));
        Assert.Equal(DayKind.Workday, cal.KindOf(D("2027-02-11")));
        Assert.Equal(DayKind.Weekend, cal.KindOf(D("2027-02-13"))); // no make-up weekends are guessed
        Assert.Equal(19, days.Count);
    }

    [Fact]
    public void Mid_autumn_on_national_day_counts_once()
    {
        // 2020: Mid-Autumn fell on 1 October.
        var days = StatutoryHolidays.DaysOff(2020).Where(d => !d.InLieu).ToList();
        Assert.Equal(10, days.Count);
        Assert.Single(days, d => d.Date == D("2020-10-01"));
    }

    [Fact]
    public void Years_outside_the_rules_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StatutoryHolidays.DaysOff(2007));
        Assert.Throws<ArgumentOutOfRangeException>(() => StatutoryHolidays.DaysOff(2101));
    }
}
