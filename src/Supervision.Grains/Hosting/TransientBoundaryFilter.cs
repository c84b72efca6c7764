using Supervision.Contracts;

namespace Supervision.Grains.Hosting;

/// <summary>
/// On every silo, for every grain call: a transient failure of the database inside a grain leaves the grain as a
/// <see cref="Contracts.TransientFailureException"/> (<see cref="TransientFailures.ForCaller"/>), so that the caller — the
/// API in another process, or <see cref="SafeRetryFilter"/> — still knows it was transient.
/// </summary>
public sealed class TransientBoundaryFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (TransientFailures.ForCaller(e) is Contracts.TransientFailureException translated && !ReferenceEquals(translated, e))
        {
            throw translated;
        }
    }
}
