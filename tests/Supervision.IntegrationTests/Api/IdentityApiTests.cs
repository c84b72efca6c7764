using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>One embedded platform (co-hosted silo, SQLite file) shared by the API tests of a class.</summary>
public sealed class EmbeddedPlatform : IAsyncLifetime
{
    public ApiHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ApiHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class IdentityApiTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    [Fact]
    public async Task Anonymous_callers_get_401_problem_details_on_non_public_endpoints()
    {
        using var client = Host.Anonymous();
        foreach (var path in new[] { "/api/users", "/api/audit", "/api/auth/me" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_401()
    {
        using var client = Host.Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Five_wrong_passwords_from_one_address_lock_it_out_of_the_account_until_the_lock_ends_or_an_admin_sets_a_new_password()
    {
        await using var host = await ApiHost.StartAsync(settings: LockoutSettings);
        await LockoutScenarioAsync(host);
    }

    [Fact]
    public async Task The_lockout_follows_its_configuration_and_a_bad_value_stops_the_start()
    {
        await using (var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
                     {
                         ["Auth:Local:MaxFailedSignIns"] = "2",
                         ["Auth:Local:LockoutDuration"] = "00:01:00",
                     }))
        {
            using var anonymous = host.Anonymous();
            Task<HttpResponseMessage> WrongAsync() => anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "not-the-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, (await WrongAsync()).StatusCode);
            var locked = await WrongAsync();
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            Assert.InRange(locked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        }

        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ApiHost.StartAsync(settings: new Dictionary<string, string?> { ["Auth:Local:MaxFailedSignIns"] = "-1" }));
        Assert.Contains("Auth:Local:MaxFailedSignIns", refused.Message);
    }

    /// <summary>The per-address rate limit out of the way: the scenario makes some hundred anonymous requests.</summary>
    internal static readonly Dictionary<string, string?> LockoutSettings = new() { ["Supervision:Public:PermitLimit"] = "100000" };

    /// <summary>The lockout, on any storage (ProductionModeTests runs it on PostgreSQL).</summary>
    internal static async Task LockoutScenarioAsync(ApiHost host)
    {
        const string user = "locked-out", right = "a-long-test-password";
        using var admin = await host.AdminAsync();
        (await host.UserAsync(user, "reviewer", department: "D001")).Dispose();
        using var anonymous = host.Anonymous();
        Task<HttpResponseMessage> SignInAsync(string password) => anonymous.PostAsJsonAsync("/api/auth/token", new { username = user, password });

        async Task LockAsync()
        {
            for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("wrong-" + i)).StatusCode);
            var locked = await SignInAsync("wrong-4");
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
            Assert.InRange(locked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
            // Locked: the right password is refused as well from this address; from another one it works.
            Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(right)).StatusCode);
            var elsewhere = await host.Services.GetRequiredService<UserStore>().SignInAsync(user, right, "192.0.2.7");
            Assert.Equal(user, elsewhere.User?.Username);
        }

        await LockAsync();
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/audit?subjectType=user&subjectKey={user}");
        Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "user.locked");

