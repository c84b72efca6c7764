using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Supervision.Core.Identity;
using Microsoft.Extensions.Options;
using Supervision.Grains.Hosting;
using Supervision.Infrastructure.Configuration;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Identity;

/// <summary>Claim names inside the platform's own principal, whatever the token's origin.</summary>
public static class SupervisionClaims
{
    public const string Username = "sub";
    public const string Role = "role";
    public const string Department = "dept";
    public const string Inspector = "inspector";

    /// <summary>The account's security stamp when the token or session was issued (see <see cref="SignIns"/>).</summary>
    public const string Stamp = "stamp";

    /// <summary>Added per request from the stored account, never read from a token: the account must change its password first.</summary>
    public const string MustChangePassword = "must_change_password";

    public static Actor ToActor(this ClaimsPrincipal principal) => new(
        principal.FindFirstValue(Username) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown",
        principal.FindAll(Role).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToArray(),
        principal.FindFirstValue(Department),
        principal.FindFirstValue(Inspector));
}

public static class AuthSetup
{
    public const string LocalScheme = "Local";
    public const string OidcScheme = "Oidc";
    public const string SelectorScheme = "Bearer";

    /// <summary>The web application's session: a cookie set by the sign-in page (see Web/StaffSession.cs).</summary>
    public const string CookieScheme = "Session";
    public const string CookieName = "supervision.session";

    /// <summary>The "Auth" settings group, bound from configuration and checked at start.</summary>
    public static IServiceCollection AddAuthOptions(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptions.Validator>();
        return services;
    }

