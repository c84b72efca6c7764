using Microsoft.Playwright;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// Signing in through the sign-in page, where that is a browser test's set-up rather than what it checks. Twice in
/// clean-clone CI runs (a workbench test, 2026-11-29; the statistics page, 2026-12-08) the first submit of a fresh
/// browser context stayed on the sign-in page for the whole 30 s wait; the cause was not found (the sign-in page runs no
/// script and registers no service worker). So a first attempt that does not arrive is made once more from the start, and
/// a second failure names the page it stayed on and what that page said.
/// </summary>
internal static class SignInPage
{
    /// <param name="landsOn">The glob of the page the sign-in leads to; null for any page but the sign-in page.</param>
    /// <param name="from">The page the sign-in form is opened from (a language switch, or one with a return URL).</param>
    public static async Task SignInAsync(IPage page, string username, string password, string? landsOn = "**/app", string from = "/app/login")
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.GotoAsync(from);
            await page.FillAsync("#username", username);
            await page.FillAsync("#password", password);
            await page.ClickAsync("button[type=submit]");
            try
            {
                var wait = new PageWaitForURLOptions { Timeout = 30_000 };
                if (landsOn is null) await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/app/login", StringComparison.Ordinal), wait);
                else await page.WaitForURLAsync(landsOn, wait);
                return;
            }
            catch (TimeoutException) when (attempt == 1)
            {
            }
            catch (TimeoutException e)
            {
                var text = await page.InnerTextAsync("body");
                throw new TimeoutException($"sign-in as {username} stayed on {page.Url}: {text[..Math.Min(400, text.Length)]}", e);
            }
        }
    }
}
