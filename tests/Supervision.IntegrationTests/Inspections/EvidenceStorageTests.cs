using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Inspections;

/// <summary>Evidence files stream into and out of the database byte for byte, on both engines.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EvidenceStorageTests(PostgresServer server)
{
    /// <summary>An ISO BMFF "ftyp" box (brand isom): how an MP4 file starts.</summary>
    public static readonly byte[] Mp4Header = [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m',
        0, 0, 2, 0, (byte)'i', (byte)'s', (byte)'o', (byte)'m', (byte)'m', (byte)'p', (byte)'4', (byte)'1'];

    [Fact]
    public Task A_large_file_round_trips_on_SQLite() => RoundTripAsync(null);

    [PostgresFact]
    public async Task A_large_file_round_trips_on_PostgreSQL() => await RoundTripAsync(await server.CreateDatabaseAsync("evidence_stream"));

    private static async Task RoundTripAsync(string? postgres)
    {
        await using var platform = await StartAsync(postgres);
        var insp = await platform.AssignDirectAsync("TEV", "91110000600037341L", "C0000", "C0001", ["I1"], new DateOnly(2026, 7, 1));
        var url = "/api/inspections/" + insp.InspectionId;
        using var lead = await platform.As("insp-C0000");

        // 6 MiB and a bit: larger than any buffer on the way, not a multiple of one.
        var bytes = new byte[6 * 1024 * 1024 + 12345];
        new Random(7).NextBytes(bytes);
        Mp4Header.CopyTo(bytes, 0); // the content must carry its type's signature
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var upload = new ByteArrayContent(bytes);
        upload.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        var created = await ReadAsync(await lead.PostAsync(url + "/evidence?fileName=walkthrough.mp4", upload), HttpStatusCode.Created);
        Assert.Equal(sha, created.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, created.GetProperty("sizeBytes").GetInt64());
        var again = new ByteArrayContent(bytes);
        again.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        await ReadAsync(await lead.PostAsync(url + "/evidence", again), HttpStatusCode.OK);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM evidence_files"));

        var etag = (await lead.GetAsync(url)).Headers.ETag!.Tag;
        var evidence = new { sha256 = sha, sizeBytes = bytes.Length, mediaType = "video/mp4", fileName = "walkthrough.mp4" };
        await ReadAsync(await lead.SendAsync(Put(url + "/draft", platform.Results([("I1", ["1"])], evidence), etag)), HttpStatusCode.OK);

        var download = await lead.GetAsync($"{url}/evidence/{sha}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("video/mp4", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal(bytes.Length, download.Content.Headers.ContentLength);
        Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync())));

        // Over the limit: refused, nothing stored.
        var huge = new byte[50 * 1024 * 1024 + 1];
        Mp4Header.CopyTo(huge, 0);
        var tooBig = new ByteArrayContent(huge);
        tooBig.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        await ProblemAsync(await lead.PostAsync(url + "/evidence", tooBig), HttpStatusCode.BadRequest);
        Assert.Equal(1, await platform.ScalarAsync("SELECT count(*) FROM evidence_files"));
    }
}
