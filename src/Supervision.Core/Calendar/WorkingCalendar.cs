using System.Collections.Frozen;
using System.Text.Json;
using Supervision.Core.Reference;

namespace Supervision.Core.Calendar;

/// <summary>What kind of day a date is in the official calendar.</summary>
public enum DayKind
{
    /// <summary>An ordinary Monday–Friday.</summary>
    Workday,

    /// <summary>An ordinary Saturday or Sunday.</summary>
    Weekend,

    /// <summary>A day off set by the State Council notice (may fall on a weekday or a weekend).</summary>
    PublicHoliday,

    /// <summary>A Saturday or Sunday that the notice made a working day (调休上班).</summary>
    MakeUpWorkday,
}

/// <summary>
/// The PRC working-day calendar: weekends, public holidays and make-up working days.
/// <para>
/// Two sources, in this order: the <b>official</b> years, from the State Council's yearly notices — the versioned
/// reference file <c>calendar-cn.json</c> (embedded, replaceable by a file of that name in the reference-data override
/// directory) plus any one-year notice files <c>calendar-cn-YYYY.json</c> in that directory; and for every other year
/// from <see cref="StatutoryHolidays.FirstYear"/> to <see cref="StatutoryHolidays.LastYear"/> a <b>provisional</b> year
/// computed from the statutory holiday rules (<see cref="StatutoryHolidays"/>). A date in a provisional year is marked
/// so (<see cref="IsProvisional"/>): a deadline that reaches into one is shown as provisional and is recomputed when the
/// year's notice is loaded. Dates outside both throw <see cref="CalendarRangeException"/>.
/// </para>
/// <para>Counting convention — the start day never counts:
/// <list type="bullet">
/// <item><see cref="AddWorkingDays"/>(start, n), n &gt; 0, is the n-th working day after start
/// ("due 20 working days after the inspection ends" = AddWorkingDays(end, 20)); n = 0 returns start;
/// n &lt; 0 is the |n|-th working day before start.</item>
/// <item><see cref="WorkingDaysBetween"/>(a, b) counts the working days d with a &lt; d ≤ b (negated
/// when b &lt; a), so it is antisymmetric and additive, and WorkingDaysBetween(s, AddWorkingDays(s, n)) = n
/// for every n ≥ 0 (and for n &lt; 0 when s is itself a working day).</item>
/// </list></para>
/// Instances are immutable and thread-safe.
/// </summary>
public sealed class WorkingCalendar
{
    public const string FileName = "calendar-cn.json";

    /// <summary>A one-year notice file in the override directory: <c>calendar-cn-2027.json</c>.</summary>
    public const string NoticeFilePattern = "calendar-cn-????.json";

    private static readonly Lazy<WorkingCalendar> EmbeddedDefault = new(() => Load(null));

    private readonly FrozenDictionary<DateOnly, string> _holidays;
    private readonly FrozenDictionary<DateOnly, string> _makeUpDays;

    // _workingBefore[i] = number of working days in [First, First + i); length = days + 1.
    private readonly int[] _workingBefore;

    private WorkingCalendar(ReferenceFileVersion version, int firstYear, int lastYear, Dictionary<DateOnly, string> holidays, Dictionary<DateOnly, string> makeUp)
    {
        Version = version;
        OfficialFirstDate = new DateOnly(firstYear, 1, 1);
        OfficialLastDate = new DateOnly(lastYear, 12, 31);

        // Provisional years fill everything the statutory rules can compute around the official ones. An official
        // entry always wins: a notice's day off or make-up working day that spills into a neighbouring provisional
        // year stays as the notice set it.
        var all = new Dictionary<DateOnly, string>(holidays);
        var provisionalYears = Enumerable.Range(StatutoryHolidays.FirstYear, StatutoryHolidays.LastYear - StatutoryHolidays.FirstYear + 1)
            .Where(y => y < firstYear || y > lastYear)
            .ToList();
        foreach (var year in provisionalYears)
        {
            foreach (var day in StatutoryHolidays.DaysOff(year))
            {
                if (day.Date.Year == year && !makeUp.ContainsKey(day.Date))
                {
                    all.TryAdd(day.Date, day.Name);
                }
            }
        }

        _holidays = all.ToFrozenDictionary();
        _makeUpDays = makeUp.ToFrozenDictionary();
        FirstDate = provisionalYears.Count > 0 && provisionalYears[0] < firstYear ? new DateOnly(provisionalYears[0], 1, 1) : OfficialFirstDate;
        LastDate = provisionalYears.Count > 0 && provisionalYears[^1] > lastYear ? new DateOnly(provisionalYears[^1], 12, 31) : OfficialLastDate;
        var days = LastDate.DayNumber - FirstDate.DayNumber + 1;
        _workingBefore = new int[days + 1];
        for (var i = 0; i < days; i++)
        {
            _workingBefore[i + 1] = _workingBefore[i] + (IsWorkingUnchecked(FirstDate.AddDays(i)) ? 1 : 0);
        }
    }

