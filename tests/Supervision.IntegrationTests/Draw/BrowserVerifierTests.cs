using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Supervision.Core.Draw;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Draw;

/// <summary>
/// A drawn stratified task on PostgreSQL, shared by the browser verifier's tests: its class-free public pack, its members
/// file, and the receipts of one drawn and one not drawn entity, fetched as the public and the entities get them.
/// </summary>
public sealed class BrowserVerifierScenario : IAsyncLifetime, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DrawPlatform? _platform;

    public DrawPlatform Platform => _platform ?? throw new InvalidOperationException("not started");

    public string TaskId { get; private set; } = "";

    public string Pack { get; private set; } = "";

    public byte[] Members { get; private set; } = [];

    public string DrawnId { get; private set; } = "";

    public string NotDrawnId { get; private set; } = "";

    public Dictionary<string, string> Receipts { get; } = [];

    public async Task<BrowserVerifierScenario> StartAsync(PostgresServer server)
    {
        await _gate.WaitAsync();
        try
        {
            if (_platform is not null) return this;
            var database = await server.CreateDatabaseAsync("browser_verify");
            // Many anonymous requests from one loopback address: the rate limit is tested elsewhere.
            var platform = await DrawPlatform.StartAsync(database, settings: new Dictionary<string, string?> { ["Supervision:Public:PermitLimit"] = "100000" });
            using var scheduler = await platform.Host.UserAsync("sched-d1", "scheduler", "D1");
            using var anonymous = platform.Host.Anonymous();
            TaskId = await FrozenTaskAsync(scheduler, Draft());
            await ReadAsync(await scheduler.PostAsync($"/api/tasks/{TaskId}/draw/entities", null), HttpStatusCode.OK);
            Pack = await anonymous.GetStringAsync($"/api/public/v1/tasks/{TaskId}/pack");
            Members = await anonymous.GetByteArrayAsync($"/api/public/v1/tasks/{TaskId}/members.csv");
            // The C# verifier agrees that the scenario is sound, so a failure below is the page's.
            var report = PublicPackVerifier.Verify(Pack, Members);
            Assert.True(report.Passed, report.ToString());

            var drawn = JsonDocument.Parse(Pack).RootElement.GetProperty("entityDraw").GetProperty("drawn").EnumerateArray()
                .Select(d => d.GetProperty("memberId").GetString()!).ToList();
            DrawnId = drawn[0];
            NotDrawnId = Encoding.ASCII.GetString(Members).Split('\n').Skip(1).Select(l => l.Split(',')[0]).First(m => m.Length == 18 && !drawn.Contains(m));
            foreach (var entity in new[] { DrawnId, NotDrawnId })
            {
                var link = (await ReadAsync(await scheduler.PostAsJsonAsync($"/api/credit/entities/{entity}/access-link", new { days = 7 }), HttpStatusCode.OK))
                    .GetProperty("url").GetString()!;
                var token = Uri.UnescapeDataString(link[(link.IndexOf("?t=", StringComparison.Ordinal) + 3)..]);
                Receipts[entity] = await anonymous.GetStringAsync($"/api/public/v1/entities/{entity}/receipts/{TaskId}?t={Uri.EscapeDataString(token)}");
            }
            _platform = platform;
            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_platform is not null) await _platform.DisposeAsync();
    }

    public void Dispose() => _gate.Dispose();
}

