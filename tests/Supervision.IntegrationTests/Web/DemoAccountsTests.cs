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

            // The demo scheduler's department owns demo items its inspectors hold, so a whole task runs out of the box.
            var department = me["departmentCode"].ToString();
            var draft = new
            {
                name = "演示任务 Demo task",
                leadDepartment = department,
                items = new[] { "DEMO-001" },
                sampling = new { mode = "stratified", classes = new[] { "A", "B", "C", "D" }.Select(c => new { creditClass = c, ratio = "0.02" }).ToArray() },
                teamSize = 2,
                deadline = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(30),
                beacon = Ceremonies.Beacon(),
            };
            var created = await scheduler.PostAsJsonAsync("/api/tasks", draft);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var id = (await created.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["id"].ToString();
            async Task Step(HttpClient client, string path, object? body)
            {
                var response = body is null ? await client.PostAsync($"/api/tasks/{id}/{path}", null) : await client.PostAsJsonAsync($"/api/tasks/{id}/{path}", body);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await Step(scheduler, "publish", null);
            await Step(scheduler, "freeze", null);
            // The demo witnesses hold the seed ceremony with the demo scheduler.
            var witnesses = new List<(HttpClient Client, (string Value, string Nonce, string Commitment) Contribution)>();
            foreach (var name in new[] { "demo-witness1", "demo-witness2" })
            {
                var client = await demo.SignInAsync(name, "demo-password");
                var contribution = Ceremonies.Contribution(id!, name + " 3 1 4");
                await Step(client, "ceremony/commitments", new { commitment = contribution.Commitment });
                witnesses.Add((client, contribution));
            }
            await Step(scheduler, "ceremony/close", null);
            foreach (var (client, c) in witnesses)
            {
                await Step(client, "ceremony/reveals", new { value = c.Value, nonce = c.Nonce });
                client.Dispose();
            }
            await Ceremonies.RecordBeaconAsync(demo, scheduler, id!);
            foreach (var path in new[] { "draw/entities", "draw/inspectors", "dispatch" }) await Step(scheduler, path, null);

            var progress = await scheduler.GetFromJsonAsync<Dictionary<string, object>>($"/api/tasks/{id}/progress");
            Assert.True(int.Parse(progress!["total"].ToString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        }

        await using var plain = await ApiHost.StartAsync();
        using var anonymous = plain.Anonymous();
        var refused = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo-scheduler", password = "demo-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
