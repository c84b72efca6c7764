using Supervision.Core.Identity;

namespace Supervision.Api.Web;

/// <summary>One entry of the staff application's navigation, shown only to the roles that can use it.</summary>
public sealed record AppLink(string Href, string Chinese, string English, IReadOnlyList<string> Roles);

/// <summary>The staff application's navigation in one place; pages add their entry here.</summary>
public static class AppNavigation
{
    private static readonly string[] Everyone = [Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.Inspector, Roles.Witness];

    public static readonly IReadOnlyList<AppLink> Links =
    [
        new("/app", "工作台", "Home", Everyone),
        new("/app/my", "我的检查", "My inspections", [Roles.Inspector]),
        new("/app/tasks", "抽查任务", "Tasks", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/review", "审核", "Review", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/statistics", "统计分析", "Statistics", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/entities", "市场主体库", "Entities", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/inspectors", "执法人员库", "Inspectors", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/items", "检查事项", "Items", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/departments", "部门", "Departments", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/imports", "批量导入", "Import", [Roles.Admin, Roles.Scheduler]),
        new("/app/recusals", "回避申请", "Recusals", [Roles.Admin, Roles.Scheduler]),
        new("/app/abnormal", "经营异常名录", "Abnormal operations", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/objections", "陈述与异议", "Objections", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/plans", "年度抽查计划", "Annual plans", [Roles.Admin, Roles.Scheduler, Roles.Reviewer, Roles.DepartmentAdmin]),
        new("/app/cases", "后续案件", "Follow-up cases", [Roles.Admin, Roles.Scheduler, Roles.Reviewer]),
        new("/app/witness", "见证抽取", "Witness draws", [Roles.Witness]),
        new("/app/webhooks", "数据订阅", "Webhooks", [Roles.Admin, Roles.DataUser]),
    ];

    public static IEnumerable<AppLink> For(Actor actor) => Links.Where(l => l.Roles.Any(actor.Has));
}
