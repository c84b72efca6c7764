using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Supervision.Core.Registry;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// Security review, issue 13, finding 8: no CSP, X-Content-Type-Options, Referrer-Policy or frame-ancestors; X-Frame-Options
/// only on pages with forms; the session cookie Secure only when the request itself was HTTPS; and (finding 11) the
/// entity's credit link built from the request's Host header.
/// </summary>
public sealed class SecurityHeadersTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static HttpClient Raw(ApiHost host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseAddress };

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri}: no {name} header");

    private static string Directive(string csp, string name) =>
        csp.Split(';', StringSplitOptions.TrimEntries).SingleOrDefault(d => d.StartsWith(name + " ", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no {name} in '{csp}'");

    private static void AssertHardened(HttpResponseMessage response)
    {
        var what = $"{response.RequestMessage?.RequestUri} ({(int)response.StatusCode})";
        var csp = Header(response, "Content-Security-Policy");
        Assert.True(Directive(csp, "script-src") == "script-src 'self'", $"{what}: {csp}");
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("frame-ancestors 'none'", Directive(csp, "frame-ancestors"));
        Assert.Equal("object-src 'none'", Directive(csp, "object-src"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("strict-origin-when-cross-origin", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.False(response.Headers.Contains("Server"), $"{what}: Server: {string.Join(", ", response.Headers.Server)}");
    }

    /// <summary>Signs in through the page's form, handling cookies by hand (a cookie jar would not send Secure cookies over HTTP).</summary>
    private static async Task<(HttpResponseMessage Login, HttpResponseMessage Form, string Cookies)> SignInAsync(HttpClient client,
        Action<HttpRequestMessage>? decorate = null, string returnUrl = "/app")
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/app/login");
        decorate?.Invoke(get);
        var form = await client.SendAsync(get);
        var html = await form.Content.ReadAsStringAsync();
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookies = string.Join("; ", form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/app/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["username"] = "admin", ["password"] = ApiHost.AdminPassword, ["__RequestVerificationToken"] = token, ["returnUrl"] = returnUrl,
            }),
        };
        post.Headers.Add("Cookie", cookies);
        decorate?.Invoke(post);
        var login = await client.SendAsync(post);
        Assert.True(login.StatusCode == HttpStatusCode.Redirect, $"sign-in: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        var session = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("supervision.session=", StringComparison.Ordinal));
        return (login, form, cookies + "; " + session.Split(';')[0]);
    }

    private static bool IsSecure(string setCookie) => setCookie.Split(';', StringSplitOptions.TrimEntries).Contains("secure", StringComparer.OrdinalIgnoreCase);

    [Fact]
    public async Task Every_response_carries_the_security_headers_pages_api_static_files_and_errors()
    {
        await using var host = await ApiHost.StartAsync();
        using var client = Raw(host);
        var (_, form, cookies) = await SignInAsync(client);
        AssertHardened(form);

        // Finding 7's return URL rule holds for the sign-in page's returnUrl too (it answered 500 like the language switch).
        foreach (var (returnUrl, location) in new[] { ("/app\t/x", "/app"), ("/app/tasks\r\nX: y", "/app"), ("/app/entities?q=超市", "/app/entities?q=%E8%B6%85%E5%B8%82") })
        {
            var (login, _, _) = await SignInAsync(client, returnUrl: returnUrl);
            Assert.Equal(location, login.Headers.Location!.OriginalString);
        }

        foreach (var path in new[]
        {
            "/", "/tasks", "/open-data", "/verify", "/app/login", "/css/site.css", "/js/app.js", "/js/workbench.js",
            "/api/departments", "/api/auth/me", "/api/no-such-route", "/openapi/v1.json", "/health/live", "/language/en?returnUrl=/",
        })
        {
            AssertHardened(await client.GetAsync(path));
        }

        // Signed-in pages, the ceremony page among them (no page is meant to be framed).
        foreach (var path in new[] { "/app", "/app/tasks", "/app/tasks/new", "/app/tasks/T-NONE/ceremony", "/app/imports" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookies);
            var response = await client.SendAsync(request);
            Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
            AssertHardened(response);
        }

        // The API reference (Scalar) runs an inline bootstrap: allowed by a per-request nonce on its own script tags only.
        var reference = await client.GetAsync("/reference/");
        var csp = Header(reference, "Content-Security-Policy");
        var nonce = Regex.Match(Directive(csp, "script-src"), "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Equal("frame-ancestors 'none'", Directive(csp, "frame-ancestors"));
        Assert.Equal("nosniff", Header(reference, "X-Content-Type-Options"));
        var html = await reference.Content.ReadAsStringAsync();
        Assert.All(Regex.Matches(html, "<script[^>]*>"), tag => Assert.Contains($"nonce=\"{nonce}\"", WebUtility.HtmlDecode(tag.Value)));
        Assert.NotEqual(nonce, Regex.Match(Directive(Header(await client.GetAsync("/reference/"), "Content-Security-Policy"), "script-src"), "'nonce-([^']+)'").Groups[1].Value);
    }

    [Fact]
    public async Task Cookies_are_Secure_behind_an_https_proxy_configured_by_public_address_or_forwarded_headers()
    {
        // Served over HTTPS by a proxy, announced by the public address: Secure even though this hop is plain HTTP.
        await using (var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?> { ["Supervision:PublicBaseUrl"] = "https://supervision.example.gov.cn" }))
        {
            using var client = Raw(host);
            var (login, form, _) = await SignInAsync(client);
            Assert.True(IsSecure(form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".supervision.af=", StringComparison.Ordinal))));
            Assert.True(IsSecure(login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("supervision.session=", StringComparison.Ordinal))));
            Assert.True(IsSecure((await client.GetAsync("/language/en?returnUrl=/")).Headers.GetValues("Set-Cookie").Single()));
        }

        // Forwarded headers honoured (ASPNETCORE_FORWARDEDHEADERS_ENABLED=true): X-Forwarded-Proto https makes them Secure.
        await using (var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?> { ["FORWARDEDHEADERS_ENABLED"] = "true" }))
        {
            using var client = Raw(host);
            var (viaHttps, _, _) = await SignInAsync(client, r => r.Headers.Add("X-Forwarded-Proto", "https"));
            Assert.True(IsSecure(viaHttps.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("supervision.session=", StringComparison.Ordinal))));
            var (plain, _, _) = await SignInAsync(client);
            Assert.False(IsSecure(plain.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("supervision.session=", StringComparison.Ordinal))));
        }

        // A public address that is not an absolute http(s) URL stops the start, saying what to set.
        var bad = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ApiHost.StartAsync(settings: new Dictionary<string, string?> { ["Supervision:PublicBaseUrl"] = "supervision.example" }));
        Assert.Contains("Supervision:PublicBaseUrl", bad.Message);
    }

    [Fact]
    public async Task The_credit_link_is_built_from_the_public_address_never_from_the_Host_header()
    {
        var code = CreditCode.Complete("91210102MA0CR001");
        async Task<string> IssueAsync(ApiHost host)
        {
            using var admin = await host.AdminAsync();
            if (!(await admin.GetAsync($"/api/entities/{code}")).IsSuccessStatusCode)
            {
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/entities", new
                {
                    creditCode = code, name = "沈阳链接测试有限公司", industryCode = "52", divisionCode = "210102",
                })).StatusCode);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/credit/entities/{code}/access-link") { Content = JsonContent.Create(new { days = 7 }) };
            request.Headers.Host = "evil.example";
            var issued = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        }

        await using (var host = await ApiHost.StartAsync(settings: new Dictionary<string, string?> { ["Supervision:PublicBaseUrl"] = "https://supervision.example.gov.cn/" }))
        {
            Assert.StartsWith($"https://supervision.example.gov.cn/entities/{code}/credit?t=", await IssueAsync(host));
        }

        // Embedded default: the address the platform listens on.
        await using (var host = await ApiHost.StartAsync())
        {
            var link = await IssueAsync(host);
            Assert.StartsWith($"{host.BaseAddress.ToString().TrimEnd('/')}/entities/{code}/credit?t=", link);
            Assert.DoesNotContain("evil.example", link);
        }
    }

    [BrowserFact]
    public async Task The_pages_and_the_api_reference_run_under_the_policy_without_violations()
    {
        await using var host = await ApiHost.StartAsync();
        await using var context = await browser.NewContextAsync(host.BaseAddress);
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Add($"{page.Url}: {message.Text}");
        };

        await SignInPage.SignInAsync(page, "admin", ApiHost.AdminPassword);
        foreach (var path in new[] { "/", "/open-data", "/app/tasks/new", "/app/imports", "/app/entities" })
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        // The statistics page draws its charts with the vendored ECharts (SVG renderer) under the same policy.
        await page.GotoAsync("/app/statistics");
        await page.WaitForSelectorAsync("[data-testid=charts][data-ready=true]", new() { State = WaitForSelectorState.Attached });
        Assert.True(await page.Locator("[data-testid=charts] .echart svg").CountAsync() > 0);

        // The workbench's script ran: the task form's preview answers (a JSON call made by wwwroot/js/workbench.js).
        await page.GotoAsync("/app/tasks/new");
        await Assertions.Expect(page.Locator("script[src='/js/workbench.js']")).ToHaveCountAsync(1);

        // Scalar's reference renders the OpenAPI document under its nonce policy.
        await page.GotoAsync("/reference/");
        await Assertions.Expect(page.GetByText("Supervision API").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Empty(violations);
    }
}
