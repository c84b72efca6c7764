using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Web;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Pages.App;

public sealed class LoginModel(UserStore users, UiText text) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Username) || string.IsNullOrEmpty(Password))
        {
            Error = text["请输入用户名和密码。", "Enter your username and password."];
            return Page();
        }

        var user = await users.VerifyPasswordAsync(Username.Trim(), Password, ct);
        if (user is null)
        {
            Error = text["用户名或密码不正确。", "Unknown username or wrong password."];
            return Page();
        }

        await StaffSession.SignInAsync(HttpContext, user);
        if (user.MustChangePassword)
        {
            return LocalRedirect("/app/password");
        }

        return LocalRedirect(WebSetup.IsLocal(ReturnUrl) && ReturnUrl!.StartsWith("/app", StringComparison.Ordinal) ? ReturnUrl : "/app");
    }
}
