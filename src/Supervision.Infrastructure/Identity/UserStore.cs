using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Identity;

/// <summary>A local account. The password hash never leaves this type's store; <see cref="UserView"/> is what callers see.</summary>
public sealed record UserAccount : IVersioned
{
    public required string Username { get; init; }
    public required string DisplayName { get; init; }
    public string? PasswordHash { get; init; }
    public required string Roles { get; init; }
    public string? DepartmentCode { get; init; }
    public string? InspectorCertificateNo { get; init; }
    public string? ExternalSubject { get; init; }
    public bool MustChangePassword { get; init; }
    public bool Disabled { get; init; }

    /// <summary>
    /// A random value carried in every token and session issued for the account and compared on each request: a new
    /// password, a change of roles, department, certificate number or status writes a new one, which ends them all.
    /// Never shown by the API nor written to the audit log.
    /// </summary>
    public string SecurityStamp { get; init; } = string.Empty;

    public long Version { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<string> RoleList => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public Actor ToActor() => new(Username, RoleList, DepartmentCode, InspectorCertificateNo);

    public UserView ToView() => new(Username, DisplayName, RoleList, DepartmentCode, InspectorCertificateNo, MustChangePassword, Disabled, Version, ExternalSubject);
}

/// <summary>An account as the API shows it: no password hash.</summary>
public sealed record UserView(
    string Username,
    string DisplayName,
    IReadOnlyList<string> Roles,
    string? DepartmentCode,
    string? InspectorCertificateNo,
    bool MustChangePassword,
    bool Disabled,
    long Version,
    string? ExternalSubject = null);

public sealed record NewUser(
    string Username,
    string DisplayName,
    string? Password,
    IReadOnlyList<string> Roles,
    string? DepartmentCode,
    string? InspectorCertificateNo,
    bool MustChangePassword,
    string? ExternalSubject = null);

/// <summary>
/// How many failed sign-ins from one client address lock that address out of a local account, and for how long
/// (configuration "Auth:Local:MaxFailedSignIns" and "Auth:Local:LockoutDuration"; 0 failures turns the lock off).
/// </summary>
public sealed record SignInPolicy(int MaxFailures, TimeSpan LockoutDuration)
{
    public static readonly SignInPolicy Default = new(5, TimeSpan.FromMinutes(15));
}

/// <summary>The outcome of a sign-in: the account, or none; when the account is locked, until when.</summary>
public sealed record SignInResult(UserAccount? User, DateTimeOffset? LockedUntil)
{
    public static readonly SignInResult Failed = new(null, null);
}

/// <summary>Local accounts with PBKDF2 password hashes (ASP.NET Core Identity's hasher).</summary>
public sealed class UserStore(SqlStore store, AuditLog audit, VersionedWriter writer, TimeProvider clock, AccountCache cache, SignInPolicy? policy = null)
{
    private readonly SignInPolicy _policy = policy ?? SignInPolicy.Default;

    private const string Columns =
        """
        username, display_name AS DisplayName, password_hash AS PasswordHash, roles,
        department_code AS DepartmentCode, inspector_certificate_no AS InspectorCertificateNo,
        external_subject AS ExternalSubject, must_change_password AS MustChangePassword, disabled,
        security_stamp AS SecurityStamp, version, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private readonly PasswordHasher<UserAccount> _hasher = new();

    public async Task<UserAccount?> FindAsync(string username, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserAccount>(
            new CommandDefinition($"SELECT {Columns} FROM users WHERE username = @username", new { username }, cancellationToken: ct));
    }

    /// <summary>
    /// The account as the per-request sign-in check sees it (without its password hash): read at most
    /// <see cref="AccountCache.Duration"/> ago, and read again at once after a change made through this store in
    /// this process.
    /// </summary>
    public Task<UserAccount?> CurrentAsync(string username, CancellationToken ct = default) =>
        cache.GetAsync(username, async c => await FindAsync(username, c) is { } account ? account with { PasswordHash = null } : null, ct);

    /// <summary>A new security stamp: 128 random bits in hex.</summary>
    public static string NewSecurityStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task<UserAccount?> FindByExternalSubjectAsync(string subject, CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserAccount>(
            new CommandDefinition($"SELECT {Columns} FROM users WHERE external_subject = @subject", new { subject }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<UserAccount>> ListAsync(string? departmentCode, string? after, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<UserAccount>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM users
            WHERE (@departmentCode IS NULL OR department_code = @departmentCode)
              AND (@after IS NULL OR username > @after)
            ORDER BY username LIMIT @limit
            """,
            new { departmentCode, after, limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<bool> AnyAsync(CancellationToken ct = default)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM users)", cancellationToken: ct));
    }