    public static WebApplicationBuilder AddSupervisionAuth(this WebApplicationBuilder builder, PlatformSettings platform, bool secureCookies)
    {
        // The schemes are set up from these settings, so they are read (and checked) before the container is built.
        var settings = StartupOptions.Read<AuthOptions>(builder.Configuration, s => s.AddAuthOptions());
        builder.Services.AddAuthOptions();
        var key = LoadSigningKey(settings.Local, platform);
        builder.Services.AddSingleton(new SignInPolicy(settings.Local.MaxFailedSignIns, settings.Local.LockoutDuration));
        builder.Services.AddSingleton(new AccountCachePolicy(settings.Local.AccountCacheDuration));
        builder.Services.AddSingleton(new LocalTokenKey(key));
        builder.Services.AddSingleton<TokenService>();

        var auth = builder.Services.AddAuthentication(SelectorScheme);
        auth.AddPolicyScheme(SelectorScheme, "Local or single sign-on bearer token", o =>
        {
            // Route each token to the scheme that issued it, so both kinds of account work side by side.
            o.ForwardDefaultSelector = context =>
            {
                // Local accounts switched off: nothing the platform signed (a token or a session cookie issued before the
                // switch) is accepted any more; every credential goes to the identity provider.
                if (!settings.Local.Enabled) return OidcScheme;
                var header = context.Request.Headers.Authorization.ToString();
                if (header.Length == 0 && context.Request.Cookies.ContainsKey(CookieName))
                {
                    // The web pages call the API with their session cookie; unsafe methods must also carry the
                    // antiforgery header (StaffSession.RequireAntiforgeryForCookieCalls).
                    return CookieScheme;
                }

                if (settings.Oidc.Enabled && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    var raw = header["Bearer ".Length..].Trim();
                    var handler = new JsonWebTokenHandler();
                    if (handler.CanReadToken(raw) && handler.ReadJsonWebToken(raw).Issuer != TokenService.Issuer)
                    {
                        return OidcScheme;
                    }
                }

                return LocalScheme;
            };
        });
        auth.AddJwtBearer(LocalScheme, o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = TokenService.Issuer,
                ValidAudience = TokenService.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(key),
                NameClaimType = SupervisionClaims.Username,
                RoleClaimType = SupervisionClaims.Role,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                // The token's signature and lifetime are not enough: its account must still accept it (SignIns).
                OnTokenValidated = SignIns.ValidateTokenAsync,
                OnChallenge = SignIns.ChallengeAsync,
            };
        });
        auth.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the platform is served over HTTPS: a configured https public address (a TLS-terminating proxy
            // in front), or a request that arrived as HTTPS — directly, or per X-Forwarded-Proto with
            // ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (docs/operations.md).
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/app/login";
            o.LogoutPath = "/app/logout";
            o.AccessDeniedPath = "/app/denied";
            o.ExpireTimeSpan = settings.Local.TokenLifetime;
            o.SlidingExpiration = true;
            o.Events = new Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationEvents
            {
                // API calls get status codes, pages get the sign-in page.
                OnRedirectToLogin = context => StatusOrRedirect(context, StatusCodes.Status401Unauthorized),
                OnRedirectToAccessDenied = context => StatusOrRedirect(context, StatusCodes.Status403Forbidden),
                OnValidatePrincipal = SignIns.ValidateSessionAsync,
            };
        });
        if (settings.Oidc.Enabled)
        {
            auth.AddJwtBearer(OidcScheme, o =>
            {
                o.Authority = settings.Oidc.Authority;
                o.Audience = string.IsNullOrWhiteSpace(settings.Oidc.Audience) ? null : settings.Oidc.Audience;
                o.RequireHttpsMetadata = settings.Oidc.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.RoleClaimType = SupervisionClaims.Role;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context => MapSingleSignOnAsync(context, settings.Oidc),
                    OnChallenge = SignIns.ChallengeAsync,
                };
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Authenticated, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Reviewer))
            .AddPolicy(Policies.Scheduling, p => p.RequireRole(Roles.Admin, Roles.Scheduler))
            .AddPolicy(Policies.EntityReaders, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.Registry))
            .AddPolicy(Policies.EntityMaintenance, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Registry))
            .AddPolicy(Policies.CreditOfficers, p => p.RequireRole(Roles.Admin, Roles.Credit))
            .AddPolicy(Policies.AccountManagers, p => p.RequireRole(Roles.Admin, Roles.DepartmentAdmin))
            .AddPolicy(Policies.EntropyContributors, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Witness))
            .AddPolicy(Policies.Witnesses, p => p.RequireRole(Roles.Witness))
            .AddPolicy(Policies.AuditReaders, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.Auditor))
            .AddPolicy(Policies.InspectorReaders, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.DepartmentAdmin))
            .AddPolicy(Policies.InspectorMaintenance, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.DepartmentAdmin))
            .AddPolicy(Policies.CreditReaders, p => p.RequireRole(Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.Credit))
            .AddPolicy(Policies.DrawAuditors, p => p.RequireRole(Roles.Admin, Roles.Auditor))
            .AddPolicy(Policies.WebhookOwners, p => p.RequireRole(Roles.Admin, Roles.DataUser))
            .AddPolicy(Policies.WebSession, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser());
        return builder;
    }

    private static Task StatusOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            if (status == StatusCodes.Status401Unauthorized && SignIns.SessionEnded(context.HttpContext))
            {
                return SignIns.EndedProblem().ExecuteAsync(context.HttpContext);
            }

            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Translates a single-sign-on identity into the platform's claims: an account provisioned with that
    /// subject wins (its roles and department are authoritative, read on every request, so a change or a disabled
    /// account applies to the next one); otherwise the configured token claims are used. The account's password state
    /// does not apply: the identity provider owns the password.
    /// </summary>
    private static async Task MapSingleSignOnAsync(TokenValidatedContext context, OidcAuthOptions settings)
    {
        var principal = context.Principal!;
        var subject = principal.FindFirstValue("sub");
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var account = subject is null ? null : await users.FindByExternalSubjectAsync(subject, context.HttpContext.RequestAborted);
        if (account is { Disabled: true })
        {
            SignIns.MarkEnded(context.HttpContext);
            context.Fail(new SignInEndedException());
            return;
        }

        if (account is not null)
        {
            context.Principal = SignIns.PrincipalFor(account, OidcScheme, withPasswordState: false);
            return;
        }

        var identity = new ClaimsIdentity(OidcScheme, SupervisionClaims.Username, SupervisionClaims.Role);
        identity.AddClaim(new Claim(SupervisionClaims.Username, principal.FindFirstValue("preferred_username") ?? subject ?? "unknown"));
        identity.AddClaims(principal.FindAll(settings.RoleClaim).Select(c => c.Value).Where(Roles.IsKnown).Select(r => new Claim(SupervisionClaims.Role, r)));
        AddIfPresent(identity, SupervisionClaims.Department, principal.FindFirstValue(settings.DepartmentClaim));
        AddIfPresent(identity, SupervisionClaims.Inspector, principal.FindFirstValue(settings.InspectorClaim));
        context.Principal = new ClaimsPrincipal(identity);
    }

    private static void AddIfPresent(ClaimsIdentity identity, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            identity.AddClaim(new Claim(type, value));
        }
    }

    /// <summary>
    /// The local token key: configured, or (embedded mode only) created once in the data directory so tokens
    /// survive a restart. Several API instances in production must share one configured key.
    /// </summary>
    private static byte[] LoadSigningKey(LocalAuthOptions settings, PlatformSettings platform)
    {
        if (!string.IsNullOrWhiteSpace(settings.SigningKey))
        {
            // Its form was checked with the other settings (AuthOptions.Validator).
            return Convert.FromBase64String(settings.SigningKey.Trim());
        }

        if (!platform.IsEmbedded && settings.Enabled)
        {
            throw new InvalidOperationException(
                "Auth:Local:SigningKey is required in production (every API instance must share it). " +
                "Generate one with `openssl rand -base64 48`, or disable local accounts with Auth:Local:Enabled=false.");
        }

        Directory.CreateDirectory(platform.DataDirectory);
        var path = Path.Combine(platform.DataDirectory, "signing.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var key = RandomNumberGenerator.GetBytes(48);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }
}

public static class Policies
{
    public const string Authenticated = "authenticated";
    public const string Admin = "admin";
    public const string Staff = "staff";
    public const string Scheduling = "scheduling";

    /// <summary>Webhook subscriptions and their delivery logs: registered data users (their own) and admins (WebhookAccess).</summary>
    public const string WebhookOwners = "webhook-owners";

    /// <summary>Reading the entity directory: staff and the registry.</summary>
    public const string EntityReaders = "entity-readers";

    /// <summary>Writing entities: admins, schedulers and the registry (which fields each may change: DirectoryAccess).</summary>
    public const string EntityMaintenance = "entity-maintenance";

    /// <summary>Managing accounts: platform admins and department administrators (which accounts: AccountAccess).</summary>
    public const string AccountManagers = "account-managers";

    /// <summary>Reading and maintaining inspectors: staff and department administrators (whose: DirectoryAccess).</summary>
    public const string InspectorReaders = "inspector-readers";

    /// <summary>Writing inspectors (one by one or by import): schedulers, department administrators, admins.</summary>
    public const string InspectorMaintenance = "inspector-maintenance";

    /// <summary>Contributing a frozen task's entropy: the lead department's schedulers (in-room dice) and witnesses.</summary>
    public const string EntropyContributors = "entropy-contributors";

    /// <summary>Committing to and revealing a seed contribution (draw-spec §3.3): witness accounts only (the grain also refuses schedulers and admins).</summary>
    public const string Witnesses = "witnesses";

    /// <summary>Reading the audit log: staff (their department's lines) and auditors (every line).</summary>
    public const string AuditReaders = "audit-readers";

    /// <summary>What only a supervising auditor (or a platform admin) may download: a draw's members key (draw-spec §11.5).</summary>
    public const string DrawAuditors = "draw-auditors";

    /// <summary>Reading the credit routes: staff and credit officers.</summary>
    public const string CreditReaders = "credit-readers";

    /// <summary>Recording external credit records: credit officers and admins.</summary>
    public const string CreditOfficers = "credit-officers";

    /// <summary>The web application's pages: a signed-in session cookie (anonymous visitors go to the sign-in page).</summary>
    public const string WebSession = "web-session";
}

public sealed record LocalTokenKey(byte[] Key);

/// <summary>Issues the platform's own bearer tokens for local accounts.</summary>
public sealed class TokenService(LocalTokenKey key, IOptions<AuthOptions> options, TimeProvider clock)
{
    public const string Issuer = "supervision-local";
    public const string Audience = "supervision-api";

    public (string Token, DateTimeOffset ExpiresAt) Issue(UserAccount user)
    {
        var now = clock.GetUtcNow();
        var expires = now + options.Value.Local.TokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [SupervisionClaims.Username] = user.Username,
            ["name"] = user.DisplayName,
            [SupervisionClaims.Role] = user.RoleList.ToArray(),
            [SupervisionClaims.Stamp] = user.SecurityStamp,
        };
        if (user.DepartmentCode is not null)
        {
            claims[SupervisionClaims.Department] = user.DepartmentCode;
        }

        if (user.InspectorCertificateNo is not null)
        {
            claims[SupervisionClaims.Inspector] = user.InspectorCertificateNo;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = TokenService.Issuer,
            Audience = TokenService.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key.Key), SecurityAlgorithms.HmacSha256),
        };
        return (new JsonWebTokenHandler().CreateToken(descriptor), expires);
    }
}
