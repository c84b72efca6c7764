using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Registry;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Registry.Import;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

public sealed class ImportApiTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    [Fact]
    public async Task An_upload_streams_in_and_its_progress_is_visible_while_it_runs()
    {
        // The import is held right after it wrote its first progress (20,000 rows read), so the running job is observed
        // in the list with that progress — a condition, not a race between the import and a polling interval.
        var hold = new HoldAtFirstProgress();
        await using var host = await ApiHost.StartAsync(services: s => s.AddSingleton<IImportFaults>(hold));
        // An admin's initial load: the synthetic file gives every entity its first credit class, which only an admin may.
        using var admin = await host.AdminAsync();
        var csv = new MemoryStream();
        new SyntheticDirectory(11, 60_000, 0).WriteEntitiesCsv(csv);
        csv.Position = 0;
        using var content = new StreamContent(csv);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var upload = admin.PostAsync("/api/imports/entities?fileName=big.csv", content);

        var (jobId, rowsRead) = await hold.Reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(20_000, rowsRead);
        var page = await admin.GetFromJsonAsync<JsonElement>("/api/imports");
        var running = page.GetProperty("items").EnumerateArray().Single(j => j.GetProperty("id").GetString() == jobId);
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal("big.csv", running.GetProperty("fileName").GetString());
        Assert.Equal(20_000, running.GetProperty("rowsRead").GetInt64());
        Assert.True(running.GetProperty("bytesRead").GetInt64() > 0);
        hold.Release.SetResult();

        var response = await upload;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var finished = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(60_000, finished.GetProperty("inserted").GetInt64());
        Assert.Equal(60_000, finished.GetProperty("rowsRead").GetInt64());
    }

    /// <summary>Holds an import after its first progress write until the test releases it.</summary>
    private sealed class HoldAtFirstProgress : IImportFaults
    {
        public TaskCompletionSource<(string JobId, long Rows)> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask BeforeMergeAsync(string jobId) => ValueTask.CompletedTask;

        public async ValueTask AfterProgressAsync(string jobId, long rowsRead)
        {
            if (Reached.TrySetResult((jobId, rowsRead))) await Release.Task;
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_directory_csv_is_a_400_naming_the_file()
    {
        using var admin = await Host.AdminAsync();
        using var content = new ByteArrayContent([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]);
        var response = await admin.PostAsync("/api/imports/entities?fileName=photo.png", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _));
    }

    [Fact]
    public async Task A_scheduler_importing_another_departments_inspectors_gets_those_rows_rejected()
    {
        using var admin = await Host.AdminAsync();
        foreach (var code in new[] { "IMP-A", "IMP-B" })
        {
            await admin.PostAsJsonAsync("/api/departments", new { code, name = code });
        }

        using var scheduler = await Host.UserAsync("import-a", "scheduler", department: "IMP-A");
        var csv = "certificateNo,name,departmentCode,certificateExpiresOn\nIMP-A-1,赵一,IMP-A,2030-01-01\nIMP-B-1,钱二,IMP-B,2030-01-01\n";
        var response = await scheduler.PostAsync("/api/imports/inspectors", new StringContent(csv));
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, job.GetProperty("inserted").GetInt64());
        Assert.Equal(1, job.GetProperty("rejected").GetInt64());
        var errors = await scheduler.GetFromJsonAsync<JsonElement>($"/api/imports/{job.GetProperty("id").GetString()}/errors");
        var error = Assert.Single(errors.EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt64());
        Assert.Equal("departmentCode", error.GetProperty("field").GetString());

        var report = await scheduler.GetAsync($"/api/imports/{job.GetProperty("id").GetString()}/errors.csv");
        Assert.Equal("text/csv", report.Content.Headers.ContentType?.MediaType);
        Assert.Contains("3,departmentCode,", await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reviewers_inspectors_and_the_public_cannot_import()
    {
        using var reviewer = await Host.UserAsync("import-reviewer", "reviewer", department: "IMP-A");
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.PostAsync("/api/imports/entities", new StringContent("creditCode\n"))).StatusCode);
        using var anonymous = Host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/imports/entities", new StringContent("creditCode\n"))).StatusCode);
    }
    // Security review, finding 1: a scheduler took over another department's inspector by naming them in a CSV.
    [Fact]
    public async Task A_scheduler_cannot_take_over_another_departments_inspector_by_import()
    {
        using var admin = await Host.AdminAsync();
        foreach (var code in new[] { "FEN-A", "FEN-B" })
        {
            await admin.PostAsJsonAsync("/api/departments", new { code, name = code });
        }

        var created = await admin.PostAsJsonAsync("/api/inspectors", new { certificateNo = "FEN-B-7", name = "孙七", departmentCode = "FEN-B", certificateExpiresOn = "2030-01-01" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var schedulerA = await Host.UserAsync("fence-a", "scheduler", department: "FEN-A");
        var csv = "certificateNo,name,departmentCode,certificateExpiresOn\nFEN-B-7,stolen,FEN-A,2030-01-01\nFEN-A-1,李一,FEN-A,2030-01-01\n";
        var job = await (await schedulerA.PostAsync("/api/imports/inspectors", new StringContent(csv))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1L, 0L, 1L), (job.GetProperty("inserted").GetInt64(), job.GetProperty("updated").GetInt64(), job.GetProperty("rejected").GetInt64()));
        var error = Assert.Single((await schedulerA.GetFromJsonAsync<JsonElement>($"/api/imports/{job.GetProperty("id").GetString()}/errors")).EnumerateArray());
        Assert.Equal((2L, "certificateNo"), (error.GetProperty("line").GetInt64(), error.GetProperty("field").GetString()));

        var inspector = await admin.GetFromJsonAsync<JsonElement>("/api/inspectors/FEN-B-7");
        Assert.Equal(("孙七", "FEN-B"), (inspector.GetProperty("name").GetString(), inspector.GetProperty("departmentCode").GetString()));

        // The single-record route refuses the same change with the same rule.
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/inspectors/FEN-B-7")
        {
            Content = JsonContent.Create(new { certificateNo = "FEN-B-7", name = "stolen", departmentCode = "FEN-A", certificateExpiresOn = "2030-01-01" }),
        };
        put.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        Assert.Equal(HttpStatusCode.Forbidden, (await schedulerA.SendAsync(put)).StatusCode);
    }

    // Finding 2: any scheduler overwrote an entity's confidential credit class and its status by import.
    [Fact]
    public async Task A_scheduler_cannot_set_a_credit_class_or_change_a_status_by_import_or_by_the_entity_route()
    {
        using var admin = await Host.AdminAsync();
        var code = CreditCode.Complete("91210102MA0FEN01");
        var header = string.Join(',', DirectoryCsv.EntityColumns) + "\n";
        string Row(string status, string creditClass) => $"{code},,沈阳围栏测试有限公司,91,52,210102,,,{status},,{creditClass},\n";
        var first = await (await admin.PostAsync("/api/imports/entities", new StringContent(header + Row("open", "C")))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, first.GetProperty("inserted").GetInt64()); // an admin's initial load may give the first class

        using var scheduler = await Host.UserAsync("fence-entities", "scheduler", department: "FEN-A");
        foreach (var (row, field) in new[] { (Row("open", "D"), "creditClass"), (Row("revoked", ""), "status") })
        {
            var job = await (await scheduler.PostAsync("/api/imports/entities", new StringContent(header + row))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((0L, 1L), (job.GetProperty("updated").GetInt64(), job.GetProperty("rejected").GetInt64()));
            var error = Assert.Single((await scheduler.GetFromJsonAsync<JsonElement>($"/api/imports/{job.GetProperty("id").GetString()}/errors")).EnumerateArray());
            Assert.Equal(field, error.GetProperty("field").GetString());
        }

        // The same class again and a profile change are fine.
        var same = await (await scheduler.PostAsync("/api/imports/entities", new StringContent(header + Row("open", "C").Replace("围栏测试", "围栏测试二", StringComparison.Ordinal))))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1L, 0L), (same.GetProperty("updated").GetInt64(), same.GetProperty("rejected").GetInt64()));

        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/entities/{code}");
        Assert.Equal(("C", "open"), (stored.GetProperty("creditClass").GetString(), stored.GetProperty("status").GetString()));

        // Each record an import changes has its own audit line with before and after, like the single-record route's.
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?subjectType=entity&subjectKey={code}");
        var lines = audit.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["entity.updated", "entity.created"], lines.Select(l => l.GetProperty("action").GetString()));
        var update = lines[0];
        Assert.Equal("fence-entities", update.GetProperty("actor").GetString());
        Assert.Contains("沈阳围栏测试有限公司", update.GetProperty("beforeJson").GetString(), StringComparison.Ordinal);
        Assert.Contains("沈阳围栏测试二有限公司", update.GetProperty("afterJson").GetString(), StringComparison.Ordinal);

        // The entity route: a status change needs the registry role.
        var etag = (await scheduler.GetAsync($"/api/entities/{code}")).Headers.ETag!.Tag;
        object Put(string status) => new { creditCode = code, name = "沈阳围栏测试二有限公司", industryCode = "52", divisionCode = "210102", status };
        using var revoke = new HttpRequestMessage(HttpMethod.Put, $"/api/entities/{code}") { Content = JsonContent.Create(Put("revoked")) };
        revoke.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.Forbidden, (await scheduler.SendAsync(revoke)).StatusCode);
        using var registry = await Host.UserAsync("fence-registry", "registry");
        using var byRegistry = new HttpRequestMessage(HttpMethod.Put, $"/api/entities/{code}") { Content = JsonContent.Create(Put("revoked")) };
        byRegistry.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.OK, (await registry.SendAsync(byRegistry)).StatusCode);

        // An empty status cell keeps the stored status, whoever imports: it used to read as "open" and reopen the
        // revoked entity for an admin (and refuse the scheduler's harmless profile change).
        foreach (var client in new[] { scheduler, admin })
        {
            var kept = await (await client.PostAsync("/api/imports/entities", new StringContent(header + Row("", "").Replace("围栏测试", "围栏测试三", StringComparison.Ordinal))))
                .Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0L, kept.GetProperty("rejected").GetInt64());
            Assert.Equal("revoked", (await admin.GetFromJsonAsync<JsonElement>($"/api/entities/{code}")).GetProperty("status").GetString());
        }

        // A new entity with an empty status cell is open.
        var fresh = CreditCode.Complete("91210102MA0FEN02");
        var created = await (await admin.PostAsync("/api/imports/entities", new StringContent(header + $"{fresh},,沈阳围栏新设有限公司,91,52,210102,,,,,,\n")))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1L, created.GetProperty("inserted").GetInt64());
        Assert.Equal("open", (await admin.GetFromJsonAsync<JsonElement>($"/api/entities/{fresh}")).GetProperty("status").GetString());
    }
}
