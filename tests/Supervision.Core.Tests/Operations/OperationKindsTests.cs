using Supervision.Core.Identity;
using Supervision.Core.Operations;

namespace Supervision.Core.Tests.Operations;

public sealed class OperationKindsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_import_keeps_its_input_through_every_step_to_its_end()
    {
        var accepted = OperationWorkflow.Accept("op-1", OperationKinds.ImportEntities, "job-1", "", "admin", T0, """{"fileName":"a.csv","bytes":12}""");
        var claimed = OperationWorkflow.Claim(accepted, "silo-a", T0, TimeSpan.FromSeconds(6)).Operation;
        var retried = OperationWorkflow.Stumble(claimed, "silo-a", transient: true, new OperationProblem(503, "x", null), T0).Operation;
        var again = OperationWorkflow.Claim(retried, "silo-b", T0, TimeSpan.FromSeconds(6)).Operation;
        var done = OperationWorkflow.Succeed(again, "silo-b", "{}", T0).Operation;
        Assert.Equal((OperationStates.Succeeded, 2), (done.State, done.Attempts));
        Assert.Equal(accepted.InputJson, done.InputJson);
    }

    [Theory]
    [InlineData(OperationKinds.ImportEntities, "import", true, false)]
    [InlineData(OperationKinds.ImportInspectors, "import", true, false)]
    [InlineData(OperationKinds.CreditImport, "credit-import", true, false)]
    [InlineData(OperationKinds.CreditRecompute, "credit", false, false)]
    [InlineData(OperationKinds.DrawEntities, "task", false, true)]
    public void Each_kind_names_its_subject_whether_it_reads_an_upload_and_whether_it_works_on_a_task(string kind, string subject, bool upload, bool onTask)
    {
        Assert.Contains(kind, OperationKinds.All);
        Assert.Equal((subject, upload, onTask), (OperationKinds.SubjectType(kind), OperationKinds.HasUpload(kind), OperationKinds.OnTask(kind)));
    }

    [Fact]
    public void The_roles_an_operation_is_checked_against_when_it_runs_are_its_routes_policy()
    {
        Assert.Equal([Roles.Admin, Roles.Scheduler], OperationKinds.RequiredRoles(OperationKinds.ImportEntities));
        Assert.Equal([Roles.Admin, Roles.Scheduler, Roles.DepartmentAdmin], OperationKinds.RequiredRoles(OperationKinds.ImportInspectors));
        Assert.Equal([Roles.Admin, Roles.Credit], OperationKinds.RequiredRoles(OperationKinds.CreditImport));
        Assert.Equal([Roles.Admin], OperationKinds.RequiredRoles(OperationKinds.CreditRecompute));
        Assert.Empty(OperationKinds.RequiredRoles(OperationKinds.Freeze)); // the task grain checks the lead department's rule
    }
}
