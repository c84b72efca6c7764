using System.Globalization;

namespace Supervision.Core.Calendar;

/// <summary>One day off in a provisional year, with the festival it belongs to.</summary>
public readonly record struct StatutoryDayOff(DateOnly Date, string Name, bool InLieu);

/// <summary>
/// The public holidays a year would have by the statutory rules alone — what the platform uses for a year whose State
/// Council notice (the yearly 部分节假日安排) has not been loaded. The rules are those of 《全国年节及纪念日放假办法》:
/// <list type="bullet">
/// <item>from 2025 (revision of November 2024): 元旦 1 January; 春节 four days, the lunar New Year's Eve (除夕) and the
/// first three days of the first lunar month; 清明节 the day of the Qingming solar term; 劳动节 1 and 2 May; 端午节 the
/// fifth day of the fifth lunar month; 中秋节 the fifteenth day of the eighth lunar month; 国庆节 1–3 October
/// (13 days);</item>
/// <item>2008–2024 (revision of December 2007): the same with a three-day 春节 (first to third lunar day) and a one-day
/// 劳动节 (11 days);</item>
/// <item>article 6: a holiday of all citizens that falls on a Saturday or Sunday is made up on a working day — here
/// the first Monday–Friday after it that is not itself a day off.</item>
/// </list>
/// What the rules cannot predict is left out: the make-up working weekends (调休上班) and the bridging days a notice
/// adds around them. A provisional year is therefore a lower bound on the notice's days off: a deadline computed
/// with it is never later than the one the notice will give, except where a make-up weekend adds a working day.
/// Lunar dates come from <see cref="ChineseLunisolarCalendar"/>; the Qingming day from the Sun's apparent longitude
/// (<see cref="QingmingDate"/>).
/// </summary>
public static class StatutoryHolidays
{
    /// <summary>The first year the rules here describe (the 2007 revision took effect on 1 January 2008).</summary>
    public const int FirstYear = 2008;

    /// <summary>The last year <see cref="ChineseLunisolarCalendar"/> covers in full.</summary>
    public const int LastYear = 2100;

    /// <summary>The first year under the November 2024 revision (four-day Spring Festival, two-day Labour Day).</summary>
    public const int Revision2024FirstYear = 2025;

    private static readonly ChineseLunisolarCalendar Lunar = new();

    /// <summary>True for the years the rules here can compute.</summary>
    public static bool Supports(int year) => year is >= FirstYear and <= LastYear;

    /// <summary>
    /// The days off of <paramref name="year"/> by the statutory rules, in date order: the festival days, then for each
    /// one on a weekend a day in lieu. Days of a festival that spill into the neighbouring year (a New Year's Eve in
    /// January never does; the in-lieu day of 31 December can) are included with their festival's year.
    /// </summary>
    public static IReadOnlyList<StatutoryDayOff> DaysOff(int year)
    {
        if (!Supports(year))
        {
            throw new ArgumentOutOfRangeException(nameof(year), year, $"the statutory rules are computed for {FirstYear}–{LastYear}");
        }

        var revised = year >= Revision2024FirstYear;
        var days = new List<StatutoryDayOff>();
        void Add(DateOnly d, string name) => days.Add(new StatutoryDayOff(d, name, false));

        Add(new DateOnly(year, 1, 1), "元旦");
        var newYear = LunarDate(year, 1, 1);
        if (revised)
        {
            Add(newYear.AddDays(-1), "春节");
        }

        for (var i = 0; i < 3; i++)
        {
            Add(newYear.AddDays(i), "春节");
        }

        Add(QingmingDate(year), "清明节");
        Add(new DateOnly(year, 5, 1), "劳动节");
        if (revised)
        {
            Add(new DateOnly(year, 5, 2), "劳动节");
        }

        Add(LunarDate(year, 5, 5), "端午节");
        Add(LunarDate(year, 8, 15), "中秋节");
        for (var d = 1; d <= 3; d++)
        {
            Add(new DateOnly(year, 10, d), "国庆节");
        }

        // Mid-Autumn can fall inside the National Day days (e.g. 1 October 2020): one day off, not two.
        var festival = days.GroupBy(d => d.Date).Select(g => g.First()).OrderBy(d => d.Date).ToList();
        var taken = festival.Select(d => d.Date).ToHashSet();
        var inLieu = new List<StatutoryDayOff>();
        foreach (var day in festival.Where(d => IsWeekend(d.Date)))
        {
            var candidate = day.Date.AddDays(1);
            while (IsWeekend(candidate) || taken.Contains(candidate))
            {
                candidate = candidate.AddDays(1);
            }

            taken.Add(candidate);
            inLieu.Add(new StatutoryDayOff(candidate, day.Name, true));
        }

        return [.. festival.Concat(inLieu).OrderBy(d => d.Date)];
    }

