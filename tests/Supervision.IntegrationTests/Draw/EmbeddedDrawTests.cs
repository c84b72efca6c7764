using System.Net;
using System.Net.Http.Json;
using Supervision.Core.Draw;
using Supervision.IntegrationTests.Infrastructure;
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

        using (var files = new ScratchFiles("embedded-pack-"))
        {
            string[] full = [await files.WriteAsync("pack.json", pack), await files.WriteAsync("population.csv", csv), await files.WriteAsync("inspectors.json", pool)];
            var (exit, output) = await PythonVerifyAsync(full);
            Assert.True(exit == 0, output);
            var publicFile = await files.WriteAsync("public-pack.json", publicPack);
            var membersFile = await files.WriteAsync("members.csv", members);
            (exit, output) = await PythonVerifyAsync("public", publicFile, membersFile);
            Assert.True(exit == 0, output);
            (exit, output) = await PythonVerifyAsync("audit", full[0], full[1], await files.WriteAsync("members-key.txt", key), publicFile, membersFile, full[2]);
            Assert.True(exit == 0, output);
        }

        // Repeating a committed draw returns the committed result unchanged.
        Assert.Equal(summary, (await ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK)).ToString());
        Assert.Equal(pack, await auditor.GetStringAsync($"/api/tasks/{id}/draw/pack"));
    }
}
