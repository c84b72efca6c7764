using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

internal static class DrawFixtures
{
    public const string Alg = DrawPrimitives.AlgorithmVersion;
    private const string Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    public static byte[] Seed(int i) => SHA256.HashData(Encoding.UTF8.GetBytes("test-seed-" + i));

    /// <summary>A deterministic 18-character credit code for index i.</summary>
    public static string Id(long i) => "91330" + i.ToString("D13", System.Globalization.CultureInfo.InvariantCulture);

    public static string RandomId(Random rng)
    {
        Span<char> c = stackalloc char[18];
        for (var i = 0; i < 18; i++) c[i] = Chars[rng.Next(Chars.Length)];
        return new string(c);
    }

    public static PopulationMember[] Population(int size, int seed, string[]? strata = null)
    {
        strata ??= ["A", "B", "C", "D"];
        var rng = new Random(seed);
        var ids = new HashSet<string>();
        var members = new PopulationMember[size];
        for (var i = 0; i < size; i++)
        {
            string id;
            do id = RandomId(rng); while (!ids.Add(id));
            members[i] = new PopulationMember(id, strata[rng.Next(strata.Length)], rng.Next(1, 5_000_000));
        }
        return members;
    }

    public static EntityDrawParameters Stratified(params MemberExclusion[] exclusions) => new(DrawModes.Stratified,
        [new StratumRule("A", Ratio: "0.01"), new StratumRule("B", Count: 3), new StratumRule("C", Ratio: "0.1", Minimum: 2), new StratumRule("D", Ratio: "0.3")],
        null, exclusions);

    public static EntityDrawParameters Pareto(int total, params MemberExclusion[] exclusions) => new(DrawModes.Pareto,
        [new StratumRule("A"), new StratumRule("B"), new StratumRule("C"), new StratumRule("D")], total, exclusions);

    public static EntityDrawResult RunDraw(byte[] seed, EntityDrawParameters p, PopulationMember[] members, int partitions = 1) =>
        EntityDraw.Run(new EntityDrawSetup(seed, "TASK-1", Alg, p), EntityDraw.Split(members, partitions));

    public static string Json(object o) => JsonSerializer.Serialize(o, DrawPacks.JsonOptions);

    public static T[] Shuffle<T>(T[] items, int seed)
    {
        var copy = items.ToArray();
        new Random(seed).Shuffle(copy);
        return copy;
    }

    /// <summary>Runs tools/verify_draw.py in <paramref name="dir"/> with <paramref name="args"/>: its exit code and everything it printed.</summary>
    public static (int Code, string Output) RunPythonVerifier(string dir, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir, StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        psi.ArgumentList.Add(Path.Combine(RepoRoot(), "tools", "verify_draw.py"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Supervision.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Supervision.sln not found above the test directory.");
    }
}
