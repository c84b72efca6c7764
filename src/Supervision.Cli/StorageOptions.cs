using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Supervision.Infrastructure.Storage;

namespace Supervision.Cli;

/// <summary>
/// Where a command finds the platform's database: the same rule as the API (a PostgreSQL connection string
/// selects production; otherwise the embedded SQLite file in the data directory), from options or environment.
/// </summary>
internal static class StorageArguments
{
    public static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "PostgreSQL connection string (production). Also read from ConnectionStrings__Supervision.",
    };

    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory of the embedded mode (default: ~/.local/share/supervision). Also read from Supervision__DataDirectory.",
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Postgres);
        command.Options.Add(Data);
    }

    public static PlatformSettings Resolve(ParseResult parse)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Supervision"] = parse.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("ConnectionStrings__Supervision"),
                ["Supervision:DataDirectory"] = parse.GetValue(Data) ?? Environment.GetEnvironmentVariable("Supervision__DataDirectory"),
            })
            .Build();
        return PlatformSettings.From(configuration);
    }

    public static string Describe(PlatformSettings settings) =>
        settings.IsEmbedded ? $"SQLite file {Path.Combine(settings.DataDirectory, "supervision.db")}" : "PostgreSQL";
}
