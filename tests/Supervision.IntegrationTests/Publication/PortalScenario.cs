using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// A platform with something public and something that must stay private, built through the real workflow (the
/// InspectionPlatform helpers): a drawn and dispatched task of D1; one inspection published with code A and then
/// amended to 1 and published again (two public versions); one published clean; one approved but not published; one
/// with a saved draft only. Evidence is attached to the published one, and every findings text is a marker the
/// privacy tests look for.
/// </summary>
public sealed class PortalScenario : IAsyncLifetime
{
    public const string DraftMarker = "DRAFT-TEXT-NEVER-PUBLIC";
    public const string UnpublishedMarker = "UNPUBLISHED-TEXT-NEVER-PUBLIC";
    public const string AmendmentReason = "复查后确认已整改 (re-checked: corrected on site)";
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];

    public InspectionPlatform Platform { get; private set; } = null!;

    public string TaskId { get; private set; } = "";

    /// <summary>Inspection ids: amended (2 published versions), clean (published), approved (not published), draft.</summary>
    public string Amended { get; private set; } = "";

    public string Clean { get; private set; } = "";

    public string Approved { get; private set; } = "";

    public string Draft { get; private set; } = "";

    public string EvidenceSha256 { get; private set; } = "";

    public static string Entity(string inspectionId) => inspectionId.Split('/')[1];

    public async Task InitializeAsync()
    {
        Platform = await StartAsync();
        var steps = new PublicationSteps(Platform);
        using var sched = await Platform.As("sched-d1");
        TaskId = await DrawnTaskAsync(sched, joint: false);
        var dispatched = await ReadAsync(await sched.PostAsync($"/api/tasks/{TaskId}/dispatch", null), HttpStatusCode.OK);
        var ids = dispatched.GetProperty("inspectionIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
        (Amended, Clean, Approved, Draft) = (ids[0], ids[1], ids[2], ids[3]);

        // Inspectors get real names: names may be published (department setting), certificate numbers never.
        await using (var connection = await Platform.Store.OpenAsync())
        {
            var i = 0;
            foreach (var cert in D1Inspectors.Concat(D2Inspectors))
                await connection.ExecuteAsync("UPDATE inspectors SET name = @name WHERE certificate_no = @cert", new { name = "检查员" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"[i++], cert });
        }

        using var reviewer = await Platform.As("rev-d1");
        var (lead, _) = await steps.TeamAsync(Amended);
        using (var leadClient = await Platform.As("insp-" + lead))
        {
            var evidence = await ReadAsync(await leadClient.PostAsync($"/api/inspections/{Amended}/evidence?fileName=door.png",
                new ByteArrayContent(Png) { Headers = { ContentType = new("image/png") } }), HttpStatusCode.Created);
            EvidenceSha256 = evidence.GetProperty("sha256").GetString()!;
        }
        var evidenceRef = new { sha256 = EvidenceSha256, sizeBytes = Png.Length, mediaType = "image/png", fileName = "door.png" };

        await steps.CompleteAsync(Amended, ["A"], evidenceRef);
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{Amended}/publish", null), HttpStatusCode.OK);
        await steps.CompleteAsync(Clean, ["1"]);
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{Clean}/publish", null), HttpStatusCode.OK);
        await steps.CompleteAsync(Approved, ["B"], findings: UnpublishedMarker);
        await steps.SaveDraftAsync(Draft, ["A"], DraftMarker);

        // The amendment: a week later, published the day after its approval.
        Platform.Clock.Advance(TimeSpan.FromDays(7));
        await steps.AmendAsync(Amended, ["1"], AmendmentReason);
        await ReadAsync(await reviewer.PostAsJsonAsync($"/api/inspections/{Amended}/review/approve", new { }), HttpStatusCode.OK);
        Platform.Clock.Advance(TimeSpan.FromDays(1));
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/{Amended}/publish", null), HttpStatusCode.OK);
    }

    public async Task DisposeAsync() => await Platform.DisposeAsync();
}

/// <summary>The workflow steps a publication needs, through the HTTP API as the team and the D1 reviewer.</summary>
public sealed class PublicationSteps(InspectionPlatform platform)
{
    private InspectionPlatform Platform => platform;

    public async Task<(string Lead, string Mate)> TeamAsync(string inspectionId)
    {
        using var reviewer = await Platform.As("rev-d1");
        var view = await ReadAsync(await reviewer.GetAsync("/api/inspections/" + inspectionId), HttpStatusCode.OK);
        var team = view.GetProperty("team").EnumerateArray().ToArray();
        return (team.Single(m => m.GetProperty("isLead").GetBoolean()).GetProperty("certificateNo").GetString()!,
            team.Single(m => !m.GetProperty("isLead").GetBoolean()).GetProperty("certificateNo").GetString()!);
    }

    private object Body(string[] codes, object? evidence, string? findings)
    {
        var body = JsonSerializer.SerializeToNode(Platform.Results([("I1", codes)], evidence))!;
        if (findings is not null) body["items"]![0]!["findings"] = findings;
        return body;
    }

    public async Task SaveDraftAsync(string inspectionId, string[] codes, string? findings = null, object? evidence = null)
    {
        var (lead, _) = await TeamAsync(inspectionId);
        using var client = await Platform.As("insp-" + lead);
        var url = "/api/inspections/" + inspectionId;
        var etag = (await client.GetAsync(url)).Headers.ETag!.Tag;
        await ReadAsync(await client.SendAsync(Put(url + "/draft", Body(codes, evidence, findings), etag)), HttpStatusCode.OK);
    }

    /// <summary>Draft, both signatures, submit and the D1 reviewer's approval: the inspection ends Approved (or Published
    /// when D1 publishes automatically).</summary>
    public async Task<JsonElement> CompleteAsync(string inspectionId, string[] codes, object? evidence = null, string? findings = null)
    {
        var (lead, mate) = await TeamAsync(inspectionId);
        using var leadClient = await Platform.As("insp-" + lead);
        using var mateClient = await Platform.As("insp-" + mate);
        using var reviewer = await Platform.As("rev-d1");
        var url = "/api/inspections/" + inspectionId;
        await SaveDraftAsync(inspectionId, codes, findings, evidence);
        await ReadAsync(await leadClient.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await mateClient.PostAsync(url + "/sign", null), HttpStatusCode.OK);
        await ReadAsync(await leadClient.SendAsync(Submit(url, Guid.NewGuid().ToString("N"))), HttpStatusCode.OK);
        return await ReadAsync(await reviewer.PostAsJsonAsync(url + "/review/approve", new { }), HttpStatusCode.OK);
    }

    public async Task AmendAsync(string inspectionId, string[] codes, string reason)
    {
        var (lead, _) = await TeamAsync(inspectionId);
        using var client = await Platform.As("insp-" + lead);
        var body = JsonSerializer.SerializeToNode(Platform.Results([("I1", codes)]))!;
        body["reason"] = reason;
        await ReadAsync(await client.PostAsJsonAsync($"/api/inspections/{inspectionId}/amend", body), HttpStatusCode.OK);
    }

}
