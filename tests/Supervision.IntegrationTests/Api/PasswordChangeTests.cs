using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// Security review finding 10 ("Fences that hold"): an account that must change its password can do nothing with its
/// token or session but set a new password, read who it is and sign out.
/// </summary>
public sealed class PasswordChangeTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    /// <summary>403 problem details naming the route that sets a new password.</summary>
    internal static async Task AssertPasswordChangeRequiredAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"expected 403, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Password change required", problem.GetProperty("title").GetString());
        Assert.Contains("POST /api/auth/password", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("POST /api/auth/password", problem.GetProperty("route").GetString());
        Assert.Equal("newPassword", problem.GetProperty("field").GetString());
    }

    private static async Task<(HttpClient Client, JsonElement Token)> TokenAsync(ApiHost host, string username, string password)
    {
        var client = host.Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = await response.Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return (client, token);
    }

    /// <summary>What every test here checks about a token of an account that must change its password.</summary>
    internal static async Task AssertOnlyThePasswordRoutesOpenAsync(HttpClient client)
    {
        await AssertPasswordChangeRequiredAsync(await client.GetAsync("/api/entities"));
        await AssertPasswordChangeRequiredAsync(await client.GetAsync("/api/users"));
        await AssertPasswordChangeRequiredAsync(await client.PostAsJsonAsync("/api/departments", new { code = "MUST01", name = "x", divisionCode = "110000", publishMode = "publisher" }));
        // A route that answers anonymous callers too: not with this account's rights.
        await AssertPasswordChangeRequiredAsync(await client.GetAsync("/api/tasks"));
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.True(me.GetProperty("mustChangePassword").GetBoolean());
    }

    [Fact]
    public async Task A_one_time_password_opens_only_the_password_change_and_the_new_password_then_works_everywhere()
    {
        using var admin = await Host.AdminAsync();
        var created = await admin.PostAsJsonAsync("/api/users", new { username = "must-change", displayName = "Must change", roles = new[] { "admin" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var oneTime = created.Headers.GetValues("X-One-Time-Password").Single();

        var (client, token) = await TokenAsync(Host, "must-change", oneTime);
        Assert.True(token.GetProperty("mustChangePassword").GetBoolean());
        await AssertOnlyThePasswordRoutesOpenAsync(client);

        // The new password must be long enough and differ from the one-time one; the current one must be right.
        var same = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword = oneTime });
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.True((await same.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("newPassword", out _));
        var wrong = await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = "not-the-one-time-password", newPassword = "my-own-long-password" });
        Assert.True((await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("currentPassword", out _));

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/auth/password", new { currentPassword = oneTime, newPassword = "my-own-long-password" })).StatusCode);
        // The one-time token ended with the change; the new password's token is an ordinary one.
        await SignInRevocationTests.AssertEndedAsync(await client.GetAsync("/api/auth/me"));
        var (fresh, freshToken) = await TokenAsync(Host, "must-change", "my-own-long-password");
        Assert.False(freshToken.GetProperty("mustChangePassword").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/entities")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/users")).StatusCode);
        Assert.False((await fresh.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("mustChangePassword").GetBoolean());
        client.Dispose();
        fresh.Dispose();
    }

    [Fact]
    public async Task An_admins_reset_makes_the_account_change_its_password_again()
    {
        using var admin = await Host.AdminAsync();
        (await Host.UserAsync("reset-must-change", "reviewer", department: "D1")).Dispose();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/users/reset-must-change/password", new { newPassword = "an-admins-one-time-password" })).StatusCode);
        var (client, token) = await TokenAsync(Host, "reset-must-change", "an-admins-one-time-password");
        Assert.True(token.GetProperty("mustChangePassword").GetBoolean());
        await AssertOnlyThePasswordRoutesOpenAsync(client);
        client.Dispose();
    }

    [Fact]
    public async Task A_web_session_that_must_change_its_password_is_sent_to_the_password_page_and_the_api_refuses_it()
    {
        using var admin = await Host.AdminAsync();
        var created = await admin.PostAsJsonAsync("/api/users", new { username = "must-change-web", displayName = "Web", roles = new[] { "reviewer" }, departmentCode = "D1" });
        var oneTime = created.Headers.GetValues("X-One-Time-Password").Single();

        using var session = await WebSession.SignInAsync(Host, "must-change-web", oneTime);
        Assert.Equal("/app/password", session.SignInRedirect);
        var tasks = await session.Http.GetAsync("/app/tasks");
        Assert.Equal(HttpStatusCode.Redirect, tasks.StatusCode);
        Assert.Equal("/app/password?returnUrl=%2Fapp%2Ftasks", tasks.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await session.Http.GetAsync("/app")).StatusCode);
        await AssertPasswordChangeRequiredAsync(await session.Http.GetAsync("/api/entities"));
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/api/auth/me")).StatusCode);
        // The public portal is not the account's: it stays open.
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/")).StatusCode);

        // The page: a wrong confirmation is named in the error summary; then the change lands where the user was going.
        var page = await session.Http.GetStringAsync("/app/password?returnUrl=%2Fapp%2Ftasks");
        Assert.Contains("data-testid=\"password-required\"", page, StringComparison.Ordinal);
        var mismatch = await session.Http.PostAsync("/app/password", Form(page, oneTime, "my-own-web-password", "something-else-entirely"));
        Assert.Equal(HttpStatusCode.OK, mismatch.StatusCode);
        var summary = Regex.Match(await mismatch.Content.ReadAsStringAsync(), "data-testid=\"error-summary\".*?</div>", RegexOptions.Singleline).Value;
        Assert.Contains("href=\"#confirmPassword\"", summary, StringComparison.Ordinal);

        var done = await session.Http.PostAsync("/app/password", Form(page, oneTime, "my-own-web-password", "my-own-web-password"));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/app/tasks", done.Headers.Location!.OriginalString);
        // The page replaced the session: it works at once, with the account's new stamp.
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/app/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/api/entities")).StatusCode);
    }

    private static FormUrlEncodedContent Form(string page, string current, string fresh, string confirm) => new(new Dictionary<string, string>
    {
        ["currentPassword"] = current,
        ["newPassword"] = fresh,
        ["confirmPassword"] = confirm,
        ["returnUrl"] = "/app/tasks",
        ["__RequestVerificationToken"] = WebSession.FormToken(page),
    });
}

