using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.Core.Registry;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Credit;

/// <summary>An entity sees its own class through a link the regulator issued; nobody else sees any class.</summary>
public sealed class EntityAccessLinkTests
{
    [Fact]
    public async Task A_regulator_issued_link_opens_the_entitys_own_credit_page_and_nothing_else_does()
    {
        await using var host = await ApiHost.StartAsync();
        using var admin = await host.AdminAsync();
        var code = CreditCode.Complete("91210102MA0CR001");
        var other = CreditCode.Complete("91210102MA0CR002");
        foreach (var c in new[] { code, other })
        {
            var created = await admin.PostAsJsonAsync("/api/entities", new
            {
                creditCode = c, name = "沈阳信用测试有限公司" + c[^3..], industryCode = "52", divisionCode = "210102", address = "沈阳市和平区某路1号", legalRepresentative = "张三",
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Issuing: staff only, bad input named, unknown entities refused.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/departments", new { code = "LINKD", name = "链接测试部门", divisionCode = "210102" })).StatusCode);
        using var inspector = await host.UserAsync("link-inspector", "inspector", department: "LINKD", inspector: "LINK01");
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsJsonAsync($"/api/credit/entities/{code}/access-link", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsJsonAsync($"/api/credit/entities/{code}/access-link", new { })).StatusCode);
        var tooLong = await admin.PostAsJsonAsync($"/api/credit/entities/{code}/access-link", new { days = 365 });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("days", await tooLong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"/api/credit/entities/{CreditCode.Complete("91210102MA0CR009")}/access-link", new { })).StatusCode);

        var issued = await admin.PostAsJsonAsync($"/api/credit/entities/{code}/access-link", new { days = 7 });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var link = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var path = new Uri(link).PathAndQuery;

        using var visitor = host.Anonymous();
        var page = await visitor.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"own-class\"><strong>B</strong>", html);
        Assert.Contains("no-store", page.Headers.CacheControl!.ToString());

        // Without the link, with another entity's, with a forged or stretched one: no such page.
        var token = Uri.UnescapeDataString(path[(path.IndexOf("?t=", StringComparison.Ordinal) + 3)..]);
        var (expiry, mac) = (token.Split('.')[0], token.Split('.')[1]);
        foreach (var bad in new[]
        {
            $"/entities/{code}/credit",
            $"/entities/{other}/credit?t={Uri.EscapeDataString(token)}",
            $"/entities/{code}/credit?t={long.Parse(expiry, System.Globalization.CultureInfo.InvariantCulture) + 86400}.{mac}",
            $"/entities/{code}/credit?t={expiry}.{new string('A', mac.Length)}",
            $"/entities/{code}/credit?t=garbage",
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await visitor.GetAsync(bad)).StatusCode);
        }

        // The public entity page still shows no class, and the issue is in the audit log.
        Assert.DoesNotContain("own-class", await visitor.GetStringAsync($"/entities/{code}"));
        var audit = await admin.GetStringAsync($"/api/audit?subjectKey={code}");
        Assert.Contains("credit.entity-link", audit);
    }
}
