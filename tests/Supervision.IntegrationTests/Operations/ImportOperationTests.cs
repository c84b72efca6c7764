using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Supervision.Core.Registry;
using Supervision.IntegrationTests.Credit;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;

namespace Supervision.IntegrationTests.Operations;

/// <summary>
/// Imports and the credit recomputation as long operations (docs/operations.md, "Long operations"), on the embedded
/// platform: accepted with 202 when the client does not wait, followed through /api/operations/{id}, with the answer the
/// route gives when it does wait, the same rules of who may do what, and nothing of the upload left once it ended.
/// </summary>
public sealed class ImportOperationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_import_accepted_with_202_completes_and_its_operation_answers_what_the_route_would_have()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var admin = await platform.Host.AdminAsync();
        var csv = new MemoryStream();
        new SyntheticDirectory(31, 2_500, 0).WriteEntitiesCsv(csv);
        var bytes = csv.ToArray().Concat(Encoding.UTF8.GetBytes("NOT-A-CODE,,坏行,,52,210782,,,open,,B,\r\n")).ToArray();

        var entitiesBefore = await platform.ScalarAsync("SELECT count(*) FROM market_entities");
        using var accepted = await PostAsync(admin, "/api/imports/entities?fileName=async.csv", bytes, "respond-async");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("respond-async", accepted.Headers.GetValues("Preference-Applied").Single());
        var location = accepted.Headers.Location!.OriginalString;
        Assert.StartsWith("/api/operations/op-", location);
        Assert.Equal("1", accepted.Headers.GetValues("Retry-After").Single());
        var view = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("import-entities", view.GetProperty("kind").GetString());
        var jobId = view.GetProperty("target").GetString()!;
        Assert.Equal($"/api/imports/{jobId}", view.GetProperty("links").GetProperty("job").GetString());

        var done = await FollowAsync(admin, location);
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        var inserted = await platform.ScalarAsync("SELECT count(*) FROM market_entities") - entitiesBefore;
        Assert.True(inserted > 2_000, $"{inserted} entities inserted");
        Assert.Equal(inserted, done.GetProperty("result").GetProperty("inserted").GetInt64());

        // The result is the route's own answer: 201 with the job, which the job route shows too.
        using var result = await admin.GetAsync(location + "/result");
        Assert.Equal(HttpStatusCode.Created, result.StatusCode);
        Assert.Equal($"/api/imports/{jobId}", result.Headers.Location!.OriginalString);
        var job = await result.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("completed", 2_501L, inserted, 2_500L, 1L), (job.GetProperty("status").GetString(), job.GetProperty("rowsRead").GetInt64(),
            job.GetProperty("inserted").GetInt64(), job.GetProperty("inserted").GetInt64() + job.GetProperty("updated").GetInt64() + job.GetProperty("unchanged").GetInt64(),
            job.GetProperty("rejected").GetInt64()));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), job.GetProperty("sha256").GetString());
        var errors = (await admin.GetFromJsonAsync<JsonElement>($"/api/imports/{jobId}/errors")).EnumerateArray().ToList();
        Assert.All(errors, e => Assert.Equal(2_502, e.GetProperty("line").GetInt64()));
        Assert.Contains(errors, e => e.GetProperty("field").GetString() == "creditCode");

        // On the record as accepted, once, under the import; the file imported once; the staged upload gone with the operation.
        var operationId = location["/api/operations/".Length..];
        Assert.Equal(1, await platform.ScalarAsync(
            "SELECT count(*) FROM audit_log WHERE action = 'operation.accepted' AND subject_type = 'import' AND subject_key = @jobId", new { jobId }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'entities.imported' AND subject_key = @jobId", new { jobId }));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM operation_uploads WHERE upload_id = @operationId", new { operationId }));

        // The same file again, waited for as the route waits by default: 201 at once, and nothing changes (the import is an upsert).
        using var again = await PostAsync(admin, "/api/imports/entities?fileName=async.csv", bytes, "wait=10");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.StartsWith("/api/operations/op-", again.Headers.GetValues("Operation-Location").Single());
        var second = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0L, 0L, 2_500L), (second.GetProperty("inserted").GetInt64(), second.GetProperty("updated").GetInt64(), second.GetProperty("unchanged").GetInt64()));
    }

    [Fact]
    public async Task A_bad_file_fails_its_operation_with_the_routes_400_and_others_cannot_see_the_operation()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var scheduler = await platform.As("sched-d1");
        using var accepted = await PostAsync(scheduler, "/api/imports/entities?fileName=photo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00], "respond-async");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.OriginalString;

        var done = await FollowAsync(scheduler, location);
        Assert.Equal("failed", done.GetProperty("state").GetString());
        Assert.Equal(400, done.GetProperty("problem").GetProperty("status").GetInt32());
        Assert.Contains("photo.png", done.GetProperty("problem").GetProperty("errors").GetProperty("file")[0].GetString());
        using var result = await scheduler.GetAsync(location + "/result");
        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.True((await result.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("file", out _));

        // Another scheduler does not see someone else's import (as with import jobs); an admin does.
        using var other = await platform.As("sched-d2");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(location)).StatusCode);
        using var admin = await platform.Host.AdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(location)).StatusCode);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'operation.failed' AND subject_type = 'import'"));
    }

    [Fact]
    public async Task On_the_async_path_a_scheduler_imports_only_own_department_inspectors_and_a_reviewer_is_refused_before_anything_is_stored()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var scheduler = await platform.As("sched-d1");
        var csv = Encoding.UTF8.GetBytes("certificateNo,name,departmentCode,certificateExpiresOn\nASYNC-D1-1,赵一,D1,2030-01-01\nASYNC-D2-1,钱二,D2,2030-01-01\n");
        using var accepted = await PostAsync(scheduler, "/api/imports/inspectors?fileName=team.csv", csv, "respond-async");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.OriginalString;
        Assert.Equal("succeeded", (await FollowAsync(scheduler, location)).GetProperty("state").GetString());
        var job = await (await scheduler.GetAsync(location + "/result")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1L, 1L), (job.GetProperty("inserted").GetInt64(), job.GetProperty("rejected").GetInt64()));
        var error = Assert.Single((await scheduler.GetFromJsonAsync<JsonElement>($"/api/imports/{job.GetProperty("id").GetString()}/errors")).EnumerateArray());
        Assert.Equal((3L, "departmentCode"), (error.GetProperty("line").GetInt64(), error.GetProperty("field").GetString()));
        using var admin = await platform.Host.AdminAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/inspectors/ASYNC-D2-1")).StatusCode);

        // The policy refuses a reviewer before the body is read: no upload staged, no operation accepted.
        var before = await platform.ScalarAsync("SELECT count(*) FROM operations");
        using var reviewer = await platform.As("rev-d1");
        using var refused = await PostAsync(reviewer, "/api/imports/inspectors", csv, "respond-async");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(before, await platform.ScalarAsync("SELECT count(*) FROM operations"));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM operation_uploads"));
    }

    [Fact]
    public async Task An_external_records_upload_over_the_limit_is_a_400_naming_the_file_and_nothing_stays_staged()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var admin = await platform.Host.AdminAsync();
        using var content = new StreamContent(new RepeatingStream(Supervision.Contracts.Credit.CreditImports.MaxBytes + 1));
        using var response = await admin.PostAsync("/api/credit/external-records?fileName=huge.csv", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("file", out _));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM operation_uploads"));
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM operations WHERE kind = 'credit-import'"));
    }

    [Fact]
    public async Task A_recomputation_is_an_operation_whose_result_is_its_run()
    {
        await using var platform = await InspectionPlatform.StartAsync(now: DateTimeOffset.UtcNow);
        using var admin = await platform.Host.AdminAsync();
        using var started = await admin.PostAsync("/api/credit/recompute", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        var runId = body.GetProperty("runId").GetString()!;
        Assert.Equal($"/api/credit/recompute/runs/{runId}", started.Headers.Location!.OriginalString);
        var location = started.Headers.GetValues("Operation-Location").Single();
        Assert.Equal($"/api/operations/{body.GetProperty("operation").GetString()}", location);

        var done = await FollowAsync(admin, location);
        Assert.Equal(("credit-recompute", "succeeded"), (done.GetProperty("kind").GetString(), done.GetProperty("state").GetString()));
        Assert.Equal($"/api/credit/recompute/runs/{runId}", done.GetProperty("links").GetProperty("run").GetString());
        var run = await (await admin.GetAsync(location + "/result")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((runId, "completed"), (run.GetProperty("runId").GetString(), run.GetProperty("status").GetString()));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'credit.recompute-start' AND subject_key = @runId", new { runId }));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'operation.accepted' AND subject_type = 'credit'"));

        // The fixture's way (poll the run) still works, and a scheduler may neither start one nor see this one.
        Assert.Equal("completed", (await platform.RecomputeAsync()).GetProperty("status").GetString());
        using var scheduler = await platform.As("sched-d1");
        Assert.Equal(HttpStatusCode.Forbidden, (await scheduler.PostAsync("/api/credit/recompute", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scheduler.GetAsync(location)).StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, byte[] body, string prefer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        request.Headers.TryAddWithoutValidation("Prefer", prefer);
        return await client.SendAsync(request);
    }

    /// <summary>Polls the operation until it has ended (the condition), at the pace a client would.</summary>
    private static async Task<JsonElement> FollowAsync(HttpClient client, string location)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var view = await client.GetFromJsonAsync<JsonElement>(location);
            if (view.GetProperty("state").GetString() != "running") return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{location} still running");
            await Task.Delay(100);
        }
    }

    /// <summary>A body of <paramref name="length"/> bytes of CSV-looking text, made as it is read.</summary>
    private sealed class RepeatingStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)'x');
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
