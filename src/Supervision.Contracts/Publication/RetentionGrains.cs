namespace Supervision.Contracts.Publication;

/// <summary>What one run of the expiry job did (docs/retention.md): withdrawn results (and their versions), listings, files generated again.</summary>
[GenerateSerializer, Immutable, Alias("supervision.retention-run")]
public sealed record RetentionRun(
    [property: Id(0)] DateOnly Today,
    [property: Id(1)] bool Ran,
    [property: Id(2)] int ResultsWithdrawn,
    [property: Id(3)] int VersionsWithdrawn,
    [property: Id(4)] int ListingsWithdrawn,
    [property: Id(5)] int FilesRegenerated);

/// <summary>The daily expiry job of the public record (a singleton, run on the deadline keeper's ticks).</summary>
[Alias("supervision.retention")]
public interface IRetentionGrain : IGrainWithStringKey
{
    public const string DefaultKey = "public-record";

    /// <summary>
    /// Today's run, once per Beijing day: withdraws what is past its period and generates the touched bulk files again; a
    /// second call the same day only finishes a run whose files are not generated yet (and otherwise changes nothing).
    /// </summary>
    /// <remarks>Generating a year's bulk files again streams every row of the partition: longer than the default call timeout allows.</remarks>
    [Alias("run"), ResponseTimeout("00:30:00")]
    Task<RetentionRun> Run();
}
