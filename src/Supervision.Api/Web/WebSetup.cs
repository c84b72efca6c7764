using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.FileProviders;
using Supervision.Api.Identity;

namespace Supervision.Api.Web;

/// <summary>
/// The server-rendered web: the public portal (no sign-in, under <c>/</c>) and the staff application
/// (session cookie, under <c>/app</c>). Razor Pages in this assembly; styles and scripts are embedded
/// resources served by the application itself (no CDN).
/// </summary>
public static class WebSetup
{
    public const string LanguageCookie = ".supervision.lang";

    public static readonly CultureInfo Chinese = CultureInfo.GetCultureInfo("zh-CN");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    public static IServiceCollection AddSupervisionWeb(this IServiceCollection services, bool secureCookies = false)
    {
        // Chinese text is written as text, not as numeric character references (pages three times larger and a source
        // nobody can read); HTML's special characters are still encoded.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/App", Policies.WebSession);
            o.Conventions.AllowAnonymousToPage("/App/Login");
            o.Conventions.AllowAnonymousToPage("/App/Denied");
            // An account that must change its password can still reach these two (Identity/SignIns.cs, PasswordChangeGate).
            o.Conventions.AddPageApplicationModelConvention("/App/Password", m => m.EndpointMetadata.Add(PasswordChangeGate.Allowed));
            o.Conventions.AddPageApplicationModelConvention("/App/Logout", m => m.EndpointMetadata.Add(PasswordChangeGate.Allowed));
        });
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            o.Cookie.Name = ".supervision.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            // Every response says DENY itself (SecurityHeaders); the antiforgery's SAMEORIGIN would weaken it on form pages.
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddSingleton<UiText>();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture(Chinese);
            o.SupportedCultures = [Chinese, English];
            o.SupportedUICultures = [Chinese, English];
            // Chinese unless the visitor chose English (?lang=en, remembered in a cookie): the interface is
            // Chinese first, whatever language the browser advertises.
            o.RequestCultureProviders =
            [
                // ?lang=en, ?lang=zh or ?lang=zh-CN (a bare "zh" is not a supported culture by itself, and without this
                // the cookie's earlier choice would win over the link's).
                new CustomRequestCultureProvider(http => Task.FromResult(QueryLanguage(http) is { } culture
                    ? new ProviderCultureResult(culture.Name) : null)),
                new CookieRequestCultureProvider { CookieName = LanguageCookie },
            ];
        });
        return services;
    }

    /// <summary>The language a link asks for with ?lang= (en; zh or zh-CN), or null.</summary>
    private static CultureInfo? QueryLanguage(HttpContext http) => http.Request.Query["lang"].ToString() switch
    {
        "en" => English,
        "zh" or "zh-CN" => Chinese,
        _ => null,
    };

    /// <summary>Before authentication: localization and static files.</summary>
    public static WebApplication UseSupervisionWebAssets(this WebApplication app)
    {
        app.UseRequestLocalization();
        // A page opened with ?lang=en (a shared link, the language switch's target) keeps that language for the next
        // clicks too: the choice is remembered as the switch remembers it.
        app.Use((http, next) =>
        {
            if (HttpMethods.IsGet(http.Request.Method) && !http.Request.Path.StartsWithSegments("/api") && QueryLanguage(http) is { } chosen)
            {
                RememberLanguage(http, chosen);
            }

            return next(http);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(WebSetup).Assembly, "Supervision.Api.wwwroot"),
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
        return app;
    }

    /// <summary>After authorization: the pages and the language switch.</summary>
    public static WebApplication MapSupervisionWeb(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/language/{lang}", (string lang, string? returnUrl, HttpContext http) =>
        {
            RememberLanguage(http, lang == "en" ? English : Chinese);
            return Results.LocalRedirect(LocalReturnUrl(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>The language cookie, for a year: what the next requests are answered in.</summary>
    private static void RememberLanguage(HttpContext http, CultureInfo culture) =>
        http.Response.Cookies.Append(
            LanguageCookie,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions
            {
                MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true,
                Secure = http.Request.IsHttps || http.RequestServices.GetRequiredService<PublicBaseUrl>().IsHttps,
            });

    /// <summary>
    /// Where the language switch goes back to: <paramref name="url"/> when it is a path on this site, with any non-ASCII
    /// character percent-encoded (UTF-8) so that it can stand in a Location header; otherwise — absent, another site
    /// ("//host", "/\host"), or holding a control character (tab, CR, LF, NUL, …) or a bidirectional formatting
    /// character — the portal's home page "/". A language switch never fails: a visitor who followed a broken link
    /// still gets the language asked for, on the home page.
    /// </summary>
    public static string LocalReturnUrl(string? url)
    {
        if (!IsLocal(url) || url!.Length > 2048) return "/";
        var builder = new System.Text.StringBuilder(url.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar || Core.Text.TextRules.IsBidiControl(rune.Value)) return "/";
            if (rune.Value is > 0x20 and < 0x7F)
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var n = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..n]) builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Where a staff page goes back to after a sign-in or a password change: <see cref="LocalReturnUrl"/>'s rule, and
    /// only within the workbench (/app…); anything else goes to /app.
    /// </summary>
    public static string StaffReturnUrl(string? url)
    {
        var target = LocalReturnUrl(url);
        return target.StartsWith("/app", StringComparison.Ordinal) ? target : "/app";
    }

    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}

/// <summary>
/// Interface text in both languages, written side by side where it is used: <c>@T["搜索", "Search"]</c>.
/// The current request's UI culture (set by request localization) picks one.
/// </summary>
public sealed class UiText
{
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public string this[string chinese, string english] => IsEnglish ? english : chinese;

    /// <summary>The <c>lang</c> attribute of the page.</summary>
    public string Lang => IsEnglish ? "en" : "zh-CN";

    /// <summary>The other language's switch: its code and its name written in itself.</summary>
    public (string Code, string Name) Other => IsEnglish ? ("zh", "中文") : ("en", "English");
}