    /// <summary>The calendar embedded in the assembly, loaded once.</summary>
    public static WorkingCalendar Default => EmbeddedDefault.Value;

    /// <summary>Version stamp of the official data ("embedded" or the override path as source; notice files named in the version).</summary>
    public ReferenceFileVersion Version { get; }

    /// <summary>1 January of the first year with an official notice.</summary>
    public DateOnly OfficialFirstDate { get; }

    /// <summary>31 December of the last year with an official notice. The health check warns well before this.</summary>
    public DateOnly OfficialLastDate { get; }

    /// <summary>The first date the calendar answers for (official or provisional).</summary>
    public DateOnly FirstDate { get; }

    /// <summary>The last date the calendar answers for (official or provisional).</summary>
    public DateOnly LastDate { get; }

    /// <summary>
    /// Loads <c>calendar-cn.json</c> from <paramref name="overrideDirectory"/> when present there, otherwise the
    /// embedded copy, and adds the one-year notice files (<see cref="NoticeFilePattern"/>) found in that directory.
    /// Throws <see cref="ReferenceDataException"/> naming the file when the data is malformed or inconsistent.
    /// </summary>
    public static WorkingCalendar Load(string? overrideDirectory)
    {
        var (bytes, source) = ReferenceData.ReadBytes(FileName, overrideDirectory);
        var notices = new List<(byte[] Json, string Source)>();
        if (overrideDirectory is not null && Directory.Exists(overrideDirectory))
        {
            foreach (var path in Directory.GetFiles(overrideDirectory, NoticeFilePattern).Order(StringComparer.Ordinal))
            {
                notices.Add((File.ReadAllBytes(path), Path.GetFullPath(path)));
            }
        }

        return Parse(bytes, source, notices);
    }

    /// <summary>Parses calendar JSON (the format of <c>calendar-cn.json</c>).</summary>
    public static WorkingCalendar Parse(ReadOnlySpan<byte> json, string source) => Parse(json, source, []);

    /// <summary>
    /// Parses calendar JSON and one-year notices: each notice is one entry of <c>years</c> (<c>year</c>,
    /// <c>holidays</c>, <c>workingDays</c>) as its own JSON object, and must continue the years without a gap.
    /// </summary>
    public static WorkingCalendar Parse(ReadOnlySpan<byte> json, string source, IReadOnlyList<(byte[] Json, string Source)> notices)
    {
        using var doc = ParseJson(json, FileName);
        var root = doc.RootElement;
        var version = Str(root, "version");
        var effective = Date(root, "effectiveDate");
        if (!root.TryGetProperty("years", out var yearsEl) || yearsEl.ValueKind != JsonValueKind.Array || yearsEl.GetArrayLength() == 0)
        {
            throw Bad("missing non-empty array property 'years'");
        }

        var holidays = new Dictionary<DateOnly, string>();
        var makeUp = new Dictionary<DateOnly, string>();
        var years = new List<int>();
        foreach (var y in yearsEl.EnumerateArray())
        {
            AddYear(y, years, holidays, makeUp, FileName);
        }

        var noticeNames = new List<string>();
        foreach (var (noticeJson, noticeSource) in notices)
        {
            var file = Path.GetFileName(noticeSource);
            using var notice = ParseJson(noticeJson, file);
            var year = AddYear(notice.RootElement, years, holidays, makeUp, file);
            noticeNames.Add($"{year} ({file})");
        }

        if (noticeNames.Count > 0)
        {
            version += " + notices " + string.Join(", ", noticeNames);
        }

        return new WorkingCalendar(new ReferenceFileVersion(FileName, version, effective, source), years[0], years[^1], holidays, makeUp);
    }

