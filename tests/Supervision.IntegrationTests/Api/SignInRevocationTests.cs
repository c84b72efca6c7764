using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.IntegrationTests.Infrastructure;
using static Supervision.IntegrationTests.Draw.DrawPlatform;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// An embedded platform with department D1 and its item I1 (enough for a draft task), and a short account cache: a change
/// made in this process ends sign-ins at once; one made elsewhere within <see cref="CacheDuration"/>.
/// </summary>
public sealed class RevocationPlatform : IAsyncLifetime
{
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(2);

    public ApiHost Host { get; private set; } = null!;

    /// <summary>The account cache's own clock: a test steps it past the cache duration rather than waiting for it.</summary>
    public FakeTimeProvider CacheClock { get; } = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        Host = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:Local:AccountCacheDuration"] = CacheDuration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        }, services: s => s.UseAccountCacheClock(CacheClock));
        var now = DateTimeOffset.UtcNow;
        await using var connection = await Host.Services.GetRequiredService<SqlStore>().OpenAsync();
        await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES ('D1', 'Department D1', @now, @now)", new { now });
        await connection.ExecuteAsync("INSERT INTO departments (code, name, created_at, updated_at) VALUES ('D2', 'Department D2', @now, @now)", new { now });
        await connection.ExecuteAsync(
            """
            INSERT INTO inspection_items (code, name, department_code, legal_basis, method, result_codes, created_at, updated_at)
            VALUES ('I1', 'I1', 'D1', 'test', 'on_site', 'PASS,FAIL', @now, @now)
            """, new { now });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Security review finding 3 ("Fences that hold"): tokens and web sessions end when their account changes — a new
/// password (own or an admin's), a disabled account, changed roles or department — instead of living out their 8 hours.
/// </summary>
public sealed class SignInRevocationTests(RevocationPlatform platform) : IClassFixture<RevocationPlatform>
{
    private ApiHost Host => platform.Host;

