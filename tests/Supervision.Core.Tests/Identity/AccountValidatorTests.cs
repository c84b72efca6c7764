using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Core.Tests.Identity;

/// <summary>What an account must look like, for the account routes, the password page and the accounts the platform makes.</summary>
public class AccountValidatorTests
{
    [Fact]
    public void A_scheduler_account_needs_its_department_and_an_inspector_its_certificate()
    {
        Assert.Empty(AccountValidator.ValidateNew("sched.d1", "Scheduler", [Roles.Scheduler], "D1", null, null, "a-long-password"));
        var errors = AccountValidator.ValidateNew("insp", "Inspector", [Roles.Inspector], null, null, null, null);
        Assert.Equal(["departmentCode", "inspectorCertificateNo"], errors.Select(e => e.Field));
    }

    [Fact]
    public void A_new_accounts_errors_name_each_field_in_order()
    {
        var errors = AccountValidator.ValidateNew("No Spaces", "", ["chief"], null, null, "sub\u202E", "short");
        Assert.Equal(["username", "displayName", "roles", "externalSubject", "password"], errors.Select(e => e.Field));
        Assert.Equal(FieldErrorCode.Format, errors[0].Code);
    }

    [Theory]
    [InlineData("123456789", PasswordRule.TooShort)]
    [InlineData("a-password-with-a\ttab", PasswordRule.ControlCharacters)]
    [InlineData("a-good-long-password", null)]
    public void Passwords_keep_three_rules(string password, PasswordRule? broken) => Assert.Equal(broken, AccountValidator.PasswordCheck(password));

    [Fact]
    public void A_password_longer_than_the_maximum_is_refused() =>
        Assert.Equal(PasswordRule.TooLong, AccountValidator.PasswordCheck(new string('x', AccountValidator.MaximumPasswordLength + 1)));

    [Fact]
    public void An_admin_keeps_their_own_admin_role_and_stays_enabled()
    {
        var admin = new Actor("root", [Roles.Admin], null, null);
        Assert.NotNull(AccountValidator.SelfChangeError(admin, "root", [Roles.Scheduler], disabled: false));
        Assert.NotNull(AccountValidator.SelfChangeError(admin, "root", [Roles.Admin], disabled: true));
        Assert.Null(AccountValidator.SelfChangeError(admin, "root", [Roles.Admin], disabled: false));
        Assert.Null(AccountValidator.SelfChangeError(admin, "other", [Roles.Scheduler], disabled: true));
    }
}
