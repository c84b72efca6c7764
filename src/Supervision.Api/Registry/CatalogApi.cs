using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Registry;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Api.Registry;

public sealed record DepartmentRequest(string? Code, string? Name, string? ParentCode, string? DivisionCode, string? PublishMode, int? YearlyCap);

public sealed record ItemRequest(
    string? Code, string? Name, string? DepartmentCode, string? LegalBasis, string? Method, bool? IsKey,
    IReadOnlyList<string>? EntityTypes, IReadOnlyList<string>? Industries, IReadOnlyList<string>? ResultCodes, bool? Active);

/// <summary>
/// The list (一单): departments and the random-inspection item list. Both are public information, so reads are
/// anonymous; writes are for platform admins (departments) and the owning department's schedulers (items).
/// </summary>
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var departments = app.MapGroup("/api/departments").WithTags("Departments");
        departments.MapGet("/", ListDepartments).AllowAnonymous().WithSummary("Departments, ordered by code; filter by name or code (q) and parent.");
        departments.MapGet("/{code}", GetDepartment).AllowAnonymous().WithSummary("One department, with its version as the ETag.");
        departments.MapPost("/", CreateDepartment).RequireAuthorization(Policies.Admin).WithSummary("Add a department (platform admins); 409 when the code exists.");
        departments.MapPut("/{code}", UpdateDepartment).RequireAuthorization(Policies.Admin).WithSummary("Requires If-Match.");

        var items = app.MapGroup("/api/items").WithTags("Inspection items");
        items.MapGet("/", ListItems).AllowAnonymous().WithSummary("The random-inspection item list; filter by department, text (q) and active.");
        items.MapGet("/{code}", GetItem).AllowAnonymous().WithSummary("One inspection item, with its version as the ETag.");
        items.MapPost("/", CreateItem).RequireAuthorization(Policies.Scheduling).WithSummary("Schedulers create items for their own department.");
        items.MapPut("/{code}", UpdateItem).RequireAuthorization(Policies.Scheduling).WithSummary("Requires If-Match; the department cannot change.");
        return app;
    }

    private static async Task<Results<Ok<Page<Department>>, ValidationProblem>> ListDepartments(
        string? q, string? parent, string? after, int? limit, DepartmentStore store, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        return TypedResults.Ok(Paging.Of(await store.ListAsync(q, parent, after, take, ct), take, d => d.Code));
    }

    private static async Task<Results<Ok<Department>, ProblemHttpResult>> GetDepartment(string code, HttpContext http, DepartmentStore store, CancellationToken ct)
    {
        var department = await store.GetAsync(code, ct);
        if (department is null)
        {
            return Problems.NotFound("department", code);
        }

        ETags.Set(http.Response, department.Version);
        return TypedResults.Ok(department);
    }

    private static async Task<Results<Created<Department>, ValidationProblem, ProblemHttpResult>> CreateDepartment(
        DepartmentRequest request, HttpContext http, DepartmentStore store, ReferenceData reference, CancellationToken ct)
    {
        var errors = await ValidateDepartmentAsync(request, request.Code, store, reference, ct);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var result = await store.CreateAsync(ToDepartment(request, request.Code!), http.User.ToActor(), ct);
        if (result.Outcome == WriteOutcome.AlreadyExists)
        {
            return Problems.Conflict($"The department '{request.Code}' exists already.");
        }

        ETags.Set(http.Response, result.Record!.Version);
        return TypedResults.Created($"/api/departments/{result.Record.Code}", result.Record);
    }

    private static async Task<Results<Ok<Department>, ValidationProblem, ProblemHttpResult>> UpdateDepartment(
        string code, DepartmentRequest request, HttpContext http, DepartmentStore store, ReferenceData reference, CancellationToken ct)
    {
        if (ETags.IfMatch(http.Request) is not { } expected)
        {
            return Problems.PreconditionRequired();
        }

        if (request.Code is not null && request.Code != code)
        {
            return Problems.Validation(FieldError.CannotChange("code", "cannot change; it is the department's key"));
        }

        var errors = await ValidateDepartmentAsync(request, code, store, reference, ct);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return Written(await store.UpdateAsync(ToDepartment(request, code), expected, http.User.ToActor(), ct), http, "department", code);
    }

    private static async Task<List<FieldError>> ValidateDepartmentAsync(
        DepartmentRequest request, string? code, DepartmentStore store, ReferenceData reference, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(code) || code.Length > FieldLimits.DepartmentCodeMax || !code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors.Add(string.IsNullOrWhiteSpace(code) ? FieldError.Required("code", $"is required: up to {FieldLimits.DepartmentCodeMax} letters, digits or '-'")
                : code.Length > FieldLimits.DepartmentCodeMax ? FieldError.TooLong("code", FieldLimits.DepartmentCodeMax, code.Length, $"is required: up to {FieldLimits.DepartmentCodeMax} letters, digits or '-'")
                : FieldError.Format("code", FieldFormats.Code, $"is required: up to {FieldLimits.DepartmentCodeMax} letters, digits or '-'", code));
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > FieldLimits.NameMax)
        {
            errors.Add(FieldError.RequiredText("name", request.Name, FieldLimits.NameMax, $"is required, at most {FieldLimits.NameMax} characters"));
        }
        else
        {
            Core.Text.TextRules.Check(errors, "name", request.Name);
        }

        if (request.DivisionCode is not null && !reference.IsValidDivision(request.DivisionCode))
        {
            errors.Add(FieldError.UnknownValue("divisionCode", request.DivisionCode, reason: $"'{request.DivisionCode}' is not a known GB/T 2260 division code"));
        }

        if (request.PublishMode is not null and not ("automatic" or "publisher"))
        {
            errors.Add(FieldError.UnknownValue("publishMode", request.PublishMode, ["automatic", "publisher"], "must be 'automatic' or 'publisher'"));
        }

        if (request.YearlyCap is < 1 or > 100)
        {
            errors.Add(FieldError.OutOfRange("yearlyCap", 1, 100, request.YearlyCap, "must be between 1 and 100 inspections per entity per year"));
        }

        if (request.ParentCode is { } parent && code is not null)
        {
            if (parent == code)
            {
                errors.Add(FieldError.NotAllowed("parentCode", "a department cannot be its own parent", parent));
            }
            else if (await store.GetAsync(parent, ct) is null)
            {
                errors.Add(FieldError.NotFound("parentCode", parent, $"there is no department '{parent}'"));
            }
            else if ((await store.AncestorsAsync(parent, ct)).Contains(code))
            {
                errors.Add(FieldError.NotAllowed("parentCode", $"'{parent}' is below '{code}'; the hierarchy would become a cycle", parent));
            }
        }

        return errors;
    }

    private static Department ToDepartment(DepartmentRequest r, string code) => new()
    {
        Code = code,
        Name = r.Name!.Trim(),
        ParentCode = r.ParentCode,
        DivisionCode = r.DivisionCode,
        PublishMode = r.PublishMode ?? "publisher",
        YearlyCap = r.YearlyCap,
    };

    private static async Task<Results<Ok<Page<InspectionItem>>, ValidationProblem>> ListItems(
        string? department, string? q, bool? active, string? after, int? limit, InspectionItemStore store, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        return TypedResults.Ok(Paging.Of(await store.ListAsync(department, q, active, after, take, ct), take, i => i.Code));
    }

    private static async Task<Results<Ok<InspectionItem>, ProblemHttpResult>> GetItem(string code, HttpContext http, InspectionItemStore store, CancellationToken ct)
    {
        var item = await store.GetAsync(code, ct);
        if (item is null)
        {
            return Problems.NotFound("item", code);
        }

        ETags.Set(http.Response, item.Version);
        return TypedResults.Ok(item);
    }

    private static async Task<Results<Created<InspectionItem>, ValidationProblem, ProblemHttpResult>> CreateItem(
        ItemRequest request, HttpContext http, InspectionItemStore items, DepartmentStore departments, ReferenceData reference, CancellationToken ct)
    {
        var actor = http.User.ToActor();
        var errors = ValidateItem(request, request.Code, request.DepartmentCode, reference);
        if (request.DepartmentCode is { } department && errors.All(e => e.Field != "departmentCode") && await departments.GetAsync(department, ct) is null)
        {
            errors.Add(FieldError.NotFound("departmentCode", department, $"there is no department '{department}'"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (!actor.CanActFor(Core.Identity.Roles.Scheduler, request.DepartmentCode!))
        {
            return Problems.Forbidden($"Only schedulers of '{request.DepartmentCode}' (or platform admins) can add its items.");
        }

        var result = await items.CreateAsync(ToItem(request, request.Code!, request.DepartmentCode!), actor, ct);
        if (result.Outcome == WriteOutcome.AlreadyExists)
        {
            return Problems.Conflict($"The item '{request.Code}' exists already.");
        }

        ETags.Set(http.Response, result.Record!.Version);
        return TypedResults.Created($"/api/items/{result.Record.Code}", result.Record);
    }

    private static async Task<Results<Ok<InspectionItem>, ValidationProblem, ProblemHttpResult>> UpdateItem(
        string code, ItemRequest request, HttpContext http, InspectionItemStore items, ReferenceData reference, CancellationToken ct)
    {
        if (ETags.IfMatch(http.Request) is not { } expected)
        {
            return Problems.PreconditionRequired();
        }

        var current = await items.GetAsync(code, ct);
        if (current is null)
        {
            return Problems.NotFound("item", code);
        }

        var actor = http.User.ToActor();
        if (!actor.CanActFor(Core.Identity.Roles.Scheduler, current.DepartmentCode))
        {
            return Problems.Forbidden($"Only schedulers of '{current.DepartmentCode}' (or platform admins) can change its items.");
        }

        var errors = ValidateItem(request, code, current.DepartmentCode, reference);
        if (request.DepartmentCode is not null && request.DepartmentCode != current.DepartmentCode)
        {
            errors.Add(FieldError.CannotChange("departmentCode", "cannot change; create a new item in the other department"));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return Written(await items.UpdateAsync(ToItem(request, code, current.DepartmentCode), expected, actor, ct), http, "item", code);
    }

    private static List<FieldError> ValidateItem(ItemRequest r, string? code, string? department, ReferenceData reference) =>
        InspectionItemValidator.Validate(
            new InspectionItemRecord
            {
                Code = code ?? string.Empty,
                Name = r.Name ?? string.Empty,
                DepartmentCode = department ?? string.Empty,
                LegalBasis = r.LegalBasis ?? string.Empty,
                Method = r.Method ?? string.Empty,
                Key = r.IsKey ?? false,
                EntityTypes = r.EntityTypes ?? [],
                Industries = r.Industries ?? [],
                ResultCodes = r.ResultCodes ?? [],
            },
            reference).Errors.ToList();

    private static InspectionItem ToItem(ItemRequest r, string code, string department) => new()
    {
        Code = code,
        Name = r.Name!,
        DepartmentCode = department,
        LegalBasis = r.LegalBasis!,
        Method = r.Method!,
        IsKey = r.IsKey ?? false,
        EntityTypes = [.. r.EntityTypes ?? []],
        Industries = [.. r.Industries ?? []],
        ResultCodes = [.. r.ResultCodes ?? []],
        Active = r.Active ?? true,
    };

    /// <summary>Maps a versioned write's outcome onto HTTP: 200 with the new ETag, 404, or 412.</summary>
    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Written<T>(WriteResult<T> result, HttpContext http, string what, string key)
        where T : class, IVersioned
    {
        switch (result.Outcome)
        {
            case WriteOutcome.NotFound:
                return Problems.NotFound(what, key);
            case WriteOutcome.VersionMismatch:
                return Problems.PreconditionFailed(result.Record!.Version);
            default:
                ETags.Set(http.Response, result.Record!.Version);
                return TypedResults.Ok(result.Record!);
        }
    }
}
