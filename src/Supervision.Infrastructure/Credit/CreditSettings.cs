using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Supervision.Core.Credit;
using Supervision.Core.Directory;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// The credit service's settings, bound from configuration section "Supervision:Credit" (docs/credit-model.md,
/// "Configuration"): the model's parameters plus the feed and nightly-job tunables.
/// </summary>
public sealed record CreditSettings
{
    public const string Section = "Supervision:Credit";

    public CreditModelOptions Model { get; init; } = CreditModelOptions.Default;

    /// <summary>How often the feed looks for new outcome events and external records (a reminder; at least a minute in production).</summary>
    public TimeSpan FeedPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Outcome events read per feed step; each step ends with a checkpoint.</summary>
    public int FeedBatchSize { get; init; } = 500;

    /// <summary>Beijing time of day of the nightly recomputation.</summary>
    public TimeOnly NightlyAt { get; init; } = new(2, 0);

    /// <summary>Entities per batch of the nightly recomputation (memory is bounded by this, not by the population).</summary>
    public int NightlyBatchSize { get; init; } = 50_000;

    /// <summary>
    /// Reads the section; every key is optional. Returns the problems as field errors named by their configuration key
    /// (e.g. "Supervision:Credit:Thresholds:A") instead of throwing on the first.
    /// </summary>
    public static (CreditSettings Settings, IReadOnlyList<FieldError> Errors) From(IConfiguration? configuration)
    {
        var errors = new List<FieldError>();
        var settings = new CreditSettings();
        var section = configuration?.GetSection(Section);
        if (section is null || !section.Exists()) return (settings, settings.Model.Validate());
        var m = CreditModelOptions.Default;
        double Num(string key, double fallback)
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text)) return fallback;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return v;
            errors.Add(FieldError.Format($"{Section}:{key}", FieldFormats.Number, $"'{text}' is not a number", text));
            return fallback;
        }
        Dictionary<TKey, double> Table<TKey>(string key, IReadOnlyDictionary<TKey, double> defaults, Func<string, (bool Ok, TKey Key)> parse)
            where TKey : notnull
        {
            var table = defaults.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var child in section.GetSection(key).GetChildren())
            {
                var (ok, k) = parse(child.Key);
                if (!ok)
                {
                    errors.Add(FieldError.UnknownValue($"{Section}:{key}:{child.Key}", child.Key, reason: "is not a known name"));
                    continue;
                }
                table[k] = Num($"{key}:{child.Key}", table.GetValueOrDefault(k));
            }
            return table;
        }
        static (bool, TEnum) EnumName<TEnum>(string s) where TEnum : struct, Enum => (Enum.TryParse<TEnum>(s, true, out var v) && Enum.IsDefined(v) && !s.All(char.IsAsciiDigit), v);

        m = m with
        {
            Baseline = Num("Baseline", m.Baseline),
            DefaultHalfLifeDays = Num("DefaultHalfLifeDays", m.DefaultHalfLifeDays),
            InspectionImpactFloor = Num("InspectionImpactFloor", m.InspectionImpactFloor),
            ExplanationCutoff = Num("ExplanationCutoff", m.ExplanationCutoff),
            Thresholds = new ClassThresholds(Num("Thresholds:A", m.Thresholds.A), Num("Thresholds:B", m.Thresholds.B), Num("Thresholds:C", m.Thresholds.C)),
            Weights = new ClassWeights(Num("Weights:A", m.Weights.A), Num("Weights:B", m.Weights.B), Num("Weights:C", m.Weights.C), Num("Weights:D", m.Weights.D)),
            HalfLifeDaysByKind = Table<CreditEventKind>("HalfLifeDays", m.HalfLifeDaysByKind, s => EnumName<CreditEventKind>(s)).ToDictionary(),
            EventImpacts = Table<CreditEventKind>("EventImpacts", m.EventImpacts, s => EnumName<CreditEventKind>(s)).ToDictionary(),
            PenaltyImpacts = Table<PenaltySeverity>("PenaltyImpacts", m.PenaltyImpacts, s => EnumName<PenaltySeverity>(s)).ToDictionary(),
            ResultCodeImpacts = new Dictionary<string, double>(Table<string>("ResultCodeImpacts", m.ResultCodeImpacts, s => (true, s)), StringComparer.Ordinal),
        };
        settings = settings with { Model = m };
        foreach (var e in m.Validate()) errors.Add(e with { Field = $"{Section}:{Key(e.Field)}" });

        if (section["FeedPeriod"] is { Length: > 0 } period)
        {
            if (TimeSpan.TryParse(period, CultureInfo.InvariantCulture, out var p) && p > TimeSpan.Zero) settings = settings with { FeedPeriod = p };
            else errors.Add(FieldError.Format($"{Section}:FeedPeriod", FieldFormats.TimeSpan, $"'{period}' is not a positive time span (hh:mm:ss)", period));
        }
        if (section["NightlyAt"] is { Length: > 0 } at)
        {
            if (TimeOnly.TryParseExact(at, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) settings = settings with { NightlyAt = t };
            else errors.Add(FieldError.Format($"{Section}:NightlyAt", FieldFormats.TimeOfDay, $"'{at}' is not a time of day HH:mm (Beijing)", at));
        }
        int Count(string key, int fallback, int min, int max)
        {
            var text = section[key];
            if (string.IsNullOrWhiteSpace(text)) return fallback;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
            errors.Add(FieldError.OutOfRange($"{Section}:{key}", min, max, reason: $"must be a whole number from {min} to {max}, got '{text}'"));
            return fallback;
        }
        settings = settings with
        {
            FeedBatchSize = Count("FeedBatchSize", settings.FeedBatchSize, 1, 100_000),
            NightlyBatchSize = Count("NightlyBatchSize", settings.NightlyBatchSize, 1, 1_000_000),
        };
        return (settings, errors);
    }

    /// <summary>"thresholds.a" → "Thresholds:A"; "halfLifeDaysByKind.X" → "HalfLifeDays:X".</summary>
    private static string Key(string field)
    {
        var parts = field.Split('.');
        if (parts[0] == "halfLifeDaysByKind") parts[0] = "HalfLifeDays";
        return string.Join(':', parts.Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}

/// <summary>The configured model, built once: scorer, decay layout, the nightly kernel, and a fingerprint of what summaries fold in.</summary>
public sealed class CreditModel
{
    public CreditModel(CreditSettings settings)
    {
        Settings = settings;
        Options = settings.Model.EnsureValid();
        Scorer = new CreditScorer(Options);
        Layout = new CreditDecayLayout(Options);
        Recomputation = new CreditRecomputation(Options);
        Fingerprint = FingerprintOf(Options);
    }

    public CreditSettings Settings { get; }

    public CreditModelOptions Options { get; }

    public CreditScorer Scorer { get; }

    public CreditDecayLayout Layout { get; }

    public CreditRecomputation Recomputation { get; }

    /// <summary>
    /// Half-lives and impacts folded into a stored summary ("365,730,1095;" + a hash of the impacts). A summary made
    /// under another fingerprint must be rebuilt from its events; thresholds and weights are not part of it and may change freely.
    /// </summary>
    public string Fingerprint { get; }

    public static string FingerprintOf(CreditModelOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var k in Enum.GetValues<CreditEventKind>()) text.Append(inv, $"h{k}={o.HalfLifeDays(k)};e{k}={o.EventImpacts.GetValueOrDefault(k)};");
        foreach (var (code, v) in o.ResultCodeImpacts.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append(inv, $"c{code}={v};");
        foreach (var (s, v) in o.PenaltyImpacts.OrderBy(kv => kv.Key)) text.Append(inv, $"p{s}={v};");
        text.Append(inv, $"floor={o.InspectionImpactFloor}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
        return string.Join(',', o.DistinctHalfLives().Select(h => h.ToString(inv))) + ";" + hash;
    }
}
