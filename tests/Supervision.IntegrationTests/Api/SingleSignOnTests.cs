using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// A stand-in for a government single sign-on: a real OpenID Connect discovery document and key set served over
/// loopback HTTP, issuing RS256 access tokens the platform must accept beside its own.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncLifetime
{
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication _app = null!;

    public string Issuer { get; private set; } = string.Empty;

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
        Platform = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = Issuer,
            ["Auth:Oidc:Audience"] = Audience,
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
        });
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
