using System.Text;

namespace Supervision.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away folder of named files — what a test hands to a command-line verifier or the CLI — removed with
/// everything in it when the test ends. <c>files["pack.json"]</c> is the path of a file in it, written or not.
/// </summary>
public sealed class ScratchFiles(string prefix) : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory(prefix);

    public string this[string name] => Path.Combine(folder.FullName, name);

    /// <summary>Writes (or overwrites) a file as UTF-8 text and returns its path.</summary>
    public Task<string> WriteAsync(string name, string text) => WriteAsync(name, Encoding.UTF8.GetBytes(text));

    /// <summary>Writes (or overwrites) a file and returns its path.</summary>
    public async Task<string> WriteAsync(string name, byte[] bytes)
    {
        await File.WriteAllBytesAsync(this[name], bytes);
        return this[name];
    }

    public void Dispose() => folder.Delete(recursive: true);
}
