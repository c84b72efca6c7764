using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

/// <summary>The check at freeze: could any team be staffed, before it is known which entities are drawn?</summary>
public sealed class StaffingTests
{
    private static readonly DateOnly Day = new(2026, 12, 7);

    private static Inspector Make(string cert, string department, string[] qualifications, bool active = true, int workload = 0, DateOnly? until = null) =>
        new(cert, "", department, active, DateOnly.MinValue, until ?? DateOnly.MaxValue, qualifications, workload);

    private static InspectorDrawParameters Parameters(int teamSize = 2, int cap = 3, params DepartmentRequirement[] departments) =>
        new(Day, teamSize, cap, departments.Length == 0 ? [new DepartmentRequirement("D1", ["I1"])] : departments);

    [Fact]
    public void Enough_inspectors_who_can_serve_is_no_problem()
    {
        Assert.Empty(InspectorDraw.StaffingProblems(Parameters(), [Make("C1", "D1", ["I1"]), Make("C2", "D1", ["I1", "I2"])]));
    }

    [Fact]
    public void Inspectors_who_cannot_serve_whatever_the_entity_do_not_count_and_the_reasons_are_named()
    {
        var problems = InspectorDraw.StaffingProblems(Parameters(cap: 1), [
            Make("C1", "D1", ["I1"]),
            Make("C2", "D1", ["I1"], active: false),
            Make("C3", "D1", ["I1"], workload: 1),
            Make("C4", "D1", ["I1"], until: Day.AddDays(-1)),
            Make("C5", "D1", ["I2"]),
        ]);
        Assert.Equal(["team size 2 needs 2 inspectors who can serve; only 1 can"], problems);
    }

    [Fact]
    public void Every_department_of_a_joint_task_must_have_someone_who_can_serve()
    {
        var problems = InspectorDraw.StaffingProblems(
            Parameters(2, 3, new DepartmentRequirement("D1", ["I1"]), new DepartmentRequirement("D2", ["I2"])),
            [Make("C1", "D1", ["I1"]), Make("C2", "D1", ["I1"]), Make("C3", "D2", ["I1"])]);
        var problem = Assert.Single(problems);
        Assert.Equal("department D2: no inspector qualified for items [I2] can serve (1 excluded: not qualified for item I2)", problem);
        Assert.Contains("it has no inspectors", Assert.Single(InspectorDraw.StaffingProblems(
            Parameters(2, 3, new DepartmentRequirement("D1", ["I1"]), new DepartmentRequirement("D3", [])),
            [Make("C1", "D1", ["I1"]), Make("C2", "D1", ["I1"])])));
    }

    [Fact]
    public void With_the_sample_size_the_workload_room_is_weighed_per_department_and_in_all()
    {
        // Three D1 inspectors under a cap of 3, one of them with 2 teams already: room 3 + 3 + 1 = 7 teams.
        var d1 = new[] { Make("C1", "D1", ["I1"]), Make("C2", "D1", ["I1"]), Make("C3", "D1", ["I1"], workload: 2) };
        Assert.Empty(InspectorDraw.StaffingProblems(Parameters(teamSize: 2, cap: 3), d1, teams: 3));
        Assert.Equal(["the sample's 4 teams of 2 need 8 places, and under the workload cap of 3 the inspectors who can serve have room for 7"],
            InspectorDraw.StaffingProblems(Parameters(teamSize: 2, cap: 3), d1, teams: 4));

        // A joint task: every team needs one member of D2, whose single inspector serves at most 3 teams.
        var joint = Parameters(2, 3, new DepartmentRequirement("D1", ["I1"]), new DepartmentRequirement("D2", ["I2"]));
        var both = d1.Append(Make("C9", "D2", ["I2"])).ToArray();
        Assert.Empty(InspectorDraw.StaffingProblems(joint, both, teams: 3));
        Assert.Equal(["department D2: the sample's 4 teams each need one of its inspectors, and under the workload cap of 3 its 1 who can serve have room for 3"],
            InspectorDraw.StaffingProblems(joint, both, teams: 4));

        // An inspector never serves one team twice: one with room for 50 covers at most one place in each of 3 teams,
        // and the two others one team each, so the third team lacks its second member.
        Assert.Equal(["the sample's 3 teams of 2 need 6 places, and under the workload cap of 50 the inspectors who can serve have room for 5"],
            InspectorDraw.StaffingProblems(Parameters(teamSize: 2, cap: 50),
                [Make("C1", "D1", ["I1"]), Make("C2", "D1", ["I1"], workload: 49), Make("C3", "D1", ["I1"], workload: 49)], teams: 3));
    }
}
