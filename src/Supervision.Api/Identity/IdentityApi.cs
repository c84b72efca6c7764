using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Identity;
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

public static class IdentityApi
{
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
        TokenRequest request, HttpContext http, IAccountService accounts, TokenService tokens, TimeProvider clock, IOptions<AuthOptions> auth, CancellationToken ct)
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

        var (user, lockedUntil) = await accounts.SignInAsync(request.Username!.Trim(), request.Password!, http.ClientKey(), ct);
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
        ChangePasswordRequest request, HttpContext http, IAccountService accounts, TimeProvider clock, IOptions<AuthOptions> auth, CancellationToken ct)
    {
        if (!auth.Value.Local.Enabled) return LocalSignInOff();
        var result = await accounts.ChangeOwnPasswordAsync(http.User.ToActor(), request.CurrentPassword, request.NewPassword, http.ClientKey(), ct);
        return result.Outcome switch
        {
            PasswordChangeOutcome.Changed => TypedResults.NoContent(),
            PasswordChangeOutcome.Unacceptable => Problems.Validation(AccountValidator.PasswordError("newPassword", request.NewPassword)!),
            PasswordChangeOutcome.SameAsCurrent => Problems.Validation(FieldError.Unchanged("newPassword", "must differ from the current password")),
            PasswordChangeOutcome.Locked => Locked(http, clock, result.LockedUntil!.Value),
            _ => Problems.Validation(FieldError.Mismatch("currentPassword", "does not match the current password")),
        };
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
        CreateUserRequest request, HttpContext http, IAccountService accounts, CancellationToken ct)
    {
        var draft = new AccountDraft(request.Username, request.DisplayName, request.Password, request.Roles, request.DepartmentCode, request.InspectorCertificateNo,
            request.ExternalSubject);
        var result = await accounts.CreateAsync(draft, http.User.ToActor(), ct);
        return Answers.Answer(result, "user", request.Username ?? "", created =>
        {
            var (view, oneTimePassword) = created.Record!;
            ETags.Set(http.Response, created.Version);
            if (oneTimePassword is not null)
            {
                // The one-time password is shown once, to the admin who created the account, and never stored in clear.
                http.Response.Headers["X-One-Time-Password"] = oneTimePassword;
            }

            return TypedResults.Created($"/api/users/{view.Username}", view);
        });
    }

    private static Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> UpdateUser(
        string username, UpdateUserRequest request, HttpContext http, IAccountService accounts, CancellationToken ct)
    {
        var change = new AccountChange(request.DisplayName, request.Roles, request.DepartmentCode, request.InspectorCertificateNo, request.Disabled);
        return Answers.UpdatedAsync(http, "user", username, expected => accounts.UpdateAsync(username, change, expected, http.User.ToActor(), ct));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetPassword(
        string username, ResetPasswordRequest request, HttpContext http, IAccountService accounts, CancellationToken ct) =>
        Answers.Answer(await accounts.ResetPasswordAsync(username, request.NewPassword, http.User.ToActor(), ct), "user", username, _ => TypedResults.NoContent());
}
