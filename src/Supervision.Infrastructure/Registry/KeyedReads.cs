using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Registry;

/// <summary>The directory stores' reads by key: one record, or the records of a page's keys in one query.</summary>
internal static class KeyedReads
{
    /// <summary>The row of <paramref name="select"/> (a SELECT … FROM) whose <paramref name="keyColumn"/> is <paramref name="key"/>.</summary>
    public static Task<T?> OneAsync<T>(SqlStore store, string select, string keyColumn, string key, CancellationToken ct) =>
        store.QuerySingleOrDefaultAsync<T>($"{select} WHERE {keyColumn} = @key", new { key }, ct);

    /// <summary>The rows of <paramref name="select"/> whose <paramref name="keyColumn"/> is among <paramref name="keys"/> (those that exist), by key.</summary>
    public static async Task<IReadOnlyDictionary<string, T>> ManyAsync<T>(
        SqlStore store, string select, string keyColumn, IReadOnlyList<string> keys, Func<T, string> keyOf, CancellationToken ct)
    {
        if (keys.Count == 0) return new Dictionary<string, T>(StringComparer.Ordinal);
        var keyList = keys.Distinct(StringComparer.Ordinal).ToList();
        var rows = await store.QueryAsync<T>($"{select} WHERE {keyColumn} {store.In("@keyList")}", new { keyList }, ct);
        return rows.ToDictionary(keyOf, StringComparer.Ordinal);
    }
}
