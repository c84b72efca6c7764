namespace Supervision.Core.Reference;

/// <summary>A GB/T 2260 administrative division.</summary>
public sealed record DivisionEntry(string Code, string Name)
{
    /// <summary>The common English name ("Dalian"), where divisions.json gives one; null otherwise.</summary>
    public string? English { get; init; }

    /// <summary>The code prefix that selects this division and everything under it: 2, 4 or 6 digits by level.</summary>
    public string Prefix => Level switch { 1 => Code[..2], 2 => Code[..4], _ => Code };

    /// <summary>1 = province, 2 = prefecture, 3 = county.</summary>
    public int Level => Code.EndsWith("0000", StringComparison.Ordinal) ? 1 : Code.EndsWith("00", StringComparison.Ordinal) ? 2 : 3;

    public string ProvinceCode => string.Concat(Code.AsSpan(0, 2), "0000");

    public string PrefectureCode => string.Concat(Code.AsSpan(0, 4), "00");
}

/// <summary>A GB/T 4754-2017 section (门类, letter A–T).</summary>
public sealed record IndustrySectionEntry(string Code, string Name);

/// <summary>A GB/T 4754-2017 division (大类, two digits) and the section it belongs to.</summary>
public sealed record IndustryDivisionEntry(string Code, string Name, string Section);

/// <summary>An entity type: the first two characters of the Unified Social Credit Code.</summary>
public sealed record EntityTypeEntry(string Code, string Authority, string Name, string English, bool MarketEntity);

/// <summary>An entity status with a stable English code; only drawable statuses enter a random draw.</summary>
public sealed record EntityStatusEntry(string Code, string Name, string English, IReadOnlyList<string> Aliases, bool Drawable);

/// <summary>A result code an inspector records per entity and item (multi-select).</summary>
public sealed record ResultCodeEntry(string Code, string Name, string English);

/// <summary>A credit-risk class with its default inspection ratio.</summary>
public sealed record CreditClassEntry(string Code, string Name, string English, double DefaultRatio);

/// <summary>The version stamp every reference file carries.</summary>
/// <param name="File">The file name (e.g. <c>divisions.json</c>).</param>
/// <param name="Version">Free-text version string from the file.</param>
/// <param name="EffectiveDate">Date from which the table applies.</param>
/// <param name="Source">"embedded" or the full path of the override file.</param>
public sealed record ReferenceFileVersion(string File, string Version, DateOnly EffectiveDate, string Source);
