using System.Text;
using CsCheck;
using Supervision.Core.Calendar;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Calendar;

public class WorkingCalendarTests
{
    private static readonly WorkingCalendar Cal = WorkingCalendar.Default;

    private static DateOnly D(string s) => DateOnly.ParseExact(s, "yyyy-MM-dd");

    [Fact]
    public void Embedded_file_is_versioned_and_its_official_notices_cover_2024_to_2026()
    {
        Assert.Equal(WorkingCalendar.FileName, Cal.Version.File);
        Assert.Equal("embedded", Cal.Version.Source);
        Assert.StartsWith("calendar-cn", Cal.Version.Version);
        Assert.Equal(D("2024-01-01"), Cal.OfficialFirstDate);
        Assert.Equal(D("2026-12-31"), Cal.OfficialLastDate);
        // The statutory rules cover every other year the lunisolar calendar can compute.
        Assert.Equal(D("2008-01-01"), Cal.FirstDate);
        Assert.Equal(D("2100-12-31"), Cal.LastDate);
        Assert.Contains("provisional", ReferenceData_EmbeddedSource(), StringComparison.Ordinal);
    }

    private static string ReferenceData_EmbeddedSource()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(ReferenceData.EmbeddedText(WorkingCalendar.FileName));
        return doc.RootElement.GetProperty("source").GetString()!;
    }

    // 2025 is the first year under the revised holiday rules: Spring Festival starts on New Year's Eve
    // (8 days, 28 Jan – 4 Feb), Sunday 26 Jan and Saturday 8 Feb are working days; Labour Day 1–5 May
    // with only Sunday 27 Apr worked; National Day and Mid-Autumn merged, 1–8 Oct.
    [Theory]
    [InlineData("2025-01-01", DayKind.PublicHoliday)]
    [InlineData("2025-01-02", DayKind.Workday)]
    [InlineData("2025-01-25", DayKind.Weekend)]
    [InlineData("2025-01-26", DayKind.MakeUpWorkday)] // Sunday
    [InlineData("2025-01-27", DayKind.Workday)]
    [InlineData("2025-01-28", DayKind.PublicHoliday)] // 除夕, Tuesday
    [InlineData("2025-02-01", DayKind.PublicHoliday)] // Saturday inside the holiday
    [InlineData("2025-02-04", DayKind.PublicHoliday)]
    [InlineData("2025-02-05", DayKind.Workday)]
    [InlineData("2025-02-08", DayKind.MakeUpWorkday)] // Saturday
    [InlineData("2025-02-09", DayKind.Weekend)]
    [InlineData("2025-04-04", DayKind.PublicHoliday)]
    [InlineData("2025-04-27", DayKind.MakeUpWorkday)] // Sunday
    [InlineData("2025-05-02", DayKind.PublicHoliday)]
    [InlineData("2025-05-05", DayKind.PublicHoliday)] // Monday
    [InlineData("2025-05-10", DayKind.Weekend)]       // no second make-up day any more
    [InlineData("2025-06-02", DayKind.PublicHoliday)]
    [InlineData("2025-09-28", DayKind.MakeUpWorkday)]
    [InlineData("2025-10-08", DayKind.PublicHoliday)]
    [InlineData("2025-10-09", DayKind.Workday)]
    [InlineData("2025-10-11", DayKind.MakeUpWorkday)]
    public void Official_2025_arrangement(string date, DayKind kind)
    {
        Assert.Equal(kind, Cal.KindOf(D(date)));
        Assert.Equal(kind is DayKind.Workday or DayKind.MakeUpWorkday, Cal.IsWorkingDay(D(date)));
    }

    [Fact]
    public void Official_2025_totals()
    {
        var days = Enumerable.Range(0, 365).Select(i => D("2025-01-01").AddDays(i)).ToList();
        Assert.Equal(28, days.Count(d => Cal.KindOf(d) == DayKind.PublicHoliday));
        Assert.Equal(5, days.Count(d => Cal.KindOf(d) == DayKind.MakeUpWorkday));
        // 261 weekdays in 2025, minus the 18 holidays on weekdays (1 + 6 + 1 + 3 + 1 + 6), plus 5 make-up days.
        Assert.Equal(248, days.Count(Cal.IsWorkingDay));
        Assert.Equal("春节", Cal.HolidayName(D("2025-01-31")));
        Assert.Null(Cal.HolidayName(D("2025-01-26")));
    }

    [Theory]
    [InlineData("2024-02-04", true)]  // Sunday worked before Spring Festival
    [InlineData("2024-02-09", true)]  // 除夕 was still a working day in 2024
    [InlineData("2024-02-10", false)]
    [InlineData("2024-02-18", true)]  // Sunday worked after
    [InlineData("2024-05-11", true)]  // Saturday worked
    [InlineData("2024-10-12", true)]
    [InlineData("2026-01-04", true)]  // Sunday worked after New Year 2026
    [InlineData("2026-02-14", true)]
    [InlineData("2026-02-23", false)] // last of the 9 days
    [InlineData("2026-02-28", true)]
    [InlineData("2026-10-07", false)]
    [InlineData("2026-10-08", true)]
    public void Official_2024_and_2026_samples(string date, bool working) => Assert.Equal(working, Cal.IsWorkingDay(D(date)));

    [Fact]
    public void Deadline_across_Spring_Festival_2025()
    {
        // Inspection ends Friday 24 Jan 2025; 20 working days: 26(Sun),27 Jan, 5,6,7,8(Sat) Feb,
        // 10–14, 17–21, 24–27 Feb → Thursday 27 Feb.
        Assert.Equal(D("2025-02-27"), Cal.AddWorkingDays(D("2025-01-24"), 20));
        Assert.Equal(D("2025-02-26"), Cal.AddWorkingDays(D("2025-01-24"), 19));
        Assert.Equal(D("2025-01-26"), Cal.NextWorkingDay(D("2025-01-24")));
        Assert.Equal(D("2025-02-05"), Cal.NextWorkingDay(D("2025-01-27")));
        Assert.Equal(20, Cal.WorkingDaysBetween(D("2025-01-24"), D("2025-02-27")));
        Assert.Equal(-20, Cal.WorkingDaysBetween(D("2025-02-27"), D("2025-01-24")));
        Assert.Equal(D("2025-01-24"), Cal.AddWorkingDays(D("2025-02-27"), -20));
    }

    [Fact]
    public void Start_day_never_counts()
    {
        // Monday 6 Jan 2025: the first working day after it is Tuesday.
        Assert.Equal(D("2025-01-07"), Cal.AddWorkingDays(D("2025-01-06"), 1));
        // From a holiday: the first working day after the holiday.
        Assert.Equal(D("2025-10-09"), Cal.AddWorkingDays(D("2025-10-01"), 1));
        Assert.Equal(D("2025-10-01"), Cal.AddWorkingDays(D("2025-10-01"), 0));
        Assert.Equal(D("2025-10-09"), Cal.OnOrAfter(D("2025-10-01")));
        Assert.Equal(D("2025-10-09"), Cal.OnOrAfter(D("2025-10-09")));
        Assert.Equal(0, Cal.WorkingDaysBetween(D("2025-10-01"), D("2025-10-08")));
    }

    [Fact]
    public void Years_without_a_notice_are_provisional_and_never_refused()
    {
        Assert.False(Cal.IsProvisional(D("2026-12-31")));
        Assert.True(Cal.IsProvisional(D("2027-01-01")));
        Assert.True(Cal.IsProvisional(D("2023-12-31")));

        // A deadline across the 2026/2027 turn: 20 working days after Tuesday 15 December 2026. 1 January 2027
        // (元旦, a Friday) is a day off by statute; the weekends count as usual.
        Assert.Equal(D("2027-01-13"), Cal.AddWorkingDays(D("2026-12-15"), 20));
        Assert.Equal(DayKind.PublicHoliday, Cal.KindOf(D("2027-01-01")));
        Assert.Equal("元旦", Cal.HolidayName(D("2027-01-01")));
        Assert.Equal(19, Cal.WorkingDaysBetween(D("2026-12-15"), D("2027-01-12")));
        // Backwards into 2023 as well (1 January 2024 is the notice's holiday; December 2023 has none).
        Assert.Equal(D("2023-12-12"), Cal.AddWorkingDays(D("2024-01-10"), -20));
    }

    [Fact]
    public void Dates_beyond_the_statutory_rules_throw_with_a_clear_message()
    {
        var e = Assert.Throws<CalendarRangeException>(() => Cal.IsWorkingDay(D("2101-01-04")));
        Assert.Contains("2008-01-01..2100-12-31", e.Message, StringComparison.Ordinal);
        Assert.Contains("official notices 2024-01-01..2026-12-31", e.Message, StringComparison.Ordinal);
        Assert.Equal(D("2100-12-31"), e.LastCovered);
        Assert.Throws<CalendarRangeException>(() => Cal.IsWorkingDay(D("2007-12-31")));
        Assert.Throws<CalendarRangeException>(() => Cal.AddWorkingDays(D("2100-12-15"), 20));
    }

    [Fact]
    public void A_notice_file_beside_the_calendar_turns_a_provisional_year_official()
    {
        var dir = Directory.CreateTempSubdirectory("calendar-");
        try
        {
            // A made-up 2027 notice: the statutory New Year's Day plus a bridging Saturday worked.
            File.WriteAllText(Path.Combine(dir.FullName, "calendar-cn-2027.json"), """
                { "year": 2027,
                  "holidays": [ { "name": "元旦", "from": "2027-01-01", "to": "2027-01-03" },
                                { "name": "春节", "from": "2027-02-05", "to": "2027-02-13" } ],
                  "workingDays": [ { "date": "2027-02-14", "for": "春节" } ] }
                """, Encoding.UTF8);
            var cal = WorkingCalendar.Load(dir.FullName);
            Assert.Equal(D("2027-12-31"), cal.OfficialLastDate);
            Assert.False(cal.IsProvisional(D("2027-06-01")));
            Assert.True(cal.IsProvisional(D("2028-01-01")));
            Assert.Contains("notices 2027 (calendar-cn-2027.json)", cal.Version.Version, StringComparison.Ordinal);
            Assert.Equal(DayKind.MakeUpWorkday, cal.KindOf(D("2027-02-14")));
            Assert.Equal(DayKind.PublicHoliday, cal.KindOf(D("2027-02-12")));
            // The statutory-only Qingming of 2027 (5 April) is not in this made-up notice: the notice wins.
            Assert.Equal(DayKind.Workday, cal.KindOf(D("2027-04-05")));
            Assert.Equal(DayKind.PublicHoliday, Cal.KindOf(D("2027-04-05")));

            // A notice that leaves a gap, or repeats a year, is refused naming its file.
            File.WriteAllText(Path.Combine(dir.FullName, "calendar-cn-2029.json"), """{ "year": 2029, "holidays": [], "workingDays": [] }""");
            var gap = Assert.Throws<ReferenceDataException>(() => WorkingCalendar.Load(dir.FullName));
            Assert.Equal("calendar-cn-2029.json", gap.File);
            Assert.Contains("gaps", gap.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "calendar-cn-2029.json"), """{ "year": 2026, "holidays": [], "workingDays": [] }""");
            Assert.Contains("twice", Assert.Throws<ReferenceDataException>(() => WorkingCalendar.Load(dir.FullName)).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Override_directory_replaces_the_embedded_file()
    {
        var dir = Directory.CreateTempSubdirectory("calendar-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, WorkingCalendar.FileName), """
                { "version": "test 2027", "effectiveDate": "2027-01-01", "source": "test",
                  "years": [ { "year": 2027,
                    "holidays": [ { "name": "元旦", "from": "2027-01-01", "to": "2027-01-03" } ],
                    "workingDays": [ { "date": "2027-01-09" } ] } ] }
                """, Encoding.UTF8);
            var cal = WorkingCalendar.Load(dir.FullName);
            Assert.Equal("test 2027", cal.Version.Version);
            Assert.EndsWith(WorkingCalendar.FileName, cal.Version.Source, StringComparison.Ordinal);
            Assert.True(cal.IsWorkingDay(D("2027-01-09"))); // a Saturday
            Assert.False(cal.IsWorkingDay(D("2027-01-01")));
            Assert.True(cal.IsProvisional(D("2026-06-01")));
            Assert.False(cal.IsProvisional(D("2027-06-01")));
            Assert.Equal("embedded", WorkingCalendar.Load(Path.Combine(dir.FullName, "missing")).Version.Source);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [InlineData("""{ "version": "x", "effectiveDate": "2025-01-01", "years": [] }""", "years")]
    [InlineData("""{ "version": "x", "effectiveDate": "2025-01-01", "years": [ { "year": 2025, "holidays": [], "workingDays": [ { "date": "2025-01-27" } ] } ] }""", "not a weekend")]
    [InlineData("""{ "version": "x", "effectiveDate": "2025-01-01", "years": [ { "year": 2025, "holidays": [ { "name": "a", "from": "2025-02-08", "to": "2025-02-08" } ], "workingDays": [ { "date": "2025-02-08" } ] } ] }""", "both")]
    [InlineData("""{ "version": "x", "effectiveDate": "2025-01-01", "years": [ { "year": 2024, "holidays": [], "workingDays": [] }, { "year": 2026, "holidays": [], "workingDays": [] } ] }""", "gaps")]
    [InlineData("""{ "version": "x", "effectiveDate": "2025-01-01", "years": [ { "year": 2025, "holidays": [ { "name": "a", "from": "2025-02-08", "to": "2025-02-01" } ], "workingDays": [] } ] }""", "reversed")]
    [InlineData("""{ "effectiveDate": "2025-01-01", "years": [] }""", "version")]
    [InlineData("""not json""", "JSON")]
    public void Malformed_files_are_refused_naming_the_file(string json, string expected)
    {
        var e = Assert.Throws<ReferenceDataException>(() => WorkingCalendar.Parse(Encoding.UTF8.GetBytes(json), "test"));
        Assert.Equal(WorkingCalendar.FileName, e.File);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static readonly Gen<DateOnly> CoveredDate =
        Gen.Int[0, Cal.LastDate.DayNumber - Cal.FirstDate.DayNumber].Select(i => Cal.FirstDate.AddDays(i));

    private static readonly Gen<DateOnly> MidDate = // leaves room for ±150 working days either way
        Gen.Int[250, Cal.LastDate.DayNumber - Cal.FirstDate.DayNumber - 250].Select(i => Cal.FirstDate.AddDays(i));

    [Fact]
    public void Add_then_between_round_trips_forwards_from_any_day() =>
        Gen.Select(MidDate, Gen.Int[0, 150]).Sample((s, n) => Cal.WorkingDaysBetween(s, Cal.AddWorkingDays(s, n)) == n);

    [Fact]
    public void Add_then_between_round_trips_backwards_from_working_days() =>
        Gen.Select(MidDate, Gen.Int[1, 150]).Where((s, _) => Cal.IsWorkingDay(s))
            .Sample((s, n) => Cal.WorkingDaysBetween(s, Cal.AddWorkingDays(s, -n)) == -n && Cal.AddWorkingDays(Cal.AddWorkingDays(s, -n), n) == s);

    [Fact]
    public void Result_of_a_positive_add_is_a_working_day_after_start_with_exactly_n_working_days_in_between() =>
        Gen.Select(MidDate, Gen.Int[1, 60]).Sample((s, n) =>
        {
            var t = Cal.AddWorkingDays(s, n);
            var naive = 0;
            for (var d = s.AddDays(1); d <= t; d = d.AddDays(1))
            {
                naive += Cal.IsWorkingDay(d) ? 1 : 0;
            }

            return t > s && Cal.IsWorkingDay(t) && naive == n;
        });

    [Fact]
    public void Add_is_monotonic_in_start_and_in_n() =>
        Gen.Select(MidDate, MidDate, Gen.Int[-100, 100], Gen.Int[-100, 100]).Sample((a, b, m, n) =>
        {
            var (s1, s2) = a <= b ? (a, b) : (b, a);
            var (n1, n2) = m <= n ? (m, n) : (n, m);
            return Cal.AddWorkingDays(s1, n1) <= Cal.AddWorkingDays(s2, n1)
                && Cal.AddWorkingDays(s1, n1) <= Cal.AddWorkingDays(s1, n2)
                && (n1 == n2 || Cal.AddWorkingDays(s1, n1) < Cal.AddWorkingDays(s1, n2));
        });

    [Fact]
    public void Between_is_antisymmetric_and_additive() =>
        Gen.Select(CoveredDate, CoveredDate, CoveredDate).Sample((a, b, c) =>
            Cal.WorkingDaysBetween(a, b) == -Cal.WorkingDaysBetween(b, a)
            && Cal.WorkingDaysBetween(a, b) + Cal.WorkingDaysBetween(b, c) == Cal.WorkingDaysBetween(a, c));
}
