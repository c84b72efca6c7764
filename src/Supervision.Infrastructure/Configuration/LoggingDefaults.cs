using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Supervision.Infrastructure.Configuration;

/// <summary>
/// What a process logs when nothing else is configured (docs/operations.md, "Logging"): the platform's own information
/// lines and the host's start line with its listening address, and from everything else — ASP.NET Core, Orleans, the
/// resilience pipelines Orleans runs on Polly — warnings and errors only. Polly logs every execution attempt at
/// Information; only its handled failures (Warning) are worth an operator's attention.
/// </summary>
public static class LoggingDefaults
{
    public static readonly IReadOnlyDictionary<string, string?> Levels = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Microsoft.Orleans"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
    };

    /// <summary>Adds <see cref="Levels"/> beneath every other source, so appsettings.json, the environment and the command line override them.</summary>
    public static IConfigurationBuilder AddLoggingDefaults(this IConfigurationBuilder configuration)
    {
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Levels });
        return configuration;
    }
}
