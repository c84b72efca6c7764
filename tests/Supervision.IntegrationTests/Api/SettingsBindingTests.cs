using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Supervision.Api.Hosting;
using Supervision.Api.Identity;
using Supervision.Api.Publication;
using Supervision.Grains.Hosting;
using Supervision.Grains.Inspections;
using Supervision.Infrastructure.Operations;
using Supervision.Grains.Recusals;
using Supervision.Grains.Tasks;
using Supervision.Infrastructure.Credit;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// Every setting the documentation promises is read: each key of the settings tables in docs/operations.md and
/// docs/credit-model.md, set in configuration, changes the options the platform binds (in the API process as it is built,
/// and in an API that is an Orleans client), and each documented default is the bound default. The other way round,
/// every property of the platform's own options has a documented key, and every <c>Supervision:…</c>, <c>Auth:…</c> or
/// <c>Orleans:…</c> key named anywhere in docs/ is one of the table's.
/// </summary>
public sealed partial class SettingsBindingTests
{
    /// <summary>The settings groups: the configuration section each options type is bound from.</summary>
    private static readonly (string Section, Type Options)[] Groups =
    [
        ("ConnectionStrings", typeof(ConnectionStringOptions)),
        ("Supervision", typeof(PlatformOptions)),
        ("Supervision", typeof(ApiHostOptions)),
        ("Supervision:Demo", typeof(DemoOptions)),
        ("Supervision:Calendar", typeof(CalendarOptions)),
        ("Supervision:Inspections", typeof(InspectionOptions)),
        ("Supervision:Credit", typeof(CreditOptions)),
        ("Supervision:Public", typeof(PublicPortalOptions)),
        ("Supervision:Draw", typeof(DrawServiceOptions)),
        ("Supervision:Recusals", typeof(RecusalOptions)),
        ("Supervision:Cases", typeof(Supervision.Grains.Cases.CaseOptions)),
        ("Supervision:Objections", typeof(Supervision.Infrastructure.Objections.ObjectionOptions)),
        ("Supervision:Retention", typeof(Supervision.Grains.Publication.RetentionOptions)),
        ("Supervision:Webhooks", typeof(Supervision.Infrastructure.Feeds.WebhookOptions)),
        ("Supervision:Operations", typeof(OperationOptions)),
        ("Orleans", typeof(ClusterHostOptions)),
        ("Orleans:Membership", typeof(ClusterMembershipOptions)),
        ("Orleans:Messaging", typeof(SiloMessagingOptions)),
        ("Orleans:Messaging", typeof(ClientMessagingOptions)),
        ("Orleans:Gateway", typeof(GatewayOptions)),
        ("Orleans:Retry", typeof(SafeRetryOptions)),
        ("Auth", typeof(AuthOptions)),
    ];

    /// <summary>Options only an API that is a cluster client binds (production without a co-hosted silo).</summary>
    private static readonly HashSet<Type> ClientOnly = [typeof(ClientMessagingOptions), typeof(GatewayOptions)];

    /// <summary>A sample entry for the documented tables keyed by name (<c>HalfLifeDays:&lt;Kind&gt;</c>, …).</summary>
    private static readonly Dictionary<string, (string Name, double Value)> TableSamples = new(StringComparer.Ordinal)
    {
        ["Supervision:Credit:HalfLifeDays"] = ("ExternalPenalty", 1460),
        ["Supervision:Credit:ResultCodeImpacts"] = ("6", -30),
        ["Supervision:Credit:EventImpacts"] = ("CorrectionDone", 3),
        ["Supervision:Credit:PenaltyImpacts"] = ("Minor", -4),
    };