    /// <summary>The Gregorian date of day <paramref name="day"/> of the (non-leap) lunar month <paramref name="month"/> in the lunar year that begins in <paramref name="year"/>.</summary>
    public static DateOnly LunarDate(int year, int month, int day)
    {
        // ChineseLunisolarCalendar numbers the months of a leap year 1–13: the leap month takes the number after the
        // month it repeats (GetLeapMonth returns that number), and every later month moves up by one.
        var leap = Lunar.GetLeapMonth(year);
        var index = leap != 0 && month >= leap ? month + 1 : month;
        return DateOnly.FromDateTime(Lunar.ToDateTime(year, index, day, 0, 0, 0, 0));
    }

    /// <summary>
    /// The Beijing-time date on which the Sun's apparent ecliptic longitude reaches 15° (the Qingming solar term).
    /// The longitude follows the low-precision solar theory in Meeus, <i>Astronomical Algorithms</i> (2nd ed.,
    /// chapter 25: geometric mean longitude, equation of centre, nutation and aberration), accurate to about 0.01°,
    /// i.e. about a quarter of an hour of the term's moment; ΔT (terrestrial minus universal time) follows the
    /// Espenak–Meeus polynomials. Between 2008 and 2100 the moment comes within half an hour of midnight in
    /// 2009, 2038, 2042 and 2071 only; the tests check every year against the published dates and the
    /// traditional formula.
    /// </summary>
    public static DateOnly QingmingDate(int year)
    {
        // Bisect the moment (as a Julian day, UT) between 30 March and 10 April, where the longitude rises through 15°.
        var lo = JulianDay(new DateOnly(year, 3, 30));
        var hi = JulianDay(new DateOnly(year, 4, 10));
        var deltaT = DeltaTSeconds(year) / 86400.0;
        for (var i = 0; i < 50; i++)
        {
            var mid = (lo + hi) / 2;
            var longitude = ApparentSolarLongitude(mid + deltaT);
            if (longitude is < 15 or > 300)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        // Julian days begin at noon UT; Beijing is UT+8.
        var beijing = hi + 0.5 + 8.0 / 24;
        return DateOnly.FromDayNumber((int)Math.Floor(beijing) - 1721426);
    }

    /// <summary>The Sun's apparent ecliptic longitude in degrees [0, 360) at Julian ephemeris day <paramref name="jde"/>.</summary>
    internal static double ApparentSolarLongitude(double jde)
    {
        var t = (jde - 2451545.0) / 36525;
        var meanLongitude = 280.46646 + (36000.76983 * t) + (0.0003032 * t * t);
        var meanAnomaly = Radians(357.52911 + (35999.05029 * t) - (0.0001537 * t * t));
        var centre = ((1.914602 - (0.004817 * t) - (0.000014 * t * t)) * Math.Sin(meanAnomaly))
            + ((0.019993 - (0.000101 * t)) * Math.Sin(2 * meanAnomaly))
            + (0.000289 * Math.Sin(3 * meanAnomaly));
        var node = Radians(125.04 - (1934.136 * t));
        var apparent = meanLongitude + centre - 0.00569 - (0.00478 * Math.Sin(node));
        return ((apparent % 360) + 360) % 360;
    }

    private static double DeltaTSeconds(int year)
    {
        double y = year;
        if (year < 2050)
        {
            var t = y - 2000;
            return 62.92 + (0.32217 * t) + (0.005589 * t * t);
        }

        var u = (y - 1820) / 100;
        return -20 + (32 * u * u) - (0.5628 * (2150 - y));
    }

    /// <summary>The Julian day number at 0h UT of <paramref name="date"/> (DayNumber 0 = 1 January 0001 = JD 1721425.5).</summary>
    private static double JulianDay(DateOnly date) => date.DayNumber + 1721425.5;

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static bool IsWeekend(DateOnly d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
}
