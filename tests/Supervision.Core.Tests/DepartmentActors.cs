using Supervision.Core.Identity;

namespace Supervision.Core.Tests;

/// <summary>The staff of department D1 (and one of D2, an inspector, an admin) that the department-scoped workflows' tests act as.</summary>
internal static class DepartmentActors
{
    public static readonly Actor Scheduler = new("sched-d1", [Roles.Scheduler], "D1", null);
    public static readonly Actor Reviewer = new("rev-d1", [Roles.Reviewer], "D1", null);
    public static readonly Actor OtherReviewer = new("rev-d2", [Roles.Reviewer], "D2", null);
    public static readonly Actor Inspector = new("insp", [Roles.Inspector], "D1", "C0001");
    public static readonly Actor Admin = new("admin", [Roles.Admin], null, null);
}
