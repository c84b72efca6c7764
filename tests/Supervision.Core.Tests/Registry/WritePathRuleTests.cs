using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Core.Tests.Registry;

/// <summary>The rules the departments', items' and imports' write paths apply (the services and the edit page alike).</summary>
public class WritePathRuleTests
{
    private static readonly Actor Admin = new("admin", [Roles.Admin], null, null);
    private static readonly Actor SchedulerOfD1 = new("s1", [Roles.Scheduler], "D1", null);
    private static readonly Actor AdministratorOfD1 = new("da1", [Roles.DepartmentAdmin], "D1", null);
    private static readonly Actor ReviewerOfD1 = new("r1", [Roles.Reviewer], "D1", null);

    [Fact]
    public void A_department_with_every_field_right_is_valid() =>
        Assert.Empty(DepartmentValidator.Validate("210100-SCJG", "沈阳市市场监督管理局", "210100", "automatic", 3, ReferenceData.Default));

    [Fact]
    public void A_departments_errors_name_each_field_in_order()
    {
        var errors = DepartmentValidator.Validate("bad code!", " ", "999999", "sometimes", 0, ReferenceData.Default);
        Assert.Equal(["code", "name", "divisionCode", "publishMode", "yearlyCap"], errors.Select(e => e.Field));
        Assert.Equal(FieldErrorCode.Format, errors[0].Code);
        Assert.Equal(FieldErrorCode.Required, errors[1].Code);
    }

    [Fact]
    public void A_parent_must_exist_and_be_neither_the_department_nor_below_it()
    {
        Assert.Null(DepartmentValidator.ParentError("D2", "D1", parentExists: true, ["D0"]));
        Assert.Equal(FieldErrorCode.NotAllowed, DepartmentValidator.ParentError("D1", "D1", parentExists: true, [])!.Code);
        Assert.Equal(FieldErrorCode.NotFound, DepartmentValidator.ParentError("D1", "D9", parentExists: false, [])!.Code);
        Assert.Contains("cycle", DepartmentValidator.ParentError("D1", "D3", parentExists: true, ["D2", "D1"])!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Departments_are_the_platform_admins_and_items_their_departments_schedulers()
    {
        Assert.True(DirectoryAccess.MayMaintainDepartments(Admin));
        Assert.False(DirectoryAccess.MayMaintainDepartments(SchedulerOfD1));
        Assert.Null(DirectoryAccess.ItemWriteRefusal(SchedulerOfD1, "D1", adding: true));
        Assert.Null(DirectoryAccess.ItemWriteRefusal(Admin, "D2", adding: false));
        Assert.Equal("Only schedulers of 'D2' (or platform admins) can add its items.", DirectoryAccess.ItemWriteRefusal(SchedulerOfD1, "D2", adding: true));
        Assert.Equal("Only schedulers of 'D1' (or platform admins) can change its items.", DirectoryAccess.ItemWriteRefusal(ReviewerOfD1, "D1", adding: false));
    }

    [Fact]
    public void Inspectors_are_imported_by_those_who_maintain_them_one_by_one()
    {
        Assert.True(DirectoryAccess.MayImportInspectors(Admin));
        Assert.True(DirectoryAccess.MayImportInspectors(SchedulerOfD1));
        Assert.True(DirectoryAccess.MayImportInspectors(AdministratorOfD1));
        Assert.False(DirectoryAccess.MayImportInspectors(ReviewerOfD1));
        Assert.False(DirectoryAccess.MayImportInspectors(new Actor("s", [Roles.Scheduler], null, null)));
    }

    [Fact]
    public void The_synthetic_directorys_departments_and_items_pass_the_write_paths_validation()
    {
        var generator = new SyntheticDirectory(7, 10, 10, ReferenceData.Default);
        Assert.All(generator.Departments, d => Assert.Empty(DepartmentValidator.Validate(d.Code, d.Name, d.DivisionCode, null, null, ReferenceData.Default)));
        Assert.All(generator.Items, i => Assert.True(InspectionItemValidator.Validate(i, ReferenceData.Default).IsValid, i.Code));
    }
}
