using System.Net;
using System.Net.Http.Json;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Web;

/// <summary>The demo directory comes with accounts for every role; an installation without the demo has none.</summary>
public sealed class DemoAccountsTests
{
    [Fact]
    public async Task The_demo_directory_comes_with_sign_in_accounts_and_other_installations_do_not()
    {
        await using (var demo = await ApiHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Supervision:Demo:Enabled"] = "true",
            ["Supervision:Demo:Entities"] = "400",
            ["Supervision:Demo:Inspectors"] = "120",
        }))
        {
            using var scheduler = await demo.SignInAsync("demo-scheduler", "demo-password");
            var me = await scheduler.GetFromJsonAsync<Dictionary<string, object>>("/api/auth/me");
            Assert.Contains("scheduler", me!["roles"].ToString());
            using var inspector = await demo.SignInAsync("demo-inspector1", "demo-password");
            Assert.Equal(HttpStatusCode.OK, (await inspector.GetAsync("/api/my/inspections")).StatusCode);
        }

        await using var plain = await ApiHost.StartAsync();
        using var anonymous = plain.Anonymous();
        var refused = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo-scheduler", password = "demo-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