/// <summary>The bootstrap admin as an operator meets it: its own process, the one-time password read from the console.</summary>
public sealed class BootstrapAdminTests
{
    /// <summary>
    /// Starts the API in its own process in the embedded mode without a configured admin password and returns it with the
    /// one-time password it printed.
    /// </summary>
    internal static async Task<(ApiProcess Api, string Password)> StartFreshAsync()
    {
        var api = await ApiProcess.StartAsync(null, new Dictionary<string, string> { ["Auth:BootstrapAdminPassword"] = "" });
        try
        {
            var line = await api.WaitForLineAsync(l => l.Contains("one-time password", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            return (api, Regex.Match(line, @"one-time password\s+(\S+)").Groups[1].Value);
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task The_bootstrap_admin_replaces_its_printed_one_time_password_through_the_api()
    {
        var (api, password) = await StartFreshAsync();
        await using var _ = api;
        Assert.Matches("^[a-zA-Z2-9]{20}$", password);
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };

        var issued = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var token = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(token.GetProperty("mustChangePassword").GetBoolean());
        using var admin = new HttpClient { BaseAddress = api.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        await PasswordChangeTests.AssertOnlyThePasswordRoutesOpenAsync(admin);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/auth/password", new { currentPassword = password, newPassword = "the-admins-own-password" })).StatusCode);
        var again = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "the-admins-own-password" });
        var fresh = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(fresh.GetProperty("mustChangePassword").GetBoolean());
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fresh.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/users")).StatusCode);
        // The printed password is spent.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password })).StatusCode);
    }
}
