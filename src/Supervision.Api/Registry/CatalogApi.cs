using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Infrastructure.Registry;

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

    private static Task<Results<Ok<Page<Department>>, ValidationProblem>> ListDepartments(
        string? q, string? parent, string? after, int? limit, DepartmentStore store, CancellationToken ct) =>
        Answers.PageAsync(limit, take => store.ListAsync(q, parent, after, take, ct), d => d.Code);

    private static async Task<Results<Ok<Department>, ProblemHttpResult>> GetDepartment(string code, HttpContext http, DepartmentStore store, CancellationToken ct) =>
        Answers.Found(await store.GetAsync(code, ct), http, "department", code);

    private static async Task<Results<Created<Department>, ValidationProblem, ProblemHttpResult>> CreateDepartment(
        DepartmentRequest request, HttpContext http, IDepartmentService departments, CancellationToken ct) =>
        Answers.Created(await departments.CreateAsync(Draft(request), http.User.ToActor(), ct), http, $"/api/departments/{request.Code}", "department", request.Code ?? "");

    private static Task<Results<Ok<Department>, ValidationProblem, ProblemHttpResult>> UpdateDepartment(
        string code, DepartmentRequest request, HttpContext http, IDepartmentService departments, CancellationToken ct) =>
        Answers.UpdatedAsync(http, "department", code, expected => departments.UpdateAsync(code, Draft(request), expected, http.User.ToActor(), ct));

    private static DepartmentDraft Draft(DepartmentRequest r) => new(r.Code, r.Name, r.ParentCode, r.DivisionCode, r.PublishMode, r.YearlyCap);

    private static Task<Results<Ok<Page<InspectionItem>>, ValidationProblem>> ListItems(
        string? department, string? q, bool? active, string? after, int? limit, InspectionItemStore store, CancellationToken ct) =>
        Answers.PageAsync(limit, take => store.ListAsync(department, q, active, after, take, ct), i => i.Code);

    private static async Task<Results<Ok<InspectionItem>, ProblemHttpResult>> GetItem(string code, HttpContext http, InspectionItemStore store, CancellationToken ct) =>
        Answers.Found(await store.GetAsync(code, ct), http, "item", code);

    private static async Task<Results<Created<InspectionItem>, ValidationProblem, ProblemHttpResult>> CreateItem(
        ItemRequest request, HttpContext http, IInspectionItemService items, CancellationToken ct) =>
        Answers.Created(await items.CreateAsync(Draft(request), http.User.ToActor(), ct), http, $"/api/items/{request.Code}", "item", request.Code ?? "");

    private static Task<Results<Ok<InspectionItem>, ValidationProblem, ProblemHttpResult>> UpdateItem(
        string code, ItemRequest request, HttpContext http, IInspectionItemService items, CancellationToken ct) =>
        Answers.UpdatedAsync(http, "item", code, expected => items.UpdateAsync(code, Draft(request), expected, http.User.ToActor(), ct));

    private static ItemDraft Draft(ItemRequest r) =>
        new(r.Code, r.Name, r.DepartmentCode, r.LegalBasis, r.Method, r.IsKey, r.EntityTypes, r.Industries, r.ResultCodes, r.Active);
}
