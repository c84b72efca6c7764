using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Supervision.Core.Credit;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Infrastructure.Credit;

/// <summary>
/// The credit service's settings as the platform uses them: the model's parameters plus the feed and nightly-job tunables,
/// made from the bound and validated <see cref="CreditOptions"/> (configuration section "Supervision:Credit").
/// </summary>
public sealed record CreditSettings
{
    public CreditModelOptions Model { get; init; } = CreditModelOptions.Default;

    /// <summary>How often the feed looks for new outcome events and external records (a reminder; at least a minute in production).</summary>
    public TimeSpan FeedPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Outcome events read per feed step; each step ends with a checkpoint.</summary>
    public int FeedBatchSize { get; init; } = 500;

    /// <summary>Beijing time of day of the nightly recomputation.</summary>
    public TimeOnly NightlyAt { get; init; } = new(2, 0);

    /// <summary>Entities per batch of the nightly recomputation (memory is bounded by this, not by the population).</summary>
    public int NightlyBatchSize { get; init; } = 50_000;
}

/// <summary>
/// Configuration section "Supervision:Credit" (docs/credit-model.md, "Configuration"). Every key is optional; the tables
/// hold only what is configured, over the model's defaults. <see cref="Validator"/> names every problem by its key
/// (e.g. "Supervision:Credit:Thresholds:A") in one <see cref="OptionsValidationException"/>; a value that is not a number
/// at all stops the binding itself, which names its key too.
/// </summary>
public sealed class CreditOptions
{
    public const string Section = "Supervision:Credit";

    private static readonly CreditModelOptions Defaults = CreditModelOptions.Default;

    public double Baseline { get; set; } = Defaults.Baseline;

    public CreditThresholdOptions Thresholds { get; set; } = new();

    public CreditWeightOptions Weights { get; set; } = new();

    public double DefaultHalfLifeDays { get; set; } = Defaults.DefaultHalfLifeDays;

    /// <summary>Half-life in days per <see cref="CreditEventKind"/> name, over the model's defaults.</summary>
    public Dictionary<string, double> HalfLifeDays { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Impact per result code, over the model's defaults.</summary>
    public Dictionary<string, double> ResultCodeImpacts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Impact per <see cref="CreditEventKind"/> name that carries no code or severity, over the model's defaults.</summary>
    public Dictionary<string, double> EventImpacts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Impact per <see cref="PenaltySeverity"/> name, over the model's defaults.</summary>
    public Dictionary<string, double> PenaltyImpacts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public double InspectionImpactFloor { get; set; } = Defaults.InspectionImpactFloor;

    /// <summary>"CasePenalties": the amounts from which a case's penalty counts as serious and as grave.</summary>
    public CreditCasePenaltyOptions CasePenalties { get; set; } = new();

    public double ExplanationCutoff { get; set; } = Defaults.ExplanationCutoff;

    public TimeSpan FeedPeriod { get; set; } = TimeSpan.FromMinutes(1);

    public int FeedBatchSize { get; set; } = 500;

    /// <summary>Beijing time of day of the nightly run, HH:mm.</summary>
    public string NightlyAt { get; set; } = "02:00";

    public int NightlyBatchSize { get; set; } = 50_000;

    /// <summary>The settings these options make, and every problem named by its configuration key.</summary>
    public (CreditSettings Settings, IReadOnlyList<FieldError> Errors) ToSettings()
    {
        var errors = new List<FieldError>();
        Dictionary<TKey, double> Table<TKey>(string key, IReadOnlyDictionary<TKey, double> defaults, Dictionary<string, double> configured, Func<string, (bool Ok, TKey Key)> parse)
            where TKey : notnull
        {
            var table = defaults.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (name, value) in configured)
            {
                var (ok, k) = parse(name);
                if (ok) table[k] = value;
                else errors.Add(FieldError.UnknownValue($"{Section}:{key}:{name}", name, reason: "is not a known name"));
            }
            return table;
        }
        static (bool, TEnum) EnumName<TEnum>(string s) where TEnum : struct, Enum => (Enum.TryParse<TEnum>(s, true, out var v) && Enum.IsDefined(v) && !s.All(char.IsAsciiDigit), v);

        var m = Defaults with
        {
            Baseline = Baseline,
            DefaultHalfLifeDays = DefaultHalfLifeDays,
            InspectionImpactFloor = InspectionImpactFloor,
            ExplanationCutoff = ExplanationCutoff,
            CasePenalties = new CasePenaltyBands(CasePenalties.SeriousFromYuan, CasePenalties.GraveFromYuan),
            Thresholds = new ClassThresholds(Thresholds.A, Thresholds.B, Thresholds.C),
            Weights = new ClassWeights(Weights.A, Weights.B, Weights.C, Weights.D),
            HalfLifeDaysByKind = Table("HalfLifeDays", Defaults.HalfLifeDaysByKind, HalfLifeDays, EnumName<CreditEventKind>),
            EventImpacts = Table("EventImpacts", Defaults.EventImpacts, EventImpacts, EnumName<CreditEventKind>),
            PenaltyImpacts = Table("PenaltyImpacts", Defaults.PenaltyImpacts, PenaltyImpacts, EnumName<PenaltySeverity>),
            ResultCodeImpacts = new Dictionary<string, double>(Table("ResultCodeImpacts", Defaults.ResultCodeImpacts, ResultCodeImpacts, s => (true, s)), StringComparer.Ordinal),
        };
        foreach (var e in m.Validate()) errors.Add(e with { Field = $"{Section}:{Key(e.Field)}" });

        var settings = new CreditSettings { Model = m, FeedPeriod = FeedPeriod, FeedBatchSize = FeedBatchSize, NightlyBatchSize = NightlyBatchSize };
        if (FeedPeriod <= TimeSpan.Zero)
            errors.Add(FieldError.OutOfRange($"{Section}:FeedPeriod", reason: $"must be a positive time span (hh:mm:ss), got {FeedPeriod}"));
        if (TimeOnly.TryParseExact(NightlyAt, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)) settings = settings with { NightlyAt = at };
        else errors.Add(FieldError.Format($"{Section}:NightlyAt", FieldFormats.TimeOfDay, $"'{NightlyAt}' is not a time of day HH:mm (Beijing)", NightlyAt));
        if (FeedBatchSize is < 1 or > 100_000)
            errors.Add(FieldError.OutOfRange($"{Section}:FeedBatchSize", 1, 100_000, FeedBatchSize, reason: $"must be a whole number from 1 to 100000, got {FeedBatchSize}"));
        if (NightlyBatchSize is < 1 or > 1_000_000)
            errors.Add(FieldError.OutOfRange($"{Section}:NightlyBatchSize", 1, 1_000_000, NightlyBatchSize, reason: $"must be a whole number from 1 to 1000000, got {NightlyBatchSize}"));
        return (settings, errors);
    }

