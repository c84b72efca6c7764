using System.Reflection;
using System.Text.RegularExpressions;
using Supervision.IntegrationTests.Infrastructure;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// The floor plan's arrows (docs/architecture.md, "Dependency direction"), checked on the compiled assemblies so that a
/// new file cannot quietly turn one around: the pure core knows nothing of Orleans, and the infrastructure's namespaces
/// depend on each other without a cycle (the audit log sits on storage, never the other way). The API's handlers and pages
/// depend on the contracts, never on the grains' implementations; only its composition root wires the silo in.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly Assembly Core = typeof(Supervision.Core.Identity.Actor).Assembly;
    private static readonly Assembly Infrastructure = typeof(Supervision.Infrastructure.Storage.SqlStore).Assembly;
    private static readonly Assembly Grains = typeof(Supervision.Grains.Hosting.SupervisionSilo).Assembly;

    /// <summary>
    /// The API's composition root, which configures the co-hosted silo and the cluster client: the only files of the API
    /// that may name the grains' project (paths relative to src/Supervision.Api, '/'-separated).
    /// </summary>
    private static readonly string[] CompositionRoot = ["Hosting/", "Identity/AuthSetup.cs"];

    [Fact]
    public void The_core_references_no_Orleans_assembly()
    {
        var orleans = Core.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Orleans", StringComparison.Ordinal)
            || a.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).Select(a => a.Name).ToList();
        Assert.Empty(orleans);
    }

    [Fact]
    public void No_core_type_carries_an_Orleans_attribute()
    {
        var marked = Core.GetTypes()
            .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType.Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true))
            .Select(t => t.FullName).ToList();
        Assert.Empty(marked);
    }

    [Fact]
    public void The_infrastructure_namespaces_form_no_cycle()
    {
        var graph = NamespaceGraph(Infrastructure, "Supervision.Infrastructure");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"namespace cycle: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void Outside_its_composition_root_the_API_names_no_grain_implementation()
    {
        var api = Path.Combine(Repository.Root, "src", "Supervision.Api");
        var pattern = GrainsReference(Grains);
        var offenders = new List<string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(api, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(api, file).Replace('\\', '/');
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal)) continue;
            if (CompositionRoot.Any(root => root.EndsWith('/') ? relative.StartsWith(root, StringComparison.Ordinal) : relative == root)) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (pattern.Match(lines[i]) is { Success: true } match) offenders.Add($"src/Supervision.Api/{relative}:{i + 1}: {match.Value}");
            }
        }

        Assert.True(offenders.Count == 0,
            "API files outside the composition root (Hosting/, Identity/AuthSetup.cs) depend on grain implementations; move what they use to Core "
            + "(pure), Contracts (shared with the grains) or Infrastructure (I/O):\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("using Supervision.Grains.Inspections;", true)]
    [InlineData("global using Supervision.Grains;", true)]
    [InlineData("    InspectionRules rules = sp.GetRequiredService<global::Supervision.Grains.Inspections.InspectionRules>();", true)]
    [InlineData("    var r = Grains.Credit.CreditNightlyGrain.Key; // namespace-relative, from inside Supervision.Api", true)]
    [InlineData("@using Supervision.Grains.Hosting", true)]
    [InlineData("    var reply = await s.Grains.GetGrain<IRecusalGrain>(id).Decide(id, true, null, actor);", false)]
    [InlineData("    await grains.GetGrain<IOperationGrain>(operation.Id).Resume();", false)]
    [InlineData("using Supervision.Contracts.Credit; // the grains' contracts", false)]
    public void The_grains_reference_check_sees_namespaces_however_they_are_spelled(string line, bool references) =>
        Assert.Equal(references, GrainsReference(Grains).IsMatch(line));

    /// <summary>
    /// A mention of the grains' project: <c>Supervision.Grains</c> spelled out, or one of its namespaces named relative to
    /// <c>Supervision</c> (<c>Grains.Credit.…</c>, which resolves the same from inside <c>Supervision.Api</c>).
    /// </summary>
    private static Regex GrainsReference(Assembly grains)
    {
        var segments = grains.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("Supervision.Grains.", StringComparison.Ordinal))
            .Select(n => n["Supervision.Grains.".Length..].Split('.')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new Regex(@"\bSupervision\.Grains\b|(?<![\w.])Grains\.(?:" + string.Join('|', segments.Select(Regex.Escape)) + @")\b", RegexOptions.CultureInvariant);
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle_when_there_is_one()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"],
        };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    /// <summary>
    /// Which namespaces (under <paramref name="root"/>) each namespace's types name in their signatures: base types,
    /// interfaces, fields, properties, constructor and method parameters and return types. Compiler-generated nested
    /// types count for their declaring namespace.
    /// </summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph(Assembly assembly, string root)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = type.Namespace;
            if (from is null || !from.StartsWith(root, StringComparison.Ordinal)) continue;
            var named = new List<Type>();
            if (type.BaseType is not null) named.Add(type.BaseType);
            named.AddRange(type.GetInterfaces());
            named.AddRange(type.GetFields(all).Select(f => f.FieldType));
            named.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                named.AddRange(method.GetParameters().Select(p => p.ParameterType));
                if (method is MethodInfo m) named.Add(m.ReturnType);
            }
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var to in named.SelectMany(Flatten).Select(t => t.Namespace))
                if (to is not null && to != from && to.StartsWith(root, StringComparison.Ordinal)) edges.Add(to);
        }
        return graph;
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType) return Flatten(type.GetElementType()!);
        if (type.IsGenericType) return new[] { type }.Concat(type.GetGenericArguments().SelectMany(Flatten));
        return [type];
    }

    /// <summary>A cycle as the list of namespaces along it (first repeated at the end), or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path.SkipWhile(n => n != next), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }
}
