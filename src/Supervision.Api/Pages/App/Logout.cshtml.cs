using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Web;

namespace Supervision.Api.Pages.App;

/// <summary>Sign-out is a POST (with the antiforgery token), so a link on another site cannot end a session.</summary>
public sealed class LogoutModel : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/app");

    public async Task<IActionResult> OnPostAsync()
    {
        await StaffSession.SignOutAsync(HttpContext);
        return LocalRedirect("/app/login");
    }
}