    [Fact]
    public async Task Every_documented_setting_binds_and_every_options_property_is_documented()
    {
        var documented = DocumentedSettings();
        Assert.NotEmpty(documented);
        var work = Path.Combine(Path.GetTempPath(), "supervision-tests", "settings-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // The platform as shipped (embedded, only the data directory moved) gives the defaults.
            var baselineConfiguration = new Dictionary<string, string?> { ["Supervision:DataDirectory"] = Directory.CreateDirectory(Path.Combine(work, "baseline")).FullName };
            await using var baseline = await Hosts.BuildAsync(baselineConfiguration);

            // Every documented key set to a value other than its default, all at once (they are consistent together).
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var setting in documented)
            {
                values[setting.ConfigurationKey] = ChangedValue(setting, baseline, work);
            }

            await using var changed = await Hosts.BuildAsync(values);
            var problems = new List<string>();
            foreach (var setting in documented)
            {
                var targets = Targets(setting.Key);
                if (targets.Count == 0)
                {
                    problems.Add($"{setting.Key} ({setting.Document}) is documented, but no options property reads it");
                    continue;
                }

                foreach (var (type, path) in targets)
                {
                    var before = Read(baseline.For(type), type, path);
                    var after = Read(changed.For(type), type, path);
                    var expected = Parse(values[setting.ConfigurationKey], PropertyType(type, path), setting);
                    if (!Same(after, expected) || Same(before, after))
                        problems.Add($"{setting.ConfigurationKey} ({setting.Document}): {type.Name} bound {Show(after)} (default {Show(before)}) for '{values[setting.ConfigurationKey]}'");
                    if (setting.Default is { } text && DocumentedDefault(text, PropertyType(type, path), out var value) && !Same(before, value))
                        problems.Add($"{setting.Key} ({setting.Document}): documented default '{text}', bound default {Show(before)} ({type.Name})");
                }
            }

            // The other way round: every property of the platform's own options is a documented key.
            var keys = documented.Select(d => d.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var (section, type) in Groups.Where(g => g.Options.Namespace!.StartsWith("Supervision.", StringComparison.Ordinal)))
            {
                foreach (var key in Keys(section, type).Where(k => !keys.Contains(k) && !(k.EndsWith(":<…>", StringComparison.Ordinal) && keys.Any(d => d.StartsWith(k[..^3], StringComparison.OrdinalIgnoreCase)))))
                    problems.Add($"{key} ({type.Name}) is read but not documented in docs/operations.md");
            }

            // Keys named anywhere in the documentation are the tables' keys (or their sections).
            foreach (var (key, file) in MentionedKeys().Where(m => !keys.Contains(m.Key) && !keys.Any(k => k.StartsWith(m.Key + ":", StringComparison.OrdinalIgnoreCase))))
                problems.Add($"{key} is named in {file} but is not in the settings tables");

            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task An_invalid_value_stops_the_start_with_a_message_naming_the_setting()
    {
        // The API (embedded: it hosts its silo too): one bad value per group, each named by its key.
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["Supervision:Inspections:ReminderPeriod"] = "-00:01:00",
                     ["Supervision:Operations:DefaultWait"] = "00:01:00",
                     ["Supervision:Calendar:WarnDays"] = "-1",
                     ["Supervision:Demo:Inspectors"] = "-5",
                     ["Supervision:Draw:SecretKeyFile"] = "/nonexistent/draw-secret.key",
                     ["Supervision:Credit:FeedBatchSize"] = "0",
                     ["Supervision:Credit:CasePenalties:GraveFromYuan"] = "5",
                     ["Supervision:ReferenceDataDirectory"] = "/nonexistent/reference",
                     ["Auth:Local:AccountCacheDuration"] = "01:00:00",
                     ["Orleans:SiloPort"] = "70000",
                 })
        {
            var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await ApiHost.StartAsync(settings: new Dictionary<string, string?> { [key] = value })).DisposeAsync());
            Assert.Contains(key, refused.Message, StringComparison.Ordinal);
        }

        // A production silo process (Supervision.Silo) reads the same registrations.
        var silo = Host.CreateApplicationBuilder();
        silo.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Supervision"] = "Host=127.0.0.1;Database=unused",
            ["Supervision:ApplySchemaOnStart"] = "false",
            ["Supervision:Recusals:DecisionWorkingDays"] = "0",
        });
        var settings = PlatformSettings.From(silo.Configuration);
        silo.UseOrleans(s => s.ConfigureSupervision(settings, applyMigrations: false));
        using var host = silo.Build();
        var stopped = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Supervision:Recusals:DecisionWorkingDays", stopped.Message, StringComparison.Ordinal);
    }

    /// <summary>A key as documented: <see cref="Key"/> may hold a placeholder (<c>HalfLifeDays:&lt;Kind&gt;</c>); <see cref="ConfigurationKey"/> is what is set.</summary>
    private sealed record Documented(string Key, string ConfigurationKey, string? Default, string Document);

    private static List<Documented> DocumentedSettings()
    {
        var operations = File.ReadAllText(Path.Combine(Repository.Root, "docs", "operations.md"));
        var credit = File.ReadAllText(Path.Combine(Repository.Root, "docs", "credit-model.md"));
        var list = new List<Documented>();
        list.AddRange(TableRows(Section(operations, "## Configuration"), "", "docs/operations.md"));
        list.AddRange(TableRows(Section(credit, "### Configuration (`Supervision:Credit`)"), "Supervision:Credit:", "docs/credit-model.md"));
        // The credit row of operations.md points to credit-model.md.
        list.RemoveAll(d => d.Key.EndsWith('…'));
        return list;
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{heading}'");
        var end = markdown.IndexOf("\n#", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    /// <summary>
    /// The first column's keys (<c>`A:B:C`, `:D`</c> shares <c>A:B:</c>; <c>`W:A` … `:D`</c> is A to D) with the defaults
    /// of the second column when they are as many.
    /// </summary>
    private static IEnumerable<Documented> TableRows(string section, string prefix, string document)
    {
        foreach (var line in section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = line.Split('|');
            var keys = new List<string>();
            var tokens = Backticked().Matches(cells[1]).Select(m => m.Groups[1].Value).ToList();
            foreach (var token in tokens)
            {
                var key = token.StartsWith(':') ? keys[^1][..keys[^1].LastIndexOf(':')] + token : prefix + token;
                if (cells[1].Contains('…') && token.StartsWith(':') && keys.Count == 1 && keys[0][^1] is var first && char.IsAsciiLetterUpper(first))
                {
                    for (var c = (char)(first + 1); c < key[^1]; c++) keys.Add(keys[0][..^1] + c);
                }

                keys.Add(key);
            }

            var defaults = cells[2].Split(", ").Select(d => d.Trim()).ToList();
            for (var i = 0; i < keys.Count; i++)
            {
                var value = defaults.Count == keys.Count ? defaults[i] : defaults.Count == 1 ? defaults[0] : null;
                var placeholder = Placeholder().Match(keys[i]);
                var configurationKey = placeholder.Success ? keys[i][..placeholder.Index] + TableSamples[keys[i][..(placeholder.Index - 1)]].Name : keys[i];
                yield return new Documented(keys[i], configurationKey, placeholder.Success ? null : value, document);
            }
        }
    }

    /// <summary>Keys named anywhere in docs/ (prose included), with the file that names them.</summary>
    private static IEnumerable<(string Key, string File)> MentionedKeys() =>
        Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md")
            .SelectMany(file => Mentioned().Matches(File.ReadAllText(file)).Select(m => (m.Groups[1].Value, "docs/" + Path.GetFileName(file))))
            .Distinct();

    /// <summary>The options properties a documented key lands on (a table key lands on its table).</summary>
    private static List<(Type Type, string[] Path)> Targets(string key)
    {
        var found = new List<(Type, string[])>();
        foreach (var (section, type) in Groups.Where(g => key.StartsWith(g.Section + ":", StringComparison.OrdinalIgnoreCase)))
        {
            var path = key[(section.Length + 1)..].Split(':');
            if (Placeholder().IsMatch(path[^1])) path = path[..^1];
            if (PropertyType(type, path) is not null) found.Add((type, path));
        }

        return found;
    }

    private static Type? PropertyType(Type type, string[] path)
    {
        var current = type;
        foreach (var name in path)
        {
            var property = current.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null) return null;
            current = property.PropertyType;
        }

        return current;
    }

    private static object? Read(object options, Type type, string[] path)
    {
        object? current = options;
        foreach (var name in path)
            current = current?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!.GetValue(current);
        return current;
    }

    /// <summary>The documented keys of an options type: its settable properties, nested option classes as sections, tables with a placeholder.</summary>
    private static IEnumerable<string> Keys(string section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = section + ":" + property.Name;
            var t = property.PropertyType;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
                yield return key + ":<…>";
            else if (t.IsClass && t != typeof(string) && t.Namespace!.StartsWith("Supervision.", StringComparison.Ordinal))
                foreach (var nested in Keys(key, t)) yield return nested;
            else
                yield return key;
        }
    }

    /// <summary>A value for the key other than its default, valid together with the others.</summary>
    private static string ChangedValue(Documented setting, Hosts baseline, string work)
    {
        switch (setting.Key)
        {
            case "ConnectionStrings:Supervision": return "Host=127.0.0.1;Database=unused";
            case "Supervision:DataDirectory": return Path.Combine(work, "changed");
            case "Supervision:ReferenceDataDirectory": return Directory.CreateDirectory(Path.Combine(work, "reference")).FullName;
            case "Supervision:PublicBaseUrl": return "https://supervision.example.test";
            case "Supervision:Draw:SecretKeyFile":
                var keyFile = Path.Combine(work, "draw-secret.key");
                File.WriteAllBytes(keyFile, new byte[32]);
                return keyFile;
            case "Supervision:Credit:NightlyAt": return "03:30";
            case "Orleans:AdvertisedAddress": return "127.0.0.1";
            case "Auth:Local:SigningKey": return Convert.ToBase64String(new byte[48]);
            case "Auth:Oidc:Authority": return "https://sso.example.test/realms/supervision";
        }

        if (TableSamples.TryGetValue(setting.ConfigurationKey[..setting.ConfigurationKey.LastIndexOf(':')], out var sample))
            return sample.Value.ToString(CultureInfo.InvariantCulture);
        if (Targets(setting.Key) is not [var (type, path), ..]) return "read-by-nothing";
        var current = Read(baseline.For(type), type, path);
        return current switch
        {
            bool b => (!b).ToString(CultureInfo.InvariantCulture),
            int i => (i == 0 ? 1 : i * 2).ToString(CultureInfo.InvariantCulture),
            long l => (l * 2).ToString(CultureInfo.InvariantCulture),
            ulong u => (u * 2).ToString(CultureInfo.InvariantCulture),
            double d => (d / 2).ToString(CultureInfo.InvariantCulture),
            decimal m => (m * 2).ToString(CultureInfo.InvariantCulture),
            TimeSpan t => (t == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : t * 2).ToString("c", CultureInfo.InvariantCulture),
            null when PropertyType(type, path) == typeof(int?) => "10",
            null when PropertyType(type, path) == typeof(bool?) => "false",
            _ => "changed-" + path[^1].ToLowerInvariant(),
        };
    }

    private static object? Parse(string? text, Type? type, Documented setting)
    {
        if (TableSamples.ContainsKey(setting.ConfigurationKey[..setting.ConfigurationKey.LastIndexOf(':')]))
            return KeyValuePair.Create(setting.ConfigurationKey[(setting.ConfigurationKey.LastIndexOf(':') + 1)..], double.Parse(text!, CultureInfo.InvariantCulture));
        var target = Nullable.GetUnderlyingType(type!) ?? type!;
        return TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text!);
    }

    /// <summary>A documented default the test can compare: a number, a time span, true/false, a word in backticks, or "empty"/"unset".</summary>
    private static bool DocumentedDefault(string text, Type? type, out object? value)
    {
        value = null;
        var plain = text.Split(" (")[0].Trim();
        if (plain is "empty" or "unset") return true;
        var quoted = plain.StartsWith('`') && plain.EndsWith('`');
        plain = plain.Trim('`');
        var target = Nullable.GetUnderlyingType(type!) ?? type!;
        if (target == typeof(string)) return quoted && Word().IsMatch(plain) && (value = plain) is not null;
        if (target.IsGenericType) return false;
        try
        {
            value = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(plain);
            return true;
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException || e.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static bool Same(object? a, object? b)
    {
        if (a is KeyValuePair<string, double> entry) (a, b) = (b, a);
        if (b is KeyValuePair<string, double> wanted)
            return a is IDictionary<string, double> table && table.TryGetValue(wanted.Key, out var v) && v == wanted.Value;
        if (a is IDictionary first && b is IDictionary second) return first.Count == second.Count && first.Count == 0;
        if (a is null or "" && b is null or "") return true;
        return Equals(a, b);
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        IDictionary<string, double> table => "{" + string.Join(", ", table.Select(kv => $"{kv.Key}={kv.Value}")) + "}",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("<[A-Za-z]+>$")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[A-Za-z_]+$")]
    private static partial Regex Word();

    [GeneratedRegex(@"(?<![\w:/.-])((?:Supervision|Auth|Orleans|ConnectionStrings)(?::[A-Za-z][A-Za-z0-9]*)+)")]
    private static partial Regex Mentioned();

    /// <summary>
    /// The API process built as Program.cs builds it (not started: the options are read, nothing listens), and beside it an
    /// API that is a cluster client, for the options only such a client binds.
    /// </summary>
    private sealed class Hosts(Microsoft.AspNetCore.Builder.WebApplication api, IHost client) : IAsyncDisposable
    {
        public static Task<Hosts> BuildAsync(IDictionary<string, string?> values)
        {
            var api = PlatformHost.Build([], builder => builder.Configuration.AddInMemoryCollection(values));
            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.Configuration.AddInMemoryCollection(values);
            clientBuilder.UseOrleansClient(c => c.UseClusterTuning());
            return Task.FromResult(new Hosts(api, clientBuilder.Build()));
        }

        public object For(Type options)
        {
            var services = ClientOnly.Contains(options) ? client.Services : api.Services;
            var accessor = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(options));
            return accessor.GetType().GetProperty("Value")!.GetValue(accessor)!;
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await api.DisposeAsync();
        }
    }
}
