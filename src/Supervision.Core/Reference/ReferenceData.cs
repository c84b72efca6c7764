using System.Collections.Frozen;
using System.Text.Json;

namespace Supervision.Core.Reference;

/// <summary>
/// Versioned reference tables (divisions, industries, entity types, statuses, result codes, credit
/// classes). The tables ship as embedded JSON resources; <see cref="Load"/> lets any file be
/// replaced by a file of the same name in an override directory, so the tables can be updated
/// without a rebuild. Instances are immutable and thread-safe.
/// </summary>
public sealed class ReferenceData
{
    public const string DivisionsFile = "divisions.json";
    public const string IndustriesFile = "industries.json";
    public const string EntityTypesFile = "entity-types.json";
    public const string EntityStatusesFile = "entity-statuses.json";
    public const string ResultCodesFile = "result-codes.json";
    public const string CreditClassesFile = "credit-classes.json";

    public static readonly IReadOnlyList<string> FileNames =
        [DivisionsFile, IndustriesFile, EntityTypesFile, EntityStatusesFile, ResultCodesFile, CreditClassesFile];

    private static readonly Lazy<ReferenceData> EmbeddedDefault = new(() => Load(null));

    private readonly FrozenDictionary<string, DivisionEntry> _divisions;
    private readonly FrozenSet<string> _completeProvinces;
    private readonly FrozenDictionary<string, IndustrySectionEntry> _sections;
    private readonly FrozenDictionary<string, IndustryDivisionEntry> _industryDivisions;
    private readonly FrozenDictionary<string, EntityTypeEntry> _entityTypes;
    private readonly FrozenDictionary<string, EntityStatusEntry> _statuses;
    private readonly FrozenDictionary<string, EntityStatusEntry> _statusByAlias;
    private readonly FrozenDictionary<string, ResultCodeEntry> _resultCodes;
    private readonly FrozenDictionary<string, CreditClassEntry> _creditClasses;
    private readonly Lazy<PlaceNames> _placeNames;

    private ReferenceData(
        IReadOnlyList<ReferenceFileVersion> versions,
        IReadOnlyList<DivisionEntry> divisions,
        IReadOnlyList<string> completeProvinces,
        IReadOnlyList<IndustrySectionEntry> sections,
        IReadOnlyList<IndustryDivisionEntry> industryDivisions,
        IReadOnlyList<EntityTypeEntry> entityTypes,
        IReadOnlyList<EntityStatusEntry> statuses,
        IReadOnlyList<ResultCodeEntry> resultCodes,
        IReadOnlyList<CreditClassEntry> creditClasses,
        string defaultCreditClass)
    {
        Versions = versions;
        Divisions = divisions;
        IndustrySections = sections;
        IndustryDivisions = industryDivisions;
        EntityTypes = entityTypes;
        EntityStatuses = statuses;
        ResultCodes = resultCodes;
        CreditClasses = creditClasses;
        DefaultCreditClass = defaultCreditClass;
        _divisions = Unique(divisions, d => d.Code, DivisionsFile);
        _completeProvinces = completeProvinces.ToFrozenSet(StringComparer.Ordinal);
        _sections = Unique(sections, s => s.Code, IndustriesFile);
        _industryDivisions = Unique(industryDivisions, d => d.Code, IndustriesFile);
        _entityTypes = Unique(entityTypes, t => t.Code, EntityTypesFile);
        _statuses = Unique(statuses, s => s.Code, EntityStatusesFile);
        var byAlias = new Dictionary<string, EntityStatusEntry>(StringComparer.Ordinal);
        foreach (var s in statuses)
        {
            byAlias[s.Code] = s;
            byAlias.TryAdd(s.Name, s);
            foreach (var a in s.Aliases)
            {
                byAlias.TryAdd(a, s);
            }
        }

        _statusByAlias = byAlias.ToFrozenDictionary(StringComparer.Ordinal);
        _resultCodes = Unique(resultCodes, r => r.Code, ResultCodesFile);
        _creditClasses = Unique(creditClasses, c => c.Code, CreditClassesFile);
        _placeNames = new Lazy<PlaceNames>(() => new PlaceNames(this));
        foreach (var d in industryDivisions)
        {
            if (!_sections.ContainsKey(d.Section))
            {
                throw new ReferenceDataException(IndustriesFile, $"division {d.Code} names unknown section '{d.Section}'");
            }
        }

        if (!_creditClasses.ContainsKey(defaultCreditClass))
        {
            throw new ReferenceDataException(CreditClassesFile, $"default class '{defaultCreditClass}' is not in the table");
        }

        // A class code is a draw stratum, written into the population snapshot that verifiers hash byte for byte (so that
        // file is never neutralised for spreadsheets): it must be a code that no spreadsheet takes for a formula.
        foreach (var c in creditClasses)
        {
            if (!Draw.DrawPrimitives.IsValidStratum(c.Code) || !char.IsAsciiLetterOrDigit(c.Code[0]))
            {
                throw new ReferenceDataException(CreditClassesFile, $"class code '{c.Code}' must be 1–16 characters of A–Z, a–z, 0–9, '_' or '-', starting with a letter or digit");
            }
        }
    }

