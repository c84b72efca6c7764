using Supervision.Core.Identity;

namespace Supervision.Core.Tasks;

/// <summary>How much of one task a reader may see.</summary>
public enum TaskAccessLevel
{
    /// <summary>Nothing: an unpublished task of other departments (or of nobody, for the anonymous public).</summary>
    None,

    /// <summary>What is published about it (docs/public-portal.md).</summary>
    Public,

    /// <summary>All of it: the draft, the plan, the members, the staff's pages.</summary>
    Full,
}

/// <summary>
/// The one rule for who sees a task, used by the API and the workbench pages alike: platform admins and supervising
/// auditors see every task whole; schedulers and reviewers see whole the tasks their department takes part in; anyone
/// else, signed in or not, sees a published task as the public does and an unpublished one not at all.
/// </summary>
public static class TaskAccess
{
    public static TaskAccessLevel For(Actor? actor, IReadOnlyList<string> departments, bool published) =>
        IsFull(actor, departments) ? TaskAccessLevel.Full : published ? TaskAccessLevel.Public : TaskAccessLevel.None;

    public static bool IsFull(Actor? actor, IReadOnlyList<string> departments)
    {
        if (actor is null) return false;
        if (actor.IsAdmin || actor.Has(Roles.Auditor)) return true;
        return (actor.Has(Roles.Scheduler) || actor.Has(Roles.Reviewer))
            && actor.DepartmentCode is { } department && departments.Contains(department, StringComparer.Ordinal);
    }
}
