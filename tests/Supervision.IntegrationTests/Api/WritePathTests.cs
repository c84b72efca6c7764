using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Registry;

namespace Supervision.IntegrationTests.Api;

/// <summary>
/// One write path (issue 17; docs/architecture.md, "Dependency direction"): every change goes through the owning grain
/// or an application service, which validates, authorizes and writes with its audit line — never a store called from a
/// handler, a page or a hosted service of the API. Checked on the compiled API: every call, constructor call and method
/// reference in its IL (lambdas, async state machines and the compiled Razor pages included) that reaches a write
/// method of a store — a class of the infrastructure named …Store, …Importer, …Repository, the versioned writer or the
/// audit log, whose method name starts with a write verb — fails the test, naming the caller.
/// </summary>
public sealed partial class WritePathTests
{
    private static readonly Assembly Api = typeof(Supervision.Api.Hosting.PlatformHost).Assembly;
    private static readonly Assembly Infrastructure = typeof(Supervision.Infrastructure.Storage.SqlStore).Assembly;

    /// <summary>
    /// Writes that handler groups still make themselves, being moved behind their grains or services by their own change
    /// (issue 17). The list only shrinks: a call not listed fails, and so does a listed one that is gone (delete its line).
    /// </summary>
    private static readonly string[] NotYetMoved =
    [
        "Supervision.Api.Inspections.InspectionApi.UploadEvidence → InspectionStore.SaveEvidenceAsync",
        "Supervision.Api.Operations.OperationApi.RunUploadAsync → OperationStore.DeleteUploadAsync",
        "Supervision.Api.Operations.OperationApi.RunUploadAsync → OperationStore.StageUploadAsync",
        "Supervision.Api.Operations.OperationApi.StartAndWaitAsync → OperationStore.AcceptAsync",
    ];

    [Fact]
    public void The_API_writes_no_store_itself()
    {
        var writes = StoreWrites(Api).ToHashSet(StringComparer.Ordinal);
        var unexpected = writes.Except(NotYetMoved, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Assert.True(unexpected.Count == 0,
            "The API calls a store's write method; route it through the owning grain or application service (IDepartmentService, " +
            "IInspectionItemService, IAccountService, IDirectoryImports, the directory grains):\n" + string.Join('\n', unexpected));
        var moved = NotYetMoved.Except(writes, StringComparer.Ordinal).ToList();
        Assert.True(moved.Count == 0, "No longer called from the API — delete from WritePathTests.NotYetMoved:\n" + string.Join('\n', moved));
    }

    [Fact]
    public void The_scan_finds_a_store_write_when_there_is_one()
    {
        var found = StoreWrites(typeof(Handlers).Assembly, t => t == typeof(Handlers) || t.DeclaringType == typeof(Handlers)).ToList();
        Assert.Contains($"{typeof(Handlers).FullName}.Create → DepartmentStore.CreateAsync", found);
        Assert.Contains($"{typeof(Handlers).FullName}.UpdateLater → InspectorStore.UpdateAsync", found);
        Assert.DoesNotContain(found, f => f.Contains("GetAsync", StringComparison.Ordinal));
    }

    /// <summary>What the scan must see: a direct call from an async method, a method group, and a read it must pass over.</summary>
    private static class Handlers
    {
        public static async Task<object> Create(DepartmentStore store) =>
            await store.GetAsync("D1") ?? (object)await store.CreateAsync(new Department { Code = "D1", Name = "D" }, Actor.System("test"), CancellationToken.None);

        public static Func<Inspector, long?, Actor, CancellationToken, Task<Supervision.Infrastructure.Storage.WriteResult<Inspector>>> UpdateLater(InspectorStore store) =>
            store.UpdateAsync;
    }

    [GeneratedRegex(
        "^(Accept|Append|Apply|Cancel|Commit|Create|Decide|Delete|Extend|Finish|Freeze|Import(Entities|Inspectors)|Insert|InTransaction|Mark|Purge|Record|Remind|Report|Save|Set|SignIn|Stage|Start|Stopped|Transition|Update|Write)(?=[A-Z<]|$)")]
    private static partial Regex WriteVerb();

    private static bool IsStore(Type type) =>
        type.Assembly == Infrastructure && !type.IsNested
        && (type.Name.EndsWith("Store", StringComparison.Ordinal) || type.Name.EndsWith("Importer", StringComparison.Ordinal)
            || type.Name.EndsWith("Repository", StringComparison.Ordinal) || type.Name is "VersionedWriter" or "AuditLog");

    /// <summary>"Caller → Store.Method" for every store write the IL of <paramref name="assembly"/>'s types reaches.</summary>
    private static IEnumerable<string> StoreWrites(Assembly assembly, Func<Type, bool>? scope = null)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes().Where(scope ?? (_ => true)))
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                foreach (var callee in MethodsReferenced(method))
                {
                    if (callee.DeclaringType is { } store && IsStore(store) && WriteVerb().IsMatch(callee.Name))
                        yield return $"{SourceName(method)} → {store.Name}.{callee.Name}";
                }
            }
        }
    }

    /// <summary>The source method a compiled one belongs to: a lambda's or a state machine's is the method it was written in.</summary>
    private static string SourceName(MethodBase method)
    {
        var type = method.DeclaringType!;
        var name = method.Name;
        // A state machine (<Method>d__3) names its method; a closure class (<>c, <>c__DisplayClass3_0) leaves it to the lambda's (<Method>b__0).
        while (type.IsNested && type.Name.StartsWith('<'))
        {
            if (!type.Name.StartsWith("<>", StringComparison.Ordinal)) name = type.Name;
            type = type.DeclaringType!;
        }

        var source = name.TrimStart('<');
        return $"{type.FullName}.{(source.Length < name.Length ? source[..source.IndexOf('>', StringComparison.Ordinal)] : name)}";
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Every method a body calls, constructs with or takes the address of (call, callvirt, newobj, ldftn, ldvirtftn…).</summary>
    private static IEnumerable<MethodBase> MethodsReferenced(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or BadImageFormatException)
        {
            il = null;
        }

        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    callee = null;
                }

                if (callee is not null) yield return callee;
            }

            i += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
        }
    }
}
