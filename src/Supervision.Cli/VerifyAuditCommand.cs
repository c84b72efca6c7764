using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Cli;

/// <summary>
/// <c>verify-audit [--anchors file.json]</c>: recomputes the audit log's hash chain from the platform's database and
/// compares it with the stored hashes and anchors — and with anchors saved earlier from the portal
/// (<c>GET /api/public/v1/audit-anchors</c>), which a rewrite of the database cannot change. Exit code 0 when intact,
/// 1 naming the first line that is not.
/// </summary>
public static class VerifyAuditCommand
{
    public static Command Create()
    {
        var anchors = new Option<FileInfo?>("--anchors") { Description = "A JSON file of anchors saved from /api/public/v1/audit-anchors, to compare too." };
        var command = new Command("verify-audit", "Check that the audit log was not changed: its hash chain, and the daily anchors published on the portal.") { anchors };
        StorageArguments.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var settings = StorageArguments.Resolve(parse);
            await using var store = SqlStore.Create(settings.Provider, settings.ConnectionString);
            var published = parse.GetValue(anchors) is { } file ? ReadAnchors(file) : null;
            var report = await new AuditChainStore(store, TimeProvider.System).VerifyAsync(published, ct);
            AnsiConsole.MarkupLine($"Database: [bold]{Markup.Escape(StorageArguments.Describe(settings))}[/]");
            if (report.Intact)
            {
                AnsiConsole.MarkupLine($"[green]INTACT[/]: {report.Lines} chained lines, head {report.Head}" + (published is null ? "" : $", {published.Count} published anchors match"));
                return 0;
            }

            AnsiConsole.MarkupLine($"[red]BROKEN[/] at line {report.BrokenAt}: {Markup.Escape(report.Problem ?? "")} ({report.Lines} lines verified before it)");
            return 1;
        });
        return command;
    }

    private static List<AuditAnchor> ReadAnchors(FileInfo file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(file.FullName));
        return [.. doc.RootElement.EnumerateArray().Select(a => new AuditAnchor(
            DateOnly.ParseExact(a.GetProperty("day").GetString()!, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), a.GetProperty("lastId").GetInt64(), a.GetProperty("hash").GetString()!,
            a.GetProperty("lines").GetInt64(), default))];
    }
}
