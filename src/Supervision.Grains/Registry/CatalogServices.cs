using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Registry;
using Supervision.Core.Validation;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;

namespace Supervision.Grains.Registry;

/// <summary>Departments' write path (<see cref="IDepartmentService"/>): authorize, validate, then one audited write.</summary>
public sealed class DepartmentService(DepartmentStore store, ReferenceData reference) : IDepartmentService
{
    public async Task<ChangeResult<Department>> CreateAsync(DepartmentDraft draft, Actor actor, CancellationToken ct = default)
    {
        if (!DirectoryAccess.MayMaintainDepartments(actor)) return ChangeResult.Forbidden<Department>(DirectoryAccess.DepartmentMaintenanceRefusal);
        var errors = await ValidateAsync(draft, draft.Code, ct);
        if (errors.Count > 0) return ChangeResult.Invalid<Department>(errors);
        return ChangeResult.From(await store.CreateAsync(ToDepartment(draft, draft.Code!), actor, ct), $"The department '{draft.Code}' exists already.");
    }

    public async Task<ChangeResult<Department>> UpdateAsync(string code, DepartmentDraft draft, long expectedVersion, Actor actor, CancellationToken ct = default)
    {
        if (!DirectoryAccess.MayMaintainDepartments(actor)) return ChangeResult.Forbidden<Department>(DirectoryAccess.DepartmentMaintenanceRefusal);
        if (draft.Code is not null && draft.Code != code)
            return ChangeResult.Invalid<Department>([FieldError.CannotChange("code", "cannot change; it is the department's key")]);
        var errors = await ValidateAsync(draft, code, ct);
        if (errors.Count > 0) return ChangeResult.Invalid<Department>(errors);
        return ChangeResult.From(await store.UpdateAsync(ToDepartment(draft, code), expectedVersion, actor, ct));
    }

    /// <summary>The fields (Core's rule), then the parent against the stored hierarchy.</summary>
    private async Task<List<FieldError>> ValidateAsync(DepartmentDraft draft, string? code, CancellationToken ct)
    {
        var errors = DepartmentValidator.Validate(code, draft.Name, draft.DivisionCode, draft.PublishMode, draft.YearlyCap, reference);
        if (draft.ParentCode is { } parent && code is not null)
        {
            var exists = parent != code && await store.GetAsync(parent, ct) is not null;
            var ancestors = exists ? await store.AncestorsAsync(parent, ct) : [];
            if (DepartmentValidator.ParentError(code, parent, exists, ancestors) is { } error) errors.Add(error);
        }

        return errors;
    }

    private static Department ToDepartment(DepartmentDraft d, string code) => new()
    {
        Code = code,
        Name = d.Name!.Trim(),
        ParentCode = d.ParentCode,
        DivisionCode = d.DivisionCode,
        PublishMode = d.PublishMode ?? DepartmentValidator.PublishByPublisher,
        YearlyCap = d.YearlyCap,
    };
}

/// <summary>The item list's write path (<see cref="IInspectionItemService"/>): validate, authorize by department, then one audited write.</summary>
public sealed class InspectionItemService(InspectionItemStore items, DepartmentStore departments, ReferenceData reference) : IInspectionItemService
{
    public async Task<ChangeResult<InspectionItem>> CreateAsync(ItemDraft draft, Actor actor, CancellationToken ct = default)
    {
        var errors = Validate(draft, draft.Code, draft.DepartmentCode);
        if (draft.DepartmentCode is { } department && errors.All(e => e.Field != "departmentCode") && await departments.GetAsync(department, ct) is null)
        {
            errors.Add(FieldError.NotFound("departmentCode", department, $"there is no department '{department}'"));
        }

        if (errors.Count > 0) return ChangeResult.Invalid<InspectionItem>(errors);
        if (DirectoryAccess.ItemWriteRefusal(actor, draft.DepartmentCode!, adding: true) is { } refusal) return ChangeResult.Forbidden<InspectionItem>(refusal);
        return ChangeResult.From(await items.CreateAsync(ToItem(draft, draft.Code!, draft.DepartmentCode!), actor, ct), $"The item '{draft.Code}' exists already.");
    }

    public async Task<ChangeResult<InspectionItem>> UpdateAsync(string code, ItemDraft draft, long expectedVersion, Actor actor, CancellationToken ct = default)
    {
        var current = await items.GetAsync(code, ct);
        if (current is null) return ChangeResult.NotFound<InspectionItem>();
        if (DirectoryAccess.ItemWriteRefusal(actor, current.DepartmentCode, adding: false) is { } refusal) return ChangeResult.Forbidden<InspectionItem>(refusal);
        var errors = Validate(draft, code, current.DepartmentCode);
        if (draft.DepartmentCode is not null && draft.DepartmentCode != current.DepartmentCode)
        {
            errors.Add(FieldError.CannotChange("departmentCode", "cannot change; create a new item in the other department"));
        }

        if (errors.Count > 0) return ChangeResult.Invalid<InspectionItem>(errors);
        return ChangeResult.From(await items.UpdateAsync(ToItem(draft, code, current.DepartmentCode), expectedVersion, actor, ct));
    }

    private List<FieldError> Validate(ItemDraft d, string? code, string? department) =>
        InspectionItemValidator.Validate(
            new InspectionItemRecord
            {
                Code = code ?? string.Empty,
                Name = d.Name ?? string.Empty,
                DepartmentCode = department ?? string.Empty,
                LegalBasis = d.LegalBasis ?? string.Empty,
                Method = d.Method ?? string.Empty,
                Key = d.IsKey ?? false,
                EntityTypes = d.EntityTypes ?? [],
                Industries = d.Industries ?? [],
                ResultCodes = d.ResultCodes ?? [],
            },
            reference).Errors.ToList();

    private static InspectionItem ToItem(ItemDraft d, string code, string department) => new()
    {
        Code = code,
        Name = d.Name!,
        DepartmentCode = department,
        LegalBasis = d.LegalBasis!,
        Method = d.Method!,
        IsKey = d.IsKey ?? false,
        EntityTypes = [.. d.EntityTypes ?? []],
        Industries = [.. d.Industries ?? []],
        ResultCodes = [.. d.ResultCodes ?? []],
        Active = d.Active ?? true,
    };
}