    /// <summary>
    /// A sign-in with a password from <paramref name="client"/> (the client's address, IPv6 by /64). Attempts are
    /// counted per typed username and address — whether or not the account exists, so that the answers do not tell
    /// which accounts do — and each is counted <em>before</em> the password is checked, so that concurrent guesses cannot
    /// pass the count together. The attempt that reaches the policy's maximum, each less than the lockout duration after
    /// the one before, locks that address out of that name for the lockout duration (audited as user.locked when the
    /// account exists); while it lasts every password from the address is refused, the right one too. Other addresses are
    /// not affected, so a stranger guessing cannot lock the account's owner out. A success deletes the address's count.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string username, string password, string client, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        if (_policy.MaxFailures > 0)
        {
            var (attempts, lockedUntil) = await CountAttemptAsync(username, client, now, ct);
            if (lockedUntil is { } until && until > now) return new SignInResult(null, until);
            if (attempts > _policy.MaxFailures) return new SignInResult(null, now + _policy.LockoutDuration); // a burst beyond the count: refused unchecked
        }

        var user = await FindAsync(username, ct);
        UserAccount? verified;
        if (user is null || user.Disabled || user.PasswordHash is null)
        {
            // Hash anyway so a missing account costs as much time as a wrong password.
            _hasher.HashPassword(null!, password);
            verified = null;
        }
        else
        {
            verified = await VerifyAsync(user, password, ct);
        }

