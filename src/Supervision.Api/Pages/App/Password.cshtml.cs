using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Api.Web;
using Supervision.Core.Identity;
using Supervision.Infrastructure.Identity;

namespace Supervision.Api.Pages.App;

/// <summary>One field's error: the input's id (the API's field name), its label and what is wrong.</summary>
public sealed record FieldProblem(string Field, string Label, string Message);

/// <summary>
/// Set a new password: the page an account that must change its password is sent to (after a one-time password from
/// an administrator or the bootstrap admin's printed one), and where anyone signed in may change theirs. The change is
/// the API's own (<see cref="IAccountService.ChangeOwnPasswordAsync"/>): the current password is checked as a sign-in,
/// every token and session of the account ends, and this browser gets a new session at once.
/// </summary>
public sealed class PasswordModel(IAccountService accounts, UiText text, TimeProvider clock) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    /// <summary>True when the account must change its password before anything else.</summary>
    public bool Required => PasswordChangeGate.IsRequired(User);

    public List<FieldProblem> Errors { get; } = [];

    public FieldProblem? ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field);

    public string CurrentLabel => text["当前密码", "Current password"];

    public string NewLabel => text["新密码", "New password"];

    public string ConfirmLabel => text["再次输入新密码", "New password again"];

    /// <summary>What a broken password rule says, in the page's language.</summary>
    private string RuleText(PasswordRule rule) => rule switch
    {
        PasswordRule.TooLong => text[$"最多 {AccountValidator.MaximumPasswordLength} 个字符。", $"must be at most {AccountValidator.MaximumPasswordLength} characters long."],
        PasswordRule.ControlCharacters => text["不能包含控制字符（如制表符或换行）。", "must not contain control characters (such as a tab or a line break)."],
        _ => text[$"至少需要 {AccountValidator.MinimumPasswordLength} 个字符。", $"must be at least {AccountValidator.MinimumPasswordLength} characters long."],
    };

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(CurrentPassword))
        {
            Errors.Add(new FieldProblem("currentPassword", CurrentLabel, text["请输入当前密码（首次登录时即一次性密码）。", "is required (at your first sign-in: the one-time password)."]));
        }

        if (AccountValidator.PasswordCheck(NewPassword) is { } broken)
        {
            Errors.Add(new FieldProblem("newPassword", NewLabel, RuleText(broken)));
        }
        else if (!string.Equals(NewPassword, ConfirmPassword, StringComparison.Ordinal))
        {
            Errors.Add(new FieldProblem("confirmPassword", ConfirmLabel, text["与新密码不一致。", "does not match the new password."]));
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var result = await accounts.ChangeOwnPasswordAsync(User.ToActor(), CurrentPassword, NewPassword, HttpContext.ClientKey(), ct);
        switch (result.Outcome)
        {
            case PasswordChangeOutcome.Changed when result.Account is { } account:
                // The change ended every sign-in of the account, this session too: start a new one on the new stamp.
                await StaffSession.SignInAsync(HttpContext, account);
                return LocalRedirect(WebSetup.StaffReturnUrl(ReturnUrl));
            case PasswordChangeOutcome.SameAsCurrent:
                Errors.Add(new FieldProblem("newPassword", NewLabel, text["不能与当前密码相同。", "must differ from the current password."]));
                break;
            case PasswordChangeOutcome.Locked:
                var minutes = Math.Max(1, (int)Math.Ceiling((result.LockedUntil!.Value - clock.GetUtcNow()).TotalMinutes));
                Errors.Add(new FieldProblem("currentPassword", CurrentLabel,
                    text[$"从此地址输错密码次数过多，请 {minutes} 分钟后再试，或请管理员重置密码。",
                        $"Too many wrong passwords from this address: try again in {minutes} min, or ask an administrator to set a new password."]));
                break;
            case PasswordChangeOutcome.Unacceptable:
                Errors.Add(new FieldProblem("newPassword", NewLabel, RuleText(result.Rule ?? PasswordRule.TooShort)));
                break;
            default:
                Errors.Add(new FieldProblem("currentPassword", CurrentLabel, text["与当前密码不符。", "does not match your current password."]));
                break;
        }

        return Page();
    }
}