/// <summary>
/// Issue 16, "Verify in the browser": the public draw check of draw-spec §11.3 (and the receipt of §11.4) in the portal's
/// own JavaScript (wwwroot/js/verify-draw.js), run in headless Chromium — the spec's vectors evaluated by the page's
/// functions, a real task verified from its public page, tampered files failing with the check named, and receipts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BrowserVerifierTests(PostgresServer server, BrowserFixture browser, BrowserVerifierScenario scenario)
    : IClassFixture<BrowserFixture>, IClassFixture<BrowserVerifierScenario>, IAsyncLifetime
{
    private const string SpecTask = "TASK-2026-0001";
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(string path)
    {
        await scenario.StartAsync(server);
        var context = await browser.NewContextAsync(scenario.Platform.Host.BaseAddress);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.WaitForSelectorAsync("[data-testid=browser-verifier][data-ready=true]");
        return page;
    }

    private static async Task<(string Verdict, List<(string Check, string Text)> Failures)> ResultAsync(IPage page)
    {
        await page.WaitForSelectorAsync("[data-testid=browser-verifier][data-done=true]");
        var status = await page.InnerTextAsync("[data-testid=verify-status]");
        Assert.True(await page.Locator("[data-testid=verify-verdict]").CountAsync() == 1, $"no verdict; status: {status}");
        var verdict = (await page.GetAttributeAsync("[data-testid=verify-verdict]", "data-verdict"))!;
        var failures = new List<(string, string)>();
        foreach (var li in await page.Locator("[data-testid=verify-failures] li").AllAsync())
            failures.Add(((await li.GetAttributeAsync("data-check"))!, await li.InnerTextAsync()));
        return (verdict, failures);
    }

    private static FilePayload File(string name, byte[] bytes) => new() { Name = name, MimeType = name.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv" : "application/json", Buffer = bytes };

    private static FilePayload File(string name, string text) => File(name, Encoding.UTF8.GetBytes(text));

    private static async Task<(string Verdict, List<(string Check, string Text)> Failures)> VerifyFilesAsync(IPage page, string pack, byte[] members, string? receipt = null)
    {
        await page.SetInputFilesAsync("[data-testid=verify-pack]", File("pack.json", pack));
        await page.SetInputFilesAsync("[data-testid=verify-members]", File("members.csv", members));
        if (receipt is not null) await page.SetInputFilesAsync("[data-testid=verify-receipt]", File("receipt.json", receipt));
        else await page.SetInputFilesAsync("[data-testid=verify-receipt]", Array.Empty<FilePayload>());
        await page.ClickAsync("[data-testid=verify-files]");
        return await ResultAsync(page);
    }

    [BrowserPostgresFact]
    public async Task The_spec_vectors_hold_in_the_pages_own_javascript()
    {
        var page = await OpenAsync("/verify");

        // §10 and §11.6, computed by the functions the page verifies with.
        var v = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const V = window.SupervisionVerify;
              const secret = Uint8Array.from({ length: 32 }, (_, i) => i);
              const membersKey = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i);
              const entropy = [{ witness: "Li Wei", value: "31415" }, { witness: "王芳", value: "92653" }];
              const seed = await V.seedOf(secret, "TASK-2026-0001", "srs-pareto-v1", entropy, null);
              const withBeacon = await V.seedOf(secret, "TASK-2026-0001", "srs-pareto-v1", entropy, { source: "example-beacon", value: "pulse-123" });
              const key = await V.entityKey(seed, "TASK-2026-0001", "srs-pareto-v1");
              const members = [];
              for (const i of [0, 1, 2]) {
                const id = "91330100MA000000" + i + "X";
                const h = await V.memberHash(key, id);
                const m = V.top52(h);
                members.push({ id, h: V.hex(h), m: m.toString(), u: V.uniformOf(m) });
              }
              // The small population: its snapshot (§4) and its members file (§11.1), each fed one byte at a time.
              let snapshot = "member_id,stratum,weight\n", file = "member_id,commitment\n";
              for (let i = 0; i < 10; i++) {
                const id = "91330100MA" + String(i).padStart(7, "0") + "X", stratum = i < 6 ? "A" : "B", weight = i === 9 ? "40" : String(i + 1);
                snapshot += id + "," + stratum + "," + weight + "\n";
                file += id + "," + await V.memberCommitment(await V.memberSalt(membersKey, id), id, stratum, weight) + "\n";
              }
              const snapshotHash = new V.Sha256();
              for (const b of V.utf8(snapshot)) snapshotHash.update(Uint8Array.of(b));
              const scanner = V.membersScanner(["91330100MA0000004X"]);
              for (const b of V.utf8(file)) scanner.push(Uint8Array.of(b));
              const scan = scanner.finish();
              const salt0 = await V.memberSalt(membersKey, "91330100MA0000000X");
              const sealA = await V.sealSalt(membersKey, "stratum/A"), sealB = await V.sealSalt(membersKey, "stratum/B"), sealP = await V.sealSalt(membersKey, "pareto");
              const t = 1671257674219520n, two53 = 9007199254740992n;
              const fateA = {};
              for (const i of [2, 3, 4]) {
                const id = "91330100MA000000" + i + "X";
                fateA[id] = V.drawnUnder(t + "/" + two53, 2n * V.top52(await V.memberHash(key, id)) + 1n, two53, id);
              }
              return {
                commitment: await V.commitmentOf(secret), seed: V.hex(seed), seedBeacon: V.hex(withBeacon), k: V.hex(key), members,
                snapshot: V.hex(snapshotHash.digest()), membersFile: scan.sha256, membersCount: scan.count, membersProblems: scan.problems,
                found4: scan.found.get("91330100MA0000004X") || null,
                salt0: V.hex(salt0), commitment0: await V.memberCommitment(salt0, "91330100MA0000000X", "A", "1"),
                sealSaltA: V.hex(sealA), sealSaltPareto: V.hex(sealP),
                sealA: await V.sealOf(sealA, "stratum/A", ["5", "2", "1671257674219520/9007199254740992"]),
                sealB: await V.sealOf(sealB, "stratum/B", ["4", "2", "4503599627370496/9007199254740992"]),
                sealPareto: await V.sealOf(sealP, "pareto", ["2", "45000000", "40000000", "1/1"]),
                fateA,
                ratio: V.stratumSample({ stratum: "A", count: null, ratio: "0.3", minimum: 1 }, 5n).n.toString(),
                badRatios: ["0", "0.0", ".5", "0.", "00.5", "1.5", "1.000001", "0.1234567"].filter(r => V.ratioMicros(r) !== null),
                goodRatios: ["1", "1.0", "1.000000", "0.3", "0.30", "0.000001"].filter(r => V.ratioMicros(r) === null),
              };
            }
            """);
        Assert.Equal("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", v.GetProperty("commitment").GetString());
        Assert.Equal("af0fc4bf6a9c3620dffbab6f31359d2e5286660515effa3880d9f0990b853e40", v.GetProperty("seed").GetString());
        Assert.Equal("bdad9e0fdaac35d8d3810ac30b02dfc3ffd346377487894c4769a986e0a25d2d", v.GetProperty("seedBeacon").GetString());
        Assert.Equal("7eb1b6cf632350767cfcaee56d8fbcbc7d56d9f2d58a5136600d6cd82a9b9c20", v.GetProperty("k").GetString());
        (string H, string M, double U)[] expected =
        [
            ("5384cb2539750c0e55681197bccdf68e7fe3e57dda68663a39aa0c26e9a6b5ca", "1469276944045904", 0.3262450185661302),
            ("e1b1d8f9219461bac84952e670126cf995bb15814e7c0d9840ca7f82f9d9e447", "3970463450667334", 0.8816199882727048),
            ("2f0e80804d6aed46f6b247f10485bf0e8bcb97e043068c349603cd8c100bca63", "827829311035054", 0.18381503231413954),
        ];
        var members = v.GetProperty("members").EnumerateArray().ToArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i].H, members[i].GetProperty("h").GetString());
            Assert.Equal(expected[i].M, members[i].GetProperty("m").GetString());
            Assert.Equal(expected[i].U, members[i].GetProperty("u").GetDouble());
        }
        Assert.Equal("d58b4029a4c5421262d05e91c29febd7b79e218fc7d8304fbd5369506157cf73", v.GetProperty("snapshot").GetString());
        Assert.Equal("731f14dc23b87c82138f145e925008128b62b9212028f4d05748a828de58cf61", v.GetProperty("membersFile").GetString());
        Assert.Equal(10, v.GetProperty("membersCount").GetInt32());
        Assert.Equal(0, v.GetProperty("membersProblems").GetArrayLength());
        Assert.Matches("^[0-9a-f]{64}$", v.GetProperty("found4").GetString());
        Assert.Equal("40eb306442c75d350f77b986e1620bc1", v.GetProperty("salt0").GetString());
        Assert.Equal("5bcf179d7ce784ded497b89048d17c946930f408781fdaa96cfa482ef28acfa1", v.GetProperty("commitment0").GetString());
        Assert.Equal("bf9d5687df8362b4504104acd55d71ef", v.GetProperty("sealSaltA").GetString());
        Assert.Equal("ca5536a1f5fa6b12ee397836e920dd91", v.GetProperty("sealSaltPareto").GetString());
        Assert.Equal("dd7728f4d0c75707dd2a7bae6d7f9495f3c1c72a8e7312bbbf5f4ded61c60f55", v.GetProperty("sealA").GetString());
        Assert.Equal("832b2f1fcf9ed7e3eab2889f3acdf9c6733400c0ca59e601b4244458b36c7db8", v.GetProperty("sealB").GetString());
        Assert.Equal("aacb24e8dba7ab31c486b821561e399baaf18072bcab43c61aaca1eaf7a0cd0a", v.GetProperty("sealPareto").GetString());
        // Stratum A's threshold: …0004X and …0002X below it (drawn), …0003X above.
        var fate = v.GetProperty("fateA");
        Assert.True(fate.GetProperty("91330100MA0000004X").GetBoolean());
        Assert.True(fate.GetProperty("91330100MA0000002X").GetBoolean());
        Assert.False(fate.GetProperty("91330100MA0000003X").GetBoolean());
        Assert.Equal("2", v.GetProperty("ratio").GetString());
        Assert.Equal(0, v.GetProperty("badRatios").GetArrayLength());
        Assert.Equal(0, v.GetProperty("goodRatios").GetArrayLength());

        // The incremental SHA-256: FIPS 180-4 examples, and Web Crypto over data around block edges fed in uneven pieces.
        var sha = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const V = window.SupervisionVerify;
              const out = {
                empty: V.hex(V.sha256Sync(new Uint8Array(0))),
                abc: V.hex(V.sha256Sync(V.utf8("abc"))),
                twoBlocks: V.hex(V.sha256Sync(V.utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
              };
              const million = new V.Sha256(), thousand = new Uint8Array(1000).fill(0x61);
              for (let i = 0; i < 1000; i++) million.update(thousand);
              out.million = V.hex(million.digest());
              const mismatches = [];
              for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 1000, 65537, 300001]) {
                const data = new Uint8Array(length);
                for (let at = 0; at < length; at += 65536) crypto.getRandomValues(data.subarray(at, Math.min(length, at + 65536)));
                const expected = V.hex(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
                for (const piece of [1, 3, 63, 64, 65, 4096, Math.max(1, length)]) {
                  const h = new V.Sha256();
                  for (let at = 0; at < length; at += piece) h.update(data.subarray(at, at + piece));
                  if (V.hex(h.digest()) !== expected) mismatches.push(length + "/" + piece);
                }
              }
              out.mismatches = mismatches;
              return out;
            }
            """);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha.GetProperty("empty").GetString());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha.GetProperty("abc").GetString());
        Assert.Equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", sha.GetProperty("twoBlocks").GetString());
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", sha.GetProperty("million").GetString());
        Assert.Equal(0, sha.GetProperty("mismatches").GetArrayLength());

        // The whole check on the spec's small population, in both modes, with every member's receipt: built here by the
        // C# core, checked by the page. Each receipt passes and gives the fate the spec's examples give.
        foreach (var (parameters, drawnExpected) in new[]
        {
            (new EntityDrawParameters(DrawModes.Stratified, [new StratumRule("A", Ratio: "0.3"), new StratumRule("B", Count: 2)], null,
                [new MemberExclusion("91330100MA0000001X", "yearly-cap")]), new[] { 4, 6, 2, 9 }),
            (new EntityDrawParameters(DrawModes.Pareto, [new StratumRule("A"), new StratumRule("B")], 3, []), new[] { 4, 6, 9 }),
        })
        {
            var (pack, membersFile, receipts) = SmallPopulation(parameters);
            var results = await page.EvaluateAsync<JsonElement>("""
                async ([pack, members, receipts]) => {
                  const out = [];
                  for (const receipt of [null, ...receipts]) {
                    const r = await window.SupervisionVerify.verify({ pack, members, receipt });
                    out.push({ passed: r.passed, failures: r.failures.map(f => f.check + ": " + f.message), fate: r.fate && r.fate.reason });
                  }
                  return out;
                }
                """, new object[] { pack, membersFile, receipts.Values.ToArray() });
            var all = results.EnumerateArray().ToArray();
            Assert.True(all.All(r => r.GetProperty("passed").GetBoolean()), results.ToString());
            var ids = receipts.Keys.ToArray();
            for (var i = 0; i < ids.Length; i++)
            {
                var reason = all[i + 1].GetProperty("fate").GetString();
                var index = int.Parse(ids[i][10..17], System.Globalization.CultureInfo.InvariantCulture);
                var want = drawnExpected.Contains(index) ? "drawn" : index == 1 && parameters.Exclusions.Count > 0 ? "excluded" : "not-drawn";
                Assert.True(want == reason, $"{parameters.Mode} {ids[i]}: {reason}, expected {want}");
            }

            // The public pack lists the drawn in hash order (§11.6).
            var order = JsonNode.Parse(pack)!["entityDraw"]!["drawn"]!.AsArray().Select(d => int.Parse(d!["memberId"]!.GetValue<string>()[10..17], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(parameters.Mode == DrawModes.Stratified ? [4, 6, 2, 9] : new[] { 4, 6, 9 }, order);
        }
    }

    /// <summary>
    /// The spec's small population (§10, §11.6) drawn by the C# core: the public pack, the members file and every member's
    /// receipt; with a <paramref name="ceremony"/> the seed is v2 (§3.3) and the pack has no entropy.
    /// </summary>
    private static (string Pack, string Members, Dictionary<string, string> Receipts) SmallPopulation(EntityDrawParameters parameters, Ceremony? ceremony = null)
    {
        var secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var key = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();
        EntropyEntry[] entropy = ceremony is null ? [new("Li Wei", "31415"), new("王芳", "92653")] : [];
        var population = Enumerable.Range(0, 10)
            .Select(i => new PopulationMember($"91330100MA{i:D7}X", i < 6 ? "A" : "B", i == 9 ? 40_000_000 : (i + 1) * 1_000_000)).ToArray();
        var csv = PopulationSnapshot.ToCanonicalCsv(population);
        var membersFile = ConfidentialDraw.MembersFile(csv, key);
        var full = DrawPacks.Create(secret, SpecTask, entropy, null, csv, parameters, ceremony: ceremony);
        var seed = Convert.FromHexString(full.Seed);
        var (result, plan, boundaries) = EntityDraw.RunWithBoundaries(new EntityDrawSetup(seed, SpecTask, DrawPrimitives.AlgorithmVersion, parameters), [population]);
        var seals = ConfidentialDraw.Seals(plan, result, boundaries, key);
        var pack = ConfidentialDraw.PublicPack(full, Convert.ToHexStringLower(SHA256.HashData(membersFile)), seals);
        var receipts = population.ToDictionary(m => m.MemberId, m => JsonSerializer.Serialize(
            ConfidentialDraw.Receipt(SpecTask, m.MemberId, m, parameters.Exclusions.FirstOrDefault(e => e.MemberId == m.MemberId)?.Reason, seals, key, parameters),
            DrawPacks.JsonOptions));
        return (JsonSerializer.Serialize(pack, DrawPacks.JsonOptions), Encoding.ASCII.GetString(membersFile), receipts);
    }

    private static readonly (string Witness, string? Department, string Value, string NonceByte)[] SpecWitnesses =
    [
        ("Li Wei (liwei)", null, "31415", "01"),
        ("王芳 (wangfang)", "D2", "92653", "02"),
        ("Zhao Min (zhaomin)", "D1", "27182", "03"),
    ];

    /// <summary>§10.1's ceremony run through the core's own steps: three witnesses commit, the lead department D1 closes,
    /// <paramref name="reveals"/> of them reveal, and the beacon value is recorded when due.</summary>
    private static Ceremony SpecCeremony(int reveals)
    {
        var due = new DateTimeOffset(2027, 1, 4, 2, 0, 0, TimeSpan.Zero);
        var before = due.AddHours(-20);
        static Ceremony Ok((Ceremony Ceremony, CeremonyRefusal? Refusal) step) => step.Refusal is null ? step.Ceremony : throw new InvalidOperationException(step.Refusal.Reason);
        var c = WitnessCeremony.Start(new NamedBeacon("drand quicknet", "12345678", due), 2);
        foreach (var (w, d, v, n) in SpecWitnesses)
            c = Ok(WitnessCeremony.Commit(c, w, d, WitnessCeremony.Commitment(SpecTask, v, string.Concat(Enumerable.Repeat(n, 32))), before));
        c = Ok(WitnessCeremony.Close(c, "D1", before.AddMinutes(30)));
        foreach (var (w, _, v, n) in SpecWitnesses.Take(reveals))
            c = Ok(WitnessCeremony.Reveal(c, SpecTask, w, v, string.Concat(Enumerable.Repeat(n, 32)), before.AddHours(1)));
        return Ok(WitnessCeremony.RecordBeacon(c, "a1b2c3d4", due.AddMinutes(5)));
    }

    [BrowserPostgresFact]
    public async Task The_witnessed_ceremony_seed_v2_checks_in_the_pages_own_javascript()
    {
        var page = await OpenAsync("/verify");

        // §10.1's vectors, by the page's functions.
        var v = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const V = window.SupervisionVerify;
              const task = "TASK-2026-0001", secret = Uint8Array.from({ length: 32 }, (_, i) => i);
              const ws = [["Li Wei (liwei)", null, "31415", "01"], ["王芳 (wangfang)", "D2", "92653", "02"], ["Zhao Min (zhaomin)", "D1", "27182", "03"]];
              const c = { version: 2, beacon: { source: "drand quicknet", round: "12345678", expectedAt: "2027-01-04T02:00:00+00:00" },
                          minimumWitnesses: 2, commitments: [], closedAt: "2027-01-03T06:30:00+00:00", reveals: [],
                          beaconValue: { value: "a1b2c3d4", at: "2027-01-04T02:05:00+00:00" } };
              for (const [w, d, x, n] of ws) {
                c.commitments.push({ witness: w, department: d, commitment: await V.witnessCommitment(task, x, n.repeat(32)), at: "2027-01-03T06:00:00+00:00" });
                c.reveals.push({ witness: w, value: x, nonce: n.repeat(32), at: "2027-01-03T07:00:00+00:00" });
              }
              const all = V.hex(await V.seedV2Of(secret, task, "srs-pareto-v1", c));
              const problems = await V.ceremonyProblems(task, c);
              c.reveals.pop();
              const two = V.hex(await V.seedV2Of(secret, task, "srs-pareto-v1", c));
              // The due time is hashed in UTC whatever offset the pack writes it with.
              c.beacon.expectedAt = "2027-01-04T10:00:00+08:00";
              const offset = V.hex(await V.seedV2Of(secret, task, "srs-pareto-v1", c));
              return { commitments: c.commitments.map(x => x.commitment), all, two, offset, problems,
                       badTimes: ["2027-01-04T02:00:00", "2027-01-04T02:00:00.5Z", "2027-02-29T00:00:00Z", "2027-01-04 02:00:00Z"].filter(t => V.parseTime(t) !== null) };
            }
            """);
        Assert.Equal(
            ["f108af40a1363b76194f0795ec8706a39420cd48ba49160ab9e12155f0e12c17", "c84474a5eed7dc3479235143e766f0456fe9ee5eb299ad5b03a8cc8c870427d3",
             "6a4cabf638b181e93ddc7cf607adaefbde5587877505c940cc77441fabd07d47"],
            v.GetProperty("commitments").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("c9e72a90dcbed65a6b01765988f13c0ebc53a66d3faad5607037f93cd13abce1", v.GetProperty("all").GetString());
        Assert.Equal("81ba9588fac13cf9c87eac0d03c7d9e473bd386902fac241184739ba280dfa9d", v.GetProperty("two").GetString());
        Assert.Equal(v.GetProperty("two").GetString(), v.GetProperty("offset").GetString());
        Assert.Equal(0, v.GetProperty("problems").GetArrayLength());
        Assert.Equal(0, v.GetProperty("badTimes").GetArrayLength());

        // A v2 public pack of the spec's small population, built by the C# core from §10.1's ceremony, with every receipt.
        var parameters = new EntityDrawParameters(DrawModes.Stratified, [new StratumRule("A", Ratio: "0.3"), new StratumRule("B", Count: 2)], null,
            [new MemberExclusion("91330100MA0000001X", "yearly-cap")]);
        var (pack, membersFile, receipts) = SmallPopulation(parameters, SpecCeremony(reveals: 3));
        Assert.Equal("c9e72a90dcbed65a6b01765988f13c0ebc53a66d3faad5607037f93cd13abce1", JsonNode.Parse(pack)!["seed"]!.GetValue<string>());
        Assert.True(PublicPackVerifier.Verify(pack, Encoding.ASCII.GetBytes(membersFile)).Passed);
        const string run = """
            async ([packs, members, receipts]) => {
              const out = [];
              for (const pack of packs)
                for (const receipt of [null, ...receipts]) {
                  const r = await window.SupervisionVerify.verify({ pack, members, receipt });
                  out.push({ passed: r.passed, failures: r.failures.map(f => f.check + ": " + f.message), steps: r.steps.map(s => s.id), fate: r.fate && r.fate.reason });
                }
              return out;
            }
            """;
        var good = (await page.EvaluateAsync<JsonElement>(run, new object[] { new[] { pack }, membersFile, receipts.Values.ToArray() })).EnumerateArray().ToArray();
        Assert.True(good.All(r => r.GetProperty("passed").GetBoolean()), string.Join("\n", good.Select(r => r.ToString())));
        Assert.Equal(["format", "commitment", "ceremony", "seed", "members", "exclusions", "drawn", "seals"],
            good[0].GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
        var drawnIds = JsonNode.Parse(pack)!["entityDraw"]!["drawn"]!.AsArray().Select(d => d!["memberId"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(4, drawnIds.Count);
        Assert.Equal(receipts.Keys.Select(id => drawnIds.Contains(id) ? "drawn" : id == "91330100MA0000001X" ? "excluded" : "not-drawn"),
            good.Skip(1).Select(r => r.GetProperty("fate").GetString()));

        // One witness stayed away: still a pass (its commitment counts as unopened).
        var (unopened, unopenedMembers, _) = SmallPopulation(parameters, SpecCeremony(reveals: 2));
        Assert.Equal("81ba9588fac13cf9c87eac0d03c7d9e473bd386902fac241184739ba280dfa9d", JsonNode.Parse(unopened)!["seed"]!.GetValue<string>());
        var stayedAway = (await page.EvaluateAsync<JsonElement>(run, new object[] { new[] { unopened }, unopenedMembers, Array.Empty<string>() })).EnumerateArray().Single();
        Assert.True(stayedAway.GetProperty("passed").GetBoolean(), stayedAway.ToString());

        // Each tampering fails, under the check it belongs to.
        (string Name, Action<JsonNode> Change, string Check, string Text)[] tamperings =
        [
            ("a changed reveal value", n => n["ceremony"]!["reveals"]![0]!["value"] = "31416", "ceremony", "揭示的不是当初承诺的数"),
            ("a reveal without a commitment", n => n["ceremony"]!["reveals"]!.AsArray().Add(new JsonObject
                { ["witness"] = "Nobody (nobody)", ["value"] = "1", ["nonce"] = new string('4', 64), ["at"] = "2027-01-03T07:00:00+00:00" }), "ceremony", "没有提交过承诺"),
            ("a commitment after the close", n => n["ceremony"]!["commitments"]!.AsArray().Add(new JsonObject
                { ["witness"] = "Late (late)", ["department"] = "D3", ["commitment"] = new string('5', 64), ["at"] = "2027-01-03T07:00:00+00:00" }), "ceremony", "截止之后不能再提交承诺"),
            ("the beacon value recorded early", n => n["ceremony"]!["beaconValue"]!["at"] = "2027-01-04T01:59:59+00:00", "ceremony", "那时这个值还不可能知道"),
            ("a changed beacon value", n => n["ceremony"]!["beaconValue"]!["value"] = "a1b2c3d5", "seed", "由密钥、见证仪式和信标的值算出的种子"),
            ("entropy beside the ceremony", n => n["entropy"]!.AsArray().Add(new JsonObject { ["witness"] = "Deputy Wang", ["value"] = "7" }), "ceremony", "entropy 应为空列表"),
            ("a v1 beacon beside the ceremony", n => n["beacon"] = new JsonObject { ["source"] = "example-beacon", ["value"] = "pulse-123" }, "ceremony", "beacon 应为 null"),
            ("a time without an offset", n => n["ceremony"]!["closedAt"] = "2027-01-03T06:30:00", "ceremony", "不是带时区偏移"),
        ];
        var tampered = tamperings.Select(t => { var node = JsonNode.Parse(pack)!; t.Change(node); return node.ToJsonString(); }).ToArray();
        var bad = (await page.EvaluateAsync<JsonElement>(run, new object[] { tampered, membersFile, Array.Empty<string>() })).EnumerateArray().ToArray();
        for (var i = 0; i < tamperings.Length; i++)
        {
            var failures = bad[i].GetProperty("failures").EnumerateArray().Select(f => f.GetString()!).ToArray();
            Assert.False(bad[i].GetProperty("passed").GetBoolean(), tamperings[i].Name);
            Assert.True(failures.Any(f => f.StartsWith(tamperings[i].Check + ": ", StringComparison.Ordinal) && f.Contains(tamperings[i].Text, StringComparison.Ordinal)),
                $"{tamperings[i].Name}: {string.Join("\n", failures)}");
        }
        // The C# verifier agrees that each of them fails (a time without an offset included: it would be read in the
        // verifying machine's zone, so §3.3 requires the offset and every verifier refuses it).
        Assert.All(tampered, t => Assert.False(PublicPackVerifier.Verify(t, Encoding.ASCII.GetBytes(membersFile)).Passed));

        // Through the page's file inputs, explained step by step, in Chinese and in English.
        var (verdict, shown) = await VerifyFilesAsync(page, pack, Encoding.ASCII.GetBytes(membersFile));
        Assert.True(verdict == "PASS", string.Join("\n", shown));
        Assert.Equal("pass", await page.GetAttributeAsync("[data-testid=verify-steps] li[data-step=ceremony]", "data-status"));
        Assert.Contains("见证仪式", await page.InnerTextAsync("[data-testid=verify-steps] li[data-step=ceremony]"));
        (verdict, shown) = await VerifyFilesAsync(page, tampered[0], Encoding.ASCII.GetBytes(membersFile));
        Assert.Equal("FAIL", verdict);
        Assert.Contains(shown, f => f.Check == "ceremony" && f.Text.Contains("Li Wei (liwei)"));
        await page.GotoAsync("/verify?lang=en");
        await page.WaitForSelectorAsync("[data-testid=browser-verifier][data-ready=true]");
        (verdict, shown) = await VerifyFilesAsync(page, tampered[3], Encoding.ASCII.GetBytes(membersFile));
        Assert.Equal("FAIL", verdict);
        Assert.Contains(shown, f => f.Check == "ceremony" && f.Text.Contains("before the round was due"));
        Assert.Contains("witnessed ceremony", await page.InnerTextAsync("[data-testid=verify-steps] li[data-step=ceremony]"));
    }

    [BrowserPostgresFact]
    public async Task A_drawn_task_verifies_from_its_public_page()
    {
        var page = await OpenAsync($"/tasks/{scenario.TaskId}");
        await page.ClickAsync("[data-testid=verify-task]");
        var (verdict, failures) = await ResultAsync(page);
        Assert.True(verdict == "PASS", string.Join("\n", failures));
        // Every step of §11.3 ran and passed, explained in plain words.
        foreach (var step in new[] { "format", "commitment", "seed", "members", "exclusions", "drawn", "seals" })
            Assert.Equal("pass", await page.GetAttributeAsync($"[data-testid=verify-steps] li[data-step={step}]", "data-status"));
        Assert.Contains("通过", await page.InnerTextAsync("[data-testid=verify-verdict]"));
        Assert.Contains("冻结时", await page.InnerTextAsync("[data-testid=verify-steps] li[data-step=members]"));
        await Screenshots.SaveAsync(page, "portal-verify-in-browser", fullPage: false);

        // In English, through the site's language switch.
        await page.GotoAsync($"/tasks/{scenario.TaskId}?lang=en");
        await page.WaitForSelectorAsync("[data-testid=browser-verifier][data-ready=true]");
        await page.ClickAsync("[data-testid=verify-task]");
        (verdict, failures) = await ResultAsync(page);
        Assert.True(verdict == "PASS", string.Join("\n", failures));
        Assert.Contains("Every check below passed", await page.InnerTextAsync("[data-testid=verify-verdict]"));
        Assert.Contains("published at the freeze", await page.InnerTextAsync("[data-testid=verify-steps] li[data-step=members]"));
    }

    [BrowserPostgresFact]
    public async Task A_tampered_pack_or_members_file_fails_naming_the_check()
    {
        var page = await OpenAsync("/verify");

        // The untouched files pass through the file inputs too.
        var (verdict, failures) = await VerifyFilesAsync(page, scenario.Pack, scenario.Members);
        Assert.True(verdict == "PASS", string.Join("\n", failures));

        // A drawn member swapped for another member.
        var pack = JsonNode.Parse(scenario.Pack)!;
        pack["entityDraw"]!["drawn"]![0]!["memberId"] = scenario.NotDrawnId;
        (verdict, failures) = await VerifyFilesAsync(page, pack.ToJsonString(), scenario.Members);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "drawn" && f.Text.Contains(scenario.NotDrawnId) && f.Text.Contains("哈希"));
        Assert.DoesNotContain(failures, f => f.Check is "seed" or "members" or "commitment");

        // A witness's revealed contribution changed after the fact: it no longer opens the commitment, and the seed differs.
        pack = JsonNode.Parse(scenario.Pack)!;
        pack["ceremony"]!["reveals"]![0]!["value"] = "3 1 4 1 5 9 2 7";
        (verdict, failures) = await VerifyFilesAsync(page, pack.ToJsonString(), scenario.Members);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "ceremony");
        Assert.Contains(failures, f => f.Check == "seed" && f.Text.Contains("种子"));

        // The beacon value changed after the fact: the seed differs.
        pack = JsonNode.Parse(scenario.Pack)!;
        pack["ceremony"]!["beaconValue"]!["value"] = "ffff";
        (verdict, failures) = await VerifyFilesAsync(page, pack.ToJsonString(), scenario.Members);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "seed");

        // One line of the members file changed (another commitment for one member).
        var members = (byte[])scenario.Members.Clone();
        var second = Array.IndexOf(members, (byte)'\n') + 1 + 19 + 5;
        members[second] = members[second] == (byte)'0' ? (byte)'1' : (byte)'0';
        (verdict, failures) = await VerifyFilesAsync(page, scenario.Pack, members);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "members" && f.Text.Contains("SHA-256"));
        Assert.DoesNotContain(failures, f => f.Check is "seed" or "drawn");

        // A member's line dropped: the count and the hash both disagree.
        var text = Encoding.ASCII.GetString(scenario.Members);
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(5);
        (verdict, failures) = await VerifyFilesAsync(page, scenario.Pack, Encoding.ASCII.GetBytes(string.Join('\n', lines)));
        Assert.Equal("FAIL", verdict);
        Assert.True(failures.Count(f => f.Check == "members") >= 2, string.Join("\n", failures));

        // A member excluded after the seed was known: the exclusions no longer hash to what was fixed at the freeze.
        pack = JsonNode.Parse(scenario.Pack)!;
        pack["entityDraw"]!["parameters"]!["exclusions"]!.AsArray().Add(new JsonObject { ["memberId"] = scenario.NotDrawnId, ["reason"] = "yearly-cap" });
        (verdict, failures) = await VerifyFilesAsync(page, pack.ToJsonString(), scenario.Members);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "exclusions");
        await Screenshots.SaveAsync(page, "portal-verify-tampered", fullPage: false);
    }

    [BrowserPostgresFact]
    public async Task An_entity_verifies_its_receipt_in_the_browser()
    {
        var page = await OpenAsync($"/tasks/{scenario.TaskId}");

        await page.SetInputFilesAsync("[data-testid=verify-receipt]", File("receipt.json", scenario.Receipts[scenario.DrawnId]));
        await page.ClickAsync("[data-testid=verify-task]");
        var (verdict, failures) = await ResultAsync(page);
        Assert.True(verdict == "PASS", string.Join("\n", failures));
        Assert.Equal("drawn", await page.GetAttributeAsync("[data-testid=verify-fate]", "data-fate"));
        Assert.Equal("pass", await page.GetAttributeAsync("[data-testid=verify-steps] li[data-step=receipt]", "data-status"));

        await page.SetInputFilesAsync("[data-testid=verify-receipt]", File("receipt.json", scenario.Receipts[scenario.NotDrawnId]));
        await page.ClickAsync("[data-testid=verify-task]");
        (verdict, failures) = await ResultAsync(page);
        Assert.True(verdict == "PASS", string.Join("\n", failures));
        Assert.Equal("not-drawn", await page.GetAttributeAsync("[data-testid=verify-fate]", "data-fate"));

        // A receipt claiming another class (or weight) than the one committed at the freeze fails.
        var receipt = JsonNode.Parse(scenario.Receipts[scenario.DrawnId])!;
        var stratum = receipt["member"]!["stratum"]!.GetValue<string>();
        receipt["member"]!["stratum"] = stratum == "A" ? "B" : "A";
        await page.SetInputFilesAsync("[data-testid=verify-receipt]", File("receipt.json", receipt.ToJsonString()));
        await page.ClickAsync("[data-testid=verify-task]");
        (verdict, failures) = await ResultAsync(page);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "receipt" && f.Text.Contains("冻结时承诺"));

        // A forged opening (a threshold that would not draw it) does not open the published seal.
        receipt = JsonNode.Parse(scenario.Receipts[scenario.DrawnId])!;
        receipt["seal"]!["opening"]![2] = "none";
        await page.SetInputFilesAsync("[data-testid=verify-receipt]", File("receipt.json", receipt.ToJsonString()));
        await page.ClickAsync("[data-testid=verify-task]");
        (verdict, failures) = await ResultAsync(page);
        Assert.Equal("FAIL", verdict);
        Assert.Contains(failures, f => f.Check == "receipt" && f.Text.Contains("封存"));
    }
}
