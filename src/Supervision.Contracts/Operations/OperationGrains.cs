namespace Supervision.Contracts.Operations;

/// <summary>
/// Runs one long operation (a freeze, a draw, a dispatch), keyed by the operation id. <see cref="Resume"/> returns at once
/// and the work goes on in the background under a lease on the operation's row, which the grain renews; the outcome is
/// written to the row, where the API reads it. Any silo's operation sweeper calls <see cref="Resume"/> for operations
/// nobody holds a live lease on, so an operation whose silo died is taken over by a survivor.
/// </summary>
[Alias("supervision.operation")]
public interface IOperationGrain : IGrainWithStringKey
{
    /// <summary>Starts or resumes the operation unless it is running here already, has ended, or another runner's lease is live.</summary>
    [Alias("resume"), SafeToRetry]
    Task Resume();
}

/// <summary>What an upload operation was given besides its file (its input, as JSON): the file's name and size.</summary>
public sealed record UploadInput(string FileName, long Bytes);
