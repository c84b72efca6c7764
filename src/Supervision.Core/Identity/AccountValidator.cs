using System.Text.RegularExpressions;
using Supervision.Core.Validation;

namespace Supervision.Core.Identity;

/// <summary>The rules a new password must keep (<see cref="AccountValidator.PasswordCheck"/>).</summary>
public enum PasswordRule
{
    TooShort,
    TooLong,
    ControlCharacters,
}

/// <summary>
/// What a local account must look like — for the account routes, the password page and the accounts the platform makes
/// itself (the first admin, the demo's): a username of 3–64 characters of a–z, 0–9, '.', '_' or '-', a display name,
/// known roles with the department and certificate they are scoped to, and a password of
/// <see cref="MinimumPasswordLength"/> to <see cref="MaximumPasswordLength"/> characters. Who may write which account is
/// <see cref="AccountAccess"/>.
/// </summary>
public static partial class AccountValidator
{
    public const int MinimumPasswordLength = 10;

    /// <summary>Hashing an unbounded password is work anyone could ask for.</summary>
    public const int MaximumPasswordLength = 256;

    public const int DisplayNameMax = 100;

    /// <summary>
    /// A new account's fields; <paramref name="password"/> null is one the platform generates (nothing to check). The
    /// order of the errors is the order of the fields.
    /// </summary>
    public static List<FieldError> ValidateNew(
        string? username, string? displayName, IReadOnlyList<string>? roles, string? department, string? inspectorCertificateNo,
        string? externalSubject, string? password)
    {
        var errors = new List<FieldError>();
        if (username is null || !UsernamePattern().IsMatch(username))
        {
            const string reason = "is required: 3–64 characters of a–z, 0–9, '.', '_' or '-'";
            errors.Add(string.IsNullOrEmpty(username) ? FieldError.Required("username", reason) : FieldError.Format("username", FieldFormats.Username, reason, username));
        }

        DisplayName(errors, displayName);
        errors.AddRange(RoleErrors(roles, department, inspectorCertificateNo));
        Text.TextRules.Check(errors, "externalSubject", externalSubject);
        if (password is not null && PasswordError("password", password) is { } passwordError)
        {
            errors.Add(passwordError);
        }

        return errors;
    }

    /// <summary>A change of an account's display name, roles, department and certificate.</summary>
    public static List<FieldError> ValidateChange(string? displayName, IReadOnlyList<string>? roles, string? department, string? inspectorCertificateNo)
    {
        var errors = new List<FieldError>();
        DisplayName(errors, displayName);
        errors.AddRange(RoleErrors(roles, department, inspectorCertificateNo));
        return errors;
    }

    /// <summary>An admin may not take their own admin role away nor disable themselves: the platform would lose its last way in.</summary>
    public static FieldError? SelfChangeError(Actor actor, string username, IReadOnlyList<string> roles, bool disabled) =>
        string.Equals(actor.Username, username, StringComparison.Ordinal) && actor.IsAdmin && (disabled || !roles.Contains(Roles.Admin))
            ? FieldError.NotAllowed("roles", "you cannot remove your own admin role or disable yourself")
            : null;

    /// <summary>
    /// At least <see cref="MinimumPasswordLength"/> characters, at most <see cref="MaximumPasswordLength"/>, any Unicode text
    /// but control characters (a NUL or an escape sequence cannot be typed, only injected).
    /// </summary>
    public static PasswordRule? PasswordCheck(string? password) =>
        password is null || password.Length < MinimumPasswordLength ? PasswordRule.TooShort
        : password.Length > MaximumPasswordLength ? PasswordRule.TooLong
        : password.Any(char.IsControl) ? PasswordRule.ControlCharacters
        : null;

    /// <summary>The broken password rule as the field's error; null when the password keeps them.</summary>
    public static FieldError? PasswordError(string field, string? password) => PasswordCheck(password) switch
    {
        PasswordRule.TooShort => FieldError.TooShort(field, MinimumPasswordLength),
        PasswordRule.TooLong => FieldError.TooLong(field, MaximumPasswordLength, password!.Length, $"must be at most {MaximumPasswordLength} characters"),
        PasswordRule.ControlCharacters => FieldError.Characters(field, password!.IndexOf(password.First(char.IsControl)) + 1, password.First(char.IsControl), "must not contain control characters"),
        _ => null,
    };

    private static void DisplayName(List<FieldError> errors, string? displayName)
    {
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > DisplayNameMax)
        {
            errors.Add(FieldError.RequiredText("displayName", displayName, DisplayNameMax, $"is required, at most {DisplayNameMax} characters"));
        }
        else
        {
            Text.TextRules.Check(errors, "displayName", displayName);
        }
    }

    private static IEnumerable<FieldError> RoleErrors(IReadOnlyList<string>? roles, string? department, string? inspector)
    {
        if (roles is null || roles.Count == 0)
        {
            yield return FieldError.TooFew("roles", 1, $"at least one role is required: {string.Join(", ", Roles.All)}");
            yield break;
        }

        foreach (var role in roles.Where(r => !Roles.IsKnown(r)))
        {
            yield return FieldError.UnknownValue("roles", role, Roles.All, $"'{role}' is not a role; use {string.Join(", ", Roles.All)}");
        }

        if (roles.Any(r => r is Roles.Scheduler or Roles.Reviewer or Roles.Inspector or Roles.DepartmentAdmin) && string.IsNullOrWhiteSpace(department))
        {
            yield return FieldError.Required("departmentCode", "is required for schedulers, reviewers, inspectors and department administrators: their rights are scoped to it");
        }

        if (roles.Contains(Roles.Inspector) && string.IsNullOrWhiteSpace(inspector))
        {
            yield return FieldError.Required("inspectorCertificateNo", "is required for the inspector role: it links the account to the inspector directory");
        }
    }

    [GeneratedRegex("^[a-z0-9._-]{3,64}$")]
    private static partial Regex UsernamePattern();
}
