using System.Security.Cryptography;
using Supervision.Core.Identity;
using Supervision.Core.Registry;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Identity;

/// <summary>Local accounts' write path (<see cref="IAccountService"/>): validate, authorize by role and department, then one audited write.</summary>
public sealed class AccountService(UserStore users, InspectorStore inspectors) : IAccountService
{
    /// <summary>20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).</summary>
    public static string OneTimePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    public Task<SignInResult> SignInAsync(string username, string password, string client, CancellationToken ct = default) =>
        users.SignInAsync(username, password, client, ct);

    public async Task<PasswordChangeResult> ChangeOwnPasswordAsync(Actor actor, string? currentPassword, string? newPassword, string client, CancellationToken ct = default)
    {
        if (AccountValidator.PasswordCheck(newPassword) is { } broken)
        {
            return new PasswordChangeResult(PasswordChangeOutcome.Unacceptable, Rule: broken);
        }

        if (string.Equals(newPassword, currentPassword, StringComparison.Ordinal))
        {
            return new PasswordChangeResult(PasswordChangeOutcome.SameAsCurrent);
        }

        var (user, lockedUntil) = await users.SignInAsync(actor.Username, currentPassword ?? string.Empty, client, ct);
        if (lockedUntil is { } until)
        {
            return new PasswordChangeResult(PasswordChangeOutcome.Locked, LockedUntil: until);
        }

        if (user is null)
        {
            return new PasswordChangeResult(PasswordChangeOutcome.WrongCurrentPassword);
        }

        await users.SetPasswordAsync(actor.Username, newPassword!, mustChange: false, actor, ct);
        return new PasswordChangeResult(PasswordChangeOutcome.Changed, await users.FindAsync(actor.Username, ct));
    }

    public async Task<ChangeResult<AccountCreated>> CreateAsync(AccountDraft draft, Actor actor, CancellationToken ct = default)
    {
        var errors = AccountValidator.ValidateNew(draft.Username, draft.DisplayName, draft.Roles, draft.DepartmentCode, draft.InspectorCertificateNo,
            draft.ExternalSubject, draft.Password);
        if (errors.Count > 0) return ChangeResult.Invalid<AccountCreated>(errors);

        var department = Blank(draft.DepartmentCode);
        var certificate = Blank(draft.InspectorCertificateNo);
        var subject = Blank(draft.ExternalSubject);
        var refusal = AccountAccess.WriteRefusal(actor, null, department, draft.Roles!) ?? await LinkRefusalAsync(actor, certificate, subject, ct);
        if (refusal is not null) return ChangeResult.Forbidden<AccountCreated>(refusal);

        var password = draft.Password ?? OneTimePassword();
        var user = new NewUser(draft.Username!, draft.DisplayName!.Trim(), password, draft.Roles!, department, certificate, draft.MustChangePassword, subject);
        if (!await users.CreateAsync(user, actor, ct))
        {
            return new ChangeResult<AccountCreated>(ChangeStatus.AlreadyExists, Detail: $"The username '{draft.Username}' (or the external subject) is taken.");
        }

        var view = new UserView(user.Username, user.DisplayName, user.Roles, user.DepartmentCode, user.InspectorCertificateNo, user.MustChangePassword, false, 1,
            user.ExternalSubject);
        return new ChangeResult<AccountCreated>(ChangeStatus.Created, new AccountCreated(view, draft.Password is null ? password : null), Version: 1);
    }

    public async Task<ChangeResult<UserView>> UpdateAsync(string username, AccountChange change, long expectedVersion, Actor actor, CancellationToken ct = default)
    {
        var errors = AccountValidator.ValidateChange(change.DisplayName, change.Roles, change.DepartmentCode, change.InspectorCertificateNo);
        if (errors.Count > 0) return ChangeResult.Invalid<UserView>(errors);
        var disabled = change.Disabled ?? false;
        if (AccountValidator.SelfChangeError(actor, username, change.Roles!, disabled) is { } self) return ChangeResult.Invalid<UserView>([self]);

        var department = Blank(change.DepartmentCode);
        var certificate = Blank(change.InspectorCertificateNo);
        if (!actor.IsAdmin)
        {
            // An account the caller does not manage does not exist for them.
            var current = await users.FindAsync(username, ct);
            if (current is null || !AccountAccess.MaySee(actor, current.DepartmentCode, current.RoleList)) return ChangeResult.NotFound<UserView>();
            var refusal = AccountAccess.WriteRefusal(actor, (current.DepartmentCode, current.RoleList), department, change.Roles!)
                ?? await LinkRefusalAsync(actor, certificate, null, ct);
            if (refusal is not null) return ChangeResult.Forbidden<UserView>(refusal);
        }

        var write = await users.UpdateAsync(username, change.DisplayName!.Trim(), change.Roles!, department, certificate, disabled, expectedVersion, actor, ct);
        return ChangeResult.From(write, u => u.ToView());
    }

    public async Task<ChangeResult<UserView>> ResetPasswordAsync(string username, string? newPassword, Actor actor, CancellationToken ct = default)
    {
        if (AccountValidator.PasswordError("newPassword", newPassword) is { } error) return ChangeResult.Invalid<UserView>([error]);
        if (!actor.IsAdmin && (await users.FindAsync(username, ct) is not { } current || !AccountAccess.MaySee(actor, current.DepartmentCode, current.RoleList)))
        {
            return ChangeResult.NotFound<UserView>();
        }

        return await users.SetPasswordAsync(username, newPassword!, mustChange: true, actor, ct)
            ? new ChangeResult<UserView>(ChangeStatus.Updated)
            : ChangeResult.NotFound<UserView>();
    }

    /// <summary>
    /// What an account is linked to decides what it may do: a certificate makes it act as that inspector on that
    /// inspector's teams, an external subject makes a single sign-on identity sign in as it. A department administrator
    /// links only its own department's inspectors, and no single sign-on identity (platform admins do).
    /// </summary>
    private async Task<string?> LinkRefusalAsync(Actor actor, string? certificate, string? externalSubject, CancellationToken ct)
    {
        if (actor.IsAdmin) return null;
        if (externalSubject is not null) return "Only platform admins link an account to a single sign-on identity.";
        if (certificate is null) return null;
        var inspector = await inspectors.GetAsync(certificate, ct);
        return inspector is null ? $"There is no inspector with certificate '{certificate}' in your department."
            : DirectoryAccess.InspectorWriteRefusal(actor, inspector.DepartmentCode, inspector.DepartmentCode);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
