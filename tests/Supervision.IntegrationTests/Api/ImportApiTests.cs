using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Directory;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

public sealed class ImportApiTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    [Fact]
    public async Task An_upload_streams_in_and_its_progress_is_visible_while_it_runs()
    {
        using var scheduler = await Host.UserAsync("import-scheduler", "scheduler", department: "IMP-1");
        var generator = new SyntheticDirectory(11, 60_000, 0);
        var csv = new MemoryStream();
        generator.WriteEntitiesCsv(csv);
        csv.Position = 0;

        // A deliberately slow upload, so the job is observed while it is still reading.
        using var content = new StreamContent(new SlowStream(csv, bytesPerRead: 64 * 1024, delay: TimeSpan.FromMilliseconds(40)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var upload = scheduler.PostAsync("/api/imports/entities?fileName=big.csv", content);

        var seenWhileRunning = new List<long>();
        while (!upload.IsCompleted)
        {
            var page = await scheduler.GetFromJsonAsync<JsonElement>("/api/imports");
            foreach (var job in page.GetProperty("items").EnumerateArray())
            {
                if (job.GetProperty("status").GetString() == "running" && job.GetProperty("fileName").GetString() == "big.csv")
                {
                    seenWhileRunning.Add(job.GetProperty("rowsRead").GetInt64());
                }
            }

            await Task.Delay(100);
        }

        var response = await upload;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var finished = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(60_000, finished.GetProperty("inserted").GetInt64());
        Assert.Contains(seenWhileRunning, rows => rows is > 0 and < 60_000);
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

    private sealed class SlowStream(Stream inner, int bytesPerRead, TimeSpan delay) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Thread.Sleep(delay);
            return inner.Read(buffer, offset, Math.Min(count, bytesPerRead));
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
