using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.Infrastructure.Identity;
using Supervision.Api.Identity;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// A stand-in for a government single sign-on: a real OpenID Connect discovery document and key set served over
/// loopback HTTP, issuing RS256 access tokens the platform must accept beside its own.
/// </summary>
public class FakeIdentityProvider : IAsyncLifetime
{
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication _app = null!;

    public string Issuer { get; private set; } = string.Empty;

    /// <summary>Settings the platform starts with besides the identity provider's.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    public const string Audience = "supervision-sso";

    public ApiHost Platform { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = ApiHost.FreePort();
        Issuer = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Issuer);
        _app = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "sso-key" });
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = Issuer + "/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        _app.MapGet("/jwks", () => Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } }));
        await _app.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = Issuer,
            ["Auth:Oidc:Audience"] = Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        };
        foreach (var (key, value) in MoreSettings) settings[key] = value;
        Platform = await ApiHost.StartAsync(settings: settings);
    }

    public string Token(string subject, IReadOnlyDictionary<string, object> claims, RSA? signWith = null)
    {
        var all = new Dictionary<string, object>(claims) { ["sub"] = subject };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = all,
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _rsa) { KeyId = "sso-key" }, SecurityAlgorithms.RsaSha256),
        });
    }

    public HttpClient ClientWith(string token)
    {
        var client = Platform.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task DisposeAsync()
    {
        await Platform.DisposeAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }
}

/// <summary>The same identity provider in front of an installation whose only way in is single sign-on.</summary>
public sealed class SingleSignOnOnlyProvider : FakeIdentityProvider
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings => [new("Auth:Local:Enabled", "false")];
}

public sealed class SingleSignOnTests(FakeIdentityProvider sso) : IClassFixture<FakeIdentityProvider>
{
    [Fact]
    public async Task A_single_sign_on_token_carries_its_roles_and_department_from_claims()
    {
        using var client = sso.ClientWith(sso.Token("sub-scheduler", new Dictionary<string, object>
        {
            ["preferred_username"] = "li.scheduler",
            ["roles"] = new[] { "scheduler", "superuser" },
            ["department"] = "SSO-1",
        }));
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("li.scheduler", me.GetProperty("username").GetString());
        Assert.Equal(["scheduler"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("SSO-1", me.GetProperty("departmentCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/entities")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task An_account_mapped_to_the_subject_decides_the_rights_not_the_token()
    {
        using var admin = await sso.Platform.AdminAsync();
        var created = await admin.PostAsJsonAsync("/api/users", new
        {
            username = "wang.admin",
            displayName = "王管理员",
            roles = new[] { "admin" },
            externalSubject = "sub-mapped-admin",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var client = sso.ClientWith(sso.Token("sub-mapped-admin", new Dictionary<string, object> { ["roles"] = new[] { "inspector" } }));
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("wang.admin", me.GetProperty("username").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/users")).StatusCode);
    }

    /// <summary>
    /// A mapped account is read on every request: changed roles apply to the very next one, a disabled account refuses the
    /// token (401 problem details). The account's one-time password is no matter for single sign-on: the identity
    /// provider owns the password, so "must change password" does not fence these tokens.
    /// </summary>
    [Fact]
    public async Task A_mapped_account_that_is_demoted_or_disabled_changes_or_ends_the_single_sign_on_token_at_once()
    {
        using var admin = await sso.Platform.AdminAsync();
        var created = await admin.PostAsJsonAsync("/api/users", new
        {
            username = "zhao.scheduler",
            displayName = "赵调度员",
            roles = new[] { "scheduler" },
            departmentCode = "SSO-2",
            externalSubject = "sub-mapped-scheduler",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mustChangePassword").GetBoolean());

        using var client = sso.ClientWith(sso.Token("sub-mapped-scheduler", new Dictionary<string, object> { ["roles"] = new[] { "admin" } }));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/entities")).StatusCode);
        Assert.Equal(["scheduler"], (await client.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        async Task UpdateAsync(object change)
        {
            var current = await admin.GetAsync("/api/users/zhao.scheduler");
            using var put = new HttpRequestMessage(HttpMethod.Put, "/api/users/zhao.scheduler") { Content = JsonContent.Create(change) };
            put.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.Tag);
            Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(put)).StatusCode);
        }

        await UpdateAsync(new { displayName = "赵审核员", roles = new[] { "reviewer" }, departmentCode = "SSO-3" });
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(["reviewer"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("SSO-3", me.GetProperty("departmentCode").GetString());

        await UpdateAsync(new { displayName = "赵审核员", roles = new[] { "reviewer" }, departmentCode = "SSO-3", disabled = true });
        await SignInRevocationTests.AssertEndedAsync(await client.GetAsync("/api/auth/me"));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused_and_local_tokens_still_work()
    {
        using var stranger = RSA.Create(2048);
        using var forged = sso.ClientWith(sso.Token("sub-forged", new Dictionary<string, object> { ["roles"] = new[] { "admin" } }, stranger));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/users")).StatusCode);

        using var local = await sso.Platform.AdminAsync();
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/api/users")).StatusCode);
    }
}

/// <summary>
/// Auth:Local:Enabled=false (docs/operations.md, "Single sign-on"): the identity provider's tokens are the only way in —
/// no local token is issued, no password changed, none that the platform's own key signed is accepted, and the sign-in
/// page says so instead of asking for a password.
/// </summary>
public sealed class SingleSignOnOnlyTests(SingleSignOnOnlyProvider sso) : IClassFixture<SingleSignOnOnlyProvider>
{
    [Fact]
    public async Task No_local_token_is_issued_even_for_the_right_password()
    {
        using var anonymous = sso.Platform.Anonymous();
        var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = ApiHost.AdminPassword });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Local sign-in is switched off", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_token_the_platform_itself_signed_is_refused_while_the_providers_token_works()
    {
        // A token exactly as local sign-in would issue it, signed with this installation's own key: accepted with local
        // accounts on, refused once they are off.
        var users = sso.Platform.Services.GetRequiredService<UserStore>();
        var admin = await users.FindAsync("admin");
        Assert.NotNull(admin);
        var (localToken, _) = sso.Platform.Services.GetRequiredService<TokenService>().Issue(admin);
        using var local = sso.ClientWith(localToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await local.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await local.PostAsJsonAsync("/api/auth/password",
            new { currentPassword = ApiHost.AdminPassword, newPassword = "another-long-password" })).StatusCode);

        using var provider = sso.ClientWith(sso.Token("sub-only", new Dictionary<string, object> { ["roles"] = new[] { "admin" } }));
        Assert.Equal(HttpStatusCode.OK, (await provider.GetAsync("/api/users")).StatusCode);
        var refused = await provider.PostAsJsonAsync("/api/auth/password", new { currentPassword = "x", newPassword = "another-long-password" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_page_says_local_sign_in_is_off_and_asks_for_no_password()
    {
        using var anonymous = sso.Platform.Anonymous();
        var english = await anonymous.GetStringAsync("/app/login?lang=en");
        Assert.Contains("Local sign-in is switched off", english, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"password\"", english, StringComparison.Ordinal);
        var chinese = await anonymous.GetStringAsync("/app/login?lang=zh-CN");
        Assert.Contains("本平台未启用本地账号登录", chinese, StringComparison.Ordinal);
    }
}
