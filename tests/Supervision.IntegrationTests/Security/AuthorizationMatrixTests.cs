using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Supervision.IntegrationTests.Infrastructure;
using Supervision.IntegrationTests.Inspections;
using static Supervision.IntegrationTests.Inspections.InspectionPlatform;

namespace Supervision.IntegrationTests.Security;

/// <summary>
/// The authorization matrix of docs/authorization.md, checked route by route: every endpoint the application maps (the
/// OpenAPI document's operations, the Razor pages and the few routes left out of the document) must have a row, every
/// row must name a mapped route, and each persona's request must end as the row says. The personas cover each role
/// and each scope: the lead department (D1), a participating department (D2), a department with no part (D3), the
/// registry, an admin and the anonymous public. Requests carry an empty JSON body, so an allowed write stops at
/// validation or a state check while a refused one stops at the fence; no answer may be a 5xx.
/// </summary>
public sealed partial class AuthorizationMatrixTests
{
    private const string MatrixFile = "docs/authorization.md";

    /// <summary>The matrix's columns, in order.</summary>
    public static readonly string[] Personas =
        ["anonymous", "inspector", "scheduler", "scheduler, participating", "scheduler, other", "reviewer", "reviewer, other", "registry", "credit", "department admin", "witness", "auditor", "first sign-in", "admin"];

    [Fact]
    public async Task Every_route_answers_every_persona_as_the_matrix_says()
    {
        var matrix = ReadMatrix();
        await using var platform = await StartAsync(settings: new Dictionary<string, string?> { ["Supervision:Public:PermitLimit"] = "1000000" });
        var fixture = await SecurityFixture.CreateAsync(platform);

        // Every mapped route has a row, and every row is a mapped route.
        var mapped = MappedRoutes(platform);
        // A row may fix a parameter ("PAGE /app/{kind=inspectors}") to cover a route once per value.
        var rowRoutes = matrix.Keys.Select(r => FixedValue().Replace(r, "{${name}}")).ToHashSet(StringComparer.Ordinal);
        var missing = mapped.Except(rowRoutes).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"routes without a row in {MatrixFile}:\n" + string.Join("\n", missing.Select(r => $"| `{r}` | … |")));
        var stale = rowRoutes.Except(mapped).Order(StringComparer.Ordinal).ToList();
        Assert.True(stale.Count == 0, $"rows in {MatrixFile} for routes that are not mapped: {string.Join(", ", stale)}");
        var documented = await OpenApiOperationsAsync(platform);
        Assert.Empty(documented.Except(mapped));

        var failures = new List<string>();
        var observed = new StringBuilder();
        foreach (var (route, expected) in matrix.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var cells = new List<string>();
            for (var i = 0; i < Personas.Length; i++)
            {
                var outcome = await fixture.SendAsync(route, Personas[i]);
                cells.Add(outcome.ToString(CultureInfo()));
                if (!Matches(expected[i], outcome))
                    failures.Add($"{route} as {Personas[i]}: expected {expected[i]}, got {outcome}");
            }

            observed.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"| `{route}` | {string.Join(" | ", cells)} |");
        }

        // Set SUPERVISION_MATRIX_OUT to a file to get the observed table (statuses; 302001 = to the sign-in page, 302002 = to the refusal page).
        if (Environment.GetEnvironmentVariable("SUPERVISION_MATRIX_OUT") is { Length: > 0 } output) await File.WriteAllTextAsync(output, observed.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n\nobserved:\n" + observed);
    }

    private static System.Globalization.CultureInfo CultureInfo() => System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>
    /// ok: anything but 401, 403, 404 and 5xx (pages: 200) · 401, 403, 404: exactly that · deny: 403 or 404 ·
    /// login: a redirect to the sign-in page · password: a redirect to the password page · denied: the workbench's refusal (a redirect to /app/denied, or 403) ·
    /// any: anything but 5xx.
    /// </summary>
    private static bool Matches(string expected, int status) => status is not (>= 500 and < 600) && expected switch
    {
        "ok" => status is not (401 or 403 or 404 or 302),
        "deny" => status is 403 or 404,
        "login" => status == 302001,
        "password" => status == 302003,
        "denied" => status is 403 or 302002,
        "any" => true,
        _ => int.TryParse(expected, out var code) && code == status,
    };

    internal static Dictionary<string, string[]> ReadMatrix()
    {
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(Repository.Root, MatrixFile)))
        {
            var m = RowPattern().Match(line);
            if (!m.Success) continue;
            var cells = m.Groups["cells"].Value.Split('|', StringSplitOptions.TrimEntries);
            Assert.True(cells.Length == Personas.Length, $"{MatrixFile}: the row of {m.Groups["route"].Value} has {cells.Length} cells, not {Personas.Length}");
            Assert.True(rows.TryAdd(m.Groups["route"].Value, cells), $"{MatrixFile}: {m.Groups["route"].Value} has two rows");
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    [GeneratedRegex(@"\{(?<name>[\w?]+)=(?<value>[^}]+)\}")]
    internal static partial Regex FixedValue();

    [GeneratedRegex(@"^\| `(?<route>(GET|POST|PUT|DELETE|PATCH|PAGE) [^`]+)` \| (?<cells>.*) \|\s*$")]
    private static partial Regex RowPattern();

    /// <summary>"METHOD /pattern" for each endpoint (GET for pages, as "PAGE /pattern"); health probes as GET.</summary>
    private static HashSet<string> MappedRoutes(InspectionPlatform platform)
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in platform.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = Normalize(e.RoutePattern.RawText!);
            if (e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            {
                routes.Add("PAGE " + pattern);
                continue;
            }

            var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            foreach (var method in methods.Count == 0 ? ["GET"] : methods)
            {
                routes.Add($"{method} {pattern}");
            }
        }

        return routes;
    }

    /// <summary>"/api/tasks/" and "/api/tasks" are one route; constraints ("{year:int}", "{kind:regex(…)}") are left out.</summary>
    private static string Normalize(string raw)
    {
        var pattern = "/" + ConstraintPattern().Replace(raw.Trim('/'), "{${name}${optional}}");
        return pattern;
    }

    [GeneratedRegex(@"\{(?<name>\w+)(:(?:[^{}]|\{[^}]*\})*?)?(?<optional>\?)?\}")]
    private static partial Regex ConstraintPattern();

    private static async Task<HashSet<string>> OpenApiOperationsAsync(InspectionPlatform platform)
    {
        using var client = platform.Host.Anonymous();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                operations.Add($"{method.Name.ToUpperInvariant()} {Normalize(path.Name)}");
            }
        }

        return operations;
    }
}
