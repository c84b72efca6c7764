using Supervision.IntegrationTests.Api;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Web;

/// <summary>
/// A link's ?lang= wins over the language remembered from before and is remembered in its turn, for every value the
/// platform's own links use: en, zh and zh-CN (a bare "zh" once lost to the cookie, so a page asked for in Chinese after
/// an English visit came back in English).
/// </summary>
public sealed class LanguageLinkTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private static async Task<string> LangOfAsync(HttpClient client, string url)
    {
        var html = await client.GetStringAsync(url);
        var at = html.IndexOf("<html lang=\"", StringComparison.Ordinal);
        Assert.True(at >= 0, html[..Math.Min(200, html.Length)]);
        var start = at + "<html lang=\"".Length;
        return html[start..html.IndexOf('"', start)];
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("zh-CN")]
    public async Task A_link_in_Chinese_after_an_English_visit_is_answered_in_Chinese_and_remembered(string chinese)
    {
        using var visitor = platform.Host.Anonymous();
        Assert.Equal("en", await LangOfAsync(visitor, "/?lang=en"));
        Assert.Equal("en", await LangOfAsync(visitor, "/"));
        Assert.StartsWith("zh", await LangOfAsync(visitor, "/?lang=" + chinese), StringComparison.Ordinal);
        Assert.StartsWith("zh", await LangOfAsync(visitor, "/"), StringComparison.Ordinal);
        Assert.StartsWith("zh", await LangOfAsync(visitor, "/app/login"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_language_changes_nothing()
    {
        using var visitor = platform.Host.Anonymous();
        Assert.Equal("en", await LangOfAsync(visitor, "/?lang=en"));
        Assert.Equal("en", await LangOfAsync(visitor, "/?lang=fr"));
    }
}
