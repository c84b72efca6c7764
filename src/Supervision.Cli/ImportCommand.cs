using System.CommandLine;
using Dapper;
using Spectre.Console;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;

namespace Supervision.Cli;

/// <summary>
/// <c>import entities|inspectors FILE</c>: bulk import straight into the database with a progress bar. It needs the
/// database's credentials, which is the authorization; the audit log names the operating-system user.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var command = new Command("import", "Bulk-import a directory CSV (UTF-8, header row) into the platform's database.");
        command.Subcommands.Add(Sub("entities", "Import market entities (see docs/csv-formats.md)."));
        command.Subcommands.Add(Sub("inspectors", "Import inspectors (see docs/csv-formats.md)."));
        return command;
    }

    private static Command Sub(string kind, string description)
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV file." };
        var errors = new Option<FileInfo?>("--errors") { Description = "Write the rejected lines (line, field, reason) to this CSV file." };
        var command = new Command(kind, description) { file, errors };
        StorageArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                AnsiConsole.MarkupLine($"[red]No such file:[/] {Markup.Escape(input.FullName)}");
                return 1;
            }

            var settings = StorageArguments.Resolve(parse);
            await SchemaMigrator.MigrateAsync(settings.Provider, settings.ConnectionString, ct);
            await using var store = SqlStore.Create(settings.Provider, settings.ConnectionString);
            var clock = TimeProvider.System;
            var importer = new DirectoryImporter(store, new AuditLog(store, clock), ReferenceData.Load(settings.ReferenceDataDirectory), clock);
            var actor = Actor.System($"cli:{Environment.UserName}");
            AnsiConsole.MarkupLine($"Importing {kind} from [bold]{Markup.Escape(input.Name)}[/] into {Markup.Escape(StorageArguments.Describe(settings))}");

            ImportJob job = null!;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask(input.Name, maxValue: Math.Max(1, input.Length));
                    var progress = new Progress<ImportProgress>(p =>
                    {
                        bar.Value = p.BytesRead;
                        bar.Description = $"{input.Name}: {p.RowsRead:N0} rows, {p.Rejected:N0} rejected";
                    });
                    await using var stream = new FileStream(input.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                    if (kind == "entities")
                    {
                        job = await importer.ImportEntitiesAsync(stream, input.Name, actor, progress, ct);
                    }
                    else
                    {
                        var departments = await KnownDepartmentsAsync(store, ct);
                        job = await importer.ImportInspectorsAsync(stream, input.Name, actor, departments.Contains, allowedDepartment: null, progress, ct);
                    }

                    bar.Value = bar.MaxValue;
                });

            Report(job);
            if (parse.GetValue(errors) is { } errorFile)
            {
                await WriteErrorsAsync(importer, job.Id, errorFile, ct);
            }

            return job.Status == "completed" ? 0 : 1;
        });
        return command;
    }

    private static async Task<HashSet<string>> KnownDepartmentsAsync(SqlStore store, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return [.. await connection.QueryAsync<string>(new CommandDefinition("SELECT code FROM departments", cancellationToken: ct))];
    }

    private static void Report(ImportJob job)
    {
        var seconds = ((job.FinishedAt ?? DateTimeOffset.UtcNow) - job.StartedAt).TotalSeconds;
        var table = new Table().AddColumn("import " + job.Id).AddColumn(new TableColumn("").RightAligned());
        table.AddRow("status", job.Status == "completed" ? "[green]completed[/]" : $"[red]{job.Status}[/]");
        table.AddRow("rows read", $"{job.RowsRead:N0}");
        table.AddRow("inserted", $"{job.Inserted:N0}");
        table.AddRow("updated", $"{job.Updated:N0}");
        table.AddRow("unchanged", $"{job.Unchanged:N0}");
        table.AddRow("rejected", $"{job.Rejected:N0}");
        table.AddRow("flagged for checksum review", $"{job.Flagged:N0}");
        table.AddRow("time", $"{seconds:N1} s ({(seconds > 0 ? job.RowsRead / seconds : 0):N0} rows/s)");
        table.AddRow("file SHA-256", job.Sha256 ?? "");
        AnsiConsole.Write(table);
        if (job.Error is not null)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(job.Error)}[/]");
        }
    }

    private static async Task WriteErrorsAsync(DirectoryImporter importer, string jobId, FileInfo file, CancellationToken ct)
    {
        await using var output = new FileStream(file.FullName, FileMode.Create, FileAccess.Write);
        using var writer = new Supervision.Core.Registry.CsvUtf8Writer(output);
        ImportErrorReport.WriteHeader(writer);
        long? after = null;
        while (true)
        {
            var page = await importer.ErrorsAsync(jobId, after, 1000, ct);
            foreach (var e in page)
            {
                ImportErrorReport.WriteRow(writer, e);
            }

            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].Line;
        }

        AnsiConsole.MarkupLine($"Rejected lines written to {Markup.Escape(file.FullName)}");
    }
}
