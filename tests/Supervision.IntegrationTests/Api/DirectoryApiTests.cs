using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Supervision.Core.Registry;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>The list and the two directories over real HTTP on the embedded platform.</summary>
public sealed class DirectoryApiTests(EmbeddedPlatform platform) : IClassFixture<EmbeddedPlatform>
{
    private ApiHost Host => platform.Host;

    private static async Task CreateDepartmentAsync(HttpClient admin, string code)
    {
        var response = await admin.PostAsJsonAsync("/api/departments", new { code, name = "部门 " + code, divisionCode = "210100" });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
    }

    private static object Entity(string code, string name) => new
    {
        creditCode = code,
        name,
        industryCode = "52",
        divisionCode = "210102",
        address = "沈阳市和平区某路1号",
        legalRepresentative = "张三",
    };

    [Fact]
    public async Task An_entity_with_a_wrong_check_character_is_refused_naming_the_credit_code()
    {
        using var admin = await Host.AdminAsync();
        var response = await admin.PostAsJsonAsync("/api/entities", Entity("91350100M000100Y44", "错误代码公司"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var reasons = problem.GetProperty("errors").GetProperty("creditCode");
        Assert.Contains("check character", reasons[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_entity_fields_are_each_named()
    {
        using var admin = await Host.AdminAsync();
        var response = await admin.PostAsJsonAsync("/api/entities", new { creditCode = "91110000600037341L", name = "", industryCode = "ZZ", divisionCode = "999999" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "name", "industryCode", "divisionCode" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"expected an error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task An_entity_is_created_found_updated_with_its_etag_and_a_stale_etag_gets_412()
    {
        using var scheduler = await Host.UserAsync("dir-scheduler", "scheduler", department: "DIR-1");
        var code = CreditCode.Complete("91210102MA0TE001");
        var created = await scheduler.PostAsJsonAsync("/api/entities", Entity(code, "沈阳测试餐饮有限公司"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var etag = created.Headers.ETag!.Tag;

        var found = await scheduler.GetFromJsonAsync<JsonElement>($"/api/entities?q=测试餐饮&division=210100");
        Assert.Contains(found.GetProperty("items").EnumerateArray(), e => e.GetProperty("creditCode").GetString() == code);

        using var update = new HttpRequestMessage(HttpMethod.Put, $"/api/entities/{code}") { Content = JsonContent.Create(Entity(code, "沈阳测试餐饮管理有限公司")) };
        update.Headers.TryAddWithoutValidation("If-Match", etag);
        var updated = await scheduler.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("沈阳测试餐饮管理有限公司", (await updated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/entities/{code}") { Content = JsonContent.Create(Entity(code, "别的名字有限公司")) };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await scheduler.SendAsync(stale)).StatusCode);
        var current = await scheduler.GetFromJsonAsync<JsonElement>($"/api/entities/{code}");
        Assert.Equal("沈阳测试餐饮管理有限公司", current.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Inspectors_are_scoped_to_the_schedulers_department()
    {
        using var admin = await Host.AdminAsync();
        await CreateDepartmentAsync(admin, "DEP-A");
        await CreateDepartmentAsync(admin, "DEP-B");
        using var schedulerA = await Host.UserAsync("sched-a", "scheduler", department: "DEP-A");
        var inspector = new { certificateNo = "ZF-A-0001", name = "李四", departmentCode = "DEP-A", certificateExpiresOn = "2030-12-31", specialties = new[] { "SCJG-001" } };
        Assert.Equal(HttpStatusCode.Created, (await schedulerA.PostAsJsonAsync("/api/inspectors", inspector)).StatusCode);

        var other = new { certificateNo = "ZF-B-0001", name = "王五", departmentCode = "DEP-B", certificateExpiresOn = "2030-12-31" };
        Assert.Equal(HttpStatusCode.Forbidden, (await schedulerA.PostAsJsonAsync("/api/inspectors", other)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/inspectors", other)).StatusCode);

        var list = await schedulerA.GetFromJsonAsync<JsonElement>("/api/inspectors");
        Assert.All(list.GetProperty("items").EnumerateArray(), i => Assert.Equal("DEP-A", i.GetProperty("departmentCode").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await schedulerA.GetAsync("/api/inspectors/ZF-B-0001")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await schedulerA.GetAsync("/api/inspectors?department=DEP-B")).StatusCode);
    }

    [Fact]
    public async Task Inspectors_cannot_write_the_directories_and_the_public_cannot_read_them()
    {
        using var inspector = await Host.UserAsync("insp-dir", "inspector", department: "DEP-A", inspector: "ZF-A-0001");
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsJsonAsync("/api/entities", Entity(CreditCode.Complete("91210102MA0TE002"), "某公司"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.GetAsync("/api/entities")).StatusCode);
        using var anonymous = Host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/entities")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/inspectors")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/items")).StatusCode);
    }

    [Fact]
    public async Task Items_are_created_by_their_departments_schedulers_with_known_result_codes_only()
    {
        using var admin = await Host.AdminAsync();
        await CreateDepartmentAsync(admin, "DEP-I");
        await CreateDepartmentAsync(admin, "DEP-J");
        using var scheduler = await Host.UserAsync("sched-i", "scheduler", department: "DEP-I");
        var item = new { code = "DEP-I-001", name = "企业公示信息抽查", departmentCode = "DEP-I", legalBasis = "《企业信息公示暂行条例》第十四条", method = "on_site", resultCodes = new[] { "1", "B", "C" } };
        Assert.Equal(HttpStatusCode.Created, (await scheduler.PostAsJsonAsync("/api/items", item)).StatusCode);

        var bad = await scheduler.PostAsJsonAsync("/api/items", new { code = "DEP-I-002", name = "x", departmentCode = "DEP-I", legalBasis = "y", method = "telepathy", resultCodes = new[] { "Q" } });
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("method", out _));
        Assert.True(errors.TryGetProperty("resultCodes", out _));

        var foreign = await scheduler.PostAsJsonAsync("/api/items", new { code = "DEP-J-001", name = "x", departmentCode = "DEP-J", legalBasis = "y", method = "written", resultCodes = new[] { "1" } });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
    }

    [Fact]
    public async Task Reference_tables_are_public_and_credit_classes_are_not_among_them()
    {
        using var anonymous = Host.Anonymous();
        var versions = await anonymous.GetFromJsonAsync<JsonElement>("/api/reference");
        Assert.True(versions.GetArrayLength() >= 5);
        var liaoning = await anonymous.GetFromJsonAsync<JsonElement>("/api/reference/divisions?under=210000");
        Assert.All(liaoning.EnumerateArray(), d => Assert.StartsWith("21", d.GetProperty("code").GetString(), StringComparison.Ordinal));
        Assert.Contains(liaoning.EnumerateArray(), d => d.GetProperty("code").GetString() == "210102");
        var codes = await anonymous.GetFromJsonAsync<JsonElement>("/api/reference/result-codes");
        Assert.Contains(codes.EnumerateArray(), c => c.GetProperty("code").GetString() == "6");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/api/reference/credit-classes")).StatusCode);
    }

    [Fact]
    public async Task Wildcards_typed_into_a_search_match_themselves()
    {
        using var admin = await Host.AdminAsync();
        await admin.PostAsJsonAsync("/api/departments", new { code = "WILD-1", name = "市场_监管局" });
        await admin.PostAsJsonAsync("/api/departments", new { code = "WILD-2", name = "市场x监管局" });
        var underscore = await admin.GetFromJsonAsync<JsonElement>("/api/departments?q=" + Uri.EscapeDataString("场_监"));
        Assert.Equal(["WILD-1"], underscore.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("code").GetString()));
        var percent = await admin.GetFromJsonAsync<JsonElement>("/api/departments?q=" + Uri.EscapeDataString("市场%局"));
        Assert.Empty(percent.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_department_cannot_become_its_own_ancestor()
    {
        using var admin = await Host.AdminAsync();
        await CreateDepartmentAsync(admin, "TOP");
        var child = await admin.PostAsJsonAsync("/api/departments", new { code = "CHILD", name = "下级", parentCode = "TOP" });
        Assert.Equal(HttpStatusCode.Created, child.StatusCode);
        var top = await admin.GetAsync("/api/departments/TOP");
        using var cycle = new HttpRequestMessage(HttpMethod.Put, "/api/departments/TOP") { Content = JsonContent.Create(new { name = "上级", parentCode = "CHILD" }) };
        cycle.Headers.TryAddWithoutValidation("If-Match", top.Headers.ETag!.Tag);
        var response = await admin.SendAsync(cycle);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("parentCode", out _));
    }
}
