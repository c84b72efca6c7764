using Npgsql;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>The connection settings the platform adds to a PostgreSQL connection string, and the ones it leaves alone.</summary>
public sealed class SqlStoreSettingsTests
{
    [Fact]
    public void Auto_preparation_is_switched_on_unless_the_connection_string_says_otherwise()
    {
        var added = new NpgsqlConnectionStringBuilder(SqlStore.WithAutoPrepare("Host=db;Database=supervision"));
        Assert.Equal(64, added.MaxAutoPrepare);
        Assert.Equal(2, added.AutoPrepareMinUsages);

        var kept = new NpgsqlConnectionStringBuilder(SqlStore.WithAutoPrepare("Host=db;Database=supervision;Max Auto Prepare=0;AutoPrepareMinUsages=7"));
        Assert.Equal(0, kept.MaxAutoPrepare);
        Assert.Equal(7, kept.AutoPrepareMinUsages);
    }
}
