using System.Net;
using System.Net.Http.Json;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// Review actions retried after a lost answer: with an Idempotency-Key, approve, return and publish answer the original
/// result again instead of 409, and a key cannot be reused for another action.
/// </summary>
public sealed class IdempotentReviewTests
{
    [Fact]
    public async Task Approve_and_publish_with_an_idempotency_key_answer_the_original_result_on_retry()
    {
        await using var platform = await StartAsync();
        var url = await platform.SubmittedAsync("TI", "E1", ["1"], new DateOnly(2026, 7, 1));
        using var reviewer = await platform.As("rev-d1");

        var approved = await ReadAsync(await reviewer.SendAsync(Keyed(url + "/review/approve", "approve-1")), HttpStatusCode.OK);
        Assert.Equal("Approved", approved.GetProperty("state").GetString());
        var revision = approved.GetProperty("revision").GetInt64();

        // The answer was lost; the retry with the same key gets the same result, and nothing is written twice.
        var retried = await ReadAsync(await reviewer.SendAsync(Keyed(url + "/review/approve", "approve-1")), HttpStatusCode.OK);
        Assert.Equal(("Approved", revision), (retried.GetProperty("state").GetString(), retried.GetProperty("revision").GetInt64()));
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.approve' AND subject_key = 'TI/E1'"));
        // Without a key the retry is refused as before; the key cannot be reused for another action.
        await ProblemAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.Conflict);
        var reused = await ProblemAsync(await reviewer.SendAsync(Keyed(url + "/review/return", "approve-1", new { reason = "again" })), HttpStatusCode.BadRequest);
        Assert.True(reused.GetProperty("errors").TryGetProperty("idempotencyKey", out _));
        await ProblemAsync(await reviewer.SendAsync(Keyed(url + "/review/approve", new string('k', 200))), HttpStatusCode.BadRequest);

        var published = await ReadAsync(await reviewer.SendAsync(Keyed(url + "/publish", "publish-1")), HttpStatusCode.OK);
        Assert.Equal("Published", published.GetProperty("state").GetString());
        var again = await ReadAsync(await reviewer.SendAsync(Keyed(url + "/publish", "publish-1")), HttpStatusCode.OK);
        Assert.Equal(published.GetProperty("revision").GetInt64(), again.GetProperty("revision").GetInt64());
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'inspection.publish' AND subject_key = 'TI/E1'"));
    }

    private static HttpRequestMessage Keyed(string url, string key, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
