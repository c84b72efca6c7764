using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Web;

/// <summary>The web shell both the portal and the workbench stand on: sign-in, session, language, assets, CSRF.</summary>
public sealed class WebShellTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task Staff_sign_in_reaches_the_workbench_and_sign_out_ends_the_session()
    {
        await using var host = await ApiHost.StartAsync();
        await using var context = await browser.NewContextAsync(host.BaseAddress);
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync("/app");
        Assert.Equal(200, response!.Status);
        Assert.EndsWith("/app/login?ReturnUrl=%2Fapp", page.Url);
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));

        await page.FillAsync("#username", "admin");
        await page.FillAsync("#password", "wrong password");
        await page.ClickAsync("button[type=submit]");
        Assert.Contains("用户名或密码不正确", await page.InnerTextAsync("[data-testid=login-error]"));

        await SignInPage.SignInAsync(page, "admin", ApiHost.AdminPassword);
        Assert.Equal("Platform administrator", await page.InnerTextAsync("[data-testid=current-user]"));
        await Screenshots.SaveAsync(page, "web-shell-home");

        await page.ClickAsync("text=English");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        Assert.Contains("Sign out", await page.InnerTextAsync("header"));

        await page.ClickAsync("text=Sign out");
        await page.WaitForURLAsync("**/app/login");
        await page.GotoAsync("/app");
        Assert.Contains("/app/login", page.Url);
    }

    [BrowserFact]
    public async Task The_sign_in_page_says_when_wrong_passwords_have_locked_this_address_out_of_the_account()
    {
        await using var host = await ApiHost.StartAsync();
        (await host.UserAsync("web-locked", "reviewer", "D001")).Dispose();
        await using var context = await browser.NewContextAsync(host.BaseAddress);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/app/login");

        async Task<string> SignInAsync(string password)
        {
            await page.FillAsync("#username", "web-locked");
            await page.FillAsync("#password", password);
            await page.ClickAsync("button[type=submit]");
            return await page.InnerTextAsync("[data-testid=login-error]");
        }

        for (var i = 0; i < 4; i++) Assert.Contains("用户名或密码不正确", await SignInAsync("wrong password " + i));
        Assert.Contains("登录失败次数过多", await SignInAsync("wrong password 4"));
        // The right password too, while the lock lasts.
        Assert.Contains("登录失败次数过多", await SignInAsync("a-long-test-password"));
        Assert.Contains("/app/login", page.Url);
        await Screenshots.SaveAsync(page, "web-sign-in-locked");
    }

    [BrowserFact]
    public async Task Styles_are_served_by_the_application_and_the_portal_home_renders()
    {
        await using var host = await ApiHost.StartAsync();
        await using var context = await browser.NewContextAsync(host.BaseAddress);
        var page = await context.NewPageAsync();
        var failed = new List<string>();
        page.RequestFailed += (_, request) => failed.Add(request.Url);
        page.Response += (_, r) => { if (r.Status >= 400) { failed.Add(r.Url + " " + r.Status); } };

        await page.GotoAsync("/");
        Assert.Empty(failed);
        var css = await context.APIRequest.GetAsync("/css/site.css");
        Assert.Equal(200, css.Status);
        Assert.StartsWith("text/css", css.Headers["content-type"]);

        // The icon every browser asks for exists (it was a 404 on every page), and the page is linked to it.
        var icon = await context.APIRequest.GetAsync("/favicon.ico");
        Assert.Equal(200, icon.Status);
        Assert.Equal(0x0001_0000, BitConverter.ToInt32((await icon.BodyAsync()).AsSpan(0, 4)));
        Assert.Equal("/favicon.ico", await page.GetAttributeAsync("link[rel=icon]", "href"));

        // Chinese is written as text, not as numeric character references.
        var source = await (await context.APIRequest.GetAsync("/")).TextAsync();
        Assert.DoesNotContain("&#x", source, StringComparison.Ordinal);
        Assert.Matches("[\u4e00-\u9fff]", source);
    }

    [Fact]
    public async Task A_cookie_session_cannot_write_through_the_api_without_the_antiforgery_token()
    {
        await using var host = await ApiHost.StartAsync();
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = host.BaseAddress };

        // Sign in through the page (its form carries the antiforgery token).
        var login = await http.GetStringAsync("/app/login");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var signIn = await http.PostAsync("/app/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = ApiHost.AdminPassword,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        // Reads work with the cookie alone.
        var me = await http.GetFromJsonAsync<Dictionary<string, object>>("/api/auth/me");
        Assert.Equal("admin", me!["username"].ToString());

        // A write without the page's token is refused before it reaches the endpoint, and changes nothing.
        var department = new { code = "CSRF01", name = "跨站请求", divisionCode = "110000", publishMode = "publisher" };
        var write = await http.PostAsJsonAsync("/api/departments", department);
        Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
        Assert.Contains("antiforgery", await write.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/departments/CSRF01")).StatusCode);

        // The same write with the token a signed-in page renders goes through.
        var home = await http.GetStringAsync("/app");
        var pageToken = System.Text.RegularExpressions.Regex.Match(home, "name=\"request-verification-token\" content=\"([^\"]+)\"").Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/departments") { Content = JsonContent.Create(department) };
        request.Headers.Add("RequestVerificationToken", pageToken);
        var accepted = await http.SendAsync(request);
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, await accepted.Content.ReadAsStringAsync());
    }
}
