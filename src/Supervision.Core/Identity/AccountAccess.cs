namespace Supervision.Core.Identity;

/// <summary>
/// Who may manage which accounts. Platform admins manage every account. A department's administrator
/// (<see cref="Roles.DepartmentAdmin"/>) manages the accounts of its own department with the department's own roles —
/// scheduler, reviewer, inspector — and never an account with a platform-wide role or another administrator's.
/// </summary>
public static class AccountAccess
{
    /// <summary>The roles a department administrator may give: those scoped to one department.</summary>
    public static readonly IReadOnlyList<string> DepartmentRoles = [Roles.Scheduler, Roles.Reviewer, Roles.Inspector];

    public static bool MayManageAccounts(Actor actor) => actor.IsAdmin || (actor.Has(Roles.DepartmentAdmin) && actor.DepartmentCode is not null);

    /// <summary>Whether <paramref name="actor"/> may see the account (of <paramref name="department"/> with <paramref name="roles"/>).</summary>
    public static bool MaySee(Actor actor, string? department, IReadOnlyCollection<string> roles) =>
        actor.IsAdmin || (actor.Has(Roles.DepartmentAdmin) && actor.DepartmentCode is { } own && department == own && roles.All(DepartmentRoles.Contains));

    /// <summary>
    /// Why <paramref name="actor"/> may not write the account now as <paramref name="current"/> (null: a new account) to
    /// <paramref name="department"/> with <paramref name="roles"/>; null when they may.
    /// </summary>
    public static string? WriteRefusal(Actor actor, (string? Department, IReadOnlyCollection<string> Roles)? current, string? department, IReadOnlyCollection<string> roles)
    {
        if (actor.IsAdmin) return null;
        if (!actor.Has(Roles.DepartmentAdmin) || actor.DepartmentCode is not { } own)
            return "Only platform admins and department administrators manage accounts.";
        if (current is { } c && !MaySee(actor, c.Department, c.Roles))
            return $"The account is not one of '{own}''s scheduler, reviewer or inspector accounts.";
        if (department != own)
            return $"A department administrator manages the accounts of '{own}' only.";
        return roles.All(DepartmentRoles.Contains) ? null
            : $"A department administrator gives only the roles {string.Join(", ", DepartmentRoles)}; platform roles are a platform admin's to give.";
    }
}
