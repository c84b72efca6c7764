using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Core.Directory;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Identity;
using Supervision.Infrastructure.Storage;

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

public sealed record MeResponse(string Username, IReadOnlyList<string> Roles, string? DepartmentCode, string? InspectorCertificateNo);

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
        auth.MapPost("/token", IssueToken).AllowAnonymous().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sign in with a local account and receive a bearer token; 429 with Retry-After while too many wrong passwords from this address lock it out of the account.");
        auth.MapGet("/me", (HttpContext http) =>
        {
            var actor = http.User.ToActor();
            return TypedResults.Ok(new MeResponse(actor.Username, actor.Roles, actor.DepartmentCode, actor.InspectorCertificateNo));
        }).RequireAuthorization(Policies.Authenticated).WithSummary("Who the bearer token belongs to.");
        auth.MapPost("/password", ChangeOwnPassword).RequireAuthorization(Policies.Authenticated)
            .WithSummary("Change your own password (required after a one-time password).");

        var users = app.MapGroup("/api/users").WithTags("Identity").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListUsers).WithSummary("List accounts (platform admins).");
        users.MapPost("/", CreateUser).WithSummary("Create a local account.");
        users.MapGet("/{username}", GetUser);
        users.MapPut("/{username}", UpdateUser).WithSummary("Update roles, department or status; requires If-Match.");
        users.MapPost("/{username}/password", ResetPassword).WithSummary("Set a one-time password the user must change.");
        return app;
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, HttpContext http, UserStore users, TokenService tokens, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.Username))
        {
            errors.Add(new FieldError("username", "is required"));
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(new FieldError("password", "is required"));
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
        ChangePasswordRequest request, HttpContext http, UserStore users, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        if (PasswordProblem("newPassword", request.NewPassword) is { } problem)
        {
            return problem;
        }

        // Counted as a sign-in: a stolen session must not be a way to guess the password without limit.
        var (user, lockedUntil) = await users.SignInAsync(actor.Username, request.CurrentPassword ?? string.Empty, http.ClientKey(), ct);
        if (lockedUntil is { } until)
        {
            return Locked(http, clock, until);
        }
        if (user is null)
        {
            return Problems.Validation("currentPassword", "does not match the current password");
        }

        await users.SetPasswordAsync(actor.Username, request.NewPassword!, mustChange: false, actor, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<UserView>>, ValidationProblem>> ListUsers(
        string? department, string? after, int? limit, UserStore users, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        var rows = await users.ListAsync(department, after, take, ct);
        return TypedResults.Ok(Paging.Of<UserView>(rows.Select(u => u.ToView()).ToList(), take, u => u.Username));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetUser(string username, HttpContext http, UserStore users, CancellationToken ct)
    {
        var user = await users.FindAsync(username, ct);
        if (user is null)
        {
            return Problems.NotFound("user", username);
        }

        ETags.Set(http.Response, user.Version);
        return TypedResults.Ok(user.ToView());
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, HttpContext http, UserStore users, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (request.Username is null || !UsernamePattern().IsMatch(request.Username))
        {
            errors.Add(new FieldError("username", "is required: 3–64 characters of a–z, 0–9, '.', '_' or '-'"));
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(new FieldError("displayName", "is required, at most 100 characters"));
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
        else if (PasswordReason(password) is { } reason)
        {
            errors.Add(new FieldError("password", reason));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
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
        string username, UpdateUserRequest request, HttpContext http, UserStore users, CancellationToken ct)
    {
        var expected = ETags.IfMatch(http.Request);
        if (expected is null)
        {
            return Problems.PreconditionRequired();
        }

        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(new FieldError("displayName", "is required, at most 100 characters"));
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
        if (string.Equals(actor.Username, username, StringComparison.Ordinal) && (request.Disabled == true || !request.Roles!.Contains(Roles.Admin)))
        {
            return Problems.Validation("roles", "you cannot remove your own admin role or disable yourself");
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

        return await users.SetPasswordAsync(username, request.NewPassword!, mustChange: true, http.User.ToActor(), ct)
            ? TypedResults.NoContent()
            : Problems.NotFound("user", username);
    }

    private static IEnumerable<FieldError> RoleErrors(IReadOnlyList<string>? roles, string? department, string? inspector)
    {
        if (roles is null || roles.Count == 0)
        {
            yield return new FieldError("roles", $"at least one role is required: {string.Join(", ", Roles.All)}");
            yield break;
        }

        foreach (var role in roles.Where(r => !Roles.IsKnown(r)))
        {
            yield return new FieldError("roles", $"'{role}' is not a role; use {string.Join(", ", Roles.All)}");
        }

        if (roles.Any(r => r is Roles.Scheduler or Roles.Reviewer or Roles.Inspector) && string.IsNullOrWhiteSpace(department))
        {
            yield return new FieldError("departmentCode", "is required for schedulers, reviewers and inspectors: their rights are scoped to it");
        }

        if (roles.Contains(Roles.Inspector) && string.IsNullOrWhiteSpace(inspector))
        {
            yield return new FieldError("inspectorCertificateNo", "is required for the inspector role: it links the account to the inspector directory");
        }
    }

    private static ValidationProblem? PasswordProblem(string field, string? password) =>
        PasswordReason(password) is { } reason ? Problems.Validation(field, reason) : null;

    private static string? PasswordReason(string? password) =>
        password is null || password.Length < MinimumPasswordLength ? $"must be at least {MinimumPasswordLength} characters" : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).</summary>
    public static string OneTimePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    [GeneratedRegex("^[a-z0-9._-]{3,64}$")]
    private static partial Regex UsernamePattern();
}
