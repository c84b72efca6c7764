using Microsoft.Extensions.Options;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Identity;

/// <summary>
/// The "Auth" configuration section (docs/operations.md, "Configuration"): local accounts, the first admin's password and
/// single sign-on. Bound and checked at start (also before the container is built: the authentication schemes follow it).
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public LocalAuthOptions Local { get; set; } = new();

    /// <summary>The first admin's password; empty: generated once and printed.</summary>
    public string? BootstrapAdminPassword { get; set; }

    public OidcAuthOptions Oidc { get; set; } = new();

    internal sealed class Validator : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            var local = options.Local;
            var problems = new List<string>();
            if (!local.Enabled && !options.Oidc.Enabled)
                problems.Add("No way to sign in is configured: set Auth:Oidc:Authority for single sign-on, or leave Auth:Local:Enabled on.");
            if (!string.IsNullOrWhiteSpace(local.SigningKey) && !IsKey(local.SigningKey))
                problems.Add("Auth:Local:SigningKey must be at least 32 bytes, base64-encoded (for example the output of `openssl rand -base64 48`).");
            if (local.TokenLifetime <= TimeSpan.Zero)
                problems.Add($"Auth:Local:TokenLifetime must be a positive time span such as 08:00:00, got {local.TokenLifetime}.");
            if (local.MaxFailedSignIns < 0 || (local.MaxFailedSignIns > 0 && local.LockoutDuration <= TimeSpan.Zero))
                problems.Add("Auth:Local:MaxFailedSignIns must be 0 (no lockout) or more, and Auth:Local:LockoutDuration a positive time span such as 00:15:00.");
            if (local.AccountCacheDuration < TimeSpan.Zero || local.AccountCacheDuration > TimeSpan.FromMinutes(5))
                problems.Add("Auth:Local:AccountCacheDuration must be a time span from 00:00:00 (read the account on every request) to 00:05:00, such as 00:00:05: " +
                    "it is how long a token or session may outlive a change of its account made through another API instance.");
            // The first admin's account is made through the accounts' write path, which holds every password to the same rules.
            if (!string.IsNullOrWhiteSpace(options.BootstrapAdminPassword) && Core.Identity.AccountValidator.PasswordError("password", options.BootstrapAdminPassword) is { } weak)
                problems.Add($"Auth:BootstrapAdminPassword {weak.Reason} (the rules of every password: {Core.Identity.AccountValidator.MinimumPasswordLength} to " +
                    $"{Core.Identity.AccountValidator.MaximumPasswordLength} characters, no control characters); leave it empty to have one generated and printed.");
            if (options.Oidc.Enabled && !Uri.TryCreate(options.Oidc.Authority, UriKind.Absolute, out _))
                problems.Add($"Auth:Oidc:Authority must be the identity provider's absolute issuer URL, got '{options.Oidc.Authority}'.");
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }

        private static bool IsKey(string text)
        {
            var bytes = new byte[text.Length];
            return Convert.TryFromBase64String(text.Trim(), bytes, out var length) && length >= 32;
        }
    }
}

/// <summary>"Auth:Local": the platform's own accounts and tokens.</summary>
public sealed class LocalAuthOptions
{
    /// <summary>Local accounts and <c>POST /api/auth/token</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Base64 HMAC-SHA256 key for local tokens. Embedded mode creates one in the data directory when absent.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The lifetime of a local token and of an idle web session.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How long a process answers the per-request sign-in check from what it last read about an account: the longest a
    /// token or session outlives a change made through another API instance (a change made here takes effect at once).
    /// </summary>
    public TimeSpan AccountCacheDuration { get; set; } = AccountCachePolicy.Default.Duration;

    /// <summary>Failed sign-ins from one address that lock it out of a username (0: never locked).</summary>
    public int MaxFailedSignIns { get; set; } = SignInPolicy.Default.MaxFailures;

    public TimeSpan LockoutDuration { get; set; } = SignInPolicy.Default.LockoutDuration;
}

/// <summary>"Auth:Oidc": single sign-on through an OpenID Connect provider.</summary>
public sealed class OidcAuthOptions
{
    /// <summary>The identity provider's issuer URL; empty: no single sign-on.</summary>
    public string? Authority { get; set; }

    /// <summary>Single sign-on is configured (an <see cref="Authority"/> is set).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    public string? Audience { get; set; }

    /// <summary>Token claims used when no local account is mapped to the token's subject.</summary>
    public string RoleClaim { get; set; } = "roles";

    public string DepartmentClaim { get; set; } = "department";

    public string InspectorClaim { get; set; } = "inspector_certificate";

    /// <summary>Off only for a provider reached over plain HTTP (tests, a provider on the same host).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
