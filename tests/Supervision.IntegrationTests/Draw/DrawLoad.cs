using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Core.Registry;
using Supervision.Core.Draw;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// The whole draw through the HTTP API over a large synthetic population on PostgreSQL: import (not timed as part of
/// the draw), then create → publish → freeze → seed ceremony → entity draw, each timed from the client, and the downloads.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DrawLoad(PostgresServer server, ITestOutputHelper output)
{
    [BenchmarkFact("SUPERVISION_DRAW_LOAD", "benchmarks/draw-api.sh")]
    public async Task The_whole_draw_through_the_API_over_a_large_population()
    {
        var entities = long.Parse(Environment.GetEnvironmentVariable("SUPERVISION_DRAW_LOAD")!, CultureInfo.InvariantCulture);
        var connectionString = await server.CreateDatabaseAsync("draw_load");
        await using var host = await ApiHost.StartAsync(postgresConnectionString: connectionString,
            settings: new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Error",
                ["Logging:LogLevel:Supervision.Grains.Tasks.TaskGrain"] = "Information",
            });
        var store = host.Services.GetRequiredService<SqlStore>();
        await using (var connection = await store.OpenAsync())
        {
            var now = DateTimeOffset.UtcNow;
            await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES ('D1', 'Load test department', @now, @now)", new { now });
            await connection.ExecuteAsync(
                """
                INSERT INTO inspection_items (code, name, department_code, legal_basis, method, result_codes, created_at, updated_at)
                VALUES ('I1', 'Load test item', 'D1', 'test', 'on_site', 'PASS,FAIL', @now, @now)
                """, new { now });
            // Inspectors who can serve: the freeze refuses a task whose teams could not be staffed. k = 50 000 teams of two
            // need 100 000 places; 5 000 inspectors under the default workload cap of 20 have exactly that room.
            await connection.ExecuteAsync(
                """
                INSERT INTO inspectors (certificate_no, name, department_code, certificate_expires_on, specialties, status, conflicts, updated_at)
                SELECT 'LOAD' || lpad(i::text, 5, '0'), 'Load inspector ' || i, 'D1', NULL, 'I1', 'active', '', @now FROM generate_series(1, 5000) AS i
                """, new { now });
        }

        var clock = Stopwatch.StartNew();
        var csvPath = Path.Combine(Path.GetTempPath(), $"draw-load-{Guid.NewGuid():N}.csv");
        try
        {
            await using (var file = File.Create(csvPath))
            {
                new SyntheticDirectory(42, entities, 0).WriteEntitiesCsv(file);
            }
            var generated = clock.Elapsed;
            await using (var file = File.OpenRead(csvPath))
            {
                var job = await host.Services.GetRequiredService<DirectoryImporter>().ImportEntitiesAsync(file, "entities.csv", Actor.System("load"));
                Assert.Equal("completed", job.Status);
            }
            output.WriteLine($"setup: generated {entities:N0} entities in {generated.TotalSeconds:F1} s, imported in {(clock.Elapsed - generated).TotalSeconds:F1} s");
        }
        finally
        {
            File.Delete(csvPath);
        }
        await using (var connection = await store.OpenAsync())
        {
            await connection.ExecuteAsync("VACUUM ANALYZE market_entities");
        }

        using var scheduler = await host.UserAsync("load-scheduler", "scheduler", "D1");
        var total = Stopwatch.StartNew();
        var step = Stopwatch.StartNew();
        // SUPERVISION_DRAW_LOAD_COUNTS="A=5000,B=15000,C=15000,D=15000" draws fixed counts per class (k = 50 000);
        // without it the default ratios apply (A 1% B 2% C 10% D 30%).
        var counts = Environment.GetEnvironmentVariable("SUPERVISION_DRAW_LOAD_COUNTS");
        var classes = string.IsNullOrEmpty(counts)
            ? null
            : counts.Split(',').Select(p => p.Split('=')).Select(p => new { creditClass = p[0], count = int.Parse(p[1], CultureInfo.InvariantCulture) }).ToArray();
        var created = await DrawPlatform.ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", new
        {
            name = "Load test", leadDepartment = "D1", items = new[] { "I1" }, teamSize = 2,
            deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
            beacon = Ceremonies.Beacon(),
            sampling = new { mode = "stratified", classes },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await DrawPlatform.ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/publish", null), HttpStatusCode.OK);
        var createPublish = step.Elapsed;

        step.Restart();
        var frozen = await DrawPlatform.ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/freeze", null), HttpStatusCode.OK);
        var freeze = step.Elapsed;
        var members = frozen.GetProperty("population").GetProperty("memberCount").GetInt64();
        var partitions = frozen.GetProperty("population").GetProperty("partitions").GetInt32();

        step.Restart();
        await Ceremonies.RunAsync(scheduler, id, "1 2 3 4 5 6");
        var entropy = step.Elapsed;

        step.Restart();
        var summary = await DrawPlatform.ReadAsync(await scheduler.PostAsync($"/api/tasks/{id}/draw/entities", null), HttpStatusCode.OK);
        var draw = step.Elapsed;
        var drawn = summary.GetProperty("drawnCount").GetInt32();
        var whole = total.Elapsed;

        step.Restart();
        var packText = await scheduler.GetStringAsync($"/api/tasks/{id}/draw/pack");
        var csv = await scheduler.GetByteArrayAsync($"/api/tasks/{id}/draw/population.csv");
        var downloads = step.Elapsed;
        step.Restart();
        var report = DrawVerifier.Verify(packText, csv);
        Assert.Equal(frozen.GetProperty("population").GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(csv)));
        var verify = step.Elapsed;
        Assert.True(report.Passed, report.ToString());

        // The class-free side (draw-spec §11): the members file is rebuilt from the chunks and the key on each download.
        using var anonymous = host.Anonymous();
        step.Restart();
        var publicPack = await anonymous.GetStringAsync($"/api/public/v1/tasks/{id}/pack");
        var membersFile = await anonymous.GetByteArrayAsync($"/api/public/v1/tasks/{id}/members.csv");
        var publicDownloads = step.Elapsed;
        step.Restart();
        var publicReport = PublicPackVerifier.Verify(publicPack, membersFile);
        var publicVerify = step.Elapsed;
        Assert.True(publicReport.Passed, publicReport.ToString());

        output.WriteLine($"population {members:N0} open members (of {entities:N0}), {partitions} partitions, k = {drawn:N0} ({(classes is null ? "default ratios A 1% B 2% C 10% D 30%" : "counts " + counts)})");
        output.WriteLine($"create+publish {createPublish.TotalSeconds:F2} s | freeze {freeze.TotalSeconds:F2} s | ceremony {entropy.TotalSeconds:F2} s | entity draw {draw.TotalSeconds:F2} s");
        output.WriteLine($"whole draw through the API (create → draw committed): {whole.TotalSeconds:F2} s");
        output.WriteLine($"downloads: pack {packText.Length / 1e6:F1} MB + population.csv {csv.Length / 1e6:F1} MB in {downloads.TotalSeconds:F2} s; DrawVerifier {verify.TotalSeconds:F2} s: PASS");
        output.WriteLine($"public downloads: pack {publicPack.Length / 1e6:F1} MB + members.csv {membersFile.Length / 1e6:F1} MB in {publicDownloads.TotalSeconds:F2} s; PublicPackVerifier {publicVerify.TotalSeconds:F2} s: PASS");
    }
}