        if (_policy.MaxFailures == 0) return verified is null ? SignInResult.Failed : new SignInResult(verified, null);
        if (verified is not null)
        {
            await using var connection = await store.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM sign_in_failures WHERE username = @username AND client = @client", new { username, client }, cancellationToken: ct));
            return new SignInResult(verified, null);
        }
        return await LockIfLastAsync(username, user, client, now, ct) is { } locked ? new SignInResult(null, locked) : SignInResult.Failed;
    }

    /// <summary>Counts an attempt in one statement; a lock in force is not counted against (its count started again at 0).</summary>
    private async Task<(long Attempts, DateTimeOffset? LockedUntil)> CountAttemptAsync(string username, string client, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var row = await connection.QuerySingleAsync<(long Attempts, DateTimeOffset? LockedUntil)>(new CommandDefinition(
            """
            INSERT INTO sign_in_failures (username, client, failures, locked_until, updated_at) VALUES (@username, @client, 1, NULL, @now)
            ON CONFLICT (username, client) DO UPDATE SET
                failures = CASE WHEN sign_in_failures.locked_until > @now THEN sign_in_failures.failures
                                WHEN sign_in_failures.updated_at < @windowStart THEN 1
                                ELSE sign_in_failures.failures + 1 END,
                updated_at = @now
            RETURNING failures, locked_until
            """, new { username, client, now, windowStart = now - _policy.LockoutDuration }, cancellationToken: ct));
        // Counts that ended neither in a success nor a lock are forgotten a day later (1 call in 64 sweeps).
        if (Random.Shared.Next(64) == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM sign_in_failures WHERE updated_at < @stale AND (locked_until IS NULL OR locked_until < @now)",
                new { stale = now - TimeSpan.FromDays(1) - _policy.LockoutDuration, now }, cancellationToken: ct));
        }
        return row;
    }

    /// <summary>After a failed attempt: when it was the last one allowed, locks the address out and returns until when.</summary>
    private Task<DateTimeOffset?> LockIfLastAsync(string username, UserAccount? user, string client, DateTimeOffset now, CancellationToken ct) =>
        store.InTransactionAsync(async (connection, tx) =>
        {
            var until = now + _policy.LockoutDuration;
            var locked = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE sign_in_failures SET failures = 0, locked_until = @until
                WHERE username = @username AND client = @client AND failures >= @max AND (locked_until IS NULL OR locked_until <= @now)
                """, new { until, username, client, max = _policy.MaxFailures, now }, tx, cancellationToken: ct));
            if (locked == 0) return (DateTimeOffset?)null;
            if (user is not null)
            {
                await audit.AppendAsync(connection, tx, Actor.System("sign-in"), "user.locked", "user", user.Username, user.DepartmentCode, null,
                    new { client, failedSignIns = _policy.MaxFailures, lockedUntil = until });
            }
            return until;
        }, ct);

    private async Task<UserAccount?> VerifyAsync(UserAccount user, string password, CancellationToken ct)
    {
        var outcome = _hasher.VerifyHashedPassword(user, user.PasswordHash!, password);
        if (outcome == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (outcome == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await using var connection = await store.OpenAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET password_hash = @hash WHERE username = @username",
                new { hash = _hasher.HashPassword(user, password), username = user.Username },
                cancellationToken: ct));
        }

        return user;
    }

    /// <summary>Creates an account; returns false (and writes nothing) when the username is taken.</summary>
    public async Task<bool> CreateAsync(NewUser user, Actor actor, CancellationToken ct = default)
    {
        var created = await store.InTransactionAsync(async (connection, tx) =>
        {
            var now = clock.GetUtcNow();
            var hash = user.Password is null ? null : _hasher.HashPassword(null!, user.Password);
            var inserted = await connection.ExecuteAsync(
                """
                INSERT INTO users (username, display_name, password_hash, roles, department_code, inspector_certificate_no,
                                   external_subject, must_change_password, disabled, security_stamp, version, created_at, updated_at)
                VALUES (@Username, @DisplayName, @hash, @roles, @DepartmentCode, @InspectorCertificateNo,
                        @ExternalSubject, @MustChangePassword, @disabled, @stamp, 1, @now, @now)
                ON CONFLICT DO NOTHING
                """,
                new
                {
                    user.Username,
                    user.DisplayName,
                    hash,
                    roles = string.Join(',', user.Roles),
                    user.DepartmentCode,
                    user.InspectorCertificateNo,
                    user.ExternalSubject,
                    user.MustChangePassword,
                    disabled = false,
                    stamp = NewSecurityStamp(),
                    now,
                },
                tx);
            if (inserted == 0)
            {
                return false;
            }

            await audit.AppendAsync(connection, tx, actor, "user.created", "user", user.Username, user.DepartmentCode, null,
                new { user.Username, user.DisplayName, user.Roles, user.DepartmentCode, user.InspectorCertificateNo, user.ExternalSubject });
            return true;
        }, ct);
        cache.Invalidate(user.Username);
        return created;
    }

    /// <summary>
    /// Sets a new password and a new security stamp: every token and session of the account ends (at once in this
    /// process, within <see cref="AccountCache.Duration"/> in others).
    /// </summary>
    public async Task<bool> SetPasswordAsync(string username, string newPassword, bool mustChange, Actor actor, CancellationToken ct = default)
    {
        var set = await store.InTransactionAsync(async (connection, tx) =>
        {
            var changed = await connection.ExecuteAsync(
                """
                UPDATE users SET password_hash = @hash, must_change_password = @mustChange, security_stamp = @stamp,
                    version = version + 1, updated_at = @now
                WHERE username = @username
                """,
                new { hash = _hasher.HashPassword(null!, newPassword), mustChange, stamp = NewSecurityStamp(), now = clock.GetUtcNow(), username },
                tx);
            if (changed == 0)
            {
                return false;
            }

            // A new password ends every lock on the account.
            await connection.ExecuteAsync("DELETE FROM sign_in_failures WHERE username = @username", new { username }, tx);

            // The hash itself is never written to the audit log.
            await audit.AppendAsync(connection, tx, actor, "user.password-set", "user", username, null, null, new { mustChange });
            return true;
        }, ct);
        cache.Invalidate(username);
        return set;
    }

    /// <summary>
    /// Updates roles, department and status against the version the caller read; the audit log sees the account without
    /// its hash. A change of roles, department, certificate number or status writes a new security stamp, which ends the
    /// account's tokens and sessions (a new display name alone does not).
    /// </summary>
    public async Task<WriteResult<UserAccount>> UpdateAsync(
        string username, string displayName, IReadOnlyList<string> roles, string? departmentCode, string? inspectorCertificateNo,
        bool disabled, long? expectedVersion, Actor actor, CancellationToken ct = default)
    {
        var joinedRoles = string.Join(',', roles);
        var result = await writer.UpdateAsync("user", username, expectedVersion, actor,
            (connection, tx) => connection.QuerySingleOrDefaultAsync<UserAccount>($"SELECT {Columns} FROM users WHERE username = @username", new { username }, tx),
            u => u.Version,
            u => u.DepartmentCode,
            before => before with
            {
                DisplayName = displayName,
                Roles = joinedRoles,
                DepartmentCode = departmentCode,
                InspectorCertificateNo = inspectorCertificateNo,
                Disabled = disabled,
                SecurityStamp = before.Roles == joinedRoles && before.DepartmentCode == departmentCode
                    && before.InspectorCertificateNo == inspectorCertificateNo && before.Disabled == disabled
                    ? before.SecurityStamp
                    : NewSecurityStamp(),
                Version = before.Version + 1,
                UpdatedAt = clock.GetUtcNow(),
            },
            (connection, tx, u, previous) => connection.ExecuteAsync(
                """
                UPDATE users SET display_name = @DisplayName, roles = @Roles, department_code = @DepartmentCode,
                    inspector_certificate_no = @InspectorCertificateNo, disabled = @Disabled, security_stamp = @SecurityStamp,
                    version = @Version, updated_at = @UpdatedAt
                WHERE username = @Username AND version = @previous
                """,
                new { u.DisplayName, u.Roles, u.DepartmentCode, u.InspectorCertificateNo, u.Disabled, u.SecurityStamp, u.Version, u.UpdatedAt, u.Username, previous }, tx),
            ct,
            u => u.ToView());
        cache.Invalidate(username);
        return result;
    }
}
