using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Api.Identity;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, string TokenType, DateTimeOffset ExpiresAt, bool MustChangePassword);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>A new account. <c>ExternalSubject</c> maps a single-sign-on identity (its <c>sub</c>) to this account's roles.</summary>
public sealed record CreateUserRequest(
    string? Username, string? DisplayName, string? Password, IReadOnlyList<string>? Roles, string? DepartmentCode, string? InspectorCertificateNo,
    string? ExternalSubject = null);

public sealed record UpdateUserRequest(
    string? DisplayName, IReadOnlyList<string>? Roles, string? DepartmentCode, string? InspectorCertificateNo, bool? Disabled);

public sealed record ResetPasswordRequest(string? NewPassword);

public sealed record MeResponse(string Username, IReadOnlyList<string> Roles, string? DepartmentCode, string? InspectorCertificateNo, bool MustChangePassword = false);

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

/// <summary>The rules a new password must keep (<see cref="IdentityApi.PasswordCheck"/>).</summary>
public enum PasswordRule
{
    TooShort,
    TooLong,
    ControlCharacters,
}

public static partial class IdentityApi
{
    public const int MinimumPasswordLength = 10;

    /// <summary>429 with Retry-After: too many wrong passwords from this address for this account.</summary>
    private static ProblemHttpResult Locked(HttpContext http, TimeProvider clock, DateTimeOffset until)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling((until - clock.GetUtcNow()).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
            detail: $"Too many wrong passwords from this address for this account: try again after {until:u} (in {seconds} s). An administrator can set a new password to end the lock now.");
    }

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Identity");
        // The three routes an account that must change its password can still use (PasswordChangeGate).
        auth.MapPost("/token", IssueToken).AllowAnonymous().WithMetadata(PasswordChangeGate.Allowed).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sign in with a local account and receive a bearer token; 429 with Retry-After while too many wrong passwords from this address lock it out of the account. " +
                         "With mustChangePassword true the token can only change the password (POST /api/auth/password) and read /api/auth/me; every other route answers 403.");
        auth.MapGet("/me", (HttpContext http) =>
        {
            var actor = http.User.ToActor();
            return TypedResults.Ok(new MeResponse(actor.Username, actor.Roles, actor.DepartmentCode, actor.InspectorCertificateNo, PasswordChangeGate.IsRequired(http.User)));
        }).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed).WithSummary("Who the bearer token belongs to, and whether the account must change its password first.");
        auth.MapPost("/password", ChangeOwnPassword).RequireAuthorization(Policies.Authenticated).WithMetadata(PasswordChangeGate.Allowed)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Change your own password (required after a one-time password). Every token and session of the account ends, this one too: sign in again with the new password.");

        var users = app.MapGroup("/api/users").WithTags("Identity").RequireAuthorization(Policies.AccountManagers);
        users.MapGet("/", ListUsers).WithSummary("List accounts (platform admins: all; a department administrator: its department's scheduler, reviewer and inspector accounts).");
        users.MapPost("/", CreateUser).WithSummary("Create a local account.");
        users.MapGet("/{username}", GetUser).WithSummary("One account the caller manages, with its version as the ETag; any other answers 404.");
        users.MapPut("/{username}", UpdateUser).WithSummary("Update roles, department or status; requires If-Match.");
        users.MapPost("/{username}/password", ResetPassword).WithSummary("Set a one-time password the user must change.");
        return app;
    }

    /// <summary>The answer of the local sign-in routes on an installation whose only way in is single sign-on.</summary>
    internal static ProblemHttpResult LocalSignInOff() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "Local sign-in is switched off",
        detail: "This installation signs staff in through single sign-on only (Auth:Local:Enabled=false): send the identity provider's access token as a bearer token.");

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, HttpContext http, UserStore users, TokenService tokens, TimeProvider clock, IOptions<AuthOptions> auth, CancellationToken ct)
    {
        if (!auth.Value.Local.Enabled) return LocalSignInOff();
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Username))
        {
            errors.Add(FieldError.Required("username"));
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(FieldError.Required("password"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var (user, lockedUntil) = await users.SignInAsync(request.Username!.Trim(), request.Password!, http.ClientKey(), ct);
        if (lockedUntil is { } until)
        {
            return Locked(http, clock, until);
        }
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed", detail: "Unknown username or wrong password.");
        }

        var (token, expires) = tokens.Issue(user);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", expires, user.MustChangePassword));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangeOwnPassword(
        ChangePasswordRequest request, HttpContext http, UserStore users, TimeProvider clock, IOptions<AuthOptions> auth, CancellationToken ct)
    {
        if (!auth.Value.Local.Enabled) return LocalSignInOff();
        var result = await ChangeOwnPasswordAsync(users, http.User.ToActor(), request.CurrentPassword, request.NewPassword, http.ClientKey(), ct);
        return result.Outcome switch
        {
            PasswordChangeOutcome.Changed => TypedResults.NoContent(),
            PasswordChangeOutcome.Unacceptable => Problems.Validation(PasswordError("newPassword", request.NewPassword)!),
            PasswordChangeOutcome.SameAsCurrent => Problems.Validation(FieldError.Unchanged("newPassword", "must differ from the current password")),
            PasswordChangeOutcome.Locked => Locked(http, clock, result.LockedUntil!.Value),
            _ => Problems.Validation(FieldError.Mismatch("currentPassword", "does not match the current password")),
        };
    }

    /// <summary>
    /// Changing one's own password, for the API and the password page alike: the new one must be long enough and differ
    /// from the current one, which is checked as a sign-in is (counted against the lockout: a stolen session must not be a
    /// way to guess the password without limit). A change writes a new security stamp, so every token and session of
    /// the account ends; the caller gets the account as it is now to start a new one.
    /// </summary>
    public static async Task<PasswordChangeResult> ChangeOwnPasswordAsync(
        UserStore users, Core.Identity.Actor actor, string? currentPassword, string? newPassword, string client, CancellationToken ct)
    {
        if (PasswordCheck(newPassword) is { } broken)
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

    private static async Task<Results<Ok<Page<UserView>>, ValidationProblem, ProblemHttpResult>> ListUsers(
        string? department, string? after, int? limit, HttpContext http, UserStore users, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        var actor = http.User.ToActor();
        if (!actor.IsAdmin)
        {
            if (department is not null && department != actor.DepartmentCode)
                return Problems.Forbidden($"You manage the accounts of {actor.DepartmentCode} only.");
            department = actor.DepartmentCode;
        }

        var rows = await users.ListAsync(department, after, take, ct);
        var visible = rows.Where(u => AccountAccess.MaySee(actor, u.DepartmentCode, u.RoleList)).Select(u => u.ToView()).ToList();
        // The cursor follows the rows read, not the rows shown: a page with an account the caller does not manage is
        // shorter, not the last one.
        return TypedResults.Ok(new Page<UserView>(visible, rows.Count == take && rows.Count > 0 ? rows[^1].Username : null, take));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetUser(string username, HttpContext http, UserStore users, CancellationToken ct)
    {
        var user = await users.FindAsync(username, ct);
        // An account the caller does not manage does not exist for them.
        if (user is null || !AccountAccess.MaySee(http.User.ToActor(), user.DepartmentCode, user.RoleList))
        {
            return Problems.NotFound("user", username);
        }

        ETags.Set(http.Response, user.Version);
        return TypedResults.Ok(user.ToView());
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, HttpContext http, UserStore users, Infrastructure.Registry.InspectorStore inspectors, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (request.Username is null || !UsernamePattern().IsMatch(request.Username))
        {
            errors.Add((string.IsNullOrEmpty(request.Username) ? FieldError.Required("username", "is required: 3–64 characters of a–z, 0–9, '.', '_' or '-'") : FieldError.Format("username", FieldFormats.Username, "is required: 3–64 characters of a–z, 0–9, '.', '_' or '-'", request.Username)));
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(FieldError.RequiredText("displayName", request.DisplayName, 100, "is required, at most 100 characters"));
        }
        else
        {
            Core.Text.TextRules.Check(errors, "displayName", request.DisplayName);
        }

        errors.AddRange(RoleErrors(request.Roles, request.DepartmentCode, request.InspectorCertificateNo));
        Core.Text.TextRules.Check(errors, "externalSubject", request.ExternalSubject);
        var password = request.Password;
        var generated = false;
        if (password is null)
        {
            password = OneTimePassword();
            generated = true;
        }
        else if (PasswordError("password", password) is { } passwordError)
        {
            errors.Add(passwordError);
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var refusal = AccountAccess.WriteRefusal(http.User.ToActor(), null, Blank(request.DepartmentCode), request.Roles!)
            ?? await LinkRefusalAsync(http.User.ToActor(), Blank(request.InspectorCertificateNo), Blank(request.ExternalSubject), inspectors, ct);
        if (refusal is not null)
        {
            return Problems.Forbidden(refusal);
        }

        var user = new NewUser(request.Username!, request.DisplayName!.Trim(), password, request.Roles!, Blank(request.DepartmentCode), Blank(request.InspectorCertificateNo), MustChangePassword: true, Blank(request.ExternalSubject));
        if (!await users.CreateAsync(user, http.User.ToActor(), ct))
        {
            return Problems.Conflict($"The username '{request.Username}' (or the external subject) is taken.");
        }

        var view = new UserView(user.Username, user.DisplayName, user.Roles, user.DepartmentCode, user.InspectorCertificateNo, true, false, 1, user.ExternalSubject);
        ETags.Set(http.Response, 1);
        if (generated)
        {
            // The one-time password is shown once, to the admin who created the account, and never stored in clear.
            http.Response.Headers["X-One-Time-Password"] = password;
        }

        return TypedResults.Created($"/api/users/{user.Username}", view);
    }

    private static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> UpdateUser(
        string username, UpdateUserRequest request, HttpContext http, UserStore users, Infrastructure.Registry.InspectorStore inspectors, CancellationToken ct)
    {
        var expected = ETags.IfMatch(http.Request);
        if (expected is null)
        {
            return Problems.PreconditionRequired();
        }

        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(FieldError.RequiredText("displayName", request.DisplayName, 100, "is required, at most 100 characters"));
        }
        else
        {
            Core.Text.TextRules.Check(errors, "displayName", request.DisplayName);
        }

        errors.AddRange(RoleErrors(request.Roles, request.DepartmentCode, request.InspectorCertificateNo));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var actor = http.User.ToActor();
        if (string.Equals(actor.Username, username, StringComparison.Ordinal) && actor.IsAdmin && (request.Disabled == true || !request.Roles!.Contains(Roles.Admin)))
        {
            return Problems.Validation(FieldError.NotAllowed("roles", "you cannot remove your own admin role or disable yourself"));
        }

        if (!actor.IsAdmin)
        {
            var current = await users.FindAsync(username, ct);
            if (current is null || !AccountAccess.MaySee(actor, current.DepartmentCode, current.RoleList)) return Problems.NotFound("user", username);
            if (AccountAccess.WriteRefusal(actor, (current.DepartmentCode, current.RoleList), Blank(request.DepartmentCode), request.Roles!) is { } refusal)
                return Problems.Forbidden(refusal);
            if (await LinkRefusalAsync(actor, Blank(request.InspectorCertificateNo), null, inspectors, ct) is { } link) return Problems.Forbidden(link);
        }

        var result = await users.UpdateAsync(username, request.DisplayName!.Trim(), request.Roles!, Blank(request.DepartmentCode),
            Blank(request.InspectorCertificateNo), request.Disabled ?? false, expected, actor, ct);
        switch (result.Outcome)
        {
            case WriteOutcome.NotFound:
                return Problems.NotFound("user", username);
            case WriteOutcome.VersionMismatch:
                return Problems.PreconditionFailed(result.Record!.Version);
            default:
                ETags.Set(http.Response, result.Record!.Version);
                return TypedResults.Ok(result.Record.ToView());
        }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetPassword(
        string username, ResetPasswordRequest request, HttpContext http, UserStore users, CancellationToken ct)
    {
        if (PasswordProblem("newPassword", request.NewPassword) is { } problem)
        {
            return problem;
        }

        var actor = http.User.ToActor();
        if (!actor.IsAdmin && (await users.FindAsync(username, ct) is not { } current || !AccountAccess.MaySee(actor, current.DepartmentCode, current.RoleList)))
        {
            return Problems.NotFound("user", username);
        }

        return await users.SetPasswordAsync(username, request.NewPassword!, mustChange: true, http.User.ToActor(), ct)
            ? TypedResults.NoContent()
            : Problems.NotFound("user", username);
    }

    /// <summary>
    /// What an account is linked to decides what it may do: a certificate makes it act as that inspector on that
    /// inspector's teams, an external subject makes a single sign-on identity sign in as it. A department administrator
    /// links only its own department's inspectors, and no single sign-on identity (platform admins do).
    /// </summary>
    private static async Task<string?> LinkRefusalAsync(Core.Identity.Actor actor, string? certificate, string? externalSubject,
        Infrastructure.Registry.InspectorStore inspectors, CancellationToken ct)
    {
        if (actor.IsAdmin) return null;
        if (externalSubject is not null) return "Only platform admins link an account to a single sign-on identity.";
        if (certificate is null) return null;
        var inspector = await inspectors.GetAsync(certificate, ct);
        return inspector is null ? $"There is no inspector with certificate '{certificate}' in your department."
            : Core.Registry.DirectoryAccess.InspectorWriteRefusal(actor, inspector.DepartmentCode, inspector.DepartmentCode);
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

    private static ValidationProblem? PasswordProblem(string field, string? password) =>
        PasswordError(field, password) is { } error ? Problems.Validation(error) : null;

    /// <summary>
    /// At least <see cref="MinimumPasswordLength"/> characters, at most <see cref="MaximumPasswordLength"/> (hashing an
    /// unbounded one is work anyone could ask for), any Unicode text but control characters (a NUL or an escape
    /// sequence cannot be typed, only injected).
    /// </summary>
    public static PasswordRule? PasswordCheck(string? password) =>
        password is null || password.Length < MinimumPasswordLength ? PasswordRule.TooShort
        : password.Length > MaximumPasswordLength ? PasswordRule.TooLong
        : password.Any(char.IsControl) ? PasswordRule.ControlCharacters
        : null;

    private static FieldError? PasswordError(string field, string? password) => PasswordCheck(password) switch
    {
        PasswordRule.TooShort => FieldError.TooShort(field, MinimumPasswordLength),
        PasswordRule.TooLong => FieldError.TooLong(field, MaximumPasswordLength, password!.Length, $"must be at most {MaximumPasswordLength} characters"),
        PasswordRule.ControlCharacters => FieldError.Characters(field, password!.IndexOf(password.First(char.IsControl)) + 1, password.First(char.IsControl), "must not contain control characters"),
        _ => null,
    };

    public const int MaximumPasswordLength = 256;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).</summary>
    public static string OneTimePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    [GeneratedRegex("^[a-z0-9._-]{3,64}$")]
    private static partial Regex UsernamePattern();
}
