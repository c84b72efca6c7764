using Supervision.Core.Identity;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

public sealed class TaskAccessTests
{
    private static readonly string[] Departments = ["210200-SCJG", "210200-WJW"];

    private static Actor Staff(string role, string? department) => new("u", [role], department, null);

    [Theory]
    [InlineData(Roles.Scheduler, "210200-SCJG")]
    [InlineData(Roles.Reviewer, "210200-WJW")]
    [InlineData(Roles.Admin, null)]
    [InlineData(Roles.Auditor, null)]
    [InlineData(Roles.Auditor, "999999-X")]
    public void Staff_of_a_participating_department_admins_and_auditors_see_the_whole_task(string role, string? department)
    {
        Assert.Equal(TaskAccessLevel.Full, TaskAccess.For(Staff(role, department), Departments, published: false));
        Assert.True(TaskAccess.IsFull(Staff(role, department), Departments));
    }

    [Theory]
    [InlineData(Roles.Scheduler, "210300-SCJG")]
    [InlineData(Roles.Reviewer, null)]
    [InlineData(Roles.Inspector, "210200-SCJG")]
    [InlineData(Roles.Witness, "210200-SCJG")]
    [InlineData(Roles.DepartmentAdmin, "210200-SCJG")]
    public void Everyone_else_sees_a_published_task_as_the_public_does_and_a_draft_not_at_all(string role, string? department)
    {
        Assert.Equal(TaskAccessLevel.Public, TaskAccess.For(Staff(role, department), Departments, published: true));
        Assert.Equal(TaskAccessLevel.None, TaskAccess.For(Staff(role, department), Departments, published: false));
        Assert.False(TaskAccess.IsFull(Staff(role, department), Departments));
    }

    [Fact]
    public void The_anonymous_public_sees_only_published_tasks()
    {
        Assert.Equal(TaskAccessLevel.Public, TaskAccess.For(null, Departments, published: true));
        Assert.Equal(TaskAccessLevel.None, TaskAccess.For(null, Departments, published: false));
    }
}
