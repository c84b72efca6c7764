using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Supervision.Api.Identity;

/// <summary>
/// An account that must change its password (a one-time password from its creation, an administrator's reset, or the
/// bootstrap admin's printed one) can only set a new one, read who it is and sign out: every other API route answers
/// 403 problem details naming <c>POST /api/auth/password</c>, every other workbench page redirects to
/// <c>/app/password</c>. Public (anonymous) pages and the open-data API are not affected. Single sign-on identities
/// never carry the flag: their password is the identity provider's.
/// </summary>
public static class PasswordChangeGate
{
    public const string ApiRoute = "/api/auth/password";
    public const string PagePath = "/app/password";

    /// <summary>Endpoint metadata: this endpoint stays open to an account that must change its password.</summary>
    public static readonly AllowedBeforePasswordChange Allowed = new();

    public static bool IsRequired(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.HasClaim(SupervisionClaims.MustChangePassword, "true");

    /// <summary>
    /// Whether the gate answers 403 on this API route to an account that must change its password: every route under
    /// <c>/api</c> but the open-data API and the routes marked <see cref="Allowed"/>. The OpenAPI document declares that 403
    /// from here (Hosting/OpenApiCompleteness.cs).
    /// </summary>
    public static bool Guards(PathString path, IEnumerable<object> metadata) =>
        path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/public") && !metadata.OfType<AllowedBeforePasswordChange>().Any();

    /// <summary>After authentication, before authorization.</summary>
    public static IApplicationBuilder RequirePasswordChangeFirst(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var endpoint = http.GetEndpoint();
            if (endpoint is null || !IsRequired(http.User) || endpoint.Metadata.GetMetadata<AllowedBeforePasswordChange>() is not null)
            {
                await next(http);
                return;
            }

            var path = http.Request.Path;
            if (path.StartsWithSegments("/api"))
            {
                if (!Guards(path, endpoint.Metadata))
                {
                    await next(http);
                    return;
                }

                await Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Password change required",
                    detail: $"This account must set a new password before it can do anything else: POST {ApiRoute} with " +
                            "'currentPassword' and 'newPassword', then sign in again with the new password (in the browser: " + PagePath + ").",
                    extensions: new Dictionary<string, object?> { ["route"] = "POST " + ApiRoute, ["field"] = "newPassword" })
                    .ExecuteAsync(http);
                return;
            }

            // Pages that need a session go to the password page; public pages (no authorization) are served as usual.
            var needsSignIn = endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;
            if (!needsSignIn)
            {
                await next(http);
                return;
            }

            var target = PagePath;
            if (HttpMethods.IsGet(http.Request.Method) && path.StartsWithSegments("/app") && path != "/app")
            {
                target += "?returnUrl=" + Uri.EscapeDataString(path + http.Request.QueryString);
            }

            http.Response.Redirect(target);
        });
}

/// <summary>See <see cref="PasswordChangeGate.Allowed"/>.</summary>
public sealed class AllowedBeforePasswordChange;
