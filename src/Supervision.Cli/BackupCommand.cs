using System.CommandLine;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Supervision.Infrastructure.Storage;

namespace Supervision.Cli;

/// <summary>
/// <c>backup --out FILE</c> and <c>restore --from FILE</c> for the embedded mode: SQLite's online backup, which copies a
/// consistent snapshot while the platform keeps running. PostgreSQL is backed up with its own tools (a base backup plus
/// WAL archiving; docs/operations.md, "Backups and restore").
/// </summary>
public static class BackupCommand
{
    public static Command CreateBackup()
    {
        var output = new Option<FileInfo>("--out") { Description = "The backup file to write (a SQLite database).", Required = true };
        var command = new Command("backup", "Copy the embedded database to a file, consistently, while the platform runs.") { output };
        StorageArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = StorageArguments.Resolve(parse);
            if (!settings.IsEmbedded) return PostgresAdvice();
            var target = parse.GetValue(output)!;
            if (target.Exists)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(target.FullName)} exists[/]; choose a new file (a backup is never overwritten).");
                return 2;
            }

            await CopyAsync(settings.ConnectionString, new SqliteConnectionStringBuilder { DataSource = target.FullName, Pooling = false }.ConnectionString, ct);
            AnsiConsole.MarkupLine($"Backed up {Markup.Escape(StorageArguments.Describe(settings))} to [bold]{Markup.Escape(target.FullName)}[/] ({new FileInfo(target.FullName).Length:N0} bytes).");
            return 0;
        });
        return command;
    }

    public static Command CreateRestore()
    {
        var input = new Option<FileInfo>("--from") { Description = "A file written by backup.", Required = true };
        var command = new Command("restore", "Replace the embedded database with a backup. Stop the platform first.") { input };
        StorageArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = StorageArguments.Resolve(parse);
            if (!settings.IsEmbedded) return PostgresAdvice();
            var source = parse.GetValue(input)!;
            if (!source.Exists)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(source.FullName)} does not exist.[/]");
                return 2;
            }

            // The backup must be a database this platform wrote: check it before anything is replaced.
            await using (var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source.FullName, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString))
            {
                await check.OpenAsync(ct);
                await using var command = check.CreateCommand();
                command.CommandText = "PRAGMA integrity_check";
                if (await command.ExecuteScalarAsync(ct) is not "ok")
                {
                    AnsiConsole.MarkupLine("[red]The backup fails SQLite's integrity check; nothing was changed.[/]");
                    return 1;
                }
            }

            await CopyAsync(new SqliteConnectionStringBuilder { DataSource = source.FullName, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString,
                settings.ConnectionString, ct);
            AnsiConsole.MarkupLine($"Restored [bold]{Markup.Escape(source.FullName)}[/] into {Markup.Escape(StorageArguments.Describe(settings))}; run verify-audit to check the audit chain.");
            return 0;
        });
        return command;
    }

    /// <summary>SQLite's online backup API, page by page, into <paramref name="to"/> (replacing what is there).</summary>
    private static async Task CopyAsync(string from, string to, CancellationToken ct)
    {
        await using var source = new SqliteConnection(from);
        await using var target = new SqliteConnection(to);
        await source.OpenAsync(ct);
        await target.OpenAsync(ct);
        source.BackupDatabase(target);
    }

    private static int PostgresAdvice()
    {
        AnsiConsole.MarkupLine("PostgreSQL is backed up with pg_basebackup and WAL archiving, and restored by starting a server on the copy; see docs/operations.md, \"Backups and restore\".");
        return 2;
    }
}
