using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>
/// Security review, issue 13, finding 6: evidence was reachable by hash from any inspection. Putting another team's
/// {"sha256": …} into one's own draft let one download their file; re-uploading answered 200 vs 201 and so told whether a
/// file existed; bytes were not checked against the declared type (HTML stored as image/png); downloads had neither
/// nosniff nor Content-Disposition.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class EvidenceFenceTests(PostgresServer server)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 7, 7];

    [Fact]
    public Task A_file_is_reachable_only_through_the_inspection_it_was_uploaded_to_on_SQLite() => FenceAsync(null);

    [PostgresFact]
    public async Task A_file_is_reachable_only_through_the_inspection_it_was_uploaded_to_on_PostgreSQL() =>
        await FenceAsync(await server.CreateDatabaseAsync("evidence_fence"));

    private static ByteArrayContent Body(byte[] bytes, string mediaType) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } };

    private static async Task FenceAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        var theirs = await platform.AssignDirectAsync("TFENCE", "91110000600037341L", "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        var mine = await platform.AssignDirectAsync("TFENCE", "91110000600037342J", "C0002", "C0003", ["I1"], new DateOnly(2026, 7, 1));
        var theirUrl = "/api/inspections/" + theirs.InspectionId;
        var myUrl = "/api/inspections/" + mine.InspectionId;
        using var theirLead = await platform.As("insp-C0000");
        using var myLead = await platform.As("insp-C0002");

        // Their team uploads a photo and attaches it.
        var secret = Png.Concat("their kitchen"u8.ToArray()).ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(secret));
        await ReadAsync(await theirLead.PostAsync(theirUrl + "/evidence?fileName=kitchen.png", Body(secret, "image/png")), HttpStatusCode.Created);
        var reference = new { sha256 = sha, sizeBytes = secret.Length, mediaType = "image/png", fileName = "kitchen.png" };
        var theirEtag = (await theirLead.GetAsync(theirUrl)).Headers.ETag!.Tag;
        await ReadAsync(await theirLead.SendAsync(Put(theirUrl + "/draft", platform.Results([("I1", ["1"])], reference), theirEtag)), HttpStatusCode.OK);

        // The reproduction: their hash in my draft is refused naming the field, with the answer a never-uploaded hash gets.
        var myEtag = (await myLead.GetAsync(myUrl)).Headers.ETag!.Tag;
        var stolen = await ProblemAsync(await myLead.SendAsync(Put(myUrl + "/draft", platform.Results([("I1", ["1"])], reference), myEtag)), HttpStatusCode.BadRequest);
        var never = await ProblemAsync(await myLead.SendAsync(Put(myUrl + "/draft",
            platform.Results([("I1", ["1"])], reference with { sha256 = new string('b', 64) }), myEtag)), HttpStatusCode.BadRequest);
        Assert.Equal(never.GetProperty("errors").GetProperty("items[0].evidence[0].sha256")[0].GetString(),
            stolen.GetProperty("errors").GetProperty("items[0].evidence[0].sha256")[0].GetString());
        await ProblemAsync(await myLead.GetAsync($"{myUrl}/evidence/{sha}"), HttpStatusCode.NotFound);
        await ProblemAsync(await myLead.GetAsync($"{theirUrl}/evidence/{sha}"), HttpStatusCode.NotFound);

        // Uploading bytes that exist elsewhere answers as for bytes never seen: 201, new to this inspection; 200 only on a repeat here.
        var fresh = Png.Concat("my own shop"u8.ToArray()).ToArray();
        await ReadAsync(await myLead.PostAsync(myUrl + "/evidence", Body(fresh, "image/png")), HttpStatusCode.Created);
        await ReadAsync(await myLead.PostAsync(myUrl + "/evidence?fileName=notice.html", Body(secret, "image/png")), HttpStatusCode.Created);
        await ReadAsync(await myLead.PostAsync(myUrl + "/evidence", Body(secret, "image/png")), HttpStatusCode.OK);
        Assert.Equal(2, await platform.ScalarAsync("SELECT count(*) FROM evidence_files"));
        Assert.Equal(3, await platform.ScalarAsync("SELECT count(*) FROM evidence_links"));

        // Once uploaded here it may be attached here; the download is an attachment, never sniffed, under a safe name.
        var mineRef = reference with { fileName = "notice.html" };
        await ReadAsync(await myLead.SendAsync(Put(myUrl + "/draft", platform.Results([("I1", ["1"])], mineRef), myEtag)), HttpStatusCode.OK);
        var download = await myLead.GetAsync($"{myUrl}/evidence/{sha}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("notice.html.png", disposition.FileNameStar ?? disposition.FileName?.Trim('"'));
        Assert.Equal(secret, await download.Content.ReadAsByteArrayAsync());

        // The bytes must be what the Content-Type says: HTML (or a PDF) declared as an image is refused, nothing stored.
        var html = "<html><script>alert(document.cookie)</script></html>"u8.ToArray();
        var sniffed = await ProblemAsync(await myLead.PostAsync(myUrl + "/evidence?fileName=x.png", Body(html, "image/png")), HttpStatusCode.BadRequest);
        Assert.Contains("image/png", sniffed.GetProperty("errors").GetProperty("body")[0].GetString());
        await ProblemAsync(await myLead.PostAsync(myUrl + "/evidence", Body("%PDF-1.7\n"u8.ToArray(), "image/jpeg")), HttpStatusCode.BadRequest);
        await ProblemAsync(await myLead.PostAsync(myUrl + "/evidence", Body(Png, "video/mp4")), HttpStatusCode.BadRequest);
        await ReadAsync(await myLead.PostAsync(myUrl + "/evidence", Body("%PDF-1.7\n%test"u8.ToArray(), "application/pdf")), HttpStatusCode.Created);
        await ReadAsync(await myLead.PostAsync(myUrl + "/evidence", Body([.. EvidenceStorageTests.Mp4Header, 1, 2, 3], "video/mp4")), HttpStatusCode.Created);
        Assert.Equal(4, await platform.ScalarAsync("SELECT count(*) FROM evidence_files"));

        // A file name that would hide its extension is refused in the draft, naming the field.
        var bidi = await ProblemAsync(await myLead.SendAsync(Put(myUrl + "/draft",
            platform.Results([("I1", ["1"])], mineRef with { fileName = "photo\u202Egnp.exe" }), (await myLead.GetAsync(myUrl)).Headers.ETag!.Tag)), HttpStatusCode.BadRequest);
        Assert.True(bidi.GetProperty("errors").TryGetProperty("items[0].evidence[0].fileName", out _));
    }
}
