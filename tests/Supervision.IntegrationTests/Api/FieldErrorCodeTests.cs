using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// A refusal names each field with a machine-readable code and the arguments to word it (docs/errors.md), beside the
/// unchanged 'errors' dictionary of English reasons.
/// </summary>
public sealed class FieldErrorCodeTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private static JsonElement Coded(JsonElement problem, string field) =>
        Assert.Single(problem.GetProperty("fieldErrors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);

    [Fact]
    public async Task A_refused_entity_carries_a_code_per_field_beside_the_english_reasons()
    {
        using var admin = await platform.Host.AdminAsync();
        var response = await admin.PostAsJsonAsync("/api/entities",
            new { creditCode = "91350100M000100Y44", name = new string('名', 201), industryCode = "ZZ", divisionCode = "999999" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        var name = Coded(problem, "name");
        Assert.Equal("too-long", name.GetProperty("code").GetString());
        Assert.Equal(200, name.GetProperty("args").GetProperty("max").GetInt32());
        Assert.Equal(201, name.GetProperty("args").GetProperty("actual").GetInt32());
        // The reason is the same sentence 'errors' has for the field, which stays as it was.
        Assert.Equal(problem.GetProperty("errors").GetProperty("name")[0].GetString(), name.GetProperty("reason").GetString());

        Assert.Equal("checksum", Coded(problem, "creditCode").GetProperty("code").GetString());
        var industry = Coded(problem, "industryCode");
        Assert.Equal(("unknown-value", "ZZ"), (industry.GetProperty("code").GetString(), industry.GetProperty("args").GetProperty("value").GetString()));
        Assert.Equal("unknown-value", Coded(problem, "divisionCode").GetProperty("code").GetString());
        Assert.Equal(problem.GetProperty("errors").EnumerateObject().Count(), problem.GetProperty("fieldErrors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task A_query_out_of_range_and_an_unreadable_body_are_coded_too()
    {
        using var admin = await platform.Host.AdminAsync();
        var limit = await (await admin.GetAsync("/api/entities?limit=0")).Content.ReadFromJsonAsync<JsonElement>();
        var error = Coded(limit, "limit");
        Assert.Equal("out-of-range", error.GetProperty("code").GetString());
        Assert.Equal((1, 1000), (error.GetProperty("args").GetProperty("min").GetInt32(), error.GetProperty("args").GetProperty("max").GetInt32()));

        var broken = await admin.PostAsync("/api/entities", new StringContent("{\"name\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var unreadable = Assert.Single((await broken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("fieldErrors").EnumerateArray());
        Assert.Equal("unreadable", unreadable.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_coded_errors_of_a_validation_problem()
    {
        using var anonymous = platform.Host.Anonymous();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var fieldErrors = document.GetProperty("components").GetProperty("schemas").GetProperty("HttpValidationProblemDetails")
            .GetProperty("properties").GetProperty("fieldErrors");
        var codes = fieldErrors.GetProperty("items").GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("too-long", codes);
        Assert.Contains("required", codes);
    }
}