    /// <summary>The tables embedded in the assembly, loaded once.</summary>
    public static ReferenceData Default => EmbeddedDefault.Value;

    /// <summary>Version stamp of every table, in <see cref="FileNames"/> order.</summary>
    public IReadOnlyList<ReferenceFileVersion> Versions { get; }

    public IReadOnlyList<DivisionEntry> Divisions { get; }

    public IReadOnlyList<IndustrySectionEntry> IndustrySections { get; }

    public IReadOnlyList<IndustryDivisionEntry> IndustryDivisions { get; }

    public IReadOnlyList<EntityTypeEntry> EntityTypes { get; }

    public IReadOnlyList<EntityStatusEntry> EntityStatuses { get; }

    public IReadOnlyList<ResultCodeEntry> ResultCodes { get; }

    public IReadOnlyList<CreditClassEntry> CreditClasses { get; }

    /// <summary>The class an entity has when none is recorded (B).</summary>
    public string DefaultCreditClass { get; }

    /// <summary>
    /// Loads the tables: for each of <see cref="FileNames"/>, the file in
    /// <paramref name="overrideDirectory"/> if it exists there, otherwise the embedded resource.
    /// Throws <see cref="ReferenceDataException"/> naming the file when a table is malformed.
    /// </summary>
    public static ReferenceData Load(string? overrideDirectory)
    {
        var versions = new List<ReferenceFileVersion>();
        JsonElement Read(string file)
        {
            var (bytes, source) = ReadBytes(file, overrideDirectory);
            try
            {
                using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                var root = doc.RootElement.Clone();
                var version = Str(root, "version", file);
                if (!DateOnly.TryParseExact(Str(root, "effectiveDate", file), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var effective))
                {
                    throw new ReferenceDataException(file, "effectiveDate must be yyyy-MM-dd");
                }

                versions.Add(new ReferenceFileVersion(file, version, effective, source));
                return root;
            }
            catch (JsonException e)
            {
                throw new ReferenceDataException(file, "not valid JSON: " + e.Message);
            }
        }

        var div = Read(DivisionsFile);
        var divisions = Arr(div, "divisions", DivisionsFile).Select(e => new DivisionEntry(Str(e, "code", DivisionsFile), Str(e, "name", DivisionsFile))
        {
            English = e.TryGetProperty("english", out var english) && english.ValueKind == JsonValueKind.String ? english.GetString() : null,
        }).ToList();
        foreach (var d in divisions)
        {
            if (!IsSixDigits(d.Code))
            {
                throw new ReferenceDataException(DivisionsFile, $"code '{d.Code}' is not 6 digits");
            }
        }

        var complete = div.TryGetProperty("completeProvinces", out _)
            ? Arr(div, "completeProvinces", DivisionsFile).Select(e => e.GetString() ?? "").ToList()
            : [];

        var ind = Read(IndustriesFile);
        var sections = Arr(ind, "sections", IndustriesFile).Select(e => new IndustrySectionEntry(Str(e, "code", IndustriesFile), Str(e, "name", IndustriesFile))).ToList();
        var industryDivisions = Arr(ind, "divisions", IndustriesFile)
            .Select(e => new IndustryDivisionEntry(Str(e, "code", IndustriesFile), Str(e, "name", IndustriesFile), Str(e, "section", IndustriesFile))).ToList();

        var et = Read(EntityTypesFile);
        var entityTypes = Arr(et, "entityTypes", EntityTypesFile).Select(e => new EntityTypeEntry(
            Str(e, "code", EntityTypesFile), Str(e, "authority", EntityTypesFile), Str(e, "name", EntityTypesFile),
            Str(e, "english", EntityTypesFile), e.TryGetProperty("marketEntity", out var m) && m.ValueKind == JsonValueKind.True)).ToList();

        var st = Read(EntityStatusesFile);
        var statuses = Arr(st, "statuses", EntityStatusesFile).Select(e => new EntityStatusEntry(
            Str(e, "code", EntityStatusesFile), Str(e, "name", EntityStatusesFile), Str(e, "english", EntityStatusesFile),
            e.TryGetProperty("aliases", out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : [],
            e.TryGetProperty("drawable", out var dr) && dr.ValueKind == JsonValueKind.True)).ToList();

        var rc = Read(ResultCodesFile);
        var resultCodes = Arr(rc, "resultCodes", ResultCodesFile).Select(e => new ResultCodeEntry(
            Str(e, "code", ResultCodesFile), Str(e, "name", ResultCodesFile), Str(e, "english", ResultCodesFile))).ToList();

        var cc = Read(CreditClassesFile);
        var creditClasses = Arr(cc, "creditClasses", CreditClassesFile).Select(e => new CreditClassEntry(
            Str(e, "code", CreditClassesFile), Str(e, "name", CreditClassesFile), Str(e, "english", CreditClassesFile),
            e.TryGetProperty("defaultRatio", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : 0)).ToList();

        return new ReferenceData(versions, divisions, complete, sections, industryDivisions, entityTypes, statuses, resultCodes, creditClasses,
            Str(cc, "defaultClass", CreditClassesFile));
    }

    /// <summary>The embedded text of one reference file (to seed an override directory).</summary>
    public static string EmbeddedText(string file)
    {
        using var s = OpenEmbedded(file);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>
    /// True when <paramref name="code"/> is six digits and either listed, or lies under a listed
    /// province whose prefecture/county list is not shipped (see <c>completeProvinces</c> in
    /// divisions.json). Under a complete province (Liaoning), only listed codes are valid.
    /// </summary>
    public bool IsValidDivision(string? code)
    {
        if (code is null || !IsSixDigits(code))
        {
            return false;
        }

        if (_divisions.ContainsKey(code))
        {
            return true;
        }

        var province = string.Concat(code.AsSpan(0, 2), "0000");
        return _divisions.ContainsKey(province) && !_completeProvinces.Contains(code[..2]);
    }

    /// <summary>The listed division, or null.</summary>
    public DivisionEntry? Division(string? code) => code is not null && _divisions.TryGetValue(code, out var d) ? d : null;

    /// <summary>"辽宁省沈阳市和平区" for 210102: names of the listed ancestors and the code itself.</summary>
    public string DivisionFullName(string code)
    {
        if (code.Length != 6)
        {
            return "";
        }

        var parts = new List<string>(3);
        foreach (var c in new[] { string.Concat(code.AsSpan(0, 2), "0000"), string.Concat(code.AsSpan(0, 4), "00"), code })
        {
            if (_divisions.TryGetValue(c, out var d) && (parts.Count == 0 || parts[^1] != d.Name))
            {
                parts.Add(d.Name);
            }
        }

        return string.Concat(parts);
    }

    /// <summary>
    /// A place as a person types it ("大连", "中山区", "大连市中山区", "Dalian") resolved to the listed divisions it names, with
    /// suggestions when it names none (<see cref="PlaceNames"/>).
    /// </summary>
    public PlaceMatch ResolvePlace(string? text) => _placeNames.Value.Resolve(text);

    /// <summary>An industry typed in words ("餐饮业", "零售") resolved to GB/T 4754 divisions (<see cref="PlaceNames.ResolveIndustry"/>).</summary>
    public IndustryMatch ResolveIndustry(string? text) => _placeNames.Value.ResolveIndustry(text);

    /// <summary>"Dalian, Liaoning" for a code under Dalian: the English names of the listed ancestors that have one, most specific first.</summary>
    public string? DivisionEnglishName(string code)
    {
        if (code.Length != 6)
        {
            return null;
        }

        var parts = new List<string>(3);
        foreach (var c in new[] { code, string.Concat(code.AsSpan(0, 4), "00"), string.Concat(code.AsSpan(0, 2), "0000") })
        {
            if (_divisions.TryGetValue(c, out var d) && d.English is { } e && (parts.Count == 0 || parts[^1] != e))
            {
                parts.Add(e);
            }
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>Listed county-level divisions (level 3) under a province or prefecture code prefix.</summary>
    public IReadOnlyList<DivisionEntry> CountiesUnder(string prefix) =>
        Divisions.Where(d => d.Level == 3 && d.Code.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// True for a GB/T 4754-2017 section letter (A–T), a known two-digit division, or a three-digit
    /// group / four-digit class whose division is known and whose group digit is 1–9.
    /// Groups and classes are checked by prefix only (the 473 groups and ~1,380 classes are not shipped).
    /// </summary>
    public bool IsValidIndustry(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return false;
        }

        if (code.Length == 1)
        {
            return _sections.ContainsKey(code);
        }

        return IndustryDivisionOf(code) is not null;
    }

    /// <summary>The division a 2/3/4-digit industry code falls under, or null when malformed/unknown.</summary>
    public IndustryDivisionEntry? IndustryDivisionOf(string? code)
    {
        if (code is null || code.Length is < 2 or > 4)
        {
            return null;
        }

        foreach (var ch in code)
        {
            if (ch is < '0' or > '9')
            {
                return null;
            }
        }

        if (code.Length >= 3 && code[2] == '0')
        {
            return null;
        }

        return _industryDivisions.TryGetValue(code[..2], out var d) ? d : null;
    }

    public IndustrySectionEntry? IndustrySection(string? code) => code is not null && _sections.TryGetValue(code, out var s) ? s : null;

    /// <summary>The section of any valid industry code (letter or digits), or null.</summary>
    public IndustrySectionEntry? IndustrySectionOf(string? code)
    {
        if (code is { Length: 1 })
        {
            return IndustrySection(code);
        }

        var d = IndustryDivisionOf(code);
        return d is null ? null : _sections[d.Section];
    }

    public bool IsValidEntityType(string? code) => code is not null && _entityTypes.ContainsKey(code);

    public EntityTypeEntry? EntityType(string? code) => code is not null && _entityTypes.TryGetValue(code, out var t) ? t : null;

    public bool IsValidStatus(string? code) => code is not null && _statuses.ContainsKey(code);

    public EntityStatusEntry? Status(string? code) => code is not null && _statuses.TryGetValue(code, out var s) ? s : null;

    /// <summary>Maps a stored code ("open"), a Chinese label ("开业") or an alias ("存续") to its status.</summary>
    public EntityStatusEntry? ResolveStatus(string? text) => text is not null && _statusByAlias.TryGetValue(text.Trim(), out var s) ? s : null;

    public bool IsValidResultCode(string? code) => code is not null && _resultCodes.ContainsKey(code);

    public ResultCodeEntry? ResultCode(string? code) => code is not null && _resultCodes.TryGetValue(code, out var r) ? r : null;

    public bool IsValidCreditClass(string? code) => code is not null && _creditClasses.ContainsKey(code);

    public CreditClassEntry? CreditClass(string? code) => code is not null && _creditClasses.TryGetValue(code, out var c) ? c : null;

    internal static bool IsSixDigits(string code)
    {
        if (code.Length != 6)
        {
            return false;
        }

        foreach (var ch in code)
        {
            if (ch is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    internal static (byte[] Bytes, string Source) ReadBytes(string file, string? overrideDirectory)
    {
        if (overrideDirectory is not null)
        {
            var path = Path.Combine(overrideDirectory, file);
            if (File.Exists(path))
            {
                return (File.ReadAllBytes(path), Path.GetFullPath(path));
            }
        }

        using var s = OpenEmbedded(file);
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return (ms.ToArray(), "embedded");
    }

    private static Stream OpenEmbedded(string file)
    {
        var asm = typeof(ReferenceData).Assembly;
        var name = asm.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(".Reference.Data." + file, StringComparison.Ordinal))
            ?? throw new ReferenceDataException(file, "no embedded resource");
        return asm.GetManifestResourceStream(name) ?? throw new ReferenceDataException(file, "no embedded resource");
    }

    private static string Str(JsonElement e, string property, string file) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new ReferenceDataException(file, $"missing string property '{property}'");

    private static IEnumerable<JsonElement> Arr(JsonElement e, string property, string file) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().ToList()
            : throw new ReferenceDataException(file, $"missing array property '{property}'");

    private static FrozenDictionary<string, T> Unique<T>(IEnumerable<T> items, Func<T, string> key, string file)
    {
        var d = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!d.TryAdd(key(item), item))
            {
                throw new ReferenceDataException(file, $"duplicate code '{key(item)}'");
            }
        }

        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>A reference table could not be loaded; the message names the file.</summary>
public sealed class ReferenceDataException : Exception
{
    public ReferenceDataException(string file, string message)
        : base($"{file}: {message}")
    {
        File = file;
    }

    public string File { get; }
}
