using System.Collections.Frozen;
using System.Text;

namespace Supervision.Core.Reference;

/// <summary>
/// What a typed place named: the listed divisions (none nested in another), or, when it named none, a few divisions whose
/// names come close, to offer instead.
/// </summary>
public sealed record PlaceMatch(string Input, IReadOnlyList<DivisionEntry> Divisions, IReadOnlyList<DivisionEntry> Suggestions)
{
    public bool Found => Divisions.Count > 0;

    /// <summary>The division-code prefixes a search filters on (any of them): 2, 4 or 6 digits.</summary>
    public IReadOnlyList<string> Prefixes => Divisions.Select(d => d.Prefix).ToList();
}

/// <summary>A GB/T 4754 section or division an industry in words named.</summary>
public sealed record IndustryName(string Code, string Name, IReadOnlyList<string> Prefixes);

/// <summary>What a typed industry named: sections and divisions (with the two-digit prefixes they cover), or nothing.</summary>
public sealed record IndustryMatch(string Input, IReadOnlyList<IndustryName> Industries)
{
    public bool Found => Industries.Count > 0;

    /// <summary>The two-digit industry-division prefixes a search filters on (any of them).</summary>
    public IReadOnlyList<string> Prefixes => Industries.SelectMany(i => i.Prefixes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// Division and industry names as the public types them, looked up in the reference data. A place is a division's name
/// ("大连市", "中山区"), its name without the administrative suffix ("大连", "内蒙古"; kept only when two characters or more
/// remain), a chain of them from any listed ancestor down ("辽宁大连", "大连市中山区", "辽宁省 大连市 中山区"), or the
/// English name where divisions.json has one ("Dalian", "Dalian, Liaoning", "Liaoning Dalian", "Inner Mongolia
/// Autonomous Region"). Full-width characters, spaces and separators are ignored, English case too. A name that fits
/// several divisions (铁西区 is in Shenyang and Anshan) names all of them; a division under another one named is dropped
/// (抚顺 names 抚顺市, which holds 抚顺县). Every name is an exact key of a table built once from the reference data, so a
/// lookup never scans.
/// </summary>
public sealed class PlaceNames
{
    /// <summary>The administrative suffixes stripped to form a short name, longest first.</summary>
    private static readonly string[] Suffixes =
        ["特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "蒙古族自治县", "满族自治县", "自治县", "新区", "省", "市", "区", "县"];

    /// <summary>English words that say what kind of place it is, not which one.</summary>
    private static readonly FrozenSet<string> EnglishFiller = new[]
    {
        "province", "city", "municipality", "prefecture", "district", "county", "autonomous", "region", "special", "administrative",
        "sar", "shi", "sheng", "china", "prc", "of", "the",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly ReferenceData _reference;
    private readonly FrozenDictionary<string, string[]> _byName;

    public PlaceNames(ReferenceData reference)
    {
        _reference = reference;
        var byName = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Add(string key, string code)
        {
            if (key.Length == 0) return;
            if (!byName.TryGetValue(key, out var codes)) byName[key] = codes = new SortedSet<string>(StringComparer.Ordinal);
            codes.Add(code);
        }

        foreach (var d in reference.Divisions)
        {
            var ancestors = new[] { d.ProvinceCode, d.PrefectureCode }.Distinct().Where(c => c != d.Code)
                .Select(reference.Division).OfType<DivisionEntry>().ToList();
            // Every chain of listed ancestors (each kept or skipped) ending at the division, in each spelling.
            for (var mask = 0; mask < 1 << ancestors.Count; mask++)
            {
                var chain = ancestors.Where((_, i) => (mask & (1 << i)) != 0).Append(d).ToList();
                foreach (var text in Spellings(chain, ChineseNames))
                    Add(text, d.Code);
                if (chain.All(c => c.English is not null))
                {
                    Add(string.Concat(chain.Select(c => EnglishKey(c.English!))), d.Code);
                    Add(string.Concat(Enumerable.Reverse(chain).Select(c => EnglishKey(c.English!))), d.Code);
                }
            }
        }

        _byName = byName.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The division's name and its short name (the name without its suffix, when two or more characters remain).</summary>
    public static IReadOnlyList<string> ChineseNames(DivisionEntry d)
    {
        foreach (var suffix in Suffixes)
        {
            if (d.Name.EndsWith(suffix, StringComparison.Ordinal) && d.Name.Length - suffix.Length >= 2)
                return [d.Name, d.Name[..^suffix.Length]];
        }

        return [d.Name];
    }

    private static IEnumerable<string> Spellings(IReadOnlyList<DivisionEntry> chain, Func<DivisionEntry, IReadOnlyList<string>> names)
    {
        IEnumerable<string> texts = [""];
        foreach (var c in chain)
        {
            var options = names(c);
            texts = texts.SelectMany(t => options.Select(o => t + o)).ToList();
        }

        return texts;
    }

    /// <summary>Chinese text as a key: full-width ASCII folded, spaces and separators removed.</summary>
    public static string ChineseKey(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var raw in text)
        {
            var c = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw;
            if (char.IsWhiteSpace(c) || c is ',' or '，' or '、' or '/' or '-' or '·' or '.' or '。' or ';' or '；') continue;
            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    /// <summary>English text as a key: the words in lower case without filler ("Dalian City" → "dalian").</summary>
    public static string EnglishKey(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var raw in text + " ")
        {
            var c = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw;
            if (char.IsAsciiLetter(c))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }

            if (c == '\'' || c == '’') continue; // Xi'an
            if (word.Length > 0 && !EnglishFiller.Contains(word.ToString())) words.Add(word.ToString());
            word.Clear();
        }

        return string.Concat(words);
    }

    public PlaceMatch Resolve(string? text)
    {
        var input = text?.Trim() ?? "";
        if (input.Length == 0) return new PlaceMatch(input, [], []);
        var key = ChineseKey(input);
        if (!_byName.TryGetValue(key, out var codes))
        {
            // English only when the text is plain ASCII (after folding full-width): "Dalian", "Dalian, Liaoning".
            if (key.All(char.IsAscii) && EnglishKey(input) is { Length: > 0 } english) _byName.TryGetValue(english, out codes);
        }

        // A listed six-digit code typed into the place box is taken as that division.
        if (codes is null && key.Length == 6 && _reference.Division(key) is { } byCode) codes = [byCode.Code];
        if (codes is null) return new PlaceMatch(input, [], Suggest(key));

        var found = codes.Select(c => _reference.Division(c)!).OrderBy(d => d.Code, StringComparer.Ordinal).ToList();
        var outermost = found.Where(d => !found.Any(o => o != d && d.Code.StartsWith(o.Prefix, StringComparison.Ordinal))).ToList();
        return new PlaceMatch(input, outermost, []);
    }

    /// <summary>Up to six divisions whose name contains what was typed, or whose short name the typed text contains.</summary>
    private IReadOnlyList<DivisionEntry> Suggest(string key)
    {
        if (key.Length == 0) return [];
        var english = EnglishKey(key);
        return _reference.Divisions
            .Where(d => d.Name.Contains(key, StringComparison.Ordinal)
                        || ChineseNames(d).Any(n => n.Length >= 2 && key.Contains(n, StringComparison.Ordinal))
                        || (english.Length >= 3 && d.English is { } e && (EnglishKey(e).Contains(english, StringComparison.Ordinal) || english.Contains(EnglishKey(e), StringComparison.Ordinal))))
            .OrderBy(d => d.Level).ThenBy(d => d.Code, StringComparer.Ordinal)
            .Take(6).ToList();
    }

    /// <summary>
    /// An industry in words: a GB/T 4754 division or section named exactly ("餐饮业", "批发和零售业"), or else the
    /// divisions whose names contain the text ("餐饮", "零售"; two characters at least), or else the sections whose names
    /// do. A section stands for all its divisions.
    /// </summary>
    public IndustryMatch ResolveIndustry(string? text)
    {
        var input = text?.Trim() ?? "";
        var key = ChineseKey(input);
        if (key.Length == 0) return new IndustryMatch(input, []);
        IndustryName Section(IndustrySectionEntry s) =>
            new(s.Code, s.Name, _reference.IndustryDivisions.Where(d => d.Section == s.Code).Select(d => d.Code).ToList());
        IndustryName Division(IndustryDivisionEntry d) => new(d.Code, d.Name, [d.Code]);

        var exact = _reference.IndustryDivisions.Where(d => ChineseKey(d.Name) == key).Select(Division)
            .Concat(_reference.IndustrySections.Where(s => ChineseKey(s.Name) == key).Select(Section)).ToList();
        if (exact.Count > 0 || key.Length < 2) return new IndustryMatch(input, exact);
        var divisions = _reference.IndustryDivisions.Where(d => ChineseKey(d.Name).Contains(key, StringComparison.Ordinal)).Select(Division).ToList();
        if (divisions.Count > 0) return new IndustryMatch(input, divisions);
        return new IndustryMatch(input, _reference.IndustrySections.Where(s => ChineseKey(s.Name).Contains(key, StringComparison.Ordinal)).Select(Section).ToList());
    }
}
