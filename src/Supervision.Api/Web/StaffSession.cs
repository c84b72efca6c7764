using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Supervision.Api.Identity;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Web;

/// <summary>
/// The web application's session for staff: the same claims a bearer token carries, in an HttpOnly,
/// SameSite=Strict cookie. Pages and the API then see one principal whichever way the user came in.
/// </summary>
public static class StaffSession
{
    private const string VersionClaim = "account_version";
    private const string CheckedAtKey = "checked_at";

    /// <summary>How often a session is re-checked against the account (disabled, roles or department changed).</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    public static ClaimsPrincipal PrincipalFor(UserAccount user)
    {
        var identity = new ClaimsIdentity(AuthSetup.CookieScheme, SupervisionClaims.Username, SupervisionClaims.Role);
        identity.AddClaim(new Claim(SupervisionClaims.Username, user.Username));
        identity.AddClaim(new Claim("name", user.DisplayName));
        identity.AddClaims(user.RoleList.Select(r => new Claim(SupervisionClaims.Role, r)));
        if (user.DepartmentCode is not null)
        {
            identity.AddClaim(new Claim(SupervisionClaims.Department, user.DepartmentCode));
        }

        if (user.InspectorCertificateNo is not null)
        {
            identity.AddClaim(new Claim(SupervisionClaims.Inspector, user.InspectorCertificateNo));
        }

        identity.AddClaim(new Claim(VersionClaim, user.Version.ToString(CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(identity);
    }

    public static Task SignInAsync(HttpContext http, UserAccount user)
    {
        var properties = new AuthenticationProperties { IsPersistent = false };
        properties.Items[CheckedAtKey] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return http.SignInAsync(AuthSetup.CookieScheme, PrincipalFor(user), properties);
    }

    public static Task SignOutAsync(HttpContext http) => http.SignOutAsync(AuthSetup.CookieScheme);

    /// <summary>
    /// Re-reads the account at most every <see cref="RecheckInterval"/>: a disabled account loses its session,
    /// a changed one (roles, department) gets fresh claims, so the cookie never outlives an administrator's decision
    /// by more than a minute.
    /// </summary>
    public static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow();
        if (context.Properties.Items.TryGetValue(CheckedAtKey, out var raw)
            && long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            && now - DateTimeOffset.FromUnixTimeSeconds(seconds) < RecheckInterval)
        {
            return;
        }

        var username = context.Principal?.FindFirstValue(SupervisionClaims.Username);
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var account = username is null ? null : await users.FindAsync(username, context.HttpContext.RequestAborted);
        if (account is null || account.Disabled)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(AuthSetup.CookieScheme);
            return;
        }

        context.Properties.Items[CheckedAtKey] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (context.Principal!.FindFirstValue(VersionClaim) != account.Version.ToString(CultureInfo.InvariantCulture))
        {
            context.ReplacePrincipal(PrincipalFor(account));
        }

        context.ShouldRenew = true;
    }

    /// <summary>
    /// A session cookie is sent by the browser on its own, so an unsafe API call authenticated by it must also
    /// prove it came from our pages: the antiforgery token the layout renders (header <c>RequestVerificationToken</c>).
    /// Bearer-token calls are not affected.
    /// </summary>
    public static IApplicationBuilder RequireAntiforgeryForCookieCalls(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/api")
                && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
                && http.User.Identity is { IsAuthenticated: true, AuthenticationType: AuthSetup.CookieScheme })
            {
                var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(http))
                {
                    await Results.Problem(
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Missing or invalid antiforgery token",
                        detail: "Calls made with the web session cookie must send the page's token in the RequestVerificationToken header.")
                        .ExecuteAsync(http);
                    return;
                }
            }

            await next(http);
        });
}
