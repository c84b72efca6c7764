namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>Where the repository is, seen from the test binaries (tools, benchmark scripts, the API's build).</summary>
public static class Repository
{
    /// <summary>The folder holding Supervision.sln above the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Supervision.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Supervision.sln not found above " + AppContext.BaseDirectory);
    }
}