    private static JsonDocument ParseJson(ReadOnlySpan<byte> json, string file)
    {
        // Operators edit these files by hand; editors on Windows like to prepend a UTF-8 byte-order mark.
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        try
        {
            return JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ReferenceDataException(file, "not valid JSON: " + e.Message);
        }
    }

    /// <summary>Adds one year's notice (days off and make-up working days) after checking it; returns the year.</summary>
    private static int AddYear(JsonElement y, List<int> years, Dictionary<DateOnly, string> holidays, Dictionary<DateOnly, string> makeUp, string file)
    {
        ReferenceDataException Fail(string message) => new(file, message);
        if (y.ValueKind != JsonValueKind.Object || !y.TryGetProperty("year", out var yv) || !yv.TryGetInt32(out var year) || year is < 1950 or > 9998)
        {
            throw Fail("each year needs an integer 'year'");
        }

        if (years.Contains(year))
        {
            throw Fail($"the year {year} is given twice (the notice files and calendar-cn.json must not overlap)");
        }

        if (years.Count > 0 && year != years[^1] + 1)
        {
            throw Fail($"years must be listed in order without gaps; {year} follows {years[^1]}");
        }

        years.Add(year);
        foreach (var h in Arr(y, "holidays", year, file))
        {
            var name = Str(h, "name", file);
            var from = Date(h, "from", file);
            var to = Date(h, "to", file);
            if (to < from || to.DayNumber - from.DayNumber > 15)
            {
                throw Fail($"{year} holiday '{name}': range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is reversed or longer than 16 days");
            }

            if (Math.Abs(from.Year - year) > 1)
            {
                throw Fail($"{year} holiday '{name}' lies outside the neighbouring years");
            }

            for (var d = from; d <= to; d = d.AddDays(1))
            {
                if (!holidays.TryAdd(d, name))
                {
                    throw Fail($"{d:yyyy-MM-dd} is listed as a holiday twice");
                }
            }
        }

        foreach (var w in Arr(y, "workingDays", year, file))
        {
            var d = Date(w, "date", file);
            if (!IsWeekend(d))
            {
                throw Fail($"make-up working day {d:yyyy-MM-dd} is a {d.DayOfWeek}, not a weekend day");
            }

            if (Math.Abs(d.Year - year) > 1)
            {
                throw Fail($"{year} make-up working day {d:yyyy-MM-dd} lies outside the neighbouring years");
            }

            if (!makeUp.TryAdd(d, w.TryGetProperty("for", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : ""))
            {
                throw Fail($"make-up working day {d:yyyy-MM-dd} is listed twice");
            }
        }

        foreach (var d in makeUp.Keys)
        {
            if (holidays.ContainsKey(d))
            {
                throw Fail($"{d:yyyy-MM-dd} is listed both as a holiday and as a make-up working day");
            }
        }

        return year;
    }

    /// <summary>True when <paramref name="date"/> lies in a year without an official notice: its day kind comes from the statutory rules.</summary>
    public bool IsProvisional(DateOnly date) => date < OfficialFirstDate || date > OfficialLastDate;

    /// <summary>True when <paramref name="date"/> lies in a covered year.</summary>
    public bool Covers(DateOnly date) => date >= FirstDate && date <= LastDate;

    /// <summary>The kind of day; throws <see cref="CalendarRangeException"/> outside the covered years.</summary>
    public DayKind KindOf(DateOnly date)
    {
        EnsureCovered(date);
        if (_holidays.ContainsKey(date))
        {
            return DayKind.PublicHoliday;
        }

        if (_makeUpDays.ContainsKey(date))
        {
            return DayKind.MakeUpWorkday;
        }

        return IsWeekend(date) ? DayKind.Weekend : DayKind.Workday;
    }

    /// <summary>The holiday's Chinese name ("春节") when <paramref name="date"/> is a public holiday, else null.</summary>
    public string? HolidayName(DateOnly date)
    {
        EnsureCovered(date);
        return _holidays.TryGetValue(date, out var n) ? n : null;
    }

    /// <summary>True for an ordinary weekday that is not a holiday, and for a make-up working weekend day.</summary>
    public bool IsWorkingDay(DateOnly date)
    {
        EnsureCovered(date);
        return IsWorkingUnchecked(date);
    }

    /// <summary>
    /// The n-th working day after <paramref name="start"/> (start itself never counts, working or not).
    /// n = 0 returns start; n &lt; 0 walks backwards (the |n|-th working day before start).
    /// Throws <see cref="CalendarRangeException"/> when start or the result is outside the data.
    /// </summary>
    public DateOnly AddWorkingDays(DateOnly start, int n)
    {
        EnsureCovered(start);
        if (n == 0)
        {
            return start;
        }

        var i = start.DayNumber - FirstDate.DayNumber;
        if (n > 0)
        {
            // The smallest index j > i whose prefix count through j reaches count(through i) + n.
            var target = _workingBefore[i + 1] + n;
            if (target > _workingBefore[^1])
            {
                throw OutOfRange(start, $"{n} working days after {start:yyyy-MM-dd}");
            }

            var j = LowerBound(target); // first k with _workingBefore[k] >= target; day index k - 1
            return FirstDate.AddDays(j - 1);
        }
        else
        {
            // The largest index j < i with count of working days in [j, i) == |n|.
            var target = _workingBefore[i] - (-n); // need _workingBefore[j] == target and day j working
            if (target < 0)
            {
                throw OutOfRange(start, $"{-n} working days before {start:yyyy-MM-dd}");
            }

            var k = LowerBound(target + 1); // first k with _workingBefore[k] >= target + 1; day index k - 1 is that working day
            return FirstDate.AddDays(k - 1);
        }
    }

    /// <summary>
    /// Working days d with <paramref name="a"/> &lt; d ≤ <paramref name="b"/>; the negated count of
    /// b &lt; d ≤ a when b is before a. Zero when a == b.
    /// </summary>
    public int WorkingDaysBetween(DateOnly a, DateOnly b)
    {
        EnsureCovered(a);
        EnsureCovered(b);
        return _workingBefore[b.DayNumber - FirstDate.DayNumber + 1] - _workingBefore[a.DayNumber - FirstDate.DayNumber + 1];
    }

    /// <summary>The first working day strictly after <paramref name="date"/> (= AddWorkingDays(date, 1)).</summary>
    public DateOnly NextWorkingDay(DateOnly date) => AddWorkingDays(date, 1);

    /// <summary><paramref name="date"/> when it is a working day, otherwise the next working day.</summary>
    public DateOnly OnOrAfter(DateOnly date) => IsWorkingDay(date) ? date : NextWorkingDay(date);

    private static bool IsWeekend(DateOnly d) => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private bool IsWorkingUnchecked(DateOnly d) =>
        !_holidays.ContainsKey(d) && (_makeUpDays.ContainsKey(d) || !IsWeekend(d));

    private int LowerBound(int target)
    {
        int lo = 0, hi = _workingBefore.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_workingBefore[mid] >= target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private void EnsureCovered(DateOnly date)
    {
        if (!Covers(date))
        {
            throw OutOfRange(date, $"{date:yyyy-MM-dd}");
        }
    }

    private CalendarRangeException OutOfRange(DateOnly date, string what) => new(date, FirstDate, LastDate,
        $"The working-day calendar ({FileName} '{Version.Version}', {Version.Source}) covers {FirstDate:yyyy-MM-dd}..{LastDate:yyyy-MM-dd} " +
        $"(official notices {OfficialFirstDate:yyyy-MM-dd}..{OfficialLastDate:yyyy-MM-dd}, statutory rules for the other years); {what} falls outside it.");

    private static ReferenceDataException Bad(string message) => new(FileName, message);

    private static string Str(JsonElement e, string property, string file = FileName) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new ReferenceDataException(file, $"missing string property '{property}'");

    private static DateOnly Date(JsonElement e, string property, string file = FileName) =>
        DateOnly.TryParseExact(Str(e, property, file), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : throw new ReferenceDataException(file, $"'{property}' must be yyyy-MM-dd");

    private static IEnumerable<JsonElement> Arr(JsonElement e, string property, int year, string file) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().ToList()
            : throw new ReferenceDataException(file, $"{year}: missing array property '{property}'");
}

/// <summary>A date outside the years the working-day calendar has data for.</summary>
public sealed class CalendarRangeException : Exception
{
    public CalendarRangeException(DateOnly date, DateOnly first, DateOnly last, string message)
        : base(message)
    {
        Date = date;
        FirstCovered = first;
        LastCovered = last;
    }

    public DateOnly Date { get; }

    public DateOnly FirstCovered { get; }

    public DateOnly LastCovered { get; }
}
