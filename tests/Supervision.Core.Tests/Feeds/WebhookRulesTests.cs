using System.Net;
using System.Text;
using Supervision.Core.Feeds;
using Supervision.Core.Identity;

namespace Supervision.Core.Tests.Feeds;

/// <summary>The pure rules of feeds and webhooks: filters, target URLs, signatures, backoff and who manages a subscription.</summary>
public sealed class WebhookRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_signature_verifies_over_the_exact_body_with_the_secret_within_the_tolerance_only()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":\"e1\",\"kind\":\"drawn\"}");
        var header = WebhookSignature.Sign("whsec_abc", Now, body);
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", header);
        Assert.True(WebhookSignature.Verify("whsec_abc", header, body, Now.AddMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_abd", header, body, Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_abc", header, Encoding.UTF8.GetBytes("{\"id\":\"e1\",\"kind\":\"drawn\" }"), Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_abc", header, body, Now.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("whsec_abc", header.Replace("t=", "t=1", StringComparison.Ordinal), body, Now, TimeSpan.FromDays(36500)));
        Assert.False(WebhookSignature.Verify("whsec_abc", null, body, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var t = Now.ToUnixTimeSeconds();
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_k"), Encoding.UTF8.GetBytes($"{t}.{{}}")));
        Assert.Equal($"t={t},v1={expected}", WebhookSignature.Sign("whsec_k", Now, body));
        Assert.Matches("^whsec_[0-9a-f]{64}$", WebhookSignature.NewSecret());
        Assert.NotEqual(WebhookSignature.NewSecret(), WebhookSignature.NewSecret());
    }

    [Fact]
    public void Backoff_doubles_from_the_base_delay_up_to_the_cap()
    {
        var b = TimeSpan.FromSeconds(30);
        var cap = TimeSpan.FromMinutes(5);
        Assert.Equal([30, 60, 120, 240, 300, 300], Enumerable.Range(1, 6).Select(a => WebhookBackoff.After(a, b, cap).TotalSeconds));
        Assert.Equal(cap, WebhookBackoff.After(1000, b, cap));
    }

    [Theory]
    [InlineData("https://example.org/hook", true)]
    [InlineData("http://example.org:8080/hook?x=1", true)]
    [InlineData("ftp://example.org/hook", false)]
    [InlineData("/relative", false)]
    [InlineData("https://user:pw@example.org/hook", false)]
    [InlineData("https://example.org/hook#frag", false)]
    [InlineData("http://127.0.0.1:9000/hook", false)]
    [InlineData("http://localhost/hook", false)]
    [InlineData("http://10.1.2.3/hook", false)]
    [InlineData("http://192.168.0.5/hook", false)]
    [InlineData("http://169.254.169.254/latest/meta-data", false)]
    [InlineData("http://[::1]/hook", false)]
    [InlineData("http://[fd00::1]/hook", false)]
    [InlineData("", false)]
    public void A_target_is_an_absolute_public_http_or_https_address(string url, bool accepted)
    {
        var error = WebhookUrl.Check(url, allowPrivate: false);
        Assert.Equal(accepted, error is null);
        if (error is not null) Assert.Equal("url", error.Field);
    }

    [Fact]
    public void Private_addresses_are_accepted_when_allowed_and_recognised_after_mapping()
    {
        Assert.Null(WebhookUrl.Check("http://127.0.0.1:9000/hook", allowPrivate: true));
        Assert.True(WebhookUrl.IsPrivate(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.True(WebhookUrl.IsPrivate(IPAddress.Parse("100.64.0.1")));
        Assert.False(WebhookUrl.IsPrivate(IPAddress.Parse("8.8.8.8")));
        Assert.False(WebhookUrl.IsPrivate(IPAddress.Parse("2001:4860:4860::8888")));
    }

    [Fact]
    public void Filters_parse_name_the_refused_field_and_match_the_events_they_say()
    {
        var code = "91210000000000001X";
        Assert.Equal("filter", EventFilter.Parse("planet", null).Error!.Field);
        Assert.Equal("value", EventFilter.Parse("area", "2").Error!.Field);
        Assert.Equal("value", EventFilter.Parse("area", "210").Error!.Field);
        Assert.Equal("value", EventFilter.Parse("entity", "123").Error!.Field);
        Assert.Equal("value", EventFilter.Parse("all", "x").Error!.Field);
        Assert.Equal("creditCode", EventFilter.Parse("entity", "123", valueField: "creditCode").Error!.Field);
        var drawn = PublicEvent.Of(PublicEventKinds.Drawn, ValidCode(), "甲", "D1", "210202", "T1", Now, new { });
        Assert.True(EventFilter.Parse("area", "2102").Filter!.Matches(drawn));
        Assert.False(EventFilter.Parse("area", "2103").Filter!.Matches(drawn));
        Assert.True(EventFilter.Parse("department", "D1").Filter!.Matches(drawn));
        Assert.False(EventFilter.Parse("department", "D2").Filter!.Matches(drawn));
        Assert.True(EventFilter.Parse("entity", ValidCode()).Filter!.Matches(drawn));
        Assert.True(EventFilter.Everything.Matches(drawn));
        Assert.NotEqual(code, ValidCode());
    }

    [Fact]
    public void Events_have_known_kinds_stable_ids_and_their_public_page()
    {
        Assert.Throws<ArgumentException>(() => PublicEvent.Of("objection-made", null, null, "D1", null, "T1", Now, new { }));
        var task = PublicEvent.Of(PublicEventKinds.TaskPublished, null, null, "D1", null, "T 1", Now, new { name = "x", nothing = (string?)null });
        Assert.Equal("/tasks/T%201", task.PublicPath);
        Assert.Equal("{\"name\":\"x\"}", task.PayloadJson);
        Assert.Matches("^[0-9a-f]{32}$", task.EventId);
        Assert.StartsWith("Inspection task published", task.Title(english: true), StringComparison.Ordinal);
        Assert.All(PublicEventKinds.Titles, t => Assert.False(string.IsNullOrWhiteSpace(t.Value.Zh) || string.IsNullOrWhiteSpace(t.Value.En)));
    }

    [Fact]
    public void A_data_user_manages_its_own_subscriptions_and_an_admin_any()
    {
        var data = new Actor("newsroom", [Roles.DataUser], null, null);
        Assert.True(WebhookAccess.MayManage(data, "newsroom"));
        Assert.False(WebhookAccess.MayManage(data, "institute"));
        Assert.True(WebhookAccess.MayManage(new Actor("root", [Roles.Admin], null, null), "institute"));
        Assert.False(WebhookAccess.MayManage(new Actor("newsroom", [Roles.Scheduler], "D1", null), "newsroom"));
    }

    private static string ValidCode() => Supervision.Core.Registry.CreditCode.Complete("91210000MA000000");
}
