using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Supervision.Contracts;
using Supervision.Grains.Hosting;

namespace Supervision.IntegrationTests.Faults;

/// <summary>
/// A database failure inside a grain must still read as transient where the caller is. A PostgreSQL error does not cross
/// the grain boundary whole (its SQLSTATE is lost), which once turned a PostgreSQL restart into 500s; the silo now sends
/// a <see cref="TransientFailureException"/> in its place.
/// </summary>
public sealed class TransientBoundaryTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().AddSupervisionSerialization()
        .BuildServiceProvider().GetRequiredService<Serializer>();

    private static Exception RoundTrip(Exception e) => Serializer.Deserialize<Exception>(Serializer.SerializeToArray(e))!;

    [Fact]
    public void A_PostgreSQL_shutdown_error_loses_its_SQLSTATE_across_the_boundary_so_the_silo_translates_it()
    {
        var shutdown = new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01");
        Assert.True(TransientFailures.IsTransient(shutdown));
        Assert.True(string.IsNullOrEmpty(((PostgresException)RoundTrip(shutdown)).SqlState));

        var translated = Assert.IsType<TransientFailureException>(TransientFailures.ForCaller(shutdown));
        var arrived = Assert.IsType<TransientFailureException>(RoundTrip(translated));
        Assert.Equal("PostgresException", arrived.Failure);
        Assert.Equal("57P01", arrived.Code);
        Assert.True(TransientFailures.IsTransient(arrived));
        Assert.True(SafeRetryFilter.Retryable(arrived));
    }

    [Fact]
    public void A_PostgreSQL_error_that_arrived_without_fields_is_still_read_from_its_message()
    {
        Assert.True(TransientFailures.IsTransient(RoundTrip(new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"))));
        Assert.False(TransientFailures.IsTransient(RoundTrip(new PostgresException("duplicate key value", "ERROR", "ERROR", "23505"))));
    }

    [Fact]
    public void Failures_that_are_not_transient_cross_unchanged()
    {
        var violation = new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505");
        Assert.Same(violation, TransientFailures.ForCaller(violation));
        var bug = new InvalidOperationException("a bug");
        Assert.Same(bug, TransientFailures.ForCaller(bug));
        var wrapped = new InvalidOperationException("store failed", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()));
        Assert.IsType<TransientFailureException>(TransientFailures.ForCaller(wrapped));
    }
}
