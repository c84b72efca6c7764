using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Pages.App;

public sealed class LoginModel(IAccountService accounts, UiText text, TimeProvider clock, IOptions<AuthOptions> auth) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <summary>False when the installation signs staff in through single sign-on only (Auth:Local:Enabled=false).</summary>
    public bool LocalSignIn => auth.Value.Local.Enabled;

    private string LocalSignInOff => text["本平台未启用本地账号登录：请通过统一身份认证登录。", "Local sign-in is switched off on this installation: sign in through single sign-on."];

    public void OnGet()
    {
        if (!LocalSignIn) Error = LocalSignInOff;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!LocalSignIn)
        {
            Error = LocalSignInOff;
            return Page();
        }
        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            Error = text["请输入用户名和密码。", "Enter your username and password."];
            return Page();
        }

        var (user, lockedUntil) = await accounts.SignInAsync(Username.Trim(), Password, HttpContext.ClientKey(), ct);
        if (lockedUntil is { } until)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling((until - clock.GetUtcNow()).TotalMinutes));
            Error = text[$"从此地址登录失败次数过多，已暂停登录此账号，请 {minutes} 分钟后再试，或请管理员重置密码。",
                $"Too many failed sign-ins from this address: try again in {minutes} min, or ask an administrator to set a new password."];
            return Page();
        }
        if (user is null)
        {
            Error = text["用户名或密码不正确。", "Unknown username or wrong password."];
            return Page();
        }

        await StaffSession.SignInAsync(HttpContext, user);
        // The same rule as the language switch: a return URL with a control character or another site goes to /app.
        var target = WebSetup.StaffReturnUrl(ReturnUrl);
        if (user.MustChangePassword)
        {
            // The page asked for is kept across the forced password change.
            return LocalRedirect(target == "/app" ? "/app/password" : "/app/password?returnUrl=" + Uri.EscapeDataString(target));
        }

        return LocalRedirect(target);
    }
}
