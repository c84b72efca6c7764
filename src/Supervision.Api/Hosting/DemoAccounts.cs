using Supervision.Contracts.Registry;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Registry.Import;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Api.Hosting;

/// <summary>
/// Sign-in accounts for the demo directory, so a newcomer can try every role of the workbench: a scheduler and a
/// reviewer of the department with the most inspectors, two of its inspectors, and a reviewer of another department. Created only where the demo
/// directory was loaded (<see cref="DemoData"/>'s import jobs exist), once; the password is fixed and documented
/// (docs/web.md) because the data is synthetic — never on an installation with real data.
/// </summary>
internal sealed class DemoAccounts(
    Microsoft.Extensions.Options.IOptions<DemoOptions> options,
    PlatformSettings platform,
    ImportQueries imports,
    InspectorStore inspectors,
    InspectionItemStore items,
    UserStore users,
    IAccountService accountWrites,
    IInspectionItemService itemWrites,
    IGrainFactory grains) : IHostedService
{
    public const string Password = "demo-password";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var demo = options.Value;
        var enabled = demo.EnabledFor(platform);
        if (!enabled || (await imports.ListAsync("system:demo-data", null, 1, cancellationToken)).Count == 0)
        {
            return;
        }

        // Two witnesses from outside every department, so a demo draw's seed ceremony can be held (draw-spec §3.3);
        // added to demo data made before the ceremony, too.
        foreach (var (name, display) in new[] { ("demo-witness1", "演示见证人一 Demo witness 1"), ("demo-witness2", "演示见证人二 Demo witness 2") })
        {
            if (await users.FindAsync(name, cancellationToken) is null)
                await accountWrites.CreateAsync(new AccountDraft(name, display, Password, [Roles.Witness], null, null, MustChangePassword: false), Actor.System("demo-data"), cancellationToken);
        }

        if (await users.FindAsync("demo-scheduler", cancellationToken) is not null)
        {
            return;
        }

        // The department with the most active inspectors among the first few hundred, and two of them as the demo team.
        var active = await inspectors.ListAsync(null, null, "active", null, null, 500, cancellationToken);
        var byDepartment = active.GroupBy(i => i.DepartmentCode, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (byDepartment.Count == 0 || byDepartment[0].Count() < 2)
        {
            return;
        }

        var d = byDepartment[0].Key;
        var team = byDepartment[0].Take(2).ToArray();
        var other = byDepartment.Count > 1 ? byDepartment[1].Key : null;
        var actor = Actor.System("demo-data");
        var demoItems = await AddDemoItemsAsync(d, byDepartment[0].ToList(), actor, cancellationToken);
        (string Name, string Display, string Role, string? Dept, string? Cert)[] accounts =
        [
            ("demo-scheduler", "演示调度员 Demo scheduler", Roles.Scheduler, d, null),
            ("demo-reviewer", "演示审核员 Demo reviewer", Roles.Reviewer, d, null),
            ("demo-inspector1", "演示执法人员一 " + team[0].Name, Roles.Inspector, d, team[0].CertificateNo),
            ("demo-inspector2", "演示执法人员二 " + team[1].Name, Roles.Inspector, d, team[1].CertificateNo),
            ("demo-reviewer-other", "其他部门审核员 Other department's reviewer", Roles.Reviewer, other, null),
        ];
        foreach (var a in accounts)
        {
            await accountWrites.CreateAsync(new AccountDraft(a.Name, a.Display, Password, [a.Role], a.Dept, a.Cert, MustChangePassword: false), actor, cancellationToken);
        }

        Console.WriteLine($"  Demo accounts (password '{Password}', demo data only): demo-scheduler and demo-reviewer of {d}, " +
            $"demo-inspector1/2 ({team[0].CertificateNo}, {team[1].CertificateNo}), demo-reviewer-other of {other}; " +
            $"demo-witness1/2 for the draw's seed ceremony; items {string.Join(", ", demoItems)} belong to {d} so its scheduler can run a whole task.");
    }

    /// <summary>
    /// The generated items belong to the provincial departments and the inspectors to the city ones, so a city
    /// scheduler would have nothing to draw. The demo department gets its own copies of the items its inspectors are
    /// qualified for most often (codes DEMO-001…), and its inspectors those qualifications.
    /// </summary>
    private async Task<IReadOnlyList<string>> AddDemoItemsAsync(string department, IReadOnlyList<Inspector> staff, Actor actor, CancellationToken ct)
    {
        var sources = new List<InspectionItem>();
        foreach (var code in staff.SelectMany(i => i.Specialties).GroupBy(c => c, StringComparer.Ordinal)
                     .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key))
        {
            if (sources.Count == 2) break;
            if (await items.GetAsync(code, ct) is { } item) sources.Add(item);
        }

        var codes = new List<string>();
        foreach (var (source, n) in sources.Select((x, k) => (x, k + 1)))
        {
            var code = $"DEMO-{n:D3}";
            await itemWrites.CreateAsync(new ItemDraft(code, "（演示）" + source.Name, department, source.LegalBasis, source.Method, source.IsKey, source.EntityTypes,
                source.Industries, source.ResultCodes, source.Active), actor, ct);
            codes.Add(code);
        }

        foreach (var inspector in staff)
        {
            var qualified = inspector.ToRecord() with { Specialties = [.. inspector.Specialties.Union(codes, StringComparer.Ordinal)] };
            await grains.GetGrain<IInspectorGrain>(inspector.CertificateNo).Save(qualified, inspector.Version, actor);
        }

        return codes;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
