using Supervision.Core.Draw;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Inspections;

public sealed class ReinspectionDrawTests
{
    private const string TaskSeed = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static readonly DateOnly Today = new(2026, 7, 1);

    private static readonly Reinspection Action = new("T1/91110000600037341L/I1/reinspection", "91110000600037341L", "T1", "T1/91110000600037341L", "I1", "D1",
        Today, Today.AddDays(14));

    private static InspectorPool Pool(params string[] previous) => new(
        Enumerable.Range(0, 6).Select(i => new Inspector($"C{i:D4}", "", "D1", true, DateOnly.MinValue, DateOnly.MaxValue, ["I1"], 0))
            .Append(new Inspector("C0099", "", "D1", true, DateOnly.MinValue, DateOnly.MaxValue, ["I2"], 0))
            .ToArray(),
        [new InspectorConflict("C0005", "91110000600037341L")],
        previous.Length == 0 ? [] : [new PreviousInspection("91110000600037341L", previous)]);

    [Fact]
    public void The_team_follows_the_draw_rules_and_recomputes_from_the_record()
    {
        var (record, failure) = ReinspectionDraw.Run(Action, TaskSeed, "supervision-draw/1", Today, 2, 10, Pool("C0000", "C0001"));
        Assert.Null(failure);
        var team = record!.Team.Members.Select(m => m.CertificateNo).ToArray();
        Assert.Equal(2, team.Length);
        // Not the previous team (rotation), not conflicted, qualified for the item.
        Assert.DoesNotContain("C0000", team);
        Assert.DoesNotContain("C0001", team);
        Assert.DoesNotContain("C0005", team);
        Assert.DoesNotContain("C0099", team);
        Assert.True(ReinspectionDraw.Verify(record));
        Assert.Equal("T1~recheck-I1", record.DrawTaskId);
        Assert.Equal("T1~recheck-I1/91110000600037341L", ReinspectionDraw.InspectionIdFor("T1", "I1", "91110000600037341L"));

        // The same inputs give the same team; a tampered record does not verify.
        var again = ReinspectionDraw.Run(Action, TaskSeed, "supervision-draw/1", Today, 2, 10, Pool("C0000", "C0001")).Record!;
        Assert.Equal(team, again.Team.Members.Select(m => m.CertificateNo));
        var other = record.Pool.Inspectors.Select(i => i.CertificateNo).First(c => !team.Contains(c) && c is not ("C0000" or "C0001" or "C0005" or "C0099"));
        var tampered = record with { Team = record.Team with { Members = [record.Team.Members[0], record.Team.Members[1] with { CertificateNo = other }] } };
        Assert.False(ReinspectionDraw.Verify(tampered));
        Assert.False(ReinspectionDraw.Verify(record with { Seed = new string('0', 64) }));
    }

    [Fact]
    public void The_seed_depends_on_the_task_seed_and_the_action_key_only()
    {
        var seed = Convert.FromHexString(TaskSeed);
        Assert.Equal(ReinspectionDraw.SeedFor(seed, "a/b/reinspection"), ReinspectionDraw.SeedFor(seed, "a/b/reinspection"));
        Assert.NotEqual(ReinspectionDraw.SeedFor(seed, "a/b/reinspection"), ReinspectionDraw.SeedFor(seed, "a/c/reinspection"));
        var otherSeed = (byte[])seed.Clone();
        otherSeed[0] ^= 1;
        Assert.NotEqual(ReinspectionDraw.SeedFor(seed, "a/b/reinspection"), ReinspectionDraw.SeedFor(otherSeed, "a/b/reinspection"));
    }

    [Fact]
    public void No_team_names_the_conditions_nobody_met()
    {
        var (record, failure) = ReinspectionDraw.Run(Action, TaskSeed, "supervision-draw/1", Today, 2, 10, Pool("C0000", "C0001", "C0002", "C0003", "C0004"));
        Assert.Null(record);
        Assert.Contains("only 0 eligible", failure!.Message);
    }
}
