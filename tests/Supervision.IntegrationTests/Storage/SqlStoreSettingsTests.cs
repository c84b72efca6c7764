using Npgsql;
using Supervision.Infrastructure.Storage;

namespace Supervision.IntegrationTests.Storage;

/// <summary>The connection settings the platform adds to a PostgreSQL connection string, and the ones it leaves alone.</summary>
public sealed class SqlStoreSettingsTests
{
    [Fact]
    public void Auto_preparation_and_no_reset_on_close_are_switched_on_unless_the_connection_string_says_otherwise()
    {
        var added = new NpgsqlConnectionStringBuilder(SqlStore.WithPoolDefaults("Host=db;Database=supervision"));
        Assert.Equal(64, added.MaxAutoPrepare);
        Assert.Equal(2, added.AutoPrepareMinUsages);
        Assert.True(added.NoResetOnClose);

        var kept = new NpgsqlConnectionStringBuilder(SqlStore.WithPoolDefaults("Host=db;Database=supervision;Max Auto Prepare=0;AutoPrepareMinUsages=7;No Reset On Close=false"));
        Assert.Equal(0, kept.MaxAutoPrepare);
        Assert.Equal(7, kept.AutoPrepareMinUsages);
        Assert.False(kept.NoResetOnClose);
    }
}
