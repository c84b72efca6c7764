using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Identity;

/// <summary>
/// A new account as a caller asks for it (fields as they arrived). <see cref="Password"/> null: a one-time password is
/// generated and answered once. <see cref="ExternalSubject"/> maps a single-sign-on identity to the account.
/// </summary>
public sealed record AccountDraft(
    string? Username, string? DisplayName, string? Password, IReadOnlyList<string>? Roles, string? DepartmentCode, string? InspectorCertificateNo,
    string? ExternalSubject = null, bool MustChangePassword = true);

/// <summary>A change of an account's display name, roles, department, certificate and status (fields as they arrived).</summary>
public sealed record AccountChange(string? DisplayName, IReadOnlyList<string>? Roles, string? DepartmentCode, string? InspectorCertificateNo, bool? Disabled);

/// <summary>A created account, and the one-time password generated for it (null when the caller gave one): shown once, never stored in clear.</summary>
public sealed record AccountCreated(UserView Account, string? OneTimePassword);

public enum PasswordChangeOutcome
{
    Changed,

    /// <summary>The new password breaks a rule (<see cref="PasswordChangeResult.Rule"/> says which).</summary>
    Unacceptable,
    SameAsCurrent,
    WrongCurrentPassword,
    Locked,
}

/// <summary>What became of a change of one's own password; the account as it is after a change.</summary>
public sealed record PasswordChangeResult(PasswordChangeOutcome Outcome, UserAccount? Account = null, DateTimeOffset? LockedUntil = null, PasswordRule? Rule = null);

/// <summary>
/// The one write path of local accounts — the account routes, the sign-in and password pages, the first admin and the
/// demo's accounts: validated with Core's <see cref="AccountValidator"/>, authorized inside by <see cref="AccountAccess"/>
/// (a department administrator manages its own department's scheduler, reviewer and inspector accounts, and links only its
/// own inspectors), persisted by <see cref="UserStore"/> with the audit line in one transaction. Reads go to <see cref="UserStore"/>.
/// </summary>
public interface IAccountService
{
    /// <summary>A sign-in with a password from <paramref name="client"/>, counted against the lockout (<see cref="UserStore.SignInAsync"/>).</summary>
    Task<SignInResult> SignInAsync(string username, string password, string client, CancellationToken ct = default);

    /// <summary>
    /// Changing one's own password: the new one must keep the rules and differ from the current one, which is checked as a
    /// sign-in is (counted against the lockout: a stolen session must not be a way to guess the password without limit). A
    /// change writes a new security stamp, so every token and session of the account ends; the result holds the account as
    /// it is now, to start a new one.
    /// </summary>
    Task<PasswordChangeResult> ChangeOwnPasswordAsync(Actor actor, string? currentPassword, string? newPassword, string client, CancellationToken ct = default);

    Task<ChangeResult<AccountCreated>> CreateAsync(AccountDraft draft, Actor actor, CancellationToken ct = default);

    /// <summary>Updates <paramref name="username"/> against the version the caller read; an account the caller does not manage is not found.</summary>
    Task<ChangeResult<UserView>> UpdateAsync(string username, AccountChange change, long expectedVersion, Actor actor, CancellationToken ct = default);

    /// <summary>Sets a one-time password the user must change (ending every sign-in of the account); an account the caller does not manage is not found.</summary>
    Task<ChangeResult<UserView>> ResetPasswordAsync(string username, string? newPassword, Actor actor, CancellationToken ct = default);
}