    /// <summary>"thresholds.a" → "Thresholds:A"; "halfLifeDaysByKind.X" → "HalfLifeDays:X".</summary>
    private static string Key(string field)
    {
        var parts = field.Split('.');
        if (parts[0] == "halfLifeDaysByKind") parts[0] = "HalfLifeDays";
        return string.Join(':', parts.Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    internal sealed class Validator : IValidateOptions<CreditOptions>
    {
        public ValidateOptionsResult Validate(string? name, CreditOptions options)
        {
            var errors = options.ToSettings().Errors;
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => $"{e.Field}: {e.Reason}"));
        }
    }
}

/// <summary>"Supervision:Credit:Thresholds": the inclusive lower scores of classes A, B and C.</summary>
public sealed class CreditThresholdOptions
{
    public double A { get; set; } = ClassThresholds.Default.A;

    public double B { get; set; } = ClassThresholds.Default.B;

    public double C { get; set; } = ClassThresholds.Default.C;
}

/// <summary>"Supervision:Credit:CasePenalties": the severity bands of penalties concluded by follow-up cases, in yuan.</summary>
public sealed class CreditCasePenaltyOptions
{
    public decimal SeriousFromYuan { get; set; } = CasePenaltyBands.Default.SeriousFromYuan;

    public decimal GraveFromYuan { get; set; } = CasePenaltyBands.Default.GraveFromYuan;
}

/// <summary>"Supervision:Credit:Weights": the draw weight of each class.</summary>
public sealed class CreditWeightOptions
{
    public double A { get; set; } = ClassWeights.Default.A;

    public double B { get; set; } = ClassWeights.Default.B;

    public double C { get; set; } = ClassWeights.Default.C;

    public double D { get; set; } = ClassWeights.Default.D;
}

public static class CreditOptionsRegistration
{
    /// <summary>"Supervision:Credit" bound and checked at start; <see cref="CreditSettings"/> made from it once.</summary>
    public static IServiceCollection AddCreditOptions(this IServiceCollection services)
    {
        services.AddOptions<CreditOptions>().BindConfiguration(CreditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CreditOptions>, CreditOptions.Validator>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CreditOptions>>().Value.ToSettings().Settings);
        return services;
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
        Ledger = new CreditLedger(Scorer, Layout);
        Fingerprint = FingerprintOf(Options);
    }

    public CreditSettings Settings { get; }

    public CreditModelOptions Options { get; }

    public CreditScorer Scorer { get; }

    public CreditDecayLayout Layout { get; }

    public CreditRecomputation Recomputation { get; }

    /// <summary>The record's rules under these options: the events it keeps and what a recomputation decides.</summary>
    public CreditLedger Ledger { get; }

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
