using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Publication;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// The public read model on PostgreSQL: publication through the workflow, then the searches the portal runs and the
/// plans PostgreSQL picks for them (index use, never timing; the timing is benchmarks/public-search.sh).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PublicSearchPostgresTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_bulk_download_paused_by_its_client_holds_no_database_connection_and_sends_every_row_when_resumed()
    {
        var connectionString = await server.CreateDatabaseAsync("export_pause");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, connectionString);
        await PublishedSeed.SeedAsync(connectionString, 1, 170_000);
        long expected;
        await using (var connection = new Npgsql.NpgsqlConnection(connectionString))
            expected = await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM published_results r JOIN published_result_items i USING (publication_id) WHERE r.published_on >= DATE '2025-01-01' AND r.published_on < DATE '2026-01-01'");

        // One pooled connection for the platform's reads: a download that kept its reader open while its client does
        // not read would leave the search below waiting for it until the pool's timeout.
        await using var host = await ApiHost.StartAsync(postgresConnectionString: connectionString + ";Maximum Pool Size=1");
        using var anonymous = host.Anonymous();
        using var response = await anonymous.GetAsync("/api/public/v1/downloads/2025/all.json", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var length = response.Content.Headers.ContentLength!.Value;
        Assert.True(length > 50_000_000, $"the file ({length} bytes) must be far larger than what the sockets buffer, so the server is held mid-file");
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[65536];
        received.Write(buffer, 0, await body.ReadAtLeastAsync(buffer, buffer.Length));

        // The client has stopped reading, the server is held mid-file: a search still gets the one connection.
        var code = PublishedSeed.CreditCode(4242);
        var found = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?creditCode=" + code), HttpStatusCode.OK);
        Assert.Equal(code, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("entityCreditCode").GetString());

        await body.CopyToAsync(received);
        Assert.Equal(length, received.Length);
        received.Position = 0;
        using var json = await System.Text.Json.JsonDocument.ParseAsync(received);
        Assert.Equal(expected, json.RootElement.GetArrayLength());
        Assert.Equal(response.Headers.GetValues("X-Checksum-SHA256").Single(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(received.ToArray())));
    }

    [PostgresFact]
    public async Task Publications_take_their_seq_one_transaction_at_a_time_so_seq_order_is_commit_order()
    {
        var connectionString = await server.CreateDatabaseAsync("publication_order");
        await using var platform = await StartAsync(connectionString);
        using var reviewer = await platform.As("rev-d1");
        var entity = await CompletedInspectionAsync(platform, "TORD");

        // Another transaction holds the publications' lock: the publication waits for it (on the advisory lock) instead
        // of taking a seq that might commit before the holder's, and goes through once the holder commits.
        await using var holder = new Npgsql.NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key = PublicationWriter.PublicationSeqLock }, tx);
        var publishing = reviewer.PostAsync($"/api/inspections/TORD/{entity}/publish", null);
        long waiting = 0;
        for (var i = 0; i < 500 && waiting == 0; i++)
        {
            await Task.Delay(20);
            waiting = await holder.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", transaction: tx);
        }
        Assert.Equal(1, waiting);
        Assert.False(publishing.IsCompleted);
        Assert.Equal(0, await holder.ExecuteScalarAsync<long>("SELECT count(*) FROM published_results", transaction: tx));
        await tx.CommitAsync();
        await ReadAsync(await publishing, HttpStatusCode.OK);
        Assert.Equal(1, await holder.ExecuteScalarAsync<long>("SELECT count(*) FROM published_results"));
    }

    [PostgresFact]
    public async Task Searches_by_credit_code_and_by_part_of_a_Chinese_name_use_their_indexes()
    {
        var connectionString = await server.CreateDatabaseAsync("public_search");
        await using var platform = await StartAsync(connectionString);
        using var reviewer = await platform.As("rev-d1");
        using var anonymous = platform.Host.Anonymous();
        var entity = await CompletedInspectionAsync(platform, "TPG");
        await ReadAsync(await reviewer.PostAsync($"/api/inspections/TPG/{entity}/publish", null), HttpStatusCode.OK);

        var name = (await ReadAsync(await anonymous.GetAsync("/api/public/v1/entities/" + entity), HttpStatusCode.OK)).GetProperty("name").GetString()!;
        var part = name.Substring(name.Length / 2 - 1, 2);
        var found = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?name=" + Uri.EscapeDataString(part)), HttpStatusCode.OK);
        Assert.Equal(entity, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("entityCreditCode").GetString());
        var one = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?name=" + Uri.EscapeDataString(name[..1])), HttpStatusCode.OK);
        Assert.Single(one.GetProperty("items").EnumerateArray());

        // Enough rows for the planner to prefer the indexes.
        await PublishedSeed.SeedAsync(connectionString, 1, 50_000);
        var store = platform.Host.Services.GetRequiredService<PublicationQueries>();
        async Task<string> PlanAsync(ResultQuery query)
        {
            var (sql, parameters) = store.SearchCommand(query);
            await using var connection = await platform.Store.OpenAsync();
            return string.Join('\n', await connection.QueryAsync<string>("EXPLAIN " + sql, parameters));
        }

        var byCode = await PlanAsync(new ResultQuery { CreditCode = PublishedSeed.CreditCode(4242) });
        Assert.Contains("published_results_entity", byCode);
        Assert.DoesNotContain("Seq Scan", byCode);
        var byName = await PlanAsync(new ResultQuery { Name = PublishedSeed.Brand(4242) + "超" });
        Assert.Contains("published_name_grams_pkey", byName);
        Assert.DoesNotContain("Seq Scan", byName);

        // A page costs about a page of rows: the walk over a common gram (超市: thousands of rows) stops once the page is
        // full, and a three-character name is driven by its rarest gram (the brand's 50,000 / 2,704 ≈ 18 rows here, not
        // the district's 区X with hundreds).
        async Task<long> GramRowsReadAsync(ResultQuery query)
        {
            var (sql, parameters) = store.SearchCommand(query);
            await using var connection = await platform.Store.OpenAsync();
            var plan = string.Join('\n', await connection.QueryAsync<string>("EXPLAIN (ANALYZE, TIMING OFF) " + sql, parameters));
            var walk = plan.Split('\n').SingleOrDefault(l => l.Contains(" on published_name_grams ", StringComparison.Ordinal)
                                                     && !l.Contains(" c ", StringComparison.Ordinal))
                       ?? throw new Xunit.Sdk.XunitException("no walk over the grams in the plan:\n" + plan);
            return long.Parse(System.Text.RegularExpressions.Regex.Match(walk, @"actual rows=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.InRange(await GramRowsReadAsync(new ResultQuery { Name = "超市" }), 20, 100);
        Assert.InRange(await GramRowsReadAsync(new ResultQuery { Name = "区" + PublishedSeed.Brand(4242) }), 1, 40);
        Assert.InRange(await GramRowsReadAsync(new ResultQuery { Name = "超市", Limit = 5 }), 5, 25);

        var search = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?limit=200&name=" + Uri.EscapeDataString(PublishedSeed.Brand(4242))), HttpStatusCode.OK);
        var items = search.GetProperty("items").EnumerateArray().ToArray();
        Assert.NotEmpty(items);
        Assert.All(items, r => Assert.Contains(PublishedSeed.Brand(4242), r.GetProperty("entityName").GetString()));
        var expected = await platform.ScalarAsync("SELECT count(*) FROM published_results WHERE entity_name LIKE @p", new { p = "%" + PublishedSeed.Brand(4242) + "%" });
        Assert.Equal(Math.Min(200, expected), items.Length);

        // A filter that rejects most of the gram's rows: the search walks chunk after chunk and still finds every match.
        string division;
        await using (var connection = await platform.Store.OpenAsync())
            division = await connection.QueryFirstAsync<string>(
                "SELECT division_code FROM published_results WHERE entity_name LIKE '%超市%' GROUP BY 1 HAVING count(*) BETWEEN 2 AND 199 ORDER BY count(*), 1 LIMIT 1");
        var sparse = await ReadAsync(await anonymous.GetAsync($"/api/public/v1/results?limit=200&division={division}&name=" + Uri.EscapeDataString("超市")), HttpStatusCode.OK);
        var sparseCount = await platform.ScalarAsync(
            "SELECT count(*) FROM published_results WHERE superseded_by IS NULL AND entity_name LIKE '%超市%' AND division_code LIKE @division", new { division = division + "%" });
        Assert.True(await platform.ScalarAsync("SELECT count(*) FROM published_name_grams WHERE gram = '超市'") > 2 * PublicationQueries.GramChunk);
        Assert.InRange(sparseCount, 2, 199);
        var sparseItems = sparse.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("entityCreditCode").GetString()).ToList();
        Assert.Equal(sparseCount, sparseItems.Count);
        Assert.Equal(sparseItems.Count, sparseItems.Distinct().Count());

        // The grams follow the current version: a row marked superseded leaves the name index (trigger of 0014).
        var seq = await platform.ScalarAsync("SELECT seq FROM published_results WHERE entity_credit_code = @code", new { code = PublishedSeed.CreditCode(4242) });
        Assert.True(await platform.ScalarAsync("SELECT count(*) FROM published_name_grams WHERE result_seq = @seq", new { seq }) > 5);
        await platform.ScalarAsync("WITH u AS (UPDATE published_results SET superseded_by = 2 WHERE seq = @seq RETURNING 1) SELECT count(*) FROM u", new { seq });
        Assert.Equal(0, await platform.ScalarAsync("SELECT count(*) FROM published_name_grams WHERE result_seq = @seq", new { seq }));
    }

    [PostgresFact]
    public async Task A_place_in_words_searches_its_division_prefixes_and_finds_that_division_only()
    {
        var connectionString = await server.CreateDatabaseAsync("place_search");
        await SchemaMigrator.MigrateAsync(StorageProvider.PostgreSql, connectionString);
        await PublishedSeed.SeedAsync(connectionString, 1, 30_000);
        await using var host = await ApiHost.StartAsync(postgresConnectionString: connectionString);
        using var anonymous = host.Anonymous();
        async Task<long> CountAsync(string where, object? parameters = null)
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM published_results WHERE superseded_by IS NULL AND " + where, parameters);
        }

        // (place, the divisions it must find) — the seed spreads rows over 2101xx … 2114xx.
        foreach (var (place, divisions) in new[]
                 {
                     ("大连", new[] { "2102" }), ("Dalian", ["2102"]), ("中山区", ["210202"]), ("大连市 中山区", ["210202"]), ("铁西区", ["210106", "210303", "220302"]),
                 })
        {
            var found = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?limit=200&place=" + Uri.EscapeDataString(place)), HttpStatusCode.OK);
            var rows = found.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("divisionCode").GetString()!).ToList();
            var where = "(" + string.Join(" OR ", divisions.Select(d => $"division_code LIKE '{d}%'")) + ")";
            var expected = await CountAsync(where);
            Assert.InRange(expected, 1, 29_000); // something in the place, and rows outside it
            Assert.Equal(Math.Min(200, expected), rows.Count);
            Assert.All(rows, d => Assert.Contains(divisions, prefix => d.StartsWith(prefix, StringComparison.Ordinal)));
            Assert.Equal(divisions, found.GetProperty("place").GetProperty("divisions").EnumerateArray().Select(d => d.GetProperty("prefix").GetString()!));
        }

        // With a name: both filters hold, every match found (the name's gram walk goes on chunk after chunk).
        var both = await ReadAsync(await anonymous.GetAsync("/api/public/v1/results?limit=200&place=" + Uri.EscapeDataString("中山区") + "&name=" + Uri.EscapeDataString("超市")), HttpStatusCode.OK);
        var bothRows = both.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Math.Min(200, await CountAsync("division_code LIKE '210202%' AND entity_name LIKE '%超市%'")), bothRows.Count);
        Assert.All(bothRows, r => Assert.Equal("210202", r.GetProperty("divisionCode").GetString()));

        // An unknown place is a field error, not a 500.
        var problem = await ProblemAsync(await anonymous.GetAsync("/api/public/v1/results?place=" + Uri.EscapeDataString("火星")), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("place", out _));

        // The plan: index scans only (the division index serves each prefix as a range, or the newest-first walk stops early).
        var store = host.Services.GetRequiredService<PublicationQueries>();
        var (sql, parameters) = store.SearchCommand(new ResultQuery { DivisionPrefixes = ["210106", "210303"] });
        await using var db = new Npgsql.NpgsqlConnection(connectionString);
        var plan = string.Join('\n', await db.QueryAsync<string>("EXPLAIN " + sql, parameters));
        Assert.DoesNotContain("Seq Scan on published_results", plan);
        Assert.Contains("published_results", plan);
    }

    /// <summary>The first entity's inspection in a task of its own, completed and ready for rev-d1 to publish; returns its credit code.</summary>
    private static async Task<string> CompletedInspectionAsync(InspectionPlatform platform, string task)
    {
        string entity;
        await using (var connection = await platform.Store.OpenAsync())
            entity = await connection.QueryFirstAsync<string>("SELECT credit_code FROM market_entities ORDER BY credit_code");
        await platform.AssignDirectAsync(task, entity, "C0000", "C0001", ["I1"], new DateOnly(2026, 6, 30));
        await new PublicationSteps(platform).CompleteAsync($"{task}/{entity}", ["A"]);
        return entity;
    }
}
