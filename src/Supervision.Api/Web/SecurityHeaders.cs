using NetEscapades.AspNetCore.SecurityHeaders;
using NetEscapades.AspNetCore.SecurityHeaders.Infrastructure;

namespace Supervision.Api.Web;

/// <summary>
/// Security headers on every response — pages, the JSON API, static files, errors — set by NetEscapades' middleware:
/// <list type="bullet">
/// <item><c>Content-Security-Policy</c>: everything from this origin only, no inline script and no inline style (the
/// pages' scripts and styles are files under wwwroot, ECharts included; the charts' SVG carries no style attribute and
/// ECharts' SVG renderer styles through the CSSOM, which the policy does not restrict), no plugins, no
/// framing (<c>frame-ancestors 'none'</c> — no page, the ceremony page included, is meant to be shown inside another
/// site), forms post only here, no &lt;base&gt; elsewhere;</item>
/// <item><c>X-Content-Type-Options: nosniff</c>, <c>X-Frame-Options: DENY</c> (older browsers),
/// <c>Referrer-Policy: strict-origin-when-cross-origin</c> (the credit page asks for no-referrer itself),
/// <c>Cross-Origin-Opener-Policy: same-origin</c>; no <c>Server</c> header.</item>
/// </list>
/// The API reference (<c>/reference</c>, Scalar) is a third-party page with an inline bootstrap script and styles its
/// components inject at run time: it gets the same policy except that its script tags carry a per-request nonce
/// (<c>script-src 'self' 'nonce-…'</c>) and <c>style-src</c> allows inline styles. It shows the OpenAPI document only.
/// </summary>
public static class SecurityHeaders
{
    public const string ApiReferencePolicy = "api-reference";

    public static IServiceCollection AddSupervisionSecurityHeaders(this IServiceCollection services) =>
        services.AddSecurityHeaderPolicies(policies => policies
            .SetDefaultPolicy(p => Common(p).AddContentSecurityPolicy(csp =>
            {
                Sources(csp);
                csp.AddImgSrc().Self();
                csp.AddFontSrc().Self();
                csp.AddScriptSrc().Self();
                csp.AddStyleSrc().Self();
            }))
            .AddPolicy(ApiReferencePolicy, p => Common(p).AddContentSecurityPolicy(csp =>
            {
                Sources(csp);
                csp.AddImgSrc().Self().Data();
                csp.AddFontSrc().Self().Data();
                csp.AddScriptSrc().Self().WithNonce();
                csp.AddStyleSrc().Self().UnsafeInline();
            })));

    private static HeaderPolicyCollection Common(HeaderPolicyCollection p) => p
        .AddContentTypeOptionsNoSniff()
        .AddFrameOptionsDeny()
        .AddReferrerPolicyStrictOriginWhenCrossOrigin()
        .AddCrossOriginOpenerPolicy(x => x.SameOrigin())
        .RemoveServerHeader();

    private static void Sources(Microsoft.AspNetCore.Builder.CspBuilder csp)
    {
        csp.AddDefaultSrc().Self();
        csp.AddConnectSrc().Self();
        csp.AddObjectSrc().None();
        csp.AddBaseUri().Self();
        csp.AddFormAction().Self();
        csp.AddFrameAncestors().None();
    }
}
