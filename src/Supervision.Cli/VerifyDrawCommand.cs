using System.CommandLine;
using Supervision.Core.Draw;

namespace Supervision.Cli;

/// <summary>
/// <c>verify-draw PACK.json POPULATION.csv [--inspectors POOL.json]</c>: recomputes a published draw from its
/// verification pack and snapshot(s) and prints PASS, or FAIL and every difference. Exit code 0 = PASS, 1 = differences,
/// 2 = a file could not be read.
/// </summary>
public static class VerifyDrawCommand
{
    public static Command Create()
    {
        var pack = new Argument<FileInfo>("PACK.json") { Description = "The draw's verification pack (GET /api/tasks/{id}/draw/pack)." };
        var population = new Argument<FileInfo>("POPULATION.csv") { Description = "The canonical population snapshot (GET /api/tasks/{id}/draw/population.csv)." };
        var inspectors = new Option<FileInfo?>("--inspectors") { Description = "The inspector pool file (GET /api/tasks/{id}/draw/inspectors.json), to check the inspector draw too." };
        var command = new Command("verify-draw", "Recompute a draw from its published inputs and compare it with the published result.") { pack, population, inspectors };
        command.SetAction(async (parse, ct) =>
        {
            var packFile = parse.GetValue(pack)!;
            var populationFile = parse.GetValue(population)!;
            var poolFile = parse.GetValue(inspectors);
            foreach (var file in new[] { packFile, populationFile, poolFile })
            {
                if (file is not null && !file.Exists)
                {
                    await Console.Error.WriteLineAsync($"verify-draw: {file.FullName} does not exist");
                    return 2;
                }
            }

            var report = DrawVerifier.Verify(
                await File.ReadAllTextAsync(packFile.FullName, ct),
                await File.ReadAllBytesAsync(populationFile.FullName, ct),
                poolFile is null ? null : await File.ReadAllBytesAsync(poolFile.FullName, ct));
            Console.WriteLine(report.ToString());
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