        // The lock ends (moved into the past here rather than waiting 15 minutes): the right password works again.
        var store = host.Services.GetRequiredService<SqlStore>();
        await using (var connection = await store.OpenAsync())
            Assert.Equal(1, await connection.ExecuteAsync("UPDATE sign_in_failures SET locked_until = @past WHERE username = @user", new { past = DateTimeOffset.UtcNow.AddSeconds(-1), user }));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(right)).StatusCode);

        // A success starts the count again: four more failures do not lock.
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("again-" + i)).StatusCode);
        // Nor does a fifth that comes more than the lockout duration after the fourth: the count starts again.
        await using (var connection = await store.OpenAsync())
            await connection.ExecuteAsync("UPDATE sign_in_failures SET updated_at = @past WHERE username = @user", new { past = DateTimeOffset.UtcNow.AddMinutes(-16), user });
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("later")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(right)).StatusCode);

        // Locked again: an admin's new password unlocks at once.
        await LockAsync();
        const string fresh = "a-fresh-one-time-password";
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/users/{user}/password", new { newPassword = fresh })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(fresh)).StatusCode);
        await using (var connection = await store.OpenAsync())
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sign_in_failures WHERE username = @user", new { user }));

        // An unknown name is answered exactly as a real one (the answers must not tell which accounts exist).
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "nobody-here", password = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "nobody-here", password = "x" })).StatusCode);

        // Guesses sent together are counted before any password is checked: at most five are checked, the rest refused.
        const string burst = "burst-target";
        (await host.UserAsync(burst, "reviewer", department: "D001")).Dispose();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => anonymous.PostAsJsonAsync("/api/auth/token", new { username = burst, password = "guess-" + i })));
        var checkedGuesses = answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized);
        Assert.InRange(checkedGuesses, 1, 5);
        Assert.Equal(20 - checkedGuesses, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = burst, password = right })).StatusCode);

        // Changing one's own password checks the current one as a sign-in does: a stolen session cannot guess it freely.
        using var owner = await host.SignInAsync(user, fresh);
        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync("/api/auth/password", new { currentPassword = "guess-" + i, newPassword = "another-long-password" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await owner.PostAsJsonAsync("/api/auth/password", new { currentPassword = "guess-4", newPassword = "another-long-password" })).StatusCode);
    }

    [Fact]
    public async Task A_scheduler_cannot_manage_accounts()
    {
        using var scheduler = await Host.UserAsync("sched-identity", "scheduler", department: "D001");
        var response = await scheduler.GetAsync("/api/users");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var me = await scheduler.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("D001", me.GetProperty("departmentCode").GetString());
    }

    [Fact]
    public async Task Bad_account_input_names_each_field_and_the_reason()
    {
        using var admin = await Host.AdminAsync();
        var response = await admin.PostAsJsonAsync("/api/users", new { username = "X", displayName = "", password = "short", roles = new[] { "scheduler", "boss" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "username", "displayName", "password", "roles", "departmentCode" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"expected an error for {field}: {problem}");
        }
    }

    [Fact]
    public async Task Malformed_json_is_a_400_naming_the_field_not_a_500()
    {
        using var admin = await Host.AdminAsync();
        using var body = new StringContent("""{"username":"abc","displayName":"x","roles":"admin"}""", Encoding.UTF8, "application/json");
        var response = await admin.PostAsync("/api/users", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("roles", out _), problem.ToString());
    }

    [Fact]
    public async Task A_query_parameter_of_the_wrong_type_is_a_400_naming_it()
    {
        using var admin = await Host.AdminAsync();
        var response = await admin.GetAsync("/api/users?limit=lots");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _), problem.ToString());
        var tooMany = await admin.GetAsync("/api/users?limit=100000");
        Assert.True((await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Fact]
    public async Task Updates_need_the_current_etag_and_a_stale_one_gets_412()
    {
        using var admin = await Host.AdminAsync();
        await Host.UserAsync("etag-user", "reviewer", department: "D002");
        var get = await admin.GetAsync("/api/users/etag-user");
        var etag = get.Headers.ETag!.Tag;
        var change = new { displayName = "Renamed", roles = new[] { "reviewer" }, departmentCode = "D002" };

        var noIfMatch = await admin.PutAsJsonAsync("/api/users/etag-user", change);
        Assert.Equal((HttpStatusCode)428, noIfMatch.StatusCode);

        using var first = new HttpRequestMessage(HttpMethod.Put, "/api/users/etag-user") { Content = JsonContent.Create(change) };
        first.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(first)).StatusCode);

        using var second = new HttpRequestMessage(HttpMethod.Put, "/api/users/etag-user") { Content = JsonContent.Create(change) };
        second.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await admin.SendAsync(second)).StatusCode);
    }

    [Fact]
    public async Task Every_account_change_is_in_the_audit_log_with_before_and_after()
    {
        using var admin = await Host.AdminAsync();
        await Host.UserAsync("audited-user", "reviewer", department: "D003");
        var get = await admin.GetAsync("/api/users/audited-user");
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/users/audited-user")
        {
            Content = JsonContent.Create(new { displayName = "Audited", roles = new[] { "reviewer" }, departmentCode = "D004" }),
        };
        put.Headers.TryAddWithoutValidation("If-Match", get.Headers.ETag!.Tag);
        (await admin.SendAsync(put)).EnsureSuccessStatusCode();

        var page = await admin.GetFromJsonAsync<JsonElement>("/api/audit?subjectType=user&subjectKey=audited-user");
        var entries = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("action").GetString() == "user.created" && e.GetProperty("actor").GetString() == "admin");
        var update = Assert.Single(entries, e => e.GetProperty("action").GetString() == "user.updated");
        Assert.Contains("D003", update.GetProperty("beforeJson").GetString(), StringComparison.Ordinal);
        Assert.Contains("D004", update.GetProperty("afterJson").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("passwordHash", update.GetProperty("afterJson").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Health_endpoints_answer_and_the_openapi_document_lists_the_api()
    {
        using var client = Host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/users", out _));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/reference")).StatusCode);
    }
}

public sealed class EmbeddedRestartTests
{
    [Fact]
    public async Task An_account_created_before_a_restart_can_sign_in_after_it()
    {
        var directory = Path.Combine(Path.GetTempPath(), "supervision-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await ApiHost.StartAsync(directory))
            {
                await first.UserAsync("survivor", "reviewer", department: "D009");
            }

            await using var second = await ApiHost.StartAsync(directory);
            using var client = await second.SignInAsync("survivor", "a-long-test-password");
            var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
            Assert.Equal("survivor", me.GetProperty("username").GetString());
        }
        finally
        {
            ApiHost.TryDelete(directory);
        }
    }
}
