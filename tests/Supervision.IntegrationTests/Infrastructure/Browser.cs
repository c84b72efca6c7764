using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// Headless Chromium for page tests, driven by Playwright through <c>ExecutablePath</c>: the system browser
/// (/usr/bin/chromium, or SUPERVISION_CHROMIUM), never a downloaded one. One browser per test class (xunit
/// class fixture); each test opens its own context, so cookies never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string? FindChromium(out string reason)
    {
        var configured = Environment.GetEnvironmentVariable("SUPERVISION_CHROMIUM");
        string[] candidates = string.IsNullOrEmpty(configured)
            ? ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            : [configured];
        var found = candidates.FirstOrDefault(File.Exists);
        reason = found is null ? $"No Chromium at {string.Join(", ", candidates)}." : string.Empty;
        return found;
    }

    public async Task InitializeAsync()
    {
        var executable = FindChromium(out var reason)
            ?? throw new InvalidOperationException(reason + " Install it (apt-get install -y chromium) or set SUPERVISION_CHROMIUM.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run", "--disable-extensions"],
        });
    }

    /// <summary>A fresh context (own cookies and storage). Phone-sized when asked: 390×844, touch, mobile.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri baseAddress, bool phone = false) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            IsMobile = phone,
            HasTouch = phone,
            Locale = "zh-CN",
            AcceptDownloads = true,
        });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>
/// A fact that needs Chromium: skipped with a reason when there is none, except under CI=true, where the
/// test runs and the fixture fails it.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!PostgresServer.IsCi && BrowserFixture.FindChromium(out var reason) is null)
        {
            Skip = $"{reason} Set SUPERVISION_CHROMIUM or install Chromium; CI=true turns this skip into a failure.";
        }
    }
}

/// <summary>
/// Screenshots are test artifacts: written to SUPERVISION_SCREENSHOTS (e.g. docs/screenshots to refresh the
/// documentation's pictures) or artifacts/screenshots under the repository root.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } = Resolve();

    /// <summary>Saves a PNG; <paramref name="fullPage"/> false keeps long pages to the viewport (smaller files).</summary>
    public static async Task<string> SaveAsync(IPage page, string name, bool fullPage = true)
    {
        var path = Path.Combine(Directory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }

    private static string Resolve()
    {
        var root = Repository.Root;

        // A relative SUPERVISION_SCREENSHOTS (docs/screenshots) means the repository's folder, not one under the test's bin.
        var configured = Environment.GetEnvironmentVariable("SUPERVISION_SCREENSHOTS");
        if (!string.IsNullOrEmpty(configured))
        {
            return System.IO.Directory.CreateDirectory(Path.GetFullPath(configured, root)).FullName;
        }

        return System.IO.Directory.CreateDirectory(Path.Combine(root, "artifacts", "screenshots")).FullName;
    }
}

/// <summary>
/// A fact that needs both Chromium and PostgreSQL: skipped with a reason when either is missing, except under CI=true,
/// where the test runs and the missing one fails it.
/// </summary>
public sealed class BrowserPostgresFactAttribute : FactAttribute
{
    public BrowserPostgresFactAttribute()
    {
        if (PostgresServer.IsCi) return;
        if (BrowserFixture.FindChromium(out var reason) is null)
            Skip = $"{reason} Set SUPERVISION_CHROMIUM or install Chromium; CI=true turns this skip into a failure.";
        else if (PostgresServer.FindBinaries(out reason) is null)
            Skip = $"{reason} Set SUPERVISION_PG_BIN or install PostgreSQL server binaries; CI=true turns this skip into a failure.";
    }
}

/// <summary>The accessibility check of a page test: axe-core's serious and critical findings fail it (AccessibilityTests' rule).</summary>
public static class Axe
{
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var failing = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}) on {page.Url}: {string.Join(", ", v.Nodes.Select(n => n.Target.ToString()))}").ToList();
        Assert.True(failing.Count == 0, string.Join("\n", failing));
    }
}
