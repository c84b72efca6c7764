using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Supervision.Core.Registry;

namespace Supervision.Cli;

/// <summary>
/// <c>generate --entities N --inspectors M --seed S --out DIR</c>: writes entities.csv,
/// inspectors.csv, departments.csv and items.csv of a reproducible synthetic Liaoning directory.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var entities = new Option<long>("--entities", "-e")
        {
            Description = "Number of market entities to generate (up to 100,000,000).",
            DefaultValueFactory = _ => 10_000,
        };
        var inspectors = new Option<int>("--inspectors", "-i")
        {
            Description = "Number of inspectors to generate.",
            DefaultValueFactory = _ => 500,
        };
        var seed = new Option<ulong>("--seed", "-s")
        {
            Description = "Seed; the same seed always gives byte-identical files.",
            DefaultValueFactory = _ => 20250101UL,
        };
        var output = new Option<DirectoryInfo>("--out", "-o")
        {
            Description = "Directory to write the CSV files into (created if missing).",
            DefaultValueFactory = _ => new DirectoryInfo("."),
        };
        entities.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<long>();
            if (v is < 0 or > SyntheticDirectory.MaxEntities)
            {
                r.AddError($"--entities must be between 0 and {SyntheticDirectory.MaxEntities:N0}.");
            }
        });
        inspectors.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--inspectors must not be negative.");
            }
        });

        var command = new Command("generate", "Generate a reproducible synthetic directory (entities, inspectors, departments, items) as CSV.")
        {
            entities, inspectors, seed, output,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var dir = parseResult.GetValue(output)!;
            var generator = new SyntheticDirectory(parseResult.GetValue(seed), parseResult.GetValue(entities), parseResult.GetValue(inspectors));
            return Task.FromResult(Run(generator, dir, cancellationToken));
        });
        return command;
    }

    private static int Run(SyntheticDirectory generator, DirectoryInfo dir, CancellationToken cancellationToken)
    {
        dir.Create();
        var clock = Stopwatch.StartNew();
        try
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var entityTask = ctx.AddTask("entities.csv", maxValue: Math.Max(1, generator.EntityCount));
                    var inspectorTask = ctx.AddTask("inspectors.csv", maxValue: Math.Max(1, generator.InspectorCount));
                    var refTask = ctx.AddTask("departments.csv, items.csv", maxValue: 2);

                    using (var f = Create(dir, "departments.csv"))
                    {
                        generator.WriteDepartmentsCsv(f);
                    }

                    refTask.Increment(1);
                    using (var f = Create(dir, "items.csv"))
                    {
                        generator.WriteItemsCsv(f);
                    }

                    refTask.Increment(1);
                    using (var f = Create(dir, "entities.csv"))
                    {
                        generator.WriteEntitiesCsv(f, n => entityTask.Value = n, cancellationToken);
                    }

                    entityTask.Value = entityTask.MaxValue;
                    using (var f = Create(dir, "inspectors.csv"))
                    {
                        generator.WriteInspectorsCsv(f, n => inspectorTask.Value = n, cancellationToken);
                    }

                    inspectorTask.Value = inspectorTask.MaxValue;
                });
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled; the files in the output directory are incomplete.[/]");
            return 130;
        }

        AnsiConsole.MarkupLine(
            $"Wrote {generator.EntityCount:N0} entities, {generator.InspectorCount:N0} inspectors, {generator.Departments.Count} departments and {generator.Items.Count} items (seed {generator.Seed}) to [bold]{Markup.Escape(dir.FullName)}[/] in {clock.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

    private static FileStream Create(DirectoryInfo dir, string name) =>
        new(Path.Combine(dir.FullName, name), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
}
