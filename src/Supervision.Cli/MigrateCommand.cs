using System.CommandLine;
using Spectre.Console;
using Supervision.Infrastructure.Storage;

namespace Supervision.Cli;

/// <summary><c>migrate [--status]</c>: applies the project's schema scripts (idempotent), or lists applied and pending ones.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var status = new Option<bool>("--status") { Description = "Only list applied and pending scripts; change nothing." };
        var command = new Command("migrate", "Apply pending schema scripts to the platform's database (safe to run repeatedly and concurrently).") { status };
        StorageArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = StorageArguments.Resolve(parse);
            var migrator = new SchemaMigrator(settings.Provider, settings.ConnectionString);
            AnsiConsole.MarkupLine($"Database: [bold]{Markup.Escape(StorageArguments.Describe(settings))}[/]");
            if (parse.GetValue(status))
            {
                var state = await migrator.GetStatusAsync(ct);
                foreach (var applied in state.Applied)
                {
                    AnsiConsole.MarkupLine($"  applied  {applied.Version:D4}_{Markup.Escape(applied.Name)}");
                }

                foreach (var pending in state.Pending)
                {
                    AnsiConsole.MarkupLine($"  [yellow]pending[/]  {pending.Version:D4}_{Markup.Escape(pending.Name)}");
                }

                return state.IsUpToDate ? 0 : 2;
            }

            var scripts = await migrator.MigrateAsync(ct);
            AnsiConsole.MarkupLine(scripts.Count == 0 ? "Up to date." : $"Applied {scripts.Count} script(s): {string.Join(", ", scripts.Select(s => $"{s.Version:D4}_{s.Name}"))}");
            return 0;
        });
        return command;
    }
}
