using Supervision.Core.Identity;
using Supervision.Core.Inspections;

namespace Supervision.Core.Tests.Inspections;

internal static class InspectionFixtures
{
    public static readonly DateTimeOffset Now = new(2025, 3, 10, 15, 0, 0, TimeSpan.FromHours(8));
    public static readonly DateTimeOffset Visit = new(2025, 3, 7, 10, 0, 0, TimeSpan.FromHours(8));

    public static readonly string[] AllCodes = ["1", "A", "B", "C", "D", "E", "F", "G", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];

    public static readonly Actor Alice = new("alice", [Roles.Inspector], "SAMR-210102", "C001");
    public static readonly Actor Bob = new("bob", [Roles.Inspector], "SAMR-210102", "C002");
    public static readonly Actor Carol = new("carol", [Roles.Inspector], "SAMR-210102", "C003");
    public static readonly Actor MarketReviewer = new("rita", [Roles.Reviewer], "SAMR-210102", null);
    public static readonly Actor HealthReviewer = new("hugo", [Roles.Reviewer], "HEALTH-210102", null);
    public static readonly Actor MarketScheduler = new("sam", [Roles.Scheduler], "SAMR-210102", null);

    public static readonly InspectionItem Publicity = new("ITEM-PUB", "SAMR-210102", InspectionMethod.Written, AllCodes);
    public static readonly InspectionItem Premises = new("ITEM-SITE", "SAMR-210102", InspectionMethod.OnSite, AllCodes);
    public static readonly InspectionItem Hygiene = new("ITEM-HYG", "HEALTH-210102", InspectionMethod.OnSite, ["1", "A", "E", "5", "6"]);

    public static Inspection Single() => InspectionWorkflow.Assign("insp-1", "task-1", "91350100M000100Y43", "SAMR-210102",
        [new TeamMember("alice", "C001", true), new TeamMember("bob", "C002", false)], [Publicity, Premises], new DateOnly(2025, 4, 1));

    public static Inspection Joint() => InspectionWorkflow.Assign("insp-2", "task-2", "91110000600037341L", "SAMR-210102",
        [new TeamMember("alice", "C001", true), new TeamMember("bob", "C002", false)], [Premises, Hygiene], new DateOnly(2025, 4, 1));

    public static ItemResult Clean(string item) => new(item, ["1"], null, Visit, "沈阳市和平区南京北街1号", []);

    public static ItemResult Problem(string item, params string[] codes) => new(item, codes, "未按规定公示年度报告", Visit, "沈阳市和平区南京北街1号", []);

    public static IReadOnlyList<ItemResult> CleanAll(Inspection i) => i.Items.Select(it => Clean(it.ItemCode)).ToList();

    public static Transition Must(Transition t)
    {
        Assert.True(t.Ok, t.Error?.Message + " " + string.Join("; ", t.Error?.FieldErrors ?? []));
        return t;
    }

    /// <summary>Drafted, signed by both, submitted with key k1.</summary>
    public static Inspection Submitted(Inspection i, IReadOnlyList<ItemResult>? results = null)
    {
        var wf = InspectionWorkflow.Default;
        i = Must(wf.SaveDraft(i, Alice, results ?? CleanAll(i), Now)).Inspection;
        i = Must(wf.Sign(i, Alice, Now)).Inspection;
        i = Must(wf.Sign(i, Bob, Now)).Inspection;
        return Must(wf.Submit(i, Alice, "k1", Now)).Inspection;
    }
}
