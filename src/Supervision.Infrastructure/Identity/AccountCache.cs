using System.Collections.Concurrent;

namespace Supervision.Infrastructure.Identity;

/// <summary>
/// How long one process may answer the per-request sign-in check from what it last read about an account
/// (configuration "Auth:Local:AccountCacheDuration"; zero reads the account on every request). A change made in
/// another process — another API instance — takes effect here at the latest this long after it committed.
/// </summary>
public sealed record AccountCachePolicy(TimeSpan Duration)
{
    public static readonly AccountCachePolicy Default = new(TimeSpan.FromSeconds(5));
}

/// <summary>
/// The accounts behind the tokens and sessions in use, as the per-request sign-in check sees them: each read from the
/// database at most <see cref="AccountCachePolicy.Duration"/> ago, and dropped at once when this process changes the
/// account (<see cref="UserStore"/> calls <see cref="Invalidate"/> after every committed change). A read that started
/// before such a change is never kept, so a change made here is seen by the next request.
/// </summary>
public sealed class AccountCache(TimeProvider clock, AccountCachePolicy? policy = null)
{
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _changes;

    public TimeSpan Duration { get; } = (policy ?? AccountCachePolicy.Default).Duration;

    public async Task<UserAccount?> GetAsync(string username, Func<CancellationToken, Task<UserAccount?>> load, CancellationToken ct)
    {
        var now = clock.GetTimestamp();
        if (_entries.TryGetValue(username, out var cached) && clock.GetElapsedTime(cached.ReadAt, now) < Duration)
        {
            return cached.Account;
        }

        var changesBefore = Volatile.Read(ref _changes);
        var account = await load(ct);
        if (Duration <= TimeSpan.Zero)
        {
            return account;
        }

        // Stored, then checked: a change that committed while this read was under way (its Invalidate may have run
        // before or after the store) either finds the entry and removes it, or this check sees its count and does.
        var entry = new Entry(account, now);
        _entries[username] = entry;
        if (Volatile.Read(ref _changes) != changesBefore)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(username, entry));
        }

        if (_entries.Count > SweepAbove)
        {
            Sweep(now);
        }

        return account;
    }

    /// <summary>Forgets what was read about <paramref name="username"/>: the next request reads the account again.</summary>
    public void Invalidate(string username)
    {
        Interlocked.Increment(ref _changes);
        _entries.TryRemove(username, out _);
    }

    private void Sweep(long now)
    {
        foreach (var (username, entry) in _entries)
        {
            if (clock.GetElapsedTime(entry.ReadAt, now) >= Duration)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(username, entry));
            }
        }
    }

    /// <summary>A class, not a record: removals compare the very entry that was stored.</summary>
    private sealed class Entry(UserAccount? account, long readAt)
    {
        public UserAccount? Account { get; } = account;

        public long ReadAt { get; } = readAt;
    }
}