    /// <summary>401 problem details saying the sign-in ended (and the bearer challenge says invalid_token).</summary>
    internal static async Task AssertEndedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"expected 401, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Sign-in ended", JsonDocument.Parse(body).RootElement.GetProperty("title").GetString());
    }

    private static async Task<HttpResponseMessage> UpdateAsync(HttpClient admin, string username, object change)
    {
        var current = await admin.GetAsync($"/api/users/{username}");
        current.EnsureSuccessStatusCode();
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/users/{username}") { Content = JsonContent.Create(change) };
        put.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
        return await admin.SendAsync(put);
    }

    [Fact]
    public async Task A_token_ends_at_once_when_its_user_changes_the_password_and_a_new_sign_in_works()
    {
        using var user = await Host.UserAsync("revoke-own", "reviewer", department: "D1");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/auth/me")).StatusCode);
        using var second = await Host.SignInAsync("revoke-own", ApiHost.UserPassword);

        var changed = await user.PostAsJsonAsync("/api/auth/password", new { currentPassword = ApiHost.UserPassword, newPassword = "a-new-long-password" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        // No waiting: the change was made in this process, which dropped its cached account at once.
        var refused = await user.GetAsync("/api/auth/me");
        await AssertEndedAsync(refused);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        await AssertEndedAsync(await second.GetAsync("/api/entities"));
        // Where anonymous callers are served too, the ended token is still told so rather than answered as anonymous.
        await AssertEndedAsync(await second.GetAsync("/api/tasks"));

        using var again = await Host.SignInAsync("revoke-own", "a-new-long-password");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/entities")).StatusCode);
    }

    [Fact]
    public async Task A_token_ends_when_an_admin_sets_a_new_password()
    {
        using var admin = await Host.AdminAsync();
        using var user = await Host.UserAsync("revoke-reset", "reviewer", department: "D1");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/entities")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/users/revoke-reset/password", new { newPassword = "an-admins-one-time-password" })).StatusCode);
        await AssertEndedAsync(await user.GetAsync("/api/entities"));
        await AssertEndedAsync(await user.GetAsync("/api/auth/me"));

        // The audit line for the change is still written.
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit?subjectType=user&subjectKey=revoke-reset");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "user.password-set" && e.GetProperty("actor").GetString() == "admin");
    }

    [Fact]
    public async Task A_token_ends_when_the_account_is_disabled_and_stays_ended_when_it_is_enabled_again()
    {
        using var admin = await Host.AdminAsync();
        using var user = await Host.UserAsync("revoke-disabled", "reviewer", department: "D1");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/entities")).StatusCode);

        var disabled = await UpdateAsync(admin, "revoke-disabled", new { displayName = "revoke-disabled", roles = new[] { "reviewer" }, departmentCode = "D1", disabled = true });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        await AssertEndedAsync(await user.GetAsync("/api/entities"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Anonymous().PostAsJsonAsync("/api/auth/token", new { username = "revoke-disabled", password = ApiHost.UserPassword })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await UpdateAsync(admin, "revoke-disabled", new { displayName = "revoke-disabled", roles = new[] { "reviewer" }, departmentCode = "D1", disabled = false })).StatusCode);
        await AssertEndedAsync(await user.GetAsync("/api/entities"));
        using var again = await Host.SignInAsync("revoke-disabled", ApiHost.UserPassword);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/entities")).StatusCode);
    }

    /// <summary>The review's reproduction: a demoted scheduler's old token still created a task.</summary>
    [Fact]
    public async Task A_demoted_scheduler_can_no_longer_create_a_task_with_the_old_token()
    {
        using var admin = await Host.AdminAsync();
        using var scheduler = await Host.UserAsync("revoke-scheduler", "scheduler", department: "D1");
        await ReadAsync(await scheduler.PostAsJsonAsync("/api/tasks", Draft()), HttpStatusCode.Created);

        var demoted = await UpdateAsync(admin, "revoke-scheduler", new { displayName = "revoke-scheduler", roles = new[] { "reviewer" }, departmentCode = "D1" });
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);

        await AssertEndedAsync(await scheduler.PostAsJsonAsync("/api/tasks", Draft()));
        // Signed in again, the account is what the admin made it: a reviewer, who cannot create tasks.
        using var reviewer = await Host.SignInAsync("revoke-scheduler", ApiHost.UserPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.PostAsJsonAsync("/api/tasks", Draft())).StatusCode);
        var me = await reviewer.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(["reviewer"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_token_ends_when_the_department_changes()
    {
        using var admin = await Host.AdminAsync();
        using var scheduler = await Host.UserAsync("revoke-moved", "scheduler", department: "D1");
        Assert.Equal(HttpStatusCode.OK, (await scheduler.GetAsync("/api/entities")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await UpdateAsync(admin, "revoke-moved", new { displayName = "revoke-moved", roles = new[] { "scheduler" }, departmentCode = "D2" })).StatusCode);
        await AssertEndedAsync(await scheduler.PostAsJsonAsync("/api/tasks", Draft()));

        // A new display name alone changes no right and ends nothing.
        using var moved = await Host.SignInAsync("revoke-moved", ApiHost.UserPassword);
        Assert.Equal("D2", (await moved.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("departmentCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await UpdateAsync(admin, "revoke-moved", new { displayName = "Moved to D2", roles = new[] { "scheduler" }, departmentCode = "D2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await moved.GetAsync("/api/entities")).StatusCode);
    }

    [Fact]
    public async Task A_token_issued_without_a_security_stamp_is_refused()
    {
        // A token signed with the right key for a real account, but without the stamp claim (as tokens issued before the
        // stamp existed): refused, so an upgrade ends the old 8-hour tokens.
        var key = Host.Services.GetRequiredService<Supervision.Api.Identity.LocalTokenKey>().Key;
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = Supervision.Api.Identity.TokenService.Issuer,
            Audience = Supervision.Api.Identity.TokenService.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "admin", ["role"] = new[] { "admin" } },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(key), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        using var client = Host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        await AssertEndedAsync(await client.GetAsync("/api/users"));
    }

    [Fact]
    public async Task A_web_session_ends_when_its_account_is_disabled_or_its_password_is_reset()
    {
        using var admin = await Host.AdminAsync();
        (await Host.UserAsync("session-disabled", "reviewer", department: "D1")).Dispose();
        (await Host.UserAsync("session-reset", "reviewer", department: "D1")).Dispose();
        using var disabledSession = await WebSession.SignInAsync(Host, "session-disabled", ApiHost.UserPassword);
        using var resetSession = await WebSession.SignInAsync(Host, "session-reset", ApiHost.UserPassword);
        foreach (var session in new[] { disabledSession, resetSession })
        {
            Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/api/auth/me")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/app")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await UpdateAsync(admin, "session-disabled", new { displayName = "x", roles = new[] { "reviewer" }, departmentCode = "D1", disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/users/session-reset/password", new { newPassword = "an-admins-one-time-password" })).StatusCode);

        foreach (var session in new[] { disabledSession, resetSession })
        {
            await AssertEndedAsync(await session.Http.GetAsync("/api/auth/me"));
            var page = await session.Http.GetAsync("/app");
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains("/app/login", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A change made by another API instance reaches this one through the database only: this process answers from what
    /// it read for Auth:Local:AccountCacheDuration (2 s here) and refuses the token as soon as that has passed. The cache
    /// runs on a clock of its own that the test steps, so what is checked is the rule, not how fast a busy machine is.
    /// </summary>
    [Fact]
    public async Task A_change_written_by_another_process_ends_the_token_within_the_cache_duration()
    {
        Assert.Equal(RevocationPlatform.CacheDuration, Host.Services.GetRequiredService<AccountCache>().Duration);
        using var user = await Host.UserAsync("revoke-elsewhere", "reviewer", department: "D1");
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/auth/me")).StatusCode);

        await using (var connection = await Host.Services.GetRequiredService<SqlStore>().OpenAsync())
        {
            // What another instance's UserStore writes for a new password; this process's cache is not told.
            Assert.Equal(1, await connection.ExecuteAsync(
                "UPDATE users SET security_stamp = @stamp, version = version + 1 WHERE username = 'revoke-elsewhere'", new { stamp = UserStore.NewSecurityStamp() }));
        }

        await SignInRevocationTests.AssertEndedOnlyAfterCacheDurationAsync(platform.CacheClock, user);
    }

    /// <summary>
    /// A token whose account changed in the database without this process being told: still answered from the cache until
    /// the cache duration has passed on <paramref name="cacheClock"/>, refused on the first request after.
    /// </summary>
    internal static async Task AssertEndedOnlyAfterCacheDurationAsync(FakeTimeProvider cacheClock, HttpClient client)
    {
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);
        cacheClock.Advance(RevocationPlatform.CacheDuration - TimeSpan.FromMilliseconds(100));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);
        cacheClock.Advance(TimeSpan.FromMilliseconds(100));
        await AssertEndedAsync(await client.GetAsync("/api/auth/me"));
    }
}

/// <summary>Two API instances on one PostgreSQL database: a change made through one ends the sign-in at the other within the cache duration.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SignInRevocationAcrossInstancesTests(PostgresServer server)
{
    [PostgresFact]
    public async Task A_password_changed_through_one_instance_ends_the_token_at_the_other_within_the_cache_duration()
    {
        var database = await server.CreateDatabaseAsync("revocation_instances");
        var settings = new Dictionary<string, string?> { ["Auth:Local:AccountCacheDuration"] = "00:00:02" };
        var secondCacheClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var first = await ApiHost.StartAsync(postgresConnectionString: database, settings: settings);
        await using var second = await ApiHost.StartAsync(postgresConnectionString: database, settings: settings,
            services: s => s.UseAccountCacheClock(secondCacheClock));

        (await first.UserAsync("two-instances", "reviewer", department: "D1")).Dispose();
        using var atSecond = await second.SignInAsync("two-instances", ApiHost.UserPassword);
        Assert.Equal(HttpStatusCode.OK, (await atSecond.GetAsync("/api/auth/me")).StatusCode);

        using var atFirst = await first.SignInAsync("two-instances", ApiHost.UserPassword);
        Assert.Equal(HttpStatusCode.NoContent, (await atFirst.PostAsJsonAsync("/api/auth/password", new { currentPassword = ApiHost.UserPassword, newPassword = "changed-at-the-first" })).StatusCode);

        // The same token at the first instance (same signing key): refused at once; at the second once its cache's 2 s pass.
        using var secondTokenAtFirst = first.Anonymous();
        secondTokenAtFirst.DefaultRequestHeaders.Authorization = atSecond.DefaultRequestHeaders.Authorization;
        await SignInRevocationTests.AssertEndedAsync(await secondTokenAtFirst.GetAsync("/api/auth/me"));
        await SignInRevocationTests.AssertEndedOnlyAfterCacheDurationAsync(secondCacheClock, atSecond);
        await SignInRevocationTests.AssertEndedAsync(await atSecond.GetAsync("/api/auth/me"));
    }
}

/// <summary>The account cache on a clock the test steps.</summary>
internal static class AccountCacheClock
{
    public static IServiceCollection UseAccountCacheClock(this IServiceCollection services, TimeProvider clock) =>
        services.AddSingleton(sp => new AccountCache(clock, sp.GetRequiredService<AccountCachePolicy>()));
}

/// <summary>A browser-like web session without a browser: cookies, the sign-in form and its antiforgery token.</summary>
internal sealed class WebSession : IDisposable
{
    private readonly HttpClientHandler _handler;

    private WebSession(HttpClientHandler handler, HttpClient http)
    {
        _handler = handler;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <summary>Signs in through /app/login; the answer's redirect (not followed) is in <see cref="SignInRedirect"/>.</summary>
    public static async Task<WebSession> SignInAsync(ApiHost host, string username, string password)
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        var session = new WebSession(handler, new HttpClient(handler) { BaseAddress = host.BaseAddress });
        var login = await session.Http.GetStringAsync("/app/login");
        var signIn = await session.Http.PostAsync("/app/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = password,
            ["__RequestVerificationToken"] = FormToken(login),
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        session.SignInRedirect = signIn.Headers.Location!.OriginalString;
        return session;
    }

    public string SignInRedirect { get; private set; } = string.Empty;

    /// <summary>The antiforgery token of a page's form.</summary>
    public static string FormToken(string html)
    {
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return token;
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }
}
