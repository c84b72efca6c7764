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
/// The PRC working-day calendar: weekends, public holidays and make-up working days, loaded from
/// the versioned reference file <c>calendar-cn.json</c> (embedded, replaceable by a file of the same
/// name in the reference-data override directory).
/// <para>
/// Coverage is explicit: the calendar knows the contiguous range of years listed in the file and
/// throws <see cref="CalendarRangeException"/> for any date outside it. It never falls back to
/// "weekends only", because a deadline computed that way would silently be wrong by up to a week.
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

    private static readonly Lazy<WorkingCalendar> EmbeddedDefault = new(() => Load(null));

    private readonly FrozenDictionary<DateOnly, string> _holidays;
    private readonly FrozenDictionary<DateOnly, string> _makeUpDays;

    // _workingBefore[i] = number of working days in [First, First + i); length = days + 1.
    private readonly int[] _workingBefore;

    private WorkingCalendar(ReferenceFileVersion version, int firstYear, int lastYear, Dictionary<DateOnly, string> holidays, Dictionary<DateOnly, string> makeUp)
    {
        Version = version;
        FirstDate = new DateOnly(firstYear, 1, 1);
        LastDate = new DateOnly(lastYear, 12, 31);
        _holidays = holidays.ToFrozenDictionary();
        _makeUpDays = makeUp.ToFrozenDictionary();
        var days = LastDate.DayNumber - FirstDate.DayNumber + 1;
        _workingBefore = new int[days + 1];
        for (var i = 0; i < days; i++)
        {
            _workingBefore[i + 1] = _workingBefore[i] + (IsWorkingUnchecked(FirstDate.AddDays(i)) ? 1 : 0);
        }
    }

    /// <summary>The calendar embedded in the assembly, loaded once.</summary>
    public static WorkingCalendar Default => EmbeddedDefault.Value;

    /// <summary>Version stamp of the loaded file ("embedded" or the override path as source).</summary>
    public ReferenceFileVersion Version { get; }

    /// <summary>1 January of the first covered year.</summary>
    public DateOnly FirstDate { get; }

    /// <summary>31 December of the last covered year. A health check should warn well before this.</summary>
    public DateOnly LastDate { get; }

    /// <summary>
    /// Loads <c>calendar-cn.json</c> from <paramref name="overrideDirectory"/> when present there,
    /// otherwise the embedded copy. Throws <see cref="ReferenceDataException"/> naming the file when
    /// the data is malformed or inconsistent.
    /// </summary>
    public static WorkingCalendar Load(string? overrideDirectory)
    {
        var (bytes, source) = ReferenceData.ReadBytes(FileName, overrideDirectory);
        return Parse(bytes, source);
    }

    /// <summary>Parses calendar JSON (the format of <c>calendar-cn.json</c>).</summary>
    public static WorkingCalendar Parse(ReadOnlySpan<byte> json, string source)
    {
        // Operators edit this file by hand; editors on Windows like to prepend a UTF-8 byte-order mark.
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw Bad("not valid JSON: " + e.Message);
        }

        using (doc)
        {
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
                if (!y.TryGetProperty("year", out var yv) || !yv.TryGetInt32(out var year) || year is < 1950 or > 9998)
                {
                    throw Bad("each entry of 'years' needs an integer 'year'");
                }

                if (years.Count > 0 && year != years[^1] + 1)
                {
                    throw Bad($"years must be listed in order without gaps; {year} follows {years[^1]}");
                }

                years.Add(year);
                foreach (var h in Arr(y, "holidays", year))
                {
                    var name = Str(h, "name");
                    var from = Date(h, "from");
                    var to = Date(h, "to");
                    if (to < from || to.DayNumber - from.DayNumber > 15)
                    {
                        throw Bad($"{year} holiday '{name}': range {from:yyyy-MM-dd}..{to:yyyy-MM-dd} is reversed or longer than 16 days");
                    }

                    if (Math.Abs(from.Year - year) > 1)
                    {
                        throw Bad($"{year} holiday '{name}' lies outside the neighbouring years");
                    }

                    for (var d = from; d <= to; d = d.AddDays(1))
                    {
                        if (!holidays.TryAdd(d, name))
                        {
                            throw Bad($"{d:yyyy-MM-dd} is listed as a holiday twice");
                        }
                    }
                }

                foreach (var w in Arr(y, "workingDays", year))
                {
                    var d = Date(w, "date");
                    if (!IsWeekend(d))
                    {
                        throw Bad($"make-up working day {d:yyyy-MM-dd} is a {d.DayOfWeek}, not a weekend day");
                    }

                    if (Math.Abs(d.Year - year) > 1)
                    {
                        throw Bad($"{year} make-up working day {d:yyyy-MM-dd} lies outside the neighbouring years");
                    }

                    if (!makeUp.TryAdd(d, w.TryGetProperty("for", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : ""))
                    {
                        throw Bad($"make-up working day {d:yyyy-MM-dd} is listed twice");
                    }
                }
            }

            foreach (var d in makeUp.Keys)
            {
                if (holidays.ContainsKey(d))
                {
                    throw Bad($"{d:yyyy-MM-dd} is listed both as a holiday and as a make-up working day");
                }
            }

            return new WorkingCalendar(new ReferenceFileVersion(FileName, version, effective, source), years[0], years[^1], holidays, makeUp);
        }
    }

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
        $"The working-day calendar ({FileName} '{Version.Version}', {Version.Source}) covers {FirstDate:yyyy-MM-dd}..{LastDate:yyyy-MM-dd}; " +
        $"{what} falls outside it. Add the State Council holiday arrangement for the missing year to {FileName} in the reference-data override directory.");

    private static ReferenceDataException Bad(string message) => new(FileName, message);

    private static string Str(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw Bad($"missing string property '{property}'");

    private static DateOnly Date(JsonElement e, string property) =>
        DateOnly.TryParseExact(Str(e, property), "yyyy-MM-dd", out var d) ? d : throw Bad($"'{property}' must be yyyy-MM-dd");

    private static IEnumerable<JsonElement> Arr(JsonElement e, string property, int year) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().ToList()
            : throw Bad($"{year}: missing array property '{property}'");
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
