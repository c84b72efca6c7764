using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>Security review, issue 13: inputs that answered 500 (finding 7) or were stored as they came (finding 9).</summary>
public sealed class InputFenceTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    private static object Task(object? creditClasses, string name = "Fence task") => new
    {
        name,
        leadDepartment = "D1",
        items = new[] { "I1" },
        filter = new { creditClasses },
        deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
    };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("")]
    [InlineData(null)]
    public async Task An_unknown_credit_class_in_the_filter_is_a_400_naming_the_field_not_a_500(string? creditClass)
    {
        using var scheduler = await Host.UserAsync("fence-scheduler", "scheduler", "D1");
        foreach (var route in new[] { "/api/tasks", "/api/tasks/preview" })
        {
            var problem = await ProblemAsync(await scheduler.PostAsJsonAsync(route, Task(new[] { creditClass })), HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty("filter.creditClasses", out var reasons), $"{route}: {problem}");
            Assert.Contains("not a credit class", reasons[0].GetString());
        }

        // A known class next to the unknown one is still refused, in both sampling modes.
        var pareto = new
        {
            name = "Fence task", leadDepartment = "D1", items = new[] { "I1" }, filter = new { creditClasses = new[] { "A", creditClass } },
            sampling = new { mode = "pareto", total = 3 }, deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
        };
        await ProblemAsync(await scheduler.PostAsJsonAsync("/api/tasks/preview", pareto), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/%09/x")]
    [InlineData("/%0D%0ALocation:%20http://evil")]
    [InlineData("/%00")]
    [InlineData("//evil.example/")]
    [InlineData("/%5Cevil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/a%E2%80%AEb")]
    public async Task The_language_switch_sends_a_bad_return_url_home_instead_of_failing(string returnUrl)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress };
        var response = await client.GetAsync("/language/en?returnUrl=" + returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".supervision.lang=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_language_switch_keeps_a_local_return_url_and_percent_encodes_non_ascii()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress };
        var encoded = await client.GetAsync("/language/en?returnUrl=" + Uri.EscapeDataString("/?name=超市&sort=name"));
        Assert.Equal("/?name=%E8%B6%85%E5%B8%82&sort=name", encoded.Headers.Location!.OriginalString);

        // The review's case: a return URL whose decoded text is raw non-ASCII could not stand in a Location header (500).
        var path = await client.GetAsync("/language/zh?returnUrl=%2Fentities%2F%E8%B6%85%E5%B8%82");
        Assert.Equal(HttpStatusCode.Redirect, path.StatusCode);
        Assert.Equal("/entities/%E8%B6%85%E5%B8%82", path.Headers.Location!.OriginalString);
    }
}
