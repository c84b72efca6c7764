using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Supervision.Api.Identity;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Web;

/// <summary>
/// The web application's session for staff: the same claims a bearer token carries, in an HttpOnly,
/// SameSite=Strict cookie. Pages and the API then see one principal whichever way the user came in.
/// </summary>
public static class StaffSession
{
    /// <summary>The account's claims as a bearer token of it would carry them, its security stamp included (see <see cref="SignIns"/>).</summary>
    public static ClaimsPrincipal PrincipalFor(UserAccount user) => SignIns.PrincipalFor(user, AuthSetup.CookieScheme);

    /// <summary>
    /// Starts a session (or replaces the current one, as after a new password: the old stamp no longer counts). Every
    /// request checks it against the account (<see cref="SignIns.ValidateSessionAsync"/>), so a new password, a disabled
    /// account or changed roles or department end it within seconds.
    /// </summary>
    public static Task SignInAsync(HttpContext http, UserAccount user) =>
        http.SignInAsync(AuthSetup.CookieScheme, PrincipalFor(user), new AuthenticationProperties { IsPersistent = false });

    public static Task SignOutAsync(HttpContext http) => http.SignOutAsync(AuthSetup.CookieScheme);

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
