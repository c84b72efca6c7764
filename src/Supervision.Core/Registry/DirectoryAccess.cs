using Supervision.Core.Identity;
using Supervision.Core.Validation;

namespace Supervision.Core.Registry;

/// <summary>
/// Who may write what in the two directories — one rule for every path that writes them: the single-record routes
/// (through the entity and inspector grains), bulk imports (row by row, against what the directory holds) and pages.
/// <list type="bullet">
/// <item>Inspectors belong to a department: its schedulers (and platform admins) maintain them; nobody moves an
/// inspector out of a department they do not schedule for, or into one.</item>
/// <item>Entities: schedulers and admins maintain the profile. The status (open, revoked, …) is the registration
/// authority's fact: only the <see cref="Roles.Registry"/> role and admins change it. The credit class is the credit
/// model's: it is never changed by a directory write; a new entity's first class may be given by an admin's initial load.</item>
/// <item>The list: departments are the platform's (its admins add and change them); a department's items are its
/// schedulers' (and platform admins').</item>
/// </list>
/// </summary>
public static class DirectoryAccess
{
    public const string CreditClassRefusal =
        "the credit class is set by the credit model (or a credit officer's external class record), not by a directory import";

    public const string StatusRefusal = "only the registry role (or a platform admin) changes an entity's status";

    public const string OtherDepartmentsInspectorRefusal = "the inspector belongs to another department; only its schedulers maintain them";

    public const string EntityMaintenanceRefusal = "Only platform admins, schedulers and the registry maintain the entity directory.";

    public const string DepartmentMaintenanceRefusal = "Only platform admins add or change departments.";

    /// <summary>Admins and schedulers maintain entity profiles.</summary>
    public static bool MayMaintainEntities(Actor actor) => actor.IsAdmin || actor.Has(Roles.Scheduler) || actor.Has(Roles.Registry);

    /// <summary>Departments: platform admins only.</summary>
    public static bool MayMaintainDepartments(Actor actor) => actor.IsAdmin;

    /// <summary>A department's items: its schedulers and platform admins.</summary>
    public static bool MaintainsItemsOf(Actor actor, string department) => actor.CanActFor(Roles.Scheduler, department);

    /// <summary>Why <paramref name="actor"/> may not add (<paramref name="adding"/>) or change an item of <paramref name="department"/>; null when they may.</summary>
    public static string? ItemWriteRefusal(Actor actor, string department, bool adding) =>
        MaintainsItemsOf(actor, department) ? null
        : $"Only schedulers of '{department}' (or platform admins) can {(adding ? "add" : "change")} its items.";

    /// <summary>
    /// Importing inspectors at all: platform admins, and a department's schedulers and administrator — whose files are
    /// then held row by row to <see cref="InspectorWriteRefusal"/> (their own department's inspectors only).
    /// </summary>
    public static bool MayImportInspectors(Actor actor) => actor.IsAdmin || (actor.DepartmentCode is { } own && MaintainsInspectorsOf(actor, own));

    /// <summary>Changing an existing entity's status.</summary>
    public static bool MayChangeEntityStatus(Actor actor) => actor.IsAdmin || actor.Has(Roles.Registry);

    /// <summary>Giving a class in a directory write: an admin's initial load of entities that have none yet.</summary>
    public static bool MaySetCreditClass(Actor actor) => actor.IsAdmin;

    /// <summary>
    /// Why <paramref name="actor"/> may not write an inspector now in <paramref name="currentDepartment"/> (null: a new
    /// inspector) into <paramref name="newDepartment"/>; null when they may.
    /// </summary>
    public static string? InspectorWriteRefusal(Actor actor, string? currentDepartment, string newDepartment)
    {
        if (!MaintainsInspectorsOf(actor, newDepartment))
        {
            return $"Only schedulers and administrators of '{newDepartment}' (or platform admins) maintain its inspectors.";
        }

        return currentDepartment is not null && !MaintainsInspectorsOf(actor, currentDepartment)
            ? $"The inspector belongs to '{currentDepartment}'."
            : null;
    }

    /// <summary>A department's schedulers and its administrator maintain its inspectors; platform admins every department's.</summary>
    public static bool MaintainsInspectorsOf(Actor actor, string department) =>
        actor.CanActFor(Roles.Scheduler, department) || actor.CanActFor(Roles.DepartmentAdmin, department);

    /// <summary>
    /// Why <paramref name="actor"/> may not write <paramref name="next"/> over the stored entity's status and class
    /// (<paramref name="current"/>; null: a new entity); null when they may.
    /// </summary>
    public static FieldError? EntityWriteRefusal(Actor actor, (string Status, string CreditClass)? current, MarketEntityRecord next)
    {
        if (!MayMaintainEntities(actor))
        {
            return FieldError.NotAllowed(string.Empty, EntityMaintenanceRefusal);
        }

        if (current is { } stored && !string.Equals(stored.Status, next.Status, StringComparison.Ordinal) && !MayChangeEntityStatus(actor))
        {
            return FieldError.NotAllowed("status", StatusRefusal);
        }

        if (next.CreditClass is { } cls && (current is not { } had ? !MaySetCreditClass(actor) : !string.Equals(had.CreditClass, cls, StringComparison.Ordinal)))
        {
            return FieldError.NotAllowed("creditClass", CreditClassRefusal);
        }

        return null;
    }
}
