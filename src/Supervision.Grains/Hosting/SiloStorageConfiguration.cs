// TEMPORARY: replaced by the storage work on branch wip/storage.
using Supervision.Infrastructure.Storage;
namespace Supervision.Grains.Hosting;

public static class SiloStorageConfiguration
{
    public static ISiloBuilder UseSupervisionStorage(this ISiloBuilder builder, StorageProvider provider, string connectionString)
    {
        _ = provider; _ = connectionString;

        return builder;
    }
}
