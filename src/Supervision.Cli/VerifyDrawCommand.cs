using System.CommandLine;
using Supervision.Core.Draw;

namespace Supervision.Cli;

/// <summary>
/// <c>verify-draw</c> in three modes (docs/draw-spec.md §9 and §11). Exit code 0 = PASS, 1 = differences, 2 = a file
/// could not be read or the arguments do not fit the mode.
/// <list type="bullet">
/// <item><c>verify-draw --public PUBLIC-PACK.json MEMBERS.csv [--receipt RECEIPT.json]</c>: what anyone can check without a
/// credit class, and with an entity's receipt its own fate (§11.3, §11.4).</item>
/// <item><c>verify-draw PACK.json POPULATION.csv [--inspectors POOL.json]</c>: the full pack with classes, for the task's
/// staff and auditors (§9).</item>
/// <item>adding <c>--members-key KEY.txt --public-pack PUBLIC-PACK.json --members MEMBERS.csv</c> to the full form: the
/// auditor's check that the public pack is the full one with the classes taken out (§11.5).</item>
/// </list>
/// </summary>
public static class VerifyDrawCommand
{
    public static Command Create()
    {
        var pack = new Argument<FileInfo>("PACK.json") { Description = "The pack: the full pack (GET /api/tasks/{id}/draw/pack, staff and auditors) or, with --public, the public pack (GET /api/public/v1/tasks/{id}/pack)." };
        var population = new Argument<FileInfo>("CSV") { Description = "The population snapshot (GET /api/tasks/{id}/draw/population.csv) or, with --public, the members file (GET /api/public/v1/tasks/{id}/members.csv)." };
        var isPublic = new Option<bool>("--public") { Description = "Check a class-free public pack and its members file." };
        var receipt = new Option<FileInfo?>("--receipt") { Description = "With --public: an entity's receipt (through its signed link), to check its own outcome." };
        var inspectors = new Option<FileInfo?>("--inspectors") { Description = "The inspector pool file (GET /api/tasks/{id}/draw/inspectors.json); required when the pack has an inspector draw." };
        var membersKey = new Option<FileInfo?>("--members-key") { Description = "Auditors: the members key file (GET /api/tasks/{id}/draw/members-key); needs --public-pack and --members." };
        var publicPack = new Option<FileInfo?>("--public-pack") { Description = "Auditors: the public pack to check against the full one." };
        var members = new Option<FileInfo?>("--members") { Description = "Auditors: the published members file." };
        var command = new Command("verify-draw", "Recompute a draw from its published inputs and compare it with the published result.")
        {
            pack, population, isPublic, receipt, inspectors, membersKey, publicPack, members,
        };
        command.SetAction(async (parse, ct) =>
        {
            var packFile = parse.GetValue(pack)!;
            var csvFile = parse.GetValue(population)!;
            var receiptFile = parse.GetValue(receipt);
            var poolFile = parse.GetValue(inspectors);
            var keyFile = parse.GetValue(membersKey);
            var publicFile = parse.GetValue(publicPack);
            var membersFile = parse.GetValue(members);
            foreach (var file in new[] { packFile, csvFile, receiptFile, poolFile, keyFile, publicFile, membersFile })
            {
                if (file is not null && !file.Exists)
                {
                    await Console.Error.WriteLineAsync($"verify-draw: {file.FullName} does not exist");
                    return 2;
                }
            }

            VerificationReport report;
            if (parse.GetValue(isPublic))
            {
                if (poolFile is not null || keyFile is not null || publicFile is not null || membersFile is not null)
                {
                    await Console.Error.WriteLineAsync("verify-draw: --public takes the public pack, the members file and optionally --receipt");
                    return 2;
                }
                report = PublicPackVerifier.Verify(await File.ReadAllTextAsync(packFile.FullName, ct), await File.ReadAllBytesAsync(csvFile.FullName, ct),
                    receiptFile is null ? null : await File.ReadAllTextAsync(receiptFile.FullName, ct));
            }
            else if (receiptFile is not null)
            {
                await Console.Error.WriteLineAsync("verify-draw: --receipt goes with --public (an entity checks its receipt against the public pack)");
                return 2;
            }
            else if (keyFile is not null || publicFile is not null || membersFile is not null)
            {
                if (keyFile is null || publicFile is null || membersFile is null)
                {
                    await Console.Error.WriteLineAsync("verify-draw: the auditor's check needs --members-key, --public-pack and --members together");
                    return 2;
                }
                report = PublicPackVerifier.Audit(await File.ReadAllTextAsync(packFile.FullName, ct), await File.ReadAllBytesAsync(csvFile.FullName, ct),
                    await File.ReadAllTextAsync(keyFile.FullName, ct), await File.ReadAllTextAsync(publicFile.FullName, ct),
                    await File.ReadAllBytesAsync(membersFile.FullName, ct), poolFile is null ? null : await File.ReadAllBytesAsync(poolFile.FullName, ct));
            }
            else
            {
                report = DrawVerifier.Verify(
                    await File.ReadAllTextAsync(packFile.FullName, ct),
                    await File.ReadAllBytesAsync(csvFile.FullName, ct),
                    poolFile is null ? null : await File.ReadAllBytesAsync(poolFile.FullName, ct));
            }
            Console.WriteLine(report.ToString());
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
