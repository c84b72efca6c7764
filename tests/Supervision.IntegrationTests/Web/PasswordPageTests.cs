using Microsoft.Playwright;
using Supervision.IntegrationTests.Api;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Web;

/// <summary>The password page (/app/password) in Chromium: where a one-time password leads, and the way into the workbench.</summary>
public sealed class PasswordPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [BrowserFact]
    public async Task The_bootstrap_admins_first_sign_in_lands_on_the_password_page_and_then_reaches_the_workbench()
    {
        var (api, password) = await BootstrapAdminTests.StartFreshAsync();
        await using var _ = api;
        await using var context = await browser.NewContextAsync(api.BaseAddress);
        var page = await context.NewPageAsync();

        // Sent to sign in from a link to the imports page: the forced password change keeps where they were going.
        await SignInPage.SignInAsync(page, "admin", password, landsOn: "**/app/password?returnUrl=%2Fapp%2Fimports", from: "/app/login?returnUrl=%2Fapp%2Fimports");
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        Assert.Contains("一次性密码", await page.InnerTextAsync("[data-testid=password-required]"));
        // Nothing else opens until the password is set: the workbench sends the admin back here.
        await page.GotoAsync("/app/tasks");
        Assert.EndsWith("/app/password?returnUrl=%2Fapp%2Ftasks", page.Url);
        Assert.Equal(0, await page.Locator("nav a[href='/app/tasks']").CountAsync());

        // A new password that is too short: the error summary names the field and links to it.
        await page.FillAsync("#currentPassword", password);
        await page.FillAsync("#newPassword", "short");
        await page.FillAsync("#confirmPassword", "short");
        await page.ClickAsync("[data-testid=set-password]");
        var summary = page.Locator("[data-testid=error-summary]");
        Assert.Contains("新密码", await summary.InnerTextAsync());
        Assert.Equal("#newPassword", await summary.Locator("a").First.GetAttributeAsync("href"));
        Assert.Equal("true", await page.GetAttributeAsync("#newPassword", "aria-invalid"));
        Assert.Contains("至少需要 10 个字符", await summary.InnerTextAsync());
        await Screenshots.SaveAsync(page, "web-password-required");

        // Each rule says what it is: a password that is too long is not reported as too short.
        var tooLong = new string('长', 300);
        await page.FillAsync("#currentPassword", password);
        await page.FillAsync("#newPassword", tooLong);
        await page.FillAsync("#confirmPassword", tooLong);
        await page.ClickAsync("[data-testid=set-password]");
        Assert.Contains("最多 256 个字符", await page.Locator("[data-testid=error-summary]").InnerTextAsync());
        Assert.DoesNotContain("至少", await page.Locator("[data-testid=error-summary]").InnerTextAsync());

        await page.FillAsync("#currentPassword", password);
        await page.FillAsync("#newPassword", "the-admins-own-password");
        await page.FillAsync("#confirmPassword", "the-admins-own-password");
        await page.ClickAsync("[data-testid=set-password]");
        await page.WaitForURLAsync("**/app/tasks");
        Assert.Equal("Platform administrator", await page.InnerTextAsync("[data-testid=current-user]"));
        Assert.True(await page.Locator("nav a[href='/app/tasks']").CountAsync() > 0);
        await page.GotoAsync("/app");
        Assert.EndsWith("/app", page.Url);

        // The one-time password is spent; the new one signs in straight to the workbench.
        await page.ClickAsync("text=退出");
        await page.WaitForURLAsync("**/app/login");
        await SignInPage.SignInAsync(page, "admin", "the-admins-own-password");
    }

    [BrowserFact]
    public async Task The_password_page_speaks_english_when_asked()
    {
        await using var host = await ApiHost.StartAsync();
        await using var context = await browser.NewContextAsync(host.BaseAddress);
        var page = await context.NewPageAsync();
        await SignInPage.SignInAsync(page, "admin", ApiHost.AdminPassword, from: "/language/en?returnUrl=%2Fapp%2Flogin");

        // Anyone signed in can change their password from the header's link.
        await page.ClickAsync("[data-testid=change-password-link]");
        await page.WaitForURLAsync("**/app/password");
        Assert.Equal(0, await page.Locator("[data-testid=password-required]").CountAsync());
        await page.FillAsync("#currentPassword", "not the password");
        await page.FillAsync("#newPassword", "a-new-admin-password");
        await page.FillAsync("#confirmPassword", "a-new-admin-password");
        await page.ClickAsync("[data-testid=set-password]");
        Assert.Contains("Current password: does not match your current password.", await page.InnerTextAsync("[data-testid=error-summary]"));
        Assert.Equal("#currentPassword", await page.Locator("[data-testid=error-summary] a").First.GetAttributeAsync("href"));
    }
}
