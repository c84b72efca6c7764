using System.Net;
using System.Net.Http.Json;
using Supervision.Core.Draw;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>The whole draw in the embedded default (SQLite file, co-hosted silo), verified by both verifiers.</summary>
public sealed class EmbeddedDrawTests
{
    [Fact]
    public async Task A_draw_in_the_embedded_mode_is_committed_and_verifies()
    {
        await using var platform = await StartEmbeddedAsync();
        using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
        using var participant = await platform.Host.UserAsync("sched-d2", "scheduler", "D2");
        using var anonymous = platform.Host.Anonymous();
        var id = await FrozenTaskAsync(scheduler, Draft(participating: ["D2"], items: ["I1", "I2"]), participants: participant);
        var summary = (await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK)).ToString();
        await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/inspectors", null), HttpStatusCode.OK);

        // The full pack (with classes) for a supervising auditor; the class-free pack and members file for everyone.
        using var auditor = await platform.Host.UserAsync("auditor-1", "auditor");
        var pack = await auditor.GetStringAsync($"/api/tasks/{id}/draw/pack");
        var csv = await auditor.GetByteArrayAsync($"/api/tasks/{id}/draw/population.csv");
        var pool = await auditor.GetByteArrayAsync($"/api/tasks/{id}/draw/inspectors.json");
        var key = await auditor.GetStringAsync($"/api/tasks/{id}/draw/members-key");
        var report = DrawVerifier.Verify(pack, csv, pool);
        Assert.True(report.Passed, report.ToString());
        var publicPack = await anonymous.GetStringAsync($"/api/public/v1/tasks/{id}/pack");
        var members = await anonymous.GetByteArrayAsync($"/api/public/v1/tasks/{id}/members.csv");
        Assert.True(PublicPackVerifier.Verify(publicPack, members).Passed);
        var audit = PublicPackVerifier.Audit(pack, csv, key, publicPack, members, pool);
        Assert.True(audit.Passed, audit.ToString());

        var folder = Directory.CreateTempSubdirectory("embedded-pack-");
        try
        {
            var files = new[] { Path.Combine(folder.FullName, "pack.json"), Path.Combine(folder.FullName, "population.csv"), Path.Combine(folder.FullName, "inspectors.json") };
            await File.WriteAllTextAsync(files[0], pack);
            await File.WriteAllBytesAsync(files[1], csv);
            await File.WriteAllBytesAsync(files[2], pool);
            var (exit, output) = await PythonVerifyAsync(files);
            Assert.True(exit == 0, output);
            var publicFile = Path.Combine(folder.FullName, "public-pack.json");
            var membersFile = Path.Combine(folder.FullName, "members.csv");
            var keyFile = Path.Combine(folder.FullName, "members-key.txt");
            await File.WriteAllTextAsync(publicFile, publicPack);
            await File.WriteAllBytesAsync(membersFile, members);
            await File.WriteAllTextAsync(keyFile, key);
            (exit, output) = await PythonVerifyAsync("public", publicFile, membersFile);
            Assert.True(exit == 0, output);
            (exit, output) = await PythonVerifyAsync("audit", files[0], files[1], keyFile, publicFile, membersFile, files[2]);
            Assert.True(exit == 0, output);
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        // Repeating a committed draw returns the committed result unchanged.
        Assert.Equal(summary, (await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK)).ToString());
        Assert.Equal(pack, await auditor.GetStringAsync($"/api/tasks/{id}/draw/pack"));
    }
}
