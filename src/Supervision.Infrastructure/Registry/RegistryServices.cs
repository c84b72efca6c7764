using Supervision.Core.Identity;
using Supervision.Infrastructure.Storage;

namespace Supervision.Infrastructure.Registry;

/// <summary>A department as a caller asks for it (fields as they arrived; the service validates them).</summary>
public sealed record DepartmentDraft(string? Code, string? Name, string? ParentCode, string? DivisionCode, string? PublishMode, int? YearlyCap);

/// <summary>An item of the list as a caller asks for it (fields as they arrived; the service validates them).</summary>
public sealed record ItemDraft(
    string? Code, string? Name, string? DepartmentCode, string? LegalBasis, string? Method, bool? IsKey,
    IReadOnlyList<string>? EntityTypes, IReadOnlyList<string>? Industries, IReadOnlyList<string>? ResultCodes, bool? Active);

/// <summary>
/// The one write path of departments (they have no grain: few, rarely written, never contended): validated with Core's
/// <c>DepartmentValidator</c>, authorized by <c>DirectoryAccess</c> inside, persisted with the audit line in one transaction.
/// Reads go to <see cref="DepartmentStore"/>.
/// </summary>
public interface IDepartmentService
{
    Task<ChangeResult<Department>> CreateAsync(DepartmentDraft draft, Actor actor, CancellationToken ct = default);

    /// <summary>Updates <paramref name="code"/> against the version the caller read; the draft's code, if given, must be the same.</summary>
    Task<ChangeResult<Department>> UpdateAsync(string code, DepartmentDraft draft, long expectedVersion, Actor actor, CancellationToken ct = default);
}

/// <summary>
/// The one write path of the item list: validated with Core's <c>InspectionItemValidator</c>, authorized inside (a
/// department's items are its schedulers'), persisted with the audit line in one transaction. Reads go to <see cref="InspectionItemStore"/>.
/// </summary>
public interface IInspectionItemService
{
    Task<ChangeResult<InspectionItem>> CreateAsync(ItemDraft draft, Actor actor, CancellationToken ct = default);

    /// <summary>Updates <paramref name="code"/> against the version the caller read; its department cannot change.</summary>
    Task<ChangeResult<InspectionItem>> UpdateAsync(string code, ItemDraft draft, long expectedVersion, Actor actor, CancellationToken ct = default);
}
