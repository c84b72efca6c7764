using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Identity;

/// <summary>
/// Sign-ins that end when their account changes. Every token the platform issues and every web session carries the
/// account's security stamp; each request compares it with the stored one (<see cref="UserStore.CurrentAsync"/>: a
/// cache of a few seconds, dropped at once in the process that made the change). A new password, a disabled account,
/// changed roles, department or certificate number write a new stamp, so the old sign-ins answer 401 from then on.
/// When the stamp matches, the principal is rebuilt from the stored account: roles and department are never the
/// token's, and "must change password" is the account's current flag.
/// </summary>
public static class SignIns
{
    public const string EndedTitle = "Sign-in ended";

    public const string EndedDetail =
        "This sign-in has ended: the account's password, roles, department or status changed after it was issued, or the " +
        "account was disabled. Sign in again (POST /api/auth/token, or /app/login in the browser).";

    private const string EndedItem = "supervision.sign-in-ended";

    /// <summary>The platform's principal for a local account: what a token or session of it may do right now.</summary>
    public static ClaimsPrincipal PrincipalFor(UserAccount account, string authenticationType, bool withPasswordState = true)
    {
        var identity = new ClaimsIdentity(authenticationType, SupervisionClaims.Username, SupervisionClaims.Role);
        identity.AddClaim(new Claim(SupervisionClaims.Username, account.Username));
        identity.AddClaim(new Claim("name", account.DisplayName));
        identity.AddClaims(account.RoleList.Select(r => new Claim(SupervisionClaims.Role, r)));
        if (account.DepartmentCode is not null)
        {
            identity.AddClaim(new Claim(SupervisionClaims.Department, account.DepartmentCode));
        }

        if (account.InspectorCertificateNo is not null)
        {
            identity.AddClaim(new Claim(SupervisionClaims.Inspector, account.InspectorCertificateNo));
        }

        if (withPasswordState)
        {
            identity.AddClaim(new Claim(SupervisionClaims.Stamp, account.SecurityStamp));
            if (account.MustChangePassword)
            {
                identity.AddClaim(new Claim(SupervisionClaims.MustChangePassword, "true"));
            }
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// The current principal behind a presented local token or session, or null when its account no longer accepts it:
    /// gone, disabled, or a stamp other than the one the sign-in carries.
    /// </summary>
    public static async Task<ClaimsPrincipal?> CurrentAsync(ClaimsPrincipal presented, string authenticationType, HttpContext http)
    {
        var username = presented.FindFirstValue(SupervisionClaims.Username);
        var stamp = presented.FindFirstValue(SupervisionClaims.Stamp);
        if (username is null || stamp is null)
        {
            return null;
        }

        var users = http.RequestServices.GetRequiredService<UserStore>();
        var account = await users.CurrentAsync(username, http.RequestAborted);
        if (account is null || account.Disabled || !SameStamp(account.SecurityStamp, stamp))
        {
            return null;
        }

        return PrincipalFor(account, authenticationType);
    }

    private static bool SameStamp(string stored, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stored), Encoding.UTF8.GetBytes(presented));

    /// <summary>The local bearer scheme's per-request check.</summary>
    public static async Task ValidateTokenAsync(TokenValidatedContext context)
    {
        var current = await CurrentAsync(context.Principal!, AuthSetup.LocalScheme, context.HttpContext);
        if (current is null)
        {
            MarkEnded(context.HttpContext);
            context.Fail(new SignInEndedException());
            return;
        }

        context.Principal = current;
    }

    /// <summary>The web session's per-request check: an ended session is removed and the request is anonymous.</summary>
    public static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var current = context.Principal is null ? null : await CurrentAsync(context.Principal, AuthSetup.CookieScheme, context.HttpContext);
        if (current is null)
        {
            MarkEnded(context.HttpContext);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(AuthSetup.CookieScheme);
            return;
        }

        context.ReplacePrincipal(current);
    }

    /// <summary>A bearer token refused by <see cref="ValidateTokenAsync"/> (or a disabled single-sign-on account) answers 401 problem details saying why.</summary>
    public static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is not SignInEndedException)
        {
            return;
        }

        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The sign-in has ended; sign in again\"";
        await EndedProblem().ExecuteAsync(context.HttpContext);
    }

    /// <summary>Notes that the token or session this request presented belongs to a sign-in that has ended.</summary>
    public static void MarkEnded(HttpContext http) => http.Items[EndedItem] = true;

    /// <summary>True when this request's token or session cookie was refused because its sign-in ended (an API call then gets the same 401 problem).</summary>
    public static bool SessionEnded(HttpContext http) => http.Items.ContainsKey(EndedItem);

    /// <summary>
    /// After authentication: an API request whose bearer token has ended answers 401 even where anonymous callers are
    /// served (GET /api/tasks, the catalog, the open data), so a client learns at once that it must sign in again rather
    /// than quietly getting the anonymous answer. Sign-in itself is exempt (a client may still send its old header).
    /// A browser's ended session is only removed: the public pages go on as for any visitor.
    /// </summary>
    public static IApplicationBuilder RefuseEndedTokens(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (SessionEnded(http) && http.Request.Headers.Authorization.Count > 0
                && http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/api/auth/token"))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The sign-in has ended; sign in again\"";
                await EndedProblem().ExecuteAsync(http);
                return;
            }

            await next(http);
        });

    public static IResult EndedProblem() =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: EndedTitle, detail: EndedDetail);
}

/// <summary>The presented token or session belongs to a sign-in that has ended (see <see cref="SignIns"/>).</summary>
public sealed class SignInEndedException : Exception
{
    public SignInEndedException()
        : base(SignIns.EndedDetail)
    {
    }

    public SignInEndedException(string message)
        : base(message)
    {
    }

    public SignInEndedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
