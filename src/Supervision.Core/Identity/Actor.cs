namespace Supervision.Core.Identity;

/// <summary>The roles of the platform. The anonymous public has no role and no account.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Scheduler = "scheduler";
    public const string Reviewer = "reviewer";
    public const string Inspector = "inspector";

    /// <summary>The registration authority's officer: keeps entities' registered facts, their status among them (platform-wide).</summary>
    public const string Registry = "registry";

    /// <summary>
    /// The credit officer: records what other authorities decided about entities (administrative penalties, serious-violation
    /// listings: the external credit records) — the only way besides the credit model's own rules that a class moves.
    /// </summary>
    public const string Credit = "credit";

    /// <summary>A department's administrator: its own department's accounts (scheduler, reviewer, inspector) and inspectors.</summary>
    public const string DepartmentAdmin = "department-admin";

    /// <summary>
    /// A witness of draws (a journalist, a deputy, a member of the public invited): contributes entropy to a frozen task's
    /// seed under their own account, once per task, their name taken from the account, not typed.
    /// </summary>
    public const string Witness = "witness";

    /// <summary>
    /// A supervising body's auditor: reads every department's tasks, draws, inspections and the whole audit log; changes
    /// nothing; every draw pack it downloads is audited.
    /// </summary>
    public const string Auditor = "auditor";

    /// <summary>
    /// A registered data user (a newsroom, a research institute, another authority's system): subscribes webhooks to the
    /// public event log and reads their delivery logs (docs/webhooks.md); sees nothing that is not public. Created by
    /// platform admins only.
    /// </summary>
    public const string DataUser = "data-user";

    public static readonly IReadOnlyList<string> All = [Admin, Scheduler, Reviewer, Inspector, Registry, Credit, DepartmentAdmin, Witness, Auditor, DataUser];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// Who is acting: the authenticated user as the domain sees them. Every write carries one, so that
/// authorization (role and department) and the audit log speak about the same person.
/// </summary>
public sealed record Actor(
    string Username,
    IReadOnlyList<string> Roles,
    string? DepartmentCode,
    string? InspectorCertificateNo)
{
    public bool IsAdmin => Has(Identity.Roles.Admin);

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>True when this actor may act with <paramref name="role"/> for <paramref name="departmentCode"/>:
    /// platform admins act for every department, everyone else only for their own.</summary>
    public bool CanActFor(string role, string departmentCode) =>
        IsAdmin || (Has(role) && string.Equals(DepartmentCode, departmentCode, StringComparison.Ordinal));

    /// <summary>The actor used by start-up and maintenance commands, named so the audit log says so.</summary>
    public static Actor System(string what) => new($"system:{what}", [Identity.Roles.Admin], null, null);
}
